"""The incident state machine. `transition()` is the only code that writes `Incident.status`.

    認知 ─► 初動対応 ─► 調査中 ─► 速報済 ─► 確報済 ─► 本人通知済 ─► 再発防止策完了 ─► 終結
                          │                                            ▲
                          └──────── (assessed as not reportable) ──────┘

速報済 and 確報済 are reached when the report is marked as sent (services); 本人通知済 needs
every affected member notified or an alternative recorded (個人情報保護法第26条第2項ただし書);
再発防止策完了 needs at least one measure, all done; 終結 needs both committees' reviews and is
the personal-information manager's decision (the My Number officers' for My Number incidents).
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from requests_portal import audit
from requests_portal.exceptions import TransitionNotAllowed
from requests_portal.incidents.permissions import Can, incident_can
from requests_portal.models import (
    Committee,
    Incident,
    IncidentEvent,
    IncidentStatus,
    ReportStage,
    ReportStatus,
    User,
)
from requests_portal.mynumber import contains_my_number


@dataclass(frozen=True)
class Rule:
    source: IncidentStatus
    target: IncidentStatus
    allowed: Can
    # Made by the service that records the underlying fact (a report sent), not by a button.
    automatic: bool = False


S = IncidentStatus
RULES: tuple[Rule, ...] = (
    Rule(S.RECOGNISED, S.CONTAINING, Can.MANAGE),
    Rule(S.CONTAINING, S.INVESTIGATING, Can.MANAGE),
    Rule(S.INVESTIGATING, S.PRELIMINARY_REPORTED, Can.MANAGE, automatic=True),
    Rule(S.PRELIMINARY_REPORTED, S.FINAL_REPORTED, Can.MANAGE, automatic=True),
    Rule(S.FINAL_REPORTED, S.NOTIFIED, Can.MANAGE),
    Rule(S.INVESTIGATING, S.MEASURES_DONE, Can.MANAGE),
    Rule(S.NOTIFIED, S.MEASURES_DONE, Can.MANAGE),
    Rule(S.MEASURES_DONE, S.CLOSED, Can.APPROVE),
)
_RULE_BY_PAIR = {(rule.source, rule.target): rule for rule in RULES}


def _guard(incident: Incident, target: IncidentStatus) -> str | None:
    """Why the move is refused, or None. Runs on the locked row."""
    if (
        target == S.PRELIMINARY_REPORTED
        and not incident.reports.filter(stage=ReportStage.PRELIMINARY, status=ReportStatus.SENT).exists()
    ):
        return _("速報の提出が記録されていません。")
    if (
        target == S.FINAL_REPORTED
        and not incident.reports.filter(stage=ReportStage.FINAL, status=ReportStatus.SENT).exists()
    ):
        return _("確報の提出が記録されていません。")
    if target == S.NOTIFIED:
        waiting = incident.affected.exclude(member__incident_notices__incident=incident).exists()
        if not incident.alternative_on and (waiting or not incident.affected.exists()):
            return _("通知していない本人がいます（本人への通知が困難な場合は代替措置を記録してください）。")
    if target == S.MEASURES_DONE:
        if incident.status == S.INVESTIGATING and incident.is_reportable is not False:
            return _("報告対象でないと判定された事案のみ、報告と通知を経ずに進められます。")
        if not incident.measures.exists():
            return _("再発防止策が登録されていません。")
        if incident.measures.filter(done_on__isnull=True).exists():
            return _("完了していない再発防止策があります。")
    if target == S.CLOSED:
        held = set(incident.reviews.values_list("committee", flat=True))
        if held != set(Committee.values):
            return _("コンプライアンス委員会とリスク管理委員会の両方の審議が記録されていません。")
    return None


def allowed_targets(incident: Incident, actor: User) -> list[IncidentStatus]:
    """The manual moves `actor` could make now (guards ignored), for showing buttons."""
    return [
        rule.target
        for rule in RULES
        if rule.source == incident.status and not rule.automatic and incident_can(actor, incident, rule.allowed)
    ]


def transition(incident: Incident, *, to: str, actor: User, note: str = "") -> IncidentEvent:
    """Move `incident` to `to` as `actor`; writes one IncidentEvent and one audit entry.

    Raises TransitionNotAllowed when the move is not in the table, the actor may not make it
    or a guard refuses it; nothing is written then. `incident` is refreshed in place.
    """
    if to not in IncidentStatus.values:
        raise TransitionNotAllowed(_("未知の状態です: %(status)r") % {"status": to})
    target = IncidentStatus(to)
    note = (note or "").strip()
    if contains_my_number(note):
        raise TransitionNotAllowed(_("メモにマイナンバーと思われる番号が含まれています。"))
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        source = IncidentStatus(locked.status)
        rule = _RULE_BY_PAIR.get((source, target))
        if rule is None:
            raise TransitionNotAllowed(
                _("「%(source)s」から「%(target)s」へは移せません。") % {"source": source.label, "target": target.label}
            )
        if not incident_can(actor, locked, rule.allowed):
            raise TransitionNotAllowed(_("この操作を行う権限がありません。"))
        if reason := _guard(locked, target):
            raise TransitionNotAllowed(reason)
        locked.status = target
        changed = ["status", "updated_at"]
        if target == S.CLOSED:
            locked.closed_at = timezone.now()
            changed.append("closed_at")
        locked.save(update_fields=changed)
        event = IncidentEvent.objects.create(
            incident=locked, actor=actor, action="transition", from_status=source, to_status=target, note=note
        )
        audit.record(
            action="incident.transition",
            actor=actor,
            obj=locked,
            restricted=locked.is_my_number,
            data={"from": str(source), "to": str(target)},
        )
    for field in locked._meta.concrete_fields:
        setattr(incident, field.attname, getattr(locked, field.attname))
    return event
