"""The public procedures page renders from configuration (docs/legal.md#art-32, docs/legal.md#art-38)."""

import pytest

from django.urls import reverse

from requests_portal.models import DataCategory, FeeSetting, OrganisationProfile, RequestKind

pytestmark = pytest.mark.django_db


def test_procedures_page_publishes_what_article_32_requires(client):
    profile = OrganisationProfile.load()
    profile.address = "東京都千代田区霞が関九丁目9番9号"
    profile.postal_code = "1000099"
    profile.representative = "理事長 試験 一郎"
    profile.security_measures = "アクセス制御と暗号化を行っています。"
    profile.ga_contact = "総務部 03-0000-1111"
    profile.mynumber_contact = "マイナンバー担当 03-0000-2222"
    profile.save()
    FeeSetting.objects.create(kind=RequestKind.DISCLOSURE, amount_yen=450, payment_methods="定額小為替・銀行振込")
    DataCategory.objects.create(name="試験用の項目", sort_order=99)
    page = client.get(reverse("requests_portal:procedures")).content.decode()
    for text in (
        "〒100-0099 東京都千代田区霞が関九丁目9番9号",
        "理事長 試験 一郎",
        "アクセス制御と暗号化を行っています。",
        "総務部 03-0000-1111",
        "マイナンバー担当 03-0000-2222",
        "450円",
        "定額小為替・銀行振込",
        "試験用の項目",
        "マイナンバーカードの裏面",
        "委任状",
        "後見登記等に関する登記事項証明書",
        "PDF、CSV",
    ):
        assert text in page, text
    for anchor in ("privacy-policy", "my-number-policy", "contact", "fees", "identity", "agents"):
        assert f'id="{anchor}"' in page


def test_fee_table_never_charges_for_correction_or_suspension(client):
    FeeSetting.objects.create(kind=RequestKind.PURPOSE_NOTICE, amount_yen=0)
    page = client.get(reverse("requests_portal:procedures")).content.decode()
    table = page.split('id="fees"')[1].split("</table>")[0]
    for label in ("訂正・追加・削除", "利用停止・消去・第三者提供の停止"):
        row = table.split(label)[1].split("</tr>")[0]
        assert "無料" in row
        assert "手数料はいただきません" in row


def test_every_page_footer_links_the_procedures_and_policies(client):
    page = client.get("/").content.decode()
    url = reverse("requests_portal:procedures")
    for suffix in ("", "#privacy-policy", "#my-number-policy", "#contact"):
        assert f'href="{url}{suffix}"' in page
