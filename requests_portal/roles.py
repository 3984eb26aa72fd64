"""Staff roles. Each role is a Django group; queue access is a guardian permission on the
`Queue`, granted to the group (migration 0002 sets this up; `grant_role` adds people).
"""

import enum

from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    GA_STAFF = "ga_staff", _("総務部 担当者")
    GA_SUPERVISOR = "ga_supervisor", _("総務部 監督者（個人情報管理責任者）")
    MY_NUMBER_OFFICER = "mynumber_officer", _("マイナンバー事務取扱担当者")
    AUDITOR = "auditor", _("監査担当者")
    ADMIN = "admin", _("システム管理者")
    INCIDENT_MANAGER = "incident_manager", _("情報セキュリティ管理者")  # the incident register


STAFF_ROLES = frozenset(Role.values)


class Access(enum.StrEnum):
    """How much a staff member may do with a case: read it, work it, or approve its decision."""

    VIEW = "view"
    HANDLE = "handle"
    APPROVE = "approve"


# Guardian codenames: queue-wide (granted to role groups) and per case (individual grants).
QUEUE_PERMISSION = {
    Access.VIEW: "view_queue_cases",
    Access.HANDLE: "handle_queue_cases",
    Access.APPROVE: "approve_queue_cases",
}
# A per-case grant to handle also lets the person read the case; approval is never granted per case.
CASE_PERMISSIONS = {
    Access.VIEW: ("view_case_grant", "handle_case_grant"),
    Access.HANDLE: ("handle_case_grant",),
    Access.APPROVE: (),
}

# Queue code -> permission codenames on that queue, per role. Auditors read the general
# queue; nobody but the officers holds anything on the My Number queue; the admin role
# configures the portal and holds no queue at all.
ROLE_QUEUE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    Role.GA_STAFF: {"ga": ("view_queue_cases", "handle_queue_cases")},
    Role.GA_SUPERVISOR: {"ga": ("view_queue_cases", "handle_queue_cases", "approve_queue_cases")},
    Role.MY_NUMBER_OFFICER: {"mynumber": ("view_queue_cases", "handle_queue_cases", "approve_queue_cases")},
    Role.AUDITOR: {"ga": ("view_queue_cases",)},
    Role.ADMIN: {},
}

# --- the incident register (requests_portal/incidents) -------------------------------------
# The 情報セキュリティ管理者 files and runs incidents and holds no queue. Who may do what with an
# incident is decided in one place, requests_portal.incidents.permissions.incident_capabilities.
ROLE_QUEUE_PERMISSIONS[Role.INCIDENT_MANAGER] = {}
# --- end of the incident register block ----------------------------------------------------

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
}


def role_display(value: str) -> str:
    """The readable names of an audit entry's `actor_role` (comma-separated role codes)."""
    labels = dict(Role.choices) | OTHER_ROLE_LABELS
    return "、".join(str(labels.get(code, code)) for code in value.split(",") if code)


def grant_role(user: object, role: str) -> None:
    """Add `user` to the group of `role`."""
    if role not in STAFF_ROLES:
        raise ValueError(f"unknown role {role!r}")
    user.groups.add(Group.objects.get(name=role))  # type: ignore[attr-defined]
    if hasattr(user, "_portal_roles"):
        del user._portal_roles  # type: ignore[attr-defined]
