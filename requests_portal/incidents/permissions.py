"""Who may do what with an incident: ONE rule, `incident_capabilities`, that every check,
list and count of the register goes through.

- the 情報セキュリティ管理者 (incident manager) files and runs general incidents;
- the personal-information manager (総務部 監督者) reads them and approves their reports;
- auditors read them;
- a My Number incident exists only for the My Number officers, who file, run and approve it
  (the drafter of a report still cannot approve it); for everyone else it answers 404
  exactly like a missing one and is absent from every list and count.
"""

import enum
import uuid

from django.db.models import Q, QuerySet
from django.http import Http404

from requests_portal import audit
from requests_portal.models import Incident, User
from requests_portal.roles import Capability, has_capability, roles_with


class Can(enum.StrEnum):
    VIEW = "view"  # read the incident, its reports, notices and exports
    MANAGE = "manage"  # record facts, assess, link people, draft reports, notices, measures
    APPROVE = "approve"  # approve a report; close the incident


# What each incident capability needs in the permission table (roles.ROLE_CAPABILITIES). A My
# Number incident needs the officers' capability for everything.
_GENERAL_NEEDS = {
    Can.VIEW: Capability.READ_INCIDENTS,
    Can.MANAGE: Capability.RUN_INCIDENTS,
    Can.APPROVE: Capability.APPROVE_INCIDENT_REPORTS,
}


def _needs(capability: Can, *, is_my_number: bool) -> Capability:
    return Capability.RUN_MY_NUMBER_INCIDENTS if is_my_number else _GENERAL_NEEDS[capability]


def incident_capabilities(user: object, *, is_my_number: bool) -> frozenset[Can]:
    """What `user` may do with an incident of that kind (empty: it does not exist for them)."""
    return frozenset(can for can in Can if has_capability(user, _needs(can, is_my_number=is_my_number)))


def people_who_can(capability: Can, *, is_my_number: bool) -> QuerySet[User]:
    """The active staff who may `capability` an incident of that kind (approvers to mail, owners
    to offer)."""
    roles = roles_with(_needs(capability, is_my_number=is_my_number))
    return User.objects.filter(is_active=True, groups__name__in=roles).distinct()


def can_file_incident(user: object) -> bool:
    return any(Can.MANAGE in incident_capabilities(user, is_my_number=flag) for flag in (False, True))


def files_my_number_incidents(user: object) -> bool:
    """An officer's filings are My Number incidents; the incident manager's are general ones."""
    return Can.MANAGE in incident_capabilities(user, is_my_number=True)


def incident_can(user: object, incident: Incident, capability: Can) -> bool:
    return capability in incident_capabilities(user, is_my_number=incident.is_my_number)


def incidents_visible_to(user: object, capability: Can = Can.VIEW) -> QuerySet[Incident]:
    """Every incident list and count starts here."""
    kinds = [flag for flag in (False, True) if capability in incident_capabilities(user, is_my_number=flag)]
    if not kinds:
        return Incident.objects.none()
    return Incident.objects.filter(Q(is_my_number__in=kinds))


def _parse_uuid(value: object) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise Http404 from None


def access_incident(user: object, public_id: object, capability: Can = Can.VIEW) -> Incident:
    """The incident if `user` may `capability` it, else Http404 (the attempt is audited)."""
    incident_id = _parse_uuid(public_id)
    found = incidents_visible_to(user, capability).select_related("owner").filter(public_id=incident_id).first()
    if found is None:
        hidden = Incident.objects.filter(public_id=incident_id).first()
        if hidden is not None and getattr(user, "is_authenticated", False):
            audit.record(
                action="incident.access",
                actor=user,
                obj=hidden,
                outcome="denied",
                restricted=hidden.is_my_number,
                data={"capability": str(capability)},
            )
        raise Http404
    return found
