"""In Chromium: a GA clerk signs in with a TOTP code, claims a case, records the identity check,
drafts a partial disclosure; a supervisor signs in with their own code and approves it.

The clerk works at phone width (390 px), the supervisor at desktop width. No console errors
and no CSP violations. With DSR_SCREENSHOT_DIR set, the pages are saved as PNGs to look at.
"""

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator

from requests_portal.models import DataSubjectRequest, LetterKind, Status, StatutoryGround
from requests_portal.roles import Role
from requests_portal.staff_auth import MfaAdapter
from tests.e2e.shots import shot
from tests.factories import PASSWORD, member_user, staff_user, submit
from tests.staff_login import totp_code, wait_for_fresh_totp_window

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CLERK_SECRET = "KRSXG5CTMVRXEZLUKN2XAZLSONSWG4TF"
SUPERVISOR_SECRET = "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U"


def _staff(role: str, secret: str, name: str):
    user = staff_user(role, display_name=name)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": MfaAdapter().encrypt(secret)})
    return user


def _sign_in(page, user, secret: str, who: str) -> None:
    page.goto("/accounts/login/")
    page.locator("main input[name=login]").fill(user.email)
    page.locator("main input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/accounts/2fa/authenticate/")
    shot(page, f"{who}_code")
    wait_for_fresh_totp_window()
    page.get_by_label("コード").fill(totp_code(secret))
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/staff/")


def test_clerk_claims_verifies_drafts_and_supervisor_approves(page, browser, live_server):
    clerk = _staff(Role.GA_STAFF, CLERK_SECRET, "総務 一郎")
    supervisor = _staff(Role.GA_SUPERVISOR, SUPERVISOR_SECRET, "管理 三郎")
    dsr = submit(member_user(), summary="共済契約の記録の開示", description="共済契約に関する記録を開示してください。")

    # The clerk, on a phone.
    _sign_in(page, clerk, CLERK_SECRET, "clerk")
    page.get_by_role("link", name="事案一覧").first.click()
    page.wait_for_url("**/staff/queue/")
    shot(page, "queue_phone")
    page.get_by_role("button", name=f"{dsr.reference} を自分の担当にする").click()
    page.wait_for_url("**/staff/queue/")
    assert "を自分の担当にしました" in page.locator(".messages").inner_text()

    page.get_by_role("link", name=dsr.reference).click()
    page.wait_for_url(f"**/staff/cases/{dsr.public_id}/")
    shot(page, "case_phone")
    page.get_by_role("link", name="本人確認の記録").click()
    page.get_by_label("本人確認書類の写し").check()
    page.get_by_label("確認した書類の種類").select_option(label="運転免許証")
    page.get_by_label("確認できた").check()
    page.get_by_role("button", name="本人確認を記録する").click()
    page.wait_for_url(f"**/staff/cases/{dsr.public_id}/")
    assert "審査中" in page.locator(".case-header").inner_text()

    page.get_by_role("link", name="決定案の作成").click()
    page.get_by_label("一部開示", exact=True).check()
    # With JavaScript, only the sections of the chosen decision are shown.
    assert page.locator("#withheld-title").is_visible()
    assert not page.locator("#substitute-title").is_visible()
    page.get_by_label("根拠条項").select_option(StatutoryGround.ART33_2_1)
    page.get_by_label("理由", exact=True).fill(
        "他の組合員の氏名が記載された部分は、第三者の権利利益を害するおそれがあるため。"
    )
    page.locator("#id_withheld-0-item").fill("苦情記録中の他の組合員の氏名")
    page.locator("#id_withheld-0-ground").select_option(StatutoryGround.ART33_2_1)
    shot(page, "decision_phone")
    page.get_by_role("button", name="決定案を決裁に回す").click()
    page.wait_for_url(f"**/staff/cases/{dsr.public_id}/")
    assert "決裁待ち" in page.locator(".case-header").inner_text()
    assert page.problems == []

    # The supervisor, at a desk, in a browser of their own.
    context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    desk = context.new_page()
    problems: list[str] = []
    desk.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    desk.on("pageerror", lambda exc: problems.append(str(exc)))
    _sign_in(desk, supervisor, SUPERVISOR_SECRET, "supervisor")
    desk.goto(f"/staff/queue/?status={Status.AWAITING_APPROVAL}")
    shot(desk, "queue_desktop")
    desk.get_by_role("link", name=dsr.reference).click()
    shot(desk, "case_desktop")
    desk.get_by_role("link", name="決定案の決裁").click()
    assert "苦情記録中の他の組合員の氏名" in desk.locator("main").inner_text()
    desk.get_by_role("button", name="決裁する（通知書を作成）").click()
    desk.wait_for_url(f"**/staff/cases/{dsr.public_id}/")
    # Portal delivery: the decision notice is rendered at once, so the case is already notified.
    assert "通知済み" in desk.locator(".case-header").inner_text()
    assert problems == []
    context.close()

    dsr = DataSubjectRequest.objects.get(pk=dsr.pk)
    assert dsr.status == Status.NOTIFIED
    assert dsr.drafted_by == clerk
    assert dsr.approved_by == supervisor
    assert dsr.decision_details["withheld_items"][0]["item"] == "苦情記録中の他の組合員の氏名"
    assert dsr.letters.filter(kind=LetterKind.DISCLOSURE_DECISION, status="rendered").count() == 1
