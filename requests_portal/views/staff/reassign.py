"""Handing over every open case of one person to another (supervisors), as a job with progress.
Each case is taken over with the reason given here (docs/architecture.md#assignment)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from requests_portal import jobs, workspace
from requests_portal.forms.staff import ReassignAllForm
from requests_portal.roles import Access, Capability, has_capability
from requests_portal.selectors import queues_for_user
from requests_portal.views.access import signed_in_user, staff_required
from requests_portal.views.staff.common import posted


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def staff_reassign(request: HttpRequest) -> HttpResponse:
    """A supervisor moves every open case of one person to another, as a job with progress."""
    approve_queues = queues_for_user(request.user, Access.APPROVE)
    # The same rule as one case's takeover (permissions.can_take_over_dsr).
    if not approve_queues or not has_capability(request.user, Capability.REASSIGN):
        raise Http404
    handlers = workspace.handlers_for_queues(queue.pk for queue in approve_queues)
    form = ReassignAllForm(posted(request), handlers=handlers)
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["assignee"]
        job = jobs.job_start(
            kind=workspace.BulkAssignJob.kind,
            actor=signed_in_user(request),
            params={
                "from_assignee_id": int(form.cleaned_data["from_assignee"]),
                "assignee_id": None if chosen == "none" else int(chosen),
                "reason": form.cleaned_data["reason"],
            },
        )
        return redirect("requests_portal:oversight_job", public_id=job.public_id)
    return render(request, "requests_portal/staff/reassign.html", {"form": form}, status=400 if form.errors else 200)
