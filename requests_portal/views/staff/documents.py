"""Disclosed data (開示データ) on a disclosure case: the section of the case page and the upload."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from requests_portal import services, uploads
from requests_portal.exceptions import DomainError
from requests_portal.forms.staff import DisclosurePackageForm
from requests_portal.models import DataSubjectRequest, DocumentCategory
from requests_portal.permissions import access_dsr_for_staff
from requests_portal.roles import Access
from requests_portal.selectors import DISCLOSURE_PACKAGE_KINDS, disclosure_download_until, disclosure_package_refusal
from requests_portal.views.access import signed_in_user, staff_required
from requests_portal.views.staff.common import case_url


def package_context(dsr: DataSubjectRequest, *, can_handle: bool) -> dict:
    """The 開示データ section: only on disclosure cases; the form only for handlers, when allowed."""
    if dsr.kind not in DISCLOSURE_PACKAGE_KINDS:
        return {"show_packages": False}
    refusal = disclosure_package_refusal(dsr) if can_handle else None
    return {
        "show_packages": True,
        "packages": dsr.documents.filter(category=DocumentCategory.DISCLOSURE_PACKAGE)
        .select_related("owner")
        .order_by("uploaded_at", "id"),
        "package_until": disclosure_download_until(dsr),
        "package_refusal": refusal,
        "package_form": DisclosurePackageForm() if can_handle and refusal is None else None,
    }


@require_POST
@staff_required
def staff_dsr_disclosure_package(request: HttpRequest, public_id: str) -> HttpResponse:
    """Attach the disclosed data (開示データ) to a case to be disclosed electronically."""
    dsr = access_dsr_for_staff(request.user, public_id, Access.HANDLE)
    back = f"{case_url(dsr)}#packages-title"
    form = DisclosurePackageForm(request.POST, request.FILES)
    if not form.is_valid():
        for error in form.errors.get("files", []):
            messages.error(request, str(error))
        return redirect(back)
    try:
        documents = services.dsr_attach_disclosure_package(
            dsr=dsr, actor=signed_in_user(request), files=form.cleaned_data["files"]
        )
    except (DomainError, uploads.UploadRejected) as error:
        detail = " ".join(error.messages) if isinstance(error, uploads.UploadRejected) else str(error)
        refused = _("開示データを添付できませんでした（何も保存していません）。%(detail)s")
        messages.error(request, refused % {"detail": detail})
    else:
        if documents[0].released_at is None:  # attached before the notice: it goes out with it
            done = _(
                "開示データ %(count)d 件を添付しました。"
                "決定通知書の発行と同時に、請求者がダウンロードできるようになります。"
            )
        else:
            done = _("開示データ %(count)d 件を添付し、請求者にお知らせしました。")
        messages.success(request, done % {"count": len(documents)})
    return redirect(back)
