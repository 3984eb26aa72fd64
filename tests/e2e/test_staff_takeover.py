"""In Chromium: a clerk who clicks 「担当する」 on a case a colleague took a moment earlier is told
whose it is; a supervisor takes the case over, is stopped until a reason is given, and the
reason shows in the timeline (docs/architecture.md#assignment).

With DSR_SCREENSHOT_DIR set, the pages are saved as PNGs to look at.
"""

import pytest

from django.urls import reverse

from requests_portal import services
from requests_portal.models import DataSubjectRequest
from requests_portal.roles import Role
from tests.e2e.shots import shot
from tests.factories import member_user, staff_user, submit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_late_clerk_is_told_and_the_supervisor_takes_over_with_a_reason(page, login):
    first = staff_user(Role.GA_STAFF, display_name="総務 一郎")
    late = staff_user(Role.GA_STAFF, display_name="総務 二郎")
    supervisor = staff_user(Role.GA_SUPERVISOR, display_name="管理 三郎")
    dsr = submit(member_user())

    # The late clerk has the queue open while the first one claims the case.
    login(page, late)
    page.goto(reverse("requests_portal:staff_queue"))
    services.dsr_claim(dsr=dsr, actor=first)
    page.get_by_role("button", name=f"{dsr.reference} を自分の担当にする").click()
    page.wait_for_url("**/staff/queue/")
    assert "この事案は既に総務 一郎さんが担当しています。" in page.locator(".messages").inner_text()
    shot(page, "claim_lost")
    assert DataSubjectRequest.objects.get(pk=dsr.pk).assignee == first

    # The supervisor takes it over; without a reason the form comes back with what was chosen.
    login(page, supervisor)
    page.goto(reverse("requests_portal:staff_dsr_detail", args=[dsr.public_id]))
    page.get_by_role("link", name="担当を引き継ぐ（理由が必要）").click()
    page.get_by_label("新しい担当者").select_option(label="総務 二郎")
    page.get_by_role("button", name="引き継ぐ").click()
    summary = page.locator(".error-summary")
    assert "引き継ぎの理由を入力してください。" in summary.inner_text()
    assert page.get_by_label("新しい担当者").input_value() == str(late.pk)
    shot(page, "takeover_needs_reason")
    page.get_by_label("引き継ぎの理由").fill("総務 一郎さんが研修で不在のため")
    page.get_by_role("button", name="引き継ぐ").click()
    page.wait_for_url(f"**/staff/cases/{dsr.public_id}/")
    timeline = page.locator(".timeline").inner_text()
    assert "担当を引き継ぎ：総務 一郎 → 総務 二郎" in timeline
    assert "総務 一郎さんが研修で不在のため" in timeline
    shot(page, "takeover_done")
    assert DataSubjectRequest.objects.get(pk=dsr.pk).assignee == late
    assert page.problems == []
