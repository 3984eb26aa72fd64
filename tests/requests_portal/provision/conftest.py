import pytest

from requests_portal.models import Member
from tests.factories import MemberFactory


@pytest.fixture
def roster_member(db) -> Member:
    return MemberFactory(member_number="100001", full_name="山田 花子")
