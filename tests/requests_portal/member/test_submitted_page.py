"""The receipt page after filing says what happens next, and knows when identity is already confirmed."""

import pytest

from django.utils import timezone

from requests_portal.models import RequestKind
from tests.factories import MemberFactory
from tests.requests_portal.member.helpers import agent_answers, agent_files, file_request, valid_answers

pytestmark = pytest.mark.django_db

DOCUMENTS_TO_CHECK = "担当者が内容と本人確認書類を確認します。"
CONFIRMED_BY_PASSWORD = "本人確認は再認証により済んでいます。"


def test_after_reauthentication_the_next_steps_do_not_ask_for_id_documents(client, member):
    client.force_login(member)
    response = file_request(client, RequestKind.DISCLOSURE, valid_answers(RequestKind.DISCLOSURE))
    page = client.get(response.url).content.decode()
    assert CONFIRMED_BY_PASSWORD in page
    assert DOCUMENTS_TO_CHECK not in page


def test_an_agent_filing_is_told_the_documents_will_be_checked(client, member):
    principal = MemberFactory(birth_date=timezone.localdate().replace(year=1969))
    client.force_login(member)
    data = agent_answers(RequestKind.DISCLOSURE, principal)
    response = file_request(client, RequestKind.DISCLOSURE, data, **agent_files())
    page = client.get(response.url).content.decode()
    assert DOCUMENTS_TO_CHECK in page
    assert CONFIRMED_BY_PASSWORD not in page
