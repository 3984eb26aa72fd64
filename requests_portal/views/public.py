"""Pages anyone may open: the landing page and the published procedures (Art. 32(1))."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from requests_portal.models import FEE_ELIGIBLE_KINDS, DataCategory, FeeSetting, OrganisationProfile, RequestKind
from requests_portal.roles import is_staff_user


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("requests_portal:staff_home" if is_staff_user(request.user) else "requests_portal:member_home")
    return render(request, "requests_portal/public/home.html", {"kinds": RequestKind.choices})


@require_safe
def procedures(request: HttpRequest) -> HttpResponse:
    fees = {fee.kind: fee for fee in FeeSetting.objects.all()}
    fee_rows = [(RequestKind(kind).label, fees.get(kind)) for kind in RequestKind.values if kind in FEE_ELIGIBLE_KINDS]
    context = {
        "profile": OrganisationProfile.load(),
        "fee_rows": fee_rows,
        "free_kinds": [RequestKind(k).label for k in (RequestKind.CORRECTION, RequestKind.SUSPENSION)],
        "categories": DataCategory.objects.filter(is_active=True),
        "kinds": RequestKind.choices,
    }
    return render(request, "requests_portal/public/procedures.html", context)
