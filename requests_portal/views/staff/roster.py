"""The administrator's upload of the co-op's roster, imported all or nothing as a job."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from requests_portal import roster
from requests_portal.forms.staff import RosterUploadForm
from requests_portal.roles import Capability, has_capability
from requests_portal.views.access import signed_in_user, staff_required
from requests_portal.views.staff.common import posted, posted_files


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def staff_roster_import(request: HttpRequest) -> HttpResponse:
    """The administrator uploads the co-op's roster; it is imported all or nothing, as a job."""
    if not has_capability(request.user, Capability.IMPORT_ROSTER):
        raise Http404
    form = RosterUploadForm(posted(request), posted_files(request))
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["roster"]
        job = roster.roster_import_start(actor=signed_in_user(request), content=upload.read(), filename=upload.name)
        return redirect("requests_portal:oversight_job", public_id=job.public_id)
    return render(
        request, "requests_portal/staff/roster_import.html", {"form": form}, status=400 if form.errors else 200
    )
