"""Integration fixtures: a real Celery worker on Redis against the test database.

These tests run when DATABASE_URL points at PostgreSQL and REDIS_URL at Redis (CI sets
both). Without them they are skipped, unless DSR_REQUIRE_ALL_TESTS is set, in which case
a missing service is a failure: CI must never pass by skipping the real path.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def require_services() -> None:
    missing = []
    if not os.environ.get("REDIS_URL"):
        missing.append("REDIS_URL")
    if connection.vendor != "postgresql":
        missing.append("DATABASE_URL (PostgreSQL)")
    if missing:
        message = f"integration test needs {', '.join(missing)}"
        if os.environ.get("DSR_REQUIRE_ALL_TESTS"):
            pytest.fail(message)
        pytest.skip(message)


def wait_for(predicate: Callable[[], object], *, timeout: float = 60, interval: float = 0.2, what: str = "condition"):
    """Poll `predicate` until it returns a truthy value; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


def read_mail_files(folder: Path) -> list[dict[str, str]]:
    """Messages written by Django's file mail backend, decoded: [{'to', 'subject', 'body', 'message_id'}]."""
    import email
    from email.header import decode_header, make_header

    messages = []
    for path in sorted(folder.glob("*.log")) if folder.exists() else []:
        for chunk in path.read_bytes().split(b"-" * 79 + b"\n"):
            if not chunk.strip():
                continue
            message = email.message_from_bytes(chunk)
            body = message.get_payload(decode=True) or b""
            messages.append(
                {
                    "to": str(message["To"]),
                    "subject": str(make_header(decode_header(message["Subject"] or ""))),
                    "body": body.decode(message.get_content_charset() or "utf-8"),
                    "message_id": str(message["Message-ID"] or ""),
                }
            )
    return messages


def worker_database_url() -> str:
    """DATABASE_URL with the database name replaced by the test database's."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


@dataclass
class WorkerHandle:
    process: subprocess.Popen
    log_path: Path
    env: dict[str, str]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def child_pids(self) -> list[int]:
        """The worker's pool processes (read from /proc, so no external command is needed)."""
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                children.append(int(stat.parent.name))
        return children

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def worker_env(settings, tmp_path: Path, *, redis_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST") and k != "EMAIL_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="keiseikyo.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=settings.SECRET_KEY,
        DSR_FILE_ENCRYPTION_KEY=settings.DSR_FILE_ENCRYPTION_KEY,
        DSR_AUDIT_CHAIN_KEY=settings.DSR_AUDIT_CHAIN_KEY,
        DSR_DISPOSAL_JOURNAL_FILE=str(settings.DSR_DISPOSAL_JOURNAL_FILE),
        DATABASE_URL=worker_database_url(),
        REDIS_URL=redis_url or os.environ["REDIS_URL"],
        DSR_CELERY_EAGER="0",
        DSR_CELERY_VISIBILITY_TIMEOUT="20",
        DSR_PRIVATE_ROOT=str(settings.DSR_PRIVATE_ROOT),
        DSR_AUDIT_ANCHOR_FILE=str(settings.DSR_AUDIT_ANCHOR_FILE),
        DSR_EMAIL_FILE_PATH=str(tmp_path / "mail"),
        DJANGO_LOG_LEVEL="INFO",
    )
    return env


def start_worker(
    env: dict[str, str], log_path: Path, *, queues: str = "default,mail,letters", concurrency: int = 1
) -> WorkerHandle:
    log = log_path.open("ab")
    process = subprocess.Popen(  # noqa: S603 - fixed interpreter and arguments
        [
            sys.executable, "-m", "celery", "-A", "keiseikyo", "worker",
            "-Q", queues, "-c", str(concurrency), "--pool", "prefork",
            "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    handle = WorkerHandle(process, log_path, env)
    wait_for(lambda: "ready." in handle.log() or process.poll() is not None, timeout=60, what="worker start")
    if process.poll() is not None:
        pytest.fail(f"worker exited at start:\n{handle.log()[-3000:]}")
    return handle


@pytest.fixture
def publish_for_real(settings) -> Iterator[None]:
    """Make this test process send tasks to Redis instead of running them eagerly."""
    from keiseikyo.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    try:
        yield
    finally:
        app.conf.task_always_eager = previous


@pytest.fixture
def celery_worker_process(transactional_db, settings, tmp_path, publish_for_real) -> Iterator[WorkerHandle]:
    require_services()
    import redis

    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    handle = start_worker(worker_env(settings, tmp_path), tmp_path / "worker.log")
    try:
        yield handle
    finally:
        handle.stop()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class PrivateRedis:
    """A redis-server of our own on a free port, so a drill can kill it without touching the shared one."""

    port: int
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - fixed program and arguments
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        import redis

        client = redis.Redis.from_url(self.url)
        wait_for(lambda: _pings(client), timeout=20, what="private redis-server")

    def shutdown_nosave(self) -> None:
        """SHUTDOWN NOSAVE: the server exits and every queued message is gone."""
        import redis

        # The server closes the connection as it exits, which redis-py reports as an error.
        with suppress(redis.exceptions.ConnectionError):
            redis.Redis.from_url(self.url).shutdown(nosave=True)
        if self.process is not None:
            self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


def _pings(client) -> bool:
    import redis

    try:
        return bool(client.ping())
    except redis.exceptions.ConnectionError:
        return False


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    require_services()
    if shutil.which("redis-server") is None:
        message = "redis-server is not installed"
        if os.environ.get("DSR_REQUIRE_ALL_TESTS"):
            pytest.fail(message)
        pytest.skip(message)
    server = PrivateRedis(free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def publishing_to(url: str) -> Iterator[None]:
    """Point this process's Celery producer at another broker for the duration."""
    from keiseikyo.celery import app

    previous = app.conf.broker_url

    def reset_pools() -> None:
        app._pool = None
        with suppress(AttributeError, KeyError):
            app.__dict__["amqp"]._producer_pool = None

    app.conf.broker_url = url
    reset_pools()
    try:
        yield
    finally:
        app.conf.broker_url = previous
        reset_pools()


def report(line: str) -> None:
    """Print a drill's figures (shown with `pytest -s`, and with the output of a failing test)."""
    print(line, flush=True)  # noqa: T201 - the drill's measurements are its report


def ring_sweeps_until_done(done: Callable[[], bool], *, timeout: float = 150, every: float = 3) -> float:
    """Ring the letter, outbox and reminder sweeps, as beat does every minute, until `done()`;
    returns the seconds it took. Fails the test after `timeout`."""
    from requests_portal.tasks import letter_sweep_task, outbox_sweep_task, reminder_sweep_task

    started = time.monotonic()
    while not done():
        if time.monotonic() - started > timeout:
            pytest.fail(f"not recovered after {timeout} s")
        for task in (letter_sweep_task, outbox_sweep_task, reminder_sweep_task):
            with suppress(Exception):  # the broker may still be coming back: ring on the next round
                task.delay()
        time.sleep(every)
    return time.monotonic() - started


def due_today_for(handler, cases) -> None:
    """Make `cases` due today and worked by `handler`: the reminder sweep owes one reminder each,
    in one digest mail to `handler`."""
    from django.utils import timezone

    from requests_portal.models import DataSubjectRequest

    DataSubjectRequest.objects.filter(pk__in=[c.pk for c in cases]).update(
        assignee=handler, due_date=timezone.localdate()
    )


def assert_each_effect_once(mail_folder: Path, handler, cases, reminded) -> None:
    """Every case: one letter numbered without gaps, one mail of its own; `handler`: one digest
    naming every case in `reminded`, and one reminder row per such case.

    Mail is at-least-once (docs/reliability.md#mail-guarantee): a fault between the SMTP
    handover and its commit may deliver a mail twice, but every copy carries the outbox row's
    one Message-ID. So "one mail" is one Message-ID, delivered at least once."""
    from requests_portal.models import Letter, LetterStatus, Reminder

    total = len(cases)
    assert Letter.objects.filter(status=LetterStatus.RENDERED).count() == total
    assert sorted(Letter.objects.values_list("serial", flat=True)) == list(range(1, total + 1))
    assert Reminder.objects.count() == len(reminded)
    assert set(Reminder.objects.values_list("recipient_id", flat=True)) == {handler.pk}
    mails = read_mail_files(mail_folder)
    assert all(m["message_id"] for m in mails)
    digests = [m for m in mails if handler.email in m["to"]]
    assert len({m["message_id"] for m in digests}) == 1
    assert all(case.reference in digests[0]["body"] for case in reminded)
    for case in cases:
        own = [m for m in mails if handler.email not in m["to"] and case.reference in m["body"]]
        assert own, case.reference
        assert len({m["message_id"] for m in own}) == 1, own
    assert len({m["message_id"] for m in mails}) == total + 1
    if (copies := len(mails) - (total + 1)) > 0:
        report(f"repeated deliveries (same Message-ID, at-least-once): {copies}")
