"""The draft notice an approver reads before approving (決裁): the letter that approval would
issue, rendered from the drafted decision exactly as letter_render will print it, with the
document number still to be taken (it is allocated only when the letter is issued)."""

import dataclasses

from django.utils import timezone

from requests_portal.decisions import LETTER_FOR_DECISION
from requests_portal.letters.kinds import notice_for
from requests_portal.letters.sources import LetterSource, load_source, provision_records_snapshot
from requests_portal.models import DataSubjectRequest, Letter, LetterKind, RequestKind

# Shown where the issued letter prints its 文書番号 (numbers are gap-free, so none is taken here).
NUMBER_PENDING = "（文書番号は決裁後に付番）"


def draft_notice_source(dsr: DataSubjectRequest) -> LetterSource | None:
    """The source of the notice approving `dsr`'s draft would issue today; None without a draft
    decision that produces a letter."""
    letter_kind = LETTER_FOR_DECISION.get(dsr.decision)
    if not letter_kind:
        return None
    payload = {
        "decision": dsr.decision,
        "ground": dsr.decision_ground,
        "reason": dsr.decision_reason,
        "details": dsr.decision_details or {},
        "approved_at": None,
    }
    if dsr.kind == RequestKind.PROVISION_RECORDS and letter_kind == LetterKind.DISCLOSURE_DECISION:
        # The rows approval will freeze into the letter: those disclosed when the draft was made.
        record_ids = (dsr.decision_details or {}).get("provision_record_ids")
        payload["provision_records"] = provision_records_snapshot(dsr, record_ids)
    # An unsaved letter stands in for the one approval creates, so the same reads fill it.
    letter = Letter(dsr=dsr, kind=letter_kind, payload=payload, by_post=dsr.notify_by_post)
    source = load_source(letter, issued_on=timezone.localdate())
    return dataclasses.replace(source, document_number=NUMBER_PENDING)


def draft_notice_html(dsr: DataSubjectRequest) -> str:
    """The draft notice as a page fragment, or "" when the draft produces no letter."""
    source = draft_notice_source(dsr)
    return notice_for(source).embedded_html() if source is not None else ""
