"""Individual access grants on one case (supervisors; never on My Number cases)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from requests_portal import workspace
from requests_portal.exceptions import DomainError
from requests_portal.forms.staff import GrantForm, RevokeForm
from requests_portal.models import User
from requests_portal.permissions import access_dsr_for_staff, grant_case_access, revoke_case_access
from requests_portal.roles import CASE_GRANT_PERMISSION, Access
from requests_portal.views.access import signed_in_user, staff_required
from requests_portal.views.staff.common import posted


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def staff_dsr_access(request: HttpRequest, public_id: str) -> HttpResponse:
    dsr = access_dsr_for_staff(request.user, public_id, Access.APPROVE)
    form = GrantForm(posted(request), candidates=workspace.grant_candidates(dsr, actor=signed_in_user(request)))
    if request.method == "POST" and form.is_valid():
        try:
            grant_case_access(
                dsr=dsr,
                user=form.cleaned_data["user"],
                access=Access(form.cleaned_data["access"]),
                actor=signed_in_user(request),
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("%(name)s に個別の権限を付与しました。") % {"name": form.cleaned_data["user"]})
            return redirect("requests_portal:staff_dsr_access", public_id=dsr.public_id)
    context = {
        "dsr": dsr,
        "form": form,
        "grants": workspace.case_grants(dsr),
        "handle_grant_codename": CASE_GRANT_PERMISSION[Access.HANDLE],
        "restricted": dsr.is_restricted,
    }
    return render(request, "requests_portal/staff/case_access.html", context)


@require_POST
@staff_required
def staff_dsr_access_revoke(request: HttpRequest, public_id: str) -> HttpResponse:
    dsr = access_dsr_for_staff(request.user, public_id, Access.APPROVE)
    form = RevokeForm(request.POST)
    person = User.objects.filter(pk=form.cleaned_data["user"]).first() if form.is_valid() else None
    if person is None:
        messages.error(request, _("取り消す職員を指定してください。"))
    else:
        try:
            revoke_case_access(dsr=dsr, user=person, actor=signed_in_user(request))
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("%(name)s の個別の権限を取り消しました。") % {"name": person})
    return redirect("requests_portal:staff_dsr_access", public_id=dsr.public_id)
