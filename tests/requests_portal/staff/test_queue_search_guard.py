"""A My Number typed into the queue search is refused and never shown again."""

import pytest

from django.urls import reverse

from tests.factories import submit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("typed", ["123456789018", "1234 5678 9018", "１２３４－５６７８－９０１８"])
def test_queue_search_refuses_a_my_number_without_echoing_it(client, ga_staff, member, typed):
    submit(member)
    client.force_login(ga_staff)
    response = client.get(reverse("requests_portal:staff_queue"), {"q": typed, "kind": "disclosure"})
    assert response.status_code == 302
    assert "q=" not in response["Location"]
    assert "kind=disclosure" in response["Location"]
    response = client.get(response["Location"])
    page = response.content.decode()
    assert response.status_code == 200
    assert "マイナンバーでは検索できません" in page
    assert "9018" not in page
    assert "９０１８" not in page
