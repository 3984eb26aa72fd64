"""The machine-checkable part of JIS X 8341-3 / WCAG 2.1 AA on the pages people use most, in
Chromium at phone width and in both languages.

Checked on each page (the success criterion in brackets):
- the page declares its language, and it is the one asked for (3.1.1);
- it has a title and exactly one h1, and no heading level is skipped (2.4.2, 1.3.1);
- every form control people can reach has an accessible name (1.3.1, 4.1.2);
- every image and chart has a text alternative (1.1.1);
- every link and button says what it does (2.4.4, 4.1.2);
- ids are unique, so labels and descriptions point at one thing (4.1.1);
- nothing forces sideways scrolling on a 390 px screen (1.4.10).
Colour contrast and meaning are reviewed by eye; they are not measured here.
"""

import pytest

from django.urls import reverse

from requests_portal import services
from requests_portal.models import CaseLinkType, RequestKind, Status
from requests_portal.roles import Role
from tests.factories import advance, member_user, staff_user, submit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Returns a list of problems found on the current page (empty when it passes).
AUDIT_SCRIPT = """
(expectedLanguage) => {
  const problems = [];
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length)
    && getComputedStyle(el).visibility !== "hidden";
  const text = (el) => (el.textContent || "").replace(/\\s+/g, " ").trim();
  const named = (el) => {
    if ((el.getAttribute("aria-label") || "").trim()) return true;
    const by = el.getAttribute("aria-labelledby");
    const labelledBy = by ? by.split(/\\s+/).map((id) => document.getElementById(id)) : [];
    if (labelledBy.some((target) => target && text(target))) return true;
    if (el.id && [...document.querySelectorAll("label")].some((l) => l.htmlFor === el.id && text(l))) return true;
    if (el.closest("label") && text(el.closest("label"))) return true;
    return !!(el.getAttribute("title") || "").trim();
  };
  const describe = (el) => el.outerHTML.slice(0, 120);

  const lang = document.documentElement.getAttribute("lang") || "";
  if (!lang.startsWith(expectedLanguage)) problems.push(`html lang is "${lang}", not ${expectedLanguage}`);
  if (!document.title.trim()) problems.push("the page has no title");

  const headings = [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")].filter(visible);
  const h1s = headings.filter((h) => h.tagName === "H1");
  if (h1s.length !== 1) problems.push(`${h1s.length} visible h1 elements`);
  let previous = 0;
  for (const h of headings) {
    const level = Number(h.tagName[1]);
    if (previous && level > previous + 1) problems.push(`heading jumps from h${previous} to h${level}: ${text(h)}`);
    previous = level;
  }

  const controls = document.querySelectorAll(
    "input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea"
  );
  for (const el of controls) {
    if (visible(el) && !named(el)) problems.push(`control without a name: ${describe(el)}`);
  }
  for (const img of document.querySelectorAll("img")) {
    if (!img.hasAttribute("alt")) problems.push(`img without alt: ${describe(img)}`);
  }
  for (const svg of document.querySelectorAll("svg[role=img]")) {
    if (!named(svg) && !svg.querySelector("title")) problems.push(`chart without a name: ${describe(svg)}`);
  }
  for (const el of document.querySelectorAll("a[href], button")) {
    if (visible(el) && !text(el) && !named(el)) problems.push(`link or button without text: ${describe(el)}`);
  }
  const seen = new Set();
  for (const el of document.querySelectorAll("[id]")) {
    if (seen.has(el.id)) problems.push(`duplicate id: ${el.id}`);
    seen.add(el.id);
  }
  if (document.documentElement.scrollWidth > window.innerWidth + 1) {
    problems.push(`the page scrolls sideways (${document.documentElement.scrollWidth}px wide)`);
  }
  return problems;
}
"""


def _audit(page, path: str, language: str = "ja") -> list[str]:
    response = page.goto(path)
    assert response is not None
    assert response.status == 200, f"{path}: HTTP {response.status}"
    return [f"{path}: {problem}" for problem in page.evaluate(AUDIT_SCRIPT, language)]


def _switch_to_english(page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()


def test_the_checks_find_what_they_look_for(page):
    """A page with one of each fault: the audit must report every one (it can fail)."""
    page.set_content(
        '<html lang="en"><head><title></title></head><body><h1>A</h1><h1>B</h1><h4>skip</h4>'
        '<input name="q"><img src="x.png"><a href="/x"></a><p id="d"></p><p id="d"></p>'
        '<div style="width: 2000px">wide</div></body></html>'
    )
    found = "\n".join(page.evaluate(AUDIT_SCRIPT, "ja"))
    for fault in (
        "html lang",
        "no title",
        "2 visible h1",
        "jumps from h1 to h4",
        "control without a name",
        "img without alt",
        "link or button without text",
        "duplicate id: d",
        "scrolls sideways",
    ):
        assert fault in found, fault


def test_member_pages_pass_the_automatic_accessibility_checks(page, login):
    member = member_user()
    case = submit(member, kind=RequestKind.CORRECTION)
    login(page, member)
    case_page = reverse("requests_portal:member_dsr_detail", args=[case.public_id])
    paths = [
        reverse("requests_portal:home"),
        reverse("requests_portal:procedures"),
        reverse("requests_portal:member_home"),
        reverse("requests_portal:member_dsr_new"),
        *(reverse("requests_portal:member_dsr_create", args=[kind]) for kind in RequestKind.values),
        case_page,
    ]
    problems = [problem for path in paths for problem in _audit(page, path)]
    _switch_to_english(page)
    problems += _audit(page, case_page, "en")
    assert problems == []
    assert page.problems == []


def test_staff_pages_pass_the_automatic_accessibility_checks(page, login):
    member = member_user()
    clerk = staff_user(Role.GA_STAFF)
    in_review = advance(submit(member), Status.IN_REVIEW, handler=clerk, approver=staff_user(Role.GA_SUPERVISOR))
    submit(member)  # a possible duplicate of the case in review
    related = services.dsr_link(
        actor=clerk, primary=in_review, secondary=submit(member), link_type=CaseLinkType.RELATED
    )
    login(page, clerk)
    case = [in_review.public_id]
    paths = [
        reverse("requests_portal:staff_home"),
        reverse("requests_portal:staff_queue"),
        reverse("requests_portal:staff_intake"),
        reverse("requests_portal:staff_dsr_detail", args=case),
        reverse("requests_portal:staff_dsr_decision", args=case),
        reverse("requests_portal:staff_dsr_amendment", args=case),
        reverse("requests_portal:staff_letter_list"),
        reverse("requests_portal:staff_dsr_links", args=case),
        reverse("requests_portal:staff_dsr_unlink", args=case) + f"?link={related.pk}",
    ]
    problems = [problem for path in paths for problem in _audit(page, path)]
    login(page, staff_user(Role.GA_SUPERVISOR))
    for name in ("oversight_dashboard", "oversight_retention", "oversight_queue_export", "staff_queue"):
        problems += _audit(page, reverse(f"requests_portal:{name}"))
    problems += _audit(page, reverse("requests_portal:staff_dsr_take_over", args=case))
    login(page, staff_user(Role.AUDITOR))
    problems += _audit(page, reverse("requests_portal:staff_audit_log"))
    assert problems == []
    assert page.problems == []
