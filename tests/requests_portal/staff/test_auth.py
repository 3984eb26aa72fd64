"""Staff sign-in (docs/reliability.md#sessions): TOTP in every session, enrolment at first login, replay
and brute-force protection, idle and absolute timeouts, deactivated accounts, audit entries,
and the Django admin behind the admin role plus the second factor."""

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator

from django.contrib import admin
from django.contrib.auth import SESSION_KEY
from django.core.management import CommandError, call_command
from django.urls import reverse

from requests_portal.models import AuditEntry, DataSubjectRequest, User
from requests_portal.roles import Role
from requests_portal.staff_auth import MFA_VERIFIED_KEY, MfaAdapter
from tests.factories import PASSWORD, member_user, staff_user
from tests.staff_login import login_without_mfa, totp_code, wait_for_fresh_totp_window

pytestmark = pytest.mark.django_db

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
STAFF_HOME = "/staff/"


def _verified(user: User) -> User:
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _enrol(user: User, secret: str = SECRET) -> Authenticator:
    return Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": MfaAdapter().encrypt(secret)}
    )


def _password_step(client, user: User):
    return client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})


@pytest.mark.django_db(transaction=True)  # allauth announces the new authenticator on commit
def test_first_login_forces_enrolment_then_opens_staff_pages(client):
    user = _verified(staff_user(Role.GA_STAFF))
    response = _password_step(client, user)
    assert response.status_code == 302
    # Signed in with the password only: every staff page sends the person to enrolment.
    response = client.get(STAFF_HOME)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    assert "認証アプリの登録" in page.content.decode()
    secret = client.session["mfa.totp.secret"]
    wait_for_fresh_totp_window()
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get(STAFF_HOME).status_code == 200
    actions = list(AuditEntry.objects.filter(actor_id=user.pk).values_list("action", flat=True))
    assert "auth.login" in actions
    assert "auth.mfa_enrolled" in actions


def test_enrolled_login_needs_a_correct_fresh_code(client):
    user = _verified(staff_user(Role.GA_STAFF))
    _enrol(user)
    response = _password_step(client, user)
    assert response["Location"] == reverse("mfa_authenticate")
    assert SESSION_KEY not in client.session  # not signed in before the code

    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000" if totp_code(SECRET) != "000000" else "111111"})
    assert wrong.status_code == 200
    assert SESSION_KEY not in client.session
    assert AuditEntry.objects.filter(action="auth.mfa_failed", actor_id=user.pk, outcome="denied").count() == 1

    wait_for_fresh_totp_window()
    code = totp_code(SECRET)
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert client.get(STAFF_HOME).status_code == 200
    assert AuditEntry.objects.filter(action="auth.mfa_verified", actor_id=user.pk).exists()

    # The same code cannot be used twice (ASVS 2.8.4): a second sign-in in another browser.
    other = client.__class__()
    _password_step(other, user)
    replay = other.post(reverse("mfa_authenticate"), {"code": code})
    assert replay.status_code == 200
    assert SESSION_KEY not in other.session


def test_password_only_session_reaches_no_staff_page(client, member):
    user = staff_user(Role.GA_SUPERVISOR)
    login_without_mfa(client, user)
    for url in (STAFF_HOME, reverse("requests_portal:staff_queue"), "/admin/", reverse("requests_portal:staff_intake")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("mfa_activate_totp")
    # With an enrolled authenticator, the step is a code prompt that returns to the page.
    _enrol(user)
    response = client.get(reverse("requests_portal:staff_queue"))
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    assert "next=%2Fstaff%2Fqueue%2F" in response["Location"]
    wait_for_fresh_totp_window()
    done = client.post(
        reverse("mfa_reauthenticate"), {"code": totp_code(SECRET), "next": reverse("requests_portal:staff_queue")}
    )
    assert done.status_code == 302
    assert done["Location"] == reverse("requests_portal:staff_queue")
    assert client.get(reverse("requests_portal:staff_queue")).status_code == 200


def test_mfa_mark_belongs_to_the_user_who_earned_it(client):
    first, second = staff_user(Role.GA_STAFF), staff_user(Role.GA_STAFF)
    client.force_login(first)
    assert client.session[MFA_VERIFIED_KEY] == str(first.pk)
    login_without_mfa(client, second)
    assert client.get(STAFF_HOME).status_code == 302


def test_members_need_no_second_factor(client, member):
    login_without_mfa(client, member)
    assert client.get(reverse("requests_portal:member_home")).status_code == 200


def test_idle_timeout_is_fifteen_minutes(client, time_machine):
    time_machine.move_to("2026-06-01 10:00 +09:00", tick=False)
    user = staff_user(Role.GA_STAFF)
    client.force_login(user)
    assert client.get(STAFF_HOME).status_code == 200
    time_machine.move_to("2026-06-01 10:14 +09:00", tick=False)
    assert client.get(STAFF_HOME).status_code == 200
    time_machine.move_to("2026-06-01 10:29:30 +09:00", tick=False)
    response = client.get(STAFF_HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert SESSION_KEY not in client.session
    assert AuditEntry.objects.filter(action="auth.session_expired", data__reason="idle", actor_id=user.pk).exists()


def test_member_idle_timeout_is_thirty_minutes(client, time_machine):
    time_machine.move_to("2026-06-01 10:00 +09:00", tick=False)
    member = member_user()
    client.force_login(member)
    home = reverse("requests_portal:member_home")
    assert client.get(home).status_code == 200
    time_machine.move_to("2026-06-01 10:29 +09:00", tick=False)
    assert client.get(home).status_code == 200
    time_machine.move_to("2026-06-01 11:00:30 +09:00", tick=False)
    response = client.get(home)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert AuditEntry.objects.filter(action="auth.session_expired", data__reason="idle", actor_id=member.pk).exists()


def test_absolute_timeout_is_twelve_hours_however_active(client, time_machine):
    time_machine.move_to("2026-06-01 08:00 +09:00", tick=False)
    client.force_login(staff_user(Role.GA_STAFF))
    for hour in range(8, 20):
        for minute in (0, 10, 20, 30, 40, 50):
            time_machine.move_to(f"2026-06-01 {hour:02d}:{minute:02d} +09:00", tick=False)
            assert client.get(STAFF_HOME).status_code == 200
    time_machine.move_to("2026-06-01 20:00:01 +09:00", tick=False)
    response = client.get(STAFF_HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_deactivated_account_loses_its_session_at_the_next_request(client):
    user = staff_user(Role.GA_STAFF)
    client.force_login(user)
    assert client.get(STAFF_HOME).status_code == 200
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = client.get(STAFF_HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert SESSION_KEY not in client.session
    assert AuditEntry.objects.filter(action="auth.session_ended", outcome="denied").exists()
    # Re-activating the account does not bring the old session back.
    User.objects.filter(pk=user.pk).update(is_active=True)
    assert client.get(STAFF_HOME).status_code == 302


def test_failed_passwords_lock_the_account_and_are_audited(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    user = _verified(staff_user(Role.GA_STAFF))
    for _attempt in range(3):
        client.post(reverse("account_login"), {"login": user.email, "password": "wrong-password-123"})
    assert AuditEntry.objects.filter(action="auth.login_failed", data__login=user.email).count() == 3
    assert AuditEntry.objects.filter(action="auth.lockout", data__login=user.email).exists()
    # Even the right password is refused now, with a page that says what to do.
    response = _password_step(client, user)
    assert response.status_code == 429
    page = response.content.decode()
    assert "ログインが一時的に制限されています" in page
    assert "60分ほど" in page
    assert user.email not in page
    assert SESSION_KEY not in client.session


def test_wrong_codes_lock_the_account_like_wrong_passwords(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    user = _verified(staff_user(Role.MY_NUMBER_OFFICER))
    _enrol(user)
    _password_step(client, user)
    wrong = "000000" if totp_code(SECRET) != "000000" else "111111"
    for _attempt in range(3):
        client.post(reverse("mfa_authenticate"), {"code": wrong})
    assert AuditEntry.objects.filter(action="auth.lockout", data__login=user.email).exists()
    wait_for_fresh_totp_window()
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(SECRET)})
    assert SESSION_KEY not in client.session
    assert "ロックされています" in response.content.decode()


def test_logout_is_audited(client):
    user = staff_user(Role.AUDITOR)
    client.force_login(user)
    client.post(reverse("account_logout"))
    assert AuditEntry.objects.filter(action="auth.logout", actor_id=user.pk).exists()


def test_totp_secret_is_encrypted_and_staff_cannot_remove_it(client):
    user = staff_user(Role.GA_STAFF)
    authenticator = _enrol(user)
    assert SECRET not in str(authenticator.data)
    assert MfaAdapter().decrypt(authenticator.data["secret"]) == SECRET
    client.force_login(user)
    client.post(reverse("mfa_deactivate_totp"))
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    # A member may manage their own (optional) second factor.
    member = member_user()
    assert MfaAdapter().can_delete_authenticator(_enrol(member))


# --- the Django admin ----------------------------------------------------------------------


def test_admin_needs_admin_role_and_second_factor(client, admin_user, ga_staff, member):
    assert client.get("/admin/").status_code == 302  # anonymous: to the allauth login
    assert client.get(reverse("admin:login"))["Location"].startswith(reverse("account_login"))
    login_without_mfa(client, admin_user)
    assert client.get("/admin/")["Location"] == reverse("mfa_activate_totp")
    client.force_login(admin_user)
    assert client.get("/admin/").status_code == 200
    assert client.get(reverse("admin:requests_portal_closedday_changelist")).status_code == 200
    for other in (ga_staff, member):
        client.force_login(other)
        assert client.get("/admin/").status_code == 404
        assert client.get(reverse("admin:login")).status_code == 404


def test_admin_is_configuration_only():
    registered = {model._meta.label for model in admin.site._registry}
    assert DataSubjectRequest._meta.label not in registered
    portal_models = {label for label in registered if label.startswith("requests_portal.")}
    assert portal_models == {
        "requests_portal.ClosedDay",
        "requests_portal.Queue",
        "requests_portal.OrganisationProfile",
        "requests_portal.RetentionPolicy",
        "requests_portal.FeeSetting",
        "requests_portal.DataCategory",
        "requests_portal.User",
    }


def test_no_active_human_superuser_and_none_can_be_made():
    assert not User.objects.filter(is_superuser=True, is_active=True).exists()
    with pytest.raises(ValueError, match="Superusers are not used"):
        User.objects.create_superuser("root@example.jp", "x" * 20)


def test_admin_creates_staff_with_verified_address_and_audit(client, admin_user):
    client.force_login(admin_user)
    from django.contrib.auth.models import Group

    group = Group.objects.get(name=Role.GA_STAFF)
    response = client.post(
        reverse("admin:requests_portal_user_add"),
        {"email": "new.clerk@example.jp", "display_name": "新人", "is_active": "on", "groups": [group.pk],
         "preferred_language": "ja"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    created = User.objects.get(email="new.clerk@example.jp")
    assert not created.has_usable_password()
    assert EmailAddress.objects.filter(user=created, verified=True).exists()
    entry = AuditEntry.objects.get(action="staff.account_created")
    # Roles come only from an approved two-person grant, never from the admin form.
    assert entry.data["roles"] == []
    assert created.is_staff
    assert not created.groups.exists()


def test_admin_resets_a_lost_second_factor(client, admin_user):
    clerk = staff_user(Role.GA_STAFF)
    _enrol(clerk)
    client.force_login(admin_user)
    client.post(
        reverse("admin:requests_portal_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [clerk.pk]},
    )
    assert not Authenticator.objects.filter(user=clerk).exists()
    assert AuditEntry.objects.filter(action="auth.mfa_reset", data__user_id=clerk.pk).exists()


# --- the demo's second factor ----------------------------------------------------------------


def test_demo_totp_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG"):
        call_command("demo_totp", "ga-staff@demo.keiseikyo.example")


def test_demo_staff_can_sign_in_with_the_printed_code(client, settings, capsys):
    from requests_portal.demo_auth import demo_totp_secret, enrol_demo_totp

    settings.DEBUG = True
    user = _verified(staff_user(Role.GA_STAFF, email="ga-staff@demo.keiseikyo.example"))
    enrol_demo_totp(user)
    wait_for_fresh_totp_window()
    call_command("demo_totp", user.email)
    printed = capsys.readouterr().out.split()[0]
    assert printed == totp_code(demo_totp_secret(user.email))
    _password_step(client, user)
    client.post(reverse("mfa_authenticate"), {"code": printed})
    assert client.get(STAFF_HOME).status_code == 200
