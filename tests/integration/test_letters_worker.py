"""Letters and mail through a real Celery worker on Redis: exactly once, whatever dies.

Effects are counted (letter rows, files on disk, numbers taken, mails written by the mail
backend), never task executions (docs/reliability.md#rows-first).
"""

import os
import signal
import time
from pathlib import Path

import pytest

from django.db import connection, transaction

from requests_portal import storage
from requests_portal.models import (
    Decision,
    Letter,
    LetterKind,
    LetterStatus,
    NumberSequence,
    OutboundMail,
    Reminder,
    Status,
    StatutoryGround,
)
from requests_portal.roles import Role
from tests.factories import advance, member_user, staff_user, submit
from tests.integration.conftest import (
    assert_each_effect_once,
    due_today_for,
    publishing_to,
    read_mail_files,
    report,
    require_services,
    ring_sweeps_until_done,
    start_worker,
    wait_for,
    worker_env,
)
from tests.requests_portal.letters.pdf_checks import assert_only_our_font, pdf_text

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def stored_files(settings) -> list[Path]:
    root = Path(settings.DSR_PRIVATE_ROOT)
    return [p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")] if root.exists() else []


def temporary_files(settings) -> list[Path]:
    root = Path(settings.DSR_PRIVATE_ROOT)
    return list(root.rglob(".*.tmp")) if root.exists() else []


def rendered(letter_id: int) -> Letter | None:
    letter = Letter.objects.get(pk=letter_id)
    return letter if letter.status == LetterStatus.RENDERED else None


def is_being_rendered() -> bool:
    """True while a worker is inside a render: its transaction has taken the 文書番号 and now
    waits on WeasyPrint ("idle in transaction"). Read from pg_stat_activity, so the probe
    takes no lock the worker could trip over."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND state = 'idle in transaction' "
            "AND query ILIKE %s",
            ["%requests_portal_numbersequence%"],
        )
        return cursor.fetchone()[0] > 0


def _people():
    return staff_user(Role.GA_STAFF), staff_user(Role.GA_SUPERVISOR)


def _decision_pending(*, withheld: int = 1):
    """A case with its acknowledgement rendered, drafted and waiting for approval."""
    member = member_user()
    handler, approver = _people()
    dsr = submit(member)
    wait_for(lambda: rendered(dsr.letters.get().pk), timeout=60, what="acknowledgement rendered")
    advance(dsr, Status.IN_REVIEW, handler=handler, approver=approver)
    from requests_portal.services import dsr_draft_decision

    rows = [
        {"item": f"苦情対応記録 第{i}号のうち他の組合員の氏名及び連絡先", "ground": StatutoryGround.ART33_2_1}
        for i in range(withheld)
    ]
    dsr_draft_decision(
        dsr=dsr,
        actor=handler,
        decision=Decision.DISCLOSED_PARTIAL,
        ground=StatutoryGround.ART33_2_1,
        reason="第三者の権利利益を害するおそれがあるため",
        details={"withheld_items": rows},
    )
    return member, dsr, approver


def test_approved_decision_yields_exactly_one_pdf_through_the_worker(celery_worker_process, settings, tmp_path):
    member, dsr, approver = _decision_pending()
    from requests_portal.services import dsr_approve_decision

    with transaction.atomic():
        dsr_approve_decision(dsr=dsr, actor=approver)
        assert Letter.objects.filter(dsr=dsr, kind=LetterKind.DISCLOSURE_DECISION).count() == 1
    letter_id = Letter.objects.get(dsr=dsr, kind=LetterKind.DISCLOSURE_DECISION).pk
    letter = wait_for(lambda: rendered(letter_id), timeout=90, what="decision letter rendered by the worker")

    assert Letter.objects.filter(dsr=dsr, kind=LetterKind.DISCLOSURE_DECISION).count() == 1
    assert len(stored_files(settings)) == 2  # the acknowledgement and the decision notice
    content = storage.read(letter.storage_name)
    assert storage.sha256_hex(content) == letter.sha256
    assert "保有個人データ一部開示決定通知書" in pdf_text(content)
    assert_only_our_font(content)
    dsr.refresh_from_db()
    assert dsr.status == Status.NOTIFIED
    wait_for(
        lambda: OutboundMail.objects.filter(dsr=dsr, template="dsr_decided", sent_at__isnull=False).exists(),
        timeout=60,
        what="decision mail sent",
    )
    subjects = [m["subject"] for m in read_mail_files(tmp_path / "mail") if m["to"] == member.email]
    assert subjects.count("【警察職員生協】ご請求への回答をお送りしました") == 1


def _assert_exactly_once(settings, dsr) -> Letter:
    letters = Letter.objects.filter(dsr=dsr, kind=LetterKind.DISCLOSURE_DECISION)
    assert letters.count() == 1
    letter = letters.get()
    assert letter.status == LetterStatus.RENDERED
    all_rendered = Letter.objects.filter(status=LetterStatus.RENDERED)
    assert len(stored_files(settings)) == all_rendered.count()  # one file per letter, no orphan
    assert temporary_files(settings) == []
    sequence = NumberSequence.objects.get(scope="letter:警生協総", year=letter.fiscal_year)
    assert sequence.last_value == all_rendered.count()  # the killed attempt's number was given back
    assert sorted(all_rendered.values_list("serial", flat=True)) == list(range(1, all_rendered.count() + 1))
    return letter


def test_killing_the_worker_child_mid_render_still_gives_one_letter_and_one_file(celery_worker_process, settings):
    _member, dsr, approver = _decision_pending(withheld=300)  # a 29-page notice: several seconds to render
    from requests_portal.services import dsr_approve_decision

    dsr_approve_decision(dsr=dsr, actor=approver)
    letter_id = Letter.objects.get(dsr=dsr, kind=LetterKind.DISCLOSURE_DECISION).pk
    wait_for(is_being_rendered, timeout=60, interval=0.05, what="render in progress")
    children = celery_worker_process.child_pids()
    assert children
    for pid in children:
        os.kill(pid, signal.SIGKILL)
    assert Letter.objects.get(pk=letter_id).status == LetterStatus.PENDING

    # The worker's master sees its child die and (acks_late + reject_on_worker_lost) requeues.
    wait_for(lambda: rendered(letter_id), timeout=90, what="letter rendered after the child was killed")
    letter = _assert_exactly_once(settings, dsr)
    assert letter.attempts == 2  # the killed start counted, so a letter that always kills its worker ends
    assert "WorkerLostError" in celery_worker_process.log() or "signal 9" in celery_worker_process.log()


def test_killing_the_whole_worker_mid_render_then_a_new_worker_gives_one_letter(
    celery_worker_process, settings, tmp_path
):
    _member, dsr, approver = _decision_pending(withheld=300)
    from requests_portal.services import dsr_approve_decision

    dsr_approve_decision(dsr=dsr, actor=approver)
    letter_id = Letter.objects.get(dsr=dsr, kind=LetterKind.DISCLOSURE_DECISION).pk
    wait_for(is_being_rendered, timeout=60, interval=0.05, what="render in progress")
    celery_worker_process.stop(signal.SIGKILL)  # master and child, no chance to requeue
    assert Letter.objects.get(pk=letter_id).status == LetterStatus.PENDING

    started = time.monotonic()
    replacement = start_worker(celery_worker_process.env, tmp_path / "worker2.log")
    try:
        # Redis hands the unacknowledged message out again after the visibility timeout (20 s here).
        wait_for(lambda: rendered(letter_id), timeout=120, what="letter rendered by the new worker")
        recovered = time.monotonic() - started
    finally:
        replacement.stop()
    report(f"\nkill -9 drill: the letter was rendered {recovered:.1f} s after the new worker started")
    assert recovered < 90
    _assert_exactly_once(settings, dsr)


def test_redis_restart_mid_batch_loses_and_doubles_nothing(
    transactional_db, publish_for_real, private_redis, settings, tmp_path
):
    """Redis restarted without its data while the worker is in the middle of a batch of letters,
    mails and a reminder digest; more cases are filed while it is down. Every letter, mail and
    reminder comes out exactly once, and the worker goes on working."""
    require_services()
    from keiseikyo.celery import app
    from requests_portal.tasks import reminder_sweep_task

    queued, while_down = 8, 3
    handler = staff_user(Role.GA_STAFF)
    env = worker_env(settings, tmp_path, redis_url=private_redis.url)
    env.update(DSR_REMINDER_FROM_HOUR="0", DSR_LETTER_SWEEP_GRACE_SECONDS="0", DSR_OUTBOX_SWEEP_GRACE_SECONDS="0")
    with publishing_to(private_redis.url):
        members = [member_user() for _ in range(queued + while_down + 1)]
        worker = start_worker(env, tmp_path / "worker.log")
        try:
            cases = [submit(m) for m in members[:queued]]
            due_today_for(handler, cases)
            reminder_sweep_task.delay()
            wait_for(
                lambda: Letter.objects.filter(status=LetterStatus.RENDERED).exists(),
                timeout=90,
                what="the batch under way",
            )
            assert Letter.objects.filter(status=LetterStatus.PENDING).exists(), "batch done before the fault"
            private_redis.shutdown_nosave()  # every queued message is gone, and the worker's connection
            for m in members[queued : queued + while_down]:
                started = time.monotonic()
                cases.append(submit(m))  # the broker is down: the request must still succeed, quickly
                assert time.monotonic() - started < 5
            private_redis.start()  # back, empty
            recovered = ring_sweeps_until_done(
                lambda: (
                    not Letter.objects.filter(status=LetterStatus.PENDING).exists()
                    and not OutboundMail.objects.filter(sent_at__isnull=True).exists()
                    and Reminder.objects.count() == queued
                )
            )
            # The worker works afterwards: one more case goes through on its own message.
            cases.append(submit(members[-1]))
            wait_for(
                lambda: (
                    not OutboundMail.objects.filter(sent_at__isnull=True).exists()
                    and not Letter.objects.filter(status=LetterStatus.PENDING).exists()
                ),
                timeout=60,
                what="a new case handled after the restart",
            )
            assert worker.process.poll() is None, worker.log()[-3000:]
        finally:
            worker.stop()
        assert app.conf.broker_url == private_redis.url

    report(
        f"\nRedis restart drill (mid-batch): recovered {recovered:.1f} s after Redis was back; letters "
        f"{Letter.objects.count()}, mails {OutboundMail.objects.count()}, reminders {Reminder.objects.count()}"
    )
    assert len(stored_files(settings)) == len(cases)
    assert_each_effect_once(tmp_path / "mail", handler, cases, reminded=cases[:queued])


def test_fifty_concurrent_letters_are_numbered_without_duplicates_or_gaps(
    transactional_db, publish_for_real, settings, tmp_path
):
    require_services()
    import redis

    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    members = [member_user() for _ in range(50)]
    worker = start_worker(worker_env(settings, tmp_path), tmp_path / "worker.log", concurrency=6)
    try:
        with transaction.atomic():  # 50 letters committed together: 50 render tasks at once
            cases = [submit(m) for m in members]
        wait_for(
            lambda: Letter.objects.filter(status=LetterStatus.RENDERED).count() == 50,
            timeout=180,
            what="50 letters rendered",
        )
    finally:
        worker.stop()
    numbers = list(Letter.objects.values_list("document_number", flat=True))
    assert len(set(numbers)) == 50
    assert sorted(Letter.objects.values_list("serial", flat=True)) == list(range(1, 51))
    assert set(numbers) == {f"警生協総第{n}号" for n in range(1, 51)}
    assert NumberSequence.objects.get(scope="letter:警生協総").last_value == 50
    assert len(stored_files(settings)) == 50
    assert {letter.dsr_id for letter in Letter.objects.all()} == {dsr.pk for dsr in cases}
