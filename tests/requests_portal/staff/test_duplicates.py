"""Duplicates (docs/architecture.md#duplicates): what filing records as a possible duplicate,
what each reader is shown of it, linking and unlinking, closing a duplicate with its notice,
the audit trail and timelines of both cases, and the My Number wall."""

import re
import threading
from datetime import timedelta

import pytest
from guardian.shortcuts import assign_perm

from django.core import mail
from django.db import connection
from django.db.models import Exists, OuterRef
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from requests_portal import services
from requests_portal.exceptions import DomainError
from requests_portal.letters.kinds import notice_for
from requests_portal.letters.sources import load_source
from requests_portal.models import (
    AuditEntry,
    CaseLink,
    CaseLinkType,
    Channel,
    DataSubjectRequest,
    DuplicateCandidate,
    EventType,
    Letter,
    LetterKind,
    Member,
    RequestKind,
    Status,
)
from requests_portal.roles import CASE_GRANT_PERMISSION, Access, Role
from requests_portal.selectors import (
    dsr_duplicate_candidates,
    dsr_ids_with_duplicate_candidates,
    dsr_possible_duplicates_of_filing,
    dsr_with_possible_duplicate_flag,
)
from tests.factories import advance, member_user, staff_user, submit

pytestmark = pytest.mark.django_db

CATEGORY_A = [{"id": 1, "name": "共済契約に関する情報"}]
CATEGORY_B = [{"id": 2, "name": "出資金に関する情報"}]


def disclosure(member, categories=CATEGORY_A, **kwargs) -> DataSubjectRequest:
    return submit(member, disclosure_method="paper", details={"data_categories": categories}, **kwargs)


def paper_disclosure(member, staff, categories, received) -> DataSubjectRequest:
    """A postal request typed in by staff: the categories are names, the date a date."""
    return services.dsr_submit(
        actor=staff,
        member=member.member,
        kind=RequestKind.DISCLOSURE,
        channel=Channel.POST,
        received=received,
        summary="開示請求（郵送）",
        description="共済の記録",
        details={"data_categories": categories},
        disclosure_method="paper",
    )


def candidate_pairs() -> set[tuple[int, int]]:
    return set(DuplicateCandidate.objects.values_list("dsr_id", "earlier_id"))


# --- detection -----------------------------------------------------------------------------------


def test_a_repeat_of_an_open_request_is_recorded_on_filing(member):
    first = disclosure(member)
    second = disclosure(member)
    assert candidate_pairs() == {(second.pk, first.pk)}
    entry = AuditEntry.objects.filter(action="dsr.create", object_ref=second.reference).get()
    assert entry.data["possible_duplicates"] == 1


def test_a_postal_repeat_with_full_width_category_names_is_found(member, ga_staff):
    online = disclosure(member, categories=[{"id": 1, "name": "共済契約に関する情報 (ABC)"}])
    posted = paper_disclosure(member, ga_staff, ["共済契約に関する情報　（ＡＢＣ）"], timezone.localdate())
    assert candidate_pairs() == {(posted.pk, online.pk)}


def test_no_candidate_across_kinds(member):
    disclosure(member)
    submit(member, kind=RequestKind.PURPOSE_NOTICE, details={"data_categories": CATEGORY_A})
    assert candidate_pairs() == set()


def test_no_candidate_across_members(member, other_member):
    disclosure(member)
    disclosure(other_member)
    assert candidate_pairs() == set()


def test_no_candidate_when_the_categories_do_not_overlap(member):
    disclosure(member, categories=CATEGORY_A)
    disclosure(member, categories=CATEGORY_B)
    assert candidate_pairs() == set()


def test_a_request_naming_no_category_may_repeat_any(member):
    first = disclosure(member, categories=CATEGORY_A)
    second = disclosure(member, categories=[])
    assert candidate_pairs() == {(second.pk, first.pk)}


@pytest.mark.parametrize("status", [Status.CLOSED, Status.WITHDRAWN])
def test_no_candidate_among_ended_cases(member, ga_staff, supervisor, status):
    first = disclosure(member)
    if status == Status.WITHDRAWN:
        services.dsr_withdraw(dsr=first, actor=member)
    else:
        advance(first, Status.CLOSED, handler=ga_staff, approver=supervisor)
    first.refresh_from_db()
    assert first.status == status
    disclosure(member)
    assert candidate_pairs() == set()


def test_the_window_is_ninety_days(member, ga_staff):
    today = timezone.localdate()
    old = paper_disclosure(member, ga_staff, ["共済契約に関する情報"], today - timedelta(days=91))
    recent = paper_disclosure(member, ga_staff, ["共済契約に関する情報"], today - timedelta(days=89))
    new = disclosure(member)
    assert candidate_pairs() == {(recent.pk, old.pk), (new.pk, recent.pk)}
    assert dsr_possible_duplicates_of_filing(new) == [recent]


# --- what readers see ----------------------------------------------------------------------------


def test_both_cases_show_the_other_until_they_are_linked(member, ga_staff):
    first, second = disclosure(member), disclosure(member)
    assert dsr_duplicate_candidates(first, ga_staff) == [second]
    assert dsr_duplicate_candidates(second, ga_staff) == [first]
    assert dsr_ids_with_duplicate_candidates(ga_staff, [first.pk, second.pk]) == {first.pk, second.pk}
    services.dsr_link(actor=ga_staff, primary=first, secondary=second, link_type=CaseLinkType.RELATED)
    assert dsr_duplicate_candidates(first, ga_staff) == []
    assert dsr_ids_with_duplicate_candidates(ga_staff, [first.pk, second.pk]) == set()


def test_my_number_candidates_are_shown_to_officers_only(member, ga_staff, supervisor, officer, auditor):
    first = submit(member, kind=RequestKind.MY_NUMBER_INQUIRY, summary="問い合わせ")
    second = submit(member, kind=RequestKind.MY_NUMBER_INQUIRY, summary="問い合わせ")
    assert candidate_pairs() == {(second.pk, first.pk)}
    assert dsr_duplicate_candidates(second, officer) == [first]
    for outsider in (ga_staff, supervisor, auditor):
        assert dsr_duplicate_candidates(second, outsider) == []
        assert dsr_ids_with_duplicate_candidates(outsider, [first.pk, second.pk]) == set()


# --- linking -------------------------------------------------------------------------------------


def test_linking_a_duplicate_closes_it_with_a_notice_naming_the_primary(
    member, ga_staff, django_capture_on_commit_callbacks
):
    primary, duplicate = disclosure(member), disclosure(member)
    with django_capture_on_commit_callbacks(execute=True):
        link = services.dsr_link(actor=ga_staff, primary=primary, secondary=duplicate, link_type=CaseLinkType.DUPLICATE)
    duplicate.refresh_from_db()
    primary.refresh_from_db()
    assert duplicate.status == Status.CLOSED
    assert duplicate.closed_at is not None
    assert primary.status == Status.SUBMITTED
    letter = Letter.objects.get(dsr=duplicate, kind=LetterKind.DUPLICATE_CLOSED)
    assert letter.payload["primary_reference"] == primary.reference
    notice = notice_for(load_source(letter, issued_on=timezone.localdate()))
    text = "".join(notice.body()) + "".join(line for item in notice.items() for line in item.paragraphs)
    assert primary.reference in text
    assert duplicate.reference in text
    assert letter.status in ("rendered", "delivered")  # the eager worker rendered it
    sent = [m for m in mail.outbox if duplicate.reference in m.body and primary.reference in m.body]
    assert len(sent) == 1
    assert sent[0].to == [member.email]
    assert link.primary == primary
    assert link.secondary == duplicate
    assert link.is_live


def test_linking_is_audited_and_shown_in_both_timelines(member, ga_staff):
    first, second = disclosure(member), disclosure(member)
    link = services.dsr_link(
        actor=ga_staff, primary=first, secondary=second, link_type=CaseLinkType.DUPLICATE, note="同じ内容"
    )
    for case, role in ((first, "primary"), (second, "duplicate")):
        event = case.events.get(event_type=EventType.LINKED)
        assert event.extra["role"] == role
        assert event.extra["link_id"] == link.pk
        assert event.actor == ga_staff
        assert not event.member_visible
        assert event.note == "同じ内容"
        entry = AuditEntry.objects.get(action="dsr.link", object_ref=case.reference)
        assert entry.data["other"] == link.other(case).reference
    closing = second.events.get(event_type=EventType.STATUS_CHANGED, to_status=Status.CLOSED)
    assert closing.member_visible
    assert closing.extra["duplicate_of"] == first.reference


def test_a_related_link_closes_nothing(member, ga_staff):
    first, second = disclosure(member), disclosure(member)
    services.dsr_link(actor=ga_staff, primary=first, secondary=second, link_type=CaseLinkType.RELATED)
    assert set(DataSubjectRequest.objects.values_list("status", flat=True)) == {Status.SUBMITTED}
    assert not Letter.objects.filter(kind=LetterKind.DUPLICATE_CLOSED).exists()


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("other_member", "同じ組合員"),
        ("other_kind", "同じ種類"),
        ("closed_primary", "終了しています"),
        ("same", "同じ事案"),
        ("twice", "すでに関連付け"),
    ],
)
def test_linking_refuses_what_cannot_be_a_duplicate(member, other_member, ga_staff, supervisor, case, message):
    primary, secondary = disclosure(member), disclosure(member)
    if case == "other_member":
        secondary = disclosure(other_member)
    elif case == "other_kind":
        secondary = submit(member, kind=RequestKind.PURPOSE_NOTICE)
    elif case == "closed_primary":
        primary = advance(primary, Status.CLOSED, handler=ga_staff, approver=supervisor)
    elif case == "same":
        secondary = primary
    elif case == "twice":
        services.dsr_link(actor=ga_staff, primary=primary, secondary=secondary, link_type=CaseLinkType.RELATED)
    events_before = {dsr.pk: dsr.events.count() for dsr in (primary, secondary)}
    with pytest.raises(DomainError, match=message):
        services.dsr_link(actor=ga_staff, primary=primary, secondary=secondary, link_type=CaseLinkType.DUPLICATE)
    assert CaseLink.objects.filter(link_type=CaseLinkType.DUPLICATE).count() == 0
    assert {dsr.pk: dsr.events.count() for dsr in (primary, secondary)} == events_before


def test_a_decided_case_is_not_closed_as_a_duplicate(member, ga_staff, supervisor):
    primary = disclosure(member)
    decided = advance(disclosure(member), Status.DECIDED, handler=ga_staff, approver=supervisor)
    with pytest.raises(DomainError, match="重複として終了できません"):
        services.dsr_link(actor=ga_staff, primary=primary, secondary=decided, link_type=CaseLinkType.DUPLICATE)


def test_only_a_linked_duplicate_is_closed_before_its_decision(member, ga_staff):
    from requests_portal import workflow
    from requests_portal.exceptions import TransitionNotAllowed

    dsr = disclosure(member)
    assert workflow.allowed_moves(dsr, ga_staff)[Status.CLOSED] is not None
    with pytest.raises(TransitionNotAllowed, match="重複"):
        services.dsr_close(dsr=dsr, actor=ga_staff)
    assert DataSubjectRequest.objects.get(pk=dsr.pk).status == Status.SUBMITTED


def test_a_member_cannot_link(member):
    first, second = disclosure(member), disclosure(member)
    with pytest.raises(DomainError):
        services.dsr_link(actor=member, primary=first, secondary=second, link_type=CaseLinkType.RELATED)


def test_unlinking_needs_a_reason_and_is_recorded_on_both_cases(member, ga_staff):
    first, second = disclosure(member), disclosure(member)
    link = services.dsr_link(actor=ga_staff, primary=first, secondary=second, link_type=CaseLinkType.DUPLICATE)
    with pytest.raises(DomainError, match="理由"):
        services.dsr_unlink(actor=ga_staff, link=link, reason="  ")
    services.dsr_unlink(actor=ga_staff, link=link, reason="別の請求でした")
    link.refresh_from_db()
    assert not link.is_live
    assert link.unlinked_by == ga_staff
    assert link.unlink_reason == "別の請求でした"
    for case in (first, second):
        assert case.events.get(event_type=EventType.UNLINKED).note == "別の請求でした"
        assert AuditEntry.objects.filter(action="dsr.unlink", object_ref=case.reference).count() == 1
    # The duplicate stays closed: reopening it is the approver's 再開.
    assert DataSubjectRequest.objects.get(pk=second.pk).status == Status.CLOSED
    with pytest.raises(DomainError, match="すでに解除"):
        services.dsr_unlink(actor=ga_staff, link=link, reason="もう一度")


# --- the wall ------------------------------------------------------------------------------------


def test_a_my_number_case_is_not_linkable_by_a_non_officer(member, ga_staff, supervisor):
    general = disclosure(member)
    restricted = submit(member, kind=RequestKind.MY_NUMBER_INQUIRY, summary="問い合わせ")
    for actor in (ga_staff, supervisor):
        with pytest.raises(DomainError):
            services.dsr_link(actor=actor, primary=general, secondary=restricted, link_type=CaseLinkType.RELATED)
    assert not CaseLink.objects.exists()


def test_officers_cannot_link_across_the_wall_either(member, officer):
    general = disclosure(member)
    restricted = submit(member, kind=RequestKind.MY_NUMBER_INQUIRY, summary="問い合わせ")
    with pytest.raises(DomainError):
        services.dsr_link(actor=officer, primary=restricted, secondary=general, link_type=CaseLinkType.RELATED)


# --- the pages -----------------------------------------------------------------------------------


def links_url(dsr: DataSubjectRequest) -> str:
    return reverse("requests_portal:staff_dsr_links", args=[dsr.public_id])


def test_the_case_page_shows_the_candidate_and_the_queue_a_badge(client, member, ga_staff):
    first, second = disclosure(member), disclosure(member)
    client.force_login(ga_staff)
    page = client.get(reverse("requests_portal:staff_dsr_detail", args=[second.public_id])).content.decode()
    assert "重複の可能性" in page
    assert first.reference in page
    queue = client.get(reverse("requests_portal:staff_queue")).content.decode()
    assert queue.count('#links">重複の可能性') == 2


def test_linking_through_the_page(client, member, ga_staff):
    primary, duplicate = disclosure(member), disclosure(member)
    client.force_login(ga_staff)
    response = client.post(links_url(duplicate), {"reference": primary.reference.lower(), "role": "this_duplicate"})
    assert response.status_code == 302
    assert DataSubjectRequest.objects.get(pk=duplicate.pk).status == Status.CLOSED
    page = client.get(reverse("requests_portal:staff_dsr_detail", args=[primary.public_id])).content.decode()
    assert duplicate.reference in page
    assert "重複（この事案が主）" in page


def test_a_hidden_case_answers_like_a_missing_one(client, member, ga_staff):
    general = disclosure(member)
    restricted = submit(member, kind=RequestKind.MY_NUMBER_INQUIRY, summary="問い合わせ")
    client.force_login(ga_staff)
    hidden = client.post(links_url(general), {"reference": restricted.reference, "role": "related"})
    missing = client.post(links_url(general), {"reference": "MN-2099-99999", "role": "related"})
    assert hidden.status_code == missing.status_code == 404

    def masked(response, reference):
        body = response.content.decode().replace(reference, "<ref>")
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)

    assert masked(hidden, restricted.reference) == masked(missing, "MN-2099-99999")
    assert "見つかりません" in hidden.content.decode()
    assert not CaseLink.objects.exists()


def test_the_unlink_page_refuses_a_link_of_another_case(client, member, ga_staff):
    first, second, third = disclosure(member), disclosure(member), disclosure(member)
    link = services.dsr_link(actor=ga_staff, primary=first, secondary=second, link_type=CaseLinkType.RELATED)
    client.force_login(ga_staff)
    unlink = reverse("requests_portal:staff_dsr_unlink", args=[third.public_id])
    assert client.post(unlink, {"link": link.pk, "reason": "誤り"}).status_code == 404
    ok = reverse("requests_portal:staff_dsr_unlink", args=[first.public_id])
    assert client.post(ok, {"link": link.pk, "reason": ""}).status_code == 200  # the reason is required
    assert client.post(ok, {"link": link.pk, "reason": "誤り"}).status_code == 302
    assert not CaseLink.objects.get(pk=link.pk).is_live


def _queue_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("requests_portal:staff_queue"), {"per_page": 50})
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_queue_badge_costs_the_same_for_any_number_of_rows(client, member, ga_staff):
    client.force_login(ga_staff)
    disclosure(member), disclosure(member)
    client.get(reverse("requests_portal:staff_queue"))  # warm the per-process caches
    few = _queue_queries(client)
    for _ in range(6):
        disclosure(member)
        disclosure(member_user())  # one case each: nothing to repeat
    many = _queue_queries(client)
    page = client.get(reverse("requests_portal:staff_queue"), {"per_page": 50}).content.decode()
    assert page.count('#links">重複の可能性') == 8  # every case of `member`, and no other
    assert many == few


def _badged(client, user) -> set[str]:
    """The 受付番号 that carry a 「重複の可能性」 badge on `user`'s queue page (all statuses)."""
    client.force_login(user)
    page = client.get(reverse("requests_portal:staff_queue"), {"status": "all"}).content.decode()
    return set(re.findall(r'case-reference" href="[^"]+">([A-Z]+-\d{4}-\d{5})</a>(?:(?!</td>).)*#links', page))


def test_the_queue_badges_only_a_pair_whose_other_case_the_reader_sees(client, member, ga_staff, officer):
    general, other_general = disclosure(member), disclosure(member)
    inquiry, other_inquiry = (submit(member, kind=RequestKind.MY_NUMBER_INQUIRY, summary="問い合わせ") for _ in "ab")
    # A pair across the wall (and nothing else for either case), as a case moved between queues
    # or a tampered table could leave: neither side's reader may learn of the other case.
    stray = submit(member, kind=RequestKind.MY_NUMBER_INQUIRY, summary="問い合わせ")
    lone = disclosure(member, categories=CATEGORY_B)
    DuplicateCandidate.objects.filter(dsr__in=[stray, lone]).delete()
    DuplicateCandidate.objects.create(dsr=stray, earlier=lone)
    assert _badged(client, ga_staff) == {general.reference, other_general.reference}
    assert _badged(client, officer) == {inquiry.reference, other_inquiry.reference}
    # Someone with no queue who reaches one case of a pair through an individual grant sees no
    # badge on it: the other case is not theirs to see. With both granted, both are badged.
    granted = staff_user(Role.ADMIN)
    assign_perm(CASE_GRANT_PERMISSION[Access.VIEW], granted, general)
    assert _badged(client, granted) == set()
    assign_perm(CASE_GRANT_PERMISSION[Access.VIEW], granted, other_general)
    assert _badged(client, granted) == {general.reference, other_general.reference}


def test_the_badge_follows_its_case_inside_a_subquery(member, ga_staff):
    """The badge is written-out SQL around the case's id: used inside another query (where
    Django renames the case table), it must still mean the same case."""
    first, second = disclosure(member), disclosure(member)
    unpaired = submit(member, kind=RequestKind.PURPOSE_NOTICE)
    flagged = dsr_with_possible_duplicate_flag(DataSubjectRequest.objects.all(), ga_staff).filter(
        has_possible_duplicate=True
    )
    assert set(flagged.values_list("pk", flat=True)) == {first.pk, second.pk}
    same_member = DataSubjectRequest.objects.filter(member_id__in=flagged.values("member_id"))
    assert set(same_member.values_list("pk", flat=True)) == {first.pk, second.pk, unpaired.pk}
    assert Member.objects.filter(pk__in=flagged.values("member_id")).count() == 1
    pairs = DuplicateCandidate.objects.filter(Exists(flagged.filter(pk=OuterRef("dsr_id"))))
    assert pairs.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_clerks_linking_the_same_pair_at_once_make_one_link(member, ga_staff, ga_staff2):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    primary, duplicate = disclosure(member), disclosure(member)
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def link(actor):
        try:
            barrier.wait()
            outcomes.append(
                services.dsr_link(actor=actor, primary=primary, secondary=duplicate, link_type=CaseLinkType.DUPLICATE)
            )
        except DomainError as error:
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=link, args=(actor,)) for actor in (ga_staff, ga_staff2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["CaseLink", "DomainError"]
    assert CaseLink.objects.count() == 1
    assert Letter.objects.filter(kind=LetterKind.DUPLICATE_CLOSED).count() == 1
    assert DataSubjectRequest.objects.get(pk=duplicate.pk).status == Status.CLOSED
