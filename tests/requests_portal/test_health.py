"""A stall is seen: each sweep records its last run, /healthz reports web, database, broker and
sweep ages (503 when the database is down or a sweep is overdue), and supervisors and
administrators see a banner on staff pages when the worker or beat has gone silent."""

from datetime import timedelta

import pytest
import time_machine

from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from requests_portal.models import SweepHeartbeat
from requests_portal.tasks import letter_sweep_task, outbox_sweep_task, reminder_sweep_task

pytestmark = pytest.mark.django_db

BANNER = "system-health-banner"


@pytest.fixture
def with_worker(settings):
    """Settings of a deployment with a worker (the tests themselves still run tasks in-process)."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.DSR_HEALTH_SWEEP_OVERDUE_SECONDS = 900
    settings.DSR_HEALTH_BANNER_SILENT_SECONDS = 600


def _run_sweeps() -> None:
    outbox_sweep_task()
    letter_sweep_task()
    reminder_sweep_task()


def test_each_sweep_records_its_last_run():
    before = timezone.now()
    _run_sweeps()
    beats = {beat.name: beat for beat in SweepHeartbeat.objects.all()}
    assert set(beats) == {"outbox", "letters", "reminders"}
    assert all(beat.last_run_at >= before for beat in beats.values())


def test_healthz_without_a_worker_reports_in_process_tasks_as_healthy(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True}
    assert body["broker"]["ok"] is None
    assert body["sweeps"] == {}
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_healthz_is_503_until_the_sweeps_have_run_then_200_then_503_when_one_is_overdue(client, with_worker):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert all(sweep["overdue"] for sweep in response.json()["sweeps"].values())

    _run_sweeps()
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    sweeps = response.json()["sweeps"]
    assert set(sweeps) == {"outbox", "letters", "reminders"}
    assert all(sweep["age_seconds"] <= 5 and not sweep["overdue"] for sweep in sweeps.values())

    with time_machine.travel(timezone.now() + timedelta(seconds=901)):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "failing"
    assert all(sweep["overdue"] for sweep in response.json()["sweeps"].values())


def test_healthz_is_503_when_the_database_does_not_answer(client, with_worker, monkeypatch):
    _run_sweeps()

    def refused(*_args, **_kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refused)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == {"ok": False}


def test_healthz_holds_no_personal_data_and_needs_no_sign_in(client, dsr, with_worker):
    _run_sweeps()
    response = client.get("/healthz")
    assert response.status_code == 200
    text = response.content.decode()
    assert dsr.member.email not in text
    assert str(dsr.public_id) not in text
    assert set(response.json()) == {
        "status",
        "time",
        "web",
        "database",
        "broker",
        "sweeps",
        "sweep_overdue_after_seconds",
    }


@pytest.mark.parametrize(
    ("who", "sees"),
    [("supervisor", True), ("admin_user", True), ("ga_staff", False), ("auditor", False), ("officer", False)],
)
def test_the_banner_shows_a_silent_worker_to_supervisors_and_administrators(client, request, with_worker, who, sees):
    _run_sweeps()
    client.force_login(request.getfixturevalue(who))
    page = reverse("requests_portal:staff_home")
    assert BANNER not in client.get(page, follow=True).content.decode()  # the worker is alive
    with time_machine.travel(timezone.now() + timedelta(seconds=601)):
        client.force_login(request.getfixturevalue(who))  # the session outlives the jump
        assert (BANNER in client.get(page, follow=True).content.decode()) is sees


def test_the_banner_costs_one_query_and_only_for_those_who_see_it(client, supervisor, ga_staff, with_worker):
    _run_sweeps()
    page = reverse("requests_portal:staff_home")
    for user, expected in ((supervisor, 1), (ga_staff, 0)):
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            client.get(page, follow=True)
        heartbeat_reads = [q for q in queries.captured_queries if "sweepheartbeat" in q["sql"].lower()]
        assert len(heartbeat_reads) == expected, heartbeat_reads


def test_check_sweeps_fails_while_a_sweep_is_overdue(with_worker):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="overdue"):
        call_command("check_sweeps")
    _run_sweeps()
    call_command("check_sweeps")
    with time_machine.travel(timezone.now() + timedelta(seconds=901)), pytest.raises(CommandError):
        call_command("check_sweeps")
