"""Writes. Every public service runs in one transaction, drives `workflow.transition()` for
status changes, writes the events, audit entries, letters and outbox mails it implies, and
queues follow-up work only after commit (`queueing.enqueue_on_commit`).

Arguments are keyword-only; `actor` is the person acting (None: the system). The services are
grouped by the stage of a case (intake, handling, decision, disclosure); callers import them
from here.
"""

from requests_portal.letters.services import disclosure_packages_follow_notice
from requests_portal.services.decision import (
    decision_payload,
    dsr_approve_decision,
    dsr_close,
    dsr_draft_decision,
    dsr_mark_notified,
    dsr_reject_identity,
    dsr_reopen,
    dsr_return_decision,
    dsr_withdraw,
)
from requests_portal.services.disclosure import dsr_attach_disclosure_package
from requests_portal.services.handling import (
    dsr_answer_amendment,
    dsr_assign,
    dsr_claim,
    dsr_extend,
    dsr_post_message,
    dsr_record_file_download,
    dsr_record_identity,
    dsr_request_amendment,
    dsr_set_letter_routing,
    dsr_start_review,
    dsr_take_over,
)
from requests_portal.services.intake import dsr_submit, queue_for_kind
from requests_portal.services.links import dsr_link, dsr_record_possible_duplicates, dsr_unlink
from requests_portal.services.masking import MaskRectangle, dsr_mask_document

__all__ = [
    "MaskRectangle",
    "decision_payload",
    "disclosure_packages_follow_notice",
    "dsr_answer_amendment",
    "dsr_approve_decision",
    "dsr_assign",
    "dsr_attach_disclosure_package",
    "dsr_claim",
    "dsr_close",
    "dsr_draft_decision",
    "dsr_extend",
    "dsr_link",
    "dsr_mark_notified",
    "dsr_mask_document",
    "dsr_post_message",
    "dsr_record_file_download",
    "dsr_record_identity",
    "dsr_record_possible_duplicates",
    "dsr_reject_identity",
    "dsr_reopen",
    "dsr_request_amendment",
    "dsr_return_decision",
    "dsr_set_letter_routing",
    "dsr_start_review",
    "dsr_submit",
    "dsr_take_over",
    "dsr_unlink",
    "dsr_withdraw",
    "queue_for_kind",
]
