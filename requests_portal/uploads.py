"""Accepting an uploaded file (docs/reliability.md#uploads): the one way a file enters private storage.

Every upload, from the member's wizard, a 補正 answer or a staff desk, goes through
`accept_upload`. A file is kept only when all of these hold:

- its *content* is PDF, JPEG or PNG (libmagic, then a real parser; the name and the
  browser's Content-Type are never trusted);
- it is within the size limit, and the case (or, before submission, the uploader's
  unsubmitted uploads) stays within the count and total-size limits;
- an image decodes completely, is within the pixel limit, and is re-encoded by Pillow,
  which drops EXIF (GPS included), XMP, ICC and text chunks and anything appended;
- a PDF opens without repair and without a password, carries no active content
  (JavaScript, launch or open actions, additional actions), no embedded or attached
  files, no RichMedia and no XFA, and is re-written by qpdf with a clean structure;
- neither its name nor its text layer holds a My Number, and it does not announce itself
  as the back of a My Number card (which may never be collected: My Number Act Art. 15, 20).

What is stored is the re-encoded file, encrypted, under a random name (storage.py); the
`Document` row records its SHA-256 and a sanitised display name. A rejection raises
`UploadRejected` with a message for the member and writes one log line
`upload_validation[<code>:FAILED]`; nothing is stored then.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import unicodedata
import uuid
import warnings
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import magic
import pikepdf
from django_stubs_ext import StrOrPromise
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _

from requests_portal import audit, storage
from requests_portal.csv_export import FORMULA_PREFIXES
from requests_portal.models import (
    DataSubjectRequest,
    Document,
    DocumentCategory,
    RetentionPolicy,
    User,
)
from requests_portal.mynumber import contains_my_number

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

logger = logging.getLogger(__name__)

PDF, JPEG, PNG, CSV = "application/pdf", "image/jpeg", "image/png", "text/csv"
ALLOWED_CONTENT_TYPES = frozenset({PDF, JPEG, PNG})
_EXTENSION = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png", CSV: ".csv"}
# Disclosed data may be requested as CSV (OrganisationProfile.electronic_formats), so the co-op's
# own disclosure packages may also be CSV; nothing a requester uploads ever is.
CSV_CATEGORIES = frozenset({DocumentCategory.DISCLOSURE_PACKAGE})
_CSV_ENCODINGS = ("utf-8-sig", "cp932")  # Excel in Japan writes Shift_JIS (cp932)
# A cell a spreadsheet would evaluate (csv_export.FORMULA_PREFIXES, the list the exports escape),
# unless it is a plain signed number (-100, +81, -1.5).
_PLAIN_NUMBER = re.compile(r"[+-]?\d[\d,]*(\.\d+)?")
_PIL_FORMAT = {JPEG: "JPEG", PNG: "PNG"}

# The `accept` attribute for file inputs: a hint for the phone's picker, never a check.
ACCEPT_ATTRIBUTE = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"

# PDF names that make a document active, or carry other files inside it.
_FORBIDDEN_PDF_KEYS = frozenset(
    {"/JavaScript", "/JS", "/AA", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/EF", "/RichMedia", "/XFA"}
)
# Annotation and object types that carry media or other files (Flash, video, sound, 3D, attachments).
_EMBEDDING_TYPES = frozenset({"/EmbeddedFile", "/FileAttachment", "/RichMedia", "/Movie", "/Sound", "/Screen", "/3D"})
_FORBIDDEN_PDF_ACTIONS = frozenset(
    {"/JavaScript", "/Launch", "/GoToE", "/ImportData", "/SubmitForm", "/RichMediaExecute", "/Rendition"}
)
_MAX_PDF_OBJECTS = 100_000
_MAX_PDF_NESTING = 64
_MAX_PDF_PAGES_SCANNED_FOR_TEXT = 30
_JPEG_QUALITY = 90

# A file name announcing the back of a My Number card ("マイナンバーカード裏.jpg",
# "mynumber_back.png", "個人番号カード（裏面）.pdf").
_CARD_WORDS = re.compile(r"(マイナンバー|まいなんばー|個人番号|mynumber|my[\s_\-]?number|kojin[\s_\-]?bango)", re.I)
_BACK_WORDS = re.compile(r"(裏|うら|ura|back|reverse)", re.I)

# Characters never kept in a display name: controls, bidi overrides, path and shell syntax.
_UNSAFE_NAME_CHARS = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069<>:\"/\\|?*;]")
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])$", re.I)
_MAX_NAME_LENGTH = 100


class UploadRejected(ValidationError):
    """The file was refused; `message` tells the member why (Japanese, English via i18n)."""


def _reject(code: str, message: StrOrPromise, *, owner: User | None = None, **params: object) -> UploadRejected:
    logger.warning("upload_validation[%s:FAILED] owner=%s", code, getattr(owner, "pk", None))
    return UploadRejected(message, code=code, params=params or None)


MESSAGES = {
    "empty": _("ファイルが空です。内容のあるファイルを選んでください。"),
    "too_large": _("ファイルが大きすぎます。1ファイル %(limit)s までにしてください。"),
    "too_many": _("添付できるファイルは %(limit)s 件までです。不要なファイルを削除してから追加してください。"),
    "total_too_large": _("添付ファイルの合計が %(limit)s を超えます。ファイルを減らすか小さくしてください。"),
    "type": _("PDF、JPEG、PNG のファイルのみ添付できます（ファイルの中身で判定しています）。"),
    "image_broken": _("画像ファイルを読み取れませんでした。ファイルが壊れていないかご確認ください。"),
    "image_pixels": _("画像の画素数が多すぎます（上限 %(limit)s 画素）。解像度を下げてから添付してください。"),
    "pdf_broken": _("PDFファイルを読み取れませんでした。ファイルが壊れていないかご確認ください。"),
    "pdf_encrypted": _("パスワードや暗号化で保護されたPDFは添付できません。保護を解除してから添付してください。"),
    "pdf_active": _(
        "スクリプトや自動実行の機能を含むPDFは添付できません。"
        "印刷機能の「PDFとして保存」などで作り直してから添付してください。"
    ),
    "pdf_embedded": _("他のファイルを埋め込んだPDFや、XFAフォームを含むPDFは添付できません。"),
    "pdf_complex": _("PDFの構造が複雑すぎるため受け付けられません。作り直してから添付してください。"),
    "name_my_number": _(
        "ファイル名にマイナンバー（個人番号）と思われる番号が含まれています。ファイル名を変更してから添付してください。"
    ),
    "content_my_number": _(
        "マイナンバー（個人番号）が記載された書類は添付できません。"
        "マイナンバーの部分を見えないようにするか、マイナンバーの記載のない書類を添付してください。"
    ),
    "my_number_card_back": _(
        "マイナンバーカードの裏面（個人番号が記載された面）は添付できません。"
        "本人確認書類としては、マイナンバーカードの表面のみをご利用ください。"
    ),
    "category": _("この種類の書類は添付できません。"),
    "type_package": _("PDF、JPEG、PNG、CSV のファイルのみ添付できます（ファイルの中身で判定しています）。"),
    "csv_broken": _("CSVファイルを読み取れませんでした。UTF-8 又は Shift_JIS で保存したCSVを添付してください。"),
    "csv_formula": _(
        "%(line)s行目に、表計算ソフトで数式として実行されるセル（=、+、-、@ で始まるもの）があります。"
        "請求者の端末で実行されないよう、値として保存し直してから添付してください。"
    ),
}


def _format_bytes(value: int) -> str:
    mib = value / (1024 * 1024)
    return f"{mib:.0f}MB" if mib >= 1 else f"{max(1, value // 1024)}KB"


def sanitize_filename(name: str, content_type: str) -> str:
    """A display name safe to show and to put in Content-Disposition; the extension follows the content."""
    name = unicodedata.normalize("NFKC", str(name or ""))
    name = re.split(r"[/\\]", name)[-1]  # never a path, whatever the browser sent
    name = _UNSAFE_NAME_CHARS.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .-_")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = stem.strip(" .-_")[: _MAX_NAME_LENGTH - 5] or "upload"
    if _WINDOWS_RESERVED.match(stem):
        stem = f"_{stem}"
    return f"{stem}{_EXTENSION[content_type]}"


def _read_capped(uploaded_file: UploadedFile, limit: int) -> bytes:
    """At most limit + 1 bytes, whatever the declared size (a lying size never gets far)."""
    uploaded_file.seek(0)
    chunks, total = [], 0
    for chunk in uploaded_file.chunks():
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            break
    return b"".join(chunks)[: limit + 1]


def _sniff(content: bytes) -> str:
    return magic.from_buffer(content[:8192], mime=True)


# --- images ---------------------------------------------------------------------------


def _open_image(content: bytes, expected: str, *, owner: User) -> Image.Image:
    limit = int(settings.DSR_UPLOAD_MAX_PIXELS)
    # WeasyPrint turns Pillow's process-wide LOAD_TRUNCATED_IMAGES on when it is imported (the
    # letter renderer imports it), which would let a truncated upload decode silently.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content), formats=[_PIL_FORMAT[expected]])
            width, height = image.size
            if width * height > limit:
                raise _reject("image_pixels", MESSAGES["image_pixels"], owner=owner, limit=f"{limit:,}")
            image.load()  # decodes everything: a truncated or corrupt file fails here
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _reject("image_pixels", MESSAGES["image_pixels"], owner=owner, limit=f"{limit:,}") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise _reject("image_broken", MESSAGES["image_broken"], owner=owner) from None
    return image


def _reencode_image(image: Image.Image, content_type: str) -> bytes:
    """A fresh file from the decoded pixels only: no EXIF/GPS, XMP, ICC, comments or trailing data."""
    # Phones record rotation in EXIF; apply it, since the EXIF itself is dropped.
    ImageOps.exif_transpose(image, in_place=True)
    if content_type == JPEG and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    elif content_type == PNG and image.mode not in ("1", "L", "LA", "RGB", "RGBA", "I;16"):
        image = image.convert("RGBA")  # palettes (with their transparency), CMYK, 32-bit…
    # Pillow writes back whatever `info` holds (EXIF, ICC, XMP, text chunks); start empty.
    image.info = {}
    out = io.BytesIO()
    if content_type == JPEG:
        image.save(out, format="JPEG", quality=_JPEG_QUALITY, optimize=True)
    else:
        image.save(out, format="PNG")
    return out.getvalue()


# --- PDFs -----------------------------------------------------------------------------


def _walk(obj: object, depth: int = 0) -> Iterator[tuple[str, object]]:
    """Every (key, value) of the dictionaries directly inside `obj` (indirect ones are walked separately)."""
    if depth > _MAX_PDF_NESTING:
        raise RecursionError
    if isinstance(obj, pikepdf.Stream):
        obj = obj.stream_dict
    if isinstance(obj, pikepdf.Dictionary):
        for key in obj.keys():  # noqa: SIM118 - pikepdf dictionaries iterate differently
            value = obj.get(key)
            yield key, value
            if isinstance(value, pikepdf.Object) and not value.is_indirect:
                yield from _walk(value, depth + 1)
    elif isinstance(obj, pikepdf.Array):
        for value in obj:
            if isinstance(value, pikepdf.Object) and not value.is_indirect:
                yield from _walk(value, depth + 1)


def _pdf_problem(pdf: pikepdf.Pdf) -> str | None:
    """The rejection code for a PDF's structure, or None when it may be kept."""
    if len(pdf.objects) > _MAX_PDF_OBJECTS:
        return "pdf_complex"
    for obj in pdf.objects:
        if not isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream, pikepdf.Array)):
            continue
        for key, value in _walk(obj):
            if key in {"/EmbeddedFile", "/EmbeddedFiles", "/EF", "/XFA", "/RichMedia", "/RichMediaContent"}:
                return "pdf_embedded"
            if key in _FORBIDDEN_PDF_KEYS:
                return "pdf_active"
            if key == "/S" and isinstance(value, pikepdf.Name) and str(value) in _FORBIDDEN_PDF_ACTIONS:
                return "pdf_active"
            if key == "/OpenAction" and not isinstance(value, pikepdf.Array):
                # An open *action* runs something; a plain destination array only says which
                # page to show first, and is dropped when the file is re-written.
                return "pdf_active"
            if key in ("/Type", "/Subtype") and isinstance(value, pikepdf.Name) and str(value) in _EMBEDDING_TYPES:
                return "pdf_embedded"
    return None


def _pdf_text_has_my_number(content: bytes) -> bool:
    """Whether the PDF's text layer shows a My Number (e.g. a 住民票 printed with it).

    A best-effort extra check on a file that already passed the structural checks: if the
    text cannot be extracted, the file is judged on those checks alone.
    """
    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(content))
        for index, page in enumerate(reader.pages):
            if index >= _MAX_PDF_PAGES_SCANNED_FOR_TEXT:
                break
            # A font without a usable Unicode map (e.g. WeasyPrint's fallback) can yield text with a
            # NUL between the characters; the detector drops NULs and every other invisible character.
            if contains_my_number((page.extract_text() or "").replace("\x00", "")):
                return True
    except Exception:  # a text-extraction failure is not a verdict on the file
        logger.info("upload_validation[pdf_text:SKIPPED]")
    return False


def _clean_pdf(content: bytes, *, owner: User) -> bytes:
    try:
        pdf = pikepdf.open(io.BytesIO(content), attempt_recovery=False)
    except pikepdf.PasswordError:
        raise _reject("pdf_encrypted", MESSAGES["pdf_encrypted"], owner=owner) from None
    except (pikepdf.PdfError, ValueError, RecursionError, OSError):
        raise _reject("pdf_broken", MESSAGES["pdf_broken"], owner=owner) from None
    with pdf:
        try:
            if pdf.is_encrypted:
                raise _reject("pdf_encrypted", MESSAGES["pdf_encrypted"], owner=owner)
            if len(pdf.pages) == 0:
                raise _reject("pdf_broken", MESSAGES["pdf_broken"], owner=owner)
            if problem := _pdf_problem(pdf):
                raise _reject(problem, MESSAGES[problem], owner=owner)
            if "/OpenAction" in pdf.Root:
                del pdf.Root["/OpenAction"]
            out = io.BytesIO()
            # qpdf writes only what is reachable from the trailer, with a fresh cross-reference
            # table: unreferenced objects and anything appended after %%EOF are gone.
            pdf.save(out, compress_streams=True, fix_metadata_version=False)
        except UploadRejected:
            raise
        except RecursionError:
            raise _reject("pdf_complex", MESSAGES["pdf_complex"], owner=owner) from None
        except (pikepdf.PdfError, ValueError, OSError, KeyError, TypeError):
            raise _reject("pdf_broken", MESSAGES["pdf_broken"], owner=owner) from None
    cleaned = out.getvalue()
    if _pdf_text_has_my_number(cleaned):
        raise _reject("content_my_number", MESSAGES["content_my_number"], owner=owner)
    return cleaned


# --- CSV (disclosure packages only) ------------------------------------------------------


def _clean_csv(content: bytes, *, owner: User) -> bytes:
    """The CSV re-written as UTF-8 with a BOM (so Excel in Japan opens it), after checking it
    parses, holds no control characters, no My Number and no cell a spreadsheet would run."""
    for encoding in _CSV_ENCODINGS:
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _reject("csv_broken", MESSAGES["csv_broken"], owner=owner)
    if any(ch in text for ch in "\x00\x1b") or not text.strip():
        raise _reject("csv_broken", MESSAGES["csv_broken"], owner=owner)
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        raise _reject("csv_broken", MESSAGES["csv_broken"], owner=owner) from None
    for line, row in enumerate(rows, start=1):
        for cell in row:
            value = cell.strip()
            if value.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.fullmatch(value):
                raise _reject("csv_formula", MESSAGES["csv_formula"], owner=owner, line=line)
    if contains_my_number(text):
        raise _reject("content_my_number", MESSAGES["content_my_number"], owner=owner)
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# --- limits ---------------------------------------------------------------------------


def _check_quota(*, owner: User, dsr: DataSubjectRequest | None, adding: int) -> None:
    """Count and total-size limits for the case, or for the uploader's unsubmitted uploads."""
    if dsr is not None:
        existing = Document.objects.filter(dsr=dsr, purged_at__isnull=True)
    else:
        existing = Document.objects.filter(
            owner=owner, dsr__isnull=True, purged_at__isnull=True, purge_after__gt=timezone.now()
        )
    stats = existing.aggregate(total=Sum("size_bytes"))
    count = existing.count()
    max_files = int(settings.DSR_UPLOAD_MAX_FILES_PER_CASE)
    max_total = int(settings.DSR_UPLOAD_MAX_BYTES_PER_CASE)
    if count >= max_files:
        raise _reject("too_many", MESSAGES["too_many"], owner=owner, limit=max_files)
    if (stats["total"] or 0) + adding > max_total:
        raise _reject("total_too_large", MESSAGES["total_too_large"], owner=owner, limit=_format_bytes(max_total))


def unattached_purge_after() -> datetime:
    return timezone.now() + timedelta(hours=RetentionPolicy.load().unattached_upload_hours)


# --- the entry point ------------------------------------------------------------------


def accept_upload(
    uploaded_file: UploadedFile,
    *,
    owner: User,
    category: str,
    dsr: DataSubjectRequest | None = None,
    requires_masking: bool = False,
) -> Document:
    """Check, clean, encrypt and store one uploaded file; return its `Document`.

    Without `dsr` the document is unattached (a wizard upload) and is purged after
    RetentionPolicy.unattached_upload_hours unless a submission attaches it. Raises
    UploadRejected (a ValidationError) with the member-facing reason; nothing is stored then.
    """
    if category not in DocumentCategory.values:
        raise _reject("category", MESSAGES["category"], owner=owner)
    original_name = str(getattr(uploaded_file, "name", "") or "")
    if contains_my_number(original_name):
        raise _reject("name_my_number", MESSAGES["name_my_number"], owner=owner)
    normalized_name = unicodedata.normalize("NFKC", original_name)
    if _CARD_WORDS.search(normalized_name) and _BACK_WORDS.search(normalized_name):
        raise _reject("my_number_card_back", MESSAGES["my_number_card_back"], owner=owner)

    max_bytes = int(settings.DSR_UPLOAD_MAX_BYTES)
    declared = getattr(uploaded_file, "size", None)
    if declared is not None and declared > max_bytes:
        raise _reject("too_large", MESSAGES["too_large"], owner=owner, limit=_format_bytes(max_bytes))
    content = _read_capped(uploaded_file, max_bytes)
    if not content:
        raise _reject("empty", MESSAGES["empty"], owner=owner)
    if len(content) > max_bytes:
        raise _reject("too_large", MESSAGES["too_large"], owner=owner, limit=_format_bytes(max_bytes))

    content_type = _sniff(content)
    csv_allowed = category in CSV_CATEGORIES
    if content_type not in ALLOWED_CONTENT_TYPES:
        # libmagic names CSV text/csv, text/plain or application/csv: the name says which is meant,
        # and _clean_csv decides whether it really is one.
        if (
            csv_allowed
            and normalized_name.lower().endswith(".csv")
            and content_type.startswith(("text/", "application/csv"))
        ):
            content_type = CSV
        else:
            raise _reject("type", MESSAGES["type_package" if csv_allowed else "type"], owner=owner)
    if content_type == PDF:
        cleaned = _clean_pdf(content, owner=owner)
    elif content_type == CSV:
        cleaned = _clean_csv(content, owner=owner)
    else:
        cleaned = _reencode_image(_open_image(content, content_type, owner=owner), content_type)
    if content_type != CSV and _sniff(cleaned) != content_type:  # belt and braces: we store what we checked
        raise _reject("type", MESSAGES["type"], owner=owner)

    with transaction.atomic():
        # One upload at a time per uploader, so two parallel requests cannot both slip
        # under the count limit.
        User.objects.select_for_update().filter(pk=owner.pk).first()
        _check_quota(owner=owner, dsr=dsr, adding=len(cleaned))
        storage_name = storage.save(cleaned)
        try:
            document = Document.objects.create(
                dsr=dsr,
                owner=owner,
                category=category,
                original_name=sanitize_filename(original_name, content_type),
                content_type=content_type,
                size_bytes=len(cleaned),
                sha256=storage.sha256_hex(cleaned),
                storage_name=storage_name,
                requires_masking=requires_masking,
                purge_after=None if dsr is not None else unattached_purge_after(),
            )
            audit.record(
                action="document.upload",
                actor=owner,
                obj=document,
                data={"category": category, "content_type": content_type, "size": len(cleaned)},
            )
        except Exception:
            storage.delete(storage_name)
            raise
    return document


def discard_unattached(*, owner: User, public_id: uuid.UUID | str) -> bool:
    """Delete one of the uploader's own unsubmitted uploads (file and row); False if none."""
    document = Document.objects.filter(
        owner=owner, dsr__isnull=True, public_id=public_id, purged_at__isnull=True
    ).first()
    if document is None:
        return False
    storage.delete(document.storage_name)
    audit.record(action="document.discard", actor=owner, obj=document)
    document.delete()
    return True


# --- helpers for forms that carry uploads across re-renders ---------------------------------


def unattached_documents(*, owner: User, ids: list[str]) -> list[Document]:
    """The uploader's own unsubmitted, unexpired uploads among `ids` (others silently dropped)."""
    valid = []
    for value in ids[: int(settings.DSR_UPLOAD_MAX_FILES_PER_CASE) * 2]:
        try:
            valid.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    if not valid:
        return []
    return list(
        Document.objects.filter(
            owner=owner,
            dsr__isnull=True,
            purged_at__isnull=True,
            purge_after__gt=timezone.now(),
            public_id__in=valid,
        ).order_by("uploaded_at", "id")
    )


def accept_form_uploads(
    files: MultiValueDict,
    *,
    owner: User,
    fields: dict[str, str],
    dsr: DataSubjectRequest | None = None,
    masking_categories: frozenset[str] = frozenset(),
) -> tuple[list[Document], dict[str, list[str]]]:
    """Accept every file posted in `fields` (name -> category); return the new documents and,
    per field, the reason each rejected file was refused (named, unless the name is unsafe)."""
    accepted: list[Document] = []
    errors: dict[str, list[str]] = {}
    for name, category in fields.items():
        for uploaded in files.getlist(name):
            try:
                masking = category in masking_categories
                accepted.append(
                    accept_upload(uploaded, owner=owner, category=category, dsr=dsr, requires_masking=masking)
                )
            except UploadRejected as exc:
                errors.setdefault(name, []).append(rejection_text(uploaded, exc))
    return accepted, errors


def rejection_text(uploaded: UploadedFile, exc: UploadRejected) -> str:
    """The reason a file was refused, after its name unless the name is unsafe to show."""
    message = " ".join(str(m) for m in exc.messages)
    raw_name = str(getattr(uploaded, "name", "") or "")
    if not raw_name or contains_my_number(raw_name):
        return message
    shown = sanitize_filename(raw_name, PDF).removesuffix(".pdf")
    return f"{shown}：{message}"


def flag_for_masking(documents: list[Document]) -> None:
    """Mark identity uploads that show numbers the co-op must not see (insurer numbers…)."""
    ids = [d.pk for d in documents if not d.requires_masking]
    if ids:
        Document.objects.filter(pk__in=ids).update(requires_masking=True)
        for document in documents:
            document.requires_masking = True
