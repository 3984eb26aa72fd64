"""Drill: a private Redis restarted several times under a real worker; the worker keeps working.

Also a drill for the pool: children are replaced after every two tasks, and each new child must
report ready within Celery's 4 s (worker_proc_alive_timeout) although renders need the fonts.
The Redis here is our own on port 6391 (never the shared one on 6379).
"""

import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from django.db import connection

from tests.integration.conftest import ROOT, require_services, wait_for, worker_database_url

pytestmark = [pytest.mark.integration]

# Another port through DSR_DRILL_REDIS_PORT, so two checkouts on one machine can run the drill at once.
PORT = int(os.environ.get("DSR_DRILL_REDIS_PORT", "6391"))
URL = f"redis://127.0.0.1:{PORT}/0"
RESTARTS = int(os.environ.get("DSR_DRILL_REDIS_RESTARTS", "8"))
BURST = 40


def _redis_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["redis-cli", "-p", str(PORT), *args], capture_output=True, text=True, check=False)  # noqa: S603,S607


def _start_redis() -> None:
    subprocess.run(  # noqa: S603
        [shutil.which("redis-server") or "redis-server", "--port", str(PORT), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no", "--daemonize", "yes"],
        check=True, capture_output=True,
    )  # fmt: skip
    wait_for(lambda: _redis_cli("ping").stdout.strip() == "PONG", timeout=20, what=f"private redis on {PORT}")


def _stop_redis() -> None:
    _redis_cli("shutdown", "nosave")
    wait_for(lambda: _redis_cli("ping").returncode != 0, timeout=20, what="private redis to stop")


@pytest.fixture
def private_redis_6391() -> Iterator[str]:
    require_services()
    if shutil.which("redis-server") is None or shutil.which("redis-cli") is None:
        if os.environ.get("DSR_REQUIRE_ALL_TESTS"):
            pytest.fail("redis-server is not installed")
        pytest.skip("redis-server is not installed")
    if _redis_cli("ping").stdout.strip() == "PONG":
        pytest.fail(f"something already listens on port {PORT}; this drill needs its own Redis there")
    _start_redis()
    try:
        yield URL
    finally:
        _stop_redis()


@pytest.fixture
def drill_worker(private_redis_6391, settings, tmp_path) -> Iterator[subprocess.Popen]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST") and k != "EMAIL_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="keiseikyo.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=settings.SECRET_KEY,
        DSR_FILE_ENCRYPTION_KEY=settings.DSR_FILE_ENCRYPTION_KEY,
        DSR_AUDIT_CHAIN_KEY=settings.DSR_AUDIT_CHAIN_KEY,
        REDIS_URL=private_redis_6391,
        DSR_CELERY_EAGER="0",
        DSR_VAR_DIR=str(tmp_path / "var"),
        DSR_WORKER_ALIVE_FILE=str(tmp_path / "worker-alive"),
        DJANGO_LOG_LEVEL="INFO",
    )
    if connection.vendor == "postgresql":
        env["DATABASE_URL"] = worker_database_url()
    else:
        env.pop("DATABASE_URL", None)
    log_path = tmp_path / "worker.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "keiseikyo", "worker", "-Q", "default,mail,letters",
             "-c", "2", "--pool", "prefork", "--max-tasks-per-child", "2",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO",
             "--include", "tests.integration.drill_tasks"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    process.log_path = log_path  # type: ignore[attr-defined]
    wait_for(lambda: "ready." in _log(process) or process.poll() is not None, timeout=90, what="worker start")
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def _log(process: subprocess.Popen) -> str:
    path: Path = process.log_path  # type: ignore[attr-defined]
    return path.read_text(errors="replace") if path.exists() else ""


def _producer():  # type: ignore[no-untyped-def]
    from celery import Celery

    producer = Celery("drill", broker=URL, set_as_current=False)
    producer.conf.broker_connection_retry_on_startup = True
    producer.conf.task_default_queue = "default"  # the portal worker does not consume "celery"
    return producer


def _proves_working(process: subprocess.Popen, tmp_path: Path, label: str) -> None:
    marker = tmp_path / f"ran-{label}-{uuid.uuid4().hex}"

    def sent_and_ran() -> bool:
        if marker.exists():
            return True
        try:
            _producer().send_task("drill.touch", args=[str(marker)])
        except Exception:  # the broker may still be coming back: try again on the next poll
            return False
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not marker.exists():
            time.sleep(0.2)
        return marker.exists()

    wait_for(sent_and_ran, timeout=90, interval=0.5, what=f"a task to run {label}")
    assert process.poll() is None, _log(process)[-4000:]


def test_the_worker_survives_repeated_redis_restarts_and_keeps_working(drill_worker, tmp_path):
    log = _log(drill_worker)
    assert process_alive(drill_worker), log[-4000:]
    assert "letter renderer warmed up" in log  # in the main process, before the pool forked
    _proves_working(drill_worker, tmp_path, "before any restart")
    for round_number in range(1, RESTARTS + 1):
        # Under load: a stream of short late-acknowledged tasks, so that when Redis goes the
        # worker is as likely to be acknowledging one (or receiving the next) as waiting in
        # BRPOP. The crash this drill guards against needs exactly that: the lost connection
        # noticed by an acknowledgement while the consuming channel still has a BRPOP in flight.
        received_before = _sleeps_received(drill_worker)
        producer = _producer()
        for i in range(BURST):
            producer.send_task("drill.sleep", args=[0.05, f"round {round_number} #{i}"])
        wait_for(
            lambda n=received_before + BURST // 4: _sleeps_received(drill_worker) >= n,
            timeout=30,
            what="tasks received",
        )
        time.sleep(random.uniform(0, 0.3))
        _stop_redis()
        # Alternately a quick restart (as `systemctl restart redis`: the worker may reconnect while
        # still cleaning up) and one long enough that redis-py's own retries cannot hide it.
        time.sleep(0.2 if round_number % 2 else 2)
        _start_redis()
        _proves_working(drill_worker, tmp_path, f"after restart {round_number}")
    log = _log(drill_worker)
    assert log.count("Connection to broker lost") >= RESTARTS, log[-4000:]
    assert "Unrecoverable error" not in log
    assert "Timed out waiting for UP message" not in log


def _sleeps_received(process: subprocess.Popen) -> int:
    return sum(1 for line in _log(process).splitlines() if "drill.sleep[" in line and line.endswith("received"))


def process_alive(process: subprocess.Popen) -> bool:
    return process.poll() is None


# --- Redis dropping while the worker polls ---------------------------------------------------------


def _celery_reconnect_after_redis_drops(url: str, transport: str) -> BaseException | None:
    """Replay what a Celery 5.7 worker does when Redis goes away under it, and return the first
    error that Celery would not ignore (None when the worker would reconnect).

    Three channels hold unacknowledged messages, as the task, control and event consumers do;
    Redis stops; then, in Celery's order: ``collect()``, ``close()`` of the connection, and each
    step closing its consumer and channel, every call wrapped the way Celery wraps it.
    """
    from kombu import Connection, Consumer, Producer, Queue

    queues = [Queue(f"drill-{uuid.uuid4().hex[:8]}-{n}") for n in range(3)]
    with Connection(url) as publisher:
        for queue in queues:
            producer = Producer(publisher.channel())
            for n in range(2):
                producer.publish({"n": n}, routing_key=queue.name, declare=[queue])

    connection = Connection(url, transport=transport)
    connection.ensure_connection()
    received = []
    consumers = []
    channels = (connection.default_channel, connection.channel(), connection.channel())
    for channel, queue in zip(channels, queues, strict=True):
        channel.basic_qos(0, 10, False)
        consumer = Consumer(channel, [queue], callbacks=[lambda body, message: received.append(message)])
        consumer.consume()
        consumers.append(consumer)
    deadline = time.monotonic() + 10
    while len(received) < 6 and time.monotonic() < deadline:
        with contextlib.suppress(TimeoutError):
            connection.drain_events(timeout=0.2)
    assert len(received) == 6, "the drill needs every message delivered and unacknowledged"

    _stop_redis()
    ignorable = connection.connection_errors + connection.channel_errors
    try:
        with contextlib.suppress(Exception):  # Celery swallows anything collect() raises
            connection.collect(socket_timeout=1)
        for call in (connection.close, *(c.cancel for c in consumers), *(c.channel.close for c in consumers)):
            with contextlib.suppress(*ignorable):
                call()
    except Exception as error:  # the error Celery does not ignore is what the drill looks for
        return error
    finally:
        # The drill's channels are garbage now; without this kombu tries to restore their
        # messages again at interpreter exit, into a Redis that is gone, and prints each failure.
        for consumer in consumers:
            consumer.channel.do_restore = False
    return None


def test_stock_kombu_transport_fails_when_redis_drops_mid_poll(private_redis_6391):
    """The hazard itself, so the repair below is tested against a scenario that really breaks.
    When this starts passing, kombu has fixed it and keiseikyo/broker.py can go."""
    error = _celery_reconnect_after_redis_drops(private_redis_6391, "redis")
    assert isinstance(error, AttributeError), (
        f"stock kombu no longer fails here ({error!r}); the repair in keiseikyo/broker.py may be unnecessary"
    )
    assert "hostname" in str(error)


def test_our_transport_lets_the_worker_reconnect_when_redis_drops_mid_poll(private_redis_6391, settings):
    assert settings.CELERY_BROKER_TRANSPORT == "keiseikyo.broker:Transport"
    assert _celery_reconnect_after_redis_drops(private_redis_6391, settings.CELERY_BROKER_TRANSPORT) is None
