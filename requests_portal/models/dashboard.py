"""The supervisors' dashboard's monthly figures for closed months, kept by a nightly sweep.

Computing a year of figures from the case table reads every case decided or received in it
(about 200,000 a year at a million cases). Past months no longer change, so the sweep
(`requests_portal.dashboard_summary_sweep`, dashboard_summary.rebuild_dashboard_summary) stores their
figures here, one row per month, queue and kind; the dashboard adds up the rows of the months it
shows and computes only the current month (and any month not yet stored) from the cases.

Rows are per queue *and* kind so that the rule of selectors.dsr_visible_to_staff applies to them
unchanged: a person sees the rows of their own queues, and a My Number inquiry filed in the wrong
queue stays out of a non-officer's figures. Nothing here identifies anyone: only counts.

The timeliness percentiles cannot be added up month by month, so each row keeps the histogram of
days from arrival to decision ({days: cases}); the median and 90th percentile are computed exactly
from the merged histograms (reports.percentile_from_histogram).
"""

from django.db import models

from .cases import Queue


class DashboardMonthlySummary(models.Model):
    """The figures of one closed month for one queue and kind (see reports.py for the definitions)."""

    month = models.DateField()  # the first day of the month (Asia/Tokyo)
    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30)
    received = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    # Received before the month's end and not closed by then.
    open_at_end = models.PositiveIntegerField(default=0)
    # Answered in the month (the decision date falls in it).
    decided = models.PositiveIntegerField(default=0)
    on_time = models.PositiveIntegerField(default=0)
    art39_decided = models.PositiveIntegerField(default=0)
    art39_on_time = models.PositiveIntegerField(default=0)
    extended = models.PositiveIntegerField(default=0)
    paused = models.PositiveIntegerField(default=0)
    paused_days = models.PositiveIntegerField(default=0)
    # {"days to decision": decided cases}; keys are strings (JSON).
    days_histogram = models.JSONField(default=dict)
    # {"ground|decision": decided cases} for the answers that did not grant the request in full.
    refusals = models.JSONField(default=dict)
    # Timeline events in the month: extensions, and 補正 requests (pauses).
    extensions = models.PositiveIntegerField(default=0)
    pauses = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["month", "queue", "kind"], name="dashboardsummary_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.queue_id} {self.kind}"


class DashboardSummarisedMonth(models.Model):
    """A month whose rows in DashboardMonthlySummary are complete (a month with no case has none)."""

    month = models.DateField(unique=True)
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"
