"""The approver sees the letter: in Chromium, a supervisor opens the approval page of a drafted
partial disclosure and reads the notice approval will issue (title, ground, reason, withheld
items) before approving, at desk width and at phone width, without CSP violations."""

import pytest

from requests_portal.letters import services as letters
from requests_portal.models import DisclosureMethod, LetterKind, Status
from requests_portal.roles import Role
from tests.e2e.shots import shot
from tests.factories import advance, member_user, staff_user, submit

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_the_approver_reads_the_draft_notice_before_approving(page, login):
    member = member_user()
    clerk, supervisor = staff_user(Role.GA_STAFF), staff_user(Role.GA_SUPERVISOR)
    dsr = submit(member, disclosure_method=DisclosureMethod.ELECTRONIC)
    advance(dsr, Status.AWAITING_APPROVAL, handler=clerk, approver=supervisor)
    login(page, supervisor)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"/staff/cases/{dsr.public_id}/approve/")
    preview = page.locator(".letter-preview")
    assert page.get_by_role("heading", name="決裁により発行される通知書（案）").is_visible()
    assert preview.is_visible()
    text = preview.inner_text()
    assert "保有個人データ一部開示決定通知書" in text
    assert "第三者の情報を含むため" in text  # the drafted reason, as the member will read it
    assert "他の組合員の氏名" in text  # the withheld item
    assert "文書番号は決裁後に付番" in text
    assert dsr.reference in text
    preview.scroll_into_view_if_needed()
    shot(page, "staff-approve-draft-notice")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "staff-approve-draft-notice-phone")

    page.get_by_role("button", name="決裁する（通知書を作成）").click()
    page.wait_for_load_state()
    assert page.get_by_text("決裁しました。").is_visible()
    letter = dsr.letters.get(kind=LetterKind.DISCLOSURE_DECISION)
    assert letters.letter_render(letter_id=letter.pk) in (letters.RENDERED, letters.ALREADY_DONE)
    letter.refresh_from_db()
    # What was shown is what was issued: the same decision and reason.
    assert letter.payload["reason"] == "第三者の情報を含むため"
    assert page.problems == []
