"""20 concurrent approvals of one case on PostgreSQL: exactly one succeeds, one set of letters.

Each approval runs in its own thread and database connection, as 20 supervisors' browsers
would; the transition locks the row (SELECT … FOR UPDATE), so the others see DECIDED and are
refused by the transition table.
"""

import threading

import pytest

from django.db import close_old_connections, connection
from django.test import Client
from django.urls import reverse

from requests_portal import services
from requests_portal.exceptions import TransitionNotAllowed
from requests_portal.models import DataSubjectRequest, EventType, Letter, LetterKind, Status
from requests_portal.roles import Role
from tests.factories import advance, member_user, staff_user, submit

APPROVALS = 20


def _race(target) -> list[object]:
    barrier = threading.Barrier(APPROVALS)
    outcomes: list[object] = []

    def worker(index: int) -> None:
        try:
            barrier.wait()
            outcomes.append(target(index))
        except BaseException as exc:  # reported by the assertions below
            outcomes.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(APPROVALS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _case_awaiting_approval() -> tuple[DataSubjectRequest, list]:
    handler = staff_user(Role.GA_STAFF)
    approvers = [staff_user(Role.GA_SUPERVISOR) for _ in range(APPROVALS)]
    dsr = advance(submit(member_user()), Status.AWAITING_APPROVAL, handler=handler, approver=approvers[0])
    return dsr, approvers


def _assert_one_decision(dsr: DataSubjectRequest) -> None:
    dsr.refresh_from_db()
    # Portal delivery: the decision notice renders at once (eager tasks), so the case goes on to
    # notified, as in tests/e2e/test_staff_workflow.py; it was decided exactly once (below).
    assert dsr.status == Status.NOTIFIED
    assert Letter.objects.filter(dsr=dsr, kind=LetterKind.DISCLOSURE_DECISION).count() == 1
    assert dsr.events.filter(event_type=EventType.DECISION_APPROVED).count() == 1
    assert dsr.events.filter(event_type=EventType.STATUS_CHANGED, to_status=Status.DECIDED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_approvals_through_the_service():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency needs PostgreSQL (SQLite serialises every writer)")
    dsr, approvers = _case_awaiting_approval()

    def approve(index: int) -> str:
        services.dsr_approve_decision(dsr=DataSubjectRequest.objects.get(pk=dsr.pk), actor=approvers[index])
        return "ok"

    outcomes = _race(approve)
    assert outcomes.count("ok") == 1
    refused = [o for o in outcomes if o != "ok"]
    assert len(refused) == APPROVALS - 1
    assert all(isinstance(o, TransitionNotAllowed) for o in refused), refused
    _assert_one_decision(dsr)


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_approvals_through_the_page():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency needs PostgreSQL (SQLite serialises every writer)")
    dsr, approvers = _case_awaiting_approval()
    url = reverse("requests_portal:staff_dsr_approve", args=[dsr.public_id])
    clients = []
    for approver in approvers:
        client = Client()
        client.force_login(approver)
        clients.append(client)

    def approve(index: int) -> int:
        response = clients[index].post(url, follow=True)
        return response.status_code, "決裁しました" in response.content.decode()

    outcomes = _race(approve)
    assert all(status == 200 for status, _ok in outcomes), outcomes
    assert sum(1 for _status, ok in outcomes if ok) == 1
    _assert_one_decision(dsr)
