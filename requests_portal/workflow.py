"""The case state machine. `transition()` is the only code that writes `DataSubjectRequest.status`.

    submitted ─► verifying ─► in_review ─► awaiting_approval ─► decided ─► notified ─► closed
                   │   ▲         │  ▲              │
                   ▼   │         ▼  │              └─► in_review (returned for rework)
            awaiting_requester (補正待ち: the clock is paused)
    any open state ─► withdrawn          verifying ─► rejected (本人確認不能)
    any state before a decision ─► closed (only a case linked as another's duplicate)
    closed ─► in_review, rejected ─► verifying (reopened by a supervisor, with a reason)

The clock lives here too: entering 補正待ち pauses it, leaving adds the paused calendar days
to the target date, and entering a terminal state stamps `closed_at`.
"""

import enum
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from requests_portal import audit, deadlines
from requests_portal.decisions import needs_disclosure_package
from requests_portal.exceptions import TransitionNotAllowed
from requests_portal.models import (
    TERMINAL_STATUSES,
    CaseLink,
    CaseLinkType,
    DataSubjectRequest,
    Document,
    DocumentCategory,
    EventType,
    IdentityResult,
    RequestEvent,
    Status,
    User,
)
from requests_portal.mynumber import contains_my_number
from requests_portal.permissions import can_approve_dsr, can_handle_dsr, is_member_party


class Actor(enum.StrEnum):
    """Who, relative to a case, is making a move."""

    SYSTEM = "system"  # a Celery task or a management command
    MEMBER = "member"  # the data subject's login or the login that filed the case
    HANDLER = "handler"  # staff who may work the case
    APPROVER = "approver"  # a supervisor / the personal-information manager of its queue


@dataclass(frozen=True)
class Rule:
    source: Status
    target: Status
    allowed: frozenset[Actor]
    needs_note: bool = False


def _rule(source: Status, target: Status, *allowed: Actor, needs_note: bool = False) -> Rule:
    return Rule(source, target, frozenset(allowed), needs_note)


S, A = Status, Actor
# The open statuses a duplicate may be closed from (the same as 取下げ: before a decision).
DUPLICATE_CLOSABLE = (S.SUBMITTED, S.VERIFYING, S.AWAITING_AMENDMENT, S.IN_REVIEW, S.AWAITING_APPROVAL)
RULES: tuple[Rule, ...] = (
    _rule(S.SUBMITTED, S.VERIFYING, A.HANDLER),
    _rule(S.VERIFYING, S.IN_REVIEW, A.HANDLER),
    _rule(S.VERIFYING, S.AWAITING_AMENDMENT, A.HANDLER),
    _rule(S.VERIFYING, S.REJECTED, A.HANDLER, needs_note=True),
    _rule(S.IN_REVIEW, S.AWAITING_AMENDMENT, A.HANDLER),
    _rule(S.AWAITING_AMENDMENT, S.VERIFYING, A.MEMBER, A.HANDLER),
    _rule(S.AWAITING_AMENDMENT, S.IN_REVIEW, A.MEMBER, A.HANDLER),
    _rule(S.IN_REVIEW, S.AWAITING_APPROVAL, A.HANDLER),
    _rule(S.AWAITING_APPROVAL, S.DECIDED, A.APPROVER),
    _rule(S.AWAITING_APPROVAL, S.IN_REVIEW, A.APPROVER, needs_note=True),
    _rule(S.DECIDED, S.NOTIFIED, A.HANDLER, A.SYSTEM),
    _rule(S.NOTIFIED, S.CLOSED, A.HANDLER, A.SYSTEM),
    _rule(S.CLOSED, S.IN_REVIEW, A.APPROVER, needs_note=True),
    _rule(S.REJECTED, S.VERIFYING, A.APPROVER, needs_note=True),
    # Withdrawal (取下げ) from any open state; the system withdraws a 補正 wait that expired
    # when the co-op's policy says so.
    _rule(S.SUBMITTED, S.WITHDRAWN, A.MEMBER, A.HANDLER),
    _rule(S.VERIFYING, S.WITHDRAWN, A.MEMBER, A.HANDLER),
    _rule(S.AWAITING_AMENDMENT, S.WITHDRAWN, A.MEMBER, A.HANDLER, A.SYSTEM),
    _rule(S.IN_REVIEW, S.WITHDRAWN, A.MEMBER, A.HANDLER),
    _rule(S.AWAITING_APPROVAL, S.WITHDRAWN, A.MEMBER, A.HANDLER),
    # A case staff linked as the duplicate of another open case ends before any decision: the
    # primary answers the request (docs/architecture.md#duplicates; the guard asks for the link).
    *(_rule(source, S.CLOSED, A.HANDLER) for source in DUPLICATE_CLOSABLE),
)

_RULE_BY_PAIR: dict[tuple[Status, Status], Rule] = {(r.source, r.target): r for r in RULES}

# helpdesk's STATUS_CHOICES_FLOW shape: where each status may go.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    status: frozenset(r.target for r in RULES if r.source == status) for status in Status
}


def actors_for(actor: User | None, dsr: DataSubjectRequest) -> frozenset[Actor]:
    """The roles `actor` plays on `dsr` (empty: a stranger to the case)."""
    if actor is None:
        return frozenset({Actor.SYSTEM})
    roles = set()
    if is_member_party(actor, dsr):
        roles.add(Actor.MEMBER)
    if can_handle_dsr(actor, dsr):
        roles.add(Actor.HANDLER)
    if can_approve_dsr(actor, dsr):
        roles.add(Actor.APPROVER)
    return frozenset(roles)


def allowed_targets(dsr: DataSubjectRequest, actor: User | None) -> list[Status]:
    """The statuses `actor` could move `dsr` to now (ignoring guards); for showing buttons."""
    roles = actors_for(actor, dsr)
    return [r.target for r in RULES if r.source == dsr.status and r.allowed & roles]


def allowed_moves(
    dsr: DataSubjectRequest, actor: User | None, *, roles: frozenset[Actor] | None = None
) -> dict[Status, str | None]:
    """The moves the table lets `actor` make on `dsr` now, each with the reason its guard
    refuses it at present (None: `transition()` would accept it). For offering case actions and
    explaining why one is refused, from the same rules and guards `transition()` applies.
    `roles` may pass `actors_for(actor, dsr)` when the caller has it already."""
    roles = actors_for(actor, dsr) if roles is None else roles
    return {
        rule.target: _guard(dsr, rule, actor) for rule in RULES if rule.source == dsr.status and rule.allowed & roles
    }


def _guard(dsr: DataSubjectRequest, rule: Rule, actor: User | None) -> str | None:
    """Why the move is refused, or None. Runs on the locked row."""
    target = rule.target
    if target in (Status.IN_REVIEW, Status.AWAITING_APPROVAL) and rule.source != Status.CLOSED:
        if dsr.identity_result != IdentityResult.VERIFIED:
            return _("本人確認が完了していません。")
        if dsr.has_agent and dsr.authority_checked_at is None:
            return _("代理権を証する書類の確認が記録されていません。")
    if target == Status.AWAITING_APPROVAL and (not dsr.decision or dsr.drafted_by_id is None):
        return _("決定案が作成されていません。")
    if target == Status.DECIDED and actor is not None and actor.pk == dsr.drafted_by_id:
        return _("起案者は自分の決定案を決裁できません（職務の分離）。")
    if target == Status.CLOSED and rule.source != Status.NOTIFIED and not _is_linked_duplicate(dsr):
        return _("通知前の事案を完了にできるのは、他の事案の重複として関連付けた場合だけです。")
    if target == Status.DECIDED and needs_disclosure_package(dsr) and not _package_attached(dsr):
        return _(
            "電磁的記録による開示の決定です。決裁の前に開示データを添付してください"
            "（通知書とともに請求者に提供されます）。"
        )
    authority_missing = dsr.has_agent and dsr.authority_checked_at is None
    if target == Status.REJECTED and dsr.identity_result != IdentityResult.NOT_VERIFIED and not authority_missing:
        return _("本人確認または代理権の確認ができなかった旨が記録されていません。")
    return None


def _is_linked_duplicate(dsr: DataSubjectRequest) -> bool:
    return CaseLink.objects.filter(secondary=dsr, link_type=CaseLinkType.DUPLICATE, unlinked_at__isnull=True).exists()


def _package_attached(dsr: DataSubjectRequest) -> bool:
    return Document.objects.filter(
        dsr=dsr, category=DocumentCategory.DISCLOSURE_PACKAGE, purged_at__isnull=True
    ).exists()


def _apply_clock(dsr: DataSubjectRequest, source: Status, target: Status, actor: User | None) -> list[str]:
    """Pause, resume, close and reopen effects; returns the extra fields to save."""
    now = timezone.now()
    changed: list[str] = []
    if target == Status.AWAITING_AMENDMENT:
        dsr.paused_at = now
        changed.append("paused_at")
    if source == Status.AWAITING_AMENDMENT and dsr.paused_at is not None:
        days = deadlines.paused_days_between(timezone.localdate(dsr.paused_at), timezone.localdate(now))
        dsr.paused_days_total += days
        if dsr.extended_due_date is not None:
            calendar = deadlines.current_calendar()
            dsr.extended_due_date = calendar.on_or_before(dsr.extended_due_date + timedelta(days=days))
            changed.append("extended_due_date")
        dsr.paused_at = None
        dsr.due_date = current_due_date(dsr)
        changed += ["paused_at", "paused_days_total", "due_date"]
    if target in TERMINAL_STATUSES:
        dsr.closed_at = now
        changed.append("closed_at")
    elif source in TERMINAL_STATUSES:
        dsr.closed_at = None
        changed.append("closed_at")
    if target == Status.DECIDED:
        dsr.approved_by = actor
        dsr.approved_at = now
        changed += ["approved_by", "approved_at"]
    if source == Status.AWAITING_APPROVAL and target == Status.IN_REVIEW:
        dsr.approved_by = None
        dsr.approved_at = None
        changed += ["approved_by", "approved_at"]
    return changed


def current_due_date(dsr: DataSubjectRequest) -> date:
    """The target date from the complete date, the pauses so far, and any extension."""
    if dsr.extended_due_date is not None:
        return dsr.extended_due_date
    return deadlines.due_date_for(timezone.localdate(dsr.complete_at), paused_days=dsr.paused_days_total)


def transition(
    dsr: DataSubjectRequest,
    *,
    to: Status | str,
    actor: User | None,
    note: str = "",
    extra: dict | None = None,
    member_visible: bool = True,
) -> RequestEvent:
    """Move `dsr` to `to` as `actor`; writes one RequestEvent and one AuditEntry.

    Raises TransitionNotAllowed when the move is not in the table, the actor may not make
    it, or a guard refuses it; nothing is written then. `dsr` is refreshed in place.
    """
    if not isinstance(dsr, DataSubjectRequest) or dsr.pk is None:
        raise TypeError("transition() needs a saved DataSubjectRequest")
    if actor is not None and not isinstance(actor, User):
        raise TypeError("actor must be a User or None (the system)")
    if to not in Status.values:
        raise TransitionNotAllowed(_("未知の状態です: %(status)r") % {"status": to})
    if not isinstance(note, str):
        raise TypeError("note must be a string")
    target = Status(to)
    note = note.strip()
    if contains_my_number(note):
        raise TransitionNotAllowed(_("メモにマイナンバーと思われる番号が含まれています。"))

    with transaction.atomic():
        locked = DataSubjectRequest.objects.select_for_update().select_related("queue").get(pk=dsr.pk)
        source = Status(locked.status)
        rule = _RULE_BY_PAIR.get((source, target))
        if rule is None:
            raise TransitionNotAllowed(
                _("「%(source)s」から「%(target)s」へは移せません。") % {"source": source.label, "target": target.label}
            )
        if not rule.allowed & actors_for(actor, locked):
            raise TransitionNotAllowed(_("この操作を行う権限がありません。"))
        if rule.needs_note and not note:
            raise TransitionNotAllowed(_("理由を入力してください。"))
        if reason := _guard(locked, rule, actor):
            raise TransitionNotAllowed(reason)

        changed = _apply_clock(locked, source, target, actor)
        locked.status = target
        locked.save(update_fields=["status", "updated_at", *changed])
        event = RequestEvent.objects.create(
            dsr=locked,
            actor=actor,
            event_type=EventType.STATUS_CHANGED,
            from_status=source,
            to_status=target,
            note=note,
            member_visible=member_visible,
            extra=extra or {},
        )
        audit.record(
            action="dsr.transition",
            actor=actor,
            obj=locked,
            data={"from": str(source), "to": str(target)},
        )
    # Hand the caller the row as it now is.
    for field in locked._meta.concrete_fields:
        setattr(dsr, field.attname, getattr(locked, field.attname))
    return event
