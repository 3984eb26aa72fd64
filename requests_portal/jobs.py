"""Long operations with visible progress (`BulkJob`): a registry of handlers and their runner.

A feature that needs a long operation (the large CSV export here; bulk reassignment and the
member-roster import elsewhere) writes a `JobHandler` subclass, decorates it with `@register`,
and starts work with `job_start(kind=…, actor=…, params=…)`. The runner (a Celery task; inline
in eager mode) processes the job in chunks, each in its own transaction that holds the job's
row lock, and stores the handler's cursor in `job.result` after every chunk. So:

- progress (`done` / `total`) is visible after every chunk, from any page load;
- the person can leave and come back (`jobs_for_user`, `job_for_user`);
- a lost worker or message loses at most one chunk: `job_sweep` rings the runner again for a
  queued job that never started or a running job whose heartbeat stopped, and the runner
  continues from the stored cursor (two runners never process the same chunk: the row lock);
- each task invocation stops after a time budget and queues its own continuation, so no task
  runs into Celery's time limit however large the job.

Handlers get the job with its `params` (JSON, validated by the handler when the job starts)
and must not trust that the actor still has the rights they had then: re-derive what the actor
may touch (e.g. `dsr_visible_to_staff(job.created_by)`) in every chunk.
"""

import logging
import time as monotonic_time
import uuid
from datetime import datetime, timedelta
from importlib import import_module
from typing import ClassVar

from django_stubs_ext import StrOrPromise

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from requests_portal import audit
from requests_portal.exceptions import DomainError
from requests_portal.models import BulkJob, User
from requests_portal.queueing import enqueue, enqueue_on_commit
from requests_portal.selectors import queue_ids_for_user, restricted_queue_ids

logger = logging.getLogger(__name__)

# Seconds one task invocation works before queueing its continuation (well under
# CELERY_TASK_SOFT_TIME_LIMIT).
DEFAULT_TIME_BUDGET = 45
# A queued job not started after this long, or a running one silent for this long, is re-rung.
STALLED_AFTER = timedelta(minutes=3)
# The runner (tasks_oversight.bulk_job_run_task), rung by its pinned name.
BULK_JOB_RUN_TASK = "requests_portal.bulk_job_run"


class JobHandler:
    """One kind of long operation. Subclass, set `kind` and `label`, implement the methods."""

    kind: ClassVar[str]
    label: ClassVar[StrOrPromise]
    chunk_size: ClassVar[int] = 1000

    def validate(self, *, actor: User, params: dict) -> dict:
        """Clean `params` when the job starts (raise DomainError); the result is stored."""
        return params

    def may_start(self, actor: User) -> bool:
        """Who may start this kind of job."""
        return True

    def prepare(self, job: BulkJob) -> int:
        """Called once, when the runner first picks the job up: return the total item count."""
        raise NotImplementedError

    def run_chunk(self, job: BulkJob) -> int:
        """Process the next chunk, keep the cursor in `job.result`; return how many items were
        processed (0 means there is nothing left). Runs inside the chunk's transaction."""
        raise NotImplementedError

    def finish(self, job: BulkJob) -> None:
        """Called once after the last chunk: put the summary into `job.result`."""

    def summary(self, job: BulkJob) -> list[tuple[str, str]]:
        """(label, value) lines for the job's page once it is done."""
        return []

    def restricted(self, job: BulkJob) -> bool:
        """Whether the job touches My Number cases (its audit entries are restricted then)."""
        return bool(job.params.get("restricted"))


HANDLERS: dict[str, JobHandler] = {}


def register(handler_class: type[JobHandler]) -> type[JobHandler]:
    """Class decorator: make a handler available to `job_start` under its `kind`."""
    existing = HANDLERS.get(handler_class.kind)
    if existing is not None and type(existing).__qualname__ != handler_class.__qualname__:
        raise ValueError(f"duplicate job kind {handler_class.kind!r}")
    HANDLERS[handler_class.kind] = handler_class()
    return handler_class


def load_handlers() -> None:
    """Import the modules that register handlers (settings.DSR_BULK_JOB_MODULES), once."""
    for module in getattr(settings, "DSR_BULK_JOB_MODULES", ()):
        import_module(module)


def handler_for(kind: str) -> JobHandler:
    if kind not in HANDLERS:
        load_handlers()
    try:
        return HANDLERS[kind]
    except KeyError:
        raise DomainError(_("この種類の一括処理はありません。")) from None


def kind_label(kind: str) -> str:
    if kind not in HANDLERS:
        load_handlers()
    handler = HANDLERS.get(kind)
    return str(handler.label) if handler else kind


@transaction.atomic
def job_start(*, kind: str, actor: User, params: dict) -> BulkJob:
    """Create a queued job and ring the runner after commit. Raises DomainError on bad params."""
    handler = handler_for(kind)
    if not handler.may_start(actor):
        raise DomainError(_("この一括処理を開始する権限がありません。"))
    cleaned = handler.validate(actor=actor, params=dict(params))
    job = BulkJob.objects.create(kind=kind, created_by=actor, params=cleaned)
    audit.record(
        action="job.start",
        actor=actor,
        object_ref=f"job:{job.public_id}",
        restricted=handler.restricted(job),
        data={"kind": kind, "params": cleaned},
    )
    enqueue_on_commit(BULK_JOB_RUN_TASK, job.pk)
    return job


def _time_budget() -> float:
    return float(getattr(settings, "DSR_BULK_JOB_TIME_BUDGET", DEFAULT_TIME_BUDGET))


def _fail(job_id: int, exc: BaseException) -> None:
    # The message a person sees names no data; the log keeps the exception (My Numbers redacted).
    logger.exception("bulk job %s failed", job_id, exc_info=exc)
    with transaction.atomic():
        job = BulkJob.objects.select_for_update().get(pk=job_id)
        if job.state in (BulkJob.State.DONE, BulkJob.State.FAILED):
            return
        job.state = BulkJob.State.FAILED
        job.finished_at = timezone.now()
        job.result = {**job.result, "error": type(exc).__name__}
        job.save(update_fields=["state", "finished_at", "result"])
        audit.record(
            action="job.fail",
            actor=None,
            object_ref=f"job:{job.public_id}",
            outcome="error",
            restricted=bool(job.params.get("restricted")),
            data={"kind": job.kind},
        )


def job_run(*, job_id: int, time_budget: float | None = None) -> bool:
    """Work on a job until it is finished or the time budget is spent. True when finished
    (or when there is nothing to do: the job is gone, done or failed)."""
    stop_at = monotonic_time.monotonic() + (time_budget if time_budget is not None else _time_budget())
    while True:
        try:
            if _step(job_id):
                return True
        except Exception as exc:
            # Any failure ends the job visibly (FAILED, with a summary), never silently.
            _fail(job_id, exc)
            return True
        if monotonic_time.monotonic() >= stop_at:
            return False


@transaction.atomic
def _step(job_id: int) -> bool:
    """One step under the job's row lock: start it, or process one chunk, or finish it.
    True when the job is finished (or gone)."""
    job = BulkJob.objects.select_for_update().filter(pk=job_id).first()
    if job is None or job.state in (BulkJob.State.DONE, BulkJob.State.FAILED):
        return True
    handler = handler_for(job.kind)
    now = timezone.now()
    if job.state == BulkJob.State.QUEUED:
        job.state, job.started_at, job.heartbeat_at = BulkJob.State.RUNNING, now, now
        job.total = handler.prepare(job)
        job.save(update_fields=["state", "started_at", "heartbeat_at", "total", "result", "storage_name"])
        return False
    processed = handler.run_chunk(job)
    job.heartbeat_at = now
    if processed:
        job.done += processed
        job.save(update_fields=["done", "heartbeat_at", "result", "storage_name"])
        return False
    handler.finish(job)
    job.state, job.finished_at = BulkJob.State.DONE, now
    job.save(update_fields=["state", "finished_at", "heartbeat_at", "total", "done", "result", "storage_name"])
    audit.record(
        action="job.done",
        actor=None,
        object_ref=f"job:{job.public_id}",
        restricted=handler.restricted(job),
        data={"kind": job.kind, "done": job.done},
    )
    return True


def job_sweep(*, now: datetime | None = None) -> int:
    """Ring the runner again for stalled jobs (never started, or silent since STALLED_AFTER)."""
    now = now or timezone.now()
    limit = now - STALLED_AFTER
    stalled = BulkJob.objects.filter(
        Q(state=BulkJob.State.QUEUED, created_at__lt=limit) | Q(state=BulkJob.State.RUNNING, heartbeat_at__lt=limit)
    ).values_list("pk", flat=True)
    ids = list(stalled[:100])
    for job_id in ids:
        enqueue(BULK_JOB_RUN_TASK, job_id)
    return len(ids)


def jobs_for_user(user: User | AnonymousUser) -> QuerySet[BulkJob]:
    """The jobs a person started (what they may come back to). A job over My Number cases stays
    theirs only while they still hold the My Number queue: an officer moved to another post loses
    its file at once, like the cases themselves."""
    if not getattr(user, "is_authenticated", False):
        return BulkJob.objects.none()
    own = BulkJob.objects.filter(created_by_id=user.pk)
    if not queue_ids_for_user(user) & restricted_queue_ids():
        own = own.exclude(Q(params__restricted=True) & Q(params__has_key="restricted"))
    return own.order_by("-created_at")


def job_for_user(user: User | AnonymousUser, public_id: uuid.UUID | str) -> BulkJob:
    """One of the person's jobs, or Http404 (someone else's job answers like a missing one)."""
    try:
        return jobs_for_user(user).get(public_id=public_id)
    except (BulkJob.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def progress_percent(job: BulkJob) -> int:
    if job.state == BulkJob.State.DONE:
        return 100
    if not job.total:
        return 0
    return min(99, int(100 * job.done / job.total))
