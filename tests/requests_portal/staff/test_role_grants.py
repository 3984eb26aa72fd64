"""Two-person role grants: the admin cannot make itself a My Number officer through the Django
admin; grants are asked for by one person and decided by another; each step is audited."""

import datetime
import io

import pytest
from pypdf import PdfReader

from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from requests_portal import workspace
from requests_portal.exceptions import DomainError
from requests_portal.letters.renderer import FONT_FAMILY
from requests_portal.models import AuditEntry, OutboundMail, RoleGrantRequest, User
from requests_portal.roles import (
    ROLE_CAPABILITIES,
    Capability,
    Role,
    approving_capability,
    has_role,
    is_my_number_role,
    role_widens_access,
)
from requests_portal.services import grants
from tests.factories import staff_user

pytestmark = pytest.mark.django_db


def _case_page(dsr) -> str:
    return reverse("requests_portal:staff_dsr_detail", args=[dsr.public_id])


@pytest.fixture
def manager(db):
    return staff_user(Role.MY_NUMBER_MANAGER)


# --- the probe: the Django admin no longer edits roles ------------------------------------------


def test_admin_cannot_make_itself_a_my_number_officer(client, admin_user, my_number_dsr):
    client.force_login(admin_user)
    groups = [Group.objects.get(name=Role.ADMIN).pk, Group.objects.get(name=Role.MY_NUMBER_OFFICER).pk]
    response = client.post(
        reverse("admin:requests_portal_user_change", args=[admin_user.pk]),
        {"email": admin_user.email, "display_name": "admin", "is_active": "on", "is_staff": "on",
         "is_superuser": "on", "groups": groups, "preferred_language": "ja"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    admin_user.refresh_from_db()
    assert set(admin_user.groups.values_list("name", flat=True)) == {Role.ADMIN}
    assert not admin_user.is_superuser
    fresh = User.objects.get(pk=admin_user.pk)
    client.force_login(fresh)
    assert client.get(_case_page(my_number_dsr)).status_code == 404


def test_admin_add_form_grants_no_role_and_no_superuser(client, admin_user):
    client.force_login(admin_user)
    officer_group = Group.objects.get(name=Role.MY_NUMBER_OFFICER)
    response = client.post(
        reverse("admin:requests_portal_user_add"),
        {"email": "mole@example.jp", "display_name": "x", "is_active": "on", "is_superuser": "on",
         "groups": [officer_group.pk], "user_permissions": [], "preferred_language": "ja"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    created = User.objects.get(email="mole@example.jp")
    assert not created.groups.exists()
    assert not created.is_superuser
    form_page = client.get(reverse("admin:requests_portal_user_change", args=[created.pk])).content.decode()
    assert 'name="groups"' not in form_page
    assert 'name="is_superuser"' not in form_page
    assert 'name="is_staff"' not in form_page


def test_superuser_flag_reaches_no_case(client, my_number_dsr, dsr):
    root = staff_user(Role.ADMIN, is_staff=True)
    User.objects.filter(pk=root.pk).update(is_superuser=True)
    root = User.objects.get(pk=root.pk)
    client.force_login(root)
    assert client.get(_case_page(my_number_dsr)).status_code == 404
    assert client.get(_case_page(dsr)).status_code == 404


# --- the capability table decides which roles need two people -------------------------------------


def test_widening_and_my_number_roles_follow_the_table():
    for role in ROLE_CAPABILITIES:
        assert role_widens_access(role), role  # every current role reaches personal data or grants
    assert is_my_number_role(Role.MY_NUMBER_OFFICER)
    assert is_my_number_role(Role.MY_NUMBER_MANAGER)
    assert not is_my_number_role(Role.GA_STAFF)
    assert approving_capability(Role.MY_NUMBER_OFFICER) == Capability.APPROVE_MY_NUMBER_ROLE_GRANTS
    assert approving_capability(Role.AUDITOR) == Capability.APPROVE_ROLE_GRANTS


# --- the two-person flow ------------------------------------------------------------------------


def test_nobody_approves_their_own_request_or_a_grant_to_themselves(admin_user, supervisor, ga_staff):
    own = grants.dsr_role_grant_request(actor=supervisor, user=ga_staff, role=Role.AUDITOR, reason="監査応援")
    with pytest.raises(DomainError):
        grants.dsr_role_grant_approve(actor=supervisor, grant_request=own)
    about_me = grants.dsr_role_grant_request(actor=admin_user, user=supervisor, role=Role.AUDITOR, reason="兼務")
    with pytest.raises(DomainError):
        grants.dsr_role_grant_approve(actor=supervisor, grant_request=about_me)
    assert not has_role(User.objects.get(pk=ga_staff.pk), Role.AUDITOR)
    assert not has_role(User.objects.get(pk=supervisor.pk), Role.AUDITOR)


def test_the_admin_cannot_approve_and_a_supervisor_cannot_approve_my_number_roles(admin_user, supervisor, ga_staff):
    grant_request = grants.dsr_role_grant_request(
        actor=admin_user, user=ga_staff, role=Role.MY_NUMBER_OFFICER, reason="担当替え"
    )
    for wrong in (admin_user, supervisor):
        with pytest.raises(DomainError):
            grants.dsr_role_grant_approve(actor=wrong, grant_request=grant_request)
    assert grants.pending_for(supervisor).count() == 0


def test_manager_approves_an_officer_grant_and_the_case_opens(client, admin_user, manager, ga_staff, my_number_dsr):
    grant_request = grants.dsr_role_grant_request(
        actor=admin_user, user=ga_staff, role=Role.MY_NUMBER_OFFICER, reason="担当替え"
    )
    assert list(grants.pending_for(manager)) == [grant_request]
    assert OutboundMail.objects.filter(to_user=manager, template="role_grant_requested").exists()
    grants.dsr_role_grant_approve(actor=manager, grant_request=grant_request)
    client.force_login(User.objects.get(pk=ga_staff.pk))
    assert client.get(_case_page(my_number_dsr)).status_code == 200
    entries = AuditEntry.objects.filter(action__startswith="staff.role_gr").order_by("pk")
    assert [e.action for e in entries] == ["staff.role_grant_requested", "staff.role_granted"]
    assert all(e.restricted for e in entries)


def test_general_role_grants_are_unrestricted_entries_and_can_be_refused(admin_user, supervisor, ga_staff):
    grant_request = grants.dsr_role_grant_request(actor=admin_user, user=ga_staff, role=Role.AUDITOR, reason="x")
    grants.dsr_role_grant_refuse(actor=supervisor, grant_request=grant_request)
    assert not has_role(User.objects.get(pk=ga_staff.pk), Role.AUDITOR)
    entry = AuditEntry.objects.get(action="staff.role_grant_refused")
    assert not entry.restricted
    with pytest.raises(DomainError):
        grants.dsr_role_grant_approve(actor=supervisor, grant_request=grant_request)


def test_end_date_ends_access(client, admin_user, manager, ga_staff, my_number_dsr):
    today = timezone.localdate()
    grant_request = grants.dsr_role_grant_request(
        actor=admin_user, user=ga_staff, role=Role.MY_NUMBER_OFFICER, reason="繁忙期", valid_until=today
    )
    grants.dsr_role_grant_approve(actor=manager, grant_request=grant_request)
    assert grants.role_grants_expire(today=today) == 0  # the end date itself is still a working day
    assert grants.role_grants_expire(today=today + datetime.timedelta(days=1)) == 1
    client.force_login(User.objects.get(pk=ga_staff.pk))
    assert client.get(_case_page(my_number_dsr)).status_code == 404
    assert RoleGrantRequest.objects.get(pk=grant_request.pk).outcome == RoleGrantRequest.Outcome.EXPIRED
    assert AuditEntry.objects.get(action="staff.role_grant_expired").restricted


def _approved_officer_grant_ending(admin_user, manager, ga_staff, valid_until: datetime.date) -> RoleGrantRequest:
    grant_request = grants.dsr_role_grant_request(
        actor=admin_user, user=ga_staff, role=Role.MY_NUMBER_OFFICER, reason="繁忙期", valid_until=valid_until
    )
    return grants.dsr_role_grant_approve(actor=manager, grant_request=grant_request)


def test_beat_runs_the_expiry_task_by_its_pinned_name(settings):
    from keiseikyo.celery import app

    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "requests_portal.role_grants_expire" in scheduled
    assert "requests_portal.role_grants_expire" in app.tasks


def test_expiry_task_run_twice_revokes_once(client, admin_user, manager, ga_staff, my_number_dsr, time_machine):
    from requests_portal.tasks import role_grants_expire_task

    time_machine.move_to("2026-03-31 17:00 +09:00", tick=False)
    grant_request = _approved_officer_grant_ending(admin_user, manager, ga_staff, timezone.localdate())
    assert role_grants_expire_task.delay().get() == 0  # still the last day of the grant
    assert has_role(User.objects.get(pk=ga_staff.pk), Role.MY_NUMBER_OFFICER)

    time_machine.move_to("2026-04-01 00:05 +09:00", tick=False)
    assert role_grants_expire_task.delay().get() == 1
    assert role_grants_expire_task.delay().get() == 0  # a second run (a duplicated beat) ends nothing

    assert not has_role(User.objects.get(pk=ga_staff.pk), Role.MY_NUMBER_OFFICER)
    grant_request.refresh_from_db()
    assert grant_request.outcome == RoleGrantRequest.Outcome.EXPIRED
    assert timezone.localdate(grant_request.ended_at) == datetime.date(2026, 4, 1)
    expired = AuditEntry.objects.filter(action="staff.role_grant_expired")
    assert expired.count() == 1
    assert expired.get().restricted
    assert expired.get().data["valid_until"] == "2026-03-31"
    client.force_login(User.objects.get(pk=ga_staff.pk))
    assert client.get(_case_page(my_number_dsr)).status_code == 404


def test_expiry_leaves_open_ended_and_refused_grants_alone(admin_user, manager, supervisor, ga_staff, time_machine):
    time_machine.move_to("2026-03-31 17:00 +09:00", tick=False)
    open_ended = grants.dsr_role_grant_request(actor=admin_user, user=ga_staff, role=Role.AUDITOR, reason="監査応援")
    grants.dsr_role_grant_approve(actor=supervisor, grant_request=open_ended)
    refused = grants.dsr_role_grant_request(
        actor=admin_user, user=ga_staff, role=Role.MY_NUMBER_OFFICER, reason="x", valid_until=timezone.localdate()
    )
    grants.dsr_role_grant_refuse(actor=manager, grant_request=refused)
    time_machine.move_to("2027-04-01 09:00 +09:00", tick=False)
    assert grants.role_grants_expire() == 0
    assert has_role(User.objects.get(pk=ga_staff.pk), Role.AUDITOR)
    assert not AuditEntry.objects.filter(action="staff.role_grant_expired").exists()


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_expiry_runs_end_a_grant_once(time_machine):
    """Two workers running the sweep at the same moment (PostgreSQL, separate connections)."""
    import threading

    from django.db import close_old_connections, connection

    if connection.vendor != "postgresql":
        pytest.skip("concurrency needs PostgreSQL (SQLite serialises every writer)")
    time_machine.move_to("2026-03-31 17:00 +09:00", tick=False)
    requester, manager, clerks = staff_user(Role.ADMIN), staff_user(Role.MY_NUMBER_MANAGER), []
    for _ in range(5):
        clerk = staff_user(Role.GA_STAFF)
        _approved_officer_grant_ending(requester, manager, clerk, timezone.localdate())
        clerks.append(clerk)
    time_machine.move_to("2026-04-01 00:05 +09:00", tick=False)
    barrier = threading.Barrier(2)
    results: list[object] = []

    def sweep() -> None:
        try:
            barrier.wait()
            results.append(grants.role_grants_expire())
        except BaseException as exc:  # reported by the assertions below
            results.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(isinstance(result, int) for result in results), results
    assert sum(results) == 5
    assert AuditEntry.objects.filter(action="staff.role_grant_expired").count() == 5
    assert RoleGrantRequest.objects.filter(outcome=RoleGrantRequest.Outcome.EXPIRED).count() == 5
    assert not any(has_role(User.objects.get(pk=clerk.pk), Role.MY_NUMBER_OFFICER) for clerk in clerks)


def test_revocation_is_two_person_too(admin_user, manager, officer):
    grant_request = grants.dsr_role_grant_request(
        actor=admin_user, user=officer, role=Role.MY_NUMBER_OFFICER, kind="revoke", reason="異動"
    )
    assert has_role(User.objects.get(pk=officer.pk), Role.MY_NUMBER_OFFICER)
    grants.dsr_role_grant_approve(actor=manager, grant_request=grant_request)
    assert not has_role(User.objects.get(pk=officer.pk), Role.MY_NUMBER_OFFICER)
    assert AuditEntry.objects.get(action="staff.role_revoked").restricted


def test_people_without_a_granting_capability_cannot_ask(ga_staff, officer, auditor):
    for actor in (ga_staff, officer, auditor):
        with pytest.raises(DomainError):
            grants.dsr_role_grant_request(actor=actor, user=actor, role=Role.ADMIN, reason="x")


# --- saved filters never keep a My Number -------------------------------------------------------


def test_saved_filter_refuses_a_my_number(ga_staff):
    with pytest.raises(DomainError, match="個人番号"):
        workspace.saved_filter_save(user=ga_staff, name="検索", query="q=1234+5678+9018")
    workspace.saved_filter_save(user=ga_staff, name="検索", query="q=山田")
    assert ga_staff.saved_filters.get().query == "q=%E5%B1%B1%E7%94%B0"


# --- screens and the register of designated handlers --------------------------------------------


def test_screens_request_and_approve(client, admin_user, manager, ga_staff):
    client.force_login(admin_user)
    page = reverse("requests_portal:staff_role_grants")
    response = client.post(
        page, {"user": ga_staff.pk, "role": Role.MY_NUMBER_OFFICER, "kind": "grant", "reason": "担当替え"}
    )
    assert response.status_code == 302
    grant_request = RoleGrantRequest.objects.get()
    decide = reverse("requests_portal:staff_role_grant_decide", args=[grant_request.pk])
    assert client.post(decide, {"decision": "approve"}).status_code == 404  # the requester cannot decide
    client.force_login(manager)
    assert "承認待ちの申請" in client.get(page).content.decode()
    assert client.post(decide, {"decision": "approve"}).status_code == 302
    assert has_role(User.objects.get(pk=ga_staff.pk), Role.MY_NUMBER_OFFICER)


def test_register_lists_officers_with_periods(client, admin_user, manager, ga_staff):
    grant_request = grants.dsr_role_grant_request(
        actor=admin_user, user=ga_staff, role=Role.MY_NUMBER_OFFICER, reason="担当替え"
    )
    grants.dsr_role_grant_approve(actor=manager, grant_request=grant_request)
    client.force_login(manager)
    text = client.get(reverse("requests_portal:staff_handler_register_csv")).content.decode("utf-8-sig")
    assert ga_staff.email in text
    assert "令和" in text
    pdf = client.get(reverse("requests_portal:staff_handler_register_pdf"))
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    # Printed in the embedded font, never a font the server happens to have (or lack).
    reader = PdfReader(io.BytesIO(pdf.content))
    fonts = {
        str(font.get_object()["/BaseFont"]).split("+", 1)[-1]
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert fonts
    assert all(font.startswith(FONT_FAMILY) for font in fonts), fonts
    reads = AuditEntry.objects.filter(action="staff.handler_register_read")
    assert reads.count() == 2
    assert all(entry.restricted for entry in reads)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.MY_NUMBER_OFFICER, 200),
        (Role.MY_NUMBER_MANAGER, 200),
        (Role.GA_STAFF, 404),
        (Role.GA_SUPERVISOR, 404),
        (Role.AUDITOR, 404),
        (Role.ADMIN, 404),
    ],
)
def test_register_access_for_every_role(client, role, status):
    client.force_login(staff_user(role, is_staff=True))
    for name in ("staff_handler_register_csv", "staff_handler_register_pdf"):
        assert client.get(reverse(f"requests_portal:{name}")).status_code == status


def test_register_is_hidden_from_members_and_anonymous(client, member):
    url = reverse("requests_portal:staff_handler_register_csv")
    assert client.get(url).status_code == 302
    client.force_login(member)
    assert client.get(url).status_code == 404


def test_grant_screens_are_404_without_a_granting_capability(client, ga_staff, officer, auditor):
    for person in (ga_staff, officer, auditor):
        client.force_login(person)
        assert client.get(reverse("requests_portal:staff_role_grants")).status_code == 404


def test_pending_list_names_the_role_in_the_readers_language(client, admin_user, manager, ga_staff):
    grants.dsr_role_grant_request(actor=admin_user, user=ga_staff, role=Role.MY_NUMBER_OFFICER, reason="担当替え")
    client.force_login(manager)
    page = reverse("requests_portal:staff_role_grants")
    japanese = client.get(page, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert '<td data-label="役割">マイナンバー事務取扱担当者</td>' in japanese
    assert "mynumber_officer</td>" not in japanese
    english = client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<td data-label="Role">My Number officer</td>' in english


@pytest.mark.parametrize("role", list(Role))
def test_nav_links_the_grant_pages_exactly_for_those_who_may_open_them(client, role):
    client.force_login(staff_user(role, is_staff=True))
    home = client.get(reverse("requests_portal:staff_home")).content.decode()
    for name in ("staff_role_grants", "staff_handler_register_pdf"):
        url = reverse(f"requests_portal:{name}")
        opens = client.get(url).status_code == 200
        assert (f'href="{url}"' in home) == opens, (role, name)
