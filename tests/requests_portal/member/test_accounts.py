"""Sign-up against the roster, email confirmation, password, login, re-authentication."""

import re
from datetime import date

import pytest

from django.core import mail
from django.urls import reverse

from requests_portal.accounts import SIGNUP_NOT_MATCHED
from requests_portal.models import OutboundMail, User
from tests.factories import MemberFactory, member_user

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "kasumigaseki-2-1-1-blue"


@pytest.fixture
def roster_member():
    return MemberFactory(member_number="100123", birth_date=date(1978, 4, 12), email="")


def _signup(client, **overrides):
    data = {"member_number": "100123", "birth_date": "1978-04-12", "email": "yamada@example.jp"} | overrides
    return client.post(reverse("account_signup"), data)


def _confirmation_link() -> str:
    (message,) = [m for m in mail.outbox if "/accounts/confirm-email/" in m.body]
    return re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+/", message.body).group(0)


def test_member_signs_up_confirms_and_sets_a_password(client, roster_member):
    response = _signup(client, birth_date="昭和53年4月12日", member_number="１００１２３")
    assert response.status_code == 302
    user = User.objects.get(email="yamada@example.jp")
    assert user.member == roster_member
    assert not user.has_usable_password()
    assert mail.outbox[0].subject.endswith("メールアドレスの確認のお願い")

    link = _confirmation_link()
    path = link.split("testserver", 1)[-1]
    assert client.get(path).status_code == 200
    response = client.post(path)
    assert response.status_code == 302
    assert response.url == reverse("account_set_password")  # logged in, now choose a password

    response = client.post(reverse("account_set_password"), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

    client.logout()
    response = client.post(reverse("account_login"), {"login": "yamada@example.jp", "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("requests_portal:member_home")).status_code == 200


def test_confirming_in_another_browser_leads_to_setting_the_password_by_mail(client, roster_member):
    _signup(client)
    path = _confirmation_link().split("testserver", 1)[-1]
    client.cookies.clear()  # a different browser
    response = client.post(path)
    assert response.status_code == 302
    assert response.url == reverse("account_reset_password")
    response = client.post(reverse("account_reset_password"), {"email": "yamada@example.jp"})
    assert response.status_code == 302
    assert any("/accounts/password/reset/key/" in m.body for m in mail.outbox)


@pytest.mark.parametrize(
    "overrides",
    [
        {"birth_date": "1978-04-13"},  # wrong date of birth
        {"member_number": "999999"},  # no such member
        {"birth_date": "平成2年1月1日"},
    ],
)
def test_a_mismatch_gets_one_generic_message(client, roster_member, overrides):
    response = _signup(client, **overrides)
    assert response.status_code == 200
    assert str(SIGNUP_NOT_MATCHED) in response.content.decode()
    assert not User.objects.filter(email="yamada@example.jp").exists()
    assert mail.outbox == []


def test_an_already_registered_member_gets_the_same_message(client):
    existing = member_user()
    response = _signup(
        client, member_number=existing.member.member_number, birth_date=f"{existing.member.birth_date:%Y-%m-%d}"
    )
    assert str(SIGNUP_NOT_MATCHED) in response.content.decode()
    assert User.objects.filter(member=existing.member).count() == 1


def test_inactive_member_cannot_sign_up(client, roster_member):
    roster_member.is_active = False
    roster_member.save()
    assert str(SIGNUP_NOT_MATCHED) in _signup(client).content.decode()


def test_bad_date_format_says_how_to_write_it(client, roster_member):
    response = _signup(client, birth_date="昭和64年1月8日")
    assert "存在しない日付" in response.content.decode()


def test_guessing_is_throttled_per_member_number(client, roster_member):
    for day in range(1, 6):
        _signup(client, birth_date=f"1978-01-{day:02d}")
    response = _signup(client)  # the right date, but too late
    assert "しばらく登録を受け付けられません" in response.content.decode()
    assert not User.objects.filter(email="yamada@example.jp").exists()


def test_email_already_used_creates_nothing_and_reveals_nothing(client, roster_member):
    other = member_user(email="taken@example.jp")
    response = _signup(client, email="taken@example.jp")
    assert response.status_code == 302  # the same "check your mail" page as a real sign-up
    assert User.objects.filter(email="taken@example.jp").get() == other
    assert not User.objects.filter(member=roster_member).exists()


def test_roster_address_is_told_about_a_signup_with_another_address(client, roster_member):
    roster_member.email = "registered@example.jp"
    roster_member.save()
    _signup(client)
    notice = OutboundMail.objects.get(template="account_registered_notice")
    assert notice.to_email == "registered@example.jp"
    assert "y***@example.jp" in notice.body
    assert "yamada@example.jp" not in notice.body
    assert "100123" not in notice.subject


def test_signup_page_is_labelled_and_japanese(client):
    page = client.get(reverse("account_signup")).content.decode()
    for label in ("組合員番号", "生年月日", "メールアドレス"):
        assert label in page
    assert 'name="password1"' not in page


def test_reauthenticate_page_records_a_fresh_reauthentication(client):
    from allauth.account.authentication import get_authentication_records

    user = member_user()
    client.force_login(user)
    response = client.post(reverse("account_reauthenticate"), {"password": "correct-horse-battery-staple"})
    assert response.status_code == 302
    request = response.wsgi_request
    assert any(r.get("reauthenticated") for r in get_authentication_records(request, user))


def test_the_login_page_offers_the_password_reset_once(client):
    page = client.get(reverse("account_login")).content.decode()
    assert page.count(reverse("account_reset_password")) == 1
