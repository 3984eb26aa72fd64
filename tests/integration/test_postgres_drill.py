"""Drill: PostgreSQL drops the worker's connections in the middle of a batch (pg_terminate_backend,
what a database restart or failover does to a client). Every letter is rendered once, every mail
sent once, every reminder created and mailed once, and the worker goes on working afterwards.

Effects are counted (rows, numbers, files, mails written), never task executions.
"""

import time

import pytest

from django.db import connection
from django.utils import timezone

from requests_portal.models import DataSubjectRequest, Letter, LetterStatus, OutboundMail, Reminder
from requests_portal.roles import Role
from tests.factories import member_user, staff_user, submit
from tests.integration.conftest import read_mail_files, report, require_services, start_worker, wait_for, worker_env

pytestmark = [pytest.mark.integration, pytest.mark.slow]

BATCH = 4


def _terminate_other_connections() -> int:
    """Drop every connection to the test database but this test's own: the worker's."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def _done() -> bool:
    return (
        not Letter.objects.filter(status=LetterStatus.PENDING).exists()
        and not OutboundMail.objects.filter(sent_at__isnull=True).exists()
    )


def test_dropped_database_connections_mid_batch_lose_and_double_nothing(
    transactional_db, publish_for_real, settings, tmp_path
):
    require_services()
    import redis

    from requests_portal.tasks import letter_sweep_task, outbox_sweep_task, reminder_sweep_task

    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    env = worker_env(settings, tmp_path)
    env.update(DSR_REMINDER_FROM_HOUR="0", DSR_LETTER_SWEEP_GRACE_SECONDS="0", DSR_OUTBOX_SWEEP_GRACE_SECONDS="0")
    handler = staff_user(Role.GA_STAFF)
    worker = start_worker(env, tmp_path / "worker.log")
    try:
        cases = [submit(member_user()) for _ in range(BATCH)]
        # Each case due today and worked by `handler`: the reminder sweep owes one reminder each,
        # in one digest mail.
        DataSubjectRequest.objects.filter(pk__in=[c.pk for c in cases]).update(
            assignee=handler, due_date=timezone.localdate()
        )
        reminder_sweep_task.delay()
        wait_for(
            lambda: Letter.objects.filter(status=LetterStatus.RENDERED).exists(), timeout=90, what="the batch under way"
        )
        assert not _done(), "the batch finished before the fault: make it larger"
        dropped = _terminate_other_connections()
        faulted = time.monotonic()
        # Beat would ring the sweeps every minute; ring them while the worker recovers.
        deadline = faulted + 150
        while not (_done() and Reminder.objects.count() == BATCH) and time.monotonic() < deadline:
            letter_sweep_task.delay()
            outbox_sweep_task.delay()
            if Reminder.objects.count() < BATCH:
                reminder_sweep_task.delay()
            time.sleep(3)
        recovered = time.monotonic() - faulted
        assert _done(), worker.log()[-3000:]

        # The worker works afterwards: one more case goes through on its own message.
        after = submit(member_user())
        wait_for(
            lambda: (
                after.letters.filter(status=LetterStatus.RENDERED).exists()
                and not OutboundMail.objects.filter(dsr=after, sent_at__isnull=True).exists()
            ),
            timeout=60,
            what="a new case handled after the fault",
        )
    finally:
        worker.stop()

    report(
        f"\nPostgreSQL drill: {dropped} connections dropped mid-batch; recovered in {recovered:.1f} s; "
        f"letters {Letter.objects.count()}, mails {OutboundMail.objects.count()}, reminders {Reminder.objects.count()}"
    )
    total = BATCH + 1
    assert Letter.objects.filter(status=LetterStatus.RENDERED).count() == total
    assert sorted(Letter.objects.values_list("serial", flat=True)) == list(range(1, total + 1))
    assert Reminder.objects.count() == BATCH
    assert set(Reminder.objects.values_list("recipient_id", flat=True)) == {handler.pk}
    mails = read_mail_files(tmp_path / "mail")
    digests = [m for m in mails if handler.email in m["to"]]
    assert len(digests) == 1
    assert all(case.reference in digests[0]["body"] for case in cases)
    for case in [*cases, after]:
        assert sum(case.reference in m["body"] for m in mails if handler.email not in m["to"]) == 1
    assert len(mails) == total + 1
