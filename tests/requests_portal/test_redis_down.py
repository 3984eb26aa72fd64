"""Redis is disposable: with REDIS_URL pointing at a closed port the portal keeps working.

The cache reads as empty, sessions, CSRF and sign-in never touch Redis, and the follow-up
work (letters, mails) waits as database rows for the sweeps once the broker is back.
"""

import logging
import socket
from collections.abc import Iterator

import pytest

from django.core.cache import cache
from django.urls import reverse

from requests_portal.models import DataSubjectRequest, Letter, LetterStatus, OutboundMail, RequestKind, Status
from tests.factories import PASSWORD, advance, submit
from tests.requests_portal.member.helpers import file_request, valid_answers
from tests.staff_login import force_login_with_second_factor

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the socket is, and nothing listens


@pytest.fixture
def redis_down(settings) -> Iterator[str]:
    from keiseikyo.celery import app

    # Captured before any setting changes: the rest of the suite relies on eager tasks.
    previous = (app.conf.broker_url, app.conf.task_always_eager)
    url = f"redis://127.0.0.1:{_closed_port()}/0"
    settings.CACHES = {"default": {"BACKEND": "keiseikyo.cache_backends.DisposableRedisCache", "LOCATION": url}}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.broker_url, app.conf.task_always_eager = url, False
    app._pool = None
    app.__dict__.pop("amqp", None)
    try:
        yield url
    finally:
        app.conf.broker_url, app.conf.task_always_eager = previous
        app._pool = None
        app.__dict__.pop("amqp", None)


def test_the_cache_reads_as_empty_and_logs_the_outage_once(redis_down, caplog):
    with caplog.at_level(logging.WARNING, logger="keiseikyo.cache_backends"):
        assert cache.get("anything", "fallback") == "fallback"
        assert cache.add("token", "pending") is True  # the caller goes ahead as if first
        cache.set("calendar", [1, 2])
        assert cache.get("calendar") is None
        assert cache.get_many(["a", "b"]) == {}
        assert cache.delete("token") is False
        with pytest.raises(ValueError, match="not found"):
            cache.incr("counter")
        assert cache.get_or_set("computed", 7) == 7
    outage_lines = [r for r in caplog.records if "cache unavailable" in r.getMessage()]
    assert len(outage_lines) == 1


def test_sessions_csrf_and_sign_in_do_not_depend_on_redis(settings):
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    assert not getattr(settings, "CSRF_USE_SESSIONS", False) or settings.SESSION_ENGINE.endswith(".db")
    assert getattr(settings, "AXES_HANDLER", "axes.handlers.database.AxesDatabaseHandler").endswith("DatabaseHandler")


def test_a_member_can_sign_in_and_file_while_redis_is_down(
    redis_down, client, member, django_capture_on_commit_callbacks, caplog
):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.update_or_create(user=member, email=member.email, defaults={"verified": True, "primary": True})
    response = client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    assert response.status_code == 302
    assert "confirm-email" not in response.url
    assert client.get(reverse("requests_portal:member_home")).status_code == 200  # signed in
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        response = file_request(client, RequestKind.DISCLOSURE, valid_answers(RequestKind.DISCLOSURE))
    dsr = DataSubjectRequest.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("requests_portal:member_dsr_submitted", args=[dsr.public_id])
    assert client.get(response.url).status_code == 200
    # The follow-up work waits as rows; the broker's absence was noted, not raised.
    mail = OutboundMail.objects.get(dsr=dsr)
    assert mail.sent_at is None
    assert Letter.objects.filter(dsr=dsr, status=LetterStatus.PENDING).exists()
    assert any("broker unavailable" in r.getMessage() for r in caplog.records)


def test_staff_work_and_supervisors_approve_while_redis_is_down(
    redis_down, client, member, ga_staff, supervisor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        dsr = submit(member)
        force_login_with_second_factor(client, ga_staff)
        assert client.get(reverse("requests_portal:staff_queue")).status_code == 200
        assert client.get(reverse("requests_portal:staff_dsr_detail", args=[dsr.public_id])).status_code == 200
        advance(dsr, Status.DECIDED, handler=ga_staff, approver=supervisor)
    dsr.refresh_from_db()
    assert dsr.status == Status.DECIDED
    assert Letter.objects.filter(dsr=dsr, status=LetterStatus.PENDING).count() >= 1
    assert OutboundMail.objects.filter(dsr=dsr, sent_at__isnull=True).exists()
