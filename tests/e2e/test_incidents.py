"""The incident register in Chromium at phone width: the incident manager files an incident,
assesses it, links the affected member, drafts the 速報 and 確報 that the personal-information
manager approves, records them as sent and sends the notice, which the member then finds on
their portal page. No JavaScript errors or CSP violations on the way."""

import pytest

from django.utils import timezone

from requests_portal.models import Incident, IncidentNotice, IncidentStatus, ReportStatus
from requests_portal.roles import Role
from tests.e2e.shots import shot
from tests.factories import member_user, staff_user

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

NINE = (
    "summary",
    "data_items",
    "people",
    "cause",
    "secondary_harm",
    "response_to_persons",
    "publication",
    "recurrence_prevention",
    "other",
)


def _click(page, name: str) -> None:
    page.get_by_role("button", name=name).click()
    page.wait_for_load_state()


def _report(page, login, live_server, incident, stage, manager, supervisor, *, fill_all: bool) -> None:
    base = f"/staff/incidents/{incident.public_id}/reports/{stage}/"
    login(page, manager)
    page.goto(base)
    if fill_all:
        for name in NINE:
            page.locator(f"#id_{name}").fill(f"{name} について記載")
    _click(page, "案を保存する")
    _click(page, "承認を依頼する")
    assert page.locator("#report-status").inner_text() == str(ReportStatus.AWAITING_APPROVAL.label)
    assert page.get_by_role("button", name="承認して文書を作成する").count() == 0  # the drafter cannot approve

    login(page, supervisor)
    page.goto(base)
    _click(page, "承認して文書を作成する")
    assert page.locator("#report-status").inner_text() == str(ReportStatus.APPROVED.label)
    shot(page, f"incident-report-{stage}")
    pdf = page.request.get(f"{live_server.url}{base}pdf/")
    assert pdf.ok
    assert pdf.body().startswith(b"%PDF-")

    login(page, manager)
    page.goto(base)
    page.locator("#id_sent_on").fill(timezone.localdate().isoformat())
    _click(page, "提出を記録する")
    assert page.locator("#report-status").inner_text() == str(ReportStatus.SENT.label)


def test_an_incident_from_filing_to_the_members_notice(page, login, live_server):
    manager, supervisor = staff_user(Role.INCIDENT_MANAGER), staff_user(Role.GA_SUPERVISOR)
    member = member_user()
    # Approving renders a Japanese PDF in the request; on a busy machine the first one takes a while.
    page.set_default_timeout(120_000)
    page.set_default_navigation_timeout(120_000)
    login(page, manager)

    page.goto("/staff/incidents/")
    page.get_by_role("link", name="事案を登録する").click()
    page.locator("#id_title").fill("共済金請求書類の誤送付")
    page.locator("#id_known_on").fill(timezone.localdate().isoformat())
    page.locator("#id_is_leak").check()
    page.locator("#id_certainty_0").check()
    page.locator("#id_data_items").fill("氏名、住所、診断書の内容")
    page.locator("#id_cause").fill("封入時の確認漏れ")
    _click(page, "登録する")
    incident = Incident.objects.get()
    assert page.get_by_role("heading", level=1).inner_text().startswith(incident.reference)

    for status in (IncidentStatus.CONTAINING, IncidentStatus.INVESTIGATING):
        _click(page, f"「{status.label}」にする")
    assert page.locator("#incident-status").inner_text() == str(IncidentStatus.INVESTIGATING.label)

    page.get_by_role("link", name="判定する").click()
    page.locator("#id_sensitive_data").check()
    page.locator("#id_people").fill("1")
    _click(page, "判定して記録する")
    assert "規則第7条第1号" in page.locator("#assessment-result").inner_text()
    shot(page, "incident-detail")

    page.get_by_role("link", name="本人の一覧・登録").click()
    page.locator("#id_q").fill(member.member.member_number)
    _click(page, "検索")
    page.locator(f"#member-{member.member.pk}").check()
    _click(page, "選んだ組合員を登録する")
    assert member.member.full_name in page.locator("#affected-table").inner_text()

    _report(page, login, live_server, incident, "preliminary", manager, supervisor, fill_all=False)
    _report(page, login, live_server, incident, "final", manager, supervisor, fill_all=True)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.FINAL_REPORTED

    page.goto(f"/staff/incidents/{incident.public_id}/notices/")
    _click(page, "未通知の本人全員に通知書を作成して送る")
    notice = IncidentNotice.objects.get(incident=incident)
    page.goto(f"/staff/incidents/{incident.public_id}/notices/")
    assert notice.document_number in page.locator("#notice-table").inner_text()
    page.goto(f"/staff/incidents/{incident.public_id}/")
    _click(page, f"「{IncidentStatus.NOTIFIED.label}」にする")
    assert page.locator("#incident-status").inner_text() == str(IncidentStatus.NOTIFIED.label)
    assert page.problems == []

    login(page, member)
    page.goto("/member/")
    link = page.locator("#incident-notices").get_by_role("link")
    assert notice.document_number in link.inner_text()
    shot(page, "member-incident-notice")
    download = page.request.get(live_server.url + link.get_attribute("href"))
    assert download.ok
    assert download.body().startswith(b"%PDF-")
    assert page.problems == []
