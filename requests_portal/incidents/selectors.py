"""Every read of the incident register. Lists and counts start from
permissions.incidents_visible_to, so a My Number incident is absent for everyone but the officers."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from requests_portal.incidents.permissions import Can, incident_capabilities, incidents_visible_to
from requests_portal.models import Incident, IncidentMeasure, IncidentNotice, IncidentStatus, Member, ReportStage

# A deadline this close is shown as near (the queue's "残り" hint becomes a badge).
NEAR_DAYS = {ReportStage.PRELIMINARY: 1, ReportStage.FINAL: 7}


@dataclass(frozen=True)
class Clock:
    """The next report deadline of an incident, as the register shows it."""

    stage: str  # ReportStage value, or "" when no report is due
    due: date | None
    days_left: int | None
    is_overdue: bool
    is_near: bool

    @property
    def label(self) -> str:
        return str(ReportStage(self.stage).label) if self.stage else ""


NO_CLOCK = Clock("", None, None, False, False)


def next_clock(incident: Incident, today: date | None = None) -> Clock:
    """速報 until it is sent (overdue after the fifth day), then 確報 until it is sent."""
    today = today or timezone.localdate()
    if not incident.is_reportable or incident.final_due is None:
        return NO_CLOCK
    if incident.preliminary_sent_on is None:
        due, latest, stage = incident.preliminary_due, incident.preliminary_latest, ReportStage.PRELIMINARY
    elif incident.final_sent_on is None:
        due, latest, stage = incident.final_due, incident.final_due, ReportStage.FINAL
    else:
        return NO_CLOCK
    if due is None or latest is None:  # the clocks start together (services._start_clocks)
        return NO_CLOCK
    days_left = (due - today).days
    overdue = today > latest
    return Clock(stage, due, days_left, overdue, not overdue and days_left <= NEAR_DAYS[stage])


def register_for(user: object, *, status: str = "", open_only: bool = False, q: str = "") -> QuerySet[Incident]:
    incidents = incidents_visible_to(user).select_related("owner")
    if status:
        incidents = incidents.filter(status=status)
    if open_only:
        incidents = incidents.exclude(status=IncidentStatus.CLOSED)
    if q:
        incidents = incidents.filter(Q(reference__icontains=q) | Q(title__icontains=q))
    return incidents.order_by("-known_on", "-id")


def incidents_touching_member(user: object, member: Member) -> QuerySet[Incident]:
    """The incidents `user` may see that list `member` among the affected (for the staff case page)."""
    return incidents_visible_to(user).filter(affected__member=member).distinct().order_by("-known_on")


def notices_for_member_login(user: object) -> QuerySet[IncidentNotice]:
    """The incident notices addressed to the member the login belongs to (the member's portal page)."""
    member_id = getattr(user, "member_id", None)
    if not getattr(user, "is_authenticated", False) or member_id is None:
        return IncidentNotice.objects.none()
    return IncidentNotice.objects.filter(member_id=member_id).select_related("incident").order_by("-created_at")


@dataclass(frozen=True)
class DashboardNumbers:
    total: int
    open: int
    by_category: list[tuple[str, int]]
    reportable: int
    preliminary_on_time: int
    preliminary_late: int
    preliminary_overdue_now: int
    final_on_time: int
    final_late: int
    final_overdue_now: int
    average_days_to_preliminary: float | None
    average_days_to_final: float | None
    open_measures: int
    overdue_measures: int


def dashboard_numbers(user: object, today: date | None = None) -> DashboardNumbers | None:
    """The incidents panel of the dashboard: None for someone who sees no incident at all."""
    if not _sees_any(user):
        return None
    today = today or timezone.localdate()
    visible = incidents_visible_to(user)
    counts = visible.aggregate(
        total=Count("id"),
        open=Count("id", filter=~Q(status=IncidentStatus.CLOSED)),
        leak=Count("id", filter=Q(is_leak=True)),
        loss=Count("id", filter=Q(is_loss=True)),
        damage=Count("id", filter=Q(is_damage=True)),
        reportable=Count("id", filter=Q(is_reportable=True)),
    )
    reportable = list(
        visible.filter(is_reportable=True).values(
            "known_on", "preliminary_latest", "preliminary_sent_on", "final_due", "final_sent_on"
        )
    )
    # (sent on, last day) of each 速報 and 確報; a reportable incident has both clocks (services._start_clocks).
    preliminary = [(r["preliminary_sent_on"], r["preliminary_latest"]) for r in reportable if r["preliminary_latest"]]
    final = [(r["final_sent_on"], r["final_due"]) for r in reportable if r["final_due"]]
    pre_days = [(r["preliminary_sent_on"] - r["known_on"]).days for r in reportable if r["preliminary_sent_on"]]
    fin_days = [(r["final_sent_on"] - r["known_on"]).days + 1 for r in reportable if r["final_sent_on"]]
    measures = IncidentMeasure.objects.filter(incident__in=visible, done_on__isnull=True)
    from django.utils.translation import gettext as _

    return DashboardNumbers(
        total=counts["total"],
        open=counts["open"],
        by_category=[(_("漏えい"), counts["leak"]), (_("滅失"), counts["loss"]), (_("毀損"), counts["damage"])],
        reportable=counts["reportable"],
        preliminary_on_time=sum(1 for sent, latest in preliminary if sent and sent <= latest),
        preliminary_late=sum(1 for sent, latest in preliminary if sent and sent > latest),
        preliminary_overdue_now=sum(1 for sent, latest in preliminary if not sent and today > latest),
        final_on_time=sum(1 for sent, due in final if sent and sent <= due),
        final_late=sum(1 for sent, due in final if sent and sent > due),
        final_overdue_now=sum(1 for sent, due in final if not sent and today > due),
        average_days_to_preliminary=round(sum(pre_days) / len(pre_days), 1) if pre_days else None,
        average_days_to_final=round(sum(fin_days) / len(fin_days), 1) if fin_days else None,
        open_measures=measures.count(),
        overdue_measures=measures.filter(due_on__lt=today).count(),
    )


def _sees_any(user: object) -> bool:

    return any(Can.VIEW in incident_capabilities(user, is_my_number=flag) for flag in (False, True))


def measures_due_within(user: object, days: int, today: date | None = None) -> QuerySet[IncidentMeasure]:
    today = today or timezone.localdate()
    return IncidentMeasure.objects.filter(
        incident__in=incidents_visible_to(user), done_on__isnull=True, due_on__lte=today + timedelta(days=days)
    )
