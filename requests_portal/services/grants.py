"""Two-person role grants: one person asks to grant or revoke a staff role, another decides.

A role that widens who reaches personal data is never given by the person who asks for it
(個人情報保護法第23条の安全管理措置, 組織的安全管理措置): the personal-information manager decides,
and for My Number roles the 個人番号事務取扱責任者 (番号法第12条). Nobody decides a request they
made or one about themselves. Every step is audited; My Number steps as restricted entries.
"""

import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from requests_portal import audit, outbox
from requests_portal.exceptions import DomainError
from requests_portal.models import RoleGrantRequest, User
from requests_portal.roles import (
    STAFF_ROLES,
    Capability,
    approving_capability,
    grant_role,
    has_capability,
    has_role,
    is_my_number_role,
    revoke_role,
    roles_with,
)

Kind = RoleGrantRequest.Kind
Outcome = RoleGrantRequest.Outcome

# Who may ask for a grant or a revocation: whoever configures accounts, or decides grants.
REQUESTING_CAPABILITIES = (
    Capability.ADMINISTER,
    Capability.APPROVE_ROLE_GRANTS,
    Capability.APPROVE_MY_NUMBER_ROLE_GRANTS,
)


def may_request_role_grants(user: object) -> bool:
    return any(has_capability(user, capability) for capability in REQUESTING_CAPABILITIES)


def may_decide_role_grants(user: object) -> bool:
    return has_capability(user, Capability.APPROVE_ROLE_GRANTS) or has_capability(
        user, Capability.APPROVE_MY_NUMBER_ROLE_GRANTS
    )


def may_decide(actor: object, grant_request: RoleGrantRequest) -> bool:
    """Whether `actor` may approve or refuse `grant_request` (never their own, never about themselves)."""
    actor_pk = getattr(actor, "pk", None)
    if actor_pk in (grant_request.requested_by_id, grant_request.user_id):
        return False
    return has_capability(actor, approving_capability(grant_request.role))


def pending_for(actor: User) -> QuerySet[RoleGrantRequest]:
    """The undecided requests `actor` may decide."""
    roles = [role for role in sorted(STAFF_ROLES) if has_capability(actor, approving_capability(role))]
    return (
        RoleGrantRequest.objects.filter(outcome=Outcome.PENDING, role__in=roles)
        .exclude(requested_by=actor)
        .exclude(user=actor)
        .select_related("user", "requested_by")
    )


def _audit_grant(action: str, *, actor: User | None, grant_request: RoleGrantRequest) -> None:
    audit.record(
        action=action,
        actor=actor,
        obj=grant_request,
        data={
            "user_id": grant_request.user_id,
            "role": grant_request.role,
            "kind": grant_request.kind,
            "valid_until": grant_request.valid_until.isoformat() if grant_request.valid_until else "",
            "requested_by": grant_request.requested_by_id,
            "decided_by": grant_request.decided_by_id,
        },
        restricted=is_my_number_role(grant_request.role),
    )


def _mail_approvers(grant_request: RoleGrantRequest) -> None:
    capability = approving_capability(grant_request.role)
    approvers = (
        User.objects.filter(is_active=True, groups__name__in=roles_with(capability))
        .exclude(pk__in=(grant_request.requested_by_id, grant_request.user_id))
        .distinct()
    )
    for approver in approvers:
        outbox.mail_enqueue(
            key=f"role-grant-{grant_request.pk}-approver-{approver.pk}",
            template="role_grant_requested",
            context={"grant_request": grant_request},
            to_user=approver,
        )


@transaction.atomic
def dsr_role_grant_request(
    *,
    actor: User,
    user: User,
    role: str,
    kind: str = Kind.GRANT,
    reason: str,
    valid_until: datetime.date | None = None,
) -> RoleGrantRequest:
    """Ask for `role` to be granted to (or revoked from) `user`; a second person decides."""
    if not may_request_role_grants(actor):
        raise DomainError(_("役割の付与を申請する権限がありません。"))
    if role not in STAFF_ROLES:
        raise DomainError(_("不明な役割です。"))
    if not reason.strip():
        raise DomainError(_("理由を入力してください。"))
    if kind == Kind.GRANT and valid_until is not None and valid_until < timezone.localdate():
        raise DomainError(_("終了日は今日以降の日付にしてください。"))
    if kind == Kind.GRANT and has_role(user, role):
        raise DomainError(_("この職員はすでにこの役割を持っています。"))
    if kind == Kind.REVOKE and not has_role(user, role):
        raise DomainError(_("この職員はこの役割を持っていません。"))
    if RoleGrantRequest.objects.filter(user=user, role=role, outcome=Outcome.PENDING).exists():
        raise DomainError(_("同じ職員・役割の申請がすでに承認待ちです。"))
    grant_request = RoleGrantRequest.objects.create(
        user=user,
        role=role,
        kind=kind,
        reason=reason.strip(),
        valid_until=valid_until if kind == Kind.GRANT else None,
        requested_by=actor,
    )
    _audit_grant("staff.role_grant_requested", actor=actor, grant_request=grant_request)
    _mail_approvers(grant_request)
    return grant_request


def _locked_pending(grant_request: RoleGrantRequest) -> RoleGrantRequest:
    locked = RoleGrantRequest.objects.select_for_update().get(pk=grant_request.pk)
    if locked.outcome != Outcome.PENDING:
        raise DomainError(_("この申請はすでに決定されています。"))
    return locked


def _end_current_grants(user: User, role: str, *, outcome: str) -> None:
    RoleGrantRequest.objects.filter(
        user=user, role=role, kind=Kind.GRANT, outcome=Outcome.APPROVED, ended_at__isnull=True
    ).update(outcome=outcome, ended_at=timezone.now())


@transaction.atomic
def dsr_role_grant_approve(*, actor: User, grant_request: RoleGrantRequest) -> RoleGrantRequest:
    """Approve a pending request: the role is granted (or revoked) now."""
    locked = _locked_pending(grant_request)
    if not may_decide(actor, locked):
        raise DomainError(_("この申請を承認できるのは、申請者・対象者以外の責任者です。"))
    locked.outcome = Outcome.APPROVED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.save(update_fields=["outcome", "decided_by", "decided_at"])
    if locked.kind == Kind.GRANT:
        grant_role(locked.user, locked.role)
        _audit_grant("staff.role_granted", actor=actor, grant_request=locked)
    else:
        revoke_role(locked.user, locked.role)
        _end_current_grants(locked.user, locked.role, outcome=Outcome.REVOKED)
        locked.ended_at = locked.decided_at
        locked.save(update_fields=["ended_at"])
        _audit_grant("staff.role_revoked", actor=actor, grant_request=locked)
    return locked


@transaction.atomic
def dsr_role_grant_refuse(*, actor: User, grant_request: RoleGrantRequest) -> RoleGrantRequest:
    """Refuse a pending request: nothing changes but the record."""
    locked = _locked_pending(grant_request)
    if not may_decide(actor, locked):
        raise DomainError(_("この申請を決定できるのは、申請者・対象者以外の責任者です。"))
    locked.outcome = Outcome.REFUSED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.save(update_fields=["outcome", "decided_by", "decided_at"])
    _audit_grant("staff.role_grant_refused", actor=actor, grant_request=locked)
    return locked


def role_grants_expire(*, today: datetime.date | None = None) -> int:
    """End every approved grant whose end date has passed (the hourly sweep); returns how many.

    Safe to run twice or in two workers at once: each grant is locked and re-read before it is
    ended, so a grant another run has already ended is skipped, never revoked or audited twice.
    """
    today = today or timezone.localdate()
    due = RoleGrantRequest.objects.filter(
        kind=Kind.GRANT, outcome=Outcome.APPROVED, ended_at__isnull=True, valid_until__lt=today
    )
    ended = 0
    for grant_request_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            grant_request = (
                due.select_for_update(of=("self",)).select_related("user").filter(pk=grant_request_id).first()
            )
            if grant_request is None:
                continue
            revoke_role(grant_request.user, grant_request.role)
            grant_request.outcome = Outcome.EXPIRED
            grant_request.ended_at = timezone.now()
            grant_request.save(update_fields=["outcome", "ended_at"])
            _audit_grant("staff.role_grant_expired", actor=None, grant_request=grant_request)
        ended += 1
    return ended
