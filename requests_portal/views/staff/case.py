"""The case page: everything about one case, the actions offered on it, and (un)assignment."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from requests_portal import audit, services, workspace
from requests_portal.case_details import detail_rows
from requests_portal.exceptions import DomainError
from requests_portal.forms.staff import AssignForm, MessageForm
from requests_portal.models import EventType, LetterStatus, RequestEvent, Status
from requests_portal.permissions import access_dsr_for_staff
from requests_portal.roles import Access
from requests_portal.selectors import dsr_timeline
from requests_portal.views.access import signed_in_user, staff_required
from requests_portal.views.staff.actions import CASE_ACTIONS, Capabilities
from requests_portal.views.staff.common import case_url, safe_next
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
        "can_claim": can_handle and dsr.assignee_id != request.user.pk and not dsr.is_terminal,
        "assign_form": AssignForm(handlers=workspace.handlers_for_case(dsr), initial={"assignee": dsr.assignee_id})
        if can_handle
        else None,
        "message_form": MessageForm() if can_handle else None,
        "can_grant": can.can_approve and not dsr.is_restricted,
        **package_context(dsr, can_handle=can_handle),
        **provision_records_summary(dsr),
    }
    return render(request, "requests_portal/staff/case_detail.html", context)


@require_POST
@staff_required
def staff_dsr_claim(request: HttpRequest, public_id: str) -> HttpResponse:
    dsr = access_dsr_for_staff(request.user, public_id, Access.HANDLE)
    try:
        services.dsr_assign(dsr=dsr, assignee=signed_in_user(request), actor=signed_in_user(request))
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(reference)s を自分の担当にしました。") % {"reference": dsr.reference})
    return HttpResponseRedirect(safe_next(request, case_url(dsr)))


@require_POST
@staff_required
def staff_dsr_assign(request: HttpRequest, public_id: str) -> HttpResponse:
    dsr = access_dsr_for_staff(request.user, public_id, Access.HANDLE)
    form = AssignForm(request.POST, handlers=workspace.handlers_for_case(dsr))
    if not form.is_valid():
        messages.error(request, _("担当者を選んでください。"))
        return redirect(case_url(dsr))
    try:
        services.dsr_assign(dsr=dsr, assignee=form.cleaned_data["assignee"], actor=signed_in_user(request))
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("担当者を変更しました。"))
    return redirect(case_url(dsr))
