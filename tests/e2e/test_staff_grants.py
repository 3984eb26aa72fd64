"""Two people make a GA clerk a My Number officer in Chromium: one asks, is refused when trying to
approve their own request, a second 個人番号事務取扱責任者 approves; the clerk then holds the role
and the register of designated handlers lists them, downloaded as CSV and as PDF from the pages.
No JavaScript errors, no CSP violations."""

import csv
import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from django.utils import timezone

from requests_portal.date_styles import staff_date
from requests_portal.models import AuditEntry, RoleGrantRequest, User
from requests_portal.roles import Role, has_role
from tests.e2e.shots import pdf_shot, shot
from tests.factories import staff_user

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _download(page, link_name: str) -> bytes:
    with page.expect_download() as info:
        page.locator("#main").get_by_role("link", name=link_name).click()
    return Path(info.value.path()).read_bytes()


def test_two_people_make_a_clerk_an_officer_and_the_register_lists_them(page, login):
    manager = staff_user(Role.MY_NUMBER_MANAGER, display_name="番号 責任者")
    second_manager = staff_user(Role.MY_NUMBER_MANAGER, display_name="番号 副責任者")
    clerk = staff_user(Role.GA_STAFF, display_name="総務 花子", email="hanako@example.jp")
    end = timezone.localdate().replace(year=timezone.localdate().year + 1, month=3, day=31)

    # One person asks, reaching the page from the navigation.
    login(page, manager)
    page.goto("/staff/")
    page.get_by_role("link", name="役割の付与・解除").click()
    page.get_by_label("対象の職員").select_option(str(clerk.pk))
    page.get_by_label(re.compile(r"^役割")).select_option(Role.MY_NUMBER_OFFICER)
    page.get_by_label("終了日（任意）").fill(end.isoformat())
    page.get_by_label("理由").fill("繁忙期の応援のため")
    page.get_by_role("button", name="申請する").click()
    page.wait_for_load_state()
    assert page.get_by_text("申請者以外の責任者の承認をもって有効になります").is_visible()
    grant_request = RoleGrantRequest.objects.get(user=clerk)

    # …and cannot approve it: it is not offered, and a forged approval answers like a missing request.
    assert page.get_by_text("承認待ちの申請はありません。").is_visible()
    shot(page, "staff-role-grants-requested")
    token = page.locator("input[name='csrfmiddlewaretoken']").first.input_value()
    forged = page.request.post(
        f"/staff/role-grants/{grant_request.pk}/decide/",
        form={"csrfmiddlewaretoken": token, "decision": "approve"},
        max_redirects=0,
    )
    assert forged.status == 404
    assert not has_role(User.objects.get(pk=clerk.pk), Role.MY_NUMBER_OFFICER)

    # A second manager sees the request, with the role named, and approves it.
    login(page, second_manager)
    page.goto("/staff/role-grants/")
    row = page.locator("#main tbody tr").filter(has_text="総務 花子")
    assert row.locator("td[data-label='役割']").inner_text() == "マイナンバー事務取扱担当者"
    assert row.locator("td[data-label='終了日']").inner_text() == staff_date(end)  # the staff date style
    shot(page, "staff-role-grants-pending")
    row.get_by_role("button", name="承認する").click()
    page.wait_for_load_state()
    assert page.get_by_text("承認しました。").is_visible()
    assert page.get_by_text("承認待ちの申請はありません。").is_visible()
    assert has_role(User.objects.get(pk=clerk.pk), Role.MY_NUMBER_OFFICER)
    assert list(AuditEntry.objects.filter(action__startswith="staff.role_grant").values_list("action", flat=True)) == [
        "staff.role_grant_requested",
        "staff.role_granted",
    ]

    # The register lists the clerk with the start and the planned end of the grant.
    csv_text = _download(page, "事務取扱担当者の名簿（CSV）").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(csv_text)))
    assert rows[0][:3] == ["氏名", "メールアドレス", "役割"]
    listed = [line for line in rows[1:] if line[1] == "hanako@example.jp"]
    assert len(listed) == 1
    assert listed[0][0] == "総務 花子"
    assert listed[0][2] == "マイナンバー事務取扱担当者"
    assert listed[0][3].startswith("令和")
    assert listed[0][5].endswith("3月31日")
    assert listed[0][6] == second_manager.email
    pdf = _download(page, "事務取扱担当者の名簿（PDF）")
    assert pdf.startswith(b"%PDF")
    pdf_shot(pdf, "handler-register")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "個人番号事務取扱担当者名簿" in text
    assert "hanako@example.jp" in text

    # The clerk, signed in again, is now an officer: the My Number queue is theirs, and the
    # navigation offers the register.
    login(page, User.objects.get(pk=clerk.pk))
    page.goto("/staff/")
    assert page.get_by_role("heading", name="マイナンバー担当").is_visible()
    assert page.get_by_role("link", name="事務取扱担当者の名簿（PDF）").is_visible()
    assert page.get_by_role("link", name="役割の付与・解除").count() == 0
    shot(page, "staff-home-new-officer")
    assert page.problems == []
