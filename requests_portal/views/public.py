"""Pages anyone may open: the landing page and the published procedures (Art. 32(1)).

The procedures page is generated from configuration (個人情報保護法第32条第1項; docs/legal.md#art-32): the co-op's
profile, the fee settings, the data categories and the rules the portal itself enforces,
so what is published is what the portal does.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from requests_portal.forms.member import AUTHORITY_DOCUMENT_TYPES, AUTHORITY_TYPES_FOR
from requests_portal.models import (
    FEE_ELIGIBLE_KINDS,
    KIND_SPECS,
    DataCategory,
    DisclosureMethod,
    FeeSetting,
    IdDocumentType,
    OrganisationProfile,
    RequesterType,
    RequestKind,
)
from requests_portal.roles import is_staff_user


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("requests_portal:staff_home" if is_staff_user(request.user) else "requests_portal:member_home")
    return render(request, "requests_portal/public/home.html", {"kinds": RequestKind.choices})


@require_safe
def procedures(request: HttpRequest) -> HttpResponse:
    profile = OrganisationProfile.load()
    fees = {fee.kind: fee for fee in FeeSetting.objects.all()}
    kinds = [
        {
            "label": RequestKind(kind).label,
            "description": KIND_SPECS[kind].description,
            "fee_eligible": kind in FEE_ELIGIBLE_KINDS,
            "fee": fees.get(kind) if kind in FEE_ELIGIBLE_KINDS else None,
        }
        for kind in RequestKind.values
    ]
    agents = [
        {
            "label": RequesterType(requester_type).label,
            "documents": [AUTHORITY_DOCUMENT_TYPES[code] for code in codes if code != "other"],
        }
        for requester_type, codes in AUTHORITY_TYPES_FOR.items()
    ]
    formats = [f.strip() for f in (profile.electronic_formats or "").replace("、", ",").split(",") if f.strip()]
    context = {
        "profile": profile,
        "kinds": kinds,
        "categories": DataCategory.objects.filter(is_active=True),
        "id_documents": [label for value, label in IdDocumentType.choices if value != IdDocumentType.OTHER],
        "agents": agents,
        "methods": DisclosureMethod.choices,
        "formats": formats,
        "response_days": settings.DSR_RESPONSE_PERIOD_DAYS,
    }
    return render(request, "requests_portal/public/procedures.html", context)


@require_safe
def privacy_policy(request: HttpRequest) -> HttpResponse:
    """The co-op's privacy policy, published in full as the administrator configured it."""
    return render(request, "requests_portal/public/privacy_policy.html", {"profile": OrganisationProfile.load()})
