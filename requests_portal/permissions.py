"""Access checks: `access_*` return the object or raise Http404; `can_*` answer yes or no.

A hidden case answers exactly like a missing one. Denied attempts on an existing case are
written to the audit trail (restricted entries for My Number cases).
"""

import uuid
from typing import Any

from guardian.shortcuts import assign_perm, remove_perm

from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.utils.translation import gettext as _

from requests_portal import audit
from requests_portal.exceptions import DomainError
from requests_portal.models import Channel, DataSubjectRequest, EventType, RequestEvent, User
from requests_portal.roles import (
    CASE_GRANT_PERMISSION,
    CASE_PERMISSIONS,
    Access,
    Capability,
    has_capability,
    is_staff_user,
)
from requests_portal.selectors import dsr_list_for_member, dsr_visible_to_staff

__all__ = [
    "Access",
    "access_dsr_for_member",
    "access_dsr_for_staff",
    "can_approve_dsr",
    "can_handle_dsr",
    "can_take_over_dsr",
    "can_view_dsr",
    "deny_case_file",
    "grant_case_access",
    "is_member_party",
    "revoke_case_access",
]


def _parse_uuid(value: object) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise Http404 from None


def _record_denial(user: object, public_id: uuid.UUID) -> None:
    hidden = DataSubjectRequest.objects.filter(public_id=public_id).select_related("queue").first()
    if hidden is not None:
        audit.record(action="dsr.access", actor=user, obj=hidden, outcome="denied")


def deny_case_file(user: User | AnonymousUser, model: type[Any], public_id: object, action: str) -> Http404:
    """Http404 for a letter or document the user may not reach, auditing the attempt when the
    file exists. Returned (not raised) so the caller writes ``raise deny_case_file(...)``."""
    hidden = model.objects.filter(public_id=_parse_uuid(public_id)).select_related("dsr", "dsr__queue").first()
    if hidden is not None:
        audit.record(action=action, actor=user, obj=hidden, outcome="denied")
    return Http404()


def access_dsr_for_member(user: object, public_id: object) -> DataSubjectRequest:
    """The member's (or their agent's) case by public id, or Http404."""
    case_id = _parse_uuid(public_id)
    if not getattr(user, "is_authenticated", False):
        raise Http404
    try:
        return dsr_list_for_member(user).get(public_id=case_id)
    except DataSubjectRequest.DoesNotExist:
        _record_denial(user, case_id)
        raise Http404 from None


def access_dsr_for_staff(user: object, public_id: object, access: Access = Access.VIEW) -> DataSubjectRequest:
    """A case the staff member may reach with `access`, or Http404."""
    case_id = _parse_uuid(public_id)
    if not is_staff_user(user):
        raise Http404
    try:
        return dsr_visible_to_staff(user, access).select_related("queue", "member", "assignee").get(public_id=case_id)
    except DataSubjectRequest.DoesNotExist:
        _record_denial(user, case_id)
        raise Http404 from None


def is_member_party(user: User | AnonymousUser, dsr: DataSubjectRequest) -> bool:
    """True when `user` is the data subject's own login or the login that filed the case."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    if is_staff_user(user):
        return False
    member_id = getattr(user, "member_id", None)
    filed_it = dsr.channel == Channel.PORTAL and dsr.filed_by_id == user.pk  # as in dsr_list_for_member
    return filed_it or (member_id is not None and dsr.member_id == member_id)


def _staff_can(user: object, dsr: DataSubjectRequest, access: Access) -> bool:
    # Always the selector, so a predicate can never disagree with what the lists show.
    return is_staff_user(user) and dsr_visible_to_staff(user, access).filter(pk=dsr.pk).exists()


def can_view_dsr(user: object, dsr: DataSubjectRequest) -> bool:
    return _staff_can(user, dsr, Access.VIEW)


def can_handle_dsr(user: object, dsr: DataSubjectRequest) -> bool:
    return _staff_can(user, dsr, Access.HANDLE)


def can_approve_dsr(user: object, dsr: DataSubjectRequest) -> bool:
    return _staff_can(user, dsr, Access.APPROVE)


def grant_case_access(*, dsr: DataSubjectRequest, user: User, access: Access, actor: User) -> None:
    """Let one named staff member view or work a single case. Refused for My Number cases."""
    if access not in (Access.VIEW, Access.HANDLE):
        raise DomainError(_("個別に付与できるのは閲覧または処理の権限のみです。"))
    if not can_approve_dsr(actor, dsr):
        raise DomainError(_("個別の権限を付与できるのは決裁権限を持つ職員のみです。"))
    if dsr.is_restricted:
        raise DomainError(_("マイナンバーに関する事案の権限は個別に付与できません。"))
    if not is_staff_user(user) or not user.is_active:
        raise DomainError(_("権限を付与できるのは有効な職員アカウントのみです。"))
    assign_perm(CASE_GRANT_PERMISSION[access], user, dsr)
    RequestEvent.objects.create(
        dsr=dsr,
        actor=actor,
        event_type=EventType.ACCESS_GRANTED,
        extra={"user_id": user.pk, "access": str(access)},
    )
    audit.record(action="dsr.grant", actor=actor, obj=dsr, data={"user_id": user.pk, "access": str(access)})


def revoke_case_access(*, dsr: DataSubjectRequest, user: User, actor: User) -> None:
    """Remove every individual grant `user` holds on `dsr`."""
    if not can_approve_dsr(actor, dsr):
        raise DomainError(_("個別の権限を取り消せるのは決裁権限を持つ職員のみです。"))
    for codename in CASE_PERMISSIONS[Access.VIEW]:
        remove_perm(codename, user, dsr)
    audit.record(action="dsr.revoke", actor=actor, obj=dsr, data={"user_id": user.pk})


def can_take_over_dsr(user: object, dsr: DataSubjectRequest) -> bool:
    """Whether `user` may take a case away from the colleague holding it (docs/architecture.md#assignment):
    the reassigning capability, and the right to approve the case's decisions, so only the
    person answerable for the case's queue moves work between people."""
    return has_capability(user, Capability.REASSIGN) and _staff_can(user, dsr, Access.APPROVE)
