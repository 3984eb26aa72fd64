"""One visibility selector: My Number cases exist only for the officers, in lists and counts."""

import pytest

from django.contrib.auth.models import Permission

from requests_portal.exceptions import DomainError
from requests_portal.models import DataSubjectRequest, RequestKind
from requests_portal.permissions import (
    Access,
    access_dsr_for_member,
    access_dsr_for_staff,
    can_handle_dsr,
    grant_case_access,
)
from requests_portal.selectors import dsr_list_for_member, dsr_status_counts, dsr_visible_to_staff
from tests.factories import submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(member, other_member):
    return {
        "a": submit(member),
        "b": submit(other_member, kind=RequestKind.CORRECTION),
        "mn": submit(member, kind=RequestKind.MY_NUMBER_INQUIRY, summary="問い合わせ"),
    }


def ids(queryset):
    return set(queryset.values_list("id", flat=True))


def test_ga_staff_sees_general_cases_only(cases, ga_staff):
    visible = dsr_visible_to_staff(ga_staff)
    assert ids(visible) == {cases["a"].pk, cases["b"].pk}
    assert sum(dsr_status_counts(visible).values()) == 2


@pytest.mark.parametrize("role_fixture", ["ga_staff", "supervisor", "auditor", "admin_user"])
def test_my_number_case_is_invisible_outside_the_queue(request, cases, role_fixture):
    user = request.getfixturevalue(role_fixture)
    visible = dsr_visible_to_staff(user)
    assert cases["mn"].pk not in ids(visible)
    assert visible.filter(kind=RequestKind.MY_NUMBER_INQUIRY).count() == 0
    assert sum(dsr_status_counts(visible).values()) == visible.count()


def test_admin_sees_no_cases_at_all(cases, admin_user):
    assert dsr_visible_to_staff(admin_user).count() == 0


def test_officer_sees_only_the_my_number_queue(cases, officer):
    assert ids(dsr_visible_to_staff(officer)) == {cases["mn"].pk}


def test_superuser_and_global_permissions_do_not_widen(cases, ga_staff):
    ga_staff.is_superuser = True
    ga_staff.save()
    ga_staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_queue_cases", "view_case_grant"]))
    fresh = type(ga_staff).objects.get(pk=ga_staff.pk)
    assert cases["mn"].pk not in ids(dsr_visible_to_staff(fresh))


def test_case_grant_opens_one_general_case_but_never_my_number(cases, officer, supervisor, ga_staff):
    grant_case_access(dsr=cases["a"], user=officer, access=Access.VIEW, actor=supervisor)
    fresh = type(officer).objects.get(pk=officer.pk)
    assert ids(dsr_visible_to_staff(fresh)) == {cases["a"].pk, cases["mn"].pk}
    with pytest.raises(DomainError):
        grant_case_access(dsr=cases["mn"], user=ga_staff, access=Access.VIEW, actor=supervisor)


def test_deactivated_staff_sees_nothing(cases, ga_staff):
    ga_staff.is_active = False
    ga_staff.save()
    assert dsr_visible_to_staff(type(ga_staff).objects.get(pk=ga_staff.pk)).count() == 0


def test_members_see_only_their_own(cases, member, other_member):
    assert ids(dsr_list_for_member(member)) == {cases["a"].pk, cases["mn"].pk}
    assert ids(dsr_list_for_member(other_member)) == {cases["b"].pk}


def test_access_functions_answer_hidden_like_missing(cases, member, other_member, ga_staff):
    from django.http import Http404

    assert access_dsr_for_member(member, cases["a"].public_id) == cases["a"]
    for user, public_id in [
        (other_member, cases["a"].public_id),
        (other_member, "00000000-0000-0000-0000-000000000000"),
        (other_member, "not-a-uuid"),
        (ga_staff, cases["mn"].public_id),
        (ga_staff, "00000000-0000-0000-0000-000000000000"),
    ]:
        accessor = access_dsr_for_staff if user == ga_staff else access_dsr_for_member
        with pytest.raises(Http404):
            accessor(user, public_id)


def test_auditor_can_view_but_not_handle(cases, auditor):
    assert access_dsr_for_staff(auditor, cases["a"].public_id, Access.VIEW) == cases["a"]
    assert not can_handle_dsr(auditor, cases["a"])


def test_denied_access_to_my_number_case_is_audited_as_restricted(cases, ga_staff):
    from django.http import Http404

    from requests_portal.models import AuditEntry

    with pytest.raises(Http404):
        access_dsr_for_staff(ga_staff, cases["mn"].public_id)
    entry = AuditEntry.objects.latest("id")
    assert (entry.action, entry.outcome, entry.restricted) == ("dsr.access", "denied", True)


def test_selector_query_count_is_constant(cases, ga_staff, member, django_assert_max_num_queries):
    for _ in range(10):
        submit(member)
    fresh = type(ga_staff).objects.get(pk=ga_staff.pk)
    with django_assert_max_num_queries(6):
        list(dsr_visible_to_staff(fresh).select_related("member", "queue"))
    assert DataSubjectRequest.objects.count() == 13
