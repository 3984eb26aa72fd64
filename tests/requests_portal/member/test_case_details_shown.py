"""The member's case page: the filed details with labels, and letters named as their PDFs are."""

import pytest

from django.urls import reverse

from requests_portal.models import LetterKind, RequestKind, Status
from tests.factories import advance, submit

pytestmark = pytest.mark.django_db


def _page(client, member, dsr, language: str = "ja") -> str:
    client.force_login(member)
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    response = client.get(reverse("requests_portal:member_dsr_detail", args=[dsr.public_id]))
    assert response.status_code == 200
    return response.content.decode()


def test_member_page_shows_labels_and_a_correction_table(client, member):
    details = {
        "corrections": [{"action": "add", "item": "電話番号", "current": "", "correct": "090-0000-0000"}],
        "identity_method": "document",
        "id_document_type": "passport",
        "demo_history": True,
    }
    page = _page(client, member, submit(member, kind=RequestKind.CORRECTION, details=details))
    shown = ("本人確認の方法", "本人確認書類の写し", "パスポート", "項目", "現在の内容", "正しい内容", "追加")
    for text in (*shown, "090-0000-0000"):
        assert text in page, text
    for raw in ("identity_method", "id_document_type", "passport", "demo_history"):
        assert raw not in page, raw


def test_member_page_names_categories_typed_in_by_staff(client, member):
    dsr = submit(member, details={"data_categories": ["組合員の基本情報", "共済契約に関する情報"]})
    page = _page(client, member, dsr)
    assert "組合員の基本情報、共済契約に関する情報" in page


def test_partial_disclosure_notice_is_listed_under_the_title_its_pdf_prints(client, member, ga_staff, supervisor):
    dsr = advance(submit(member), Status.DECIDED, handler=ga_staff, approver=supervisor)
    assert dsr.letters.filter(kind=LetterKind.DISCLOSURE_DECISION).exists()
    page = _page(client, member, dsr)
    assert "保有個人データ一部開示決定通知書" in page
    assert "<span>開示決定通知書" not in page
    english = _page(client, member, dsr, "en")
    # The kind's English name, then the PDF's own (Japanese) title, marked as Japanese.
    assert '(<span lang="ja">保有個人データ一部開示決定通知書' in english
