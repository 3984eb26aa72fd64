"""The dashboard and annual figures against a fixture computed by hand.

Today is frozen at 2026-02-16 12:00 JST; the period is January 2026. The cases:

    ref kind        arrival  target  decided (JST)           status     outcome / ground
    A   disclosure  01-05    01-19   01-19 23:59:59          closed     disclosed in full
    B   disclosure  01-05    01-19   01-20 00:00:00          closed     not disclosed, 33(2)(ii)
    C   disclosure  01-06    01-30*  01-28                   decided    partial, 33(2)(i)  (*extended)
    D   complaint   01-07    01-21   01-10                   closed     answered
    E   correction  01-08    01-27†  01-26                   closed     not corrected, Art. 34  (†5 days paused)
    F   disclosure  01-09    01-23   01-16 (identity failed) rejected   (ground: Art. 37)
    G   disclosure  01-10    01-24   — withdrawn 01-12       withdrawn
    H   disclosure  01-26    02-09   —                       in review  (overdue since 02-09)
    I   disclosure  02-02    02-16   —                       補正待ち    (paused: never overdue)
    J   disclosure  12-20    01-05   01-05                   closed     disclosed in full

A and B straddle both boundaries: A is decided in the last second of its target date and of the
Art. 39 two weeks (arrival + 14 days), B in the first second after them.
"""

from datetime import date, datetime, timedelta

import pytest
import time_machine

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from requests_portal import reports
from requests_portal.models import Decision, EventType, RequestEvent, RequestKind, Status, StatutoryGround
from tests.requests_portal.oversight.conftest import JST, d, jst

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 2, 16, 12, 0, tzinfo=JST)
JANUARY = reports.ReportFilter(date_from=date(2026, 1, 1), date_to=date(2026, 1, 31))


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def fixture_cases(frozen, case_maker, ga_staff, supervisor):
    approved = {"approved_by": supervisor, "drafted_by": ga_staff}
    cases = {
        "A": case_maker(
            received_at=jst(2026, 1, 5), due_date=d(2026, 1, 19), decision=Decision.DISCLOSED_FULL,
            approved_at=jst(2026, 1, 19, 23, 59, 59), closed_at=jst(2026, 1, 20), status=Status.CLOSED, **approved,
        ),
        "B": case_maker(
            received_at=jst(2026, 1, 5), due_date=d(2026, 1, 19), decision=Decision.NOT_DISCLOSED,
            decision_ground=StatutoryGround.ART33_2_2, approved_at=jst(2026, 1, 20, 0, 0, 0),
            closed_at=jst(2026, 1, 21), status=Status.CLOSED, **approved,
        ),
        "C": case_maker(
            received_at=jst(2026, 1, 6), due_date=d(2026, 1, 30), extended_due_date=d(2026, 1, 30),
            extension_reason="調査に時間を要するため", decision=Decision.DISCLOSED_PARTIAL,
            decision_ground=StatutoryGround.ART33_2_1, approved_at=jst(2026, 1, 28), status=Status.DECIDED,
            assignee=ga_staff, **approved,
        ),
        "D": case_maker(
            kind=RequestKind.COMPLAINT, received_at=jst(2026, 1, 7), due_date=d(2026, 1, 21),
            decision=Decision.ANSWERED, approved_at=jst(2026, 1, 10), closed_at=jst(2026, 1, 12),
            status=Status.CLOSED, **approved,
        ),
        "E": case_maker(
            kind=RequestKind.CORRECTION, received_at=jst(2026, 1, 8), due_date=d(2026, 1, 27), paused_days_total=5,
            decision=Decision.NOT_CORRECTED, decision_ground=StatutoryGround.ART34_FACTUAL,
            approved_at=jst(2026, 1, 26), closed_at=jst(2026, 1, 27), status=Status.CLOSED, **approved,
        ),
        "F": case_maker(
            received_at=jst(2026, 1, 9), due_date=d(2026, 1, 23), decision=Decision.IDENTITY_NOT_VERIFIED,
            closed_at=jst(2026, 1, 16), status=Status.REJECTED,
        ),
        "G": case_maker(
            received_at=jst(2026, 1, 10), due_date=d(2026, 1, 24), decision=Decision.WITHDRAWN,
            closed_at=jst(2026, 1, 12), status=Status.WITHDRAWN,
        ),
        "H": case_maker(
            received_at=jst(2026, 1, 26), due_date=d(2026, 2, 9), status=Status.IN_REVIEW, assignee=ga_staff
        ),
        "I": case_maker(
            received_at=jst(2026, 2, 2), due_date=d(2026, 2, 16), status=Status.AWAITING_AMENDMENT,
            paused_at=jst(2026, 2, 5), assignee=ga_staff,
        ),
        "J": case_maker(
            received_at=jst(2025, 12, 20), due_date=d(2026, 1, 5), decision=Decision.DISCLOSED_FULL,
            approved_at=jst(2026, 1, 5), closed_at=jst(2026, 1, 6), status=Status.CLOSED, **approved,
        ),
    }  # fmt: skip
    RequestEvent.objects.create(dsr=cases["C"], at=jst(2026, 1, 15), event_type=EventType.EXTENDED)
    RequestEvent.objects.create(
        dsr=cases["E"], at=jst(2026, 1, 10), event_type=EventType.STATUS_CHANGED,
        from_status=Status.IN_REVIEW, to_status=Status.AWAITING_AMENDMENT,
    )  # fmt: skip
    RequestEvent.objects.create(
        dsr=cases["I"], at=jst(2026, 2, 5), event_type=EventType.STATUS_CHANGED,
        from_status=Status.VERIFYING, to_status=Status.AWAITING_AMENDMENT,
    )  # fmt: skip
    return cases


def row(table: reports.Table, heading: str) -> list:
    return next(r for r in table.rows if r[0] == heading)


def test_timeliness_equals_hand_computed_figures(fixture_cases, supervisor):
    report = reports.dashboard_report(viewer=supervisor, report_filter=JANUARY)
    t = report.timeliness
    # Decided in January: A B C D E F J (G withdrew, H and I are open).
    assert t.decided == 7
    # The internal target: only B (decided one second after its target date) is late.
    assert (t.on_time, t.on_time_rate) == (6, 85.7)
    # Art. 39 kinds: A B C E F J; within arrival + 14 days: A (exactly 14) and F (7).
    assert (t.art39_decided, t.art39_on_time, t.art39_rate) == (6, 2, 33.3)
    # Days to decision: 3 7 14 15 16 18 22 -> mean 13.6, median 15, p90 18 + 0.4 * 4.
    assert t.avg_days == 13.6
    assert t.median_days == 15.0
    assert t.p90_days == 19.6
    assert (t.extended, t.paused, t.paused_days) == (1, 1, 5)
    assert report.received_total == 8


def test_on_time_boundary_is_the_last_second_of_the_target_date(fixture_cases, supervisor):
    report = reports.dashboard_report(viewer=supervisor, report_filter=JANUARY)
    disclosure = row(report.table("timeliness"), str(RequestKind.DISCLOSURE.label))
    # Disclosure decided: A B C F J; on time: A C F J (B is late by one second).
    assert disclosure[1:4] == [5, 4, 80.0]
    # Art. 39: A (day 14) and F; B (day 15), C (22) and J (16) are past the two weeks.
    assert disclosure[4:7] == [5, 2, 40.0]
    fixture_cases["A"].approved_at += timedelta(seconds=1)
    fixture_cases["A"].save()
    report = reports.dashboard_report(viewer=supervisor, report_filter=JANUARY)
    disclosure = row(report.table("timeliness"), str(RequestKind.DISCLOSURE.label))
    assert disclosure[1:7] == [5, 3, 60.0, 5, 1, 20.0]


def test_monthly_flow_and_kinds(fixture_cases, supervisor):
    report = reports.dashboard_report(
        viewer=supervisor, report_filter=reports.ReportFilter(date_from=date(2025, 12, 1), date_to=date(2026, 2, 28))
    )
    monthly = report.table("monthly")
    # month, received, closed, open at month end (February: as of now, 02-16 12:00).
    assert monthly.rows == [["2025-12", 1, 0, 1], ["2026-01", 8, 7, 2], ["2026-02", 1, 0, 3]]
    assert monthly.totals[:3] == ["期間計", 10, 7]
    by_kind = report.table("monthly_kind")
    disclosure_column = by_kind.columns.index(str(RequestKind.DISCLOSURE.label))
    assert [r[disclosure_column] for r in by_kind.rows] == [1, 6, 1]
    kinds = reports.dashboard_report(viewer=supervisor, report_filter=JANUARY).table("kinds")
    # kind, received, decided, closed, unanswered now (of those received in the period).
    # Disclosure: received A B C F G H; decided A B C F J; closed A B F G J; unanswered C H.
    assert row(kinds, str(RequestKind.DISCLOSURE.label))[1:] == [6, 5, 5, 2]
    assert row(kinds, str(RequestKind.COMPLAINT.label))[1:] == [1, 1, 1, 0]
    assert row(kinds, str(RequestKind.CORRECTION.label))[1:] == [1, 1, 1, 0]
    assert kinds.totals[1:] == [8, 7, 7, 2]


def test_open_cases_by_stage_and_age_and_overdue_by_assignee(fixture_cases, supervisor, ga_staff):
    report = reports.dashboard_report(viewer=supervisor, report_filter=JANUARY)
    stages = report.table("open_stage")
    # Ages on 02-16: C 41 days (31+), H 21 (15–30), I 14 (8–14).
    assert row(stages, str(Status.DECIDED.label))[1:] == [0, 0, 0, 1, 1]
    assert row(stages, str(Status.IN_REVIEW.label))[1:] == [0, 0, 1, 0, 1]
    assert row(stages, str(Status.AWAITING_AMENDMENT.label))[1:] == [0, 1, 0, 0, 1]
    assert stages.totals[1:] == [0, 1, 1, 1, 3]
    overdue = report.table("overdue")
    # C (target 01-30, decided but not yet notified) and H (02-09); I is paused.
    assert overdue.rows == [[ga_staff.email, 2, "2026-01-30", 17]]


def test_refusals_by_ground_and_extensions(fixture_cases, supervisor):
    report = reports.dashboard_report(viewer=supervisor, report_filter=JANUARY)
    refusals = {r[0]: r[1:] for r in report.table("refusals").rows}
    # columns: partial, refused, not held, procedural, total
    assert refusals == {
        str(StatutoryGround.ART33_2_1.label): [1, 0, 0, 0, 1],
        str(StatutoryGround.ART33_2_2.label): [0, 1, 0, 0, 1],
        str(StatutoryGround.ART34_FACTUAL.label): [0, 1, 0, 0, 1],
        str(StatutoryGround.ART37_PROCEDURE.label): [0, 0, 0, 1, 1],
    }
    extensions = report.table("extensions")
    assert extensions.rows == [["2026-01", 1, 1]]


def test_kind_filter_narrows_every_figure(fixture_cases, supervisor):
    only = reports.ReportFilter(date_from=date(2026, 1, 1), date_to=date(2026, 1, 31), kinds=(RequestKind.COMPLAINT,))
    report = reports.dashboard_report(viewer=supervisor, report_filter=only)
    assert report.received_total == 1
    assert report.timeliness.decided == 1
    assert report.timeliness.median_days == 3.0
    assert report.table("overdue").rows == []
    assert [r[0] for r in report.table("kinds").rows] == [str(RequestKind.COMPLAINT.label)]


def test_annual_statistics_equal_hand_computed_table(fixture_cases, supervisor):
    statistics = reports.annual_statistics(viewer=supervisor, year=2025)
    table = statistics.table
    # received, decided, granted, partial, refused, not held, answered, procedural, withdrawn,
    # average days, on time, on-time rate
    assert row(table, str(RequestKind.DISCLOSURE.label))[1:] == [8, 5, 2, 1, 1, 0, 0, 1, 1, 14.8, 4, 80.0]
    assert row(table, str(RequestKind.COMPLAINT.label))[1:] == [1, 1, 0, 0, 0, 0, 1, 0, 0, 3.0, 1, 100.0]
    assert row(table, str(RequestKind.CORRECTION.label))[1:] == [1, 1, 0, 0, 1, 0, 0, 0, 0, 18.0, 1, 100.0]
    assert table.totals[1:] == [10, 7, 2, 1, 2, 0, 1, 1, 1, 13.6, 6, 85.7]
    assert str(RequestKind.MY_NUMBER_INQUIRY.label) not in [r[0] for r in table.rows]
    assert reports.annual_statistics(viewer=supervisor, year=2024).table.totals[1] == 0


def test_available_fiscal_years_start_at_the_first_visible_case(fixture_cases, supervisor):
    assert reports.available_fiscal_years(supervisor) == [2025]


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [
        ([3, 7, 14, 15, 16, 18, 22], 0.5, 15.0),
        ([3, 7, 14, 15, 16, 18, 22], 0.9, 19.6),
        ([10, 20], 0.5, 15.0),
        ([10, 20], 0.9, 19.0),
        ([5], 0.9, 5.0),
        ([1, 1, 1, 9], 0.5, 1.0),
        ([1, 2, 2, 2, 9], 0.9, 6.2),
        ([], 0.5, None),
    ],
)
def test_histogram_percentile_matches_percentile_cont(values, fraction, expected):
    histogram: dict[int, int] = {}
    for value in values:
        histogram[value] = histogram.get(value, 0) + 1
    result = reports.percentile_from_histogram(histogram, fraction)
    assert result == pytest.approx(expected) if expected is not None else result is None


def test_postgres_percentile_cont_agrees_with_the_fallback(fixture_cases, supervisor):
    if connection.vendor != "postgresql":
        pytest.skip("percentile_cont is PostgreSQL's")
    from django.db.models import F

    decided = reports._decided_in(reports.scoped_cases(supervisor), JANUARY.start, JANUARY.end)
    database = decided.aggregate(p=reports.PercentileCont(F("days"), 0.9))["p"]
    histogram: dict[int, int] = {}
    for days in decided.values_list("days", flat=True):
        histogram[days] = histogram.get(days, 0) + 1
    assert database == pytest.approx(reports.percentile_from_histogram(histogram, 0.9))


def _dashboard_queries(client, user) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("requests_portal:oversight_dashboard"), {"date_from": "2025-12-01"})
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_query_count_does_not_grow_with_the_number_of_cases(fixture_cases, case_maker, client, supervisor, ga_staff):
    _dashboard_queries(client, supervisor)  # warm the process-wide caches (content types) first
    before = _dashboard_queries(client, supervisor)
    for day in range(1, 29):
        for kind in (RequestKind.DISCLOSURE, RequestKind.CORRECTION, RequestKind.COMPLAINT):
            case_maker(
                kind=kind, received_at=jst(2026, 1, day % 27 + 1), due_date=d(2026, 2, 1), status=Status.CLOSED,
                decision=Decision.DISCLOSED_FULL if kind == RequestKind.DISCLOSURE else Decision.ANSWERED,
                approved_at=jst(2026, 1, 28), closed_at=jst(2026, 1, 29), assignee=ga_staff,
            )  # fmt: skip
            case_maker(kind=kind, received_at=jst(2026, 2, 1), due_date=d(2026, 2, 10), assignee=ga_staff)
    after = _dashboard_queries(client, supervisor)
    assert after == before
    # And the report itself is a handful of aggregate queries, not one per case or per row.
    with CaptureQueriesContext(connection) as queries:
        reports.dashboard_report(viewer=supervisor, report_filter=JANUARY)
    assert len(queries.captured_queries) <= 18


def test_a_different_measure_counts_as_partial_live_and_from_the_stored_months(
    frozen, case_maker, supervisor, ga_staff
):
    """利用停止 taken where 消去 was asked grants the request in part (第35条), as the decision
    form says; the decision code alone would read as granted. Live and stored figures agree."""
    from requests_portal.tasks import dashboard_summary_sweep_task

    approved = {"approved_by": supervisor, "drafted_by": ga_staff, "status": Status.CLOSED}
    as_asked, instead = (
        case_maker(
            kind=RequestKind.SUSPENSION, received_at=jst(2025, 12, day), due_date=d(2025, 12, day + 14),
            decision=Decision.USE_SUSPENDED, approved_at=jst(2025, 12, day + 3), closed_at=jst(2025, 12, day + 4),
            **approved, **extra,
        )
        for day, extra in (
            (1, {}),
            (2, {"decision_ground": StatutoryGround.ART35_SUBSTITUTE,
                 "decision_details": {"measures_requested": ["erase"]}}),
        )
    )  # fmt: skip
    assert as_asked.decision == instead.decision
    december = reports.ReportFilter(date_from=date(2025, 12, 1), date_to=date(2025, 12, 31))
    live = reports.dashboard_report(viewer=supervisor, report_filter=december)
    # columns: partial, refused, not held, procedural, total
    expected = {str(StatutoryGround.ART35_SUBSTITUTE.label): [1, 0, 0, 0, 1]}
    assert {r[0]: r[1:] for r in live.table("refusals").rows} == expected
    dashboard_summary_sweep_task()
    stored = reports.dashboard_report(viewer=supervisor, report_filter=december)
    assert {r[0]: r[1:] for r in stored.table("refusals").rows} == expected
    # received, decided, granted, partial, …
    suspension = row(reports.annual_statistics(viewer=supervisor, year=2025).table, str(RequestKind.SUSPENSION.label))
    assert suspension[1:5] == [2, 2, 1, 1]
