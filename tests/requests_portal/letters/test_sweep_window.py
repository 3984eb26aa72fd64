"""The sweeps re-queue only what is lost: a row records when its message was queued
(`enqueued_at`), and the sweep leaves it to that message for DSR_SWEEP_VISIBILITY_SECONDS.
Also: every delivery attempt of a mail carries the row's own Message-ID, so the copy sent again
after a crash between the SMTP server's acceptance and our commit is recognisably the same mail."""

from datetime import timedelta

import pytest
import time_machine

from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.utils import timezone

from requests_portal import outbox
from requests_portal.letters import services as letters
from requests_portal.models import Letter, LetterKind, LetterStatus, OutboundMail
from tests.factories import submit
from tests.requests_portal.test_queueing import UNREACHABLE_BROKER, _publishing_to

pytestmark = pytest.mark.django_db

WINDOW = 600


@pytest.fixture
def window(settings):
    settings.DSR_SWEEP_VISIBILITY_SECONDS = WINDOW
    settings.DSR_OUTBOX_SWEEP_GRACE_SECONDS = 0
    settings.DSR_LETTER_SWEEP_GRACE_SECONDS = 0


def _pending_mail_and_letter(member, django_capture_on_commit_callbacks) -> tuple[OutboundMail, Letter]:
    # Filed while the messages are not delivered (the callbacks are captured, not run): the rows
    # say a message is on its way, as they do while it waits in Redis.
    with django_capture_on_commit_callbacks(execute=False):
        dsr = submit(member)
    return OutboundMail.objects.get(dsr=dsr), dsr.letters.get(kind=LetterKind.ACKNOWLEDGEMENT)


def test_rows_are_written_with_their_message_on_its_way(member, window, django_capture_on_commit_callbacks):
    before = timezone.now()
    queued_mail, letter = _pending_mail_and_letter(member, django_capture_on_commit_callbacks)
    assert queued_mail.enqueued_at >= before
    assert letter.enqueued_at >= before


def test_the_sweep_leaves_a_queued_row_to_its_message_until_the_window_has_passed(
    member, window, django_capture_on_commit_callbacks
):
    queued_mail, letter = _pending_mail_and_letter(member, django_capture_on_commit_callbacks)
    # Sweeps every minute for the length of the window: the message may still be waiting.
    for minute in range(1, WINDOW // 60):
        with time_machine.travel(timezone.now() + timedelta(minutes=minute)):
            assert outbox.unsent_mail_ids() == []
            assert letters.pending_letter_ids() == []
    with time_machine.travel(timezone.now() + timedelta(seconds=WINDOW + 1)):
        assert outbox.unsent_mail_ids() == [queued_mail.pk]
        assert letters.pending_letter_ids() == [letter.pk]


def test_a_sweep_rings_once_per_window_not_once_per_run(member, window, django_capture_on_commit_callbacks):
    queued_mail, letter = _pending_mail_and_letter(member, django_capture_on_commit_callbacks)
    later = timezone.now() + timedelta(seconds=WINDOW + 1)
    # Eager mode would deliver at once; publishing to a broker that takes the message but is never
    # consumed is what a stalled worker looks like. Here the broker refuses, so nothing is marked.
    with time_machine.travel(later), _publishing_to(UNREACHABLE_BROKER):
        assert outbox.outbox_sweep() == 0
        assert letters.letter_sweep() == 0
    queued_mail.refresh_from_db()
    letter.refresh_from_db()
    assert queued_mail.enqueued_at is None  # refused: the next sweep rings at once
    assert letter.enqueued_at is None
    with time_machine.travel(later + timedelta(minutes=1)):
        assert outbox.unsent_mail_ids() == [queued_mail.pk]
        assert letters.pending_letter_ids() == [letter.pk]


def test_the_task_that_takes_a_row_clears_its_mark_and_a_retry_is_due_at_once(
    member, window, settings, django_capture_on_commit_callbacks
):
    queued_mail, letter = _pending_mail_and_letter(member, django_capture_on_commit_callbacks)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2  # refused
    assert outbox.mail_send(mail_id=queued_mail.pk) is False
    queued_mail.refresh_from_db()
    assert queued_mail.enqueued_at is None
    with time_machine.travel(queued_mail.next_attempt_at + timedelta(seconds=1)):
        assert outbox.unsent_mail_ids() == [queued_mail.pk]  # no message left: the sweep retries
    assert letters.letter_render(letter_id=letter.pk) == letters.RENDERED
    letter.refresh_from_db()
    assert letter.status == LetterStatus.RENDERED
    assert letter.enqueued_at is None


def test_a_sweep_marks_what_it_rang(member, window, django_capture_on_commit_callbacks):
    queued_mail, _letter = _pending_mail_and_letter(member, django_capture_on_commit_callbacks)
    OutboundMail.objects.filter(pk=queued_mail.pk).update(enqueued_at=None)
    # The send task runs in-process here (eager), so it takes the message at once and sends.
    assert outbox.outbox_sweep() == 1
    queued_mail.refresh_from_db()
    assert queued_mail.sent_at is not None
    assert outbox.outbox_sweep() == 0


class _AcceptThenCrash(LocmemBackend):
    """An SMTP server that accepts the mail, after which the worker dies before its commit."""

    def send_messages(self, messages):
        sent = super().send_messages(messages)
        if len(mail.outbox) == 1:
            raise _WorkerKilled  # not an Exception: nothing in the task may catch it
        return sent


class _WorkerKilled(BaseException):
    pass


def test_a_mail_sent_again_after_a_crash_carries_the_same_message_id(member, settings):
    dsr = submit(member)
    row = OutboundMail.objects.get(dsr=dsr)
    mail.outbox.clear()
    OutboundMail.objects.filter(pk=row.pk).update(sent_at=None, attempts=0)
    settings.EMAIL_BACKEND = f"{__name__}._AcceptThenCrash"
    with pytest.raises(_WorkerKilled):
        outbox.mail_send(mail_id=row.pk)
    row.refresh_from_db()
    assert row.sent_at is None  # the commit never happened: at least once means a retry
    assert outbox.mail_send(mail_id=row.pk) is True
    assert len(mail.outbox) == 2
    first, second = (message.message()["Message-ID"] for message in mail.outbox)
    assert first == second == row.message_id
    assert row.message_id.startswith("<")
    assert row.message_id.endswith(">")


def test_every_mail_has_its_own_message_id(member, other_member):
    submit(member)
    submit(other_member)
    ids = list(OutboundMail.objects.values_list("message_id", flat=True))
    assert len(ids) >= 2
    assert len(set(ids)) == len(ids)
