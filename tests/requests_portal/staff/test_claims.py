"""Claiming is compare-and-set, and taking over a colleague's case is its own action with a reason
(docs/architecture.md#assignment, docs/reliability.md#claims).

The races run on PostgreSQL with one thread and one database connection per person, as that
many browsers would; on SQLite (which serialises every writer) they are skipped.
"""

import os
import threading

import pytest

from django.db import close_old_connections, connection
from django.test import Client
from django.urls import reverse
from django.utils import translation

from requests_portal import services
from requests_portal.exceptions import CaseHeldByOther, DomainError
from requests_portal.models import AuditEntry, DataSubjectRequest, EventType, OutboundMail, RequestKind, Status
from requests_portal.roles import Role
from requests_portal.templatetags.staff_tags import event_summary
from tests.factories import advance, member_user, staff_user, submit

CROWD = 50


def _race(count: int, target) -> list[object]:
    """Run target(0..count-1) at once, each in its own thread and connection."""
    barrier = threading.Barrier(count)
    outcomes: list[object] = [None] * count

    def worker(index: int) -> None:
        try:
            barrier.wait()
            outcomes[index] = target(index)
        except BaseException as exc:  # reported by the assertions
            outcomes[index] = exc
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        message = "real concurrency needs PostgreSQL (SQLite serialises every writer)"
        if os.environ.get("DSR_REQUIRE_ALL_TESTS"):  # CI must not pass by skipping the race
            pytest.fail(message)
        pytest.skip(message)


def _assignments(dsr: DataSubjectRequest) -> int:
    return dsr.events.filter(event_type=EventType.ASSIGNED).count()


def _writes(dsr: DataSubjectRequest) -> tuple[int, int, int]:
    """Events, audit entries and mails about the case."""
    return (
        dsr.events.count(),
        AuditEntry.objects.filter(object_ref=dsr.reference).exclude(action="dsr.view").count(),
        OutboundMail.objects.count(),
    )


# --- under real concurrency (PostgreSQL) ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_fifty_colleagues_claiming_one_case_at_once_give_one_winner():
    _needs_postgresql()
    dsr = submit(member_user())
    clerks = [staff_user(Role.GA_STAFF) for _ in range(CROWD)]

    def claim(index: int) -> str:
        changed = services.dsr_claim(dsr=DataSubjectRequest.objects.get(pk=dsr.pk), actor=clerks[index])
        return "won" if changed else "unchanged"

    outcomes = _race(CROWD, claim)
    assert outcomes.count("won") == 1, outcomes
    losers = [outcome for outcome in outcomes if outcome != "won"]
    assert len(losers) == CROWD - 1
    assert all(isinstance(outcome, CaseHeldByOther) for outcome in losers), losers
    dsr.refresh_from_db()
    winner = clerks[outcomes.index("won")]
    assert dsr.assignee == winner
    assert all(outcome.holder_id == winner.pk for outcome in losers)
    assert _assignments(dsr) == 1
    assert AuditEntry.objects.filter(action="dsr.assign", object_ref=dsr.reference).count() == 1
    # The case moved on to 本人確認中 once.
    assert dsr.status == Status.VERIFYING
    assert dsr.events.filter(event_type=EventType.STATUS_CHANGED, to_status=Status.VERIFYING).count() == 1


@pytest.mark.django_db(transaction=True)
def test_fifty_colleagues_clicking_claim_at_once_each_read_who_won():
    _needs_postgresql()
    dsr = submit(member_user())
    clerks = [staff_user(Role.GA_STAFF) for _ in range(CROWD)]
    clients = []
    for clerk in clerks:
        client = Client()
        client.force_login(clerk)
        clients.append(client)
    url = reverse("requests_portal:staff_dsr_claim", args=[dsr.public_id])

    def click(index: int) -> tuple[int, str]:
        response = clients[index].post(url, follow=True)
        return response.status_code, response.content.decode()

    outcomes = _race(CROWD, click)
    assert all(status == 200 for status, _page in outcomes), [status for status, _page in outcomes]
    dsr.refresh_from_db()
    won = [page for _status, page in outcomes if "を自分の担当にしました" in page]
    told = [page for _status, page in outcomes if f"この事案は既に{dsr.assignee}さんが担当しています" in page]
    assert (len(won), len(told)) == (1, CROWD - 1)
    assert _assignments(dsr) == 1


@pytest.mark.django_db(transaction=True)
def test_one_person_claiming_fifty_times_at_once_writes_once():
    _needs_postgresql()
    dsr = submit(member_user())
    clerk = staff_user(Role.GA_STAFF)

    def claim(_index: int) -> bool:
        return services.dsr_claim(dsr=DataSubjectRequest.objects.get(pk=dsr.pk), actor=clerk)

    outcomes = _race(CROWD, claim)
    assert outcomes.count(True) == 1, outcomes
    assert outcomes.count(False) == CROWD - 1, outcomes
    dsr.refresh_from_db()
    assert dsr.assignee == clerk
    assert _assignments(dsr) == 1
    assert AuditEntry.objects.filter(action="dsr.assign", object_ref=dsr.reference).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_takeover_racing_a_hand_over_changes_the_case_once():
    _needs_postgresql()
    holder, colleague = staff_user(Role.GA_STAFF), staff_user(Role.GA_STAFF)
    supervisor = staff_user(Role.GA_SUPERVISOR)
    dsr = advance(submit(member_user()), Status.VERIFYING, handler=holder, approver=supervisor)

    def act(index: int) -> bool:
        fresh = DataSubjectRequest.objects.get(pk=dsr.pk)
        if index == 0:
            return services.dsr_assign(dsr=fresh, assignee=colleague, actor=holder)
        return services.dsr_take_over(
            dsr=fresh, actor=supervisor, assignee=supervisor, reason="休暇のため", expected_assignee_id=holder.pk
        )

    outcomes = _race(2, act)
    assert outcomes.count(True) == 1, outcomes
    assert isinstance(next(o for o in outcomes if o is not True), CaseHeldByOther)
    assert _assignments(dsr) == 2  # the first claim, then exactly one of the two


# --- the rule, one request at a time ----------------------------------------------------------


@pytest.mark.django_db
def test_claiming_fifty_times_in_a_row_writes_once_and_mails_nothing(member, ga_staff, client):
    dsr = submit(member)
    assert services.dsr_claim(dsr=dsr, actor=ga_staff) is True
    before = _writes(dsr)
    client.force_login(ga_staff)
    url = reverse("requests_portal:staff_dsr_claim", args=[dsr.public_id])
    for _ in range(CROWD):
        assert services.dsr_claim(dsr=dsr, actor=ga_staff) is False
    response = client.post(url, follow=True)
    assert "は既にあなたの担当です" in response.content.decode()
    assert _writes(dsr) == before
    assert _assignments(dsr) == 1


@pytest.mark.django_db
def test_a_colleagues_case_cannot_be_claimed_or_reassigned_by_a_clerk(member, ga_staff, ga_staff2, client):
    dsr = submit(member)
    services.dsr_claim(dsr=dsr, actor=ga_staff)
    before = _writes(dsr)
    with pytest.raises(CaseHeldByOther) as refused:
        services.dsr_claim(dsr=dsr, actor=ga_staff2)
    assert refused.value.holder_id == ga_staff.pk
    with pytest.raises(CaseHeldByOther):
        services.dsr_assign(dsr=dsr, assignee=None, actor=ga_staff2)
    # Through the pages: the loser is told whose it is, and the case page offers no change.
    client.force_login(ga_staff2)
    response = client.post(reverse("requests_portal:staff_dsr_claim", args=[dsr.public_id]), follow=True)
    assert response.status_code == 200
    assert f"{dsr.reference}：この事案は既に{ga_staff}さんが担当しています。" in response.content.decode()
    client.post(reverse("requests_portal:staff_dsr_assign", args=[dsr.public_id]), {"assignee": str(ga_staff2.pk)})
    dsr.refresh_from_db()
    assert dsr.assignee == ga_staff
    assert _writes(dsr) == before
    page = client.get(reverse("requests_portal:staff_dsr_detail", args=[dsr.public_id])).content.decode()
    assert reverse("requests_portal:staff_dsr_claim", args=[dsr.public_id]) not in page
    assert reverse("requests_portal:staff_dsr_assign", args=[dsr.public_id]) not in page
    assert reverse("requests_portal:staff_dsr_take_over", args=[dsr.public_id]) not in page
    assert "担当の変更は、担当者本人か監督者に依頼してください。" in page
    # The takeover page is not theirs: it answers like a missing case.
    assert client.get(reverse("requests_portal:staff_dsr_take_over", args=[dsr.public_id])).status_code == 404
    # The holder may pass it on.
    assert services.dsr_assign(dsr=dsr, assignee=ga_staff2, actor=ga_staff) is True
    dsr.refresh_from_db()
    assert dsr.assignee == ga_staff2


@pytest.mark.django_db
def test_takeover_needs_a_reason_and_keeps_what_was_typed(member, ga_staff, ga_staff2, supervisor, client):
    dsr = advance(submit(member), Status.VERIFYING, handler=ga_staff, approver=supervisor)
    client.force_login(supervisor)
    detail = client.get(reverse("requests_portal:staff_dsr_detail", args=[dsr.public_id])).content.decode()
    url = reverse("requests_portal:staff_dsr_take_over", args=[dsr.public_id])
    assert url in detail
    form = client.get(url).context["form"]
    assert form["expected_assignee"].value() == ga_staff.pk
    before = _writes(dsr)
    response = client.post(url, {"assignee": str(ga_staff2.pk), "reason": "　 ", "expected_assignee": ga_staff.pk})
    assert response.status_code == 200
    page = response.content.decode()
    assert "引き継ぎの理由を入力してください。" in page
    assert response.context["form"]["assignee"].value() == str(ga_staff2.pk)
    assert _writes(dsr) == before
    # The service refuses it too, whoever calls it.
    with pytest.raises(DomainError, match="引き継ぎの理由"):
        services.dsr_take_over(
            dsr=dsr, actor=supervisor, assignee=ga_staff2, reason="", expected_assignee_id=ga_staff.pk
        )

    response = client.post(
        url, {"assignee": str(ga_staff2.pk), "reason": "担当者が長期休暇のため", "expected_assignee": ga_staff.pk}
    )
    assert response.status_code == 302
    dsr.refresh_from_db()
    assert dsr.assignee == ga_staff2
    event = dsr.events.filter(event_type=EventType.ASSIGNED).latest("id")
    assert (event.actor, event.note, event.member_visible) == (supervisor, "担当者が長期休暇のため", False)
    assert (event.extra["from"], event.extra["to"], event.extra["takeover"]) == (ga_staff.pk, ga_staff2.pk, True)
    entry = AuditEntry.objects.filter(action="dsr.take_over", object_ref=dsr.reference).get()
    assert entry.data == {"from": ga_staff.pk, "to": ga_staff2.pk, "reason": "担当者が長期休暇のため"}
    # In the timeline, in Japanese and in English.
    timeline = client.get(reverse("requests_portal:staff_dsr_detail", args=[dsr.public_id])).content.decode()
    assert f"担当を引き継ぎ：{ga_staff} → {ga_staff2}" in timeline
    assert "担当者が長期休暇のため" in timeline
    with translation.override("en"):
        assert event_summary(event) == f"Taken over: {ga_staff} → {ga_staff2}"
    # Staff business: the requester is not mailed.
    assert _writes(dsr)[2] == before[2]


@pytest.mark.django_db
def test_takeover_of_a_case_that_changed_hands_meanwhile_is_refused(member, ga_staff, ga_staff2, supervisor, client):
    dsr = advance(submit(member), Status.VERIFYING, handler=ga_staff, approver=supervisor)
    client.force_login(supervisor)
    url = reverse("requests_portal:staff_dsr_take_over", args=[dsr.public_id])
    client.get(url)
    services.dsr_assign(dsr=dsr, assignee=ga_staff2, actor=ga_staff)  # while the form was open
    response = client.post(
        url, {"assignee": str(supervisor.pk), "reason": "急ぎのため", "expected_assignee": ga_staff.pk}
    )
    assert response.status_code == 200
    assert f"この事案の担当者は既に変わっています（現在：{ga_staff2}）" in response.content.decode()
    assert "急ぎのため" in response.content.decode()  # what was typed is still there
    dsr.refresh_from_db()
    assert dsr.assignee == ga_staff2


@pytest.mark.django_db
def test_the_my_number_wall_holds_for_takeovers(member, officer, officer2, supervisor, ga_staff, client):
    dsr = submit(member, kind=RequestKind.MY_NUMBER_INQUIRY)
    services.dsr_claim(dsr=dsr, actor=officer)
    url = reverse("requests_portal:staff_dsr_take_over", args=[dsr.public_id])
    for outsider in (supervisor, ga_staff):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
        assert client.post(url, {"assignee": str(outsider.pk), "reason": "理由"}).status_code == 404
        with pytest.raises(DomainError):
            services.dsr_take_over(
                dsr=dsr, actor=outsider, assignee=outsider, reason="理由", expected_assignee_id=officer.pk
            )
    dsr.refresh_from_db()
    assert dsr.assignee == officer
    # Another officer (who approves My Number cases) may, with a reason.
    client.force_login(officer2)
    response = client.post(url, {"assignee": str(officer2.pk), "reason": "不在のため", "expected_assignee": officer.pk})
    assert response.status_code == 302
    dsr.refresh_from_db()
    assert dsr.assignee == officer2
    assert AuditEntry.objects.get(action="dsr.take_over").restricted


@pytest.mark.django_db
def test_bulk_claim_skips_cases_held_by_others_and_names_them(member, ga_staff, ga_staff2, supervisor, client):
    free, mine, theirs = submit(member), submit(member), submit(member)
    services.dsr_claim(dsr=mine, actor=ga_staff)
    services.dsr_claim(dsr=theirs, actor=ga_staff2)
    client.force_login(ga_staff)
    queue = reverse("requests_portal:staff_queue")
    response = client.post(
        reverse("requests_portal:staff_queue_bulk_assign"),
        {"cases": [str(d.public_id) for d in (free, mine, theirs)], "assignee": str(ga_staff.pk), "next": queue},
        follow=True,
    )
    page = response.content.decode()
    assert "1 件の担当者を変更しました" in page
    assert "1 件は既にその担当者でした" in page
    assert f"1 件は他の職員が担当しているため変更しませんでした：{theirs.reference}" in page
    theirs.refresh_from_db()
    assert theirs.assignee == ga_staff2
    assert _assignments(mine) == 1
    # A clerk's reason does not make it a takeover: only those who may take over can.
    response = client.post(
        reverse("requests_portal:staff_queue_bulk_assign"),
        {"cases": [str(theirs.public_id)], "assignee": str(ga_staff.pk), "reason": "まとめて処理", "next": queue},
        follow=True,
    )
    assert f"1 件は他の職員が担当しているため変更しませんでした：{theirs.reference}" in response.content.decode()
    theirs.refresh_from_db()
    assert theirs.assignee == ga_staff2
    # A supervisor's reassignment in bulk is a takeover with a reason.
    client.force_login(supervisor)
    assert 'name="reason"' in client.get(queue).content.decode()
    client.post(
        reverse("requests_portal:staff_queue_bulk_assign"),
        {"cases": [str(d.public_id) for d in (mine, theirs)], "assignee": str(supervisor.pk), "reason": "繁忙のため"},
    )
    for dsr, before in ((mine, ga_staff), (theirs, ga_staff2)):
        dsr.refresh_from_db()
        assert dsr.assignee == supervisor
        event = dsr.events.filter(event_type=EventType.ASSIGNED).latest("id")
        assert (event.note, event.extra["from"]) == ("繁忙のため", before.pk)
