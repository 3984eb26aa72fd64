"""Masking of identity documents: rectangles burnt into the pixels, the unmasked original destroyed.

A health-insurance card carries 保険者番号・被保険者等記号・番号, which the co-op may not collect
(健康保険法第194条の2; docs/legal.md), and a My Number photographed by mistake may not be kept
(番号法第20条). Such a document stays quarantined (selectors.quarantined_documents) until a handler
masks it here: the masked pages replace the stored file, and a PDF comes back as images only, so
no text layer survives.
"""

import io
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from requests_portal import audit, storage
from requests_portal.exceptions import DomainError
from requests_portal.models import Document, EventType, Message, MessageDirection, RequestEvent, User
from requests_portal.models.documents import MaskingPurpose
from requests_portal.notifications import notify_member
from requests_portal.services.checks import require_handler

# Pages of a PDF are drawn at this resolution, both on the masking screen and for the burn-in,
# so a rectangle drawn on the screen covers the same pixels in the masked file.
PDF_DPI = 110
PDF_RENDER_TIMEOUT_SECONDS = 30
PDF_MAX_PAGES = 20


@dataclass(frozen=True)
class MaskRectangle:
    """A rectangle in image pixels of one page (page 1 for a picture)."""

    page: int
    x: int
    y: int
    width: int
    height: int


def _pdf_page_images(content: bytes) -> list[Image.Image]:
    """Every page of a PDF as an RGB image, rendered by pdftoppm (poppler) with a time limit."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise DomainError(_("PDFのページを画像にできませんでした。"))
    with tempfile.TemporaryDirectory(prefix="mask-") as folder:
        source = Path(folder) / "in.pdf"
        source.write_bytes(content)
        try:
            subprocess.run(  # noqa: S603 - a fixed program on our own temporary files
                [
                    pdftoppm,
                    "-r",
                    str(PDF_DPI),
                    "-l",
                    str(PDF_MAX_PAGES),
                    "-png",
                    str(source),
                    str(Path(folder) / "p"),
                ],
                check=True,
                capture_output=True,
                timeout=PDF_RENDER_TIMEOUT_SECONDS,
            )
        except (subprocess.SubprocessError, OSError) as exc:
            raise DomainError(_("PDFのページを画像にできませんでした。")) from exc
        pages = []
        for path in sorted(Path(folder).glob("p-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1])):
            with Image.open(path) as page:
                pages.append(page.convert("RGB"))
    if not pages:
        raise DomainError(_("PDFのページを画像にできませんでした。"))
    return pages


def document_page_images(document: Document) -> list[Image.Image]:
    """The pages of a stored document as images, in the pixels the rectangles refer to."""
    try:
        content = storage.read(document.storage_name)
    except storage.StoredFileMissing:
        raise DomainError(_("書類のファイルが見つかりません。")) from None
    if document.content_type == "application/pdf":
        return _pdf_page_images(content)
    with Image.open(io.BytesIO(content)) as image:
        image.load()
        return [image.convert("RGB")]


def page_png(document: Document, page: int) -> bytes:
    """One page of the document as PNG, for the masking screen."""
    pages = document_page_images(document)
    if not 1 <= page <= len(pages):
        raise DomainError(_("そのページはありません。"))
    out = io.BytesIO()
    pages[page - 1].save(out, format="PNG")
    return out.getvalue()


def validate_rectangles(rectangles: list[MaskRectangle], pages: list[Image.Image]) -> None:
    """Every rectangle must have a size and lie wholly on an existing page."""
    if not rectangles:
        raise DomainError(_("塗りつぶす範囲を1つ以上指定してください。"))
    for number, rect in enumerate(rectangles, start=1):
        if rect.width <= 0 or rect.height <= 0:
            raise DomainError(_("範囲%(n)dの幅と高さは1ピクセル以上にしてください。") % {"n": number})
        if not 1 <= rect.page <= len(pages):
            raise DomainError(_("範囲%(n)dのページ番号が正しくありません。") % {"n": number})
        width, height = pages[rect.page - 1].size
        if rect.x < 0 or rect.y < 0 or rect.x + rect.width > width or rect.y + rect.height > height:
            raise DomainError(
                _("範囲%(n)dが画像の外にはみ出しています（画像は幅%(w)d×高さ%(h)dピクセルです）。")
                % {"n": number, "w": width, "h": height}
            )


def burn_in(pages: list[Image.Image], rectangles: list[MaskRectangle]) -> list[Image.Image]:
    """Opaque black rectangles drawn into copies of the pages' pixels."""
    masked = [page.copy() for page in pages]
    for rect in rectangles:
        draw = ImageDraw.Draw(masked[rect.page - 1])
        # Pillow's rectangle includes its end corner; the last pixel covered is x + width - 1.
        draw.rectangle(
            (rect.x, rect.y, rect.x + rect.width - 1, rect.y + rect.height - 1), fill=(0, 0, 0), outline=(0, 0, 0)
        )
    return masked


def _encode(pages: list[Image.Image], content_type: str) -> tuple[bytes, str]:
    out = io.BytesIO()
    if content_type == "application/pdf":
        # An image-only PDF: one picture per page, no text layer to copy the numbers from.
        pages[0].save(out, format="PDF", save_all=True, append_images=pages[1:], resolution=float(PDF_DPI))
        return out.getvalue(), "application/pdf"
    if content_type == "image/jpeg":
        pages[0].save(out, format="JPEG", quality=90)
        return out.getvalue(), "image/jpeg"
    pages[0].save(out, format="PNG")
    return out.getvalue(), "image/png"


def _member_note(document: Document, purpose: str, count: int) -> str:
    purpose_label = MaskingPurpose(purpose).label
    reason = {
        MaskingPurpose.INSURER_NUMBER: _(
            "健康保険証の保険者番号・被保険者等記号・番号は、法律により組合が取得できないためです"
            "（健康保険法第194条の2）。"
        ),
        MaskingPurpose.MY_NUMBER: _(
            "個人番号（マイナンバー）は、この手続では組合が保管できないためです（番号法第20条）。"
        ),
        MaskingPurpose.OTHER: _("本人確認に必要のない情報を保管しないためです。"),
    }[MaskingPurpose(purpose)]
    return _(
        "ご提出の%(category)s「%(name)s」の%(count)d箇所（%(purpose)s）を黒く塗りつぶして保管しました。"
        "塗りつぶす前のファイルは削除しました。%(reason)s"
    ) % {
        "category": document.get_category_display(),
        "name": document.original_name,
        "count": count,
        "purpose": purpose_label,
        "reason": reason,
    }


@transaction.atomic
def dsr_mask_document(*, actor: User, document: Document, rectangles: list[MaskRectangle], purpose: str) -> Document:
    """Burn the rectangles into the document, replace the stored file, destroy the original,
    record who masked what, and tell the member in words."""
    if document.dsr is None:
        raise DomainError(_("この書類は請求に添付されていません。"))
    require_handler(actor, document.dsr)
    if purpose not in MaskingPurpose.values:
        raise DomainError(_("塗りつぶす理由を選んでください。"))
    locked = Document.objects.select_for_update(of=("self",)).select_related("dsr").get(pk=document.pk)
    if locked.purged_at is not None:
        raise DomainError(_("この書類はすでに削除されています。"))
    if not locked.requires_masking or locked.masking_confirmed_at is not None:
        raise DomainError(_("この書類はマスキングの対象ではないか、すでにマスキング済みです。"))
    pages = document_page_images(locked)
    validate_rectangles(rectangles, pages)
    content, content_type = _encode(burn_in(pages, rectangles), locked.content_type)
    old_name = locked.storage_name
    new_name = storage.save(content)
    # The new file is removed again if the transaction fails; the original only once it has committed.
    transaction.on_commit(lambda: storage.delete(old_name))
    locked.storage_name = new_name
    locked.sha256 = storage.sha256_hex(content)
    locked.size_bytes = len(content)
    locked.content_type = content_type
    locked.masking_confirmed_at = timezone.now()
    locked.masking_confirmed_by = actor
    locked.masking_rectangles = len(rectangles)
    locked.masking_purpose = purpose
    try:
        locked.save(
            update_fields=[
                "storage_name",
                "sha256",
                "size_bytes",
                "content_type",
                "masking_confirmed_at",
                "masking_confirmed_by",
                "masking_rectangles",
                "masking_purpose",
            ]
        )
    except Exception:
        storage.delete(new_name)
        raise
    dsr = document.dsr
    audit.record(
        action="document.mask",
        actor=actor,
        obj=locked,
        data={"rectangles": len(rectangles), "purpose": purpose, "sha256": locked.sha256},
    )
    message = Message.objects.create(
        dsr=dsr,
        author=actor,
        direction=MessageDirection.TO_MEMBER,
        body=_member_note(locked, purpose, len(rectangles)),
    )
    RequestEvent.objects.create(
        dsr=dsr,
        actor=actor,
        event_type=EventType.MESSAGE,
        member_visible=True,
        extra={
            "message_id": message.pk,
            "direction": MessageDirection.TO_MEMBER,
            "masked_document": str(locked.public_id),
            "rectangles": len(rectangles),
            "purpose": purpose,
        },
    )
    notify_member(dsr, template="dsr_message", cause=f"mail:message-{message.pk}")
    return locked
