"""After a broker outage the sweeps re-queue only what is lost: the Redis backlog stays bounded by
the rows outstanding however many sweeps run before a worker drains it, and the worker then
renders each letter and sends each mail exactly once (docs/reliability.md#sweep-window).

Measured with LLEN of the `letters` and `mail` queues on a private Redis, against PENDING
letters plus unsent mails in PostgreSQL.
"""

import time
from datetime import timedelta

import pytest
import time_machine

from django.utils import timezone

from requests_portal.letters.services import letter_sweep
from requests_portal.models import Letter, LetterStatus, OutboundMail
from requests_portal.outbox import outbox_sweep
from tests.factories import member_user, submit
from tests.integration.conftest import (
    publishing_to,
    read_mail_files,
    report,
    require_services,
    start_worker,
    wait_for,
    worker_env,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

BEFORE, DURING = 4, 3  # cases filed before the outage (messages lost with Redis) and during it
SWEEPS = 6  # beat rings both sweeps every minute while no worker drains the queues
WINDOW = 600


def _backlog(client) -> int:
    return client.llen("letters") + client.llen("mail")


def _outstanding() -> int:
    pending = Letter.objects.filter(status=LetterStatus.PENDING).count()
    return pending + OutboundMail.objects.filter(sent_at__isnull=True).count()


def test_after_a_broker_outage_the_backlog_stays_bounded_by_the_rows_outstanding(
    transactional_db, publish_for_real, private_redis, settings, tmp_path
):
    require_services()
    import redis

    settings.DSR_SWEEP_VISIBILITY_SECONDS = WINDOW
    settings.DSR_LETTER_SWEEP_GRACE_SECONDS = settings.DSR_OUTBOX_SWEEP_GRACE_SECONDS = 0
    client = redis.Redis.from_url(private_redis.url)
    total = BEFORE + DURING
    with publishing_to(private_redis.url):
        members = [member_user() for _ in range(total)]
        cases = [submit(m) for m in members[:BEFORE]]  # their messages wait in Redis: no worker
        assert _backlog(client) == 2 * BEFORE
        private_redis.shutdown_nosave()  # the outage: every queued message is gone
        cases += [submit(m) for m in members[BEFORE:]]  # refused by the broker: rows only
        private_redis.start()
        outstanding = _outstanding()
        assert outstanding == 2 * total

        backlog_per_sweep = []
        start = timezone.now()
        for minute in range(SWEEPS):
            with time_machine.travel(start + timedelta(minutes=minute, seconds=1)):
                letter_sweep()
                outbox_sweep()
            backlog_per_sweep.append(_backlog(client))
        report(
            f"\nbroker backlog after each of {SWEEPS} sweeps (no worker yet): {backlog_per_sweep}; "
            f"rows outstanding: {outstanding} ({total} letters + {total} mails)"
        )
        assert backlog_per_sweep == [outstanding] * SWEEPS

        # Past the window, a message still not taken counts as lost and is queued once more.
        with time_machine.travel(start + timedelta(seconds=WINDOW + 61)):
            letter_sweep()
            outbox_sweep()
        assert _backlog(client) == 2 * outstanding

        env = worker_env(settings, tmp_path, redis_url=private_redis.url)
        started = time.monotonic()
        worker = start_worker(env, tmp_path / "worker.log", concurrency=2)
        try:
            wait_for(lambda: _outstanding() == 0, timeout=180, what="the backlog drained")
            drained = time.monotonic() - started
            wait_for(lambda: _backlog(client) == 0, timeout=60, what="the duplicates stepped aside")
        finally:
            worker.stop()
        report(f"worker drained {outstanding} rows in {drained:.1f} s (start included)")

    assert Letter.objects.filter(status=LetterStatus.RENDERED).count() == total
    serials = sorted(Letter.objects.values_list("serial", flat=True))
    assert serials == list(range(1, total + 1))  # each letter numbered once, no gaps
    mails = read_mail_files(tmp_path / "mail")
    assert len(mails) == total
    for dsr in cases:
        assert sum(dsr.reference in m["body"] for m in mails) == 1  # each mail exactly once
