"""Who may reach a queue or a case, read the other way round (selectors.queue_holders,
staff_holding, case_grant_holders): the same people `dsr_visible_to_staff` lets in, so
assignment choices and reminder recipients never include someone who could not open the case."""

import pytest
from guardian.shortcuts import assign_perm

from requests_portal import workspace
from requests_portal.models import Queue, RequestKind
from requests_portal.roles import CASE_GRANT_PERMISSION, QUEUE_PERMISSION, Access
from requests_portal.selectors import case_grant_holders, dsr_visible_to_staff, queue_holders, staff_holding
from tests.factories import member_user, submit

pytestmark = pytest.mark.django_db


def test_holders_are_the_people_the_visibility_rule_lets_in(ga_staff, supervisor, officer, auditor):
    ga, mn = Queue.objects.get(code=Queue.GA), Queue.objects.get(code=Queue.MY_NUMBER)
    handlers = queue_holders(Access.HANDLE)
    assert {ga_staff.pk, supervisor.pk} <= handlers[ga.pk]
    assert auditor.pk not in handlers[ga.pk]
    assert handlers[mn.pk] == {officer.pk}
    assert {person.pk for person in staff_holding(Access.HANDLE, [mn.pk])} == {officer.pk}


def test_a_queue_permission_without_a_staff_role_opens_nothing_and_is_listed_nowhere(ga_staff):
    ga = Queue.objects.get(code=Queue.GA)
    outsider = member_user()
    assign_perm(QUEUE_PERMISSION[Access.HANDLE], outsider, ga)
    assert not dsr_visible_to_staff(outsider).exists()
    assert outsider.pk not in queue_holders(Access.HANDLE)[ga.pk]
    assert outsider not in workspace.handlers_for_queues([ga.pk])


def test_deactivated_staff_are_not_holders(ga_staff):
    ga = Queue.objects.get(code=Queue.GA)
    ga_staff.is_active = False
    ga_staff.save(update_fields=["is_active"])
    assert ga_staff.pk not in queue_holders(Access.HANDLE).get(ga.pk, set())
    assert ga_staff not in workspace.handlers_for_queues([ga.pk])


def test_a_case_grant_never_opens_a_my_number_case(member, ga_staff, auditor):
    general = submit(member)
    my_number = submit(member, kind=RequestKind.MY_NUMBER_INQUIRY, summary="問い合わせ")
    # Written straight to guardian, as a tampered database might hold it (the service refuses it).
    for case in (general, my_number):
        assign_perm(CASE_GRANT_PERMISSION[Access.HANDLE], auditor, case)
    assert case_grant_holders([general.pk, my_number.pk], Access.HANDLE) == {(general.pk, auditor.pk)}
    assert auditor in workspace.handlers_for_case(general)
    assert auditor not in workspace.handlers_for_case(my_number)
