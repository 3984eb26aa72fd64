"""A real worker on Redis runs the oversight tasks: a bulk export job (in chunks, with its
continuation), the stalled-job sweep, and the nightly retention purge, imported through
CELERY_IMPORTS exactly as in production."""

from datetime import date, timedelta

import pytest

from django.utils import timezone

from requests_portal import exports, jobs, storage
from requests_portal.models import BulkJob, DataSubjectRequest, DisposalRecord, Queue, Status
from tests.factories import MemberFactory, staff_user
from tests.integration.conftest import wait_for
from tests.requests_portal.oversight.conftest import build_case

pytestmark = [pytest.mark.integration]


def _cases(count: int, prefix: str = "W", **fields) -> list[DataSubjectRequest]:
    member = MemberFactory()
    queue = Queue.objects.get(code=Queue.GA)
    received = timezone.now() - timedelta(days=30)
    return DataSubjectRequest.objects.bulk_create(
        [
            build_case(
                member=member, queue=queue, reference=f"GA-{prefix}-{index:05d}", received_at=received,
                due_date=date(2026, 1, 19), **fields,
            )
            for index in range(count)
        ]
    )  # fmt: skip


def test_export_job_runs_on_the_worker(celery_worker_process):
    from requests_portal.roles import Role

    supervisor = staff_user(Role.GA_SUPERVISOR)
    _cases(2500)
    job = jobs.job_start(kind=exports.QUEUE_EXPORT_JOB, actor=supervisor, params={"query": ""})
    done = wait_for(
        lambda: BulkJob.objects.filter(pk=job.pk, state=BulkJob.State.DONE).first(), timeout=90, what="job done"
    )
    assert (done.done, done.total) == (2500, 2500)
    body = b"".join(exports.job_file_chunks(done))
    assert body.startswith(b"\xef\xbb\xbf")
    assert body.count(b"\r\n") == 2501
    assert all(storage.exists(name) for name in done.result["parts"])
    assert "requests_portal.bulk_job_run" in celery_worker_process.log()


def test_retention_purge_runs_on_the_worker(celery_worker_process):
    from requests_portal.tasks_oversight import retention_purge_task

    old = timezone.now() - timedelta(days=4 * 365)
    purged = _cases(3, status=Status.CLOSED, closed_at=old)
    kept = _cases(1, "H", status=Status.CLOSED, closed_at=old, legal_hold=True, legal_hold_reason="訴訟")[0]
    retention_purge_task.delay()
    wait_for(lambda: DisposalRecord.objects.count() == 3, timeout=60, what="purge on the worker")
    assert not DataSubjectRequest.objects.filter(pk__in=[case.pk for case in purged]).exists()
    assert DataSubjectRequest.objects.filter(pk=kept.pk).exists()
    assert "requests_portal.retention_purge" in celery_worker_process.log()
