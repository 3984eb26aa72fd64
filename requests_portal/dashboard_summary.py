"""The nightly sweep that stores the dashboard's closed months (models/dashboard.py).

A writer, kept apart from reports.py (which only reads): it computes the figures with
`reports.month_figures_from_cases`, the very function the dashboard uses for the months it does
not find stored, so the two cannot drift apart.
"""

from datetime import date

from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from requests_portal.models import DashboardMonthlySummary, DashboardSummarisedMonth, DataSubjectRequest
from requests_portal.reports import (
    MONTH_COUNTS,
    FigureKey,
    MonthFigures,
    MonthKey,
    first_of_month,
    local_midnight,
    month_figures_from_cases,
    month_key,
    next_month,
)

# An arbitrary constant naming this sweep's lock among the database's advisory locks.
_ADVISORY_LOCK_KEY = 7_410_132_016


def rebuild_dashboard_summary(today: date | None = None) -> int:
    """Store the figures of every closed month (all before the current one) from the cases.

    Idempotent: it replaces the whole summary in one transaction, so a case whose queue or kind
    changed, or one entered late with an earlier arrival date, is counted where it now belongs
    after the next run. A fixed number of queries over the case table, whatever its size.
    Returns the number of summary rows.
    """
    current = (today or timezone.localdate()).replace(day=1)
    first_received = DataSubjectRequest.objects.aggregate(first=Min("received_at"))["first"]
    months: list[MonthKey] = []
    if first_received is not None:
        key = month_key(first_received)
        while key < (current.year, current.month):
            months.append(key)
            key = next_month(key)
    figures: dict[FigureKey, MonthFigures] = {}
    if months:
        figures = month_figures_from_cases(
            DataSubjectRequest.objects.order_by(),
            local_midnight(first_of_month(months[0])),
            local_midnight(current),
            stock_at={key: local_midnight(first_of_month(next_month(key))) for key in months},
            all_cases=True,
        )
    rows = [
        DashboardMonthlySummary(
            month=first_of_month(month),
            queue_id=queue_id,
            kind=kind,
            **{name: getattr(values, name) for name in MONTH_COUNTS},
            days_histogram={str(days): n for days, n in sorted(values.days_histogram.items())},
            refusals={f"{ground}|{decision}": n for (ground, decision), n in sorted(values.refusals.items())},
        )
        for (month, queue_id, kind), values in sorted(figures.items())
    ]
    now = timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Two overlapping runs take turns (the second stores the same rows again) rather than
            # both inserting into the emptied table.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
        DashboardMonthlySummary.objects.all().delete()
        DashboardSummarisedMonth.objects.all().delete()
        DashboardMonthlySummary.objects.bulk_create(rows, batch_size=1000)
        DashboardSummarisedMonth.objects.bulk_create(
            [DashboardSummarisedMonth(month=first_of_month(month), computed_at=now) for month in months]
        )
    return len(rows)
