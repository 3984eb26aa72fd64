"""Celery tasks of the oversight features: the nightly retention purge and the bulk-job runner.

Celery's autodiscovery imports only `requests_portal.tasks`; this module is imported through
`CELERY_IMPORTS` (settings), so the worker registers these names; the code below rings them by
name (`queueing`), never by importing this module. Each task
checks the database first and is safe to run twice; each stops after a time budget and queues
its own continuation, so none runs into the worker's time limit.
"""

from celery import shared_task

from requests_portal import health, jobs, retention

PURGE_TIME_BUDGET = 60


@shared_task(name="requests_portal.retention_purge", acks_late=True, reject_on_worker_lost=True)
def retention_purge_task() -> dict[str, int]:
    """Delete what is past its retention period (nightly, from beat)."""
    result = retention.retention_purge(job_label=retention.NIGHTLY_JOB, time_budget=PURGE_TIME_BUDGET)
    if not result.complete:
        retention_purge_task.delay()
        return result.counts
    return {**result.counts, "orphan_file": retention.purge_orphan_files(job_label=retention.NIGHTLY_JOB)}


@shared_task(name="requests_portal.bulk_job_run", acks_late=True, reject_on_worker_lost=True)
def bulk_job_run_task(job_id: int) -> bool:
    """Work on one bulk job for a while; queue the rest."""
    finished = jobs.job_run(job_id=job_id)
    if not finished:
        bulk_job_run_task.delay(job_id)
    return finished


@shared_task(name="requests_portal.bulk_job_sweep")
def bulk_job_sweep_task() -> int:
    """Ring the runner again for jobs whose message or worker was lost."""
    count = jobs.job_sweep()
    health.record_sweep_run("bulk_jobs", count)
    return count
