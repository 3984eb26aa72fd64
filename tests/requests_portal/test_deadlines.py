"""Deadline arithmetic: docs/legal.md#calendar, plus Golden Week, 年末年始,
振替休日 and 国民の休日 across 2025–2027."""

from datetime import UTC, date, datetime, timedelta

import pytest

from requests_portal import deadlines
from requests_portal.deadlines import BusinessCalendar, due_date_for
from requests_portal.exceptions import DeadlineError
from requests_portal.models import ClosedDay

CAL = BusinessCalendar()

# The published 2026 holidays (国民の祝日に関する法律第3条; docs/legal.md#business-days), pinned so a
# holiday-library update that changes them fails here first.
HOLIDAYS_2026 = [
    date(2026, 1, 1), date(2026, 1, 12), date(2026, 2, 11), date(2026, 2, 23), date(2026, 3, 20),
    date(2026, 4, 29), date(2026, 5, 3), date(2026, 5, 4), date(2026, 5, 5), date(2026, 5, 6),
    date(2026, 7, 20), date(2026, 8, 11), date(2026, 9, 21), date(2026, 9, 22), date(2026, 9, 23),
    date(2026, 10, 12), date(2026, 11, 3), date(2026, 11, 23),
]  # fmt: skip


def test_2026_holiday_list_is_pinned():
    import jpholiday

    assert [day for day, _name in jpholiday.year_holidays(2026)] == HOLIDAYS_2026


@pytest.mark.parametrize(
    ("complete", "expected"),
    [
        # docs/legal.md#due-date
        (date(2026, 1, 5), date(2026, 1, 19)),
        (date(2025, 12, 26), date(2026, 1, 9)),
        (date(2026, 4, 22), date(2026, 5, 1)),  # 5/6 振替休日 → back over GW to Fri 5/1
        (date(2026, 9, 8), date(2026, 9, 18)),  # 9/22 国民の休日 → back over the silver week
        (date(2026, 12, 17), date(2026, 12, 28)),  # 12/31 year-end → Mon 12/28
        # Golden Week 2025: 5/6 is a 振替休日 for Sunday 5/4
        (date(2025, 4, 22), date(2025, 5, 2)),
        # 2025-11-24 is a 振替休日 for Sunday 11/23
        (date(2025, 11, 10), date(2025, 11, 21)),
        # 2025 天皇誕生日 on Sunday 2/23 → Monday 2/24 振替休日
        (date(2025, 2, 10), date(2025, 2, 21)),
        # Golden Week 2027: 5/3 Monday is 憲法記念日
        (date(2027, 4, 19), date(2027, 4, 30)),
        # 2027-03-22 振替休日 for 春分 on Sunday 3/21
        (date(2027, 3, 8), date(2027, 3, 19)),
        # 年末年始 2026/27: 1/3 (Sun) → back over 1/1, 12/29–12/31 to Mon 12/28
        (date(2026, 12, 20), date(2026, 12, 28)),
        # 年末年始 2027: 12/31 Friday is a closure day
        (date(2027, 12, 17), date(2027, 12, 28)),
        # A plain Saturday target moves back to Friday
        (date(2026, 6, 6), date(2026, 6, 19)),
    ],
)
def test_due_date_for_pulls_back_to_previous_business_day(complete, expected):
    assert due_date_for(complete, calendar=CAL) == expected


@pytest.mark.parametrize(
    ("start", "end", "business_days"),
    [
        (date(2026, 1, 5), date(2026, 1, 19), 9),  # docs/legal.md#business-days (成人の日 1/12 excluded)
        (date(2025, 12, 26), date(2026, 1, 9), 5),  # the year-end closure
        (date(2026, 4, 22), date(2026, 5, 6), 6),  # Golden Week
        (date(2026, 9, 18), date(2026, 9, 24), 1),  # silver week: only Thu 9/24
        (date(2026, 5, 1), date(2026, 5, 1), 0),
    ],
)
def test_business_days_between_counts_end_not_start(start, end, business_days):
    assert CAL.business_days_between(start, end) == business_days


@pytest.mark.parametrize(
    "day",
    [date(2026, 12, 29), date(2026, 12, 31), date(2027, 1, 2), date(2027, 1, 3), date(2026, 9, 22), date(2026, 5, 6)],
)
def test_closure_and_holidays_are_not_business_days(day):
    assert not CAL.is_business_day(day)


def test_pause_moves_the_due_date_by_the_paused_days():
    assert due_date_for(date(2026, 1, 5), paused_days=3, calendar=CAL) == date(2026, 1, 22)
    # Paused over a weekend: 1/19 + 5 = Sat 1/24 → Fri 1/23
    assert due_date_for(date(2026, 1, 5), paused_days=5, calendar=CAL) == date(2026, 1, 23)


def test_paused_days_between_counts_calendar_days():
    assert deadlines.paused_days_between(date(2026, 1, 5), date(2026, 1, 8)) == 3
    with pytest.raises(DeadlineError):
        deadlines.paused_days_between(date(2026, 1, 8), date(2026, 1, 5))


@pytest.mark.django_db
def test_closed_day_rows_are_respected():
    ClosedDay.objects.create(date=date(2026, 1, 19), reason="創立記念日")
    deadlines.forget_calendar()
    assert due_date_for(date(2026, 1, 5)) == date(2026, 1, 16)


def test_art39_mark_is_arrival_plus_fourteen_days():
    assert deadlines.art39_mark(date(2026, 1, 5)) == date(2026, 1, 19)
    # The period ends at the close of the mark day (Civil Code Art. 141).
    assert not deadlines.art39_passed(date(2026, 1, 5), date(2026, 1, 19))
    assert deadlines.art39_passed(date(2026, 1, 5), date(2026, 1, 20))


def test_business_days_remaining_and_elapsed():
    due = date(2026, 1, 19)
    assert deadlines.business_days_remaining(date(2026, 1, 5), due, calendar=CAL) == 9
    assert deadlines.business_days_remaining(due, due, calendar=CAL) == 0
    assert deadlines.business_days_remaining(date(2026, 1, 21), due, calendar=CAL) == -2
    assert deadlines.calendar_days_elapsed(date(2026, 1, 5), date(2026, 1, 21)) == 16


def test_summary_warns_when_art39_mark_passed_before_target():
    # Arrived 1/5 but the request was only complete on 1/9 (target 1/23): on 1/20 the member
    # may already sue although the internal target has not passed.
    summary = deadlines.summarize(
        received=date(2026, 1, 5), due=date(2026, 1, 23), today=date(2026, 1, 20), art39_applies=True, calendar=CAL
    )
    assert summary.art39_passed
    assert summary.art39_warning
    assert not summary.is_overdue
    late = deadlines.summarize(
        received=date(2026, 1, 5), due=date(2026, 1, 19), today=date(2026, 1, 21), art39_applies=True, calendar=CAL
    )
    assert late.is_overdue
    assert not late.art39_warning
    complaint = deadlines.summarize(
        received=date(2026, 1, 5), due=date(2026, 1, 19), today=date(2026, 1, 21), art39_applies=False, calendar=CAL
    )
    assert not complaint.art39_passed


def test_extension_requires_later_date_and_reason():
    today = date(2026, 1, 10)
    deadlines.validate_extension(
        current_due=date(2026, 1, 19), new_due=date(2026, 2, 2), reason="資料が大量のため", today=today
    )
    with pytest.raises(DeadlineError, match="理由"):
        deadlines.validate_extension(current_due=date(2026, 1, 19), new_due=date(2026, 2, 2), reason="  ", today=today)
    with pytest.raises(DeadlineError, match="後の日付"):
        deadlines.validate_extension(current_due=date(2026, 1, 19), new_due=date(2026, 1, 19), reason="x", today=today)


@pytest.mark.parametrize("bad", ["2026-01-05", datetime(2026, 1, 5, 9, 0, tzinfo=UTC), None, 20260105])
def test_bad_dates_raise_type_error(bad):
    with pytest.raises(TypeError):
        due_date_for(bad, calendar=CAL)


@pytest.mark.parametrize("bad", [-1, 1.5, "3", True])
def test_bad_paused_days_raise(bad):
    with pytest.raises((TypeError, ValueError)):
        due_date_for(date(2026, 1, 5), paused_days=bad, calendar=CAL)


def test_add_and_subtract_business_days():
    assert CAL.subtract_business_days(date(2026, 5, 7), 1) == date(2026, 5, 1)
    assert CAL.add_business_days(date(2026, 12, 28), 1) == date(2027, 1, 4)


def _business_days_walked(calendar: BusinessCalendar, start: date, end: date) -> int:
    """The definition, one day at a time: what business_days_between must equal."""
    days = (start + timedelta(days=n) for n in range(1, (end - start).days + 1))
    return sum(calendar.is_business_day(day) for day in days)


def test_business_days_between_equals_walking_the_days_over_random_spans():
    """The arithmetic count against the day-by-day definition, over spans of a day to six years
    that cross weekends, holidays, 振替休日, the year-end closure and the co-op's own closed days
    (on weekdays, on weekends and on holidays, where they must not count twice)."""
    import random

    rng = random.Random(20261203)  # reproducible test data
    origin = date(2020, 1, 1)
    closed = frozenset(
        [date(2026, 8, 14), date(2026, 8, 15), date(2026, 5, 5), date(2026, 12, 30), date(2025, 11, 24)]
        + [origin + timedelta(days=rng.randrange(3000)) for _ in range(40)]
    )
    for calendar in (BusinessCalendar(), BusinessCalendar(closed_days=closed)):
        for _ in range(400):
            start = origin + timedelta(days=rng.randrange(2900))
            end = start + timedelta(days=rng.choice([0, 1, 2, 6, 7, 8, 13, 40, 366, rng.randrange(2200)]))
            assert calendar.business_days_between(start, end) == _business_days_walked(calendar, start, end), (
                start,
                end,
            )
