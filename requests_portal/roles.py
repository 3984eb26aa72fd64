"""Staff roles and the one table of what each may do.

Each role is a Django group; queue access is a guardian permission on the `Queue`, granted to
the group (migration 0002 sets this up, bootstrap re-creates anything missing; `grant_role`
adds people). Everything a role may do besides working its queues is a `Capability` in
`ROLE_CAPABILITIES`; views, exports, selectors, the staff navigation, the roster import and the
admin site all ask `has_capability` instead of naming roles.

Adding a role: a `Role` member, its rows in `ROLE_QUEUE_PERMISSIONS` and `ROLE_CAPABILITIES`
here, a data migration creating its group, and the English label in locale/en.
"""

import enum

from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _

from requests_portal.stored_text import list_separator


class Role(models.TextChoices):
    GA_STAFF = "ga_staff", _("総務部 担当者")
    GA_SUPERVISOR = "ga_supervisor", _("総務部 監督者（個人情報管理責任者）")
    MY_NUMBER_OFFICER = "mynumber_officer", _("マイナンバー事務取扱担当者")
    AUDITOR = "auditor", _("監査担当者")
    ADMIN = "admin", _("システム管理者")
    INCIDENT_MANAGER = "incident_manager", _("情報セキュリティ管理者")  # the incident register
    MY_NUMBER_MANAGER = "mynumber_manager", _("個人番号事務取扱責任者")


STAFF_ROLES = frozenset(Role.values)


class Access(enum.StrEnum):
    """How much a staff member may do with a case: read it, work it, or approve its decision."""

    VIEW = "view"
    HANDLE = "handle"
    APPROVE = "approve"


class Capability(enum.StrEnum):
    """Something a staff member may do beyond reading and working the cases of their queues."""

    WORK_QUEUES = "work_queues"  # open the case queue (事案一覧)
    HANDLE_CASES = "handle_cases"  # register paper requests, check letters
    # Take over a case a colleague holds, or hand all of one person's open cases to another,
    # always with a reason; together with approving the case (docs/architecture.md#assignment).
    REASSIGN = "reassign"
    EXPORT = "export"  # download the queue as CSV
    OVERSEE = "oversee"  # the dashboard, statistics, retention and disposal records
    LEGAL_HOLD = "legal_hold"  # set or lift a legal hold (保存命令)
    READ_AUDIT_TRAIL = "read_audit_trail"  # the general audit trail
    READ_RESTRICTED_AUDIT_TRAIL = "read_restricted_audit_trail"  # the My Number audit trail
    RECEIVE_CASE_GRANT = "receive_case_grant"  # may be given an individual grant on one case
    IMPORT_ROSTER = "import_roster"  # upload the co-op's roster
    IMPORT_PROVISION_RECORDS = "import_provision_records"  # upload the core system's provision records
    ADMINISTER = "administer"  # the configuration admin site
    # The incident register (漏えい等事案, 個人情報保護法第26条): general incidents, and My Number
    # incidents (番号法第29条の4), which only the officers reach.
    READ_INCIDENTS = "read_incidents"  # read general incidents, their reports and notices
    RUN_INCIDENTS = "run_incidents"  # file and work general incidents, draft their reports
    APPROVE_INCIDENT_REPORTS = "approve_incident_reports"  # approve reports, close general incidents
    RUN_MY_NUMBER_INCIDENTS = "run_my_number_incidents"  # read, work and approve My Number incidents
    APPROVE_ROLE_GRANTS = "approve_role_grants"  # approve or refuse a request to grant or revoke a role
    APPROVE_MY_NUMBER_ROLE_GRANTS = "approve_my_number_role_grants"  # the same for My Number roles
    READ_HANDLER_REGISTER = "read_handler_register"  # the register of designated My Number handlers
    SEE_SYSTEM_HEALTH = "see_system_health"  # the banner when the worker or beat has gone silent


C = Capability
ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.GA_STAFF: frozenset({C.WORK_QUEUES, C.HANDLE_CASES, C.EXPORT, C.RECEIVE_CASE_GRANT}),
    Role.GA_SUPERVISOR: frozenset(
        {
            *(C.WORK_QUEUES, C.HANDLE_CASES, C.REASSIGN, C.EXPORT, C.OVERSEE, C.LEGAL_HOLD, C.RECEIVE_CASE_GRANT),
            *(C.READ_INCIDENTS, C.APPROVE_INCIDENT_REPORTS),
            C.APPROVE_ROLE_GRANTS,
            C.SEE_SYSTEM_HEALTH,
        }
    ),
    # My Number officers read only the My Number trail, and no individual grant reaches them: the
    # measures that keep My Numbers safe (番号法第12条) include naming who handles them.
    Role.MY_NUMBER_OFFICER: frozenset(
        {
            *(C.WORK_QUEUES, C.HANDLE_CASES, C.REASSIGN, C.EXPORT, C.OVERSEE, C.LEGAL_HOLD),
            *(C.READ_RESTRICTED_AUDIT_TRAIL, C.RUN_MY_NUMBER_INCIDENTS, C.READ_HANDLER_REGISTER),
        }
    ),
    Role.AUDITOR: frozenset(
        {C.WORK_QUEUES, C.EXPORT, C.OVERSEE, C.READ_AUDIT_TRAIL, C.RECEIVE_CASE_GRANT, C.READ_INCIDENTS}
    ),
    Role.ADMIN: frozenset({C.IMPORT_ROSTER, C.IMPORT_PROVISION_RECORDS, C.ADMINISTER, C.SEE_SYSTEM_HEALTH}),
    # The 情報セキュリティ管理者 files and runs the general incidents; holds no queue.
    Role.INCIDENT_MANAGER: frozenset({C.READ_INCIDENTS, C.RUN_INCIDENTS}),
    # 個人番号事務取扱責任者: decides who handles My Numbers (番号法第12条 and the guideline's
    # 組織的安全管理措置) and keeps the register of them; works no queue itself.
    Role.MY_NUMBER_MANAGER: frozenset(
        {C.APPROVE_MY_NUMBER_ROLE_GRANTS, C.READ_HANDLER_REGISTER, C.READ_RESTRICTED_AUDIT_TRAIL}
    ),
}
del C

# Capabilities that change nothing about who reaches personal data: every other capability
# widens it, so granting or revoking a role holding one needs a second person's approval.
NARROW_CAPABILITIES = frozenset(
    {Capability.IMPORT_ROSTER, Capability.IMPORT_PROVISION_RECORDS, Capability.SEE_SYSTEM_HEALTH}
)


def role_widens_access(role: str) -> bool:
    """Whether holding `role` lets someone reach personal data or change who can (two-person grant)."""
    return bool(ROLE_CAPABILITIES[role] - NARROW_CAPABILITIES) or bool(ROLE_QUEUE_PERMISSIONS[role])


def is_my_number_role(role: str) -> bool:
    """Roles touching My Numbers: their grants are approved by the 個人番号事務取扱責任者, audited as
    restricted, and entered in the register of designated handlers (番号法第12条)."""
    my_number_capabilities = {
        Capability.READ_RESTRICTED_AUDIT_TRAIL,
        Capability.APPROVE_MY_NUMBER_ROLE_GRANTS,
        Capability.READ_HANDLER_REGISTER,
    }
    return bool(ROLE_CAPABILITIES[role] & my_number_capabilities) or "mynumber" in ROLE_QUEUE_PERMISSIONS[role]


def approving_capability(role: str) -> "Capability":
    """Who decides a request about `role`."""
    if is_my_number_role(role):
        return Capability.APPROVE_MY_NUMBER_ROLE_GRANTS
    return Capability.APPROVE_ROLE_GRANTS


# Guardian codenames: queue-wide (granted to role groups) and per case (individual grants).
QUEUE_PERMISSION = {
    Access.VIEW: "view_queue_cases",
    Access.HANDLE: "handle_queue_cases",
    Access.APPROVE: "approve_queue_cases",
}
# A per-case grant to handle also lets the person read the case; approval is never granted per case.
CASE_GRANT_PERMISSION = {
    Access.VIEW: "view_case_grant",
    Access.HANDLE: "handle_case_grant",
}
CASE_PERMISSIONS = {
    Access.VIEW: (CASE_GRANT_PERMISSION[Access.VIEW], CASE_GRANT_PERMISSION[Access.HANDLE]),
    Access.HANDLE: (CASE_GRANT_PERMISSION[Access.HANDLE],),
    Access.APPROVE: (),
}

# Queue code -> permission codenames on that queue, per role. Auditors read the general
# queue; nobody but the officers holds anything on the My Number queue; the admin role
# configures the portal and holds no queue at all.
_VIEW, _HANDLE, _APPROVE = (QUEUE_PERMISSION[a] for a in (Access.VIEW, Access.HANDLE, Access.APPROVE))
ROLE_QUEUE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    Role.GA_STAFF: {"ga": (_VIEW, _HANDLE)},
    Role.GA_SUPERVISOR: {"ga": (_VIEW, _HANDLE, _APPROVE)},
    Role.MY_NUMBER_OFFICER: {"mynumber": (_VIEW, _HANDLE, _APPROVE)},
    Role.AUDITOR: {"ga": (_VIEW,)},
    Role.ADMIN: {},
    Role.INCIDENT_MANAGER: {},
    Role.MY_NUMBER_MANAGER: {},
}

# Model permissions the admin group gets, for configuration in the Django admin.
ADMIN_MODEL_PERMISSIONS = (
    "view_closedday",
    "add_closedday",
    "change_closedday",
    "delete_closedday",
    "view_queue",
    "change_queue",
    "view_organisationprofile",
    "change_organisationprofile",
    "view_feesetting",
    "add_feesetting",
    "change_feesetting",
    "delete_feesetting",
    "view_datacategory",
    "add_datacategory",
    "change_datacategory",
    "delete_datacategory",
    "view_retentionpolicy",
    "change_retentionpolicy",
    "view_user",
    "add_user",
    "change_user",
)


def user_roles(user: object) -> frozenset[str]:
    """The staff roles of `user` (cached on the instance for the request)."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return frozenset()
    cached = getattr(user, "_portal_roles", None)
    if cached is None:
        names = user.groups.values_list("name", flat=True)  # type: ignore[attr-defined]
        cached = frozenset(name for name in names if name in STAFF_ROLES)
        user._portal_roles = cached  # type: ignore[attr-defined]
    return cached


def is_staff_user(user: object) -> bool:
    return bool(user_roles(user))


def has_role(user: object, role: str) -> bool:
    return role in user_roles(user)


def user_capabilities(user: object) -> frozenset[Capability]:
    """Everything `user`'s roles allow (cached on the instance, like the roles)."""
    cached = getattr(user, "_portal_capabilities", None)
    if cached is None:
        cached = frozenset().union(*(ROLE_CAPABILITIES[role] for role in user_roles(user)))
        if user is not None:
            user._portal_capabilities = cached  # type: ignore[attr-defined]
    return cached


def has_capability(user: object, capability: Capability) -> bool:
    """Whether one of `user`'s roles allows `capability` (no query once the roles are read)."""
    return capability in user_capabilities(user)


def roles_with(capability: Capability) -> frozenset[str]:
    """The roles that allow `capability` (for queries over many people)."""
    return frozenset(role for role, allowed in ROLE_CAPABILITIES.items() if capability in allowed)


class CapabilityMap:
    """`user`'s capabilities for templates: ``{% if portal_can.oversee %}``."""

    def __init__(self, user: object) -> None:
        self._user = user

    def __getitem__(self, name: str) -> bool:
        try:
            return has_capability(self._user, Capability(name))
        except ValueError:
            raise KeyError(name) from None


def role_label(user: object) -> str:
    """A short role name for audit entries: the staff roles, 'member', or 'anonymous'."""
    roles = user_roles(user)
    if roles:
        return ",".join(sorted(roles))
    if getattr(user, "is_authenticated", False):
        return "member"
    return "anonymous"


# What `role_label` writes besides the staff roles.
OTHER_ROLE_LABELS = {
    "member": _("組合員"),
    "anonymous": _("未ログイン"),
    "system": _("システム"),
    "api_client": _("基幹システム（API）"),  # core-system API clients (requests_portal/api)
}


def role_display(value: str) -> str:
    """The readable names of an audit entry's `actor_role` (comma-separated role codes)."""
    labels = dict(Role.choices) | OTHER_ROLE_LABELS
    return list_separator().join(str(labels.get(code, code)) for code in value.split(",") if code)


def _forget_cached_roles(user: object) -> None:
    for cached in ("_portal_roles", "_portal_capabilities"):
        if hasattr(user, cached):
            delattr(user, cached)


def grant_role(user: object, role: str) -> None:
    """Add `user` to the group of `role` (setup and tests; people are granted roles through
    `grants.dsr_role_grant_approve`, which calls this after the second person's approval)."""
    if role not in STAFF_ROLES:
        raise ValueError(f"unknown role {role!r}")
    group, _created = Group.objects.get_or_create(name=role)
    user.groups.add(group)  # type: ignore[attr-defined]
    _forget_cached_roles(user)


def revoke_role(user: object, role: str) -> None:
    """Remove `user` from the group of `role`."""
    if role not in STAFF_ROLES:
        raise ValueError(f"unknown role {role!r}")
    user.groups.remove(*Group.objects.filter(name=role))  # type: ignore[attr-defined]
    _forget_cached_roles(user)
