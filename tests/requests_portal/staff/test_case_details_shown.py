"""The staff case page shows a member-filed case's details with labels, never raw keys or codes."""

import pytest

from django.urls import reverse

from requests_portal.models import DataCategory, DataSubjectRequest, RequestKind
from tests.factories import submit

pytestmark = pytest.mark.django_db


def _page(client, staff, dsr) -> str:
    client.force_login(staff)
    response = client.get(reverse("requests_portal:staff_dsr_detail", args=[dsr.public_id]))
    assert response.status_code == 200
    return response.content.decode()


def test_disclosure_filed_with_an_id_document_shows_labels_and_category_names(client, member, ga_staff):
    category = DataCategory.objects.filter(is_active=True).first()
    details = {
        "data_categories": [{"id": category.pk, "name": category.name}],
        "period": "2020年4月から現在まで",
        "identity_method": "document",
        "id_document_type": "driving_licence",
    }
    page = _page(client, ga_staff, submit(member, details=details))
    assert "本人確認の方法" in page
    assert "本人確認書類の写し" in page
    assert "本人確認書類の種類" in page
    assert "運転免許証" in page
    assert category.name in page
    for raw in ("identity_method", "id_document_type", "driving_licence", "data_categories", "id："):
        assert raw not in page, raw


def test_correction_rows_are_a_table(client, member, ga_staff):
    details = {
        "corrections": [{"action": "correct", "item": "住所", "current": "東京都千代田区霞が関二丁目1番1号",
                         "correct": "東京都千代田区霞が関二丁目1番2号"}],
        "identity_method": "reauth",
    }  # fmt: skip
    page = _page(client, ga_staff, submit(member, kind=RequestKind.CORRECTION, details=details))
    assert "<table" in page
    for text in ("項目", "現在の内容", "正しい内容", "種別", "訂正", "東京都千代田区霞が関二丁目1番2号"):
        assert text in page, text
    assert "ポータルでの再認証" in page
    for raw in ("action：", "current：", "correct：", "identity_method"):
        assert raw not in page, raw


def test_complaint_type_and_unknown_keys(client, member, ga_staff):
    dsr = submit(member, kind=RequestKind.COMPLAINT, details={"inquiry_type": "complaint"})
    # Keys a complaint's schema does not have reach a case only from before it (imports):
    # dsr_submit refuses them, so they are written the way an import would.
    details = {"inquiry_type": "complaint", "third_party": "勤務先の厚生課", "legacy_ref": "旧-0001"}
    DataSubjectRequest.objects.filter(pk=dsr.pk).update(details=details)
    page = _page(client, ga_staff, dsr)
    assert "お申出の種類" in page
    assert "<dd>苦情</dd>" in page
    assert "inquiry_type" not in page
    assert "提供先・提供元" in page
    assert "legacy_ref" in page  # an unknown key still shows, under its own name
    assert "旧-0001" in page
