"""The case actions: one page each (works without JavaScript), one service call each.

Whether an action is offered comes from the workflow's own rule table and guards
(`workflow.allowed_moves`), so a button is shown exactly when the service would accept the
move, and a refused move is explained with the guard's own reason. The services check again
on the locked row; a refusal there becomes a form error.
"""

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django_stubs_ext import StrOrPromise

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from requests_portal import services, workflow
from requests_portal.decisions import DecisionInvalid
from requests_portal.exceptions import DomainError
from requests_portal.forms.staff import (
    AmendmentRequestForm,
    ConfirmForm,
    DecisionForm,
    ExtendForm,
    IdentityForm,
    LetterRoutingForm,
    MessageForm,
    ReasonForm,
)
from requests_portal.letters.preview import draft_notice_html
from requests_portal.models import DataSubjectRequest, IdDocumentType, IdentityMethod, Status, User
from requests_portal.permissions import access_dsr_for_staff
from requests_portal.roles import Access
from requests_portal.views.access import View, signed_in_user, staff_required
from requests_portal.views.staff.common import case_url


@dataclass(frozen=True)
class Capabilities:
    """What the user may do to the case now: computed once per request."""

    user: User
    moves: dict[Status, str | None]  # workflow.allowed_moves: target -> the guard's refusal, or None
    can_handle: bool
    can_approve: bool

    @classmethod
    def of(cls, dsr: DataSubjectRequest, user: User) -> "Capabilities":
        roles = workflow.actors_for(user, dsr)
        return cls(
            user=user,
            moves=workflow.allowed_moves(dsr, user, roles=roles),
            can_handle=workflow.Actor.HANDLER in roles,
            can_approve=workflow.Actor.APPROVER in roles,
        )


class Refused(enum.Enum):
    """What a guard refusing the action's move means for the action."""

    HIDE = "hide"  # not offered until the case meets the guard
    EXPLAIN = "explain"  # offered, but shown as blocked with the guard's reason
    BY_FORM = "by_form"  # the action's own form supplies what the guard checks (the draft)


@dataclass(frozen=True)
class CaseAction:
    """One thing staff can do to a case: its form, the moves it makes, and the service it calls.

    An action that moves the case names its target statuses (`moves`, optionally only `from`
    some statuses) and is offered when `workflow.allowed_moves` holds one of them. An action that
    moves nothing by itself (recording identity, extending, messaging) says when it is offered
    in `offered_when`.
    """

    slug: str
    title: Any
    button: Any
    access: Access
    form_class: type
    perform: Callable[[DataSubjectRequest, User, Any], Any]
    success: Any
    moves: frozenset[Status] = frozenset()
    from_statuses: frozenset[Status] = frozenset()
    refused: Refused = Refused.HIDE
    offered_when: Callable[[DataSubjectRequest, Capabilities], bool] | None = None
    # A rule of the page beyond the workflow's guards (the drafter may not return their draft).
    also_blocked: Callable[[DataSubjectRequest, Capabilities], StrOrPromise | None] | None = None
    # Why an action that is never offered for this case is refused (instead of the generic
    # "not in this state"), when the reason is the case itself rather than its status.
    why_not_offered: Callable[[DataSubjectRequest], StrOrPromise | None] | None = None
    form_kwargs: Callable[[DataSubjectRequest, User], dict] = lambda dsr, user: {}
    # What the page shows beside the form (the draft notice on the approval pages).
    page_context: Callable[[DataSubjectRequest], dict] = lambda dsr: {}
    danger: bool = False
    intro: Any = ""

    def _moves(self, dsr: DataSubjectRequest, can: Capabilities) -> dict[Status, str | None]:
        if self.from_statuses and dsr.status not in self.from_statuses:
            return {}
        return {target: refusal for target, refusal in can.moves.items() if target in self.moves}

    def offered(self, dsr: DataSubjectRequest, can: Capabilities) -> bool:
        if self.offered_when is not None:
            return self.offered_when(dsr, can)
        moves = self._moves(dsr, can)
        if self.refused is Refused.HIDE:
            return any(refusal is None for refusal in moves.values())
        return bool(moves)

    def blocked(self, dsr: DataSubjectRequest, can: Capabilities) -> StrOrPromise | None:
        if self.refused is Refused.EXPLAIN:
            refusals = list(self._moves(dsr, can).values())
            if refusals and None not in refusals:
                return refusals[0]
        return self.also_blocked(dsr, can) if self.also_blocked else None

    def is_available(self, dsr: DataSubjectRequest, can: Capabilities) -> bool:
        return self.offered(dsr, can) and not self.blocked(dsr, can)

    def blocked_reason(self, dsr: DataSubjectRequest, can: Capabilities) -> StrOrPromise | None:
        return self.blocked(dsr, can) if self.offered(dsr, can) else None


def _drafter_returns_own_draft(dsr: DataSubjectRequest, can: Capabilities) -> StrOrPromise | None:
    # Separation of duties: whoever drafted the decision neither approves it (a workflow guard)
    # nor sends it back to themselves.
    if dsr.drafted_by_id is not None and dsr.drafted_by_id == can.user.pk:
        return gettext_lazy(
            "起案者は自分の決定案を決裁・差戻しできません（職務の分離）。別の決裁権者に依頼してください。"
        )
    return None


def _declared_identity(dsr: DataSubjectRequest) -> dict:
    """The identity document the requester said they attached, as the form's starting point
    (the clerk confirms or changes it after looking at the file)."""
    declared = (dsr.details or {}).get("id_document_type")
    if declared not in IdDocumentType.values:
        return {}
    return {"method": IdentityMethod.DOCUMENT, "id_doc_type": declared}


def _perform_identity(dsr: DataSubjectRequest, user: User, form: IdentityForm) -> None:
    data = form.cleaned_data
    services.dsr_record_identity(
        dsr=dsr,
        actor=user,
        method=data["method"],
        result=data["result"],
        id_doc_type=data["id_doc_type"],
        authority_checked=data.get("authority_checked", False),
        authority_doc_type=data.get("authority_doc_type", ""),
    )


def _perform_decision(dsr: DataSubjectRequest, user: User, form: DecisionForm) -> None:
    data = form.cleaned_data
    services.dsr_draft_decision(
        dsr=dsr,
        actor=user,
        decision=data["decision"],
        ground=data.get("ground", ""),
        reason=data.get("reason", ""),
        details=form.details(),
    )


def _no_agent(dsr: DataSubjectRequest) -> StrOrPromise | None:
    # The recipient rule has nothing to choose for a member's own request.
    if not dsr.has_agent:
        return gettext_lazy("代理人による請求ではないため、送付先は変更できません。通知はすべて本人に送られます。")
    return None


def _perform_letter_routing(dsr: DataSubjectRequest, user: User, form: LetterRoutingForm) -> None:
    services.dsr_set_letter_routing(
        dsr=dsr,
        actor=user,
        letters_to_member=form.cleaned_data["letters_to_member"],
        reason=form.cleaned_data["reason"],
    )


def _perform_message(dsr: DataSubjectRequest, user: User, form: MessageForm) -> None:
    services.dsr_post_message(
        dsr=dsr, actor=user, body=form.cleaned_data["body"], internal=form.cleaned_data["internal"]
    )


def _reason_form(label: StrOrPromise, help_text: StrOrPromise = "") -> Callable[[DataSubjectRequest, User], dict]:
    return lambda dsr, user: {"reason_label": label, "reason_help": help_text}


def _draft_notice(dsr: DataSubjectRequest) -> dict:
    return {"draft_notice": draft_notice_html(dsr)}


def _moves(*statuses: Status) -> frozenset[Status]:
    return frozenset(statuses)


CASE_ACTIONS: dict[str, CaseAction] = {
    action.slug: action
    for action in (
        CaseAction(
            slug="identity",
            title=gettext_lazy("本人確認の記録"),
            button=gettext_lazy("本人確認を記録する"),
            access=Access.HANDLE,
            form_class=IdentityForm,
            form_kwargs=lambda dsr, user: {"has_agent": dsr.has_agent, "initial": _declared_identity(dsr)},
            # Recording the check is not itself a move (the service decides where the case goes).
            offered_when=lambda dsr, can: (
                can.can_handle
                and not dsr.identity_by_reauth
                and dsr.status in (Status.SUBMITTED, Status.VERIFYING, Status.AWAITING_AMENDMENT)
            ),
            perform=_perform_identity,
            success=gettext_lazy("本人確認の結果を記録しました。"),
            intro=gettext_lazy(
                "確認した書類の種類と結果だけを記録します。免許証番号などの番号は記録しないでください。"
            ),
        ),
        CaseAction(
            slug="review",
            title=gettext_lazy("審査の開始"),
            button=gettext_lazy("審査を開始する"),
            access=Access.HANDLE,
            form_class=ConfirmForm,
            # A case already in 本人確認中 whose identity was confirmed at filing (re-authentication).
            moves=_moves(Status.IN_REVIEW),
            from_statuses=_moves(Status.VERIFYING),
            perform=lambda dsr, user, form: services.dsr_start_review(dsr=dsr, actor=user),
            success=gettext_lazy("審査を開始しました。"),
            intro=gettext_lazy("本人確認は完了しています。決定案を作成できる「審査中」に進めます。"),
        ),
        CaseAction(
            slug="amendment",
            title=gettext_lazy("補正のお願い"),
            button=gettext_lazy("補正をお願いする（期限を停止）"),
            access=Access.HANDLE,
            form_class=AmendmentRequestForm,
            moves=_moves(Status.AWAITING_AMENDMENT),
            perform=lambda dsr, user, form: services.dsr_request_amendment(
                dsr=dsr,
                actor=user,
                message=form.cleaned_data["message"],
                reply_due_date=form.cleaned_data["reply_due_date"],
            ),
            success=gettext_lazy("補正のお願いを送りました。回答があるまで期限は停止します。"),
            intro=gettext_lazy(
                "請求者にメッセージと「補正のお願い」の通知書が送られ、回答があるまで期限の計算が停止します。"
            ),
        ),
        CaseAction(
            slug="decision",
            title=gettext_lazy("決定案の作成"),
            button=gettext_lazy("決定案を決裁に回す"),
            access=Access.HANDLE,
            form_class=DecisionForm,
            form_kwargs=lambda dsr, user: {"kind": dsr.kind},
            moves=_moves(Status.AWAITING_APPROVAL),
            refused=Refused.BY_FORM,
            perform=_perform_decision,
            success=gettext_lazy("決定案を作成し、決裁に回しました。"),
        ),
        CaseAction(
            slug="approve",
            title=gettext_lazy("決定案の決裁"),
            button=gettext_lazy("決裁する（通知書を作成）"),
            access=Access.APPROVE,
            form_class=ConfirmForm,
            moves=_moves(Status.DECIDED),
            refused=Refused.EXPLAIN,
            perform=lambda dsr, user, form: services.dsr_approve_decision(dsr=dsr, actor=user),
            success=gettext_lazy("決裁しました。通知書が作成されます。"),
            # Nothing goes out unseen: the approver reads the notice approval will issue.
            page_context=_draft_notice,
        ),
        CaseAction(
            slug="return",
            title=gettext_lazy("決定案の差戻し"),
            button=gettext_lazy("差し戻す"),
            access=Access.APPROVE,
            form_class=ReasonForm,
            form_kwargs=_reason_form(gettext_lazy("差戻しの理由"), gettext_lazy("起案者に示されます。")),
            moves=_moves(Status.IN_REVIEW),
            from_statuses=_moves(Status.AWAITING_APPROVAL),
            refused=Refused.EXPLAIN,
            also_blocked=_drafter_returns_own_draft,
            perform=lambda dsr, user, form: services.dsr_return_decision(
                dsr=dsr, actor=user, reason=form.cleaned_data["reason"]
            ),
            success=gettext_lazy("決定案を差し戻しました。"),
            page_context=_draft_notice,
            danger=True,
        ),
        CaseAction(
            slug="extend",
            title=gettext_lazy("期限の延長"),
            button=gettext_lazy("期限を延長する"),
            access=Access.HANDLE,
            form_class=ExtendForm,
            # Extending changes the date, not the status.
            offered_when=lambda dsr, can: can.can_handle and (dsr.is_open or dsr.status == Status.DECIDED),
            perform=lambda dsr, user, form: services.dsr_extend(
                dsr=dsr, actor=user, new_due_date=form.cleaned_data["new_due_date"], reason=form.cleaned_data["reason"]
            ),
            success=gettext_lazy("期限を延長しました。期限延長のお知らせが作成されます。"),
            intro=gettext_lazy("延長の理由は「期限延長のお知らせ」に記載され、請求者に示されます。"),
        ),
        CaseAction(
            slug="routing",
            title=gettext_lazy("通知の送付先の変更"),
            button=gettext_lazy("送付先を変更する"),
            access=Access.HANDLE,
            form_class=LetterRoutingForm,
            form_kwargs=lambda dsr, user: {"current": dsr.letters_to_member},
            # Letters still go out until the decision has been notified.
            offered_when=lambda dsr, can: (
                can.can_handle and dsr.has_agent and (dsr.is_open or dsr.status == Status.DECIDED)
            ),
            why_not_offered=_no_agent,
            perform=_perform_letter_routing,
            success=gettext_lazy("通知の送付先を変更しました。これから作成する通知書とお知らせに適用されます。"),
            intro=gettext_lazy(
                "代理人による請求は代理人に通知します。本人が自分宛てを希望したときだけ「本人」を選びます。"
                "作成済みの通知書は変わりません。"
            ),
        ),
        CaseAction(
            slug="notify",
            title=gettext_lazy("通知済みの記録"),
            button=gettext_lazy("通知済みにする"),
            access=Access.HANDLE,
            form_class=ConfirmForm,
            moves=_moves(Status.NOTIFIED),
            perform=lambda dsr, user, form: services.dsr_mark_notified(dsr=dsr, actor=user),
            success=gettext_lazy("通知済みにしました。"),
            intro=gettext_lazy("決定通知書を発送（またはポータルで交付）したことを記録します。"),
        ),
        CaseAction(
            slug="close",
            title=gettext_lazy("事案の完了"),
            button=gettext_lazy("完了にする"),
            access=Access.HANDLE,
            form_class=ConfirmForm,
            moves=_moves(Status.CLOSED),
            # Closing an open case as a duplicate goes through the link page, with its notice.
            from_statuses=_moves(Status.NOTIFIED),
            perform=lambda dsr, user, form: services.dsr_close(dsr=dsr, actor=user),
            success=gettext_lazy("事案を完了にしました。"),
        ),
        CaseAction(
            slug="reopen",
            title=gettext_lazy("事案の再開"),
            button=gettext_lazy("再開する"),
            access=Access.APPROVE,
            form_class=ReasonForm,
            form_kwargs=_reason_form(gettext_lazy("再開の理由")),
            moves=_moves(Status.IN_REVIEW, Status.VERIFYING),
            from_statuses=_moves(Status.CLOSED, Status.REJECTED),
            perform=lambda dsr, user, form: services.dsr_reopen(
                dsr=dsr, actor=user, reason=form.cleaned_data["reason"]
            ),
            success=gettext_lazy("事案を再開しました。"),
        ),
        CaseAction(
            slug="withdraw",
            title=gettext_lazy("取下げの記録"),
            button=gettext_lazy("取下げとして終了する"),
            access=Access.HANDLE,
            form_class=ReasonForm,
            form_kwargs=_reason_form(
                gettext_lazy("取下げの申出の内容"), gettext_lazy("いつ、どのように申出があったかを記録してください。")
            ),
            moves=_moves(Status.WITHDRAWN),
            perform=lambda dsr, user, form: services.dsr_withdraw(
                dsr=dsr, actor=user, reason=form.cleaned_data["reason"]
            ),
            success=gettext_lazy("取下げとして終了しました。"),
            danger=True,
        ),
        CaseAction(
            slug="reject",
            title=gettext_lazy("本人確認不能による終了"),
            button=gettext_lazy("本人確認不能として終了する"),
            access=Access.HANDLE,
            form_class=ReasonForm,
            form_kwargs=_reason_form(gettext_lazy("理由"), gettext_lazy("通知書に記載され、請求者に示されます。")),
            # Offered only once identity or authority could not be confirmed (the move's guard).
            moves=_moves(Status.REJECTED),
            perform=lambda dsr, user, form: services.dsr_reject_identity(
                dsr=dsr, actor=user, reason=form.cleaned_data["reason"]
            ),
            success=gettext_lazy("本人確認不能として終了しました。通知書が作成されます。"),
            danger=True,
        ),
        CaseAction(
            slug="message",
            title=gettext_lazy("メッセージ・内部メモ"),
            button=gettext_lazy("送信・保存する"),
            access=Access.HANDLE,
            form_class=MessageForm,
            offered_when=lambda dsr, can: can.can_handle,
            perform=_perform_message,
            success=gettext_lazy("メッセージを保存しました。"),
        ),
    )
}


def _action_form(action: CaseAction, dsr: DataSubjectRequest, user: User, data: object = None) -> Any:
    return action.form_class(data, **action.form_kwargs(dsr, user))


def _case_action(action: CaseAction) -> View:
    @require_http_methods(["GET", "HEAD", "POST"])
    @staff_required
    def view(request: HttpRequest, public_id: str) -> HttpResponse:
        dsr = access_dsr_for_staff(request.user, public_id, action.access)
        can = Capabilities.of(dsr, signed_in_user(request))
        if not action.offered(dsr, can):
            reason = action.why_not_offered(dsr) if action.why_not_offered else None
            messages.warning(request, reason or _("この事案の現在の状態では、この操作はできません。"))
            return redirect(case_url(dsr))
        if reason := action.blocked(dsr, can):
            messages.error(request, reason)
            return redirect(case_url(dsr))
        form = _action_form(action, dsr, signed_in_user(request), request.POST if request.method == "POST" else None)
        if request.method == "POST":
            added_row = next((p for p in ("withheld", "corrections") if f"add_{p}" in request.POST), None)
            if added_row and isinstance(form, DecisionForm):
                form.is_valid()
                form.add_row(added_row)
            elif form.is_valid():
                try:
                    action.perform(dsr, signed_in_user(request), form)
                except DecisionInvalid as error:
                    form.apply_errors(error.errors)
                except DomainError as error:
                    form.add_error(None, str(error))
                else:
                    messages.success(request, action.success)
                    return redirect(case_url(dsr))
        context = {"dsr": dsr, "action": action, "form": form, **action.page_context(dsr)}
        if action.slug == "identity":  # the documents the identity is checked against
            context["documents"] = dsr.documents.select_related("owner").order_by("uploaded_at", "id")
        return render(request, "requests_portal/staff/case_action.html", context)

    view.__name__ = f"staff_dsr_{action.slug}"
    return view


ACTION_VIEWS = {slug: _case_action(action) for slug, action in CASE_ACTIONS.items()}
