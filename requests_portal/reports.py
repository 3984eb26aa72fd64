"""Oversight figures: the supervisors' dashboard and the co-op's annual statistics.

Every figure is computed from `selectors.dsr_visible_to_staff(viewer)` and nothing else, so a
person who cannot see My Number cases gets tables that simply do not contain them (no total
row anywhere includes a hidden case, so nothing can be worked out by subtraction). The work is
done by aggregate queries: the number of queries is fixed, whatever the number of cases.

Definitions (shown on the dashboard as well):
- *received*: `received_at` (the legal arrival) falls in the period.
- *closed*: the case reached a terminal state (完了・取下げ・本人確認不能); `closed_at` in the period.
- *answered* (決定): the co-op decided the case: a decision was approved (`approved_at`), or the
  case ended because identity or authority could not be confirmed (status 本人確認不能, dated
  by `closed_at`). Withdrawals are the requester's act, not an answer, and are counted apart.
- *decision date*: the local (Asia/Tokyo) date of `approved_at`, else of `closed_at`.
- *on time (internal target)*: decision date ≤ `due_date`. `due_date` already includes the
  補正 pauses and any extension, so it is the target the case actually had.
- *on time (Art. 39)*: decision date ≤ arrival date + 14 days (`deadlines.art39_mark`); only the
  kinds Art. 39 covers (`ART39_KINDS`).
- *days to decision*: calendar days from the arrival date to the decision date. The median and
  90th percentile are PostgreSQL's `percentile_cont` (linear interpolation); on SQLite the same
  statistic is computed from a one-query histogram of the day counts.
- *overdue*: unanswered (open or decided but not yet notified), not paused for 補正, and
  `due_date` before today.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, TypedDict

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    Aggregate,
    Avg,
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from requests_portal import deadlines
from requests_portal.models import (
    ART39_KINDS,
    UNANSWERED_STATUSES,
    DashboardMonthlySummary,
    DashboardSummarisedMonth,
    DataSubjectRequest,
    Decision,
    EventType,
    RequestEvent,
    RequestKind,
    Status,
    StatutoryGround,
    User,
)
from requests_portal.numbering import fiscal_year
from requests_portal.selectors import (
    dashboard_summary_visible_to,
    dsr_visible_outside_queues,
    dsr_visible_to_staff,
    queue_ids_for_user,
    restricted_queue_ids_for,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from django.db.models.sql.compiler import _AsSqlType  # a name the stubs define, not Django

# The dashboard's longest period: enough for five fiscal years, and it bounds the width of the
# one "open at month end" query (one aggregate per month).
MAX_PERIOD_MONTHS = 61

ANSWERED = Q(approved_at__isnull=False) | Q(status=Status.REJECTED)
# The timeline events the dashboard counts: extensions and 補正 requests. The same condition as the
# partial index `event_deadline_at`, so that the database finds them by date alone.
IS_EXTENSION = Q(event_type=EventType.EXTENDED)
IS_PAUSE = Q(event_type=EventType.STATUS_CHANGED, to_status=Status.AWAITING_AMENDMENT)
DEADLINE_EVENTS = IS_EXTENSION | IS_PAUSE

DASHBOARD_TABLES = (
    "monthly",
    "monthly_kind",
    "kinds",
    "timeliness",
    "days",
    "open_stage",
    "overdue",
    "refusals",
    "extensions",
)

# Stages of an unanswered case, in workflow order.
STAGES = (
    Status.SUBMITTED,
    Status.VERIFYING,
    Status.AWAITING_AMENDMENT,
    Status.IN_REVIEW,
    Status.AWAITING_APPROVAL,
    Status.DECIDED,
)

# Age of an open case in calendar days since arrival: (label, first day, last day or None).
AGE_BUCKETS = (
    (_("7日以内"), 0, 7),
    (_("8〜14日"), 8, 14),
    (_("15〜30日"), 15, 30),
    (_("31日以上"), 31, None),
)

# Days-to-decision histogram for the chart: (label, first day, last day or None).
DAYS_BUCKETS = (
    (_("0〜7日"), 0, 7),
    (_("8〜14日"), 8, 14),
    (_("15〜21日"), 15, 21),
    (_("22〜30日"), 22, 30),
    (_("31日以上"), 31, None),
)


class Outcome:
    """How the annual statistics group the decision codes (docs/legal.md#decisions)."""

    GRANTED = "granted"
    PARTIAL = "partial"
    REFUSED = "refused"
    NOT_HELD = "not_held"
    ANSWERED = "answered"
    PROCEDURAL = "procedural"

    LABELS = {
        GRANTED: _("全部認容"),
        PARTIAL: _("一部認容"),
        REFUSED: _("不認容"),
        NOT_HELD: _("不存在"),
        ANSWERED: _("回答（苦情・相談等）"),
        PROCEDURAL: _("手続上の理由"),
    }
    ORDER = (GRANTED, PARTIAL, REFUSED, NOT_HELD, ANSWERED, PROCEDURAL)


OUTCOME_OF_DECISION: dict[str, str] = {
    Decision.PURPOSE_NOTIFIED: Outcome.GRANTED,
    Decision.DISCLOSED_FULL: Outcome.GRANTED,
    Decision.RECORD_DISCLOSED_FULL: Outcome.GRANTED,
    # Disclosed, only on paper instead of the requested method (Art. 33(2) proviso).
    Decision.METHOD_CHANGED_TO_PAPER: Outcome.GRANTED,
    Decision.RECORD_METHOD_CHANGED_TO_PAPER: Outcome.GRANTED,
    Decision.CORRECTED: Outcome.GRANTED,
    Decision.ADDED: Outcome.GRANTED,
    Decision.DELETED: Outcome.GRANTED,
    Decision.USE_SUSPENDED: Outcome.GRANTED,
    Decision.ERASED: Outcome.GRANTED,
    Decision.PROVISION_STOPPED: Outcome.GRANTED,
    Decision.DISCLOSED_PARTIAL: Outcome.PARTIAL,
    Decision.RECORD_DISCLOSED_PARTIAL: Outcome.PARTIAL,
    Decision.PARTIALLY_CORRECTED: Outcome.PARTIAL,
    Decision.SUBSTITUTE_MEASURE: Outcome.PARTIAL,
    Decision.PURPOSE_NOT_NOTIFIED: Outcome.REFUSED,
    Decision.NOT_DISCLOSED: Outcome.REFUSED,
    Decision.RECORD_NOT_DISCLOSED: Outcome.REFUSED,
    Decision.NOT_CORRECTED: Outcome.REFUSED,
    Decision.NOT_SUSPENDED: Outcome.REFUSED,
    # Neither confirmed nor denied: the request is not met, whatever the co-op holds.
    Decision.EXISTENCE_NOT_CONFIRMED: Outcome.REFUSED,
    Decision.NOT_HELD: Outcome.NOT_HELD,
    Decision.RECORD_NOT_HELD: Outcome.NOT_HELD,
    Decision.ANSWERED: Outcome.ANSWERED,
    Decision.OTHER_LAW_PROCEDURE: Outcome.PROCEDURAL,
    Decision.RECORD_OTHER_LAW_PROCEDURE: Outcome.PROCEDURAL,
    Decision.REQUEST_INCOMPLETE: Outcome.PROCEDURAL,
    Decision.IDENTITY_NOT_VERIFIED: Outcome.PROCEDURAL,
    Decision.AGENT_AUTHORITY_NOT_SHOWN: Outcome.PROCEDURAL,
}
# "Refusals" on the dashboard: every answer that did not grant the request in full.
NOT_GRANTED_OUTCOMES = frozenset({Outcome.PARTIAL, Outcome.REFUSED, Outcome.NOT_HELD, Outcome.PROCEDURAL})
NOT_GRANTED_DECISIONS = frozenset(d for d, o in OUTCOME_OF_DECISION.items() if o in NOT_GRANTED_OUTCOMES)
# A measure other than the one asked for (消去 asked, 利用停止 taken) grants the request only in
# part (個人情報保護法第35条; the decision form says so and asks for a ground). The decision code
# alone reads as granted; the draft records the measures asked for when they differ, and the
# figures count such decisions as partial. In the refusals by ground they are kept under this
# code instead of the decision's own.
DIFFERENT_MEASURE = "different_measure"
DIFFERENT_MEASURE_TAKEN = Q(decision_details__has_key="measures_requested")


def decision_outcome(decision: str, *, different_measure: bool = False) -> str:
    """The statistics' outcome of a decision (PROCEDURAL for a code they do not know)."""
    if decision == DIFFERENT_MEASURE:
        return Outcome.PARTIAL
    outcome = OUTCOME_OF_DECISION.get(decision, Outcome.PROCEDURAL)
    return Outcome.PARTIAL if different_measure and outcome == Outcome.GRANTED else outcome


def _is_refusal(decision: str, different_measure: bool) -> bool:
    return decision_outcome(decision, different_measure=different_measure) in NOT_GRANTED_OUTCOMES


def _different_measure_flag() -> ExpressionWrapper:
    """`different_measure` for `.annotate()`: whether the decision took another measure than asked."""
    return ExpressionWrapper(DIFFERENT_MEASURE_TAKEN, output_field=BooleanField())


# Identity and authority failures carry no ground code; their ground is the Art. 37 procedure.
_IMPLIED_GROUND: dict[str, str] = {
    Decision.IDENTITY_NOT_VERIFIED: StatutoryGround.ART37_PROCEDURE,
    Decision.AGENT_AUTHORITY_NOT_SHOWN: StatutoryGround.ART37_PROCEDURE,
    Decision.REQUEST_INCOMPLETE: StatutoryGround.ART37_PROCEDURE,
    Decision.NOT_HELD: StatutoryGround.NOT_HELD,
    Decision.RECORD_NOT_HELD: StatutoryGround.NOT_HELD,
    Decision.OTHER_LAW_PROCEDURE: StatutoryGround.ART33_4,
    Decision.RECORD_OTHER_LAW_PROCEDURE: StatutoryGround.ART33_4,
}


# ---------------------------------------------------------------------------------------------
# Database helpers
# ---------------------------------------------------------------------------------------------
class DaysBetween(Func):
    """Whole calendar days from the first date expression to the second (end − start)."""

    arity = 2
    output_field = IntegerField()

    # PostgreSQL: date − date is an integer number of days.
    template = "(%(expressions)s)"
    arg_joiner = " - "

    def __init__(self, start: Combinable, end: Combinable) -> None:
        super().__init__(end, start)

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any) -> "_AsSqlType":
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


class PercentileCont(Aggregate):
    """PostgreSQL's continuous percentile (linear interpolation), as an ordered-set aggregate."""

    function = "PERCENTILE_CONT"
    name = "PercentileCont"
    output_field = FloatField()
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression: str | Combinable, fraction: float, **extra: Any) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be between 0 and 1")
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


def percentile_from_histogram(histogram: dict[int, int], fraction: float) -> float | None:
    """percentile_cont over values given as {value: count}: the same interpolation as PostgreSQL."""
    total = sum(histogram.values())
    if total == 0:
        return None
    position = (total - 1) * fraction
    lower_index = int(position)
    weight = position - lower_index
    lower = upper = None
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if lower is None and seen > lower_index:
            lower = value
        if seen > lower_index + (1 if weight else 0):
            upper = value
            break
    if lower is None:  # only when the counts are negative; total > 0 found a value otherwise
        return None
    upper = lower if upper is None else upper
    return float(lower) + (float(upper) - float(lower)) * weight


def _uses_percentile_cont() -> bool:
    return connection.vendor == "postgresql"


def local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def month_key(value: datetime | date) -> tuple[int, int]:
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.year, value.month


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(float(value), digits)


# ---------------------------------------------------------------------------------------------
# The period and the viewer's scope
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReportFilter:
    """The dashboard's filter: a period of local dates (both ends included) and optional kinds."""

    date_from: date
    date_to: date
    kinds: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.date_to < self.date_from:
            raise ValueError("date_to is before date_from")
        if len(self.months()) > MAX_PERIOD_MONTHS:
            raise ValueError("period too long")

    @property
    def start(self) -> datetime:
        return local_midnight(self.date_from)

    @property
    def end(self) -> datetime:
        """The first instant after the period."""
        return local_midnight(self.date_to + timedelta(days=1))

    def months(self) -> list[tuple[int, int]]:
        months, (year, month) = [], (self.date_from.year, self.date_from.month)
        while (year, month) <= (self.date_to.year, self.date_to.month):
            months.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months

    def as_params(self) -> dict[str, object]:
        """For audit entries and links."""
        return {"date_from": self.date_from.isoformat(), "date_to": self.date_to.isoformat(), "kind": list(self.kinds)}

    @classmethod
    def default(cls, today: date | None = None) -> "ReportFilter":
        """The last twelve months, from the first of the month eleven months ago to today."""
        today = today or timezone.localdate()
        year, month = today.year, today.month - 11
        if month <= 0:
            year, month = year - 1, month + 12
        return cls(date_from=date(year, month, 1), date_to=today)


def sees_restricted(viewer: User) -> bool:
    """Whether the viewer's figures may include My Number cases (they hold the restricted queue)."""
    return bool(queue_ids_for_user(viewer) & restricted_queue_ids_for(viewer))


def visible_kinds(viewer: User) -> list[str]:
    """The request kinds that can appear in the viewer's figures, in the enum's order."""
    queue_ids = queue_ids_for_user(viewer)
    restricted = restricted_queue_ids_for(viewer)
    general = bool(queue_ids - restricted)
    kinds = [k for k in RequestKind.values if k != RequestKind.MY_NUMBER_INQUIRY] if general else []
    if queue_ids & restricted:
        kinds.append(RequestKind.MY_NUMBER_INQUIRY)
    return kinds


def scoped_cases(viewer: User, kinds: Sequence[str] = ()) -> QuerySet[DataSubjectRequest]:
    """The viewer's visible cases, narrowed to `kinds` when given. Every figure starts here."""
    cases = dsr_visible_to_staff(viewer).order_by()
    return cases.filter(kind__in=list(kinds)) if kinds else cases


class DecidedAnnotations(TypedDict):
    """What `_decided_in` adds to each case."""

    decided_at: datetime
    decided_on: date
    received_on: date
    days: int


def _decided_in(
    cases: QuerySet[DataSubjectRequest], start: datetime, end: datetime
) -> "QuerySet[WithAnnotations[DataSubjectRequest, DecidedAnnotations]]":
    """Answered cases whose decision falls in [start, end), annotated with the day arithmetic."""
    return (
        # A decision in the period implies arrival before its end and no close before its start;
        # these two conditions can use the indexes, the decision date itself cannot.
        cases.filter(ANSWERED, Q(closed_at__isnull=True) | Q(closed_at__gte=start), received_at__lt=end)
        .annotate(decided_at=Coalesce("approved_at", "closed_at"))
        .filter(decided_at__gte=start, decided_at__lt=end)
        .annotate(
            decided_on=TruncDate("decided_at"),
            received_on=TruncDate("received_at"),
        )
        .annotate(days=DaysBetween(F("received_on"), F("decided_on")))
    )


def _timeliness_aggregates() -> dict[str, object]:
    art39 = Q(kind__in=sorted(ART39_KINDS))
    aggregates: dict[str, object] = {
        "decided": Count("id"),
        "on_time": Count("id", filter=Q(decided_on__lte=F("due_date"))),
        "art39_decided": Count("id", filter=art39),
        "art39_on_time": Count("id", filter=art39 & Q(days__lte=deadlines.ART39_DAYS)),
        "avg_days": Avg("days"),
        "extended": Count("id", filter=Q(extended_due_date__isnull=False)),
        "paused": Count("id", filter=Q(paused_days_total__gt=0)),
        "paused_days": Sum("paused_days_total"),
    }
    if _uses_percentile_cont():
        aggregates["median_days"] = PercentileCont("days", 0.5)
        aggregates["p90_days"] = PercentileCont("days", 0.9)
    return aggregates


# ---------------------------------------------------------------------------------------------
# Tables: the unit both the page and the CSV exports are made of
# ---------------------------------------------------------------------------------------------
@dataclass
class Table:
    """A table of figures. The first cell of each row is the row's heading."""

    slug: str
    title: str
    columns: list[str]
    rows: list[list[object]]
    totals: list[object] | None = None
    note: str = ""

    def csv_rows(self) -> Iterable[list[object]]:
        yield from self.rows
        if self.totals is not None:
            yield self.totals


@dataclass
class Timeliness:
    decided: int = 0
    on_time: int = 0
    art39_decided: int = 0
    art39_on_time: int = 0
    avg_days: float | None = None
    median_days: float | None = None
    p90_days: float | None = None
    extended: int = 0
    paused: int = 0
    paused_days: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return _rate(self.on_time, self.decided)

    @property
    def art39_rate(self) -> float | None:
        return _rate(self.art39_on_time, self.art39_decided)


@dataclass
class Dashboard:
    report_filter: ReportFilter
    today: date
    kinds: list[str]
    includes_restricted: bool
    timeliness: Timeliness
    received_total: int
    tables: dict[str, Table] = field(default_factory=dict)

    def table(self, slug: str) -> Table:
        return self.tables[slug]


def _kind_label(kind: str) -> str:
    return str(RequestKind(kind).label) if kind in RequestKind.values else kind


def _month_label(year: int, month: int) -> str:
    return f"{year}-{month:02d}"


# ---------------------------------------------------------------------------------------------
# The dashboard
# ---------------------------------------------------------------------------------------------
def live_dashboard_report(
    *, viewer: User, report_filter: ReportFilter, today: date | None = None, only: Iterable[str] | None = None
) -> Dashboard:
    """Every figure of the supervisors' dashboard for `viewer`, computed from the cases alone.

    The reference for `dashboard_report`, which gives the same figures from the monthly summary;
    the tests compare the two. `only` names the tables wanted; the others are not computed.
    """
    today = today or timezone.localdate()
    wanted = set(only) if only is not None else set(DASHBOARD_TABLES)

    def need(*slugs: str) -> bool:
        return bool(wanted & set(slugs))

    allowed = visible_kinds(viewer)
    kinds = [k for k in (report_filter.kinds or allowed) if k in allowed]
    cases = scoped_cases(viewer, report_filter.kinds)
    start, end = report_filter.start, report_filter.end
    by_kind: dict[str, Timeliness] = {}
    timeliness, day_buckets = Timeliness(), [0] * len(DAYS_BUCKETS)
    if need("kinds", "timeliness", "days", "extensions"):
        timeliness, by_kind, day_buckets = _timeliness(cases, start, end)
    dashboard = Dashboard(
        report_filter=report_filter,
        today=today,
        kinds=kinds,
        includes_restricted=RequestKind.MY_NUMBER_INQUIRY in kinds,
        timeliness=timeliness,
        received_total=0,
    )
    if need("monthly", "monthly_kind"):
        monthly, by_month_and_kind, dashboard.received_total = _monthly_flow(cases, report_filter, kinds)
        dashboard.tables |= {"monthly": monthly, "monthly_kind": by_month_and_kind}
    builders = {
        "kinds": lambda: _kinds_table(cases, report_filter, kinds, by_kind),
        "timeliness": lambda: _timeliness_table(timeliness, by_kind, kinds),
        "days": lambda: _days_table(day_buckets),
        "open_stage": lambda: _open_by_stage(cases, today),
        "overdue": lambda: _overdue_by_assignee(cases, today),
        "refusals": lambda: _refusals_by_ground(cases, start, end),
        "extensions": lambda: _extensions_and_pauses(cases, report_filter, timeliness),
    }
    for slug, build in builders.items():
        if need(slug):
            dashboard.tables[slug] = build()
    return dashboard


def _monthly_flow(
    cases: QuerySet[DataSubjectRequest], report_filter: ReportFilter, kinds: list[str]
) -> tuple[Table, Table, int]:
    """Received, closed and open-at-month-end per month (3 queries), and received per month and kind."""
    start, end, months = report_filter.start, report_filter.end, report_filter.months()
    received: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = (
        cases.filter(received_at__gte=start, received_at__lt=end)
        .annotate(month=TruncMonth("received_at"))
        .values("month", "kind")
        .annotate(n=Count("id"))
    )
    for row in rows:
        received[month_key(row["month"])][row["kind"]] += row["n"]
    closed: dict[tuple[int, int], int] = defaultdict(int)
    closed_rows = (
        cases.filter(closed_at__gte=start, closed_at__lt=end)
        .annotate(month=TruncMonth("closed_at"))
        .values("month")
        .annotate(n=Count("id"))
    )
    for closed_row in closed_rows:
        closed[month_key(closed_row["month"])] += closed_row["n"]
    # The stock at each month end (or now, for the current month): received before it and not
    # closed by then. One aggregate per month, all in one query.
    ends = _month_ends(report_filter, timezone.now())
    stock_aggregates = {
        f"m{i}": Count("id", filter=Q(received_at__lt=edge) & (Q(closed_at__isnull=True) | Q(closed_at__gte=edge)))
        for i, edge in enumerate(ends.values())
    }
    stock_values = {}
    if ends:
        still_open = Q(closed_at__isnull=True) | Q(closed_at__gte=min(ends.values()))
        stock_values = cases.filter(still_open, received_at__lt=max(ends.values())).aggregate(**stock_aggregates)
    stock = {key: stock_values.get(f"m{i}") or 0 for i, key in enumerate(ends)}
    flat_received = {key: dict(by_kind) for key, by_kind in received.items()}
    return _monthly_tables(months, flat_received, closed, stock, kinds)


def _month_ends(report_filter: ReportFilter, now: datetime) -> dict[tuple[int, int], datetime]:
    """The instant each month of the period is counted at for its stock: its end, the period's
    end, or now, whichever comes first."""
    ends = {}
    for year, month in report_filter.months():
        next_first = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        ends[(year, month)] = min(local_midnight(min(next_first, report_filter.date_to + timedelta(days=1))), now)
    return ends


def _monthly_tables(
    months: list[tuple[int, int]],
    received: Mapping[tuple[int, int], Mapping[str, int]],
    closed: Mapping[tuple[int, int], int],
    stock: Mapping[tuple[int, int], int],
    kinds: list[str],
) -> tuple[Table, Table, int]:
    def received_in(key: tuple[int, int]) -> Mapping[str, int]:
        return received.get(key, {})

    flow_rows = [
        [_month_label(*key), sum(received_in(key).values()), closed.get(key, 0), stock.get(key, 0)] for key in months
    ]
    received_total = _column_total(flow_rows, 1)
    flow = Table(
        slug="monthly",
        title=str(_("月別の受付・完了・月末の未完了件数")),
        columns=[str(_("月")), str(_("受付")), str(_("完了")), str(_("月末の未完了"))],
        rows=flow_rows,
        totals=[str(_("期間計")), received_total, _column_total(flow_rows, 2), None],
        note=str(_("月末の未完了には期間より前に受け付けた事案も含みます。当月は現時点の件数です。")),
    )
    kind_rows = [[_month_label(*key), *(received_in(key).get(kind, 0) for kind in kinds)] for key in months]
    by_kind = Table(
        slug="monthly_kind",
        title=str(_("月別・種類別の受付件数")),
        columns=[str(_("月")), *(_kind_label(k) for k in kinds)],
        rows=kind_rows,
        totals=[str(_("期間計")), *(_column_total(kind_rows, i + 1) for i in range(len(kinds)))],
    )
    return flow, by_kind, received_total


def _bucket_condition(low: int, high: int | None) -> Q:
    return Q(days__gte=low) if high is None else Q(days__gte=low, days__lte=high)


def _timeliness(
    cases: QuerySet[DataSubjectRequest], start: datetime, end: datetime
) -> tuple[Timeliness, dict[str, Timeliness], list[int]]:
    """On-time rates and days to decision, overall and per kind, and the days histogram
    (3 queries on either database)."""
    decided = _decided_in(cases, start, end)
    aggregates = _timeliness_aggregates()
    per_kind = {
        kind: Timeliness(**_clean(row))
        for kind, row in _rows_by(decided.values("kind").annotate(**aggregates), "kind").items()
    }
    if _uses_percentile_cont():
        buckets = {
            f"b{i}": Count("id", filter=_bucket_condition(low, high)) for i, (_l, low, high) in enumerate(DAYS_BUCKETS)
        }
        values = decided.aggregate(**aggregates, **buckets)
        counts = [values.pop(f"b{i}") for i in range(len(DAYS_BUCKETS))]
        return Timeliness(**_clean(values)), per_kind, counts
    # Without percentile_cont: one histogram of day counts per kind gives the median, the
    # 90th percentile and the chart's buckets.
    overall = Timeliness(**_clean(decided.aggregate(**aggregates)))
    histogram: dict[str, dict[int, int]] = defaultdict(dict)
    for row in decided.values("kind", "days").annotate(n=Count("id")):
        histogram[row["kind"]][int(row["days"])] = row["n"]
    merged: dict[int, int] = defaultdict(int)
    for kind, by_days in histogram.items():
        for days, n in by_days.items():
            merged[days] += n
        if kind in per_kind:
            per_kind[kind].median_days = _round(percentile_from_histogram(by_days, 0.5))
            per_kind[kind].p90_days = _round(percentile_from_histogram(by_days, 0.9))
    overall.median_days = _round(percentile_from_histogram(merged, 0.5))
    overall.p90_days = _round(percentile_from_histogram(merged, 0.9))
    counts = [
        sum(n for days, n in merged.items() if days >= low and (high is None or days <= high))
        for _label, low, high in DAYS_BUCKETS
    ]
    return overall, per_kind, counts


def _column_total(rows: Sequence[Sequence[object]], index: int) -> int:
    """The sum of one column of counts (the first cell of each row is its heading)."""
    return sum(cell for row in rows if isinstance(cell := row[index], int))


def _rows_by(rows: Iterable[Mapping[str, Any]], key: str) -> dict[Any, dict[str, Any]]:
    """`values()` rows keyed by the column `key`, each the rest of its row. The other columns are
    aggregates named at run time, which the type stubs cannot follow: hence plain dicts."""
    keyed = {}
    for row in rows:
        values = dict(row)
        keyed[values.pop(key)] = values
    return keyed


def _plain(row: Mapping[str, Any]) -> dict[str, Any]:
    return dict(row)


def _clean(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: (value or 0) if key not in ("avg_days", "median_days", "p90_days") else _round(value)
        for key, value in row.items()
    }


def _kinds_table(
    cases: QuerySet[DataSubjectRequest], report_filter: ReportFilter, kinds: list[str], timeliness: dict
) -> Table:
    """Per kind: received and closed in the period, and open now of those received (1 query)."""
    start, end = report_filter.start, report_filter.end
    in_period = Q(received_at__gte=start, received_at__lt=end)
    closed_in_period = Q(closed_at__gte=start, closed_at__lt=end)
    counts = _rows_by(
        cases.filter(in_period | closed_in_period)
        .values("kind")
        .annotate(
            received=Count("id", filter=in_period),
            closed=Count("id", filter=closed_in_period),
            open_now=Count("id", filter=in_period & Q(status__in=sorted(UNANSWERED_STATUSES))),
        ),
        "kind",
    )
    return _kinds_table_from(kinds, counts, timeliness)


def _kinds_table_from(kinds: list[str], counts: Mapping[str, Mapping[str, int]], timeliness: dict) -> Table:
    rows: list[list[Any]] = []
    for kind in kinds:
        row = counts.get(kind, {})
        rows.append(
            [
                _kind_label(kind),
                row.get("received", 0),
                timeliness[kind].decided if kind in timeliness else 0,
                row.get("closed", 0),
                row.get("open_now", 0),
            ]
        )
    return Table(
        slug="kinds",
        title=str(_("種類別の件数")),
        columns=[str(_("種類")), str(_("受付")), str(_("決定")), str(_("完了")), str(_("うち未回答（現在）"))],
        rows=rows,
        totals=[str(_("計")), *(sum(row[i] for row in rows) for i in range(1, 5))],
        note=str(_("「うち未回答」は期間内に受け付けた事案のうち、現在まだ回答していないものです。")),
    )


def _timeliness_table(overall: Timeliness, per_kind: dict[str, Timeliness], kinds: list[str]) -> Table:
    def row(label: str, t: Timeliness, art39: bool) -> list[object]:
        return [
            label,
            t.decided,
            t.on_time,
            t.on_time_rate,
            t.art39_decided if art39 else None,
            t.art39_on_time if art39 else None,
            t.art39_rate if art39 else None,
            t.avg_days,
            t.median_days,
            t.p90_days,
        ]

    rows = [row(_kind_label(k), per_kind.get(k, Timeliness()), k in ART39_KINDS) for k in kinds]
    return Table(
        slug="timeliness",
        title=str(_("期限内の回答率と決定までの日数")),
        columns=[
            str(_("種類")),
            str(_("決定件数")),
            str(_("目標日までに決定")),
            str(_("目標日までの率（%）")),
            str(_("第39条の対象")),
            str(_("到達から2週間以内に決定")),
            str(_("2週間以内の率（%）")),
            str(_("平均日数")),
            str(_("中央値（日）")),
            str(_("90パーセンタイル（日）")),
        ],
        rows=rows,
        totals=row(str(_("計")), overall, True),
        note=str(
            _(
                "目標日は補正による停止と延長を反映した回答期限です。第39条の2週間は到達日の翌日から数えます"
                "（開示・第三者提供記録の開示・訂正等・利用停止等のみ）。"
            )
        ),
    )


def _days_table(buckets: list[int]) -> Table:
    rows = [[str(label), n] for (label, _low, _high), n in zip(DAYS_BUCKETS, buckets, strict=True)]
    return Table(
        slug="days",
        title=str(_("到達から決定までの日数の分布")),
        columns=[str(_("日数")), str(_("決定件数"))],
        rows=rows,
        totals=[str(_("計")), _column_total(rows, 1)],
    )


def _age_aggregates(today: date) -> dict[str, Count]:
    aggregates = {}
    for index, (_label, low, high) in enumerate(AGE_BUCKETS):
        condition = Q(received_at__lt=local_midnight(today - timedelta(days=low - 1)))
        if high is not None:
            condition &= Q(received_at__gte=local_midnight(today - timedelta(days=high)))
        aggregates[f"a{index}"] = Count("id", filter=condition)
    return aggregates


def _open_by_stage(cases: QuerySet[DataSubjectRequest], today: date) -> Table:
    """Unanswered cases now, by stage and by age since arrival (1 query)."""
    counts = _rows_by(cases.filter(status__in=STAGES).values("status").annotate(**_age_aggregates(today)), "status")
    return _open_stage_table(counts)


def _open_stage_table(counts: Mapping[str, Mapping[str, int]]) -> Table:
    rows = []
    for stage in STAGES:
        values = [counts.get(stage, {}).get(f"a{i}", 0) for i in range(len(AGE_BUCKETS))]
        rows.append([str(Status(stage).label), *values, sum(values)])
    return Table(
        slug="open_stage",
        title=str(_("未回答の事案（現在）：段階別・経過日数別")),
        columns=[str(_("段階")), *(str(label) for label, _low, _high in AGE_BUCKETS), str(_("計"))],
        rows=rows,
        totals=[str(_("計")), *(_column_total(rows, i) for i in range(1, len(AGE_BUCKETS) + 2))],
        note=str(
            _("現在の状況です（期間の指定に関係なく、種類の指定のみ反映します）。経過日数は到達日からの暦日数です。")
        ),
    )


def _overdue_by_assignee(cases: QuerySet[DataSubjectRequest], today: date) -> Table:
    """Unanswered, not paused, past the target date: per assignee (1 query)."""
    overdue_statuses = sorted(s for s in UNANSWERED_STATUSES if s != Status.AWAITING_AMENDMENT)
    rows_in = (
        cases.filter(status__in=overdue_statuses, due_date__lt=today)
        .values("assignee_id", "assignee__display_name", "assignee__email")
        .annotate(n=Count("id"), oldest=Min("due_date"))
        .order_by("-n", "assignee__display_name", "assignee_id")
    )
    rows = []
    for row in rows_in:
        name = row["assignee__display_name"] or row["assignee__email"] or str(_("（未割当て）"))
        rows.append([name, row["n"], row["oldest"].isoformat(), (today - row["oldest"]).days])
    return Table(
        slug="overdue",
        title=str(_("期限を過ぎた未回答の事案（現在）：担当者別")),
        columns=[str(_("担当者")), str(_("件数")), str(_("最も古い期限")), str(_("最大超過日数"))],
        rows=rows,
        totals=[str(_("計")), sum(row[1] for row in rows), None, None],
        note=str(_("補正待ちで期限が止まっている事案は含みません。")),
    )


def _refusals_by_ground(cases: QuerySet[DataSubjectRequest], start: datetime, end: datetime) -> Table:
    """Answers that did not grant the request in full, by statutory ground (1 query)."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows_in = (
        _decided_in(cases, start, end)
        .annotate(different_measure=_different_measure_flag())
        .filter(Q(decision__in=sorted(NOT_GRANTED_DECISIONS)) | DIFFERENT_MEASURE_TAKEN)
        .values("decision_ground", "decision", "different_measure")
        .annotate(n=Count("id"))
    )
    for row in rows_in:
        if not _is_refusal(row["decision"], row["different_measure"]):
            continue
        ground = row["decision_ground"] or _IMPLIED_GROUND.get(row["decision"], "")
        counts[ground][decision_outcome(row["decision"], different_measure=row["different_measure"])] += row["n"]
    return _refusals_table(counts)


def _refusals_table(counts: Mapping[str, Mapping[str, int]]) -> Table:
    order = [*StatutoryGround.values, ""]
    outcomes = (Outcome.PARTIAL, Outcome.REFUSED, Outcome.NOT_HELD, Outcome.PROCEDURAL)
    rows = []
    for ground in sorted(counts, key=order.index):
        label = str(StatutoryGround(ground).label) if ground else str(_("（根拠条項の記録なし）"))
        values = [counts[ground].get(o, 0) for o in outcomes]
        rows.append([label, *values, sum(values)])
    return Table(
        slug="refusals",
        title=str(_("全部認容以外の決定：根拠条項別")),
        columns=[str(_("根拠条項")), *(str(Outcome.LABELS[o]) for o in outcomes), str(_("計"))],
        rows=rows,
        totals=[str(_("計")), *(_column_total(rows, i) for i in range(1, len(outcomes) + 2))],
        note=str(_("期間内に決定した事案です。本人確認・代理権が確認できなかった事案は第37条に含めます。")),
    )


def _extensions_and_pauses(
    cases: QuerySet[DataSubjectRequest], report_filter: ReportFilter, timeliness: Timeliness
) -> Table:
    """Extensions and 補正 requests made per month (1 query on the timeline)."""
    # Only cases open at some point of the period can have events in it; narrowing the subquery
    # this way lets the (dsr, at) index do the work.
    active = cases.filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=report_filter.start), received_at__lt=report_filter.end
    )
    rows_in = (
        RequestEvent.objects.filter(dsr__in=active.values("pk"))
        .filter(DEADLINE_EVENTS)
        .filter(at__gte=report_filter.start, at__lt=report_filter.end)
        .annotate(month=TruncMonth("at"))
        .values("month")
        .annotate(
            extensions=Count("id", filter=IS_EXTENSION),
            pauses=Count("id", filter=IS_PAUSE),
        )
        .order_by()
    )
    per_month: dict[tuple[int, int], tuple[int, int]] = {}
    for row in rows_in:
        key = month_key(row["month"])
        previous = per_month.get(key, (0, 0))
        per_month[key] = (previous[0] + row["extensions"], previous[1] + row["pauses"])
    return _extensions_table(report_filter.months(), per_month, timeliness)


def _extensions_table(
    months: list[tuple[int, int]], per_month: Mapping[tuple[int, int], tuple[int, int]], timeliness: Timeliness
) -> Table:
    rows = [[_month_label(*key), *per_month.get(key, (0, 0))] for key in months]
    note = _(
        "期間内に決定した %(decided)s 件のうち、延長したもの %(extended)s 件、補正で期限が止まったもの "
        "%(paused)s 件（停止日数の合計 %(days)s 日）。"
    ) % {
        "decided": timeliness.decided,
        "extended": timeliness.extended,
        "paused": timeliness.paused,
        "days": timeliness.paused_days,
    }
    return Table(
        slug="extensions",
        title=str(_("期限の延長と補正依頼（期限の停止）：月別")),
        columns=[str(_("月")), str(_("延長")), str(_("補正依頼"))],
        rows=rows,
        totals=[str(_("期間計")), _column_total(rows, 1), _column_total(rows, 2)],
        note=str(note),
    )


# ---------------------------------------------------------------------------------------------
# The dashboard from the monthly summary (models/dashboard.py)
# ---------------------------------------------------------------------------------------------
MonthKey = tuple[int, int]
# (month, queue id, kind): the grain of DashboardMonthlySummary.
FigureKey = tuple[MonthKey, int, str]

MONTH_COUNTS = (
    "received",
    "closed",
    "open_at_end",
    "decided",
    "on_time",
    "art39_decided",
    "art39_on_time",
    "extended",
    "paused",
    "paused_days",
    "extensions",
    "pauses",
)


@dataclass
class MonthFigures:
    """The figures of one month that add up: for one queue and kind, or summed over several.

    Every dashboard figure for a period is made from these (the percentiles from the merged
    histogram of days to decision), so a stored month and a month computed from the cases combine.
    """

    received: int = 0
    closed: int = 0
    open_at_end: int = 0
    decided: int = 0
    on_time: int = 0
    art39_decided: int = 0
    art39_on_time: int = 0
    extended: int = 0
    paused: int = 0
    paused_days: int = 0
    extensions: int = 0
    pauses: int = 0
    days_histogram: dict[int, int] = field(default_factory=dict)
    refusals: dict[tuple[str, str], int] = field(default_factory=dict)  # (ground, decision) → cases

    def add(self, other: "MonthFigures") -> None:
        for name in MONTH_COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for days, n in other.days_histogram.items():
            self.days_histogram[days] = self.days_histogram.get(days, 0) + n
        for reason, n in other.refusals.items():
            self.refusals[reason] = self.refusals.get(reason, 0) + n

    @classmethod
    def from_summary(cls, row: DashboardMonthlySummary) -> "MonthFigures":
        figures = cls(**{name: getattr(row, name) for name in MONTH_COUNTS})
        figures.days_histogram = {int(days): n for days, n in row.days_histogram.items()}
        for reason, n in row.refusals.items():
            ground, decision = reason.split("|", 1)
            figures.refusals[(ground, decision)] = n
        return figures


def month_figures_from_cases(
    cases: QuerySet[DataSubjectRequest],
    start: datetime,
    end: datetime,
    *,
    stock_at: Mapping[MonthKey, datetime],
    all_cases: bool = False,
) -> dict[FigureKey, MonthFigures]:
    """The figures of [start, end) per month, queue and kind, read from the cases (4 queries), and
    the stock (received, not yet closed) at each instant of `stock_at`, counted in its month.

    `all_cases` says that `cases` is the whole table (the sweep), so that the events need not be
    narrowed to it.
    """
    figures: dict[FigureKey, MonthFigures] = defaultdict(MonthFigures)

    def at(month: datetime, row: Mapping[str, Any], queue: str = "queue_id", kind: str = "kind") -> MonthFigures:
        return figures[(month_key(month), row[queue], row[kind])]

    # Received and closed per month: two groupings, one statement.
    received, closed = (
        cases.filter(**{f"{column}__gte": start, f"{column}__lt": end})
        .annotate(month=TruncMonth(column), closing=Value(column == "closed_at", output_field=BooleanField()))
        .values("month", "queue_id", "kind", "closing")
        .annotate(n=Count("id"))
        .order_by()
        for column in ("received_at", "closed_at")
    )
    for row in received.union(closed, all=True):
        if row["closing"]:
            at(row["month"], row).closed += row["n"]
        else:
            at(row["month"], row).received += row["n"]

    decided = _decided_in(cases, start, end).annotate(
        month=TruncMonth("decided_at"), different_measure=_different_measure_flag()
    )
    aggregates = _timeliness_aggregates()
    for name in ("avg_days", "median_days", "p90_days"):
        aggregates.pop(name, None)
    # One grouping gives the timeliness counts, the histogram of days and the refusals' reasons.
    grouping = ("month", "queue_id", "kind", "days", "decision", "decision_ground", "different_measure")
    for row in decided.values(*grouping).annotate(**aggregates):
        month = at(row["month"], row)
        month.decided += row["decided"]
        month.on_time += row["on_time"]
        month.art39_decided += row["art39_decided"]
        month.art39_on_time += row["art39_on_time"]
        month.extended += row["extended"]
        month.paused += row["paused"]
        month.paused_days += row["paused_days"] or 0
        days = int(row["days"])
        month.days_histogram[days] = month.days_histogram.get(days, 0) + row["decided"]
        if _is_refusal(row["decision"], row["different_measure"]):
            # Stored under DIFFERENT_MEASURE only where that, not the decision, makes it partial.
            partial_by_measure = not _is_refusal(row["decision"], False)
            reason = (row["decision_ground"] or "", DIFFERENT_MEASURE if partial_by_measure else row["decision"])
            month.refusals[reason] = month.refusals.get(reason, 0) + row["decided"]

    events = RequestEvent.objects.filter(DEADLINE_EVENTS, at__gte=start, at__lt=end)
    if not all_cases:
        # Only cases open at some point of the period can have events in it.
        active = cases.filter(Q(closed_at__isnull=True) | Q(closed_at__gte=start), received_at__lt=end)
        events = events.filter(dsr__in=active.values("pk"))
    for event_row in (
        events.annotate(month=TruncMonth("at"))
        .values("month", "dsr__queue_id", "dsr__kind")
        .annotate(extensions=Count("id", filter=IS_EXTENSION), pauses=Count("id", filter=IS_PAUSE))
        .order_by()
    ):
        month = at(event_row["month"], event_row, queue="dsr__queue_id", kind="dsr__kind")
        month.extensions += event_row["extensions"]
        month.pauses += event_row["pauses"]

    if stock_at:
        # Received before the instant and not closed by then: one aggregate per month, one query.
        instants = list(stock_at.items())
        counts = {
            f"m{i}": Count("id", filter=Q(received_at__lt=edge) & (Q(closed_at__isnull=True) | Q(closed_at__gte=edge)))
            for i, (_key, edge) in enumerate(instants)
        }
        edges = [edge for _key, edge in instants]
        still_open = Q(closed_at__isnull=True) | Q(closed_at__gte=min(edges))
        stock_rows = cases.filter(still_open, received_at__lt=max(edges)).values("queue_id", "kind").annotate(**counts)
        # The aggregates are named at run time, which the type stubs cannot follow: plain dicts.
        for stock in map(_plain, stock_rows):
            for i, (key, _edge) in enumerate(instants):
                if stock[f"m{i}"]:
                    figures[(key, stock["queue_id"], stock["kind"])].open_at_end += stock[f"m{i}"]
    return dict(figures)


def first_of_month(key: MonthKey) -> date:
    return date(*key, 1)


def next_month(key: MonthKey) -> MonthKey:
    year, month = key
    return (year + 1, 1) if month == 12 else (year, month + 1)


def _runs(months: Sequence[MonthKey]) -> list[list[MonthKey]]:
    """Consecutive months grouped into runs."""
    runs: list[list[MonthKey]] = []
    for key in months:
        if runs and next_month(runs[-1][-1]) == key:
            runs[-1].append(key)
        else:
            runs.append([key])
    return runs


def period_figures(viewer: User, report_filter: ReportFilter) -> dict[tuple[MonthKey, str], MonthFigures]:
    """The figures of the period per month and kind, as `viewer` may see them.

    Whole closed months come from the summary (2 queries); the others (the current month, a
    month the period covers only in part, a month the sweep has not stored yet) from the cases,
    4 queries per run of consecutive such months. Cases reached through an individual grant are
    outside the queues the summary is kept by and are added from the cases.
    """
    kinds = list(report_filter.kinds)
    months = report_filter.months()
    whole = [
        key
        for key in months
        if first_of_month(key) >= report_filter.date_from
        and first_of_month(next_month(key)) - timedelta(days=1) <= report_filter.date_to
    ]
    stored_months = set(
        DashboardSummarisedMonth.objects.filter(month__in=[first_of_month(key) for key in whole]).values_list(
            "month", flat=True
        )
    )
    stored = [key for key in whole if first_of_month(key) in stored_months]
    live = [key for key in months if key not in stored]
    ends = _month_ends(report_filter, timezone.now())

    totals: dict[tuple[MonthKey, str], MonthFigures] = defaultdict(MonthFigures)

    def add(figures: Mapping[FigureKey, MonthFigures], only: Sequence[MonthKey]) -> None:
        wanted = set(only)
        for (key, _queue, kind), values in figures.items():
            if key in wanted:
                totals[(key, kind)].add(values)

    if stored:
        rows = dashboard_summary_visible_to(viewer).filter(month__in=[first_of_month(key) for key in stored])
        if kinds:
            rows = rows.filter(kind__in=kinds)
        for row in rows:
            totals[(month_key(row.month), row.kind)].add(MonthFigures.from_summary(row))
        if (granted := dsr_visible_outside_queues(viewer)) is not None:
            granted = granted.order_by().filter(kind__in=kinds) if kinds else granted.order_by()
            for run in _runs(stored):
                figures = month_figures_from_cases(
                    granted,
                    local_midnight(first_of_month(run[0])),
                    local_midnight(first_of_month(next_month(run[-1]))),
                    stock_at={key: ends[key] for key in run},
                )
                add(figures, run)
    cases = scoped_cases(viewer, kinds)
    for run in _runs(live):
        run_start = max(report_filter.start, local_midnight(first_of_month(run[0])))
        run_end = min(report_filter.end, local_midnight(first_of_month(next_month(run[-1]))))
        figures = month_figures_from_cases(cases, run_start, run_end, stock_at={key: ends[key] for key in run})
        add(figures, run)
    return dict(totals)


def _timeliness_from(figures: Iterable[MonthFigures]) -> Timeliness:
    merged = MonthFigures()
    for values in figures:
        merged.add(values)
    days_total = sum(days * n for days, n in merged.days_histogram.items())
    return Timeliness(
        decided=merged.decided,
        on_time=merged.on_time,
        art39_decided=merged.art39_decided,
        art39_on_time=merged.art39_on_time,
        avg_days=_round(days_total / merged.decided) if merged.decided else None,
        median_days=_round(percentile_from_histogram(merged.days_histogram, 0.5)),
        p90_days=_round(percentile_from_histogram(merged.days_histogram, 0.9)),
        extended=merged.extended,
        paused=merged.paused,
        paused_days=merged.paused_days,
    )


def dashboard_report(
    *, viewer: User, report_filter: ReportFilter, today: date | None = None, only: Iterable[str] | None = None
) -> Dashboard:
    """Every figure of the supervisors' dashboard for `viewer`: the period's monthly figures from
    `period_figures` (the summary for closed months), the present state from the open cases.

    `only` names the tables wanted (e.g. one table for its CSV); the others are not computed.
    """
    today = today or timezone.localdate()
    wanted = set(only) if only is not None else set(DASHBOARD_TABLES)
    allowed = visible_kinds(viewer)
    kinds = [k for k in (report_filter.kinds or allowed) if k in allowed]
    cases = scoped_cases(viewer, report_filter.kinds)
    months = report_filter.months()
    figures: dict[tuple[MonthKey, str], MonthFigures] = {}
    if wanted - {"open_stage", "overdue"}:
        figures = period_figures(viewer, report_filter)
    by_kind_figures: dict[str, list[MonthFigures]] = defaultdict(list)
    by_month: dict[MonthKey, MonthFigures] = defaultdict(MonthFigures)
    for (key, kind), values in figures.items():
        by_kind_figures[kind].append(values)
        by_month[key].add(values)
    timeliness = _timeliness_from(figures.values())
    by_kind = {kind: _timeliness_from(values) for kind, values in by_kind_figures.items()}
    dashboard = Dashboard(
        report_filter=report_filter,
        today=today,
        kinds=kinds,
        includes_restricted=RequestKind.MY_NUMBER_INQUIRY in kinds,
        timeliness=timeliness,
        received_total=0,
    )
    if wanted & {"monthly", "monthly_kind"}:
        received: dict[MonthKey, dict[str, int]] = defaultdict(dict)
        for (key, kind), values in figures.items():
            received[key][kind] = received[key].get(kind, 0) + values.received
        monthly, by_month_and_kind, dashboard.received_total = _monthly_tables(
            months,
            received,
            {key: values.closed for key, values in by_month.items()},
            {key: values.open_at_end for key, values in by_month.items()},
            kinds,
        )
        dashboard.tables |= {"monthly": monthly, "monthly_kind": by_month_and_kind}

    # The unanswered cases now (a small share of all, read directly), by stage, kind and age, and
    # how many of them were received in the period: one query for two tables.
    by_stage: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    open_now: dict[str, int] = defaultdict(int)
    if wanted & {"kinds", "open_stage"}:
        in_period = Q(received_at__gte=report_filter.start, received_at__lt=report_filter.end)
        open_rows = (
            cases.filter(status__in=STAGES)
            .values("status", "kind")
            .annotate(**_age_aggregates(today), in_period=Count("id", filter=in_period))
        )
        # The age aggregates are named at run time, which the type stubs cannot follow: plain dicts.
        for row in map(_plain, open_rows):
            for index in range(len(AGE_BUCKETS)):
                by_stage[row["status"]][f"a{index}"] += row[f"a{index}"]
            open_now[row["kind"]] += row["in_period"]

    def kinds_table() -> Table:
        counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for kind, values_list in by_kind_figures.items():
            counts[kind]["received"] = sum(values.received for values in values_list)
            counts[kind]["closed"] = sum(values.closed for values in values_list)
        for kind, n in open_now.items():
            counts[kind]["open_now"] = n
        return _kinds_table_from(kinds, counts, by_kind)

    def days_table() -> Table:
        merged: dict[int, int] = defaultdict(int)
        for values in figures.values():
            for days, n in values.days_histogram.items():
                merged[days] += n
        return _days_table(
            [
                sum(n for days, n in merged.items() if days >= low and (high is None or days <= high))
                for _label, low, high in DAYS_BUCKETS
            ]
        )

    def refusals_table() -> Table:
        counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for values in figures.values():
            for (ground, decision), n in values.refusals.items():
                ground = ground or _IMPLIED_GROUND.get(decision, "")
                counts[ground][decision_outcome(decision)] += n
        return _refusals_table(counts)

    builders = {
        "kinds": kinds_table,
        "timeliness": lambda: _timeliness_table(timeliness, by_kind, kinds),
        "days": days_table,
        "open_stage": lambda: _open_stage_table(by_stage),
        "overdue": lambda: _overdue_by_assignee(cases, today),
        "refusals": refusals_table,
        "extensions": lambda: _extensions_table(
            months, {key: (values.extensions, values.pauses) for key, values in by_month.items()}, timeliness
        ),
    }
    for slug, build in builders.items():
        if slug in wanted:
            dashboard.tables[slug] = build()
    return dashboard


# ---------------------------------------------------------------------------------------------
# The annual statistics table (年度別統計)
# ---------------------------------------------------------------------------------------------
@dataclass
class AnnualStatistics:
    fiscal_year: int
    kinds: list[str]
    includes_restricted: bool
    table: Table


def fiscal_year_label(year: int) -> str:
    """'令和8年度（2026年度）': the era year of the fiscal year's first day, and the Western year."""
    from requests_portal.wareki import format_wareki

    era_year = format_wareki(date(year, 4, 1)).split("年", 1)[0]
    return str(_("%(era)s年度（%(year)s年度）") % {"era": era_year, "year": year})


def fiscal_year_bounds(year: int) -> tuple[date, date]:
    """The first and last day of fiscal year `year` (April to March)."""
    return date(year, 4, 1), date(year + 1, 3, 31)


def available_fiscal_years(viewer: User, today: date | None = None) -> list[int]:
    """Fiscal years from the viewer's earliest visible case to the current one, newest first."""
    current = fiscal_year(today or timezone.localdate())
    first = scoped_cases(viewer).aggregate(first=Min("received_at"))["first"]
    start = fiscal_year(timezone.localdate(first)) if first else current
    return list(range(current, min(start, current) - 1, -1))


def annual_statistics(*, viewer: User, year: int) -> AnnualStatistics:
    """Per kind for fiscal year `year`: received, decisions by outcome, withdrawals, days, on time (3 queries)."""
    first_day, last_day = fiscal_year_bounds(year)
    start, end = local_midnight(first_day), local_midnight(last_day + timedelta(days=1))
    kinds = visible_kinds(viewer)
    cases = scoped_cases(viewer)

    per_kind = _rows_by(
        cases.values("kind").annotate(
            received=Count("id", filter=Q(received_at__gte=start, received_at__lt=end)),
            withdrawn=Count("id", filter=Q(status=Status.WITHDRAWN, closed_at__gte=start, closed_at__lt=end)),
        ),
        "kind",
    )
    decided = _decided_in(cases, start, end)
    outcomes: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in (
        decided.annotate(different_measure=_different_measure_flag())
        .values("kind", "decision", "different_measure")
        .annotate(n=Count("id"))
    ):
        outcomes[row["kind"]][decision_outcome(row["decision"], different_measure=row["different_measure"])] += row["n"]
    timing = _rows_by(
        decided.values("kind").annotate(
            decided=Count("id"),
            avg_days=Avg("days"),
            on_time=Count("id", filter=Q(decided_on__lte=F("due_date"))),
        ),
        "kind",
    )

    rows = []
    for kind in kinds:
        t = timing.get(kind, {})
        decided_n = t.get("decided", 0)
        rows.append(
            [
                _kind_label(kind),
                per_kind.get(kind, {}).get("received", 0),
                decided_n,
                *(outcomes[kind].get(o, 0) for o in Outcome.ORDER),
                per_kind.get(kind, {}).get("withdrawn", 0),
                _round(t.get("avg_days")),
                t.get("on_time", 0),
                _rate(t.get("on_time", 0), decided_n),
            ]
        )
    total_decided = sum(row[2] for row in rows)
    total_on_time = sum(row[-2] for row in rows)
    weighted_days = sum((row[-3] or 0) * row[2] for row in rows)
    totals = [
        str(_("計")),
        *(sum(row[i] for row in rows) for i in range(1, 3 + len(Outcome.ORDER) + 1)),
        _round(weighted_days / total_decided) if total_decided else None,
        total_on_time,
        _rate(total_on_time, total_decided),
    ]
    table = Table(
        slug=f"annual-{year}",
        title=str(_("%(year)s 開示等の請求等の処理状況") % {"year": fiscal_year_label(year)}),
        columns=[
            str(_("種類")),
            str(_("受付件数")),
            str(_("決定件数")),
            *(str(Outcome.LABELS[o]) for o in Outcome.ORDER),
            str(_("取下げ")),
            str(_("平均処理日数")),
            str(_("期限内に決定")),
            str(_("期限内の率（%）")),
        ],
        rows=rows,
        totals=totals,
    )
    return AnnualStatistics(
        fiscal_year=year,
        kinds=kinds,
        includes_restricted=RequestKind.MY_NUMBER_INQUIRY in kinds,
        table=table,
    )
