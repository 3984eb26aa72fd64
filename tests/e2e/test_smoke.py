"""The landing page loads in Chromium at phone width with no console errors or CSP violations."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_landing_page_renders_without_csp_violations(page):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.get_by_role("heading", level=1).inner_text() == "個人情報の開示等のご請求"
    page.get_by_role("link", name="開示等の請求等の手続").first.click()
    page.wait_for_url("**/procedures/")
    assert page.problems == []
