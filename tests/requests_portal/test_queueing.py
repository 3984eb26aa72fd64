"""Queueing background work: a task is rung by its pinned name after commit, runs in-process
under eager mode, a misspelt name fails the change, and a broker that is down never fails it."""

import logging
from contextlib import contextmanager, suppress

import pytest

from django.core import mail

from keiseikyo.celery import app
from requests_portal import queueing
from requests_portal.models import OutboundMail

pytestmark = pytest.mark.django_db

UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def _unsent_mail() -> OutboundMail:
    return OutboundMail.objects.create(
        idempotency_key="queueing-test",
        to_email="member@example.jp",
        template="dsr_message",
        language="ja",
        subject="お知らせ",
        body="本文",
    )


@contextmanager
def _publishing_to(url: str):
    """Send for real (not eagerly) to `url` for the duration, as a web process with Redis does."""
    previous_url, previous_eager = app.conf.broker_url, app.conf.task_always_eager

    def reset_pools() -> None:
        app._pool = None
        with suppress(AttributeError, KeyError):
            app.__dict__["amqp"]._producer_pool = None

    app.conf.broker_url, app.conf.task_always_eager = url, False
    reset_pools()
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.task_always_eager = previous_url, previous_eager
        reset_pools()


def test_the_task_runs_after_commit_and_not_before(django_capture_on_commit_callbacks):
    row = _unsent_mail()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        queueing.enqueue_on_commit("requests_portal.outbound_mail_send", row.pk)
        assert mail.outbox == []  # not yet: the transaction has not committed
    assert len(callbacks) == 1
    assert [m.to for m in mail.outbox] == [["member@example.jp"]]
    row.refresh_from_db()
    assert row.sent_at is not None


def test_a_misspelt_task_name_fails_the_change_at_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks, pytest.raises(KeyError):
        queueing.enqueue_on_commit("requests_portal.no_such_task", 1)
    assert callbacks == []


def test_a_broker_that_is_down_is_logged_and_left_for_the_sweep(django_capture_on_commit_callbacks, caplog):
    row = _unsent_mail()
    with (
        _publishing_to(UNREACHABLE_BROKER),
        caplog.at_level(logging.WARNING, logger="requests_portal.queueing"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        queueing.enqueue_on_commit("requests_portal.outbound_mail_send", row.pk)
    assert [r.getMessage() for r in caplog.records] == [
        f"broker unavailable: requests_portal.outbound_mail_send({row.pk},) left for the sweep"
    ]
    assert mail.outbox == []
    row.refresh_from_db()
    assert row.sent_at is None
