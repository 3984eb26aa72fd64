"""Rendering letters from the database: once, numbered, stored, announced; failures; re-render; posting."""

import logging
from datetime import timedelta

import pytest
import time_machine

from django.core import mail
from django.utils import timezone

from requests_portal import storage
from requests_portal.exceptions import DomainError
from requests_portal.letters import services as letters
from requests_portal.models import (
    AuditEntry,
    Decision,
    EventType,
    Letter,
    LetterKind,
    LetterStatus,
    NumberSequence,
    OrganisationProfile,
    OutboundMail,
    ProvisionRecord,
    RequestEvent,
    RequestKind,
    Status,
    StatutoryGround,
)
from requests_portal.services import dsr_approve_decision, dsr_draft_decision, dsr_extend
from requests_portal.tasks import letter_render_task, letter_sweep_task
from tests.factories import advance, submit
from tests.requests_portal.letters.pdf_checks import assert_only_our_font, pdf_text

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _ack(dsr) -> Letter:
    return dsr.letters.get(kind=LetterKind.ACKNOWLEDGEMENT)


def test_acknowledgement_renders_once_with_number_file_hash_event_and_audit(member):
    dsr = submit(member)
    letter = _ack(dsr)
    assert letter.status == LetterStatus.PENDING

    assert letters.letter_render(letter_id=letter.pk) == letters.RENDERED
    letter.refresh_from_db()
    assert letter.status == LetterStatus.RENDERED
    year = letter.fiscal_year
    assert letter.document_number == "警生協総第1号"
    assert letter.serial == 1
    assert letter.rendered_at is not None
    content = storage.read(letter.storage_name)
    assert storage.sha256_hex(content) == letter.sha256
    assert letter.size_bytes == len(content)
    text = pdf_text(content)
    assert "開示等の請求の受付について" in text
    assert dsr.reference in text
    assert "警生協総第1号" in text
    assert_only_our_font(content)
    assert RequestEvent.objects.filter(dsr=dsr, event_type=EventType.LETTER_RENDERED, member_visible=True).count() == 1
    assert AuditEntry.objects.filter(action="letter.render", object_id=str(letter.public_id)).count() == 1

    # A second run (a duplicate message, the sweep) changes nothing and takes no number.
    assert letters.letter_render(letter_id=letter.pk) == letters.ALREADY_DONE
    assert NumberSequence.objects.get(scope="letter:警生協総", year=year).last_value == 1
    assert RequestEvent.objects.filter(dsr=dsr, event_type=EventType.LETTER_RENDERED).count() == 1


def test_missing_letter_is_reported_not_raised():
    assert letters.letter_render(letter_id=999_999) == letters.MISSING


def test_letter_is_queued_for_rendering_when_the_transaction_commits(member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        dsr = submit(member)
    assert _ack(dsr).status == LetterStatus.PENDING  # nothing happens before commit
    for callback in callbacks:
        callback()
    assert _ack(dsr).status == LetterStatus.RENDERED


def test_general_affairs_and_my_number_desk_number_separately(member, my_number_dsr):
    dsr = submit(member)
    letters.letter_render(letter_id=_ack(dsr).pk)
    letters.letter_render(letter_id=_ack(my_number_dsr).pk)
    assert _ack(dsr).document_number == "警生協総第1号"
    assert _ack(my_number_dsr).document_number == "警生協個第1号"


def test_number_runs_per_fiscal_year(member):
    with time_machine.travel(timezone.make_aware(timezone.datetime(2027, 3, 31, 10)), tick=False):
        first = submit(member)
        letters.letter_render(letter_id=_ack(first).pk)
    with time_machine.travel(timezone.make_aware(timezone.datetime(2027, 4, 1, 10)), tick=False):
        second = submit(member)
        letters.letter_render(letter_id=_ack(second).pk)
    first_letter, second_letter = _ack(first), _ack(second)
    assert (first_letter.fiscal_year, first_letter.document_number) == (2026, "警生協総第1号")
    assert (second_letter.fiscal_year, second_letter.document_number) == (2027, "警生協総第1号")
    assert "令和9年3月31日" in pdf_text(storage.read(first_letter.storage_name))


def test_portal_decision_notice_completes_the_answer(member, ga_staff, supervisor):
    dsr = submit(member)
    advance(dsr, Status.DECIDED, handler=ga_staff, approver=supervisor)
    letter = dsr.letters.get(kind=LetterKind.DISCLOSURE_DECISION)
    assert letters.letter_render(letter_id=letter.pk) == letters.RENDERED
    dsr.refresh_from_db()
    assert dsr.status == Status.NOTIFIED
    notified = dsr.events.get(event_type=EventType.STATUS_CHANGED, to_status=Status.NOTIFIED)
    assert notified.actor is None  # the system
    decided_mail = OutboundMail.objects.get(dsr=dsr, template="dsr_decided")
    assert dsr.member.full_name not in decided_mail.subject
    text = pdf_text(storage.read(Letter.objects.get(pk=letter.pk).storage_name))
    assert "保有個人データ一部開示決定通知書" in text
    assert "第33条第2項第1号" in text
    assert "他の組合員の氏名" in text


def test_posted_decision_notice_completes_the_answer_when_staff_mark_it_posted(member, ga_staff, supervisor):
    dsr = submit(member)
    dsr.notify_by_post = True
    dsr.save(update_fields=["notify_by_post"])
    advance(dsr, Status.DECIDED, handler=ga_staff, approver=supervisor)
    letter = dsr.letters.get(kind=LetterKind.DISCLOSURE_DECISION)
    assert letter.by_post
    letters.letter_render(letter_id=letter.pk)
    dsr.refresh_from_db()
    assert dsr.status == Status.DECIDED  # rendered is not yet sent
    assert not OutboundMail.objects.filter(dsr=dsr, template="dsr_decided").exists()

    letters.letter_mark_posted(letter=letter, actor=ga_staff)
    letter.refresh_from_db()
    dsr.refresh_from_db()
    assert letter.status == LetterStatus.DELIVERED
    assert letter.delivered_at is not None
    assert dsr.status == Status.NOTIFIED
    assert dsr.events.filter(event_type=EventType.LETTER_POSTED, actor=ga_staff).count() == 1
    with pytest.raises(DomainError):
        letters.letter_mark_posted(letter=letter, actor=ga_staff)  # only once


def test_only_posted_letters_can_be_marked_posted(member, ga_staff):
    dsr = submit(member)
    letter = _ack(dsr)
    letters.letter_render(letter_id=letter.pk)
    with pytest.raises(DomainError, match="郵送"):
        letters.letter_mark_posted(letter=letter, actor=ga_staff)


def test_identity_notice_mails_the_member(member, ga_staff, supervisor):
    dsr = submit(member)
    advance(dsr, Status.REJECTED, handler=ga_staff, approver=supervisor)
    letter = dsr.letters.get(kind=LetterKind.IDENTITY_NOT_VERIFIED)
    letters.letter_render(letter_id=letter.pk)
    issued = OutboundMail.objects.get(dsr=dsr, template="letter_issued")
    assert issued.subject == "【警察職員生協】通知書を発行しました"
    assert "本人確認ができなかった旨" in issued.body
    assert pdf_text(storage.read(Letter.objects.get(pk=letter.pk).storage_name)).count("確認できませんでした") == 1


def test_extension_notice_prints_both_dates_and_the_reason(member, ga_staff):
    dsr = submit(member)
    advance(dsr, Status.IN_REVIEW, handler=ga_staff, approver=None)
    new_due = dsr.due_date + timedelta(days=14)
    dsr_extend(dsr=dsr, actor=ga_staff, new_due_date=new_due, reason="記録が複数の事業所にあり確認に時間を要するため")
    letter = dsr.letters.get(kind=LetterKind.EXTENSION_NOTICE)
    letters.letter_render(letter_id=letter.pk)
    text = pdf_text(storage.read(Letter.objects.get(pk=letter.pk).storage_name))
    from requests_portal.wareki import format_wareki

    assert format_wareki(new_due) in text
    assert "確認に時間を要するため" in text


def test_provision_records_are_frozen_at_the_first_render_and_kept_on_re_render(member, ga_staff, supervisor):
    ProvisionRecord.objects.create(
        member=member.member,
        direction=ProvisionRecord.Direction.PROVIDED,
        occurred_on=timezone.localdate() - timedelta(days=30),
        third_party_name="みらい損害保険株式会社 団体保険部",
        data_items="氏名、団体保険の加入口数",
        consent_obtained=True,
        source_ref="PR-T-1",
    )
    dsr = submit(member, kind=RequestKind.PROVISION_RECORDS)
    advance(dsr, Status.DECIDED, handler=ga_staff, approver=supervisor)
    letter = dsr.letters.get(kind=LetterKind.DISCLOSURE_DECISION)
    letters.letter_render(letter_id=letter.pk)
    letter.refresh_from_db()
    assert [r["third_party_name"] for r in letter.payload["provision_records"]] == ["みらい損害保険株式会社 団体保険部"]
    text = pdf_text(storage.read(letter.storage_name))
    assert "第三者提供記録開示決定通知書" in text
    assert "みらい損害保険株式会社団体保険部" in text

    ProvisionRecord.objects.create(
        member=member.member,
        direction=ProvisionRecord.Direction.RECEIVED,
        occurred_on=timezone.localdate(),
        third_party_name="後から取り込まれた記録",
        data_items="氏名",
        source_ref="PR-T-2",
    )
    new = letters.letter_rerender(letter=letter, actor=ga_staff, reason="差出人の職名を訂正したため")
    letters.letter_render(letter_id=new.pk)
    new.refresh_from_db()
    assert new.payload["provision_records"] == letter.payload["provision_records"]
    assert "後から取り込まれた記録" not in pdf_text(storage.read(new.storage_name))


def test_re_render_supersedes_keeps_both_files_and_tells_the_member(member, ga_staff):
    dsr = submit(member)
    old = _ack(dsr)
    letters.letter_render(letter_id=old.pk)
    old.refresh_from_db()
    profile = OrganisationProfile.load()
    profile.sender_title = "総務部長（訂正後）"
    profile.save()

    new = letters.letter_rerender(letter=old, actor=ga_staff, reason="差出人の職名の誤りを修正したため")
    assert new.supersedes_id == old.pk
    assert new.status == LetterStatus.PENDING
    event = dsr.events.get(event_type=EventType.LETTER_CREATED, extra__letter_id=new.pk)
    assert event.actor == ga_staff
    assert "職名の誤り" in event.note
    assert AuditEntry.objects.filter(action="letter.rerender", object_id=str(old.public_id)).count() == 1
    letters.letter_render(letter_id=new.pk)
    old.refresh_from_db()
    new.refresh_from_db()

    assert old.status == LetterStatus.SUPERSEDED
    assert new.status == LetterStatus.RENDERED
    assert new.document_number == "警生協総第2号"
    assert new.storage_name != old.storage_name
    old_text, new_text = pdf_text(storage.read(old.storage_name)), pdf_text(storage.read(new.storage_name))
    assert "訂正後" not in old_text
    assert "総務部長(訂正後)" in new_text
    assert "警生協総第1号の通知書に代えて発行する" in new_text
    reissued = OutboundMail.objects.get(dsr=dsr, template="letter_reissued")
    assert "警生協総第2号" in reissued.body
    assert dsr.member.full_name not in reissued.subject

    with pytest.raises(DomainError, match="すでに再作成"):
        letters.letter_rerender(letter=old, actor=ga_staff, reason="もう一度")


def test_re_render_needs_a_reason_and_handling_rights(member, my_number_dsr, ga_staff, officer):
    dsr = submit(member)
    letters.letter_render(letter_id=_ack(dsr).pk)
    with pytest.raises(DomainError, match="理由"):
        letters.letter_rerender(letter=_ack(dsr), actor=ga_staff, reason="  ")
    with pytest.raises(DomainError, match="マイナンバー"):
        letters.letter_rerender(letter=_ack(dsr), actor=ga_staff, reason="番号 123456789018 を削除")
    letters.letter_render(letter_id=_ack(my_number_dsr).pk)
    with pytest.raises(DomainError, match="権限"):
        letters.letter_rerender(letter=_ack(my_number_dsr), actor=ga_staff, reason="誤記の訂正")
    assert letters.letter_rerender(letter=_ack(my_number_dsr), actor=officer, reason="誤記の訂正").pk


def test_pending_letter_cannot_be_re_rendered(member, ga_staff):
    dsr = submit(member)
    with pytest.raises(DomainError, match="作成待ち"):
        letters.letter_rerender(letter=_ack(dsr), actor=ga_staff, reason="誤記の訂正")


def _unrenderable_identity_letter(member, ga_staff, supervisor) -> Letter:
    dsr = submit(member)
    advance(dsr, Status.REJECTED, handler=ga_staff, approver=supervisor)
    letter = dsr.letters.get(kind=LetterKind.IDENTITY_NOT_VERIFIED)
    # A character no Japanese font has (Tangut), as if pasted into the reason by mistake.
    letter.payload = {**letter.payload, "reason": "書類の氏名が一致しませんでした \U00017000"}
    letter.save(update_fields=["payload"])
    return letter


def test_content_that_cannot_render_fails_at_once_with_a_visible_event(member, ga_staff, supervisor, caplog):
    letter = _unrenderable_identity_letter(member, ga_staff, supervisor)
    with caplog.at_level(logging.ERROR):
        assert letter_render_task.delay(letter.pk).get() == "failed"
    letter.refresh_from_db()
    assert letter.status == LetterStatus.FAILED
    assert letter.attempts == 1
    assert "フォントに含まれない文字" in letter.last_error
    assert letter.document_number == ""
    assert letter.storage_name == ""
    event = RequestEvent.objects.get(dsr=letter.dsr, event_type=EventType.LETTER_FAILED)
    assert event.member_visible is False
    assert event.extra["letter_id"] == letter.pk
    # The number taken for the failed attempt was given back: the next letter gets No. 1.
    ok = submit(member)
    letters.letter_render(letter_id=_ack(ok).pk)
    assert _ack(ok).document_number == "警生協総第1号"


def test_transient_failures_retry_with_backoff_then_fail(member, settings, tmp_path):
    settings.DSR_LETTER_MAX_ATTEMPTS = 3
    dsr = submit(member)
    letter = _ack(dsr)
    # Storage that cannot be written (a file where the folder should be): a real OSError.
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    settings.DSR_PRIVATE_ROOT = blocked

    with pytest.raises(NotADirectoryError):
        letters.letter_render(letter_id=letter.pk)
    assert letters.letter_record_failure(letter_id=letter.pk, error="NotADirectoryError", permanent=False) is False
    letter.refresh_from_db()
    assert letter.status == LetterStatus.PENDING
    assert letter.attempts == 1  # counted when it started
    assert letter.next_attempt_at > timezone.now() + timedelta(seconds=20)  # backing off
    assert letter.document_number == ""  # the number went back with the rollback

    # Eager Celery runs the retries at once; the row counts them and gives up at the limit.
    assert letter_render_task.delay(letter.pk).get() == "failed"
    letter.refresh_from_db()
    assert letter.status == LetterStatus.FAILED
    assert letter.attempts == 3
    assert "Error" in letter.last_error
    assert RequestEvent.objects.filter(dsr=dsr, event_type=EventType.LETTER_FAILED).count() == 1
    assert NumberSequence.objects.filter(scope="letter:警生協総", last_value__gt=0).count() == 0


def test_attempts_used_up_by_runs_that_never_finished_end_in_failed(member, settings):
    """A render that kills its worker never records a failure; its counted starts still end it."""
    settings.DSR_LETTER_MAX_ATTEMPTS = 3
    dsr = submit(member)
    letter = _ack(dsr)
    Letter.objects.filter(pk=letter.pk).update(attempts=3)  # three starts, none finished
    assert letters.letter_render(letter_id=letter.pk) == letters.FAILED
    letter.refresh_from_db()
    assert letter.status == LetterStatus.FAILED
    assert "中断" in letter.last_error
    assert RequestEvent.objects.filter(dsr=dsr, event_type=EventType.LETTER_FAILED).count() == 1


def test_staff_re_render_of_a_failed_letter_renders_it(member, ga_staff, supervisor):
    letter = _unrenderable_identity_letter(member, ga_staff, supervisor)
    letter_render_task.delay(letter.pk)
    letter.refresh_from_db()
    assert letter.status == LetterStatus.FAILED
    letter.payload = {**letter.payload, "reason": "書類の氏名が一致しませんでした"}  # the fix
    letter.save(update_fields=["payload"])
    new = letters.letter_rerender(letter=letter, actor=ga_staff, reason="使用できない文字を修正")
    letters.letter_render(letter_id=new.pk)
    new.refresh_from_db()
    letter.refresh_from_db()
    assert new.status == LetterStatus.RENDERED
    assert letter.status == LetterStatus.SUPERSEDED
    # Never issued before, so this is the first notice the member gets (not a re-issue).
    assert OutboundMail.objects.filter(dsr=letter.dsr, template="letter_issued").count() == 1
    assert not OutboundMail.objects.filter(dsr=letter.dsr, template="letter_reissued").exists()


def test_sweep_rings_again_only_for_letters_past_the_grace_period(member, settings):
    settings.DSR_LETTER_SWEEP_GRACE_SECONDS = 180
    dsr = submit(member)
    letter = _ack(dsr)
    assert letters.pending_letter_ids() == []
    with time_machine.travel(timezone.now() + timedelta(minutes=4)):
        assert letters.pending_letter_ids() == [letter.pk]
        assert letter_sweep_task.delay().get() == 1
    letter.refresh_from_db()
    assert letter.status == LetterStatus.RENDERED
    assert letters.pending_letter_ids() == []


def test_sweep_respects_the_backoff_of_a_failed_attempt(member, settings):
    settings.DSR_LETTER_SWEEP_GRACE_SECONDS = 0
    dsr = submit(member)
    letter = _ack(dsr)
    letters.letter_record_failure(letter_id=letter.pk, error="OperationalError", permanent=False)
    assert letters.pending_letter_ids() == []
    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        assert letters.pending_letter_ids() == [letter.pk]


def test_a_decided_case_of_a_returned_then_reapproved_draft_gets_one_letter_each(member, ga_staff, supervisor):
    dsr = submit(member)
    advance(dsr, Status.AWAITING_APPROVAL, handler=ga_staff, approver=supervisor)
    from requests_portal.services import dsr_return_decision

    dsr_return_decision(dsr=dsr, actor=supervisor, reason="理由を具体的に")
    dsr_draft_decision(
        dsr=dsr,
        actor=ga_staff,
        decision=Decision.NOT_DISCLOSED,
        ground=StatutoryGround.ART33_2_2,
        reason="業務に著しい支障",
    )
    dsr_approve_decision(dsr=dsr, actor=supervisor)
    decision_letters = dsr.letters.exclude(kind=LetterKind.ACKNOWLEDGEMENT)
    assert [letter.kind for letter in decision_letters] == [LetterKind.NON_DISCLOSURE]
    letters.letter_render(letter_id=decision_letters.get().pk)
    dsr.refresh_from_db()
    assert dsr.status == Status.NOTIFIED
    assert len(mail.outbox) == 0  # mails leave through the outbox task, not inline
