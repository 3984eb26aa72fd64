"""Handling an open case: assignment, the identity check, 補正 requests and answers, the
extension of the deadline, and the messages between the requester and staff."""

from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from requests_portal import audit, deadlines, workflow
from requests_portal.exceptions import CaseHeldByOther, DomainError
from requests_portal.letters import letter_create
from requests_portal.models import (
    TERMINAL_STATUSES,
    DataSubjectRequest,
    Document,
    EventType,
    IdDocumentType,
    IdentityMethod,
    IdentityResult,
    Letter,
    LetterKind,
    Message,
    MessageDirection,
    RequestEvent,
    Status,
    User,
)
from requests_portal.notifications import notify_member
from requests_portal.permissions import can_handle_dsr, can_take_over_dsr, is_member_party
from requests_portal.selectors import quarantined_documents
from requests_portal.services.checks import reject_my_numbers, require_handler
from requests_portal.text import clean_line, clean_text


def _holder_id(dsr: DataSubjectRequest) -> int | None:
    """Who holds the case now, read afresh (a new statement sees every committed change)."""
    return DataSubjectRequest.objects.filter(pk=dsr.pk).values_list("assignee_id", flat=True).get()


def _holder_name(holder_id: int | None) -> str:
    holder = User.objects.filter(pk=holder_id).first() if holder_id is not None else None
    return str(holder) if holder is not None else ""


def _held_by_other(holder_id: int) -> CaseHeldByOther:
    return CaseHeldByOther(
        _("この事案は既に%(name)sさんが担当しています。") % {"name": _holder_name(holder_id)}, holder_id=holder_id
    )


def _compare_and_set_assignee(*, dsr: DataSubjectRequest, expected_id: int | None, assignee: User | None) -> bool:
    """Give the case to `assignee` only while `expected_id` (None: nobody) still holds it.

    One conditional UPDATE (docs/reliability.md#claims). On PostgreSQL a second writer waits for
    the first one's row lock and then re-checks the WHERE clause against the committed row, so
    of many simultaneous claims exactly one matches; the others change nothing.
    """
    still_held = Q(assignee__isnull=True) if expected_id is None else Q(assignee_id=expected_id)
    changed = DataSubjectRequest.objects.filter(still_held, pk=dsr.pk).update(
        assignee=assignee, updated_at=timezone.now()
    )
    return changed == 1


def _record_assignment(
    *, dsr: DataSubjectRequest, actor: User, previous_id: int | None, assignee: User | None, reason: str = ""
) -> None:
    """The timeline event and audit entry of a change of assignee, and the first step of a
    case that was waiting to be picked up. The row is already locked by the UPDATE."""
    locked = DataSubjectRequest.objects.select_for_update().get(pk=dsr.pk)
    target_id = assignee.pk if assignee else None
    extra = {
        "from": previous_id,
        "to": target_id,
        # Kept with the event so the timeline names the people as they were called then.
        "from_name": _holder_name(previous_id),
        "to_name": str(assignee) if assignee else "",
    }
    if reason:
        extra["takeover"] = True
    RequestEvent.objects.create(dsr=locked, actor=actor, event_type=EventType.ASSIGNED, note=reason, extra=extra)
    if reason:
        audit.record(
            action="dsr.take_over",
            actor=actor,
            obj=locked,
            data={"from": previous_id, "to": target_id, "reason": reason},
        )
    else:
        audit.record(action="dsr.assign", actor=actor, obj=locked, data={"assignee_id": target_id})
    dsr.assignee = assignee
    if locked.status == Status.SUBMITTED:
        workflow.transition(dsr, to=Status.VERIFYING, actor=actor, member_visible=True)
        # Identity already complete (re-authentication at filing, or recorded while the case was
        # still 受付): nothing is left to verify. Read from the locked row, not the caller's copy.
        if locked.identity_complete:
            _start_review(dsr, actor=actor)


@transaction.atomic
def dsr_assign(*, dsr: DataSubjectRequest, assignee: User | None, actor: User) -> bool:
    """Claim an unassigned case (`assignee` is the actor), give it to a colleague, or pass on or
    release (None) a case the actor holds. Returns whether anything changed.

    Compare-and-set (docs/architecture.md#assignment): it succeeds only while the case is
    unassigned or held by the actor. A case already held by `assignee` is left alone and
    nothing is written; a case someone else holds raises CaseHeldByOther, and taking it over
    is `dsr_take_over`, with a reason.
    """
    require_handler(actor, dsr)
    if assignee is not None and not can_handle_dsr(assignee, dsr):
        raise DomainError(_("この職員はこの事案を担当できません。"))
    target_id = assignee.pk if assignee else None
    current_id = _holder_id(dsr)
    if current_id != target_id and current_id not in (None, actor.pk):
        raise _held_by_other(current_id)
    if current_id == target_id or not _compare_and_set_assignee(dsr=dsr, expected_id=current_id, assignee=assignee):
        # Already so, or someone changed it between the read and the UPDATE: look again.
        holder_id = _holder_id(dsr)
        if holder_id == target_id:
            dsr.assignee_id = holder_id
            return False
        if holder_id not in (None, actor.pk):
            raise _held_by_other(holder_id)
        raise DomainError(_("担当者が変わったところです。画面を更新してからやり直してください。"))
    _record_assignment(dsr=dsr, actor=actor, previous_id=current_id, assignee=assignee)
    return True


def dsr_claim(*, dsr: DataSubjectRequest, actor: User) -> bool:
    """Take an unassigned case for oneself (dsr_assign's compare-and-set). True when the actor
    got it now, False when they already held it (nothing written); CaseHeldByOther when a
    colleague holds it."""
    return dsr_assign(dsr=dsr, assignee=actor, actor=actor)


@transaction.atomic
def dsr_take_over(
    *, dsr: DataSubjectRequest, actor: User, assignee: User | None, reason: str, expected_assignee_id: int | None
) -> bool:
    """Take a case away from the colleague holding it: for the actor, for someone else, or back
    to nobody (None), with a reason that the timeline and the audit trail keep.

    Only those who may approve the case's decisions and hold the reassigning capability may
    (permissions.can_take_over_dsr, docs/architecture.md#assignment). `expected_assignee_id` is
    the holder the actor saw: if the case has changed hands since, nothing is changed and the
    actor is told who holds it now. Returns whether anything changed.
    """
    if not can_take_over_dsr(actor, dsr):
        raise DomainError(_("担当の引き継ぎは、この事案を決裁できる監督者のみが行えます。"))
    reason = clean_text(reason) if isinstance(reason, str) else ""
    if not reason:
        raise DomainError(_("引き継ぎの理由を入力してください。"))
    reject_my_numbers([reason], where=pgettext("where a My Number was found", "引き継ぎの理由"))
    if assignee is not None and not can_handle_dsr(assignee, dsr):
        raise DomainError(_("この職員はこの事案を担当できません。"))
    if DataSubjectRequest.objects.filter(pk=dsr.pk, status__in=TERMINAL_STATUSES).exists():
        raise DomainError(_("終了した事案の担当者は変更できません。"))
    target_id = assignee.pk if assignee else None
    if expected_assignee_id == target_id or not _compare_and_set_assignee(
        dsr=dsr, expected_id=expected_assignee_id, assignee=assignee
    ):
        holder_id = _holder_id(dsr)
        if holder_id == target_id:
            dsr.assignee_id = holder_id
            return False
        name = _holder_name(holder_id) or _("未割当て")
        raise CaseHeldByOther(
            _("この事案の担当者は既に変わっています（現在：%(name)s）。確認してからやり直してください。")
            % {"name": name},
            holder_id=holder_id,
        )
    _record_assignment(dsr=dsr, actor=actor, previous_id=expected_assignee_id, assignee=assignee, reason=reason)
    return True


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
    require_handler(actor, dsr)
    # Checked under the row lock: a case that has meanwhile gone to 補正待ち must not leave it
    # through this door (AWAITING_AMENDMENT→IN_REVIEW is also a handler's move in the table).
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
    require_handler(actor, dsr)
    if method not in IdentityMethod.values or result not in IdentityResult.values:
        raise DomainError(_("本人確認の方法と結果を選んでください。"))
    if id_doc_type and id_doc_type not in IdDocumentType.values:
        raise DomainError(_("本人確認書類の種類が正しくありません。"))
    if method in (IdentityMethod.DOCUMENT, IdentityMethod.IN_PERSON) and not id_doc_type:
        raise DomainError(_("確認した書類の種類を選んでください。"))
    authority_doc_type = clean_line(authority_doc_type)
    reject_my_numbers([authority_doc_type], where=pgettext("where a My Number was found", "書類の種類"))
    locked = DataSubjectRequest.objects.select_for_update().get(pk=dsr.pk)
    if locked.status not in (Status.SUBMITTED, Status.VERIFYING, Status.AWAITING_AMENDMENT):
        raise DomainError(_("この状態では本人確認を記録できません。"))
    if locked.identity_by_reauth:
        raise DomainError(_("この請求はポータルでの再認証により本人確認済みです。改めて記録する必要はありません。"))
    if result == IdentityResult.VERIFIED and quarantined_documents().filter(dsr=locked).exists():
        raise DomainError(_("マスキングが済んでいない書類があります。先にマスキングをしてください。"))
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
    require_handler(actor, dsr)
    message = clean_text(message)
    if not message:
        raise DomainError(_("補正をお願いする内容を入力してください。"))
    reject_my_numbers([message], where=pgettext("where a My Number was found", "メッセージ"))
    if not isinstance(reply_due_date, date) or reply_due_date <= timezone.localdate():
        raise DomainError(_("回答期限には明日以降の日付を指定してください。"))
    msg = Message.objects.create(
        dsr=dsr, author=actor, direction=MessageDirection.TO_MEMBER, body=message, reply_due_date=reply_due_date
    )
    event = workflow.transition(
        dsr, to=Status.AWAITING_AMENDMENT, actor=actor, extra={"message_id": msg.pk, "reply_due": str(reply_due_date)}
    )
    letter_create(
        dsr=dsr,
        kind=LetterKind.AMENDMENT_REQUEST,
        cause=f"amendment-{event.pk}",
        actor=actor,
        payload={"message_id": msg.pk, "reply_due_date": reply_due_date.isoformat()},
    )
    notify_member(
        dsr,
        template="dsr_amendment_requested",
        cause=f"mail:amendment-{event.pk}",
        context={"reply_due_date": reply_due_date},
    )
    return dsr


def _resume_target(dsr: DataSubjectRequest) -> Status:
    paused = (
        dsr.events.filter(event_type=EventType.STATUS_CHANGED, to_status=Status.AWAITING_AMENDMENT)
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
    message = clean_text(message)
    reject_my_numbers([message], where=pgettext("where a My Number was found", "メッセージ"))
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
    require_handler(actor, dsr)
    reason = clean_text(reason) if isinstance(reason, str) else reason
    locked = DataSubjectRequest.objects.select_for_update().get(pk=dsr.pk)
    if not locked.is_open and locked.status != Status.DECIDED:
        raise DomainError(_("回答済みまたは終了した事案の期限は延長できません。"))
    deadlines.validate_extension(
        current_due=locked.due_date, new_due=new_due_date, reason=reason, today=timezone.localdate()
    )
    reject_my_numbers([reason], where=pgettext("where a My Number was found", "延長の理由"))
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
    notify_member(
        locked, template="dsr_extended", cause=f"mail:extension-{event.pk}", context={"new_due_date": new_due_date}
    )
    dsr.refresh_from_db()
    return dsr


@transaction.atomic
def dsr_set_letter_routing(
    *, dsr: DataSubjectRequest, actor: User, letters_to_member: bool, reason: str
) -> DataSubjectRequest:
    """Record the principal's wish about where an agent's case is answered (docs/legal.md#agents).

    Only the wish is stored; the recipient rule (notifications.case_recipient) then addresses
    every later letter and mail. Letters already issued stay as they were."""
    require_handler(actor, dsr)
    reason = clean_text(reason) if isinstance(reason, str) else reason
    if not reason:
        raise DomainError(_("変更の理由を入力してください。"))
    locked = DataSubjectRequest.objects.select_for_update().get(pk=dsr.pk)
    if not locked.has_agent:
        raise DomainError(_("代理人による請求ではないため、送付先は変更できません。通知はすべて本人に送られます。"))
    if not locked.is_open and locked.status != Status.DECIDED:
        raise DomainError(_("回答済みまたは終了した事案の送付先は変更できません。"))
    letters_to_member = bool(letters_to_member)
    if locked.letters_to_member == letters_to_member:
        raise DomainError(_("送付先はすでにそのとおりです。"))
    reject_my_numbers([reason], where=pgettext("where a My Number was found", "変更の理由"))
    locked.letters_to_member = letters_to_member
    locked.save(update_fields=["letters_to_member", "updated_at"])
    # Staff-only: the requester sees the effect (who is written to), not the staff's note.
    RequestEvent.objects.create(
        dsr=locked,
        actor=actor,
        event_type=EventType.INTERNAL_NOTE,
        note=reason,
        member_visible=False,
        extra={"letters_to_member": letters_to_member},
    )
    audit.record(
        action="dsr.letter_routing",
        actor=actor,
        obj=locked,
        data={"letters_to_member": letters_to_member},
    )
    dsr.refresh_from_db()
    return dsr


@transaction.atomic
def dsr_post_message(*, dsr: DataSubjectRequest, actor: User, body: str, internal: bool = False) -> Message:
    """A message to the requester (staff), from the requester (member), or an internal note."""
    body = clean_text(body)
    if not body:
        raise DomainError(_("メッセージを入力してください。"))
    reject_my_numbers([body], where=pgettext("where a My Number was found", "メッセージ"))
    if is_member_party(actor, dsr):
        if internal:
            raise DomainError(_("内部メモは職員のみ作成できます。"))
        direction = MessageDirection.FROM_MEMBER
    else:
        require_handler(actor, dsr)
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
        notify_member(dsr, template="dsr_message", cause=f"mail:message-{message.pk}")
    return message


@transaction.atomic
def dsr_record_file_download(*, actor: User, file: Letter | Document) -> None:
    """A letter or document of a case was downloaded: the audit entry and the staff-only timeline
    event."""
    # The actions are spelt out so that the audit-label test finds them in the source.
    if isinstance(file, Document):
        action = "document.download"
        audit.record(action="document.download", actor=actor, obj=file)
    else:
        action = "letter.download"
        audit.record(action="letter.download", actor=actor, obj=file)
    if file.dsr is None:  # a wizard upload not yet filed with a case has no timeline
        return
    RequestEvent.objects.create(
        dsr=file.dsr,
        actor=actor,
        event_type=EventType.FILE_DOWNLOADED,
        member_visible=False,
        extra={"download": action, "object_id": str(file.public_id)},
    )
