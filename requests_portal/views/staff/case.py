"""The case page: everything about one case, the actions offered on it, and (un)assignment."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from requests_portal import audit, services, workspace
from requests_portal.case_details import detail_rows
from requests_portal.exceptions import DomainError
from requests_portal.forms.staff import AssignForm, MessageForm, TakeOverForm
from requests_portal.models import EventType, LetterStatus, RequestEvent, Status
from requests_portal.permissions import access_dsr_for_staff, can_take_over_dsr
from requests_portal.roles import Access
from requests_portal.selectors import dsr_duplicate_candidates, dsr_links, dsr_timeline
from requests_portal.views.access import signed_in_user, staff_required
from requests_portal.views.staff.actions import CASE_ACTIONS, Capabilities
from requests_portal.views.staff.common import case_url, posted, safe_next
from requests_portal.views.staff.documents import package_context
from requests_portal.views.staff.provision import provision_records_summary

DOWNLOADABLE_LETTERS = (LetterStatus.RENDERED, LetterStatus.DELIVERED, LetterStatus.SUPERSEDED)


def _deadline_history(events: list[RequestEvent]) -> list[dict]:
    """Pauses (補正待ち) and extensions, in order, from the timeline."""
    history = []
    for event in events:
        if event.event_type == EventType.STATUS_CHANGED and event.to_status == Status.AWAITING_AMENDMENT:
            history.append({"kind": "pause", "at": event.at, "actor": event.actor, "note": event.note})
        elif event.event_type == EventType.STATUS_CHANGED and event.from_status == Status.AWAITING_AMENDMENT:
            history.append({"kind": "resume", "at": event.at, "actor": event.actor, "note": event.note})
        elif event.event_type == EventType.EXTENDED and (event.extra or {}).get("to"):
            extra = event.extra
            history.append(
                {
                    "kind": "extension",
                    "at": event.at,
                    "actor": event.actor,
                    "note": event.note,
                    "from": extra.get("from"),
                    "to": extra.get("to"),
                }
            )
    return history


@require_safe
@staff_required
def staff_dsr_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    dsr = access_dsr_for_staff(request.user, public_id, Access.VIEW)
    audit.record(action="dsr.view", actor=request.user, obj=dsr)
    events = list(dsr_timeline(dsr, for_member=False))
    can = Capabilities.of(dsr, signed_in_user(request))
    actions = [
        {"action": action, "url": reverse(f"requests_portal:staff_dsr_{action.slug}", args=[dsr.public_id])}
        for action in CASE_ACTIONS.values()
        if action.slug != "message" and action.is_available(dsr, can)
    ]
    blocked = [
        {"action": action, "reason": reason}
        for action in CASE_ACTIONS.values()
        if (reason := action.blocked_reason(dsr, can))
    ]
    can_handle = can.can_handle
    context = {
        "dsr": dsr,
        "detail_rows": detail_rows(dsr.details),
        "events": events,
        "deadline_history": _deadline_history(events),
        "messages_list": dsr.messages.select_related("author").order_by("created_at", "id"),
        "documents": dsr.documents.select_related("owner").order_by("uploaded_at", "id"),
        "letters": dsr.letters.order_by("created_at", "id"),
        "downloadable_letters": DOWNLOADABLE_LETTERS,
        "actions": actions,
        "blocked_actions": blocked,
        "can_handle": can_handle,
        "can_approve": can.can_approve,
        # Who may change the assignee here (docs/architecture.md#assignment): anyone working the
        # case while it is unassigned or theirs; a colleague's case only through a takeover.
        "can_claim": can_handle and dsr.assignee_id is None and not dsr.is_terminal,
        "assign_form": AssignForm(handlers=workspace.handlers_for_case(dsr), initial={"assignee": dsr.assignee_id})
        if can_handle and dsr.assignee_id in (None, request.user.pk)
        else None,
        "can_take_over": (
            dsr.assignee_id is not None
            and dsr.assignee_id != request.user.pk
            and not dsr.is_terminal
            and can_take_over_dsr(request.user, dsr)
        ),
        "message_form": MessageForm() if can_handle else None,
        "can_grant": can.can_approve and not dsr.is_restricted,
        "candidates": dsr_duplicate_candidates(dsr, request.user),
        "links": dsr_links(dsr, request.user),
        **package_context(dsr, can_handle=can_handle),
        **provision_records_summary(dsr),
    }
    return render(request, "requests_portal/staff/case_detail.html", context)


@require_POST
@staff_required
def staff_dsr_claim(request: HttpRequest, public_id: str) -> HttpResponse:
    """Take an unassigned case for oneself; a case someone holds stays theirs (the message says whose)."""
    dsr = access_dsr_for_staff(request.user, public_id, Access.HANDLE)
    try:
        changed = services.dsr_claim(dsr=dsr, actor=signed_in_user(request))
    except DomainError as error:
        # Named by its reference: the claim may come from the queue, among many cases.
        messages.error(request, _("%(reference)s：%(message)s") % {"reference": dsr.reference, "message": error})
    else:
        if changed:
            messages.success(request, _("%(reference)s を自分の担当にしました。") % {"reference": dsr.reference})
        else:
            messages.info(request, _("%(reference)s は既にあなたの担当です。") % {"reference": dsr.reference})
    return HttpResponseRedirect(safe_next(request, case_url(dsr)))


@require_POST
@staff_required
def staff_dsr_assign(request: HttpRequest, public_id: str) -> HttpResponse:
    """Give an unassigned case, or one's own, to a colleague (or release it)."""
    dsr = access_dsr_for_staff(request.user, public_id, Access.HANDLE)
    form = AssignForm(request.POST, handlers=workspace.handlers_for_case(dsr))
    if not form.is_valid():
        messages.error(request, _("担当者を選んでください。"))
        return redirect(case_url(dsr))
    try:
        changed = services.dsr_assign(dsr=dsr, assignee=form.cleaned_data["assignee"], actor=signed_in_user(request))
    except DomainError as error:
        messages.error(request, str(error))
    else:
        if changed:
            messages.success(request, _("担当者を変更しました。"))
        else:
            messages.info(request, _("担当者は既にそのとおりです。変更はありません。"))
    return redirect(case_url(dsr))


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def staff_dsr_take_over(request: HttpRequest, public_id: str) -> HttpResponse:
    """Take over a case a colleague holds, with a reason (docs/architecture.md#assignment).

    Only for those who may (permissions.can_take_over_dsr); for anyone else the page does not
    exist, exactly like a case they cannot reach.
    """
    dsr = access_dsr_for_staff(request.user, public_id, Access.APPROVE)
    actor = signed_in_user(request)
    if not can_take_over_dsr(actor, dsr):
        raise Http404
    if dsr.is_terminal:
        messages.warning(request, _("この事案の現在の状態では、この操作はできません。"))
        return redirect(case_url(dsr))
    if request.method != "POST":
        audit.record(action="dsr.view", actor=actor, obj=dsr)
    handlers = workspace.handlers_for_case(dsr)
    initial = {"expected_assignee": dsr.assignee_id or "", "assignee": actor.pk if actor in handlers else ""}
    form = TakeOverForm(posted(request), handlers=handlers, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.dsr_take_over(
                dsr=dsr,
                actor=actor,
                assignee=form.cleaned_data["assignee"],
                reason=form.cleaned_data["reason"],
                expected_assignee_id=form.cleaned_data["expected_assignee"],
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            if changed:
                messages.success(request, _("担当を引き継ぎました。"))
            else:
                messages.info(request, _("担当者は既にそのとおりです。変更はありません。"))
            return redirect(case_url(dsr))
    return render(request, "requests_portal/staff/take_over.html", {"dsr": dsr, "form": form})
