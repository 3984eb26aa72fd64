"""Deadline arithmetic over the co-op's business calendar (docs/legal.md#calendar).

The functions here are pure: they take dates and a `BusinessCalendar` and return dates or
numbers. Only `current_calendar()` reads the database (the admin-defined `ClosedDay` rows).

The rules:
- business days exclude Saturdays, Sundays, national holidays (jpholiday: 振替休日 and
  国民の休日 included), the year-end closure 12/29–1/3 and `ClosedDay` rows;
- the target date is the complete date + the policy period (14 calendar days), plus the
  calendar days the clock was paused, pulled back to the previous business day;
- an extension replaces the target with a later date and needs a reason;
- the Art. 39 two-week mark is the arrival date + 14 days (Civil Code Arts. 140 and 143:
  the arrival day is not counted, and the period ends at the close of the last day).
"""

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

import jpholiday

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from requests_portal.exceptions import DeadlineError

ART39_DAYS = 14
_CALENDAR_CACHE_KEY = "deadlines:closed-days:v1"
_CALENDAR_CACHE_SECONDS = 300


def _require_date(value: object, name: str) -> date:
    # datetime is a subclass of date; a datetime here is almost always a bug (time zones).
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{name} must be a datetime.date, got {type(value).__name__}")
    return value


def _require_days(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must not be negative")
    return value


def is_year_end_closure(day: date) -> bool:
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def _is_public_closure(day: date) -> bool:
    return is_year_end_closure(day) or jpholiday.is_holiday(day)


@lru_cache(maxsize=128)
def _public_closures_on_weekdays(year: int) -> tuple[date, ...]:
    """The weekdays of `year` that are national holidays or in the year-end closure, in order."""
    first = date(year, 1, 1)
    days = (first + timedelta(days=n) for n in range((date(year + 1, 1, 1) - first).days))
    return tuple(day for day in days if day.weekday() < 5 and _is_public_closure(day))


def _weekdays_between(first: date, last: date) -> int:
    """Mondays to Fridays in [first, last]."""
    weeks, extra = divmod((last - first).days + 1, 7)
    return weeks * 5 + sum(1 for n in range(extra) if (first.weekday() + n) % 7 < 5)


@dataclass(frozen=True)
class BusinessCalendar:
    """Weekends, national holidays, the year-end closure and the co-op's own closed days."""

    closed_days: frozenset[date] = field(default_factory=frozenset)

    def is_business_day(self, day: date) -> bool:
        _require_date(day, "day")
        return not (day.weekday() >= 5 or _is_public_closure(day) or day in self.closed_days)

    def on_or_before(self, day: date) -> date:
        """`day` if it is a business day, otherwise the nearest earlier business day."""
        _require_date(day, "day")
        while not self.is_business_day(day):
            day -= timedelta(days=1)
        return day

    def business_days_between(self, start: date, end: date) -> int:
        """Business days in (start, end]: the start day is not counted, the end day is.

        Counted without walking the days: the weekdays in the span, less the weekdays on which
        the co-op is closed. A queue page lists closed cases due years ago, and walking five
        years of days for each of 100 rows cost longer than the rest of the page.
        """
        _require_date(start, "start")
        _require_date(end, "end")
        if end <= start:
            return 0
        first = start + timedelta(days=1)
        closed = sum(
            bisect_right(days, end) - bisect_left(days, first)
            for days in (_public_closures_on_weekdays(year) for year in range(first.year, end.year + 1))
        )
        closed += sum(
            1 for day in self.closed_days if first <= day <= end and day.weekday() < 5 and not _is_public_closure(day)
        )
        return _weekdays_between(first, end) - closed

    def add_business_days(self, start: date, days: int) -> date:
        """The business day `days` business days after `start` (for reminders at T−n)."""
        _require_date(start, "start")
        _require_days(days, "days")
        day = start
        while days:
            day += timedelta(days=1)
            days -= self.is_business_day(day)
        return day

    def subtract_business_days(self, end: date, days: int) -> date:
        """The business day `days` business days before `end`."""
        _require_date(end, "end")
        _require_days(days, "days")
        day = end
        while days:
            day -= timedelta(days=1)
            days -= self.is_business_day(day)
        return day


def current_calendar() -> BusinessCalendar:
    """The calendar with the admin's `ClosedDay` rows (cached for a few minutes)."""
    closed = cache.get(_CALENDAR_CACHE_KEY)
    if closed is None:
        from requests_portal.models import ClosedDay

        closed = sorted(ClosedDay.objects.values_list("date", flat=True))
        cache.set(_CALENDAR_CACHE_KEY, closed, _CALENDAR_CACHE_SECONDS)
    return BusinessCalendar(closed_days=frozenset(closed))


def forget_calendar() -> None:
    """Drop the cached calendar; called when a `ClosedDay` changes."""
    cache.delete(_CALENDAR_CACHE_KEY)


def response_period_days() -> int:
    return int(settings.DSR_RESPONSE_PERIOD_DAYS)


def due_date_for(
    complete: date,
    *,
    paused_days: int = 0,
    period_days: int | None = None,
    calendar: BusinessCalendar | None = None,
) -> date:
    """complete + period (+ paused days), pulled back to the previous business day."""
    _require_date(complete, "complete")
    _require_days(paused_days, "paused_days")
    period = response_period_days() if period_days is None else _require_days(period_days, "period_days")
    calendar = calendar or current_calendar()
    return calendar.on_or_before(complete + timedelta(days=period + paused_days))


def paused_days_between(paused_on: date, resumed_on: date) -> int:
    """Calendar days a pause lasted: paused on Monday, resumed on Thursday = 3 days."""
    _require_date(paused_on, "paused_on")
    _require_date(resumed_on, "resumed_on")
    if resumed_on < paused_on:
        raise DeadlineError(_("再開日が停止日より前になっています。"))
    return (resumed_on - paused_on).days


def validate_extension(*, current_due: date, new_due: date, reason: str, today: date) -> None:
    """Raise DeadlineError unless `new_due` is later than the current target, not past, and has a reason."""
    _require_date(current_due, "current_due")
    _require_date(new_due, "new_due")
    _require_date(today, "today")
    if not isinstance(reason, str) or not reason.strip():
        raise DeadlineError(_("延長の理由を入力してください。"))
    if new_due <= current_due:
        raise DeadlineError(_("延長後の期限は現在の期限より後の日付にしてください。"))
    if new_due < today:
        raise DeadlineError(_("延長後の期限に過去の日付は指定できません。"))


def art39_mark(received: date) -> date:
    """The last day of the two weeks after arrival; the member may sue from the next day."""
    _require_date(received, "received")
    return received + timedelta(days=ART39_DAYS)


def art39_passed(received: date, today: date) -> bool:
    _require_date(today, "today")
    return today > art39_mark(received)


def business_days_remaining(today: date, due: date, *, calendar: BusinessCalendar | None = None) -> int:
    """Business days left until `due` (0 on the due date); negative once overdue."""
    _require_date(today, "today")
    _require_date(due, "due")
    calendar = calendar or current_calendar()
    if due >= today:
        return calendar.business_days_between(today, due)
    return -calendar.business_days_between(due, today)


def calendar_days_elapsed(received: date, today: date) -> int:
    _require_date(received, "received")
    _require_date(today, "today")
    return (today - received).days


@dataclass(frozen=True)
class DeadlineSummary:
    """What the case pages show about time (docs/legal.md#art-39 and docs/legal.md#due-date)."""

    due_date: date
    business_days_left: int
    calendar_days_elapsed: int
    art39_mark: date
    art39_applies: bool
    art39_passed: bool
    # The Art. 39 mark (from arrival) has passed although the internal target (from the
    # complete date) has not: the member may already sue.
    art39_warning: bool
    is_overdue: bool
    is_paused: bool
    is_extended: bool


def summarize(
    *,
    received: date,
    due: date,
    today: date,
    art39_applies: bool,
    paused: bool = False,
    extended: bool = False,
    answered: bool = False,
    calendar: BusinessCalendar | None = None,
) -> DeadlineSummary:
    """Everything a case page shows about its deadline, for one `today`."""
    calendar = calendar or current_calendar()
    passed = art39_applies and art39_passed(received, today) and not answered
    overdue = not answered and not paused and today > due
    return DeadlineSummary(
        due_date=due,
        business_days_left=business_days_remaining(today, due, calendar=calendar),
        calendar_days_elapsed=calendar_days_elapsed(received, today),
        art39_mark=art39_mark(received),
        art39_applies=art39_applies,
        art39_passed=passed,
        art39_warning=passed and not overdue,
        is_overdue=overdue,
        is_paused=paused,
        is_extended=extended,
    )
