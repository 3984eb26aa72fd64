"""docs/reliability.md#uploads: each upload rule, with a generated file that breaks it."""

import io
import logging

import pikepdf
import pytest
from PIL import Image

from django.core.files.uploadedfile import SimpleUploadedFile

from requests_portal import storage
from requests_portal.models import AuditEntry, Document, DocumentCategory
from requests_portal.uploads import UploadRejected, accept_upload, discard_unattached
from tests.factories import submit
from tests.requests_portal.member import files

pytestmark = pytest.mark.django_db


def _upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def _accept(member, name, content, category=DocumentCategory.IDENTITY, **kwargs):
    return accept_upload(_upload(name, content), owner=member, category=category, **kwargs)


def _stored_files(settings) -> list:
    root = settings.DSR_PRIVATE_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _assert_rejected(member, settings, name, content, code, **kwargs):
    with pytest.raises(UploadRejected) as caught:
        _accept(member, name, content, **kwargs)
    assert caught.value.code == code
    assert Document.objects.count() == 0
    assert _stored_files(settings) == []
    return caught.value


# --- what is accepted, and how it is stored ---------------------------------------------


def test_jpeg_is_reencoded_without_exif_or_gps_and_stored_encrypted(member, settings):
    original = files.jpeg(gps=True)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the test file does carry GPS
    document = _accept(member, "免許証.jpeg", original)
    stored = storage.read(document.storage_name)
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG"
    assert dict(image.getexif()) == {}
    assert "exif" not in image.info
    assert document.content_type == "image/jpeg"
    assert document.original_name == "免許証.jpg"
    assert document.sha256 == storage.sha256_hex(stored)
    assert document.size_bytes == len(stored)
    assert document.dsr is None
    assert document.purge_after is not None
    # Encrypted at rest: the bytes on disk are not the JPEG.
    (on_disk,) = _stored_files(settings)
    assert b"JFIF" not in on_disk.read_bytes()
    assert on_disk.stat().st_mode & 0o077 == 0
    assert AuditEntry.objects.filter(action="document.upload", object_id=str(document.public_id)).exists()


def test_png_with_alpha_keeps_pixels_and_loses_text_chunks(member):
    document = _accept(member, "scan.png", files.png(alpha=True))
    image = Image.open(io.BytesIO(storage.read(document.storage_name)))
    assert image.mode == "RGBA"
    assert image.size == (300, 200)
    assert image.info == {} or "Comment" not in image.info
    assert image.getpixel((5, 5)) == (20, 120, 60, 180)


def test_pdf_is_rewritten_and_trailing_content_dropped(member):
    content = files.pdf(trailing=b"<html><script>alert(1)</script></html>")
    document = _accept(member, "委任状.pdf", content, category=DocumentCategory.AUTHORITY)
    stored = storage.read(document.storage_name)
    assert stored.startswith(b"%PDF-")
    assert b"<script>" not in stored
    with pikepdf.open(io.BytesIO(stored)) as pdf:
        assert len(pdf.pages) == 1


def test_pdf_open_destination_is_harmless_and_removed(member):
    document = _accept(member, "a.pdf", files.pdf(open_action_dest=True), category=DocumentCategory.AUTHORITY)
    with pikepdf.open(io.BytesIO(storage.read(document.storage_name))) as pdf:
        assert "/OpenAction" not in pdf.Root


def test_polyglot_jpeg_with_zip_appended_is_stored_without_the_zip(member):
    zip_tail = b"PK\x03\x04" + b"\x00" * 26 + b"evil.php<?php system($_GET['c']); ?>"
    document = _accept(member, "id.jpg", files.jpeg() + zip_tail)
    stored = storage.read(document.storage_name)
    assert b"PK\x03\x04" not in stored
    assert b"<?php" not in stored


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.jpg", "passwd.jpg"),
        ("..\\..\\windows\\win.ini.jpg", "win.ini.jpg"),
        ("photo\u202egpj.exe", "photo_gpj.jpg"),
        ("CON.jpg", "_CON.jpg"),
        ("nul\x00byte.jpg", "nul_byte.jpg"),
        ("report.pdf.html", "report.pdf.jpg"),
        (".hidden.jpg", "hidden.jpg"),
        ("trailing. ;", "trailing.jpg"),
        ("...", "upload.jpg"),
        ("ｍｙ＿ｐｈｏｔｏ．ＪＰＧ", "my_photo.jpg"),
    ],
)
def test_file_names_are_sanitised_and_take_the_content_extension(member, name, expected):
    assert _accept(member, name, files.jpeg()).original_name == expected


def test_long_file_name_is_shortened(member):
    document = _accept(member, "あ" * 300 + ".jpg", files.jpeg())
    assert len(document.original_name) <= 100
    assert document.original_name.endswith(".jpg")


# --- content type by content ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "declared"),
    [
        ("setup.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200, "application/pdf"),
        ("page.jpg", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>", "image/jpeg"),
        (
            "logo.png",
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "image/png",
        ),
        ("archive.pdf", b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 100, "application/pdf"),
        ("shell.PdF", b"<?php echo shell_exec($_GET['c']); ?>", "application/pdf"),
        ("eicar.pdf", b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*", "application/pdf"),
        ("pic.gif.jpg", b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01", "image/jpeg"),
    ],
)
def test_wrong_content_is_rejected_whatever_its_name_or_type(member, settings, caplog, name, content, declared):
    upload = _upload(name, content, declared)
    with caplog.at_level(logging.WARNING, logger="requests_portal.uploads"), pytest.raises(UploadRejected) as caught:
        accept_upload(upload, owner=member, category=DocumentCategory.IDENTITY)
    assert caught.value.code == "type"
    assert "PDF、JPEG、PNG" in caught.value.messages[0]
    assert "upload_validation[type:FAILED]" in caplog.text
    assert Document.objects.count() == 0
    assert _stored_files(settings) == []


@pytest.mark.parametrize("content", [b"", b"\xff"])
def test_empty_and_one_byte_files_are_rejected(member, settings, content):
    _assert_rejected(member, settings, "x.jpg", content, "empty" if not content else "type")


@pytest.mark.parametrize(
    ("name", "maker"),
    [
        ("id.jpg", lambda: files.jpeg()[:1500]),
        ("id.png", lambda: files.png()[:120]),
        ("form.pdf", lambda: files.pdf()[:400]),
    ],
)
def test_truncated_files_are_rejected(member, settings, name, maker):
    code = _assert_rejected(member, settings, name, maker(), "image_broken" if name != "form.pdf" else "pdf_broken")
    assert code.messages


# --- size, pixels, count ----------------------------------------------------------------


def test_size_limit_is_inclusive(member, settings):
    content = files.pdf()
    settings.DSR_UPLOAD_MAX_BYTES = len(content)
    assert _accept(member, "exact.pdf", content, category=DocumentCategory.AUTHORITY).pk
    settings.DSR_UPLOAD_MAX_BYTES = len(content) - 1
    with pytest.raises(UploadRejected) as caught:
        _accept(member, "over.pdf", content, category=DocumentCategory.AUTHORITY)
    assert caught.value.code == "too_large"
    assert Document.objects.count() == 1


def test_declared_size_is_not_trusted(member, settings):
    upload = _upload("big.jpg", files.jpeg(size=(1200, 900)))
    upload.size = 10  # a lying size
    settings.DSR_UPLOAD_MAX_BYTES = 2000
    with pytest.raises(UploadRejected) as caught:
        accept_upload(upload, owner=member, category=DocumentCategory.IDENTITY)
    assert caught.value.code == "too_large"


def test_pixel_limit(member, settings):
    settings.DSR_UPLOAD_MAX_PIXELS = 100 * 100
    _assert_rejected(member, settings, "big.jpg", files.jpeg(size=(101, 100)), "image_pixels")
    assert _accept(member, "ok.jpg", files.jpeg(size=(100, 100))).pk


def test_png_decompression_bomb_is_rejected(member, settings):
    _assert_rejected(member, settings, "bomb.png", files.png_header_only(50_000, 50_000), "image_pixels")


def test_jpeg_declaring_65535_square_is_rejected(member, settings):
    content = bytearray(files.jpeg(size=(64, 64)))
    sof = content.index(b"\xff\xc0")
    content[sof + 5 : sof + 9] = b"\xff\xff\xff\xff"  # height and width 65535
    _assert_rejected(member, settings, "huge.jpg", bytes(content), "image_pixels")


def test_count_limit_for_unsubmitted_uploads(member, settings):
    settings.DSR_UPLOAD_MAX_FILES_PER_CASE = 2
    _accept(member, "1.jpg", files.jpeg())
    _accept(member, "2.jpg", files.jpeg())
    with pytest.raises(UploadRejected) as caught:
        _accept(member, "3.jpg", files.jpeg())
    assert caught.value.code == "too_many"
    assert Document.objects.count() == 2


def test_count_and_total_limits_per_case(member, settings):
    dsr = submit(member)
    settings.DSR_UPLOAD_MAX_FILES_PER_CASE = 1
    _accept(member, "1.jpg", files.jpeg(), dsr=dsr, category=DocumentCategory.AMENDMENT)
    with pytest.raises(UploadRejected) as caught:
        _accept(member, "2.jpg", files.jpeg(), dsr=dsr, category=DocumentCategory.AMENDMENT)
    assert caught.value.code == "too_many"
    settings.DSR_UPLOAD_MAX_FILES_PER_CASE = 10
    settings.DSR_UPLOAD_MAX_BYTES_PER_CASE = Document.objects.get().size_bytes + 100
    with pytest.raises(UploadRejected) as caught:
        _accept(member, "3.jpg", files.jpeg(), dsr=dsr, category=DocumentCategory.AMENDMENT)
    assert caught.value.code == "total_too_large"


def test_another_members_uploads_do_not_count(member, other_member, settings):
    settings.DSR_UPLOAD_MAX_FILES_PER_CASE = 1
    _accept(other_member, "1.jpg", files.jpeg())
    assert _accept(member, "1.jpg", files.jpeg()).pk


# --- hostile PDFs -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("feature", "code"),
    [
        ({"javascript": True}, "pdf_active"),
        ({"open_action_js": True}, "pdf_active"),
        ({"launch": True}, "pdf_active"),
        ({"annotation_aa": True}, "pdf_active"),
        ({"embedded": True}, "pdf_embedded"),
        ({"xfa": True}, "pdf_embedded"),
        ({"rich_media": True}, "pdf_embedded"),
        ({"password": "secret"}, "pdf_encrypted"),
        ({"owner_password_only": True}, "pdf_encrypted"),
    ],
)
def test_hostile_pdfs_are_rejected(member, settings, feature, code):
    _assert_rejected(member, settings, "委任状.pdf", files.pdf(**feature), code, category=DocumentCategory.AUTHORITY)


def test_deeply_nested_pdf_is_rejected(member, settings):
    pdf = pikepdf.new()
    pdf.add_blank_page()
    nested = pikepdf.Array([1])
    for _ in range(200):
        nested = pikepdf.Array([nested])
    pdf.Root.Deep = nested
    out = io.BytesIO()
    pdf.save(out)
    with pytest.raises(UploadRejected) as caught:
        _accept(member, "deep.pdf", out.getvalue(), category=DocumentCategory.AUTHORITY)
    assert caught.value.code in {"pdf_complex", "pdf_broken"}
    assert Document.objects.count() == 0


# --- My Number ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["123456789018.jpg", "免許証 １２３４ ５６７８ ９０１８.jpg", "1234-5678-9018.pdf"])
def test_file_name_with_a_my_number_is_rejected_and_not_echoed(member, settings, name):
    error = _assert_rejected(member, settings, name, files.jpeg(), "name_my_number")
    assert "9018" not in " ".join(error.messages)


@pytest.mark.parametrize(
    "name", ["マイナンバーカード裏.jpg", "mynumber_back.png", "個人番号カード（裏面）.jpg", "ﾏｲﾅﾝﾊﾞｰｶｰﾄﾞ_うら.jpg"]
)
def test_my_number_card_back_is_refused_by_name(member, settings, name):
    content = files.png() if name.endswith(".png") else files.jpeg()
    error = _assert_rejected(member, settings, name, content, "my_number_card_back")
    assert "表面" in error.messages[0]


def test_front_of_the_card_is_fine(member):
    assert _accept(member, "マイナンバーカード表面.jpg", files.jpeg()).pk


def test_pdf_whose_text_shows_a_my_number_is_rejected(member, settings):
    _assert_rejected(member, settings, "住民票.pdf", files.pdf("Kojin bango: 1234 5678 9018"), "content_my_number")


def test_pdf_with_other_twelve_digit_numbers_is_fine(member):
    assert _accept(member, "a.pdf", files.pdf("Ref 1234 5678 9019"), category=DocumentCategory.SUPPORTING).pk


def test_unknown_category_is_rejected(member, settings):
    _assert_rejected(member, settings, "a.jpg", files.jpeg(), "category", category="my_number_card_back")


# --- housekeeping -------------------------------------------------------------------------


def test_discard_removes_own_unattached_upload_only(member, other_member, settings):
    document = _accept(member, "a.jpg", files.jpeg())
    assert discard_unattached(owner=other_member, public_id=document.public_id) is False
    assert discard_unattached(owner=member, public_id=document.public_id) is True
    assert Document.objects.count() == 0
    assert _stored_files(settings) == []


def test_purge_removes_expired_unattached_files_and_keeps_the_record(member, settings):
    from datetime import timedelta

    from django.utils import timezone

    kept = _accept(member, "keep.jpg", files.jpeg())
    expired = _accept(member, "old.jpg", files.jpeg())
    Document.objects.filter(pk=expired.pk).update(purge_after=timezone.now() - timedelta(minutes=1))
    from requests_portal.models import DisposalRecord
    from requests_portal.tasks import unattached_uploads_purge_task

    assert unattached_uploads_purge_task.delay().get() == 1
    expired.refresh_from_db()
    assert expired.purged_at is not None
    assert not storage.exists(expired.storage_name)
    assert storage.exists(kept.storage_name)
    record = DisposalRecord.objects.get()
    assert (record.category, record.object_ref) == ("unattached_upload", str(expired.public_id))
    assert unattached_uploads_purge_task.delay().get() == 0


def test_truncated_image_is_rejected_even_after_the_letter_renderer_ran(member, settings):
    """WeasyPrint flips Pillow's LOAD_TRUNCATED_IMAGES on at import; uploads must not care."""
    import weasyprint  # noqa: F401 - the import is the point
    from PIL import ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = True
    _assert_rejected(member, settings, "id.jpg", files.jpeg()[:-400], "image_broken")
