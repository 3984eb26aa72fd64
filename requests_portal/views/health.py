"""/healthz: is the portal alive, and is its background work? For container health checks and
monitoring (docs/reliability.md#heartbeats).

No sign-in, no personal data: the answer names only the parts of the system and their ages.
503 when the database does not answer or a watched sweep is overdue; a broker that does not answer
alone is not a failure, because nothing waits on it (work is a row first).
"""

import time

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from requests_portal import health


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    started = time.monotonic()
    database_ok = health.database_answers()
    sweeps: dict[str, dict] = {}
    sweeps_ok = True
    if database_ok and not settings.CELERY_TASK_ALWAYS_EAGER:
        try:
            ages = health.sweep_ages()
        except DatabaseError:
            database_ok = False
        else:
            for age in ages:
                sweeps[age.name] = {
                    "last_run_at": age.last_run_at.isoformat() if age.last_run_at else None,
                    "age_seconds": round(age.age_seconds) if age.age_seconds is not None else None,
                    "overdue": age.overdue,
                }
            sweeps_ok = not any(age.overdue for age in ages)
    broker_ok = health.broker_answers()
    healthy = database_ok and sweeps_ok
    body = {
        "status": "ok" if healthy else "failing",
        "time": timezone.now().isoformat(),
        "web": {"ok": True, "seconds": round(time.monotonic() - started, 3)},
        "database": {"ok": database_ok},
        "broker": {"ok": broker_ok} if broker_ok is not None else {"ok": None, "note": "tasks run in-process"},
        "sweeps": sweeps,
        "sweep_overdue_after_seconds": settings.DSR_HEALTH_SWEEP_OVERDUE_SECONDS,
    }
    return JsonResponse(body, status=200 if healthy else 503, json_dumps_params={"ensure_ascii": False})
