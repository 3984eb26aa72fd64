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
from requests_portal.models import Incident
from requests_portal.roles import Role, user_roles


class Can(enum.StrEnum):
    VIEW = "view"  # read the incident, its reports, notices and exports
    MANAGE = "manage"  # record facts, assess, link people, draft reports, notices, measures
    APPROVE = "approve"  # approve a report; close the incident


# (role, is_my_number) -> capabilities. Written out so that the lead can fold it into the
# roles → capabilities table of roles.py.
INCIDENT_CAPABILITIES: dict[tuple[str, bool], frozenset[Can]] = {
    (Role.INCIDENT_MANAGER, False): frozenset({Can.VIEW, Can.MANAGE}),
    (Role.GA_SUPERVISOR, False): frozenset({Can.VIEW, Can.APPROVE}),
    (Role.AUDITOR, False): frozenset({Can.VIEW}),
    (Role.MY_NUMBER_OFFICER, True): frozenset({Can.VIEW, Can.MANAGE, Can.APPROVE}),
}


def incident_capabilities(user: object, *, is_my_number: bool) -> frozenset[Can]:
    """What `user` may do with an incident of that kind (empty: it does not exist for them)."""
    found: set[Can] = set()
    for role in user_roles(user):
        found |= INCIDENT_CAPABILITIES.get((role, is_my_number), frozenset())
    return frozenset(found)


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
