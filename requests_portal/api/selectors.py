"""The API's reads: a case's status by 受付番号 and the feed of case events, both limited to the
cases API clients may see (selectors.dsr_visible_to_api_clients: never a My Number case)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Min, Q
from django.utils import timezone

from requests_portal.models import (
    TERMINAL_STATUSES,
    UNANSWERED_STATUSES,
    DataSubjectRequest,
    EventType,
    RequestEvent,
    Status,
)
from requests_portal.selectors import dsr_visible_to_api_clients
from requests_portal.text import normalize_line
from requests_portal.workflow import current_due_date

MAX_EVENTS = 1000


def case_by_reference(reference: str) -> DataSubjectRequest | None:
    """The visible case with this 受付番号 (half- or full-width, any case), or None: a My Number
    case is None exactly like a reference that does not exist."""
    wanted = normalize_line(reference).replace(" ", "").upper()
    return dsr_visible_to_api_clients().select_related("queue").filter(reference=wanted).first()


def case_status(dsr: DataSubjectRequest) -> dict[str, Any]:
    return {
        "reference": dsr.reference,
        "kind": dsr.kind,
        "kind_label": str(dsr.get_kind_display()),
        "status": dsr.status,
        "status_label": str(dsr.get_status_display()),
        "received_on": timezone.localdate(dsr.received_at),
        "due_date": current_due_date(dsr) if dsr.status in UNANSWERED_STATUSES else None,
        "paused": dsr.is_paused,
        "closed_at": dsr.closed_at,
    }


_OPENED = Q(event_type=EventType.SUBMITTED)
_DECIDED = Q(event_type=EventType.STATUS_CHANGED, to_status=Status.DECIDED)
_CLOSED = Q(event_type=EventType.STATUS_CHANGED, to_status__in=sorted(TERMINAL_STATUSES))


def _event_type(event: RequestEvent) -> str:
    if event.event_type == EventType.SUBMITTED:
        return "opened"
    return "decided" if event.to_status == Status.DECIDED else "closed"


def case_events(*, after: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Cases opened, decided and closed after the cursor `after`, oldest first; (events, next cursor).

    The cursor is the event's id. Events younger than DSR_API_EVENTS_SETTLE_SECONDS are held back:
    ids are taken when a transaction writes, not when it commits, so a just-written id may still
    be followed by a smaller one committing a moment later.
    """
    settled_before = timezone.now() - timedelta(seconds=settings.DSR_API_EVENTS_SETTLE_SECONDS)
    newer = RequestEvent.objects.filter(id__gt=after)
    # Stop before the first unsettled event of any kind, so the cursor never passes over it.
    horizon = newer.filter(at__gt=settled_before).aggregate(first=Min("id"))["first"]
    if horizon is not None:
        newer = newer.filter(id__lt=horizon)
    events = list(
        newer.filter(_OPENED | _DECIDED | _CLOSED)
        .filter(dsr__in=dsr_visible_to_api_clients())
        .select_related("dsr")
        .order_by("id")[: min(limit, MAX_EVENTS)]
    )
    rows = [
        {
            "cursor": str(event.pk),
            "type": _event_type(event),
            "at": event.at,
            "reference": event.dsr.reference,
            "kind": event.dsr.kind,
            "status": event.to_status or Status.SUBMITTED,
        }
        for event in events
    ]
    return rows, events[-1].pk if events else after
