"""The Celery wiring: JSON only, pinned names, the three queues, late acks and time limits,
and a beat schedule whose every entry names a real task."""

from django.conf import settings

from keiseikyo.celery import app
from requests_portal import tasks


def test_json_only():
    assert settings.CELERY_ACCEPT_CONTENT == ["json"]
    assert settings.CELERY_TASK_SERIALIZER == "json"


def test_every_scheduled_and_routed_task_exists_with_a_pinned_name():
    app.loader.import_default_modules()
    names = {task for task in app.tasks if task.startswith("requests_portal.")}
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in names, entry
    for name, route in settings.CELERY_TASK_ROUTES.items():
        assert name in names, name
        assert route["queue"] in {"letters", "mail", "default"}
    assert {"requests_portal.letter_sweep", "requests_portal.reminder_sweep", "requests_portal.outbox_sweep"} <= {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }


def test_rendering_and_sending_survive_a_lost_worker():
    for task in (tasks.letter_render_task, tasks.outbound_mail_send_task):
        assert task.acks_late is True
        assert task.reject_on_worker_lost is True
        assert 0 < task.soft_time_limit < task.time_limit
    assert settings.CELERY_TASK_ROUTES["requests_portal.letter_render"]["queue"] == "letters"
    assert settings.CELERY_TASK_ROUTES["requests_portal.outbound_mail_send"]["queue"] == "mail"
