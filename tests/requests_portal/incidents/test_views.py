"""The register's pages: lists and counts without hidden incidents, the guided assessment, the
CSV upload's row report, exports, and the panels on the case page, member page and dashboard."""

import json
from datetime import date, timedelta

import pytest

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from requests_portal.incidents import selectors, services
from requests_portal.incidents.rules import Answers
from requests_portal.models import AuditEntry, IncidentStatus, ReportStage
from tests.factories import MemberFactory, submit

pytestmark = pytest.mark.django_db


def test_the_register_lists_only_what_the_reader_may_see(
    client, incident, my_number_incident, manager, supervisor, auditor, officer
):
    for person in (manager, supervisor, auditor):
        client.force_login(person)
        page = client.get(reverse("requests_portal:incident_register")).content.decode()
        assert incident.reference in page
        assert my_number_incident.reference not in page
    client.force_login(officer)
    page = client.get(reverse("requests_portal:incident_register")).content.decode()
    assert my_number_incident.reference in page
    assert incident.reference not in page
    assert AuditEntry.objects.filter(action="incident.list", actor_id=officer.pk, restricted=True).exists()


def test_the_register_shows_overdue_and_near_badges(client, manager):
    today = timezone.localdate()
    late = services.incident_file(
        actor=manager, facts={"title": "速報遅延", "known_on": today - timedelta(days=6), "is_leak": True}
    )
    near = services.incident_file(
        actor=manager, facts={"title": "速報間近", "known_on": today - timedelta(days=2), "is_leak": True}
    )
    for item in (late, near):
        services.incident_assess(actor=manager, incident=item, answers=Answers(financial_loss=True, people=1))
    assert selectors.next_clock(late).is_overdue
    assert selectors.next_clock(near).is_near
    client.force_login(manager)
    page = client.get(reverse("requests_portal:incident_register")).content.decode()
    assert page.count("badge--alert") == 1
    assert "期限超過" in page
    assert "残り1日" in page


def test_the_guided_assessment_states_the_result_with_the_article(client, incident, manager):
    client.force_login(manager)
    url = reverse("requests_portal:incident_assess", args=[incident.public_id])
    form = client.get(url).content.decode()
    assert "my_number_network" not in form  # the My Number questions only for My Number incidents
    response = client.post(url, {"unlawful_purpose": "on", "people": "2"}, follow=True)
    page = response.content.decode()
    assert "規則第7条第3号" in page
    incident.refresh_from_db()
    assert incident.final_due == incident.known_on + timedelta(days=59)


def test_a_csv_with_a_bad_row_links_nobody_and_reports_each_row(client, incident, manager):
    member = MemberFactory()
    client.force_login(manager)
    upload = SimpleUploadedFile("members.csv", f"{member.member_number}\n12345\n".encode())
    response = client.post(
        reverse("requests_portal:incident_affected_csv", args=[incident.public_id]), {"members_csv": upload}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "名簿にない組合員番号です。" in page
    assert "<td>2</td>" in page
    assert incident.affected.count() == 0


def test_members_are_linked_from_a_roster_search(client, incident, manager):
    member = MemberFactory(full_name="検索 花子")
    client.force_login(manager)
    url = reverse("requests_portal:incident_affected", args=[incident.public_id])
    found = client.get(url, {"q": "検索花子"}).content.decode()
    assert member.member_number in found
    client.post(url, {"members": [str(member.pk)]})
    assert list(incident.affected.values_list("member_id", flat=True)) == [member.pk]


def _sent_preliminary(incident, manager, supervisor):
    services.incident_assess(actor=manager, incident=incident, answers=Answers(sensitive_data=True, people=2))
    report = services.report_save_draft(
        actor=manager,
        incident=incident,
        stage=ReportStage.PRELIMINARY,
        items={"summary": "=誤送付", "cause": "確認漏れ"},
    )
    services.report_submit(actor=manager, report=report)
    services.report_approve(actor=supervisor, report=report)
    return report


def test_exports_carry_the_nine_items(client, incident, manager, supervisor, auditor):
    _sent_preliminary(incident, manager, supervisor)
    client.force_login(auditor)
    csv_response = client.get(
        reverse("requests_portal:incident_report_export", args=[incident.public_id, ReportStage.PRELIMINARY, "csv"])
    )
    text = b"".join(csv_response.streaming_content if csv_response.streaming else [csv_response.content]).decode(
        "utf-8-sig"
    )
    assert "'=誤送付" in text  # a formula cell stays text
    assert "再発防止のための措置" in text
    data = json.loads(
        client.get(
            reverse(
                "requests_portal:incident_report_export", args=[incident.public_id, ReportStage.PRELIMINARY, "json"]
            )
        ).content
    )
    assert [item["key"] for item in data["items"]] == list(services.REPORT_ITEMS)
    assert data["document_number"] == "警生協情第1号"
    assert AuditEntry.objects.filter(action="incident.export", actor_id=auditor.pk).count() == 2


def test_the_case_page_lists_incidents_touching_the_member(
    client, incident, my_number_incident, manager, officer, member, ga_staff, supervisor
):
    services.incident_link_members(actor=manager, incident=incident, members=[member.member])
    services.incident_link_members(actor=officer, incident=my_number_incident, members=[member.member])
    dsr = submit(member)
    url = reverse("requests_portal:staff_dsr_detail", args=[dsr.public_id])
    client.force_login(supervisor)
    page = client.get(url).content.decode()
    assert incident.reference in page
    assert my_number_incident.reference not in page
    client.force_login(ga_staff)
    page = client.get(url).content.decode()
    assert incident.reference not in page
    assert list(selectors.incidents_touching_member(officer, member.member)) == [my_number_incident]


def test_the_member_page_links_the_notice(client, incident, manager, supervisor, member):
    services.incident_assess(actor=manager, incident=incident, answers=Answers(sensitive_data=True, people=1))
    services.incident_link_members(actor=manager, incident=incident, members=[member.member])
    notice = services.notice_issue(actor=manager, incident=incident, member=member.member)
    client.force_login(member)
    page = client.get(reverse("requests_portal:member_home")).content.decode()
    assert reverse("requests_portal:member_incident_notice_pdf", args=[notice.public_id]) in page
    assert notice.document_number in page


def test_the_dashboard_panel_counts_only_visible_incidents(
    client, incident, my_number_incident, manager, supervisor, officer
):
    services.incident_assess(actor=officer, incident=my_number_incident, answers=Answers(people=500))
    numbers = selectors.dashboard_numbers(supervisor, today=date(2027, 1, 1))
    assert numbers.total == 1
    assert numbers.reportable == 0
    officer_numbers = selectors.dashboard_numbers(officer, today=date(2027, 1, 1))
    assert officer_numbers.total == 1
    assert officer_numbers.reportable == 1
    assert officer_numbers.preliminary_overdue_now == 1
    assert officer_numbers.final_overdue_now == 1
    assert selectors.dashboard_numbers(manager) is not None
    client.force_login(supervisor)
    page = client.get(reverse("requests_portal:oversight_dashboard")).content.decode()
    assert 'id="incident-panel"' in page


def test_the_detail_page_offers_the_moves_the_reader_may_make(client, incident, manager, auditor):
    client.force_login(manager)
    page = client.get(reverse("requests_portal:incident_detail", args=[incident.public_id])).content.decode()
    assert "「初動対応」にする" in page
    client.post(reverse("requests_portal:incident_move", args=[incident.public_id]), {"to": IncidentStatus.CONTAINING})
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CONTAINING
    client.force_login(auditor)
    page = client.get(reverse("requests_portal:incident_detail", args=[incident.public_id])).content.decode()
    assert "にする</button>" not in page
    assert AuditEntry.objects.filter(action="incident.view", actor_id=auditor.pk).exists()


def test_the_nav_links_the_register_for_its_readers(client, manager, ga_staff):
    client.force_login(manager)
    assert (
        reverse("requests_portal:incident_register")
        in client.get(reverse("requests_portal:staff_home")).content.decode()
    )
    client.force_login(ga_staff)
    assert (
        reverse("requests_portal:incident_register")
        not in client.get(reverse("requests_portal:staff_home")).content.decode()
    )
