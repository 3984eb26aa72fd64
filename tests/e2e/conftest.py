"""Browser tests: Playwright driving Debian's Chromium against the live test server.

Never `playwright install`: the browser is the Debian package at /usr/bin/chromium. When it
is missing the tests skip, unless DSR_REQUIRE_ALL_TESTS is set (CI), where that fails.

Fixtures: `page` (a fresh phone-sized Japanese browser context) and `login(page, user)` (signs
the browser in without the login form). Screenshots: with DSR_SCREENSHOT_DIR set (for example
`DSR_SCREENSHOT_DIR=var/screenshots`), the tests save the pages they pass through as PNGs, and
some the PDFs they download, to that folder (created when missing); `shot(page, name)` and
`pdf_shot(pdf, name)` in tests/e2e/shots.py do it. Unset, nothing is written.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("DSR_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        message = f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("DSR_REQUIRE_ALL_TESTS"):
            pytest.fail(message)
        pytest.skip(message)
    # Playwright's sync API runs an event loop; Django refuses ORM calls from such a thread
    # unless told it is fine (the test client and the live server are separate threads).
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def login(settings, client, live_server):
    """`login(page, user)`: the browser signed in as `user` (staff with the second factor done),
    and no longer as whoever it was before. Tests of the login form itself sign in through it."""
    # Browsers only accept __Host- cookies over HTTPS; the live server speaks plain HTTP.
    settings.SESSION_COOKIE_NAME = "sessionid"
    settings.SESSION_COOKIE_SECURE = False

    def log_in(page, user):
        page.context.clear_cookies()
        client.force_login(user)
        session = client.cookies["sessionid"].value
        page.context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url, "httpOnly": True}])

    return log_in


@pytest.fixture
def page(browser, live_server) -> Iterator[object]:
    """A fresh browser context with a phone-sized viewport, Japanese locale, and CSP watch.

    Console errors and CSP violations are collected in `page.problems`; tests assert it is empty.
    """
    context = browser.new_context(locale="ja-JP", viewport={"width": 390, "height": 844}, base_url=live_server.url)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.problems = problems
    yield page
    context.close()
