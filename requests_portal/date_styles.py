"""The one date style of staff surfaces (docs/architecture.md#dates).

Staff tables and case pages write every date as 2026-12-03 and every moment as
2026-12-03 16:10, in both languages: sortable, unambiguous and as wide in every row.
Letters and member pages use 和暦 (wareki.py). Templates reach these through the
`staff_date` and `staff_datetime` filters (templatetags/staff_dates.py); views that prepare
table rows in Python call them directly.
"""

from datetime import date, datetime

from django.utils import timezone


def _from_iso(value: object) -> object:
    """Dates kept in an event's JSON are ISO strings; anything else is returned unchanged."""
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return value
    return value


def staff_date(value: date | datetime | str | None) -> str:
    """2026-12-03; a moment is shown as its local day; an ISO string is read; nothing gives ""."""
    value = _from_iso(value)  # type: ignore[assignment]
    if isinstance(value, str):
        return value  # not a date: shown as it is
    if not isinstance(value, date):
        return ""
    if isinstance(value, datetime):
        value = timezone.localdate(value) if timezone.is_aware(value) else value.date()
    # ISO 8601's calendar date, written by the date itself rather than through Django's
    # date-format language: a queue page writes two dates for each of its rows.
    return value.isoformat()


def staff_datetime(value: datetime | str | None) -> str:
    """2026-12-03 16:10 in local time; a bare date gives its day alone; nothing gives ""."""
    value = _from_iso(value)  # type: ignore[assignment]
    if not isinstance(value, datetime):
        return staff_date(value)
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{value.date().isoformat()} {value:%H:%M}"
