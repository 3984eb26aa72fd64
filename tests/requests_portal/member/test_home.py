"""The member's home page: their requests, open ones first, twenty to a page."""

import pytest

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from requests_portal import services
from requests_portal.models import Status
from requests_portal.views.member import MEMBER_HOME_PAGE_SIZE
from tests.factories import advance, submit

pytestmark = pytest.mark.django_db

HOME = reverse("requests_portal:member_home")


def _home_queries(client, **params) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(HOME, params)
    assert response.status_code == 200
    return len(queries), response


def test_home_is_paged_open_cases_first_and_counts_cover_every_page(client, member, ga_staff, supervisor):
    assert MEMBER_HOME_PAGE_SIZE == 20
    oldest_waiting = advance(submit(member), Status.AWAITING_AMENDMENT, handler=ga_staff, approver=supervisor)
    middle = [submit(member) for _ in range(20)]
    finished = [submit(member) for _ in range(2)]  # the newest, but no longer open
    for dsr in finished:
        services.dsr_withdraw(dsr=dsr, actor=member, reason="")
    client.force_login(member)

    response = client.get(HOME)
    listed = list(response.context["cases"])
    assert [dsr.pk for dsr in listed] == [dsr.pk for dsr in reversed(middle)]
    page = response.content.decode()
    assert "全 23 件（うち手続き中 21 件）" in page
    assert 'aria-label="ご請求の一覧のページ"' in page
    assert 'href="?page=2"' in page
    assert 'aria-current="page"' in page
    # The request waiting for the member is flagged even though it is listed on page 2.
    assert f"{oldest_waiting.reference} " in page
    assert [dsr.pk for dsr in response.context["waiting"]] == [oldest_waiting.pk]

    second = client.get(HOME, {"page": 2})
    assert [dsr.pk for dsr in second.context["cases"]] == [oldest_waiting.pk, *(d.pk for d in reversed(finished))]
    assert 'rel="prev"' in second.content.decode()
    # A page number out of range shows the last page rather than an error.
    assert client.get(HOME, {"page": 99}).context["page"].number == 2


def test_home_without_enough_cases_has_no_page_links(client, member):
    submit(member)
    client.force_login(member)
    page = client.get(HOME).content.decode()
    assert "全 1 件（うち手続き中 1 件）" in page
    assert "ご請求の一覧のページ" not in page


def test_home_query_count_does_not_grow_with_the_cases(client, member, other_member):
    submit(other_member)
    client.force_login(other_member)
    few, _response = _home_queries(client)
    for _ in range(MEMBER_HOME_PAGE_SIZE + 5):
        submit(member)
    client.force_login(member)
    many, response = _home_queries(client)
    assert len(response.context["cases"]) == MEMBER_HOME_PAGE_SIZE
    assert many == few  # no query per listed case
    assert many <= 12
