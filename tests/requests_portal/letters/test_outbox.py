"""The mail outbox: nothing lost on SMTP failure, retries with backoff, bilingual templates,
subjects without personal data, bulk writes in constant queries."""

import logging
import socket
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine

from django.conf import settings as django_settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from requests_portal import outbox
from requests_portal.models import OutboundMail, User
from requests_portal.tasks import outbox_sweep_task
from tests.factories import UserFactory, submit

pytestmark = pytest.mark.django_db

EMAILS = Path(django_settings.BASE_DIR) / "templates" / "requests_portal" / "emails"
TEMPLATES_IN_USE = (
    "dsr_received",
    "dsr_amendment_requested",
    "dsr_extended",
    "dsr_decided",
    "dsr_disclosure_package",
    "dsr_message",
    "dsr_withdrawn",
    "letter_issued",
    "letter_reissued",
    "reminder_staff",
    "reminder_member",
)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_down(settings):
    """A real SMTP backend pointed at a port nobody listens on (connection refused)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _closed_port(), 2
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False


def _mail(member) -> OutboundMail:
    dsr = submit(member)
    return OutboundMail.objects.get(dsr=dsr)


def test_smtp_failure_keeps_the_mail_and_backs_off(member, smtp_down, settings):
    queued = _mail(member)
    assert outbox.mail_send(mail_id=queued.pk) is False
    queued.refresh_from_db()
    assert queued.sent_at is None
    assert queued.attempts == 1
    assert "ConnectionRefused" in queued.last_error
    assert queued.next_attempt_at > timezone.now() + timedelta(seconds=90)
    assert queued.subject
    assert queued.body

    later = timezone.now() + timedelta(minutes=2) + timedelta(seconds=settings.DSR_OUTBOX_SWEEP_GRACE_SECONDS + 1)
    assert outbox.unsent_mail_ids() == []  # backing off
    with time_machine.travel(later):
        assert outbox.unsent_mail_ids() == [queued.pk]
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # SMTP is back
        assert outbox_sweep_task.delay().get() == 1
        assert outbox_sweep_task.delay().get() == 0
    queued.refresh_from_db()
    assert queued.sent_at is not None
    assert queued.attempts == 2
    assert queued.last_error == ""
    assert len(mail.outbox) == 1
    assert outbox.mail_send(mail_id=queued.pk) is False  # never twice
    assert len(mail.outbox) == 1


def test_mail_is_given_up_after_the_last_attempt_but_never_deleted(member, smtp_down, caplog):
    queued = _mail(member)
    with caplog.at_level(logging.WARNING, logger="requests_portal.outbox"):
        for _ in range(outbox.MAX_ATTEMPTS):
            OutboundMail.objects.filter(pk=queued.pk).update(next_attempt_at=timezone.now())
            assert outbox.mail_send(mail_id=queued.pk) is False
    queued.refresh_from_db()
    assert queued.attempts == outbox.MAX_ATTEMPTS
    assert queued.sent_at is None
    assert any(r.levelno == logging.ERROR and "given up" in r.getMessage() for r in caplog.records)
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert queued.pk not in outbox.unsent_mail_ids()
    assert OutboundMail.objects.filter(pk=queued.pk).exists()


def test_fresh_mail_is_left_to_its_own_task_before_the_sweep_rings(member, settings):
    settings.DSR_OUTBOX_SWEEP_GRACE_SECONDS = 120
    queued = _mail(member)
    assert outbox.unsent_mail_ids() == []
    with time_machine.travel(timezone.now() + timedelta(seconds=121)):
        assert outbox.unsent_mail_ids() == [queued.pk]


def test_every_mail_template_exists_in_japanese_and_english():
    for language in ("ja", "en"):
        names = {p.name for p in (EMAILS / language).glob("*.txt")}
        for template in TEMPLATES_IN_USE:
            assert f"{template}.txt" in names, (language, template)
            assert f"{template}_subject.txt" in names, (language, template)
    assert {p.name for p in (EMAILS / "ja").glob("*.txt")} == {p.name for p in (EMAILS / "en").glob("*.txt")}


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("template", TEMPLATES_IN_USE)
def test_subjects_carry_no_personal_data(template, language, member):
    member.member.full_name = "秘密 花子"
    member.member.save()
    dsr = submit(member, summary="秘密の件名", description="秘密の内容")
    letter = dsr.letters.get()
    letter.document_number = "警生協総第7号"
    entry = {"reference": dsr.reference, "request_kind": "開示", "due_date": dsr.due_date, "url": "http://x/"}
    context = {
        "dsr": dsr,
        "letter": letter,
        "recipient": member,
        "count": 1,
        "today": timezone.localdate(),
        "sections": [{"kind": "due_t0", "entries": [entry]}],
        "reply_due_date": timezone.localdate(),
        "new_due_date": timezone.localdate(),
        "until": timezone.localdate(),
        "site_url": "http://x",
    }
    subject, body = outbox._render(template, language, context)
    assert subject.strip()
    assert "\n" not in subject
    for secret in ("秘密", dsr.reference, member.email, "警生協総第7号"):
        assert secret not in subject
    assert body.strip()


def test_bulk_enqueue_runs_a_constant_number_of_queries(django_capture_on_commit_callbacks):
    def run(n: int, tag: str) -> int:
        users = [UserFactory() for _ in range(n)]
        specs = [
            outbox.MailSpec(
                key=f"bulk:{tag}:{user.pk}",
                template="reminder_staff",
                to_user=user,
                context={"recipient": user, "count": 0, "today": timezone.localdate(), "sections": []},
            )
            for user in users
        ]
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks():
            ids = outbox.mail_enqueue_many(specs)
        assert len(ids) == n
        return len(queries)

    assert run(2, "a") == run(40, "b")
    assert OutboundMail.objects.count() == 42


def test_bulk_enqueue_never_writes_a_key_twice():
    user = UserFactory()
    spec = outbox.MailSpec(
        key="bulk:once",
        template="reminder_staff",
        to_user=user,
        context={"recipient": user, "count": 0, "today": timezone.localdate(), "sections": []},
    )
    first = outbox.mail_enqueue_many([spec])
    second = outbox.mail_enqueue_many([spec])
    assert first == second
    assert OutboundMail.objects.filter(idempotency_key="bulk:once").count() == 1


def test_member_language_choice_picks_the_english_templates(member, django_capture_on_commit_callbacks):
    User.objects.filter(pk=member.pk).update(preferred_language="en")
    member.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        dsr = submit(member)
    sent = OutboundMail.objects.get(dsr=dsr)
    assert sent.language == "en"
    assert sent.subject == "[Keiseikyo] We have received your request"
