"""Intake: a request is filed (by the member online, or by staff for a paper request) and
lands in its queue with its reference number, deadline, acknowledgement letter and mail."""

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from requests_portal import audit, deadlines
from requests_portal.exceptions import DomainError
from requests_portal.letters import letter_create
from requests_portal.models import (
    AGENT_FIELDS,
    AGENT_REQUESTER_TYPES,
    FEE_ELIGIBLE_KINDS,
    Channel,
    DataSubjectRequest,
    DisclosureMethod,
    Document,
    EventType,
    FeeSetting,
    IdentityMethod,
    IdentityResult,
    LetterKind,
    Member,
    Queue,
    RequesterType,
    RequestEvent,
    RequestKind,
    Status,
    User,
)
from requests_portal.models.request_kinds import validate_details
from requests_portal.notifications import notify_member
from requests_portal.numbering import allocate_number, fiscal_year
from requests_portal.services.checks import reject_my_numbers
from requests_portal.services.links import dsr_record_possible_duplicates
from requests_portal.text import clean_line, clean_text


def _strings_in(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for v in value.values() for s in _strings_in(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings_in(v)]
    return []


def queue_for_kind(kind: str) -> Queue:
    """My Number inquiries go to the restricted queue; everything else to 総務部."""
    return Queue.objects.get(code=Queue.MY_NUMBER if kind == RequestKind.MY_NUMBER_INQUIRY else Queue.GA)


def _as_received_at(received: date | datetime | None) -> datetime:
    now = timezone.now()
    if received is None:
        return now
    if isinstance(received, datetime):
        if timezone.is_naive(received):
            raise DomainError(_("到達日時にタイムゾーンがありません。"))
        value = received
    elif isinstance(received, date):
        if received > timezone.localdate():
            raise DomainError(_("到達日に未来の日付は指定できません。"))
        # A paper request's arrival is a date; count it from the start of the office day
        # (or from now, for a request typed in before 9:00 on the day it arrived).
        value = min(timezone.make_aware(datetime.combine(received, time(9, 0))), now)
    else:
        raise TypeError("received must be a date or an aware datetime")
    if value > now:
        raise DomainError(_("到達日に未来の日付は指定できません。"))
    return value


@transaction.atomic
def dsr_submit(
    *,
    actor: User | None,
    member: Member,
    kind: str,
    requester_type: str = RequesterType.SELF,
    channel: str = Channel.PORTAL,
    received: date | datetime | None = None,
    summary: str = "",
    description: str = "",
    details: Mapping | None = None,
    disclosure_method: str = "",
    disclosure_format: str = "",
    agent: Mapping[str, str] | None = None,
    letters_to_member: bool = False,
    documents: Iterable[Document] = (),
    reauthenticated_at: datetime | None = None,
) -> DataSubjectRequest:
    """File a request (member or staff). Writes the case, its first event, the acknowledgement
    letter (PENDING) and mail. Raises DomainError on bad input; nothing is written then."""
    if kind not in RequestKind.values:
        raise DomainError(_("請求の種類が正しくありません。"))
    if requester_type not in RequesterType.values:
        raise DomainError(_("請求者の区分が正しくありません。"))
    if channel not in Channel.values:
        raise DomainError(_("受付経路が正しくありません。"))
    if disclosure_method and disclosure_method not in DisclosureMethod.values:
        raise DomainError(_("開示の方法が正しくありません。"))
    if not isinstance(member, Member) or member.pk is None:
        raise TypeError("member must be a saved Member")
    agent = {key: clean_line(str(value)) for key, value in (agent or {}).items() if key in AGENT_FIELDS}
    if requester_type in AGENT_REQUESTER_TYPES and not agent.get("agent_name"):
        raise DomainError(_("代理人の氏名を入力してください。"))
    summary, description = clean_line(summary), clean_text(description)
    details = dict(details or {})
    reject_my_numbers(
        [summary, description, *_strings_in(details), *agent.values()],
        where=pgettext("where a My Number was found", "請求の内容"),
    )
    validate_details(kind, details)

    received_at = _as_received_at(received if channel != Channel.PORTAL else None)
    queue = queue_for_kind(kind)
    number = allocate_number(scope=f"reference:{queue.code}", year=fiscal_year(timezone.localdate(received_at)))
    fee = FeeSetting.objects.filter(kind=kind).first() if kind in FEE_ELIGIBLE_KINDS else None
    dsr = DataSubjectRequest(
        reference=f"{queue.reference_prefix}-{fiscal_year(timezone.localdate(received_at))}-{number:05d}",
        kind=kind,
        queue=queue,
        member=member,
        filed_by=actor,
        channel=channel,
        notify_by_post=channel != Channel.PORTAL,
        requester_type=requester_type,
        summary=summary,
        description=description,
        details=details,
        disclosure_method=disclosure_method,
        disclosure_format=disclosure_format,
        fee_yen=fee.amount_yen if fee else None,
        received_at=received_at,
        complete_at=received_at,
        due_date=deadlines.due_date_for(timezone.localdate(received_at)),
        # The principal's wish to get the answers themselves (docs/legal.md#agents).
        letters_to_member=bool(letters_to_member) and requester_type in AGENT_REQUESTER_TYPES,
        **agent,
    )
    window = timedelta(seconds=_reauth_window_seconds())
    if (
        channel == Channel.PORTAL
        and requester_type == RequesterType.SELF
        and reauthenticated_at is not None
        and timezone.now() - reauthenticated_at <= window
    ):
        # A fresh re-authentication by the member is the identity check (docs/legal.md#identity).
        dsr.identity_method = IdentityMethod.REAUTH
        dsr.identity_result = IdentityResult.VERIFIED
        dsr.identity_verified_at = reauthenticated_at
    dsr.full_clean(exclude=["filed_by", "member", "queue"])
    dsr.save()

    attached = 0
    for document in documents:
        if document.dsr_id is not None or (actor is not None and document.owner_id != actor.pk):
            raise DomainError(_("添付できない書類が含まれています。"))
        # Attached, the upload follows the case's retention rules, not the wizard's grace period.
        document.dsr, document.purge_after = dsr, None
        document.save(update_fields=["dsr", "purge_after"])
        attached += 1

    RequestEvent.objects.create(
        dsr=dsr,
        actor=actor,
        event_type=EventType.SUBMITTED,
        to_status=Status.SUBMITTED,
        member_visible=True,
        extra={"channel": channel, "documents": attached},
    )
    # Online, by post or at the counter, every filing comes through here: look for the open case
    # it may repeat (docs/architecture.md#duplicates).
    candidates = dsr_record_possible_duplicates(dsr=dsr)
    audit.record(
        action="dsr.create",
        actor=actor,
        obj=dsr,
        data={"kind": kind, "channel": channel, "possible_duplicates": len(candidates)},
    )
    letter_create(dsr=dsr, kind=LetterKind.ACKNOWLEDGEMENT, cause="acknowledgement", actor=actor)
    notify_member(dsr, template="dsr_received", cause="mail:received")
    return dsr


def _reauth_window_seconds() -> int:
    return int(settings.ACCOUNT_REAUTHENTICATION_TIMEOUT)
