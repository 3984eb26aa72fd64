"""A My Number typed into a login box is kept nowhere: not in axes' lockout tables, not in the
audit trail (番号法第20条: a My Number may be collected only for the uses the Act permits)."""

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog

from django.urls import reverse

from requests_portal.models import AuditEntry
from requests_portal.mynumber import contains_my_number
from tests.factories import PASSWORD, member_user

pytestmark = pytest.mark.django_db

GROUPS = ("3141", "5926", "5352")  # 314159265352 has a valid check digit
TEXT_COLUMNS = ("username", "get_data", "post_data", "user_agent", "http_accept", "path_info")


def _axes_text() -> str:
    rows = []
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        columns = [c for c in TEXT_COLUMNS if any(f.name == c for f in model._meta.get_fields())]
        rows += [" | ".join(str(v) for v in row) for row in model.objects.values_list(*columns)]
    return "\n".join(rows)


def _assert_no_trace(text: str) -> None:
    assert not contains_my_number(text)
    for group in GROUPS:
        assert group not in text


@pytest.mark.parametrize(
    ("url_name", "field", "value"),
    [
        ("account_login", "login", "3141.5926.5352@example.jp"),
        ("account_login", "login", "314159265352@example.jp"),
        ("account_login", "login", "3141_5926_5352@example.jp"),
    ],
)
def test_a_failed_login_with_a_my_number_leaves_no_digit_of_it(client, settings, url_name, field, value):
    settings.AXES_FAILURE_LIMIT = 3
    for _attempt in range(2):  # the second attempt updates the row the first one created
        client.post(
            reverse(url_name),
            {field: value, "password": "wrong-password-123", "note": "個人番号 3141 5926 5352"},
            QUERY_STRING="next=/3141-5926-5352/",
        )
    attempt = AccessAttempt.objects.get()
    assert attempt.failures_since_start == 2
    assert attempt.post_data == ""
    assert attempt.get_data == ""
    _assert_no_trace(_axes_text())
    _assert_no_trace(" ".join(str(e.data) for e in AuditEntry.objects.filter(action="auth.login_failed")))
    assert AuditEntry.objects.filter(action="auth.login_failed").count() == 2


def test_lockout_still_counts_ordinary_logins_by_name(client, settings):
    settings.AXES_FAILURE_LIMIT = 2
    user = member_user()
    for _attempt in range(2):
        client.post(reverse("account_login"), {"login": user.email, "password": "wrong-password-123"})
    attempt = AccessAttempt.objects.get()
    assert attempt.username == user.email.lower()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 429


def test_a_my_number_that_is_no_address_is_not_kept_either(client):
    response = client.post(reverse("account_login"), {"login": "3141-5926-5352", "password": "wrong-password-123"})
    assert response.status_code == 200
    _assert_no_trace(_axes_text())
    page = response.content.decode()
    assert not contains_my_number(page)
