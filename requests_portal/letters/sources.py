"""What a notice is printed from: the letter's frozen payload plus the case, read once.

`load_source` does every database read a render needs, so the notice classes in kinds.py
are plain functions of a `LetterSource` (and `letters_preview` can build one in memory).
"""

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.utils import timezone

from requests_portal.models import (
    DataSubjectRequest,
    FeeSetting,
    Letter,
    LetterKind,
    Member,
    Message,
    OrganisationProfile,
    ProvisionRecord,
    RequestKind,
    RetentionPolicy,
)


@dataclass(frozen=True)
class LetterSource:
    kind: str
    payload: dict
    document_number: str
    issued_on: date
    by_post: bool
    dsr: DataSubjectRequest
    member: Member
    profile: OrganisationProfile
    fee_payment_methods: str = ""
    amendment_message: str = ""
    download_days: int = 14
    # The earlier letter this one replaces (a staff re-render): its number and date.
    replaces_number: str = ""
    replaces_date: date | None = None
    extra: dict = field(default_factory=dict)

    @property
    def auto_withdraw_days(self) -> int:
        return int(getattr(settings, "DSR_AMENDMENT_AUTO_WITHDRAW_DAYS", 0))


def provision_records_snapshot(dsr: DataSubjectRequest, record_ids: list[int] | None = None) -> list[dict]:
    """The records a records-disclosure notice prints, as plain values frozen into the letter at
    its first render: those of `record_ids` (the ones disclosed when the decision was drafted)
    that still exist, or, for a decision drafted without that list, every record of the member
    not withheld on this case. Every column 個人情報保護委員会規則第20条・第24条 asks for is kept."""
    rows = ProvisionRecord.objects.filter(member_id=dsr.member_id).order_by("occurred_on", "id")
    if record_ids is not None:
        rows = rows.filter(pk__in=record_ids)
    else:
        rows = rows.exclude(choices__dsr=dsr, choices__withheld=True)
    return [
        {
            "direction": str(row.get_direction_display()),
            "received": row.direction == ProvisionRecord.Direction.RECEIVED,
            "occurred_on": row.occurred_on.isoformat(),
            "third_party_name": row.third_party_name,
            "third_party_address": row.third_party_address,
            "third_party_representative": row.third_party_representative,
            "data_items": row.data_items,
            "consent_obtained": row.consent_obtained,
            "legal_basis": row.legal_basis,
            "statutory_basis": row.statutory_basis,
            "acquisition_method": row.acquisition_method,
            "opt_out_published": row.opt_out_published,
        }
        for row in rows
    ]


def needs_provision_records(letter: Letter) -> bool:
    return (
        letter.dsr.kind == RequestKind.PROVISION_RECORDS
        and letter.kind == LetterKind.DISCLOSURE_DECISION
        and "provision_records" not in letter.payload
    )


def load_source(letter: Letter, *, issued_on: date) -> LetterSource:
    """Everything `letter` prints, read from the database (the caller holds the letter's lock)."""
    dsr = letter.dsr
    fee = FeeSetting.objects.filter(kind=dsr.kind).first()
    message = ""
    if letter.kind == LetterKind.AMENDMENT_REQUEST and (message_id := letter.payload.get("message_id")):
        message = Message.objects.filter(pk=message_id, dsr=dsr).values_list("body", flat=True).first() or ""
    replaces = letter.supersedes
    return LetterSource(
        kind=letter.kind,
        payload=letter.payload,
        document_number=letter.document_number,
        issued_on=issued_on,
        by_post=letter.by_post,
        dsr=dsr,
        member=dsr.member,
        profile=OrganisationProfile.load(),
        fee_payment_methods=fee.payment_methods if fee else "",
        amendment_message=message,
        download_days=RetentionPolicy.load().disclosure_download_days,
        replaces_number=replaces.document_number if replaces is not None else "",
        replaces_date=timezone.localdate(replaces.rendered_at)
        if replaces is not None and replaces.rendered_at
        else None,
    )
