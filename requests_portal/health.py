"""Is the background work alive? Sweep heartbeats, and the answers /healthz and the staff banner
give from them (docs/reliability.md#heartbeats).

Every periodic sweep writes its last run into `SweepHeartbeat` when it finishes. The sweeps run
on the worker, rung by beat, so one stale heartbeat means the worker or beat has stopped (or the
sweep itself keeps failing); nothing else needs to watch them. Nothing here holds personal data.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from requests_portal.models import SweepHeartbeat

# The sweeps /healthz watches, each with how often beat rings it (keiseikyo/settings.py).
WATCHED_SWEEPS = {"outbox": 60, "letters": 60, "reminders": 300}


def record_sweep_run(name: str, count: int = 0) -> None:
    """Note that the sweep `name` has just run (one upsert)."""
    SweepHeartbeat.objects.update_or_create(name=name, defaults={"last_run_at": timezone.now(), "last_count": count})


@dataclass(frozen=True)
class SweepAge:
    name: str
    last_run_at: datetime | None
    age_seconds: float | None
    overdue: bool


def sweep_ages(now: datetime | None = None) -> list[SweepAge]:
    """The watched sweeps' ages; a sweep is overdue when it has not run for
    DSR_HEALTH_SWEEP_OVERDUE_SECONDS, or never has."""
    now = now or timezone.now()
    last_runs = dict(SweepHeartbeat.objects.filter(name__in=WATCHED_SWEEPS).values_list("name", "last_run_at"))
    limit = settings.DSR_HEALTH_SWEEP_OVERDUE_SECONDS
    ages = []
    for name in WATCHED_SWEEPS:
        last = last_runs.get(name)
        age = (now - last).total_seconds() if last is not None else None
        ages.append(SweepAge(name, last, age, overdue=age is None or age > limit))
    return ages


def background_silent_since() -> datetime | None:
    """When the worker or beat was last heard of, if that is longer ago than
    DSR_HEALTH_BANNER_SILENT_SECONDS (None while they are heard from, and when tasks run
    in-process, where there is no worker to lose). One query."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return None
    last = SweepHeartbeat.objects.aggregate(last=Max("last_run_at"))["last"]
    if last is None:
        return None  # a fresh installation: no sweep has had its first minute yet
    if (timezone.now() - last).total_seconds() > settings.DSR_HEALTH_BANNER_SILENT_SECONDS:
        return last
    return None


def database_answers() -> bool:
    """Whether the database answers a trivial query now."""
    from django.db import DatabaseError, connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return False
    return True


def broker_answers() -> bool | None:
    """Whether Redis (the broker) answers a PING within a second; None when tasks run in-process."""
    if settings.CELERY_TASK_ALWAYS_EAGER or not settings.REDIS_URL:
        return None
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except redis.RedisError:
        return False
