"""Staff screens for two-person role grants and the register of designated My Number handlers."""

from typing import cast

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from requests_portal import audit, csv_export
from requests_portal.exceptions import DomainError
from requests_portal.models import RoleGrantRequest, User
from requests_portal.roles import Capability, Role, has_capability, is_my_number_role
from requests_portal.services import grants
from requests_portal.views.access import staff_required
from requests_portal.wareki import format_wareki


def _staff(request: HttpRequest) -> User:
    # `staff_required` has already turned away anonymous visitors.
    return cast(User, request.user)


class RoleGrantRequestForm(forms.Form):
    user = forms.ModelChoiceField(
        label=gettext_lazy("対象の職員"),
        queryset=User.objects.filter(Q(is_staff=True) | Q(groups__isnull=False), is_active=True)
        .distinct()
        .order_by("email"),
    )
    role = forms.ChoiceField(label=gettext_lazy("役割"), choices=Role.choices)
    kind = forms.ChoiceField(
        label=gettext_lazy("種別"), choices=RoleGrantRequest.Kind.choices, initial=RoleGrantRequest.Kind.GRANT
    )
    valid_until = forms.DateField(
        label=gettext_lazy("終了日（任意）"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=gettext_lazy("理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def staff_role_grants(request: HttpRequest) -> HttpResponse:
    """Ask for a role to be granted or revoked, and see the requests awaiting the viewer's decision."""
    may_request = grants.may_request_role_grants(request.user)
    may_decide = grants.may_decide_role_grants(request.user)
    if not (may_request or may_decide):
        raise Http404
    form = RoleGrantRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not may_request:
            raise Http404
        if form.is_valid():
            try:
                grants.dsr_role_grant_request(actor=_staff(request), **form.cleaned_data)
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("申請しました。申請者以外の責任者の承認をもって有効になります。"))
                return redirect("requests_portal:staff_role_grants")
    context = {
        "form": form if may_request else None,
        "pending": grants.pending_for(_staff(request)) if may_decide else [],
        "may_read_register": has_capability(request.user, Capability.READ_HANDLER_REGISTER),
    }
    return render(request, "requests_portal/staff/role_grants/index.html", context, status=400 if form.errors else 200)


@require_POST
@staff_required
def staff_role_grant_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve or refuse one pending request (never one's own, never about oneself)."""
    grant_request = get_object_or_404(RoleGrantRequest, pk=pk)
    if not grants.may_decide(request.user, grant_request):
        raise Http404
    try:
        if request.POST.get("decision") == "approve":
            grants.dsr_role_grant_approve(actor=_staff(request), grant_request=grant_request)
            messages.success(request, _("承認しました。"))
        else:
            grants.dsr_role_grant_refuse(actor=_staff(request), grant_request=grant_request)
            messages.success(request, _("却下しました。"))
    except DomainError as error:
        messages.error(request, str(error))
    return redirect("requests_portal:staff_role_grants")


def _register_rows() -> list[list[str]]:
    """Everyone who held a My Number role, with their periods (番号法第12条: the designated handlers)."""
    my_number_roles = [role for role in Role.values if is_my_number_role(role)]
    held = (
        RoleGrantRequest.objects.filter(
            role__in=my_number_roles,
            kind=RoleGrantRequest.Kind.GRANT,
            outcome__in=[
                RoleGrantRequest.Outcome.APPROVED,
                RoleGrantRequest.Outcome.EXPIRED,
                RoleGrantRequest.Outcome.REVOKED,
            ],
        )
        .select_related("user", "decided_by")
        .order_by("decided_at", "pk")
    )
    rows = []
    for grant in held:
        start = timezone.localdate(grant.decided_at) if grant.decided_at else None
        end = timezone.localdate(grant.ended_at) if grant.ended_at else None
        rows.append(
            [
                grant.user.display_name or grant.user.email,
                grant.user.email,
                str(Role(grant.role).label),
                format_wareki(start) if start else "",
                format_wareki(end) if end else _("（在任中）"),
                format_wareki(grant.valid_until) if grant.valid_until else "",
                grant.decided_by.email if grant.decided_by else "",
            ]
        )
    return rows


REGISTER_HEADER = (
    gettext_lazy("氏名"),
    gettext_lazy("メールアドレス"),
    gettext_lazy("役割"),
    gettext_lazy("開始日"),
    gettext_lazy("終了日"),
    gettext_lazy("予定終了日"),
    gettext_lazy("承認者"),
)


@require_http_methods(["GET", "HEAD"])
@staff_required
def staff_handler_register_csv(request: HttpRequest) -> HttpResponse:
    """The register of designated My Number handlers as CSV (officers and the 個人番号事務取扱責任者)."""
    if not has_capability(request.user, Capability.READ_HANDLER_REGISTER):
        raise Http404
    audit.record(action="staff.handler_register_read", actor=request.user, data={"format": "csv"}, restricted=True)
    response = HttpResponse(
        csv_export.csv_bytes([str(label) for label in REGISTER_HEADER], _register_rows()),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = csv_export.content_disposition(csv_export.timestamped("mynumber_handlers"))
    return response


@require_http_methods(["GET", "HEAD"])
@staff_required
def staff_handler_register_pdf(request: HttpRequest) -> HttpResponse:
    """The same register as a PDF to print and file."""
    if not has_capability(request.user, Capability.READ_HANDLER_REGISTER):
        raise Http404
    from django.template.loader import render_to_string

    from requests_portal.letters.renderer import render_pdf

    audit.record(action="staff.handler_register_read", actor=request.user, data={"format": "pdf"}, restricted=True)
    html = render_to_string(
        "requests_portal/staff/role_grants/register_pdf.html",
        {"header": REGISTER_HEADER, "rows": _register_rows(), "today": format_wareki(timezone.localdate())},
    )
    response = HttpResponse(render_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = csv_export.content_disposition(
        csv_export.timestamped("mynumber_handlers").removesuffix(".csv") + ".pdf"
    )
    return response
