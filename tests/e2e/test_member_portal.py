"""A member signs up, files a disclosure request as an appointed agent with an ID image and a
委任状 PDF, sees the 受付番号, and finds the case on the home page; another member cannot open it.
Chromium at phone width; no console errors or CSP violations anywhere on the way."""

import re
from datetime import date

import pytest

from django.core import mail

from requests_portal.models import DataCategory, DataSubjectRequest, DocumentCategory, FeeSetting, RequestKind
from tests.e2e.shots import shot
from tests.factories import PASSWORD, MemberFactory, member_user
from tests.requests_portal.member import files

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Kasumigaseki-2-1-1-blue"


def _verified_member():
    """A member login whose address is confirmed (allauth requires it before login)."""
    from allauth.account.models import EmailAddress

    user = member_user()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _main_submit(page, name: str) -> None:
    page.locator("main").get_by_role("button", name=name, exact=True).click()


def test_member_signs_up_and_files_a_disclosure_as_an_appointed_agent(page, live_server):
    agent = MemberFactory(member_number="300100", full_name="代理 花子", birth_date=date(1980, 5, 5), email="")
    principal = MemberFactory(member_number="300200", full_name="山﨑 涼子", birth_date=date(1950, 2, 14))
    DataCategory.objects.create(name="共済契約に関する情報", sort_order=1)
    FeeSetting.objects.create(kind=RequestKind.DISCLOSURE, amount_yen=300, payment_methods="定額小為替")

    # --- sign up: member number + date of birth (和暦) + email
    page.goto("/")
    page.get_by_role("link", name="はじめての方（利用登録）").click()
    page.get_by_label("組合員番号").fill("３００１００")
    page.get_by_label("生年月日").fill("昭和55年5月5日")
    page.get_by_label("メールアドレス").fill("hanako@example.jp")
    shot(page, "01-signup")
    _main_submit(page, "確認メールを送る")
    page.get_by_role("heading", name="確認メールを送信しました").wait_for()

    # --- confirm the address from the mail, then set the password
    (message,) = [m for m in mail.outbox if "/accounts/confirm-email/" in m.body]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body).group(0)
    page.goto(link.replace("http://testserver", live_server.url))
    _main_submit(page, "確認する")
    page.get_by_role("heading", name="パスワードの設定").wait_for()
    page.locator("#id_password1").fill(NEW_PASSWORD)
    page.locator("#id_password2").fill(NEW_PASSWORD)
    _main_submit(page, "パスワードを設定する")
    page.get_by_role("heading", name="マイページ").wait_for()

    # --- the wizard: disclosure, as an appointed agent
    page.get_by_role("link", name="新しい請求をする").click()
    page.get_by_role("link", name="保有個人データの開示").click()
    assert page.get_by_text("300円").first.is_visible()  # the configured fee, shown up front
    page.get_by_label("任意代理人（委任状による代理人）").check()
    page.get_by_label("ご本人の組合員番号").fill(principal.member_number)
    page.get_by_label("ご本人の氏名").fill("山崎 涼子")  # 﨑 typed as 崎
    page.get_by_label("ご本人の生年月日").fill("S25.2.14")
    assert page.locator("#id_agent_name").input_value() == "代理 花子"  # prefilled from the roster
    page.get_by_label("ご本人との関係").fill("長女")
    page.get_by_label("代理権を証する書類の種類").select_option("power_of_attorney")
    page.locator("#id_authority_files").set_input_files(
        {"name": "委任状.pdf", "mimeType": "application/pdf", "buffer": files.pdf("Inin-jo: Yamazaki Ryoko")}
    )
    page.get_by_label("共済契約に関する情報").check()
    page.get_by_label("書面の交付（郵送）").check()
    page.get_by_label("開示を求める個人情報の内容（分かる範囲で）").fill("共済金の支払に関する記録")
    page.get_by_label("本人確認書類の種類").select_option("driving_licence")
    page.locator("#id_identity_files").set_input_files(
        {"name": "免許証.jpg", "mimeType": "image/jpeg", "buffer": files.jpeg(gps=True)}
    )
    page.get_by_label(re.compile("マイナンバーカードの裏面やマイナンバー（個人番号）が写っていない")).check()
    shot(page, "02-wizard-agent")
    _main_submit(page, "確認画面へ進む")

    page.get_by_role("heading", name="入力内容の確認").wait_for()
    assert page.get_by_text("委任状.pdf").is_visible()
    assert page.get_by_text("免許証.jpg").is_visible()
    shot(page, "03-confirm")
    _main_submit(page, "この内容で送信する")

    page.get_by_role("heading", name="ご請求を受け付けました").wait_for()
    reference = page.locator("#reference").inner_text().strip()
    dsr = DataSubjectRequest.objects.get(reference=reference)
    assert dsr.member == principal
    assert dsr.filed_by.member == agent
    assert dsr.requester_type == "appointed_agent"
    assert sorted(dsr.documents.values_list("category", flat=True)) == [
        DocumentCategory.AUTHORITY,
        DocumentCategory.IDENTITY,
    ]
    shot(page, "04-receipt")

    # --- the case is on the home page, and opens
    page.get_by_role("link", name="マイページへ").click()
    page.get_by_role("link", name=reference).click()
    page.get_by_role("heading", name="保有個人データの開示").wait_for()
    assert page.get_by_text("受付済み").first.is_visible()
    shot(page, "05-case")
    case_url = page.url
    assert page.problems == []

    # --- another member gets 404 on it
    page.locator("header").get_by_role("button", name="ログアウト").click()
    other = _verified_member()
    page.goto("/accounts/login/")
    page.get_by_label("メールアドレス").fill(other.email)
    page.locator("#id_password").fill(PASSWORD)
    _main_submit(page, "ログイン")
    page.get_by_role("heading", name="マイページ").wait_for()
    response = page.goto(case_url)
    assert response.status == 404
    assert reference not in page.content()


def test_wizard_errors_are_reachable_by_keyboard_and_keep_input(page, live_server):
    user = _verified_member()
    page.goto("/accounts/login/")
    page.get_by_label("メールアドレス").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="マイページ").wait_for()
    page.goto("/member/requests/new/complaint/")
    page.get_by_label("件名").fill("窓口での説明について")
    page.get_by_label("件名").press("Enter")  # the Enter key means "go to the 確認 page"
    summary = page.locator("#error-summary")
    summary.wait_for()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.get_by_label("件名").input_value() == "窓口での説明について"
    shot(page, "06-errors")
    # Follow the first error link with the keyboard: focus lands on the field.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") in ("#id_inquiry_type_0", "#id_description")
    assert page.problems == []
