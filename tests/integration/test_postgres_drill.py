"""Drill: PostgreSQL drops the worker's connections in the middle of a batch (pg_terminate_backend,
what a database restart or failover does to a client). Every letter is rendered once, every mail
sent once, every reminder created and mailed once, and the worker goes on working afterwards.

Effects are counted (rows, numbers, files, mails written), never task executions.
"""

import pytest

from django.db import connection

from requests_portal.models import Letter, LetterStatus, OutboundMail, Reminder
from requests_portal.roles import Role
from tests.factories import member_user, staff_user, submit
from tests.integration.conftest import (
    assert_each_effect_once,
    due_today_for,
    report,
    require_services,
    ring_sweeps_until_done,
    start_worker,
    wait_for,
    worker_env,
)

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

    from requests_portal.tasks import reminder_sweep_task

    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    env = worker_env(settings, tmp_path)
    env.update(DSR_REMINDER_FROM_HOUR="0", DSR_LETTER_SWEEP_GRACE_SECONDS="0", DSR_OUTBOX_SWEEP_GRACE_SECONDS="0")
    handler = staff_user(Role.GA_STAFF)
    worker = start_worker(env, tmp_path / "worker.log")
    try:
        cases = [submit(member_user()) for _ in range(BATCH)]
        due_today_for(handler, cases)
        reminder_sweep_task.delay()
        wait_for(
            lambda: Letter.objects.filter(status=LetterStatus.RENDERED).exists(), timeout=90, what="the batch under way"
        )
        assert not _done(), "the batch finished before the fault: make it larger"
        dropped = _terminate_other_connections()
        recovered = ring_sweeps_until_done(lambda: _done() and Reminder.objects.count() == BATCH)

        # The worker works afterwards: one more case goes through on its own message.
        cases.append(submit(member_user()))
        wait_for(_done, timeout=60, what="a new case handled after the fault")
        assert worker.process.poll() is None, worker.log()[-3000:]
    finally:
        worker.stop()

    report(
        f"\nPostgreSQL drill: {dropped} connection(s) dropped mid-batch; recovered in {recovered:.1f} s; "
        f"letters {Letter.objects.count()}, mails {OutboundMail.objects.count()}, reminders {Reminder.objects.count()}"
    )
    assert_each_effect_once(tmp_path / "mail", handler, cases, reminded=cases[:BATCH])
