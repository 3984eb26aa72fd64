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
    for suffix in ("", "#my-number-policy", "#contact"):
        assert f'href="{url}{suffix}"' in page
    assert f'href="{reverse("requests_portal:privacy_policy")}"' in page


# What the co-op's privacy policy states; a fresh install must publish exactly this.
POLICY_PURPOSES = (
    "組合員の加入・脱退、出資金の管理など組合員管理のため",
    "共済事業の提供、お申込みの受付、ご案内のため",
    "共済金・給付金のお支払いのため",
    "給与控除による掛金の精算のため",
    "職域の厚生事務担当部署への提供のため",
    "共済関連情報の提供のため",
    "共済事業の充実のため",
    "お問い合わせ・苦情への対応のため",
    "法令に基づく対応のため",
)


def test_a_fresh_install_publishes_the_policy_facts_not_placeholders(client):
    page = client.get(reverse("requests_portal:procedures")).content.decode()
    for text in (
        "〒102-8607 東京都千代田区三番町6番8 警察共済ビル",
        "総務部",
        "フリーダイヤル 0120-983-110",
        "理事長",
        *POLICY_PURPOSES,
    ):
        assert text in page, text
    purposes = page.split('id="purposes"')[1].split("<h2")[0]
    assert purposes.count("のため") == len(POLICY_PURPOSES)
    for placeholder in ("購買事業", "03-0000-0000", "総務部にお問い合わせください", "総務部でご覧いただけます"):
        assert placeholder not in page, placeholder


def test_administrators_change_the_published_facts(client):
    profile = OrganisationProfile.load()
    profile.representative = "代表理事"
    profile.representative_name = "試験 太郎"
    profile.purposes_of_use = "1. 試験の目的のため"
    profile.ga_contact = "総務部 試験窓口\nフリーダイヤル 0120-000-999"
    profile.save()
    page = client.get(reverse("requests_portal:procedures")).content.decode()
    for text in ("代表理事　試験 太郎", "試験の目的のため", "フリーダイヤル 0120-000-999"):
        assert text in page, text
    assert "共済関連情報の提供のため" not in page.split('id="purposes"')[1].split("<h2")[0]


def test_the_privacy_policy_is_published_in_full(client):
    procedures = client.get(reverse("requests_portal:procedures")).content.decode()
    url = reverse("requests_portal:privacy_policy")
    assert f'href="{url}"' in procedures.split('id="privacy-policy"')[1]
    page = client.get(url).content.decode()
    for text in ("個人情報保護方針", "第三者への提供", "フリーダイヤル 0120-983-110", *POLICY_PURPOSES):
        assert text in page, text

    profile = OrganisationProfile.load()
    profile.privacy_policy = "改定した方針の本文です。"
    profile.save()
    assert "改定した方針の本文です。" in client.get(url).content.decode()


def test_an_installed_portal_gets_the_policy_values_unless_an_administrator_edited_them():
    import importlib

    from django.apps import apps

    migration = importlib.import_module("requests_portal.migrations.0020_coop_facts")
    profile = OrganisationProfile.load()
    profile.purposes_of_use = migration.SHIPPED_IN_0002["purposes_of_use"]  # never edited
    profile.address = ""  # left blank
    profile.ga_contact = "総務部 直通 03-1234-5678"  # an administrator's own text
    profile.save()
    migration.publish_policy_values(apps, None)
    profile.refresh_from_db()
    assert "職域の厚生事務担当部署への提供のため" in profile.purposes_of_use
    assert "購買事業" not in profile.purposes_of_use
    assert profile.address == "東京都千代田区三番町6番8 警察共済ビル"
    assert profile.ga_contact == "総務部 直通 03-1234-5678"
