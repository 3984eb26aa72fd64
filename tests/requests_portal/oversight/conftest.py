"""Oversight fixtures: cases written straight to the database with exact dates.

The figures under test are about dates (arrival, target, decision, close), so these cases are
built field by field rather than through the services, which stamp 'now'.
"""

import itertools
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from requests_portal.models import DataSubjectRequest, Member, Queue, RequestKind, Status
from tests.factories import MemberFactory

JST = ZoneInfo("Asia/Tokyo")
_numbers = itertools.count(1)


def jst(year: int, month: int, day: int, hour: int = 10, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=JST)


def build_case(*, member: Member, kind: str = RequestKind.DISCLOSURE, **fields: object) -> DataSubjectRequest:
    """An unsaved case with sensible defaults; `received_at` and `due_date` are required."""
    queue_code = Queue.MY_NUMBER if kind == RequestKind.MY_NUMBER_INQUIRY else Queue.GA
    queue = fields.pop("queue", None) or Queue.objects.get(code=queue_code)
    received_at = fields.pop("received_at")
    defaults = {
        "reference": f"{queue.reference_prefix}-T-{next(_numbers):06d}",
        "kind": kind,
        "queue": queue,
        "member": member,
        "received_at": received_at,
        "complete_at": received_at,
        "status": Status.IN_REVIEW,
        "summary": "記録の開示",
    }
    defaults.update(fields)
    return DataSubjectRequest(**defaults)


def make_case(*, member: Member, **fields: object) -> DataSubjectRequest:
    case = build_case(member=member, **fields)
    case.save()
    return case


@pytest.fixture
def roster_member(db) -> Member:
    return MemberFactory()


@pytest.fixture
def case_maker(roster_member):
    def maker(**fields: object) -> DataSubjectRequest:
        return make_case(member=roster_member, **fields)

    return maker


def d(year: int, month: int, day: int) -> date:
    return date(year, month, day)
