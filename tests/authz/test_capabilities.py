"""The one permission table (roles.ROLE_CAPABILITIES): every role is in it, `has_capability`
reads it without a query once the roles are known, and the staff navigation follows it."""

import pytest

from django.urls import reverse

from requests_portal import roles
from requests_portal.roles import ROLE_CAPABILITIES, Capability, Role, has_capability, roles_with
from tests.factories import staff_user

pytestmark = pytest.mark.django_db


def test_every_role_has_a_row_in_the_table():
    assert set(ROLE_CAPABILITIES) == set(Role.values)
    assert set(roles.ROLE_QUEUE_PERMISSIONS) == set(Role.values)


@pytest.mark.parametrize(
    ("role", "capability", "expected"),
    [
        (Role.GA_STAFF, Capability.EXPORT, True),
        (Role.GA_STAFF, Capability.OVERSEE, False),
        (Role.AUDITOR, Capability.READ_AUDIT_TRAIL, True),
        (Role.AUDITOR, Capability.READ_RESTRICTED_AUDIT_TRAIL, False),
        (Role.MY_NUMBER_OFFICER, Capability.READ_RESTRICTED_AUDIT_TRAIL, True),
        (Role.MY_NUMBER_OFFICER, Capability.READ_AUDIT_TRAIL, False),
        (Role.MY_NUMBER_OFFICER, Capability.RECEIVE_CASE_GRANT, False),
        (Role.GA_SUPERVISOR, Capability.LEGAL_HOLD, True),
        (Role.ADMIN, Capability.ADMINISTER, True),
        (Role.ADMIN, Capability.WORK_QUEUES, False),
    ],
)
def test_has_capability_reads_the_table(role, capability, expected):
    assert has_capability(staff_user(role), capability) is expected


def test_members_and_anonymous_visitors_have_no_capability(member):
    from django.contrib.auth.models import AnonymousUser

    assert not any(has_capability(member, capability) for capability in Capability)
    assert not any(has_capability(AnonymousUser(), capability) for capability in Capability)
    assert not has_capability(None, Capability.OVERSEE)


def test_capabilities_are_read_once_per_user_object(django_assert_num_queries):
    user = staff_user(Role.GA_SUPERVISOR)
    user = type(user).objects.get(pk=user.pk)  # a fresh instance, as a request has
    with django_assert_num_queries(1):
        assert has_capability(user, Capability.OVERSEE)
        assert has_capability(user, Capability.REASSIGN)
        assert not has_capability(user, Capability.ADMINISTER)


def test_grant_role_forgets_the_memoised_capabilities(ga_staff):
    assert not has_capability(ga_staff, Capability.OVERSEE)
    roles.grant_role(ga_staff, Role.AUDITOR)
    assert has_capability(ga_staff, Capability.OVERSEE)


def test_roles_with_lists_the_roles_allowing_a_capability():
    assert roles_with(Capability.LEGAL_HOLD) == {Role.GA_SUPERVISOR, Role.MY_NUMBER_OFFICER}


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        (Role.GA_STAFF, ["staff_queue", "staff_intake", "staff_letter_list"], ["staff_audit_log", "staff_reassign"]),
        (Role.AUDITOR, ["staff_queue", "staff_audit_log", "oversight_dashboard"], ["staff_intake", "staff_reassign"]),
        (Role.MY_NUMBER_OFFICER, ["staff_audit_log", "staff_reassign", "oversight_dashboard"], ["staff_roster_import"]),
        (Role.ADMIN, ["staff_roster_import"], ["staff_queue", "oversight_dashboard", "staff_audit_log"]),
    ],
)
def test_staff_navigation_follows_the_table(client, role, shown, hidden):
    client.force_login(staff_user(role))
    page = client.get(reverse("requests_portal:staff_home")).content.decode()
    nav = page[page.index('<nav class="site-nav"') :]
    nav = nav[: nav.index("</nav>")]
    for name in shown:
        assert f'href="{reverse(f"requests_portal:{name}")}"' in nav, name
    for name in hidden:
        assert f'href="{reverse(f"requests_portal:{name}")}"' not in nav, name
