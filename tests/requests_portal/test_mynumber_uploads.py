"""Uploads never carry a My Number in: not in the file name, not in a PDF's text layer (however
the text comes out of it), not in a CSV package (番号法第20条)."""

import io

import pikepdf
import pytest
from pypdf import PdfReader

from django.core.files.uploadedfile import SimpleUploadedFile

from requests_portal.models import Document, DocumentCategory
from requests_portal.uploads import UploadRejected, accept_upload
from tests.requests_portal.member import files
from tests.requests_portal.test_mynumber_detector import EVASIONS

pytestmark = pytest.mark.django_db

_HELVETICA = {"/Type": pikepdf.Name.Font, "/Subtype": pikepdf.Name.Type1, "/BaseFont": pikepdf.Name.Helvetica}


def _pdf_showing(raw: bytes) -> bytes:
    """A one-page PDF whose page shows the string `raw`, bytes as given, in a simple font."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    page = pdf.pages[0]
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=pikepdf.Dictionary(_HELVETICA)))
    page.Contents = pdf.make_stream(b"BT /F1 14 Tf 72 760 Td " + pikepdf.String(raw).unparse() + b" Tj ET")
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _accept(owner, name: str, content: bytes, category=DocumentCategory.IDENTITY, **kwargs) -> Document:
    return accept_upload(SimpleUploadedFile(name, content), owner=owner, category=category, **kwargs)


def test_pdf_whose_text_comes_out_with_nuls_between_the_digits_is_rejected(member):
    # Text written as UTF-16 into a one-byte font: the text layer reads "\x003\x001\x004...".
    content = _pdf_showing("Kojin bango: 3141 5926 5352".encode("utf-16-be"))
    extracted = PdfReader(io.BytesIO(content)).pages[0].extract_text()
    assert "\x003\x001\x004\x001" in extracted  # the extraction really yields the NULs
    with pytest.raises(UploadRejected) as caught:
        _accept(member, "住民票.pdf", content)
    assert caught.value.code == "content_my_number"
    assert Document.objects.count() == 0


def test_pdf_with_nuls_and_an_everyday_number_is_accepted(member):
    content = _pdf_showing("Tel 03-1234-5678, 2026/11/25 10:30".encode("utf-16-be"))
    assert _accept(member, "連絡票.pdf", content, category=DocumentCategory.SUPPORTING).pk


@pytest.mark.parametrize(
    "written", ["3141.5926.5352", "3141\u200b5926\u200b5352", "(3141)5926-5352", "3 1 4 1 5 9 2 6 5 3 5 2"]
)
def test_pdf_whose_text_shows_an_evasion_is_rejected(member, written):
    with pytest.raises(UploadRejected) as caught:
        _accept(member, "住民票.pdf", files.pdf(f"Kojin bango: {written}".encode("ascii", "ignore").decode()))
    assert caught.value.code == "content_my_number"


@pytest.mark.parametrize(
    "written",
    [v for k, v in EVASIONS.items() if not any(c in v for c in "/\x00\n\r\t")],
)
def test_file_name_with_any_evasion_is_rejected(member, written):
    with pytest.raises(UploadRejected) as caught:
        _accept(member, f"{written}.pdf", files.pdf())
    assert caught.value.code == "name_my_number"
    assert written not in str(caught.value.message)


@pytest.mark.parametrize(
    "written", ["3141.5926.5352", "3141 - 5926 - 5352", "3141ー5926ー5352", "３１４１_５９２６_５３５２"]
)
def test_csv_package_with_an_evasion_is_refused(ga_staff, written):
    content = f'項目,値\r\n番号,"{written}"\r\n'.encode()
    with pytest.raises(UploadRejected) as caught:
        _accept(ga_staff, "data.csv", content, category=DocumentCategory.DISCLOSURE_PACKAGE)
    assert caught.value.code == "content_my_number"
