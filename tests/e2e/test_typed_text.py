"""What a member types with full-width punctuation comes back exactly as typed, in Chromium:
on the 確認 page, on the case page, and on the staff case page (docs/architecture.md#typed-text)."""

import pytest

from requests_portal.models import DataSubjectRequest
from requests_portal.roles import Role
from tests.factories import PASSWORD, member_user, staff_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SUMMARY = "窓口での説明（令和7年4月～6月）について"
DESCRIPTION = "担当者の説明が、分かりにくかったです。（電話：０３－１２３４－５６７８）"


def _verified_member():
    from allauth.account.models import EmailAddress

    user = member_user()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def test_full_width_punctuation_typed_by_a_member_is_shown_as_typed(page, login):
    member = _verified_member()
    page.goto("/accounts/login/")
    page.get_by_label("メールアドレス").fill(member.email)
    page.locator("#id_password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="マイページ").wait_for()

    page.goto("/member/requests/new/complaint/")
    page.get_by_role("radio", name="苦情").check()
    page.get_by_label("件名").fill(SUMMARY)
    page.locator("#id_description").fill(DESCRIPTION)
    page.locator("main").get_by_role("button", name="確認画面へ進む", exact=True).click()
    page.get_by_role("heading", name="入力内容の確認").wait_for()
    assert SUMMARY in page.locator("main").inner_text()
    page.locator("main").get_by_label("パスワード").fill(PASSWORD)  # 本人確認（再認証）
    page.locator("main").get_by_role("button", name="この内容で送信する", exact=True).click()
    page.get_by_role("heading", name="ご請求を受け付けました").wait_for()

    dsr = DataSubjectRequest.objects.get(reference=page.locator("#reference").inner_text().strip())
    assert dsr.summary == SUMMARY  # stored as typed, not NFKC-folded
    page.goto(f"/member/requests/{dsr.public_id}/")
    shown = page.locator("main").inner_text()
    assert SUMMARY in shown
    assert DESCRIPTION in shown

    login(page, staff_user(Role.GA_STAFF))
    page.goto(f"/staff/cases/{dsr.public_id}/")
    staff_view = page.locator("main").inner_text()
    assert SUMMARY in staff_view
    assert DESCRIPTION in staff_view
    assert page.problems == []
