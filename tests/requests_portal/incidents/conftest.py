"""Fixtures of the incident register: the incident manager and incidents filed by the services."""

from datetime import date

import pytest

from requests_portal.incidents import services
from requests_portal.roles import Role
from tests.factories import staff_user

FACTS = {
    "title": "共済金請求書類の誤送付",
    "known_on": date(2026, 11, 30),
    "found_by": "総務部 職員",
    "found_how": "受取人からの電話連絡",
    "is_leak": True,
    "certainty": "actual",
    "data_items": "氏名、住所、診断書の内容",
    "people_estimate": 3,
    "cause": "封入時の確認漏れ",
    "secondary_harm": "現時点で確認されていない",
    "containment": "誤送付先から回収済み",
}


@pytest.fixture
def manager(db):
    return staff_user(Role.INCIDENT_MANAGER)


@pytest.fixture
def incident(manager):
    return services.incident_file(actor=manager, facts=dict(FACTS))


@pytest.fixture
def my_number_incident(officer):
    return services.incident_file(actor=officer, facts={**FACTS, "title": "マイナンバー記載書類の紛失"})
