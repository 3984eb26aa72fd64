"""Small helpers the staff screens share."""

from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.utils.http import url_has_allowed_host_and_scheme

from requests_portal.models import DataSubjectRequest


def posted(request: HttpRequest) -> QueryDict | None:
    """The form data to bind, or None on GET. (``request.POST or None`` would leave a form that
    was posted empty unbound, so it would come back without its "required" errors.)"""
    return request.POST if request.method == "POST" else None


def posted_files(request: HttpRequest) -> MultiValueDict[str, UploadedFile] | None:
    return request.FILES if request.method == "POST" else None


def case_url(dsr: DataSubjectRequest) -> str:
    return reverse("requests_portal:staff_dsr_detail", args=[dsr.public_id])


def safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return fallback
