"""Bulk jobs: the large export as a job, progress, resuming, failure, and who may see a job."""

import csv
import io
from datetime import date, timedelta

import pytest

from django.urls import reverse
from django.utils import timezone

from requests_portal import exports, jobs, storage
from requests_portal.exceptions import DomainError
from requests_portal.models import AuditEntry, BulkJob, RequestKind, Status
from tests.requests_portal.oversight.conftest import jst

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(case_maker):
    made = []
    for index in range(12):
        made.append(
            case_maker(
                kind=RequestKind.COMPLAINT if index % 3 == 0 else RequestKind.DISCLOSURE,
                received_at=jst(2026, 1, 1 + index),
                due_date=date(2026, 1, 15 + index),
                summary=f"=件名{index}" if index == 5 else f"件名{index}",
            )
        )
    return made


def _csv(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the on-commit hooks (the runner's .delay(), eager here) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_export_job_runs_and_downloads_the_same_rows_as_the_stream(client, supervisor, cases, monkeypatch, committed):
    monkeypatch.setattr(exports.QueueExportJob, "chunk_size", 5)
    client.force_login(supervisor)
    params = {"kind": RequestKind.DISCLOSURE}
    with committed():
        response = client.post(f"{reverse('requests_portal:oversight_queue_export_job')}?kind=disclosure")
    job = BulkJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("requests_portal:oversight_job", args=[job.public_id])
    # Eager mode: the job ran inside the request, in chunks of five.
    assert (job.state, job.done, job.total) == (BulkJob.State.DONE, 8, 8)
    assert len(job.result["parts"]) == 2
    page = client.get(response["Location"]).content.decode()
    assert "8 / 8 件" in page
    assert 'value="100"' in page
    assert "ファイルをダウンロード" in page
    assert "hx-trigger" not in page
    download = client.get(reverse("requests_portal:oversight_job_download", args=[job.public_id]))
    assert download["Content-Disposition"].startswith('attachment; filename="queue_export_')
    from_job = _csv(b"".join(download.streaming_content))
    streamed = _csv(
        b"".join(client.get(reverse("requests_portal:oversight_queue_export_csv"), params).streaming_content)
    )
    assert from_job[0] == streamed[0]
    assert sorted(from_job[1:]) == sorted(streamed[1:])
    assert len(from_job) == 9
    assert any(row[3] == "'=件名5" for row in from_job)
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions[-1] == "export.queue"  # the comparison stream
    assert {"export.queue", "job.start", "job.done", "export.download"} <= set(actions)
    start = AuditEntry.objects.get(action="job.start")
    assert start.data["params"]["query"] == f"kind={RequestKind.DISCLOSURE}"


def test_progress_is_visible_and_the_job_resumes_from_its_cursor(
    client, supervisor, cases, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(exports.QueueExportJob, "chunk_size", 4)
    with django_capture_on_commit_callbacks(execute=False):
        job = jobs.job_start(kind=exports.QUEUE_EXPORT_JOB, actor=supervisor, params={"query": ""})
    assert job.state == BulkJob.State.QUEUED
    # One step at a time, as if the worker were lost after each of them.
    assert jobs.job_run(job_id=job.pk, time_budget=0) is False
    job.refresh_from_db()
    assert (job.state, job.total, job.done) == (BulkJob.State.RUNNING, 12, 0)
    assert jobs.job_run(job_id=job.pk, time_budget=0) is False
    job.refresh_from_db()
    assert job.done == 4
    client.force_login(supervisor)
    url = reverse("requests_portal:oversight_job", args=[job.public_id])
    page = client.get(url).content.decode()
    assert "4 / 12 件" in page
    assert 'value="33"' in page
    assert "このページを離れても処理は続きます" in page
    assert "htmx" in page  # the script that polls, only while the job runs
    partial = client.get(url, headers={"HX-Request": "true"})
    assert partial.content.decode().lstrip().startswith("<section")
    assert 'hx-trigger="every 2s"' in partial.content.decode()
    # Leave and come back: the list shows it; then the rest runs from the stored cursor.
    assert str(job.public_id) in client.get(reverse("requests_portal:oversight_jobs")).content.decode()
    assert jobs.job_run(job_id=job.pk) is True
    job.refresh_from_db()
    assert (job.state, job.done) == (BulkJob.State.DONE, 12)
    rows = _csv(b"".join(exports.job_file_chunks(job)))
    assert len(rows) == 13
    assert len({row[0] for row in rows[1:]}) == 12  # no row twice, none missing
    done = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in done
    assert "12 / 12 件" in done


def test_a_failing_job_ends_visibly(client, supervisor, cases, monkeypatch, committed):
    def explode(self, job):
        raise RuntimeError("disk full")

    monkeypatch.setattr(exports.QueueExportJob, "run_chunk", explode)
    client.force_login(supervisor)
    with committed():
        client.post(reverse("requests_portal:oversight_queue_export_job"))
    job = BulkJob.objects.get()
    assert job.state == BulkJob.State.FAILED
    assert job.result["error"] == "RuntimeError"
    assert job.finished_at is not None
    page = client.get(reverse("requests_portal:oversight_job", args=[job.public_id])).content.decode()
    assert "処理を完了できませんでした" in page
    assert "disk full" not in page
    assert AuditEntry.objects.filter(action="job.fail", outcome="error").exists()
    assert client.get(reverse("requests_portal:oversight_job_download", args=[job.public_id])).status_code == 404


def test_someone_elses_job_is_404(client, supervisor, auditor, cases, committed):
    client.force_login(supervisor)
    with committed():
        client.post(reverse("requests_portal:oversight_queue_export_job"))
    job = BulkJob.objects.get()
    client.force_login(auditor)
    assert client.get(reverse("requests_portal:oversight_job", args=[job.public_id])).status_code == 404
    assert client.get(reverse("requests_portal:oversight_job_download", args=[job.public_id])).status_code == 404
    assert str(job.public_id) not in client.get(reverse("requests_portal:oversight_jobs")).content.decode()


def test_an_expired_file_is_gone_and_said_so(client, supervisor, cases, committed):
    client.force_login(supervisor)
    with committed():
        client.post(reverse("requests_portal:oversight_queue_export_job"))
    job = BulkJob.objects.get()
    BulkJob.objects.filter(pk=job.pk).update(finished_at=timezone.now() - timedelta(days=8))
    from requests_portal import retention

    retention.retention_purge(job_label="test")
    page = client.get(reverse("requests_portal:oversight_job", args=[job.public_id])).content.decode()
    assert "保存期間を過ぎたため削除されました" in page
    assert client.get(reverse("requests_portal:oversight_job_download", args=[job.public_id])).status_code == 404


def test_sweep_rings_stalled_jobs(supervisor, cases, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        job = jobs.job_start(kind=exports.QUEUE_EXPORT_JOB, actor=supervisor, params={})
    assert jobs.job_sweep() == 0  # too young to be called stalled
    BulkJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=10))
    assert jobs.job_sweep() == 1
    job.refresh_from_db()
    assert job.state == BulkJob.State.DONE
    assert all(storage.exists(name) for name in job.result["parts"])


def test_registry_and_permissions(supervisor, member):
    with pytest.raises(DomainError):
        jobs.job_start(kind="no.such.job", actor=supervisor, params={})
    with pytest.raises(DomainError):
        jobs.job_start(kind=exports.QUEUE_EXPORT_JOB, actor=member, params={})

    class Clash(jobs.JobHandler):
        kind = exports.QUEUE_EXPORT_JOB
        label = "clash"

    with pytest.raises(ValueError, match="duplicate"):
        jobs.register(Clash)


def test_a_job_sees_only_what_its_owner_sees(supervisor, officer, case_maker, cases, committed):
    case_maker(kind=RequestKind.MY_NUMBER_INQUIRY, received_at=jst(2026, 1, 3), due_date=date(2026, 1, 17))
    with committed():
        job = jobs.job_start(kind=exports.QUEUE_EXPORT_JOB, actor=supervisor, params={})
    job.refresh_from_db()
    assert job.done == 12
    assert job.params["restricted"] is False
    with committed():
        officer_job = jobs.job_start(kind=exports.QUEUE_EXPORT_JOB, actor=officer, params={})
    officer_job.refresh_from_db()
    assert officer_job.done == 1
    assert officer_job.params["restricted"] is True
    assert AuditEntry.objects.filter(action="job.start", restricted=True).count() == 1


def test_status_filters_reach_the_job(supervisor, cases, committed):
    from requests_portal.models import DataSubjectRequest

    DataSubjectRequest.objects.filter(pk=cases[0].pk).update(status=Status.CLOSED)
    with committed():
        job = jobs.job_start(
            kind=exports.QUEUE_EXPORT_JOB, actor=supervisor, params={"query": f"status={Status.CLOSED}"}
        )
    job.refresh_from_db()
    assert job.done == 1
