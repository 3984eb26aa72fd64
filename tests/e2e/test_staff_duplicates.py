"""A member files the same disclosure request twice; a GA clerk sees the possible duplicate as a
badge in the queue and on the case page, links the later case as the duplicate of the earlier
one, and the member then finds the later case closed with a notice naming the earlier case's
受付番号. Chromium at phone width; no console errors or CSP violations on the way."""

import re
from pathlib import Path

import pytest

from requests_portal.letters import services as letters
from requests_portal.models import DataCategory, DataSubjectRequest, LetterKind, Status
from requests_portal.roles import Role
from tests.e2e.shots import shot
from tests.factories import PASSWORD, member_user, staff_user
from tests.requests_portal.member import files

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _main_submit(page, name: str) -> None:
    page.locator("main").get_by_role("button", name=name, exact=True).click()


def _file_disclosure(page, description: str) -> str:
    page.goto("/member/requests/new/disclosure/")
    page.get_by_label("共済契約に関する情報").check()
    page.get_by_label("書面の交付（郵送）").check()
    page.get_by_label("開示を求める個人情報の内容（分かる範囲で）").fill(description)
    page.get_by_label("本人確認書類の写しを添付する").check()
    page.get_by_label("本人確認書類の種類").select_option("driving_licence")
    page.locator("#id_identity_files").set_input_files(
        {"name": "免許証.jpg", "mimeType": "image/jpeg", "buffer": files.jpeg()}
    )
    page.get_by_label(re.compile("マイナンバーカードの裏面やマイナンバー（個人番号）が写っていない")).check()
    _main_submit(page, "確認画面へ進む")
    page.get_by_role("heading", name="入力内容の確認").wait_for()
    _main_submit(page, "この内容で送信する")
    page.get_by_role("heading", name="ご請求を受け付けました").wait_for()
    return page.locator("#reference").inner_text().strip()


def test_member_files_twice_clerk_links_the_duplicate_member_sees_the_notice(page, login):
    from allauth.account.models import EmailAddress

    DataCategory.objects.create(name="共済契約に関する情報", sort_order=1)
    member = member_user()
    EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
    clerk = staff_user(Role.GA_STAFF)

    # --- the member files the same request twice (as a second letter might repeat a first)
    page.goto("/accounts/login/")
    page.get_by_label("メールアドレス").fill(member.email)
    page.locator("#id_password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="マイページ").wait_for()
    first = _file_disclosure(page, "共済金の支払に関する記録")
    second = _file_disclosure(page, "共済金の支払に関する記録（再送）")
    assert first != second

    # --- the clerk sees the badge on both rows of the queue, and the candidate on the case page
    login(page, clerk)
    page.goto("/staff/queue/")
    badges = page.locator("a.badge", has_text="重複の可能性")
    assert badges.count() == 2
    shot(page, "duplicates-01-queue-badge")
    page.locator("tr", has_text=second).get_by_role("link", name=second, exact=True).click()
    page.get_by_role("heading", name=re.compile("重複・関連する事案")).wait_for()
    links = page.locator("section#links")
    assert links.get_by_role("link", name=first, exact=True).is_visible()
    shot(page, "duplicates-02-case-candidates")

    # --- link the later case as the duplicate of the earlier one
    links.get_by_role("link", name=re.compile("関連付ける")).first.click()
    page.get_by_role("heading", name="事案の関連付け", level=1).wait_for()
    assert page.get_by_label("関連付ける事案の受付番号").input_value() == first
    page.get_by_label(re.compile("この事案は、指定した事案の重複です")).check()
    page.get_by_label("メモ（職員のみ）").fill("同じ内容の再送")
    shot(page, "duplicates-03-link-form")
    _main_submit(page, "関連付ける")
    page.get_by_text(f"{second} を {first} の重複として終了しました").wait_for()
    assert page.locator(".case-header .badge").first.inner_text() == "完了"
    shot(page, "duplicates-04-duplicate-closed")
    duplicate = DataSubjectRequest.objects.get(reference=second)
    assert duplicate.status == Status.CLOSED
    notice = duplicate.letters.get(kind=LetterKind.DUPLICATE_CLOSED)
    if notice.rendered_at is None:  # the eager worker renders on commit; render here if not
        letters.letter_render(letter_id=notice.pk)

    # --- the primary shows the link; the queue no longer flags either case
    page.goto("/staff/queue/")
    assert page.locator("a.badge", has_text="重複の可能性").count() == 0
    page.locator("tr", has_text=first).get_by_role("link", name=first, exact=True).click()
    assert page.locator("section#links").get_by_text("重複（この事案が主）").is_visible()

    # --- the member finds the later case closed, with the notice naming the earlier one
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.get_by_label("メールアドレス").fill(member.email)
    page.locator("#id_password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="マイページ").wait_for()
    page.goto(f"/member/requests/{duplicate.public_id}/")
    assert page.get_by_text(f"受付番号 {first} のご請求と同じ内容のため").is_visible()
    assert page.get_by_text("重複したご請求の取扱いについて（お知らせ）").first.is_visible()
    shot(page, "duplicates-05-member-notice")
    with page.expect_download() as download:
        page.locator(f"a[href='/letters/{notice.public_id}/download/']").click()
    pdf = Path(download.value.path())
    text = _pdf_text(pdf)
    assert first in text
    assert second in text
    assert page.problems == []


def _pdf_text(path: Path) -> str:
    import subprocess

    result = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True)  # noqa: S603, S607
    return re.sub(r"\s+", "", result.stdout)
