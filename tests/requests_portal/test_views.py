"""The foundation pages: landing, procedures, member home and staff home."""

import pytest

from django.urls import reverse

from requests_portal.models import RequestKind
from tests.factories import submit

pytestmark = pytest.mark.django_db


def test_landing_is_japanese_first(client):
    response = client.get("/")
    assert response.status_code == 200
    assert '<html lang="ja">' in response.content.decode()
    assert "Content-Security-Policy" in response
    assert "no-store" in response["Cache-Control"]


def test_english_switch(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"}, follow=True)
    assert '<html lang="en">' in response.content.decode()


def test_procedures_page_is_public(client):
    response = client.get(reverse("requests_portal:procedures"))
    assert response.status_code == 200
    assert "利用目的" in response.content.decode()


def test_member_home_lists_own_cases(client, member, other_member):
    mine = submit(member)
    theirs = submit(other_member)
    client.force_login(member)
    page = client.get(reverse("requests_portal:member_home")).content.decode()
    assert mine.reference in page
    assert theirs.reference not in page


def test_staff_home_hides_my_number_queue_from_ga(client, member, ga_staff, officer):
    submit(member, kind=RequestKind.MY_NUMBER_INQUIRY)
    submit(member)
    client.force_login(ga_staff)
    page = client.get(reverse("requests_portal:staff_home")).content.decode()
    assert "総務部" in page
    assert "マイナンバー担当" not in page.split("<main")[1].split("</main>")[0]
    client.force_login(officer)
    page = client.get(reverse("requests_portal:staff_home")).content.decode()
    assert "マイナンバー担当" in page


def test_staff_home_is_404_for_members_and_login_for_anonymous(client, member):
    assert client.get(reverse("requests_portal:staff_home")).status_code == 302
    client.force_login(member)
    assert client.get(reverse("requests_portal:staff_home")).status_code == 404


def test_home_redirects_by_role(client, member, ga_staff):
    client.force_login(member)
    assert client.get("/").url == reverse("requests_portal:member_home")
    client.force_login(ga_staff)
    assert client.get("/").url == reverse("requests_portal:staff_home")
