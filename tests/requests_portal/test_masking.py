"""Masking of identity documents: quarantine until masked, burn-in, the original destroyed."""

import io
import shutil
import subprocess

import pytest
from PIL import Image

from django.urls import reverse

from requests_portal import services, storage
from requests_portal.exceptions import DomainError
from requests_portal.models import (
    AuditEntry,
    Document,
    DocumentCategory,
    IdDocumentType,
    IdentityMethod,
    IdentityResult,
    Message,
    MessageDirection,
)
from requests_portal.services import MaskRectangle
from tests.factories import submit

pytestmark = pytest.mark.django_db

WHITE = (255, 255, 255)
PDFTOTEXT = shutil.which("pdftotext") or "/usr/bin/pdftotext"


def _png(width: int = 200, height: int = 120) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), WHITE).save(out, format="PNG")
    return out.getvalue()


def _pdf_with_text() -> bytes:
    # A one-page PDF with a real text layer (a line of digits), written by hand.
    stream = b"BT /F1 24 Tf 72 700 Td (12345678) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 800] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _document(dsr, owner, content: bytes, content_type: str = "image/png", name: str = "保険証.png") -> Document:
    return Document.objects.create(
        dsr=dsr,
        owner=owner,
        category=DocumentCategory.IDENTITY,
        original_name=name,
        content_type=content_type,
        size_bytes=len(content),
        sha256=storage.sha256_hex(content),
        storage_name=storage.save(content),
        requires_masking=True,
    )


def _download(client, document):
    return client.get(reverse("requests_portal:document_download", args=[document.public_id]))


def test_quarantined_document_is_404_for_staff_and_member_until_masked(
    client, member, ga_staff, django_capture_on_commit_callbacks
):
    dsr = submit(member)
    document = _document(dsr, member, _png())
    for user in (ga_staff, member):
        client.force_login(user)
        assert _download(client, document).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        services.dsr_mask_document(
            actor=ga_staff, document=document, rectangles=[MaskRectangle(1, 10, 10, 50, 20)], purpose="insurer_number"
        )
    client.force_login(ga_staff)
    response = _download(client, document)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"


def test_burn_in_blackens_inside_only_and_destroys_the_original(member, ga_staff, django_capture_on_commit_callbacks):
    dsr = submit(member)
    document = _document(dsr, member, _png())
    original_name, original_sha = document.storage_name, document.sha256
    with django_capture_on_commit_callbacks(execute=True):
        masked = services.dsr_mask_document(
            actor=ga_staff, document=document, rectangles=[MaskRectangle(1, 20, 30, 40, 10)], purpose="insurer_number"
        )
    assert not storage.exists(original_name)
    assert masked.storage_name != original_name
    content = storage.read(masked.storage_name)
    assert masked.sha256 == storage.sha256_hex(content) != original_sha
    image = Image.open(io.BytesIO(content)).convert("RGB")
    for point in [(20, 30), (59, 39), (40, 35)]:
        assert image.getpixel(point) == (0, 0, 0)
    for point in [(19, 30), (60, 39), (20, 29), (20, 40), (0, 0), (199, 119)]:
        assert image.getpixel(point) == WHITE
    document.refresh_from_db()
    assert document.masking_confirmed_at is not None
    assert document.masking_confirmed_by == ga_staff
    assert (document.masking_rectangles, document.masking_purpose) == (1, "insurer_number")
    entry = AuditEntry.objects.get(action="document.mask")
    assert entry.data["rectangles"] == 1
    note = Message.objects.get(dsr=dsr, direction=MessageDirection.TO_MEMBER)
    assert "保険証.png" in note.body
    assert "保険者番号等" in note.body
    assert dsr.events.filter(member_visible=True, extra__masked_document=str(document.public_id)).exists()


def test_pdf_comes_back_image_only(member, ga_staff, django_capture_on_commit_callbacks):
    dsr = submit(member)
    pdf = _pdf_with_text()
    assert (
        b"12345678"
        in subprocess.run(  # noqa: S603 - a fixed program
            [PDFTOTEXT, "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout
    )
    document = _document(dsr, member, pdf, content_type="application/pdf", name="保険証.pdf")
    with django_capture_on_commit_callbacks(execute=True):
        masked = services.dsr_mask_document(
            actor=ga_staff, document=document, rectangles=[MaskRectangle(1, 50, 50, 200, 60)], purpose="my_number"
        )
    content = storage.read(masked.storage_name)
    assert content.startswith(b"%PDF")
    text = subprocess.run(  # noqa: S603 - a fixed program
        [PDFTOTEXT, "-", "-"], input=content, capture_output=True, check=True
    ).stdout
    assert text.strip() == b""
    assert b"/Font" not in content


@pytest.mark.parametrize(
    ("rectangle", "message"),
    [
        (MaskRectangle(1, 190, 10, 20, 20), "はみ出しています"),
        (MaskRectangle(1, -1, 10, 20, 20), "はみ出しています"),
        (MaskRectangle(1, 10, 10, 0, 20), "1ピクセル以上"),
        (MaskRectangle(2, 10, 10, 5, 5), "ページ番号"),
    ],
)
def test_bad_rectangles_are_refused_and_lose_nothing(member, ga_staff, rectangle, message):
    dsr = submit(member)
    content = _png()
    document = _document(dsr, member, content)
    with pytest.raises(DomainError, match=message):
        services.dsr_mask_document(actor=ga_staff, document=document, rectangles=[rectangle], purpose="other")
    document.refresh_from_db()
    assert storage.read(document.storage_name) == content
    assert document.masking_confirmed_at is None
    assert not AuditEntry.objects.filter(action="document.mask").exists()


def test_identity_cannot_be_verified_on_an_unmasked_document(member, ga_staff):
    dsr = submit(member)
    _document(dsr, member, _png())
    with pytest.raises(DomainError, match="マスキング"):
        services.dsr_record_identity(
            dsr=dsr,
            actor=ga_staff,
            method=IdentityMethod.DOCUMENT,
            result=IdentityResult.VERIFIED,
            id_doc_type=IdDocumentType.values[0],
        )


def test_masking_screen_streams_the_page_with_no_store_and_masks_without_js(
    client, member, ga_staff, other_member, django_capture_on_commit_callbacks
):
    dsr = submit(member)
    document = _document(dsr, member, _png())
    page_url = reverse("requests_portal:staff_document_masking_page", args=[document.public_id, 1])
    screen_url = reverse("requests_portal:staff_document_masking", args=[document.public_id])
    client.force_login(other_member)
    assert client.get(page_url).status_code == 404
    assert client.get(screen_url).status_code == 404
    client.force_login(ga_staff)
    page = client.get(page_url)
    assert page.status_code == 200
    assert page["Content-Type"] == "image/png"
    assert "no-store" in page["Cache-Control"]
    screen = client.get(screen_url)
    assert screen.status_code == 200
    assert "masking.js" in screen.content.decode()
    refused = client.post(
        screen_url,
        {
            "purpose": "insurer_number",
            "rect-0-page": "1",
            "rect-0-x": "0",
            "rect-0-y": "0",
            "rect-0-w": "500",
            "rect-0-h": "5",
        },
    )
    assert refused.status_code == 200
    assert "はみ出しています" in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            screen_url,
            {
                "purpose": "insurer_number",
                "rect-0-page": "1",
                "rect-0-x": "5",
                "rect-0-y": "5",
                "rect-0-w": "30",
                "rect-0-h": "8",
            },
        )
    assert done.status_code == 302
    document.refresh_from_db()
    assert document.masking_rectangles == 1
