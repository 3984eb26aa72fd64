"""The queue page: who sees what, filters, NFKC search, counts, sort, paging, claim and
(bulk) assignment, saved filters, and a constant number of queries."""

from datetime import timedelta

import pytest

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from requests_portal import services
from requests_portal.models import AuditEntry, Member, RequesterType, RequestKind, SavedFilter, Status
from requests_portal.roles import Role
from requests_portal.text import kana_search_key, name_search_key
from tests.factories import MemberFactory, UserFactory, advance, member_user, staff_user, submit

pytestmark = pytest.mark.django_db

QUEUE = reverse("requests_portal:staff_queue")


def _refs(response) -> set[str]:
    return {dsr.reference for dsr in response.context["page"].object_list}


def _named_member(name: str, kana: str, number: str) -> Member:
    member = MemberFactory(full_name=name, full_name_kana=kana, member_number=number)
    member.name_search, member.kana_search = name_search_key(name), kana_search_key(kana)
    member.save()
    return UserFactory(member=member)


def test_each_role_sees_its_own_queue(client, member, ga_staff, officer, auditor, admin_user):
    general = submit(member)
    restricted = submit(member, kind=RequestKind.MY_NUMBER_INQUIRY)
    client.force_login(ga_staff)
    assert _refs(client.get(QUEUE)) == {general.reference}
    client.force_login(officer)
    assert _refs(client.get(QUEUE)) == {restricted.reference}
    client.force_login(auditor)
    page = client.get(QUEUE)
    assert _refs(page) == {general.reference}
    # Auditors read; they get no checkboxes, claim buttons or bulk form.
    assert 'name="cases"' not in page.content.decode()
    assert "担当する" not in page.content.decode()
    client.force_login(admin_user)
    assert _refs(client.get(QUEUE)) == set()


def test_supervisor_sees_the_queues_of_their_groups(client, member, supervisor):
    general = submit(member)
    submit(member, kind=RequestKind.MY_NUMBER_INQUIRY)
    client.force_login(supervisor)
    assert _refs(client.get(QUEUE)) == {general.reference}


def test_counts_per_status_never_include_my_number_cases(client, member, ga_staff, supervisor):
    submit(member)
    advance(submit(member), Status.IN_REVIEW, handler=ga_staff, approver=supervisor)
    advance(submit(member), Status.CLOSED, handler=ga_staff, approver=supervisor)
    for _ in range(3):
        submit(member, kind=RequestKind.MY_NUMBER_INQUIRY)
    client.force_login(ga_staff)
    response = client.get(QUEUE)
    counts = {status: n for status, _label, n in response.context["status_counts"]}
    assert counts[Status.SUBMITTED] == 1
    assert counts[Status.IN_REVIEW] == 1
    assert counts[Status.CLOSED] == 1
    assert response.context["total_all"] == 3
    # The default list is the unanswered cases; "all" adds the closed one.
    assert response.context["page"].paginator.count == 2
    assert client.get(QUEUE, {"status": "all"}).context["page"].paginator.count == 3
    assert client.get(QUEUE, {"status": Status.CLOSED}).context["page"].paginator.count == 1


def test_filters_kind_assignee_requester_channel(client, member, ga_staff, ga_staff2):
    mine = submit(member)
    services.dsr_assign(dsr=mine, assignee=ga_staff, actor=ga_staff)
    theirs = submit(member, kind=RequestKind.CORRECTION)
    services.dsr_assign(dsr=theirs, assignee=ga_staff2, actor=ga_staff2)
    unassigned = submit(
        member,
        kind=RequestKind.SUSPENSION,
        requester_type=RequesterType.APPOINTED_AGENT,
        agent={"agent_name": "代理 花子"},
    )
    paper = services.dsr_submit(
        actor=ga_staff, member=member.member, kind=RequestKind.COMPLAINT, channel="post",
        received=timezone.localdate(), summary="苦情",
    )  # fmt: skip
    client.force_login(ga_staff)
    assert _refs(client.get(QUEUE, {"assignee": "mine"})) == {mine.reference}
    assert _refs(client.get(QUEUE, {"assignee": str(ga_staff2.pk)})) == {theirs.reference}
    assert _refs(client.get(QUEUE, {"assignee": "unassigned"})) == {unassigned.reference, paper.reference}
    assert _refs(client.get(QUEUE, {"kind": RequestKind.CORRECTION})) == {theirs.reference}
    assert _refs(client.get(QUEUE, {"requester": "agent"})) == {unassigned.reference}
    assert _refs(client.get(QUEUE, {"requester": RequesterType.SELF})) == {
        mine.reference,
        theirs.reference,
        paper.reference,
    }
    assert _refs(client.get(QUEUE, {"channel": "post"})) == {paper.reference}
    # Assigning to a person who cannot see the queue is not even offered as a filter value.
    response = client.get(QUEUE, {"assignee": "999999"})
    assert response.context["filter"].errors


def test_due_window_filters(client, member, ga_staff, time_machine):
    time_machine.move_to("2026-03-02 10:00 +09:00", tick=False)  # Monday
    old = submit(member)  # due 2026-03-16, Art. 39 mark 2026-03-16
    time_machine.move_to("2026-03-12 10:00 +09:00", tick=False)
    recent = submit(member)  # due 2026-03-26
    time_machine.move_to("2026-03-24 10:00 +09:00", tick=False)  # Tuesday
    client.force_login(ga_staff)
    assert _refs(client.get(QUEUE, {"due": "overdue"})) == {old.reference}
    # 3 business days from Tue 3/24: Wed, Thu, Fri 3/27; 3/26 is within.
    assert _refs(client.get(QUEUE, {"due": "soon"})) == {recent.reference}
    assert _refs(client.get(QUEUE, {"due": "art39"})) == {old.reference}
    # A complaint is not an Art. 39 kind.
    time_machine.move_to("2026-03-02 10:00 +09:00", tick=False)
    submit(member, kind=RequestKind.COMPLAINT)
    time_machine.move_to("2026-03-24 10:00 +09:00", tick=False)
    assert _refs(client.get(QUEUE, {"due": "art39"})) == {old.reference}


@pytest.mark.parametrize(
    "query",
    ["山田", "ヤマダ", "ﾔﾏﾀﾞ", "やまだ", "山田　太郎", "ＧＡ", "100777", "高橋"],
)
def test_search_is_nfkc_and_width_insensitive(client, ga_staff, query):
    yamada = _named_member("山田 太郎", "ヤマダ タロウ", "100777")
    takahashi = _named_member("髙橋 一郎", "タカハシ イチロウ", "100888")
    first = submit(yamada)
    second = submit(takahashi)
    client.force_login(ga_staff)
    found = _refs(client.get(QUEUE, {"q": query}))
    if query == "ＧＡ":
        assert found == {first.reference, second.reference}  # full-width reference prefix
    elif query == "高橋":
        assert found == {second.reference}  # 髙 folds to 高
    else:
        assert found == {first.reference}


def test_search_by_reference_and_never_finds_hidden_cases(client, member, ga_staff):
    general = submit(member)
    restricted = submit(member, kind=RequestKind.MY_NUMBER_INQUIRY)
    client.force_login(ga_staff)
    assert _refs(client.get(QUEUE, {"q": general.reference.lower()})) == {general.reference}
    response = client.get(QUEUE, {"q": restricted.reference, "status": "all"})
    assert _refs(response) == set()
    assert response.context["total_all"] == 0
    assert "条件に合う事案はありません" in response.content.decode()


def test_sort_and_pagination(client, member, ga_staff, time_machine):
    refs = []
    for day in ("2026-04-06", "2026-04-13", "2026-04-20", "2026-04-27"):  # Mondays: distinct due dates
        time_machine.move_to(f"{day} 10:00 +09:00", tick=False)
        refs.append(submit(member).reference)
    client.force_login(ga_staff)
    cases = client.get(QUEUE, {"sort": "-due"}).context["page"].object_list
    assert [dsr.reference for dsr in cases] == list(reversed(refs))
    default = client.get(QUEUE).context["page"].object_list
    assert [dsr.reference for dsr in default] == refs
    assert client.get(QUEUE, {"per_page": "50"}).context["page"].paginator.per_page == 50
    assert client.get(QUEUE, {"per_page": "7"}).context["page"].paginator.per_page == 25


def test_claim_and_assign(client, member, ga_staff, ga_staff2, officer):
    dsr = submit(member)
    client.force_login(ga_staff)
    response = client.post(reverse("requests_portal:staff_dsr_claim", args=[dsr.public_id]), {"next": QUEUE})
    assert response["Location"] == QUEUE
    dsr.refresh_from_db()
    assert dsr.assignee == ga_staff
    assert dsr.status == Status.VERIFYING
    response = client.post(
        reverse("requests_portal:staff_dsr_assign", args=[dsr.public_id]), {"assignee": str(ga_staff2.pk)}
    )
    dsr.refresh_from_db()
    assert dsr.assignee == ga_staff2
    # An officer cannot be given a general case (not among its handlers).
    client.post(reverse("requests_portal:staff_dsr_assign", args=[dsr.public_id]), {"assignee": str(officer.pk)})
    dsr.refresh_from_db()
    assert dsr.assignee == ga_staff2
    # An open redirect through `next` is refused.
    response = client.post(
        reverse("requests_portal:staff_dsr_claim", args=[dsr.public_id]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("requests_portal:staff_dsr_detail", args=[dsr.public_id])


def test_bulk_assign_skips_what_the_user_cannot_work(client, member, ga_staff, ga_staff2, auditor):
    first, second = submit(member), submit(member)
    hidden = submit(member, kind=RequestKind.MY_NUMBER_INQUIRY)
    client.force_login(ga_staff)
    response = client.post(
        reverse("requests_portal:staff_queue_bulk_assign"),
        {"cases": [first.public_id, second.public_id, hidden.public_id], "assignee": str(ga_staff2.pk), "next": QUEUE},
        follow=True,
    )
    page = response.content.decode()
    assert "2 件の担当者を変更しました" in page
    assert "1 件は変更できませんでした" in page
    for dsr in (first, second):
        dsr.refresh_from_db()
        assert dsr.assignee == ga_staff2
    hidden.refresh_from_db()
    assert hidden.assignee is None
    # Auditors cannot assign at all.
    client.force_login(auditor)
    response = client.post(
        reverse("requests_portal:staff_queue_bulk_assign"), {"cases": [first.public_id], "assignee": "none"}
    )
    assert response.status_code == 404


def test_bulk_assign_without_a_choice_explains(client, member, ga_staff):
    dsr = submit(member)
    client.force_login(ga_staff)
    response = client.post(
        reverse("requests_portal:staff_queue_bulk_assign"), {"cases": [dsr.public_id], "assignee": ""}, follow=True
    )
    assert "この項目は必須です" in response.content.decode() or "必須" in response.content.decode()
    dsr.refresh_from_db()
    assert dsr.assignee is None


def test_saved_filters_belong_to_their_owner(client, member, ga_staff, ga_staff2):
    client.force_login(ga_staff)
    response = client.post(
        reverse("requests_portal:staff_saved_filter_create"),
        {"name": "マイ超過", "query": "assignee=mine&due=overdue&evil=1&page=3"},
    )
    saved = SavedFilter.objects.get(user=ga_staff)
    assert saved.query == "assignee=mine&due=overdue"
    assert response["Location"].endswith("?assignee=mine&due=overdue")
    page = client.get(QUEUE).content.decode()
    assert "マイ超過" in page
    client.force_login(ga_staff2)
    assert "マイ超過" not in client.get(QUEUE).content.decode()
    assert client.post(reverse("requests_portal:staff_saved_filter_delete", args=[saved.pk])).status_code == 404
    client.force_login(ga_staff)
    client.post(reverse("requests_portal:staff_saved_filter_delete", args=[saved.pk]))
    assert not SavedFilter.objects.exists()


def test_htmx_request_gets_only_the_results(client, member, ga_staff):
    submit(member)
    client.force_login(ga_staff)
    response = client.get(QUEUE, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "<html" not in body
    assert "queue-table" in body
    full = client.get(QUEUE).content.decode()
    assert "<html" in full
    assert 'hx-get="/staff/queue/"' in full


def test_queue_listing_is_audited_separately_for_my_number_cases(client, member, officer, ga_staff):
    general = submit(member)
    restricted = submit(member, kind=RequestKind.MY_NUMBER_INQUIRY)
    client.force_login(ga_staff)
    client.get(QUEUE)
    entry = AuditEntry.objects.filter(action="queue.view", actor_id=ga_staff.pk).get()
    assert entry.data["refs"] == [general.reference]
    assert not entry.restricted
    client.force_login(officer)
    client.get(QUEUE)
    entry = AuditEntry.objects.filter(action="queue.view", actor_id=officer.pk).get()
    assert entry.data["refs"] == [restricted.reference]
    assert entry.restricted


def _cases(member, n: int) -> None:
    for index in range(n):
        dsr = submit(member)
        if index % 3 == 0:
            services.dsr_assign(dsr=dsr, assignee=None, actor=staff_user(Role.GA_STAFF))


def test_queue_runs_a_constant_number_of_queries(client, ga_staff, django_assert_max_num_queries):
    first = member_user()
    _cases(first, 10)
    client.force_login(ga_staff)
    params = {"per_page": "100", "status": "all"}
    client.get(QUEUE, params)  # warm the calendar cache like any running server
    with CaptureQueriesContext(connection) as ten:
        assert len(client.get(QUEUE, params).context["page"].object_list) == 10
    _cases(first, 90)
    with django_assert_max_num_queries(len(ten.captured_queries)):
        assert len(client.get(QUEUE, params).context["page"].object_list) == 100
    # And with every filter and the search in play.
    filtered = {**params, "q": "試験", "assignee": "unassigned", "due": "soon", "kind": "disclosure"}
    with django_assert_max_num_queries(len(ten.captured_queries)):
        client.get(QUEUE, filtered)


def test_case_counts_after_deadline_passes(client, member, ga_staff, time_machine):
    time_machine.move_to("2026-05-11 10:00 +09:00", tick=False)
    dsr = submit(member)
    time_machine.move_to(timezone.now() + timedelta(days=30), tick=False)
    client.force_login(ga_staff)
    page = client.get(QUEUE).content.decode()
    assert dsr.reference in page
    assert "営業日超過" in page


def test_a_search_matching_more_than_the_cap_says_so_and_never_counts_my_number_cases(
    client, ga_staff, supervisor, monkeypatch
):
    from requests_portal.views.staff import queue as queue_view

    monkeypatch.setattr(queue_view, "COUNT_CAP", 3)
    user = _named_member("小山田 花子", "オヤマダ ハナコ", "00077001")
    for _ in range(3):
        submit(user)
    advance(submit(user), Status.CLOSED, handler=ga_staff, approver=supervisor)
    for _ in range(5):
        submit(user, kind=RequestKind.MY_NUMBER_INQUIRY)
    client.force_login(ga_staff)

    # Four general cases match: more than the cap, so no figure claims to be a total.
    response = client.get(QUEUE, {"q": "オヤマダ", "status": "all"})
    html = response.content.decode()
    assert response.context["counts_capped"]
    assert response.context["list_capped"]
    assert all(count is None for _status, _label, count in response.context["status_counts"])
    assert response.context["total_all"] is None
    assert "3件以上" in html
    assert len(_refs(response)) == 3  # the pages reach the first three only

    # The unanswered listing (three cases) is counted exactly even though the search is capped.
    response = client.get(QUEUE, {"q": "オヤマダ"})
    assert response.context["counts_capped"]
    assert not response.context["list_capped"]
    assert response.context["page"].paginator.count == 3
    assert "3 件" in response.content.decode()

    # Under the cap every figure is exact, and the five My Number cases are in none of them.
    monkeypatch.setattr(queue_view, "COUNT_CAP", 4)
    response = client.get(QUEUE, {"q": "オヤマダ", "status": "all"})
    assert not response.context["counts_capped"]
    assert response.context["total_all"] == 4
    counts = {status: n for status, _label, n in response.context["status_counts"]}
    assert counts[Status.SUBMITTED] == 3
    assert counts[Status.CLOSED] == 1
    assert "件以上" not in response.content.decode()
