"""The demo's incidents: several states, one My Number incident, one overdue 速報, one with
affected members notified; seeding twice adds nothing."""

from io import StringIO

import pytest

from requests_portal.incidents.selectors import next_clock
from requests_portal.management.commands.seed_demo import DEMO_DOMAIN, Command
from requests_portal.models import Incident, IncidentNotice, IncidentStatus
from requests_portal.roles import Role
from tests.factories import MemberFactory, staff_user

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_incidents_in_several_states():
    staff_user(Role.GA_SUPERVISOR, email=f"ga-supervisor@{DEMO_DOMAIN}")
    staff_user(Role.MY_NUMBER_OFFICER, email=f"mynumber-officer@{DEMO_DOMAIN}")
    staff_user(Role.MY_NUMBER_OFFICER, email=f"mynumber-officer2@{DEMO_DOMAIN}")
    MemberFactory.create_batch(3)
    command = Command(stdout=StringIO())
    command._seed_incidents()
    incidents = list(Incident.objects.all())
    assert len(incidents) == 4
    assert {incident.status for incident in incidents} >= {
        IncidentStatus.CONTAINING,
        IncidentStatus.PRELIMINARY_REPORTED,
        IncidentStatus.CLOSED,
    }
    assert sum(incident.is_my_number for incident in incidents) == 1
    assert any(next_clock(incident).is_overdue for incident in incidents)
    assert IncidentNotice.objects.count() == 3
    command._seed_incidents()
    assert Incident.objects.count() == 4
