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


def provision_records_snapshot(member: Member) -> list[dict]:
    """The member's Art. 29/30 records as plain values, frozen into the letter at its first render."""
    rows = ProvisionRecord.objects.filter(member=member).order_by("occurred_on", "id")
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
            "acquisition_method": row.acquisition_method,
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
