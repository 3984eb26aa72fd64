"""Writes. Every public service runs in one transaction, drives `workflow.transition()` for
status changes, writes the events, audit entries, letters and outbox mails it implies, and
queues follow-up work only through `transaction.on_commit`.

Arguments are keyword-only; `actor` is the person acting (None: the system).
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from requests_portal import audit, deadlines, storage, workflow
from requests_portal.decisions import LETTER_FOR_DECISION, validate_decision
from requests_portal.exceptions import DomainError
from requests_portal.letters import letter_create
from requests_portal.models import (
    AGENT_FIELDS,
    AGENT_REQUESTER_TYPES,
    FEE_ELIGIBLE_KINDS,
    Channel,
    DataSubjectRequest,
    Decision,
    DisclosureMethod,
    Document,
    DocumentCategory,
    EventType,
    FeeSetting,
    IdDocumentType,
    IdentityMethod,
    IdentityResult,
    LetterKind,
    Member,
    Message,
    MessageDirection,
    Queue,
    RequesterType,
    RequestEvent,
    RequestKind,
    Status,
    User,
)
from requests_portal.mynumber import contains_my_number
from requests_portal.numbering import allocate_number, fiscal_year
from requests_portal.outbox import mail_enqueue
from requests_portal.permissions import can_handle_dsr, is_member_party
from requests_portal.selectors import disclosure_download_until, disclosure_package_check
from requests_portal.text import normalize_line, normalize_text
from requests_portal.uploads import UploadRejected, accept_upload, rejection_text

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile


def _reject_my_numbers(values: Iterable[object], *, where: str) -> None:
    for value in values:
        if isinstance(value, str) and contains_my_number(value):
            raise DomainError(
                _("%(where)sにマイナンバーと思われる番号が含まれています。マイナンバーは入力しないでください。")
                % {"where": where}
            )


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


def _member_recipient(dsr: DataSubjectRequest) -> tuple[User | None, str]:
    """Who gets the case's mail: the login that filed it online, else the subject's login, else the
    agent's address. (A paper request's filed_by is the clerk who registered it: never a recipient.)"""
    if dsr.channel == Channel.PORTAL and dsr.filed_by is not None and not dsr.filed_by.groups.exists():
        return dsr.filed_by, ""
    member_user = User.objects.filter(member_id=dsr.member_id, is_active=True).first()
    if member_user is not None:
        return member_user, ""
    return None, dsr.agent_email or dsr.member.email


def _notify_member(dsr: DataSubjectRequest, *, template: str, cause: str, context: dict | None = None) -> None:
    to_user, to_email = _member_recipient(dsr)
    mail_enqueue(
        key=f"dsr:{dsr.pk}:{cause}",
        template=template,
        context={"dsr": dsr, **(context or {})},
        to_user=to_user,
        to_email=to_email,
        dsr=dsr,
    )


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
    agent = {key: normalize_line(str(value)) for key, value in (agent or {}).items() if key in AGENT_FIELDS}
    if requester_type in AGENT_REQUESTER_TYPES and not agent.get("agent_name"):
        raise DomainError(_("代理人の氏名を入力してください。"))
    summary, description = normalize_line(summary), normalize_text(description)
    details = dict(details or {})
    _reject_my_numbers(
        [summary, description, *_strings_in(details), *agent.values()],
        where=pgettext("where a My Number was found", "請求の内容"),
    )

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
        **agent,
    )
    window = timezone.timedelta(seconds=_reauth_window_seconds())
    if (
        channel == Channel.PORTAL
        and requester_type == RequesterType.SELF
        and reauthenticated_at is not None
        and timezone.now() - reauthenticated_at <= window
    ):
        # DOMAIN.md §9 item 5: a fresh re-authentication by the member is the identity check.
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
    audit.record(action="dsr.create", actor=actor, obj=dsr, data={"kind": kind, "channel": channel})
    letter_create(dsr=dsr, kind=LetterKind.ACKNOWLEDGEMENT, cause="acknowledgement", actor=actor)
    _notify_member(dsr, template="dsr_received", cause="mail:received")
    return dsr


def _reauth_window_seconds() -> int:
    from django.conf import settings

    return int(settings.ACCOUNT_REAUTHENTICATION_TIMEOUT)


def _require_handler(actor: User, dsr: DataSubjectRequest) -> None:
    if not can_handle_dsr(actor, dsr):
        raise DomainError(_("この事案を処理する権限がありません。"))


@transaction.atomic
def dsr_assign(*, dsr: DataSubjectRequest, assignee: User | None, actor: User) -> DataSubjectRequest:
    """Assign (or unassign, with None) a case; the assignee must be able to work it."""
    _require_handler(actor, dsr)
    if assignee is not None and not can_handle_dsr(assignee, dsr):
        raise DomainError(_("この職員はこの事案を担当できません。"))
    locked = DataSubjectRequest.objects.select_for_update().get(pk=dsr.pk)
    previous = locked.assignee_id
    locked.assignee = assignee
    locked.save(update_fields=["assignee", "updated_at"])
    RequestEvent.objects.create(
        dsr=locked,
        actor=actor,
        event_type=EventType.ASSIGNED,
        extra={"from": previous, "to": assignee.pk if assignee else None},
    )
    audit.record(action="dsr.assign", actor=actor, obj=locked, data={"assignee_id": assignee.pk if assignee else None})
    dsr.assignee = assignee
    if locked.status == Status.SUBMITTED:
        workflow.transition(dsr, to=Status.VERIFYING, actor=actor, member_visible=True)
        # Identity already complete (re-authentication at filing, or recorded while the case was
        # still 受付): nothing is left to verify. Read from the locked row, not the caller's copy.
        if locked.identity_complete:
            _start_review(dsr, actor=actor)
    return dsr


def _start_review(dsr: DataSubjectRequest, *, actor: User) -> None:
    # Stored on the timeline, which the member reads too: in the portal's own language, not in
    # whichever language the clerk happens to use.
    with translation.override(settings.LANGUAGE_CODE):
        note = _("本人確認済み（%(method)s）") % {"method": dsr.get_identity_method_display()}
    workflow.transition(dsr, to=Status.IN_REVIEW, actor=actor, note=note, member_visible=True)


@transaction.atomic
def dsr_start_review(*, dsr: DataSubjectRequest, actor: User) -> DataSubjectRequest:
    """Move a case in 本人確認中 whose identity is already confirmed on to 審査中 (handlers).
    Raises DomainError when identity is not yet complete."""
    _require_handler(actor, dsr)
    # Checked under the row lock: a case that has meanwhile gone to 補正待ち must not leave it
    # through this door (AWAITING_REQUESTER→IN_REVIEW is also a handler's move in the table).
    locked = DataSubjectRequest.objects.select_for_update().get(pk=dsr.pk)
    if locked.status != Status.VERIFYING or not locked.identity_complete:
        raise DomainError(_("本人確認が完了していないため、審査を開始できません。"))
    _start_review(locked, actor=actor)
    dsr.refresh_from_db()
    return dsr


@transaction.atomic
def dsr_record_identity(
    *,
    dsr: DataSubjectRequest,
    actor: User,
    method: str,
    result: str,
    id_doc_type: str = "",
    authority_checked: bool = False,
    authority_doc_type: str = "",
) -> DataSubjectRequest:
    """Record the identity check (type, result, who; never a document number). A verified
    result moves a case in 本人確認中 on to 審査中."""
    _require_handler(actor, dsr)
    if method not in IdentityMethod.values or result not in IdentityResult.values:
        raise DomainError(_("本人確認の方法と結果を選んでください。"))
    if id_doc_type and id_doc_type not in IdDocumentType.values:
        raise DomainError(_("本人確認書類の種類が正しくありません。"))
    if method in (IdentityMethod.DOCUMENT, IdentityMethod.IN_PERSON) and not id_doc_type:
        raise DomainError(_("確認した書類の種類を選んでください。"))
    authority_doc_type = normalize_line(authority_doc_type)
    _reject_my_numbers([authority_doc_type], where=pgettext("where a My Number was found", "書類の種類"))
    locked = DataSubjectRequest.objects.select_for_update().get(pk=dsr.pk)
    if locked.status not in (Status.SUBMITTED, Status.VERIFYING, Status.AWAITING_REQUESTER):
        raise DomainError(_("この状態では本人確認を記録できません。"))
    if locked.identity_by_reauth:
        raise DomainError(_("この請求はポータルでの再認証により本人確認済みです。改めて記録する必要はありません。"))
    now = timezone.now()
    locked.identity_method, locked.identity_result, locked.id_doc_type = method, result, id_doc_type
    locked.identity_verified_at, locked.identity_verified_by = now, actor
    fields = ["identity_method", "identity_result", "id_doc_type", "identity_verified_at", "identity_verified_by"]
    if locked.has_agent and authority_checked:
        if not authority_doc_type:
            raise DomainError(_("確認した代理権の書類（委任状、戸籍謄本など）を入力してください。"))
        locked.authority_checked_at, locked.authority_checked_by = now, actor
        locked.authority_doc_type = authority_doc_type
        fields += ["authority_checked_at", "authority_checked_by", "authority_doc_type"]
    locked.save(update_fields=[*fields, "updated_at"])
    RequestEvent.objects.create(
        dsr=locked,
        actor=actor,
        event_type=EventType.IDENTITY_RECORDED,
        extra={"method": method, "result": result, "id_doc_type": id_doc_type, "authority_checked": authority_checked},
    )
    audit.record(action="dsr.identity", actor=actor, obj=locked, data={"method": method, "result": result})
    if locked.status == Status.SUBMITTED:
        workflow.transition(locked, to=Status.VERIFYING, actor=actor)
    identity_complete = result == IdentityResult.VERIFIED and (not locked.has_agent or locked.authority_checked_at)
    if identity_complete and locked.status == Status.VERIFYING:
        workflow.transition(locked, to=Status.IN_REVIEW, actor=actor)
    dsr.refresh_from_db()
    return dsr


@transaction.atomic
def dsr_request_amendment(
    *, dsr: DataSubjectRequest, actor: User, message: str, reply_due_date: date
) -> DataSubjectRequest:
    """Ask the requester for more (補正): a message with a due date; the clock pauses."""
    _require_handler(actor, dsr)
    message = normalize_text(message)
    if not message:
        raise DomainError(_("補正をお願いする内容を入力してください。"))
    _reject_my_numbers([message], where=pgettext("where a My Number was found", "メッセージ"))
    if not isinstance(reply_due_date, date) or reply_due_date <= timezone.localdate():
        raise DomainError(_("回答期限には明日以降の日付を指定してください。"))
    msg = Message.objects.create(
        dsr=dsr, author=actor, direction=MessageDirection.TO_MEMBER, body=message, reply_due_date=reply_due_date
    )
    event = workflow.transition(
        dsr, to=Status.AWAITING_REQUESTER, actor=actor, extra={"message_id": msg.pk, "reply_due": str(reply_due_date)}
    )
    letter_create(
        dsr=dsr,
        kind=LetterKind.AMENDMENT_REQUEST,
        cause=f"amendment-{event.pk}",
        actor=actor,
        payload={"message_id": msg.pk, "reply_due_date": reply_due_date.isoformat()},
    )
    _notify_member(
        dsr,
        template="dsr_amendment_requested",
        cause=f"mail:amendment-{event.pk}",
        context={"reply_due_date": reply_due_date},
    )
    return dsr


def _resume_target(dsr: DataSubjectRequest) -> Status:
    paused = (
        dsr.events.filter(event_type=EventType.STATUS_CHANGED, to_status=Status.AWAITING_REQUESTER)
        .order_by("-at", "-id")
        .values_list("from_status", flat=True)
        .first()
    )
    return Status.IN_REVIEW if paused == Status.IN_REVIEW else Status.VERIFYING


@transaction.atomic
def dsr_answer_amendment(
    *, dsr: DataSubjectRequest, actor: User, message: str, documents: Iterable[Document] = ()
) -> DataSubjectRequest:
    """The requester answers a 補正 request; the clock resumes."""
    if not is_member_party(actor, dsr):
        raise DomainError(_("この事案に回答する権限がありません。"))
    message = normalize_text(message)
    _reject_my_numbers([message], where=pgettext("where a My Number was found", "メッセージ"))
    documents = list(documents)
    if not message and not documents:
        raise DomainError(_("メッセージを入力するか、書類を添付してください。"))
    if message:
        Message.objects.create(dsr=dsr, author=actor, direction=MessageDirection.FROM_MEMBER, body=message)
    for document in documents:
        if document.dsr_id is not None or document.owner_id != actor.pk:
            raise DomainError(_("添付できない書類が含まれています。"))
        document.dsr, document.purge_after = dsr, None
        document.save(update_fields=["dsr", "purge_after"])
        RequestEvent.objects.create(
            dsr=dsr,
            actor=actor,
            event_type=EventType.DOCUMENT_ADDED,
            member_visible=True,
            extra={"document_id": document.pk},
        )
    audit.record(action="dsr.amendment_answer", actor=actor, obj=dsr, data={"documents": len(documents)})
    workflow.transition(dsr, to=_resume_target(dsr), actor=actor)
    return dsr


@transaction.atomic
def dsr_extend(*, dsr: DataSubjectRequest, actor: User, new_due_date: date, reason: str) -> DataSubjectRequest:
    """Move the target date later, with a reason; creates the extension notice."""
    _require_handler(actor, dsr)
    reason = normalize_text(reason) if isinstance(reason, str) else reason
    locked = DataSubjectRequest.objects.select_for_update().get(pk=dsr.pk)
    if not locked.is_open and locked.status != Status.DECIDED:
        raise DomainError(_("回答済みまたは終了した事案の期限は延長できません。"))
    deadlines.validate_extension(
        current_due=locked.due_date, new_due=new_due_date, reason=reason, today=timezone.localdate()
    )
    _reject_my_numbers([reason], where=pgettext("where a My Number was found", "延長の理由"))
    previous = locked.due_date
    locked.extended_due_date = new_due_date
    locked.extension_reason = reason
    locked.extended_at, locked.extended_by = timezone.now(), actor
    locked.due_date = new_due_date
    locked.save(
        update_fields=["extended_due_date", "extension_reason", "extended_at", "extended_by", "due_date", "updated_at"]
    )
    event = RequestEvent.objects.create(
        dsr=locked,
        actor=actor,
        event_type=EventType.EXTENDED,
        note=reason,
        member_visible=True,
        extra={"from": previous.isoformat(), "to": new_due_date.isoformat()},
    )
    audit.record(
        action="dsr.extend",
        actor=actor,
        obj=locked,
        data={"from": previous.isoformat(), "to": new_due_date.isoformat()},
    )
    letter_create(
        dsr=locked,
        kind=LetterKind.EXTENSION_NOTICE,
        cause=f"extension-{event.pk}",
        actor=actor,
        payload={"previous_due_date": previous.isoformat(), "new_due_date": new_due_date.isoformat(), "reason": reason},
    )
    _notify_member(
        locked, template="dsr_extended", cause=f"mail:extension-{event.pk}", context={"new_due_date": new_due_date}
    )
    dsr.refresh_from_db()
    return dsr


@transaction.atomic
def dsr_draft_decision(
    *,
    dsr: DataSubjectRequest,
    actor: User,
    decision: str,
    ground: str = "",
    reason: str = "",
    details: Mapping | None = None,
) -> DataSubjectRequest:
    """Draft the decision and send it for approval. Raises DecisionInvalid with field errors."""
    _require_handler(actor, dsr)
    locked = DataSubjectRequest.objects.select_for_update().get(pk=dsr.pk)
    if locked.status != Status.IN_REVIEW:
        raise DomainError(_("決定案は審査中の事案にのみ作成できます。"))
    cleaned = validate_decision(kind=locked.kind, decision=decision, ground=ground, reason=reason, details=details)
    locked.decision, locked.decision_ground = decision, ground
    locked.decision_reason, locked.decision_details = normalize_text(reason or ""), cleaned
    locked.drafted_by, locked.drafted_at = actor, timezone.now()
    locked.save(
        update_fields=[
            "decision",
            "decision_ground",
            "decision_reason",
            "decision_details",
            "drafted_by",
            "drafted_at",
            "updated_at",
        ]
    )
    RequestEvent.objects.create(
        dsr=locked, actor=actor, event_type=EventType.DECISION_DRAFTED, extra={"decision": decision}
    )
    workflow.transition(locked, to=Status.AWAITING_APPROVAL, actor=actor, member_visible=False)
    dsr.refresh_from_db()
    return dsr


def decision_payload(dsr: DataSubjectRequest) -> dict:
    """What the decision letter prints, frozen at approval."""
    return {
        "decision": dsr.decision,
        "ground": dsr.decision_ground,
        "reason": dsr.decision_reason,
        "details": dsr.decision_details,
        "drafted_by": dsr.drafted_by_id,
        "approved_by": dsr.approved_by_id,
        "approved_at": dsr.approved_at.isoformat() if dsr.approved_at else None,
    }


@transaction.atomic
def dsr_approve_decision(*, dsr: DataSubjectRequest, actor: User) -> DataSubjectRequest:
    """Approve the drafted decision (never by its drafter); creates the decision letter."""
    event = workflow.transition(dsr, to=Status.DECIDED, actor=actor, member_visible=False)
    RequestEvent.objects.create(
        dsr=dsr, actor=actor, event_type=EventType.DECISION_APPROVED, extra={"decision": dsr.decision}
    )
    if letter_kind := LETTER_FOR_DECISION.get(dsr.decision):
        letter_create(
            dsr=dsr, kind=letter_kind, cause=f"decision-{event.pk}", actor=actor, payload=decision_payload(dsr)
        )
    return dsr


@transaction.atomic
def dsr_return_decision(*, dsr: DataSubjectRequest, actor: User, reason: str) -> DataSubjectRequest:
    """Return the draft to the handler with the approver's reason."""
    workflow.transition(dsr, to=Status.IN_REVIEW, actor=actor, note=reason, member_visible=False)
    RequestEvent.objects.create(
        dsr=dsr, actor=actor, event_type=EventType.DECISION_RETURNED, note=normalize_text(reason)
    )
    return dsr


@transaction.atomic
def dsr_mark_notified(*, dsr: DataSubjectRequest, actor: User | None) -> DataSubjectRequest:
    """Record that the decision notice has gone out; the member is told by mail."""
    event = workflow.transition(dsr, to=Status.NOTIFIED, actor=actor)
    # Keyed by the transition: a case reopened and decided again is notified again.
    _notify_member(dsr, template="dsr_decided", cause=f"mail:decided-{event.pk}")
    return dsr


@transaction.atomic
def dsr_close(*, dsr: DataSubjectRequest, actor: User | None) -> DataSubjectRequest:
    workflow.transition(dsr, to=Status.CLOSED, actor=actor)
    return dsr


@transaction.atomic
def dsr_reopen(*, dsr: DataSubjectRequest, actor: User, reason: str) -> DataSubjectRequest:
    target = Status.VERIFYING if dsr.status == Status.REJECTED else Status.IN_REVIEW
    workflow.transition(dsr, to=target, actor=actor, note=reason)
    return dsr


@transaction.atomic
def dsr_withdraw(*, dsr: DataSubjectRequest, actor: User | None, reason: str = "") -> DataSubjectRequest:
    """取下げ by the requester (or staff on their behalf, or the system after an expired 補正)."""
    workflow.transition(dsr, to=Status.WITHDRAWN, actor=actor, note=reason)
    DataSubjectRequest.objects.filter(pk=dsr.pk).update(decision=Decision.WITHDRAWN)
    dsr.decision = Decision.WITHDRAWN
    _notify_member(dsr, template="dsr_withdrawn", cause="mail:withdrawn")
    return dsr


@transaction.atomic
def dsr_reject_identity(*, dsr: DataSubjectRequest, actor: User, reason: str) -> DataSubjectRequest:
    """End the case because identity (or an agent's authority) could not be confirmed."""
    _require_handler(actor, dsr)
    identity_failed = dsr.identity_result == IdentityResult.NOT_VERIFIED
    decision = Decision.IDENTITY_NOT_VERIFIED if identity_failed else Decision.AGENT_AUTHORITY_NOT_SHOWN
    event = workflow.transition(dsr, to=Status.REJECTED, actor=actor, note=reason)
    DataSubjectRequest.objects.filter(pk=dsr.pk).update(decision=decision, decision_reason=normalize_text(reason))
    dsr.decision, dsr.decision_reason = decision, normalize_text(reason)
    letter_create(
        dsr=dsr,
        kind=LetterKind.IDENTITY_NOT_VERIFIED,
        cause=f"rejected-{event.pk}",
        actor=actor,
        payload={"decision": decision, "reason": dsr.decision_reason},
    )
    return dsr


@transaction.atomic
def dsr_post_message(*, dsr: DataSubjectRequest, actor: User, body: str, internal: bool = False) -> Message:
    """A message to the requester (staff), from the requester (member), or an internal note."""
    body = normalize_text(body)
    if not body:
        raise DomainError(_("メッセージを入力してください。"))
    _reject_my_numbers([body], where=pgettext("where a My Number was found", "メッセージ"))
    if is_member_party(actor, dsr):
        if internal:
            raise DomainError(_("内部メモは職員のみ作成できます。"))
        direction = MessageDirection.FROM_MEMBER
    else:
        _require_handler(actor, dsr)
        direction = MessageDirection.INTERNAL if internal else MessageDirection.TO_MEMBER
    message = Message.objects.create(dsr=dsr, author=actor, direction=direction, body=body)
    RequestEvent.objects.create(
        dsr=dsr,
        actor=actor,
        event_type=EventType.INTERNAL_NOTE if internal else EventType.MESSAGE,
        member_visible=not internal,
        extra={"message_id": message.pk, "direction": direction},
    )
    audit.record(action="dsr.message", actor=actor, obj=dsr, data={"direction": str(direction)})
    if direction == MessageDirection.TO_MEMBER:
        _notify_member(dsr, template="dsr_message", cause=f"mail:message-{message.pk}")
    return message


# --- disclosure packages (開示データ): the data an electronic 開示 decision hands over ---------------


def _close_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.max))


def disclosure_packages_follow_notice(dsr: DataSubjectRequest) -> int:
    """A re-issued decision notice prints a new last day: the packages already attached are
    kept (and downloadable) until that day instead. Returns how many were moved.

    Runs under the case's row lock, as dsr_attach_disclosure_package does, so a package being
    attached meanwhile gets the new day too; a package whose day has already passed stays
    expired (a re-issue does not bring it back)."""
    locked = DataSubjectRequest.objects.select_for_update().get(pk=dsr.pk)
    until = disclosure_download_until(locked)
    if until is None:
        return 0
    packages = Document.objects.filter(
        dsr=locked,
        category=DocumentCategory.DISCLOSURE_PACKAGE,
        purged_at__isnull=True,
        purge_after__gt=timezone.now(),
    )
    moved = packages.update(purge_after=_close_of(until))
    if moved:
        audit.record(
            action="dsr.disclosure_package", actor=None, obj=locked, data={"moved": moved, "until": until.isoformat()}
        )
    return moved


def _publish_disclosure_package(
    dsr: DataSubjectRequest, documents: list[Document], *, until: date, actor: User
) -> None:
    """Keep the files until the notice's last day, put them on the timeline, audit, mail."""
    # The retention sweep deletes a package at its purge_after: the close of the notice's last day.
    purge_after = _close_of(until)
    Document.objects.filter(pk__in=[d.pk for d in documents]).update(purge_after=purge_after)
    for document in documents:
        document.purge_after = purge_after
        RequestEvent.objects.create(
            dsr=dsr,
            actor=actor,
            event_type=EventType.DOCUMENT_ADDED,
            member_visible=True,
            extra={"document_id": document.pk, "category": DocumentCategory.DISCLOSURE_PACKAGE},
        )
    audit.record(
        action="dsr.disclosure_package",
        actor=actor,
        obj=dsr,
        data={"documents": [str(d.public_id) for d in documents], "until": until.isoformat()},
    )
    _notify_member(
        dsr,
        template="dsr_disclosure_package",
        cause=f"mail:package-{documents[0].pk}",
        context={"until": until, "count": len(documents)},
    )


@transaction.atomic
def dsr_attach_disclosure_package(
    *, dsr: DataSubjectRequest, actor: User, files: Sequence["UploadedFile"]
) -> list[Document]:
    """Handlers attach the disclosed data to a case decided to disclose electronically; each file
    goes through accept_upload, is kept until the notice's download date, and the member is
    mailed. Raises DomainError or UploadRejected; then no file is kept."""
    _require_handler(actor, dsr)
    files = list(files)
    if not files:
        raise DomainError(_("添付するファイルを選んでください。"))
    locked = DataSubjectRequest.objects.select_for_update().get(pk=dsr.pk)
    reason, until = disclosure_package_check(locked)
    if reason or until is None:
        raise DomainError(reason)
    documents: list[Document] = []
    try:
        for uploaded in files:
            try:
                documents.append(
                    accept_upload(uploaded, owner=actor, category=DocumentCategory.DISCLOSURE_PACKAGE, dsr=locked)
                )
            except UploadRejected as exc:
                raise UploadRejected(rejection_text(uploaded, exc), code=exc.code) from exc
        _publish_disclosure_package(locked, documents, until=until, actor=actor)
    except Exception:
        # All or nothing: the rows roll back with the transaction; the stored bytes (encrypted
        # disclosed data, which no row would then point at) are removed here.
        for document in documents:
            storage.delete(document.storage_name)
        raise
    return documents


# --- moved out of the staff and file views (the lead places these at merge) --------------------

if TYPE_CHECKING:
    from requests_portal.models import BulkJob, Letter


@transaction.atomic
def dsr_record_file_download(*, actor: User, file: "Letter | Document") -> None:
    """A letter or document of a case was downloaded: the audit entry and the staff-only timeline
    event."""
    if isinstance(file, Document):
        action = "document.download"
        audit.record(action="document.download", actor=actor, obj=file)
    else:
        action = "letter.download"
        audit.record(action="letter.download", actor=actor, obj=file)
    RequestEvent.objects.create(
        dsr=file.dsr,
        actor=actor,
        event_type=EventType.FILE_DOWNLOADED,
        member_visible=False,
        extra={"download": action, "object_id": str(file.public_id)},
    )


def dsr_start_roster_import(*, actor: User, content: bytes, filename: str) -> "BulkJob":
    """Keep an uploaded roster encrypted for its import job and start the job (all or nothing).
    The job deletes the file when it ends; should the job not start, it is deleted here."""
    from requests_portal import jobs, roster

    storage_name = storage.save(content)
    try:
        return jobs.job_start(
            kind=roster.ROSTER_IMPORT_JOB,
            actor=actor,
            params={"storage_name": storage_name, "filename": filename},
        )
    except Exception:
        storage.delete(storage_name)
        raise
