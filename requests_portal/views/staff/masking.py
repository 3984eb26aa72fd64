"""The masking screen: a quarantined identity document is seen here only, masked, and released.

The page images are streamed through an access-checked view with no-store headers, never a
public URL. Rectangles come from numbered form fields (rect-N-page/x/y/w/h, image pixels); the
script in static/ only fills those fields by dragging or with the keyboard.
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from requests_portal import services
from requests_portal.exceptions import DomainError
from requests_portal.models import Document, User
from requests_portal.models.documents import MaskingPurpose
from requests_portal.permissions import access_dsr_for_staff
from requests_portal.roles import Access
from requests_portal.selectors import quarantined_documents
from requests_portal.services.masking import MaskRectangle, document_page_images, page_png
from requests_portal.views.access import staff_required
from requests_portal.views.staff.common import case_url

MAX_RECTANGLES = 12
# Rows offered without the script; the script adds rows up to MAX_RECTANGLES.
BLANK_ROWS = 4


def _quarantined_document(request: HttpRequest, public_id: str) -> Document:
    """A document awaiting masking on a case the staff member may handle, or 404."""
    document = quarantined_documents().filter(public_id=public_id, dsr__isnull=False).select_related("dsr").first()
    if document is None or document.dsr is None:
        raise Http404
    access_dsr_for_staff(request.user, document.dsr.public_id, Access.HANDLE)
    return document


def _rows_from_post(data: QueryDict) -> tuple[list[dict], list[MaskRectangle], list[str]]:
    """The submitted rows as typed (for redisplay), the complete ones as rectangles, and errors."""
    rows, rectangles, errors = [], [], []
    for index in range(MAX_RECTANGLES):
        raw = {key: data.get(f"rect-{index}-{key}", "").strip() for key in ("page", "x", "y", "w", "h")}
        if not any(raw[key] for key in ("x", "y", "w", "h")):
            continue
        rows.append(raw)
        try:
            values = {key: int(raw[key] or ("1" if key == "page" else "")) for key in raw}
        except ValueError:
            errors.append(_("範囲%(n)dには整数（ピクセル）を入力してください。") % {"n": len(rows)})
            continue
        rectangles.append(MaskRectangle(values["page"], values["x"], values["y"], values["w"], values["h"]))
    return rows, rectangles, errors


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def staff_document_masking(request: HttpRequest, public_id: str) -> HttpResponse:
    document = _quarantined_document(request, public_id)
    dsr, actor = document.dsr, request.user
    if dsr is None or not isinstance(actor, User):
        raise Http404
    rows: list[dict] = []
    errors: list[str] = []
    purpose = MaskingPurpose.INSURER_NUMBER.value
    if request.method == "POST":
        rows, rectangles, errors = _rows_from_post(request.POST)
        purpose = request.POST.get("purpose", "")
        if not errors:
            try:
                services.dsr_mask_document(actor=actor, document=document, rectangles=rectangles, purpose=purpose)
            except DomainError as error:
                errors.append(str(error))
            else:
                messages.success(
                    request,
                    _("「%(name)s」をマスキングし、元のファイルを削除しました。請求者にお知らせしました。")
                    % {"name": document.original_name},
                )
                return redirect(f"{case_url(dsr)}#documents-title")
    try:
        pages = document_page_images(document)
    except DomainError as error:
        pages, errors = [], [*errors, str(error)]
    blank = [{"page": "1", "x": "", "y": "", "w": "", "h": ""}] * max(BLANK_ROWS - len(rows), 1)
    response = render(
        request,
        "requests_portal/staff/masking.html",
        {
            "dsr": dsr,
            "document": document,
            "pages": [{"number": n, "width": p.width, "height": p.height} for n, p in enumerate(pages, start=1)],
            "rows": [*rows, *blank][:MAX_RECTANGLES],
            "max_rectangles": MAX_RECTANGLES,
            "purposes": MaskingPurpose.choices,
            "purpose": purpose,
            "errors": errors,
            "case_url": case_url(dsr),
        },
        status=200,
    )
    response["Cache-Control"] = "no-store, private"
    return response


@require_safe
@staff_required
def staff_document_masking_page(request: HttpRequest, public_id: str, page: int) -> HttpResponse:
    """One page of a quarantined document as PNG, for the masking screen only."""
    document = _quarantined_document(request, public_id)
    try:
        content = page_png(document, page)
    except DomainError:
        raise Http404 from None
    response = HttpResponse(content, content_type="image/png")
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response
