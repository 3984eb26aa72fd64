"""In Chromium: the procedures page and the privacy policy publish the co-op's own facts, and the
queue's assignee column stays on one line at 1280 px. Screenshots go to DSR_SCREENSHOT_DIR when
it is set."""

import pytest

from requests_portal.models import Status
from tests.e2e.shots import shot
from tests.factories import advance, member_user, submit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_procedures_and_privacy_policy_show_the_policy_facts(page):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/procedures/")
    organisation = page.locator("#organisation + dl").inner_text()
    assert "〒102-8607 東京都千代田区三番町6番8 警察共済ビル" in organisation
    assert "理事長" in organisation
    assert "職域の厚生事務担当部署への提供のため" in page.locator("#purposes + div").inner_text()
    assert "0120-983-110" in page.locator("#contact + div").inner_text()
    shot(page, "procedures")
    page.get_by_role("link", name="個人情報保護方針を読む").click()
    page.wait_for_url("**/privacy-policy/")
    assert page.get_by_role("heading", level=1).inner_text() == "個人情報保護方針"
    assert "共済関連情報の提供のため" in page.locator("main").inner_text()
    shot(page, "privacy_policy")
    assert page.problems == []


def test_queue_assignee_column_does_not_wrap_at_1280(page, login, ga_staff, supervisor):
    for _ in range(2):
        advance(submit(member_user()), Status.VERIFYING, handler=ga_staff, approver=supervisor)
    submit(member_user())  # unassigned: its cell holds 未割当て and the 担当する button
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, ga_staff)
    page.goto("/staff/queue/")
    # The height of each assignee cell's content (not the row, which the 請求者 cell makes two
    # lines tall): one line of text, or the 担当する button beside the text.
    cells = page.eval_on_selector_all(
        ".queue-table tbody td:last-child",
        """cells => cells.map(c => {
            const range = document.createRange();
            range.selectNodeContents(c);
            return {height: range.getBoundingClientRect().height, whiteSpace: getComputedStyle(c).whiteSpace};
        })""",
    )
    line_height = page.evaluate("parseFloat(getComputedStyle(document.body).lineHeight)")
    assert len(cells) == 3
    assert {cell["whiteSpace"] for cell in cells} == {"nowrap"}
    shot(page, "queue_1280")
    assert page.problems == []
    assert max(cell["height"] for cell in cells) < 2 * line_height
