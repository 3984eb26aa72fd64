"""Celery tasks of the incident register (ids in, service calls)."""

from celery import shared_task

from requests_portal.incidents.reminders import incident_reminder_sweep


@shared_task(name="requests_portal.incident_reminder_sweep", ignore_result=True)
def incident_reminder_sweep_task() -> int:
    return incident_reminder_sweep()
