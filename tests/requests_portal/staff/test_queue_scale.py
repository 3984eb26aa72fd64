"""The queue at scale, checked for correctness on any database: the statements a page runs,
the per-status counters the database keeps (exact, and never counting a hidden case), and the
search by name, フリガナ, member number and the end of a 受付番号."""

import random

import pytest

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from requests_portal.models import DataSubjectRequest, QueueStatusCount, RequestKind, Status
from requests_portal.models.counts import rebuild_status_counts
from requests_portal.roles import Role
from requests_portal.selectors import dsr_status_counts, dsr_status_counts_for, dsr_visible_to_staff
from requests_portal.text import kana_search_key, name_search_key
from tests.factories import MemberFactory, UserFactory, advance, member_user, staff_user, submit

pytestmark = pytest.mark.django_db

QUEUE = reverse("requests_portal:staff_queue")
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


def _statements(captured: CaptureQueriesContext) -> list[str]:
    """The SQL statements a request ran, without transaction control (BEGIN, SAVEPOINT, …)."""
    return [q["sql"] for q in captured.captured_queries if not q["sql"].upper().startswith(TRANSACTION_CONTROL)]


def _counted() -> dict[tuple[int, str, str], int]:
    rows = QueueStatusCount.objects.filter(cases__gt=0).values_list("queue_id", "kind", "status", "cases")
    return {(queue, kind, status): n for queue, kind, status, n in rows}


def _recounted() -> dict[tuple[int, str, str], int]:
    counts: dict[tuple[int, str, str], int] = {}
    for dsr in DataSubjectRequest.objects.values("queue_id", "kind", "status"):
        key = (dsr["queue_id"], dsr["kind"], dsr["status"])
        counts[key] = counts.get(key, 0) + 1
    return counts


def _refs(response) -> set[str]:
    return {dsr.reference for dsr in response.context["page"].object_list}


# --- statements -------------------------------------------------------------------------------


def test_the_default_queue_page_runs_at_most_ten_statements(client, ga_staff):
    login = member_user()
    for _ in range(12):
        submit(login)
    client.force_login(ga_staff)
    client.get(QUEUE)  # warm the calendar cache like any running server
    with CaptureQueriesContext(connection) as captured:
        response = client.get(QUEUE)
    assert len(response.context["page"].object_list) == 12
    statements = _statements(captured)
    assert len(statements) <= 10, "\n".join(statements)
    # The counts come from the counters, and the page is counted once (no paginator COUNT).
    assert not any("COUNT(" in sql.upper() and "datasubjectrequest" in sql for sql in statements)


def test_a_search_reads_the_members_once(client, ga_staff):
    yamada = MemberFactory(full_name="山田 太郎", full_name_kana="ヤマダ タロウ", member_number="300001")
    yamada.name_search, yamada.kana_search = name_search_key("山田 太郎"), kana_search_key("ヤマダ タロウ")
    yamada.save()
    submit(UserFactory(member=yamada))
    client.force_login(ga_staff)
    client.get(QUEUE)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(QUEUE, {"q": "ﾔﾏﾀﾞ"})
    assert response.context["page"].paginator.count == 1
    member_reads = [sql for sql in _statements(captured) if 'FROM "requests_portal_member"' in sql]
    assert len(member_reads) == 1, member_reads
    assert len(_statements(captured)) <= 11


# --- the counters -----------------------------------------------------------------------------


def test_counters_follow_every_change_of_the_cases(ga_staff, supervisor):
    """Random intake, moves, bulk updates and deletions (seeded): the counters always equal a
    count of the cases."""
    rng = random.Random(20261203)
    logins = [member_user() for _ in range(3)]
    for _ in range(25):
        kind = rng.choice([RequestKind.DISCLOSURE, RequestKind.CORRECTION, RequestKind.MY_NUMBER_INQUIRY])
        submit(rng.choice(logins), kind=kind)
    assert _counted() == _recounted()
    ids = list(DataSubjectRequest.objects.values_list("pk", flat=True))
    for _ in range(40):
        action = rng.choice(["status", "bulk", "delete", "assign"])
        if action == "status":
            DataSubjectRequest.objects.filter(pk=rng.choice(ids)).update(status=rng.choice(Status.values))
        elif action == "bulk":
            chosen = rng.sample(ids, k=min(len(ids), 5))
            DataSubjectRequest.objects.filter(pk__in=chosen).update(status=rng.choice(Status.values))
        elif action == "delete" and len(ids) > 5:
            victim = ids.pop(rng.randrange(len(ids)))
            DataSubjectRequest.objects.filter(pk=victim).delete()
        else:  # an update that moves no case between counters
            DataSubjectRequest.objects.filter(pk=rng.choice(ids)).update(assignee=ga_staff)
        assert _counted() == _recounted(), action
    # The workflow's own transitions too.
    dsr = submit(logins[0])
    advance(dsr, Status.AWAITING_APPROVAL, handler=ga_staff, approver=supervisor)
    assert _counted() == _recounted()


def test_rebuild_gives_the_same_counters():
    for _ in range(4):
        submit(member_user())
    before = _counted()
    QueueStatusCount.objects.all().delete()
    rebuild_status_counts(connection)
    assert _counted() == before == _recounted()


@pytest.mark.parametrize("role", [Role.GA_STAFF, Role.GA_SUPERVISOR, Role.MY_NUMBER_OFFICER, Role.AUDITOR])
def test_counts_from_the_counters_equal_the_visible_cases(role):
    """The counters summed for a person equal a count of dsr_visible_to_staff: My Number cases
    only for the officers, a My Number inquiry filed in the general queue hidden from everyone
    else, and a case reached through an individual grant counted once."""
    login = member_user()
    for kind in (RequestKind.DISCLOSURE, RequestKind.COMPLAINT, RequestKind.MY_NUMBER_INQUIRY):
        submit(login, kind=kind)
    stray = submit(login)
    DataSubjectRequest.objects.filter(pk=stray.pk).update(kind=RequestKind.MY_NUMBER_INQUIRY)
    DataSubjectRequest.objects.filter(pk=submit(login).pk).update(status=Status.CLOSED)
    person = staff_user(role)
    fresh = type(person).objects.get(pk=person.pk)
    expected = dsr_status_counts(dsr_visible_to_staff(fresh))
    assert dsr_status_counts_for(type(person).objects.get(pk=person.pk)) == expected
    if role != Role.MY_NUMBER_OFFICER:
        assert sum(expected.values()) == 3  # the stray inquiry and the My Number case are hidden
    kinds = [RequestKind.DISCLOSURE]
    assert dsr_status_counts_for(type(person).objects.get(pk=person.pk), kinds=kinds) == dsr_status_counts(
        dsr_visible_to_staff(fresh).filter(kind__in=kinds)
    )


def test_counts_include_a_case_reached_through_a_grant(officer):
    from guardian.shortcuts import assign_perm

    login = member_user()
    granted = submit(login)
    submit(login)
    own = submit(login, kind=RequestKind.MY_NUMBER_INQUIRY)
    DataSubjectRequest.objects.filter(pk=own.pk).update(status=Status.CLOSED)
    # The officer holds the My Number queue only; a grant opens one general case to them.
    assign_perm("view_case_grant", officer, granted)
    person = type(officer).objects.get(pk=officer.pk)
    assert dsr_status_counts_for(person) == dsr_status_counts(dsr_visible_to_staff(person))
    assert dsr_status_counts_for(type(officer).objects.get(pk=officer.pk)) == {
        Status.SUBMITTED: 1,
        Status.CLOSED: 1,
    }


def test_page_counts_and_totals_agree_with_the_list(client, ga_staff):
    login = member_user()
    cases = [submit(login) for _ in range(5)]
    DataSubjectRequest.objects.filter(pk__in=[c.pk for c in cases[:2]]).update(status=Status.CLOSED)
    submit(login, kind=RequestKind.MY_NUMBER_INQUIRY)
    client.force_login(ga_staff)
    response = client.get(QUEUE)
    counts = {status: n for status, _label, n in response.context["status_counts"]}
    assert response.context["page"].paginator.count == 3 == counts[Status.SUBMITTED]
    assert response.context["total_all"] == 5
    assert client.get(QUEUE, {"status": "all"}).context["page"].paginator.count == 5
    assert client.get(QUEUE, {"status": Status.CLOSED}).context["page"].paginator.count == 2


# --- search -----------------------------------------------------------------------------------


def _person(name: str, kana: str, number: str):
    member = MemberFactory(full_name=name, full_name_kana=kana, member_number=number)
    member.name_search, member.kana_search = name_search_key(name), kana_search_key(kana)
    member.save()
    return UserFactory(member=member)


@pytest.mark.parametrize(
    ("query", "who"),
    [
        ("ﾔﾏﾀﾞ", {"yamada", "oyamada"}),  # three characters or more: anywhere in the フリガナ
        ("ヤマダ タロウ", {"yamada"}),
        ("山田", {"yamada"}),  # a short name: from the start (a surname)
        ("小山田", {"oyamada"}),
        ("ﾀﾛｳ", {"yamada"}),
        ("400001", {"yamada"}),  # the member number
        ("花子", {"oyamada"}),  # a short given name: from the end
        ("ﾊﾅｺ", {"oyamada"}),
        ("佐", {"sato"}),  # one character: the start or the end of a name, never its middle
        ("郎", {"yamada", "sato"}),
        ("藤", set()),
        ("ｲﾁ", set()),  # a short フリガナ: neither its start nor its end
    ],
)
def test_search_by_name_kana_and_member_number(client, ga_staff, query, who):
    people = {
        "yamada": _person("山田 太郎", "ヤマダ タロウ", "400001"),
        "oyamada": _person("小山田 花子", "オヤマダ ハナコ", "400002"),
        "sato": _person("佐藤 一郎", "サトウ イチロウ", "400003"),
    }
    cases = {key: submit(login) for key, login in people.items()}
    client.force_login(ga_staff)
    response = client.get(QUEUE, {"q": query, "status": "all"})
    assert _refs(response) == {cases[key].reference for key in who}
    assert response.context["page"].paginator.count == len(who) == response.context["total_all"]


def test_search_by_the_end_of_a_reference(client, member, ga_staff):
    cases = [submit(member) for _ in range(19)]
    eighteenth = cases[17]
    assert eighteenth.reference.endswith("00018")
    restricted = submit(member, kind=RequestKind.MY_NUMBER_INQUIRY)
    # Digits never search names, even a (test) name whose key ends in them.
    numbered = MemberFactory(full_name="試験 太郎18", full_name_kana="シケン タロウ18", member_number="300018")
    numbered.name_search, numbered.kana_search = name_search_key("試験 太郎18"), kana_search_key("シケン タロウ18")
    numbered.save()
    submit(UserFactory(member=numbered))
    client.force_login(ga_staff)
    for query in ("00018", "18", "０００１８"):
        response = client.get(QUEUE, {"q": query, "status": "all"})
        assert _refs(response) == {eighteenth.reference}, query
    # A My Number case's number is never found by someone who may not see it.
    tail = restricted.reference.rsplit("-", 1)[1]
    assert restricted.reference not in _refs(client.get(QUEUE, {"q": tail, "status": "all"}))


@pytest.mark.parametrize("status", ["", "all"])
def test_a_search_finds_the_same_cases_whether_its_members_go_in_as_ids_or_as_a_subquery(
    client, ga_staff, monkeypatch, status
):
    """Up to filters._INLINE_MEMBER_IDS members go into the case statements as an array, more as
    a subquery: the two must list and count the same cases."""
    people = [_person(f"山田 {given}", f"ヤマダ {kana}", f"40010{n}") for n, (given, kana) in enumerate(
        [("太郎", "タロウ"), ("花子", "ハナコ"), ("一郎", "イチロウ")]
    )]  # fmt: skip
    cases = [submit(login) for login in people for _ in range(2)]
    DataSubjectRequest.objects.filter(pk=cases[0].pk).update(status=Status.CLOSED)
    submit(_person("佐藤 花子", "サトウ ハナコ", "400200"))
    client.force_login(ga_staff)
    found = {}
    for limit in (len(people), len(people) - 1):  # the array, then the subquery
        monkeypatch.setattr("requests_portal.filters._INLINE_MEMBER_IDS", limit)
        response = client.get(QUEUE, {"q": "山田", "status": status})
        found[limit] = (_refs(response), response.context["page"].paginator.count, response.context["total_all"])
    expected = {dsr.reference for dsr in cases} - ({cases[0].reference} if not status else set())
    assert found[len(people)] == found[len(people) - 1] == (expected, len(expected), len(cases))
