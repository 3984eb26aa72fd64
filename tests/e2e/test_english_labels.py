"""In Chromium with an English browser (Accept-Language: en): the member's and the clerk's pages
show no Japanese data labels. Data categories, the queue, the fee's payment methods and the
system's timeline notes are stored in Japanese and translated when shown; only what people
typed (names, addresses, the request's own words) stays Japanese."""

import re

import pytest

from django.urls import reverse

from requests_portal.models import DataCategory, FeeSetting, Queue, RequestKind, Status
from requests_portal.roles import Role
from tests.factories import advance, member_user, staff_user, submit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

JAPANESE = re.compile(r"[\u3000-\u30ff\u4e00-\u9fff\uff01-\uff5e]")
# The marks staff pages print around data (breadcrumbs, separators, brackets, label colons).
FULL_WIDTH_PUNCTUATION = re.compile(r"[（）＞／：、]")
CATEGORIES = {
    "組合員の基本情報": "氏名、フリガナ、生年月日、住所、電話番号、メールアドレス、組合員番号",
    "共済に関する情報": "共済契約の内容、掛金、共済金の請求・支払の記録",
}


@pytest.fixture
def english_page(browser, live_server):
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.problems = problems
    yield page
    context.close()


# The text of <main> without the parts marked as Japanese (lang="ja": a letter's own title).
MAIN_TEXT_SCRIPT = """() => {
  const main = document.querySelector("main").cloneNode(true);
  main.querySelectorAll('[lang="ja"]').forEach((el) => el.remove());
  return main.textContent.replace(/\\s+/g, " ");
}"""


def _main_text(page, path: str) -> str:
    page.goto(path)
    assert page.locator("html").get_attribute("lang") == "en"
    return page.evaluate(MAIN_TEXT_SCRIPT)


def _japanese_left(text: str, typed: list[str], pattern: re.Pattern = JAPANESE) -> list[str]:
    """Japanese still on the page once what people typed is taken out, each with its context."""
    for value in sorted(typed, key=len, reverse=True):
        text = text.replace(value, "")
    return [text[max(0, m.start() - 40) : m.end() + 40] for m in pattern.finditer(text)]


def test_english_pages_show_no_japanese_data_labels(english_page, login):
    page = english_page
    categories = [
        DataCategory.objects.update_or_create(name=name, defaults={"description": text, "sort_order": order})[0]
        for order, (name, text) in enumerate(CATEGORIES.items(), start=1)
    ]
    FeeSetting.objects.update_or_create(
        kind=RequestKind.DISCLOSURE,
        defaults={"amount_yen": 300, "payment_methods": "定額小為替、銀行振込、窓口での現金払い"},
    )
    member = member_user()
    clerk = staff_user(Role.GA_STAFF)
    case = submit(
        member,
        summary="Records",
        description="Please disclose my records.",
        details={"data_categories": [{"id": c.pk, "name": c.name} for c in categories]},
    )
    advance(case, Status.IN_REVIEW, handler=clerk, approver=staff_user(Role.GA_SUPERVISOR))
    person = member.member
    typed = [person.full_name, person.full_name_kana, person.address, clerk.get_full_name(), str(clerk)]

    # The public procedures page lists the categories.
    text = _main_text(page, reverse("requests_portal:procedures"))
    assert "Basic member information" in text
    assert "組合員の基本情報" not in text

    login(page, member)
    text = _main_text(page, reverse("requests_portal:member_dsr_create", args=[RequestKind.DISCLOSURE]))
    assert "Basic member information" in text
    assert "postal money order, bank transfer, cash at the counter" in text
    # (The form keeps Japanese examples of what to type, such as 昭和50年4月1日.)
    assert not any(name in text for name in (*CATEGORIES, *CATEGORIES.values(), "定額小為替", "PDF、CSV"))

    text = _main_text(page, reverse("requests_portal:member_dsr_detail", args=[case.public_id]))
    assert "Basic member information, Mutual aid (kyosai)" in text
    assert not (left := _japanese_left(text, typed)), left

    login(page, clerk)
    text = _main_text(page, reverse("requests_portal:staff_dsr_detail", args=[case.public_id]))
    queue = Queue.objects.get(pk=case.queue_id)
    assert queue.name not in text
    assert "General Affairs" in text
    assert "Basic member information, Mutual aid (kyosai)" in text
    assert not any(name in text for name in (*CATEGORIES, "本人確認済み"))
    # Breadcrumb, separators and brackets around the member's kana are the English ones.
    assert " › " in text
    assert f"{person.full_name} ({person.full_name_kana})" in text
    assert not (left := _japanese_left(text, typed, FULL_WIDTH_PUNCTUATION)), left
    assert page.problems == []
