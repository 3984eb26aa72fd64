"""Template helpers shared by member and staff pages."""

from datetime import date, datetime

from django import template
from django.utils import timezone
from django.utils.formats import date_format

from requests_portal import deadlines
from requests_portal.letters import kinds
from requests_portal.models import ART39_KINDS, UNANSWERED_STATUSES, DataSubjectRequest, Letter, Status
from requests_portal.wareki import any_date_for_reader, format_wareki, reader_reads_japanese

register = template.Library()

_BADGE: dict[str, str] = {
    Status.SUBMITTED: "open",
    Status.VERIFYING: "open",
    Status.IN_REVIEW: "open",
    Status.AWAITING_APPROVAL: "open",
    Status.AWAITING_AMENDMENT: "waiting",
    Status.DECIDED: "done",
    Status.NOTIFIED: "done",
    Status.CLOSED: "muted",
    Status.WITHDRAWN: "muted",
    Status.REJECTED: "alert",
}


@register.filter
def status_badge(status: str) -> str:
    """The badge modifier for a status (the label itself always carries the meaning)."""
    return _BADGE.get(status, "muted")


def _local_date(value: date) -> date:
    if isinstance(value, datetime):
        return timezone.localdate(value)
    return value


@register.filter
def wareki(value: date | str | None) -> str:
    """The date in the Japanese calendar (令和8年4月1日) on a Japanese page; an English page,
    whose reader may not know the eras, gets the Western date in its own format. Takes an
    ISO string too (dates kept in an event's JSON)."""
    return any_date_for_reader(value)


@register.filter
def both_calendars(value: date | None) -> str:
    """令和8年4月1日（2026年4月1日） on a Japanese page, for a date a member may compare with a
    letter or a diary; the Western date alone on an English page."""
    if value is None:
        return ""
    day = _local_date(value)
    western = date_format(day, "DATE_FORMAT")
    return f"{format_wareki(day)}（{western}）" if reader_reads_japanese() else western


@register.filter
def timeuntil_minutes(value: object) -> int:
    """A timedelta as whole minutes, rounded up (for "try again in N minutes")."""
    seconds = value.total_seconds() if hasattr(value, "total_seconds") else 0
    return max(1, -(-int(seconds) // 60))


@register.simple_tag
def deadline_summary(dsr: DataSubjectRequest) -> deadlines.DeadlineSummary:
    """The deadline panel's figures for today."""
    return deadlines.summarize(
        received=timezone.localdate(dsr.received_at),
        due=dsr.due_date,
        today=timezone.localdate(),
        art39_applies=dsr.kind in ART39_KINDS,
        paused=dsr.paused_at is not None,
        extended=dsr.extended_due_date is not None,
        answered=dsr.status not in UNANSWERED_STATUSES,
    )


@register.filter
def letter_title(letter: Letter) -> str:
    """The title the letter's PDF prints (e.g. 保有個人データ一部開示決定通知書)."""
    return kinds.letter_title(letter)
