"""Shared fixtures: people in every role, a case, and private storage in a temporary folder."""

import pytest

from requests_portal.models import RequestKind
from requests_portal.roles import Role
from tests.factories import member_user, staff_user, submit


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    settings.DSR_PRIVATE_ROOT = tmp_path / "private"
    settings.DSR_AUDIT_ANCHOR_FILE = str(tmp_path / "audit-anchor.log")
    settings.DSR_DISPOSAL_JOURNAL_FILE = str(tmp_path / "disposal-journal.log")


@pytest.fixture(autouse=True)
def _japanese_by_default():
    """Each test starts in the portal's default language. A request made in English leaves
    English active in the thread, and domain errors are translated, so without this a test's
    outcome would depend on which test ran before it."""
    from django.utils import translation

    translation.activate("ja")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _staff_logins_include_the_second_factor(monkeypatch):
    """`client.force_login(staff)` means a completed staff sign-in, TOTP step included (docs/reliability.md#mfa).

    Tests of the password-only state use tests.staff_login.login_without_mfa.
    """
    from django.test import Client

    from tests.staff_login import force_login_with_second_factor

    monkeypatch.setattr(Client, "force_login", force_login_with_second_factor)


@pytest.fixture
def member(db):
    return member_user()


@pytest.fixture
def other_member(db):
    return member_user()


@pytest.fixture
def ga_staff(db):
    return staff_user(Role.GA_STAFF)


@pytest.fixture
def ga_staff2(db):
    return staff_user(Role.GA_STAFF)


@pytest.fixture
def supervisor(db):
    return staff_user(Role.GA_SUPERVISOR)


@pytest.fixture
def officer(db):
    return staff_user(Role.MY_NUMBER_OFFICER)


@pytest.fixture
def officer2(db):
    return staff_user(Role.MY_NUMBER_OFFICER)


@pytest.fixture
def auditor(db):
    return staff_user(Role.AUDITOR)


@pytest.fixture
def admin_user(db):
    return staff_user(Role.ADMIN, is_staff=True)


@pytest.fixture
def dsr(member):
    return submit(member)


@pytest.fixture
def my_number_dsr(member):
    return submit(
        member,
        kind=RequestKind.MY_NUMBER_INQUIRY,
        summary="マイナンバーの提出について",
        description="提出方法を教えてください。",
    )
