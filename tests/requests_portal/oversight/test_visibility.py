"""Who may open the oversight pages, and that My Number figures reach only the officers.

"Not by subtraction" is tested the strictest way: every page and CSV a non-officer can get is
byte-for-byte the same before and after My Number cases of every kind of state are added.
"""

import re
from datetime import datetime

import pytest
import time_machine

from django.urls import reverse

from requests_portal import reports
from requests_portal.models import (
    Decision,
    DisposalRecord,
    EventType,
    RequestEvent,
    RequestKind,
    Status,
)
from tests.requests_portal.oversight.conftest import JST, d, jst

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 2, 16, 12, 0, tzinfo=JST)
PERIOD = {"date_from": "2025-12-01", "date_to": "2026-02-16"}
DASHBOARD_TABLES = ("monthly", "monthly_kind", "kinds", "timeliness", "days", "open_stage", "overdue", "refusals")


def _pages() -> list[tuple[str, dict]]:
    pages = [
        (reverse("requests_portal:oversight_dashboard"), PERIOD),
        (reverse("requests_portal:oversight_dashboard"), {}),
        (reverse("requests_portal:oversight_annual"), {"fy": "2025"}),
        (reverse("requests_portal:oversight_annual_csv"), {"fy": "2025"}),
        (reverse("requests_portal:oversight_retention"), {}),
        (reverse("requests_portal:oversight_disposals"), {}),
        (reverse("requests_portal:oversight_disposals_csv"), {}),
        (reverse("requests_portal:oversight_queue_export"), {"due": "overdue"}),
        (reverse("requests_portal:oversight_queue_export_csv"), {}),
    ]
    pages += [(reverse("requests_portal:oversight_dashboard_csv", args=[t]), PERIOD) for t in DASHBOARD_TABLES]
    pages.append((reverse("requests_portal:oversight_dashboard_csv", args=["extensions"]), PERIOD))
    return pages


_CSRF = re.compile(rb'csrfmiddlewaretoken" value="[^"]+"')
_NONCE = re.compile(rb'nonce="[^"]+"')


def _snapshot(client, user) -> dict[str, bytes]:
    client.force_login(user)
    result = {}
    for url, params in _pages():
        response = client.get(url, params)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        result[f"{url}?{params}"] = _NONCE.sub(b'nonce=""', _CSRF.sub(b'csrfmiddlewaretoken" value=""', body))
    return result


@pytest.fixture
def general_history(case_maker, ga_staff, supervisor):
    approved = {"approved_by": supervisor, "drafted_by": ga_staff}
    case_maker(
        received_at=jst(2026, 1, 5), due_date=d(2026, 1, 19), decision=Decision.DISCLOSED_PARTIAL,
        decision_ground="art33_2_1", approved_at=jst(2026, 1, 15), closed_at=jst(2026, 1, 16),
        status=Status.CLOSED, **approved,
    )  # fmt: skip
    case_maker(kind=RequestKind.COMPLAINT, received_at=jst(2026, 1, 20), due_date=d(2026, 2, 3), assignee=ga_staff)
    DisposalRecord.objects.create(category="case_file", object_type="dsr", object_ref="GA-2022-00001", job="test")


def _add_my_number_cases(case_maker, officer, officer2):
    approved = {"approved_by": officer2, "drafted_by": officer}
    mn = {"kind": RequestKind.MY_NUMBER_INQUIRY}
    case_maker(
        **mn, received_at=jst(2026, 1, 6), due_date=d(2026, 1, 20), decision=Decision.ANSWERED,
        approved_at=jst(2026, 1, 30), closed_at=jst(2026, 2, 2), status=Status.CLOSED, **approved,
    )  # fmt: skip
    case_maker(
        **mn, received_at=jst(2026, 1, 10), due_date=d(2026, 1, 24), decision=Decision.WITHDRAWN,
        closed_at=jst(2026, 1, 11), status=Status.WITHDRAWN,
    )  # fmt: skip
    overdue = case_maker(**mn, received_at=jst(2026, 1, 12), due_date=d(2026, 1, 26), assignee=officer)
    RequestEvent.objects.create(dsr=overdue, at=jst(2026, 1, 20), event_type=EventType.EXTENDED)
    case_maker(
        **mn, received_at=jst(2026, 2, 1), due_date=d(2026, 2, 16), status=Status.AWAITING_AMENDMENT,
        paused_at=jst(2026, 2, 3),
    )  # fmt: skip
    # Past retention: would appear in the purge preview.
    case_maker(
        **mn, received_at=jst(2021, 4, 1), due_date=d(2021, 4, 15), decision=Decision.ANSWERED,
        approved_at=jst(2021, 4, 10), closed_at=jst(2021, 4, 12), status=Status.CLOSED, **approved,
    )  # fmt: skip
    # A My Number inquiry mis-filed into the general queue stays hidden too (selectors' belt and braces).
    from requests_portal.models import Queue

    case_maker(
        **mn, queue=Queue.objects.get(code=Queue.GA), received_at=jst(2026, 1, 14), due_date=d(2026, 1, 28),
        assignee=officer,
    )  # fmt: skip
    DisposalRecord.objects.create(
        category="case_file", object_type="dsr", object_ref="MN-2022-00001", job="test", restricted=True
    )


@pytest.mark.parametrize("viewer", ["supervisor", "auditor"])
def test_my_number_cases_change_nothing_a_non_officer_can_see(
    viewer, request, client, general_history, case_maker, officer, officer2
):
    user = request.getfixturevalue(viewer)
    with time_machine.travel(NOW, tick=False):
        before = _snapshot(client, user)
        _add_my_number_cases(case_maker, officer, officer2)
        after = _snapshot(client, user)
    for key in before:
        assert after[key] == before[key], key
    page = before[f"{reverse('requests_portal:oversight_dashboard')}?{PERIOD}"].decode()
    assert "マイナンバーに関するお問い合わせは含まれていません" in page
    assert str(RequestKind.MY_NUMBER_INQUIRY.label) not in page.split("集計の条件")[1]
    annual = before[f"{reverse('requests_portal:oversight_annual')}?{ {'fy': '2025'} }"].decode()
    assert "マイナンバーに関するお問い合わせは含まれていません" in annual


def test_officers_see_my_number_figures_and_nothing_else(client, general_history, case_maker, officer, officer2):
    with time_machine.travel(NOW, tick=False):
        _add_my_number_cases(case_maker, officer, officer2)
        report = reports.dashboard_report(
            viewer=officer, report_filter=reports.ReportFilter(date_from=d(2026, 1, 1), date_to=d(2026, 1, 31))
        )
    assert report.kinds == [RequestKind.MY_NUMBER_INQUIRY]
    # January arrivals in the My Number queue; the inquiry mis-filed into the general queue and
    # the general cases belong to queues the officer does not hold.
    assert report.received_total == 3
    assert report.timeliness.decided == 1
    assert report.table("overdue").totals[1] == 1
    client.force_login(officer)
    page = client.get(reverse("requests_portal:oversight_dashboard")).content.decode()
    assert "マイナンバーに関するお問い合わせを含む" in page
    csv = b"".join(client.get(reverse("requests_portal:oversight_disposals_csv")).streaming_content).decode()
    assert "MN-2022-00001" in csv
    assert "GA-2022-00001" not in csv


def test_a_supervisor_cannot_filter_to_my_number_cases(client, supervisor):
    client.force_login(supervisor)
    response = client.get(reverse("requests_portal:oversight_dashboard"), {"kind": RequestKind.MY_NUMBER_INQUIRY})
    assert response.status_code == 400
    assert "kind" in response.context["form"].errors
    response = client.get(
        reverse("requests_portal:oversight_queue_export_csv"), {"kind": RequestKind.MY_NUMBER_INQUIRY}
    )
    assert response.status_code == 400


OVERSIGHT_URLS = (
    ("requests_portal:oversight_dashboard", ()),
    ("requests_portal:oversight_dashboard_csv", ("monthly",)),
    ("requests_portal:oversight_annual", ()),
    ("requests_portal:oversight_annual_csv", ()),
    ("requests_portal:oversight_retention", ()),
    ("requests_portal:oversight_disposals", ()),
    ("requests_portal:oversight_disposals_csv", ()),
)
EXPORT_URLS = (
    ("requests_portal:oversight_queue_export", ()),
    ("requests_portal:oversight_queue_export_csv", ()),
)


@pytest.mark.parametrize(
    ("who", "oversight", "export"),
    [
        ("member", 404, 404),
        ("ga_staff", 404, 200),
        ("admin_user", 404, 404),
        ("supervisor", 200, 200),
        ("auditor", 200, 200),
        ("officer", 200, 200),
    ],
)
def test_access_by_role(who, oversight, export, request, client):
    client.force_login(request.getfixturevalue(who))
    for name, args in OVERSIGHT_URLS:
        assert client.get(reverse(name, args=args)).status_code == oversight, name
    for name, args in EXPORT_URLS:
        assert client.get(reverse(name, args=args)).status_code == export, name


def test_anonymous_is_sent_to_login(client):
    for name, args in (*OVERSIGHT_URLS, *EXPORT_URLS, ("requests_portal:oversight_jobs", ())):
        response = client.get(reverse(name, args=args))
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_unknown_dashboard_table_is_404(client, supervisor):
    client.force_login(supervisor)
    assert client.get(reverse("requests_portal:oversight_dashboard_csv", args=["secrets"])).status_code == 404


def test_nav_link_only_for_oversight_roles(client, ga_staff, supervisor):
    link = reverse("requests_portal:oversight_dashboard")
    client.force_login(ga_staff)
    assert link not in client.get(reverse("requests_portal:staff_home")).content.decode()
    client.force_login(supervisor)
    assert link in client.get(reverse("requests_portal:staff_home")).content.decode()


def test_dashboard_views_are_audited(client, supervisor):
    from requests_portal.models import AuditEntry

    client.force_login(supervisor)
    client.get(reverse("requests_portal:oversight_dashboard"), PERIOD)
    entry = AuditEntry.objects.filter(action="report.dashboard").get()
    assert entry.actor_id == supervisor.pk
    assert entry.data["date_from"] == "2025-12-01"


def test_bad_period_is_explained_and_the_input_kept(client, supervisor):
    client.force_login(supervisor)
    response = client.get(
        reverse("requests_portal:oversight_dashboard"), {"date_from": "２０２６/０３/０１", "date_to": "2026-01-01"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "期間の末日は初日より後の日付にしてください。" in page
    assert 'aria-describedby="id_date_to-error"' in page
    assert 'id="id_date_to-error"' in page
    assert 'value="2026-01-01"' in page
    response = client.get(reverse("requests_portal:oversight_dashboard"), {"date_from": "昨日"})
    assert "日付を「2026-04-01」の形で入力してください。" in response.content.decode()
