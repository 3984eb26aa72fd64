"""Template helpers shared by member and staff pages."""

from datetime import date

from django import template
from django.utils import timezone

from requests_portal import deadlines
from requests_portal.letters import kinds
from requests_portal.models import ART39_KINDS, UNANSWERED_STATUSES, DataSubjectRequest, Letter, Status
from requests_portal.wareki import format_wareki

register = template.Library()

_BADGE = {
    Status.SUBMITTED: "open",
    Status.VERIFYING: "open",
    Status.IN_REVIEW: "open",
    Status.AWAITING_APPROVAL: "open",
    Status.AWAITING_REQUESTER: "waiting",
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


@register.filter
def wareki(value: date | None) -> str:
    if value is None:
        return ""
    if hasattr(value, "tzinfo") and hasattr(value, "hour"):
        value = timezone.localdate(value)  # type: ignore[arg-type]
    return format_wareki(value)


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
