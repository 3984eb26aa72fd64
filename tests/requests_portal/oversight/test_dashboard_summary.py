"""The dashboard from the monthly summary gives exactly the figures computed from the cases.

Random but seeded cases (about 450, over 15 months, in four queues, every kind and state) are
summarised by the sweep; then, for several people and periods, every cell of every table of
`reports.dashboard_report` (summary for closed months, cases for the rest) is compared with
`reports.live_dashboard_report` (cases only). On PostgreSQL the live side takes its percentiles
from percentile_cont, so the exact histogram is checked against the database's own statistic.
"""

import random
from datetime import date, datetime, timedelta

import pytest
import time_machine
from guardian.shortcuts import assign_perm

from django.db import connection
from django.test.utils import CaptureQueriesContext

from requests_portal import reports
from requests_portal.models import (
    DashboardMonthlySummary,
    DashboardSummarisedMonth,
    Decision,
    EventType,
    Queue,
    RequestEvent,
    RequestKind,
    Status,
    StatutoryGround,
)
from requests_portal.roles import CASE_GRANT_PERMISSION, QUEUE_PERMISSION, Access
from requests_portal.tasks import dashboard_summary_sweep_task
from tests.requests_portal.oversight.conftest import JST

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 2, 16, 12, 0, tzinfo=JST)
FIRST_ARRIVAL = datetime(2024, 12, 1, 0, 0, tzinfo=JST)
ANSWERS = [code for code in reports.OUTCOME_OF_DECISION if code != Decision.IDENTITY_NOT_VERIFIED]
GROUNDS = ["", *StatutoryGround.values]

PERIODS = {
    "default (12 months)": reports.ReportFilter.default(NOW.date()),
    "every month": reports.ReportFilter(date_from=date(2024, 12, 1), date_to=date(2026, 2, 16)),
    "partial months at both ends": reports.ReportFilter(date_from=date(2025, 3, 15), date_to=date(2025, 11, 10)),
    "two kinds": reports.ReportFilter(
        date_from=date(2025, 1, 1),
        date_to=date(2026, 2, 16),
        kinds=(RequestKind.DISCLOSURE, RequestKind.MY_NUMBER_INQUIRY),
    ),
    "closed months only": reports.ReportFilter(date_from=date(2025, 2, 1), date_to=date(2025, 6, 30)),
}


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def queues(db, supervisor, officer):
    """The two queues of the migration, a third the supervisor also sees, a fourth nobody here sees."""
    shop = Queue.objects.create(code="shop", name="店舗", department="店舗部", reference_prefix="SH")
    other = Queue.objects.create(code="other", name="他部署", department="他部署", reference_prefix="OT")
    assign_perm(QUEUE_PERMISSION[Access.VIEW], supervisor, shop)
    return {
        "ga": Queue.objects.get(code=Queue.GA),
        "mynumber": Queue.objects.get(code=Queue.MY_NUMBER),
        "shop": shop,
        "other": other,
    }


def _random_cases(case_maker, queues, staff, approver, *, seed: int, count: int) -> list:
    rng = random.Random(seed)
    span = (NOW - FIRST_ARRIVAL).total_seconds()
    kinds = [k for k in RequestKind.values if k != RequestKind.MY_NUMBER_INQUIRY]
    cases = []
    for _ in range(count):
        received = FIRST_ARRIVAL + timedelta(seconds=rng.uniform(0, span))
        if rng.random() < 0.15:
            kind = RequestKind.MY_NUMBER_INQUIRY
            # Now and then one filed into the wrong queue: it must stay hidden all the same.
            queue = queues["ga"] if rng.random() < 0.2 else queues["mynumber"]
        else:
            kind = rng.choice(kinds)
            queue = queues[rng.choice(["ga", "ga", "shop", "other"])]
        due = (received + timedelta(days=14)).date()
        fields: dict = {"kind": kind, "queue": queue, "received_at": received, "due_date": due}
        if rng.random() < 0.2:
            fields |= {"extended_due_date": due + timedelta(days=30), "extension_reason": "調査のため"}
            fields["due_date"] = due + timedelta(days=30)
        if rng.random() < 0.25:
            fields["paused_days_total"] = rng.randint(1, 12)
        decided_at = received + timedelta(days=rng.randint(0, 45), seconds=rng.randint(0, 86399))
        outcome = rng.random()
        if decided_at >= NOW or outcome < 0.08:
            fields["status"] = rng.choice(
                [Status.SUBMITTED, Status.VERIFYING, Status.IN_REVIEW, Status.AWAITING_APPROVAL]
            )
            fields["assignee"] = rng.choice([staff, None])
        elif outcome < 0.18:
            fields |= {"status": Status.WITHDRAWN, "decision": Decision.WITHDRAWN, "closed_at": decided_at}
        elif outcome < 0.26:
            fields |= {"status": Status.REJECTED, "decision": Decision.IDENTITY_NOT_VERIFIED, "closed_at": decided_at}
        else:
            fields |= {
                "decision": rng.choice(ANSWERS),
                "decision_ground": rng.choice(GROUNDS),
                "approved_at": decided_at,
                "approved_by": approver,
                "drafted_by": staff,
            }
            if rng.random() < 0.1:
                # Another measure than the one asked for: partial, whatever the decision code.
                fields["decision_details"] = {"measures_requested": ["erase"]}
            closed_at = decided_at + timedelta(days=rng.randint(0, 6), hours=rng.randint(0, 23))
            if closed_at < NOW and rng.random() < 0.9:
                fields |= {"status": Status.CLOSED, "closed_at": closed_at}
            else:
                fields["status"] = Status.DECIDED
        case = case_maker(**fields)
        end = fields.get("closed_at") or fields.get("approved_at") or NOW
        for _event in range(rng.randint(0, 2)):
            at = received + (end - received) * rng.random()
            if rng.random() < 0.5:
                RequestEvent.objects.create(dsr=case, at=at, event_type=EventType.EXTENDED)
            else:
                RequestEvent.objects.create(
                    dsr=case,
                    at=at,
                    event_type=EventType.STATUS_CHANGED,
                    from_status=Status.VERIFYING,
                    to_status=Status.AWAITING_AMENDMENT,
                )
        cases.append(case)
    return cases


@pytest.fixture
def random_cases(frozen, queues, case_maker, ga_staff, supervisor):
    return _random_cases(case_maker, queues, ga_staff, supervisor, seed=20261203, count=450)


def _figures(dashboard: reports.Dashboard) -> dict:
    return {
        "kinds": dashboard.kinds,
        "received_total": dashboard.received_total,
        "timeliness": dashboard.timeliness,
        **{slug: (table.columns, table.rows, table.totals, table.note) for slug, table in dashboard.tables.items()},
    }


def _assert_same_figures(viewer, report_filter: reports.ReportFilter) -> None:
    summary = _figures(reports.dashboard_report(viewer=viewer, report_filter=report_filter))
    live = _figures(reports.live_dashboard_report(viewer=viewer, report_filter=report_filter))
    assert summary.keys() == live.keys()
    for name, expected in live.items():
        if name in ("kinds", "received_total", "timeliness"):
            assert summary[name] == expected, name
            continue
        columns, rows, totals, note = summary[name]
        assert (columns, totals, note) == (expected[0], expected[2], expected[3]), name
        assert len(rows) == len(expected[1]), name
        for got, want in zip(rows, expected[1], strict=True):
            assert got == want, (name, want[0])


@pytest.mark.parametrize("period", PERIODS)
@pytest.mark.parametrize("viewer_name", ["supervisor", "officer", "ga_staff"])
def test_summary_figures_equal_the_live_computation(random_cases, request, period, viewer_name):
    stored = dashboard_summary_sweep_task()
    assert stored > 0
    # Every month before the current one is stored; the current one never is.
    assert DashboardSummarisedMonth.objects.count() == 14
    assert not DashboardSummarisedMonth.objects.filter(month=date(2026, 2, 1)).exists()
    _assert_same_figures(request.getfixturevalue(viewer_name), PERIODS[period])


def test_figures_are_not_empty_and_cover_every_state(random_cases, supervisor):
    """Guards the comparison above against passing on empty tables."""
    dashboard_summary_sweep_task()
    report = reports.dashboard_report(viewer=supervisor, report_filter=PERIODS["every month"])
    t = report.timeliness
    assert t.decided > 100
    assert 0 < t.on_time < t.decided
    assert t.extended > 0
    assert t.paused > 0
    assert t.median_days is not None
    assert t.p90_days is not None
    assert report.table("refusals").rows
    assert any(row[3] for row in report.table("monthly").rows)
    assert sum(row[1] + row[2] for row in report.table("extensions").rows) > 0


def test_the_dashboard_reads_the_stored_months(random_cases, supervisor):
    """The closed months really come from the table: a change the sweep has not seen yet shows
    only after the next run (this is what makes the comparison above a test of the table)."""
    report_filter = PERIODS["every month"]
    dashboard_summary_sweep_task()
    case = next(c for c in random_cases if c.queue.code == Queue.GA and c.kind != RequestKind.MY_NUMBER_INQUIRY)
    month = f"{case.received_at.astimezone(JST):%Y-%m}"
    before = {
        row[0]: row[1]
        for row in reports.dashboard_report(viewer=supervisor, report_filter=report_filter).table("monthly").rows
    }
    case.delete()
    stale = {
        row[0]: row[1]
        for row in reports.dashboard_report(viewer=supervisor, report_filter=report_filter).table("monthly").rows
    }
    assert stale[month] == before[month]
    dashboard_summary_sweep_task()
    fresh = {
        row[0]: row[1]
        for row in reports.dashboard_report(viewer=supervisor, report_filter=report_filter).table("monthly").rows
    }
    assert fresh[month] == before[month] - 1
    _assert_same_figures(supervisor, report_filter)


def test_the_sweep_is_idempotent(random_cases):
    first = dashboard_summary_sweep_task()
    rows = list(DashboardMonthlySummary.objects.order_by("month", "queue_id", "kind").values())
    assert dashboard_summary_sweep_task() == first
    again = list(DashboardMonthlySummary.objects.order_by("month", "queue_id", "kind").values())
    assert [{k: v for k, v in r.items() if k != "id"} for r in again] == [
        {k: v for k, v in r.items() if k != "id"} for r in rows
    ]


def test_my_number_rows_never_reach_a_non_officer(random_cases, supervisor, officer):
    dashboard_summary_sweep_task()
    assert DashboardMonthlySummary.objects.filter(kind=RequestKind.MY_NUMBER_INQUIRY, queue__code=Queue.GA).exists()
    report_filter = PERIODS["every month"]
    supervisor_report = reports.dashboard_report(viewer=supervisor, report_filter=report_filter)
    officer_report = reports.dashboard_report(viewer=officer, report_filter=report_filter)
    assert RequestKind.MY_NUMBER_INQUIRY not in supervisor_report.kinds
    assert RequestKind.MY_NUMBER_INQUIRY in officer_report.kinds
    # Same figures for the supervisor once every My Number case is gone: none was in them.
    figures = _figures(supervisor_report)
    for case in random_cases:
        if case.kind == RequestKind.MY_NUMBER_INQUIRY:
            case.delete()
    dashboard_summary_sweep_task()
    assert _figures(reports.dashboard_report(viewer=supervisor, report_filter=report_filter)) == figures


def test_individual_grants_outside_the_queues_count_as_in_the_live_figures(random_cases, ga_staff):
    dashboard_summary_sweep_task()
    outside = [c for c in random_cases if c.queue.code == "other" and c.received_at < datetime(2025, 9, 1, tzinfo=JST)]
    for case in outside[:5]:
        assign_perm(CASE_GRANT_PERMISSION[Access.VIEW], ga_staff, case)
    _assert_same_figures(ga_staff, PERIODS["every month"])
    report = reports.dashboard_report(viewer=ga_staff, report_filter=PERIODS["every month"])
    assert (
        report.received_total
        == reports.live_dashboard_report(viewer=ga_staff, report_filter=PERIODS["every month"]).received_total
    )


def test_a_month_not_yet_stored_is_computed_from_the_cases(random_cases, supervisor):
    dashboard_summary_sweep_task()
    DashboardSummarisedMonth.objects.filter(month__in=[date(2025, 4, 1), date(2025, 7, 1)]).delete()
    _assert_same_figures(supervisor, PERIODS["every month"])


def test_a_fixed_small_number_of_statements(random_cases, supervisor):
    dashboard_summary_sweep_task()
    counts = []
    for period in ("default (12 months)", "every month", "closed months only"):
        viewer = type(supervisor).objects.get(pk=supervisor.pk)  # nothing read yet for this request
        with CaptureQueriesContext(connection) as summary:
            reports.dashboard_report(viewer=viewer, report_filter=PERIODS[period])
        counts.append(len(summary))
    # Permissions (2), stored months and their rows (2), the current month (4), the open cases (2).
    assert counts[0] == counts[1] <= 10
    # Without a month to compute from the cases, only the stored rows and the open cases are read.
    assert counts[2] == counts[0] - 4
