"""A GA clerk re-renders a letter and marks a posted notice in Chromium at phone width, without JavaScript
errors or CSP violations; the error path keeps the focus-able summary linked to the field."""

import pytest

from requests_portal.letters import services as letters
from requests_portal.models import LetterKind, LetterStatus, Status
from requests_portal.roles import Role
from tests.e2e.shots import shot
from tests.factories import advance, member_user, staff_user, submit

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_clerk_re_renders_and_marks_posted(page, login):
    member = member_user()
    clerk, supervisor = staff_user(Role.GA_STAFF), staff_user(Role.GA_SUPERVISOR)
    dsr = submit(member)
    dsr.notify_by_post = True
    dsr.save(update_fields=["notify_by_post"])
    advance(dsr, Status.DECIDED, handler=clerk, approver=supervisor)
    for letter in dsr.letters.all():
        letters.letter_render(letter_id=letter.pk)
    login(page, clerk)

    page.goto(f"/staff/cases/{dsr.public_id}/letters/")
    assert page.get_by_role("heading", level=1).inner_text().endswith(dsr.reference)
    shot(page, "staff-case-letters")

    decision = dsr.letters.get(kind=LetterKind.DISCLOSURE_DECISION)
    card = page.locator(f"section[aria-labelledby='letter-{decision.public_id}']")
    card.get_by_role("button", name="郵送済みにする").click()
    page.wait_for_load_state()
    assert page.get_by_text("郵送済みとして記録しました。").is_visible()
    decision.refresh_from_db()
    assert decision.status == LetterStatus.DELIVERED

    ack = dsr.letters.get(kind=LetterKind.ACKNOWLEDGEMENT)
    card = page.locator(f"section[aria-labelledby='letter-{ack.public_id}']")
    card.locator("summary").click()
    card.get_by_role("button", name="再作成する").click()  # no reason: refused, with the error linked
    page.wait_for_load_state()
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    shot(page, "staff-case-letters-error")
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == f"reason-{ack.public_id}"
    page.locator(f"#reason-{ack.public_id}").fill("差出人の職名の誤りを修正したため")
    page.locator(f"form[action$='{ack.public_id}/rerender/']").get_by_role("button", name="再作成する").click()
    page.wait_for_load_state()
    assert page.get_by_text("通知書の再作成を受け付けました。").is_visible()
    assert dsr.letters.filter(supersedes=ack).count() == 1

    page.goto("/staff/letters/")
    shot(page, "staff-letter-list")
    assert page.problems == []
