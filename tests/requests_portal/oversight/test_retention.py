"""Retention: what is purged when, exactly once, with one disposal record, files really gone,
nothing touched by a dry run or under a legal hold, and the audit trail intact."""

from datetime import datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
import time_machine

from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from requests_portal import audit, retention, storage
from requests_portal.models import (
    AuditEntry,
    BulkJob,
    DataSubjectRequest,
    DisposalRecord,
    Document,
    DocumentCategory,
    EventType,
    IdentityResult,
    Letter,
    LetterKind,
    LetterStatus,
    RequestEvent,
    RequestKind,
    RetentionPolicy,
    Status,
)
from tests.requests_portal.oversight.conftest import JST, d, jst

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 3, 0, tzinfo=JST)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _stored_files() -> list[Path]:
    root = Path(settings.DSR_PRIVATE_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def _document(dsr, owner, category=DocumentCategory.SUPPORTING, uploaded_at=None, **fields) -> Document:
    content = f"file for {dsr.reference if dsr else 'wizard'}".encode()
    return Document.objects.create(
        dsr=dsr,
        owner=owner,
        category=category,
        original_name="書類.pdf",
        content_type="application/pdf",
        size_bytes=len(content),
        sha256=storage.sha256_hex(content),
        storage_name=storage.save(content),
        uploaded_at=uploaded_at or jst(2023, 1, 1),
        **fields,
    )


def _letter(dsr) -> Letter:
    return Letter.objects.create(
        dsr=dsr,
        kind=LetterKind.ACKNOWLEDGEMENT,
        status=LetterStatus.RENDERED,
        idempotency_key=f"dsr:{dsr.pk}:ack",
        storage_name=storage.save(b"%PDF-1.7 letter"),
        document_number="警生協総第1号",
    )


@pytest.fixture
def old_case(frozen, case_maker, member):
    """Closed on 2023-05-31 10:00: three years ago yesterday, so past the default 3-year period."""
    case = case_maker(
        received_at=jst(2023, 5, 1), due_date=d(2023, 5, 15), status=Status.CLOSED, closed_at=jst(2023, 5, 31),
        decision="disclosed_full",
    )  # fmt: skip
    _document(case, member)
    _letter(case)
    RequestEvent.objects.create(dsr=case, event_type=EventType.SUBMITTED)
    audit.record(action="dsr.view", actor=None, obj=case)
    return case


def test_a_case_past_retention_is_purged_exactly_once_with_one_disposal_record(old_case):
    reference = old_case.reference
    assert len(_stored_files()) == 2
    first = retention.retention_purge(job_label="test")
    second = retention.retention_purge(job_label="test")
    assert first.counts[retention.DisposalCategory.CASE_FILE] == 1
    assert second.total == 0
    assert not DataSubjectRequest.objects.filter(reference=reference).exists()
    assert not RequestEvent.objects.filter(dsr_id=old_case.pk).exists()
    assert not Letter.objects.filter(dsr_id=old_case.pk).exists()
    record = DisposalRecord.objects.get()
    assert (record.category, record.object_type, record.object_ref) == ("case_file", "dsr", reference)
    assert (record.file_count, record.job, record.actor_label, record.restricted) == (2, "test", "system", False)
    assert record.at == NOW
    # The files are really gone from storage, not just unlinked from the database.
    assert _stored_files() == []
    # The audit trail survives the purge and still verifies.
    actions = set(AuditEntry.objects.filter(object_ref=reference).values_list("action", flat=True))
    assert {"dsr.view", "retention.purge"} <= actions
    assert audit.verify_chain().ok


def test_a_case_on_legal_hold_is_not_purged(old_case):
    DataSubjectRequest.objects.filter(pk=old_case.pk).update(legal_hold=True, legal_hold_reason="訴訟のため")
    result = retention.retention_purge(job_label="test")
    assert result.total == 0
    assert DataSubjectRequest.objects.filter(pk=old_case.pk).exists()
    assert DisposalRecord.objects.count() == 0
    assert len(_stored_files()) == 2
    plan = retention.purge_preview()
    assert plan.held_cases == 1
    assert plan.total == 0


def test_a_case_inside_its_period_is_kept(frozen, case_maker):
    kept = case_maker(
        received_at=jst(2023, 5, 10), due_date=d(2023, 5, 24), status=Status.CLOSED, closed_at=jst(2023, 6, 2)
    )
    assert retention.retention_purge(job_label="test").total == 0
    assert DataSubjectRequest.objects.filter(pk=kept.pk).exists()
    # The period is the admin's: shorten it and the case is due.
    RetentionPolicy.objects.filter(pk=1).update(case_file_years=2)
    assert retention.retention_purge(job_label="test").counts["case_file"] == 1


def test_open_cases_are_never_purged_whatever_their_age(frozen, case_maker):
    case_maker(received_at=jst(2019, 5, 1), due_date=d(2019, 5, 15), status=Status.IN_REVIEW)
    assert retention.purge_preview().total == 0
    assert retention.retention_purge(job_label="test").total == 0


def test_dry_run_deletes_nothing(old_case, member):
    _document(None, member, DocumentCategory.IDENTITY, uploaded_at=jst(2026, 5, 30))
    out = StringIO()
    call_command("purge_retention", "--dry-run", stdout=out)
    output = out.getvalue()
    assert "nothing is deleted" in output
    assert old_case.reference in output
    assert "提出されなかったアップロード: 1" in output
    assert "Total that the next purge would delete: 2" in output
    assert DataSubjectRequest.objects.filter(pk=old_case.pk).exists()
    assert Document.objects.count() == 2
    assert len(_stored_files()) == 3
    assert DisposalRecord.objects.count() == 0


def test_the_command_purges_and_reports(old_case):
    out = StringIO()
    call_command("purge_retention", stdout=out)
    assert "Purged 1 item(s)" in out.getvalue()
    assert DisposalRecord.objects.get().job == retention.COMMAND_JOB


def test_identity_evidence_after_verification_and_after_close(frozen, case_maker, member):
    verified = case_maker(
        received_at=jst(2026, 5, 1), due_date=d(2026, 5, 15), identity_result=IdentityResult.VERIFIED,
        identity_verified_at=jst(2026, 5, 24, 10),
    )  # fmt: skip
    recent = case_maker(
        received_at=jst(2026, 5, 20), due_date=d(2026, 6, 3), identity_result=IdentityResult.VERIFIED,
        identity_verified_at=jst(2026, 5, 26, 10),
    )  # fmt: skip
    failed_closed = case_maker(
        received_at=jst(2026, 3, 1), due_date=d(2026, 3, 15), identity_result=IdentityResult.NOT_VERIFIED,
        identity_verified_at=jst(2026, 3, 5), status=Status.REJECTED, closed_at=jst(2026, 4, 30),
    )  # fmt: skip
    held = case_maker(
        received_at=jst(2026, 5, 1), due_date=d(2026, 5, 15), identity_result=IdentityResult.VERIFIED,
        identity_verified_at=jst(2026, 5, 2), legal_hold=True, legal_hold_reason="監査のため",
    )  # fmt: skip
    uploaded = jst(2026, 5, 1)
    due_docs = [
        _document(verified, member, DocumentCategory.IDENTITY, uploaded),
        _document(failed_closed, member, DocumentCategory.IDENTITY, uploaded),
    ]
    kept_docs = [
        _document(recent, member, DocumentCategory.IDENTITY, uploaded),
        _document(held, member, DocumentCategory.IDENTITY, uploaded),
        # Authority evidence stays with the case file.
        _document(verified, member, DocumentCategory.AUTHORITY, uploaded),
        # Uploaded after the check: its own seven days run from its upload.
        _document(verified, member, DocumentCategory.IDENTITY, jst(2026, 5, 29)),
    ]
    result = retention.retention_purge(job_label="test")
    assert result.counts[retention.DisposalCategory.IDENTITY_EVIDENCE] == 2
    for document in due_docs:
        document.refresh_from_db()
        assert document.purged_at == NOW
        assert not storage.exists(document.storage_name)
        assert RequestEvent.objects.filter(
            dsr_id=document.dsr_id, event_type=EventType.DOCUMENT_PURGED, extra__document_id=document.pk
        ).exists()
    for document in kept_docs:
        document.refresh_from_db()
        assert document.purged_at is None
        assert storage.exists(document.storage_name)
    records = DisposalRecord.objects.filter(category="identity_evidence")
    assert sorted(records.values_list("object_ref", flat=True)) == sorted([verified.reference, failed_closed.reference])
    assert retention.retention_purge(job_label="test").total == 0


def test_unattached_uploads_are_purged_and_attached_documents_are_not(frozen, case_maker, member):
    stale = _document(None, member, DocumentCategory.IDENTITY, uploaded_at=NOW - timedelta(hours=25))
    fresh = _document(None, member, DocumentCategory.IDENTITY, uploaded_at=NOW - timedelta(hours=23))
    # The request wizard stamps purge_after on uploads; an expired stamp is honoured while unattached…
    stamped = _document(
        None, member, DocumentCategory.SUPPORTING, uploaded_at=NOW - timedelta(hours=2), purge_after=NOW
    )
    # …and ignored once the upload is part of a submitted request.
    case = case_maker(received_at=jst(2026, 5, 25), due_date=d(2026, 6, 8))
    submitted = _document(
        case,
        member,
        DocumentCategory.SUPPORTING,
        uploaded_at=NOW - timedelta(days=3),
        purge_after=NOW - timedelta(days=2),
    )
    result = retention.retention_purge(job_label="test")
    assert result.total == result.counts["unattached_upload"] == 2
    for document in (stale, stamped):
        document.refresh_from_db()
        assert document.purged_at == NOW  # the row stays as the record
        assert not storage.exists(document.storage_name)
    for document in (fresh, submitted):
        document.refresh_from_db()
        assert document.purged_at is None
        assert storage.exists(document.storage_name)
    refs = set(DisposalRecord.objects.filter(category="unattached_upload").values_list("object_ref", flat=True))
    assert refs == {str(stale.public_id), str(stamped.public_id)}
    assert retention.retention_purge(job_label="test").total == 0


def test_disclosure_packages_after_the_download_window(frozen, case_maker, member, supervisor, ga_staff):
    decided = {"approved_by": supervisor, "drafted_by": ga_staff, "decision": "disclosed_full"}
    old = case_maker(
        received_at=jst(2026, 4, 1), due_date=d(2026, 4, 15), approved_at=jst(2026, 5, 10),
        status=Status.NOTIFIED, **decided,
    )  # fmt: skip
    new = case_maker(
        received_at=jst(2026, 5, 1), due_date=d(2026, 5, 15), approved_at=jst(2026, 5, 25),
        status=Status.NOTIFIED, **decided,
    )  # fmt: skip
    expired = _document(old, supervisor, DocumentCategory.DISCLOSURE_PACKAGE, jst(2026, 5, 9))
    within = _document(new, supervisor, DocumentCategory.DISCLOSURE_PACKAGE, jst(2026, 5, 9))
    # A package whose download window was set explicitly follows that date.
    windowed = _document(
        new, supervisor, DocumentCategory.DISCLOSURE_PACKAGE, jst(2026, 5, 25), purge_after=NOW - timedelta(hours=1)
    )
    assert retention.retention_purge(job_label="test").counts["disclosure_package"] == 2
    assert not storage.exists(expired.storage_name)
    assert not storage.exists(windowed.storage_name)
    assert storage.exists(within.storage_name)


def test_export_files_expire(frozen, supervisor):
    parts = [storage.save(b"a"), storage.save(b"b")]
    job = BulkJob.objects.create(
        kind="export.queue", created_by=supervisor, state=BulkJob.State.DONE, finished_at=NOW - timedelta(days=8),
        result={"parts": parts}, storage_name=parts[0],
    )  # fmt: skip
    recent_part = storage.save(b"c")
    BulkJob.objects.create(
        kind="export.queue", created_by=supervisor, state=BulkJob.State.DONE, finished_at=NOW - timedelta(days=6),
        result={"parts": [recent_part]}, storage_name=recent_part,
    )  # fmt: skip
    assert retention.retention_purge(job_label="test").counts["export_file"] == 1
    job.refresh_from_db()
    assert job.result["parts"] == []
    assert job.result["expired_at"]
    assert job.storage_name == ""
    assert not any(storage.exists(name) for name in parts)
    assert storage.exists(recent_part)
    assert DisposalRecord.objects.get().file_count == 2


def test_my_number_case_record_is_restricted(frozen, case_maker):
    case = case_maker(
        kind=RequestKind.MY_NUMBER_INQUIRY, received_at=jst(2022, 4, 1), due_date=d(2022, 4, 15),
        status=Status.CLOSED, closed_at=jst(2022, 4, 20),
    )  # fmt: skip
    retention.retention_purge(job_label="test")
    record = DisposalRecord.objects.get()
    assert record.restricted is True
    assert record.object_ref == case.reference
    assert AuditEntry.objects.get(action="retention.purge").restricted is True


def test_preview_shows_only_what_the_viewer_may_see(frozen, case_maker, client, supervisor, officer):
    general = case_maker(
        received_at=jst(2022, 4, 1), due_date=d(2022, 4, 15), status=Status.CLOSED, closed_at=jst(2022, 4, 20)
    )
    mine = case_maker(
        kind=RequestKind.MY_NUMBER_INQUIRY, received_at=jst(2022, 4, 1), due_date=d(2022, 4, 15),
        status=Status.CLOSED, closed_at=jst(2022, 4, 20),
    )  # fmt: skip
    client.force_login(supervisor)
    page = client.get(reverse("requests_portal:oversight_retention")).content.decode()
    assert general.reference in page
    assert mine.reference not in page
    assert "マイナンバーに関する事案は表示・集計していません" in page
    client.force_login(officer)
    page = client.get(reverse("requests_portal:oversight_retention")).content.decode()
    assert mine.reference in page
    assert general.reference not in page
    # Looking is not purging.
    assert DataSubjectRequest.objects.filter(pk__in=[general.pk, mine.pk]).count() == 2
    assert AuditEntry.objects.filter(action="retention.preview").count() == 2


# ---------------------------------------------------------------------------------------------
# Legal hold
# ---------------------------------------------------------------------------------------------
def test_supervisor_sets_and_clears_a_legal_hold(client, supervisor, dsr):
    client.force_login(supervisor)
    url = reverse("requests_portal:oversight_legal_hold")
    response = client.post(url, {"reference": dsr.reference.lower(), "hold": "set", "reason": "苦情の申出があったため"})
    assert response.status_code == 302
    dsr.refresh_from_db()
    assert dsr.legal_hold is True
    assert dsr.legal_hold_reason == "苦情の申出があったため"
    event = RequestEvent.objects.get(dsr=dsr, event_type=EventType.LEGAL_HOLD)
    assert event.extra == {"hold": True}
    entry = AuditEntry.objects.get(action="dsr.legal_hold")
    assert (entry.object_ref, entry.data) == (dsr.reference, {"hold": True})
    assert dsr.reference in client.get(reverse("requests_portal:oversight_retention")).content.decode()
    response = client.post(url, {"reference": dsr.reference, "hold": "clear", "reason": "解決したため"})
    assert response.status_code == 302
    dsr.refresh_from_db()
    assert (dsr.legal_hold, dsr.legal_hold_reason) == (False, "")


def test_legal_hold_errors_keep_the_input(client, supervisor, dsr, my_number_dsr):
    client.force_login(supervisor)
    url = reverse("requests_portal:oversight_legal_hold")
    response = client.post(url, {"reference": dsr.reference, "hold": "clear", "reason": "念のため"})
    assert response.status_code == 400
    assert "この事案に保存命令は設定されていません。" in response.content.decode()
    # A My Number case answers exactly like a missing reference.
    hidden = client.post(url, {"reference": my_number_dsr.reference, "hold": "set", "reason": "理由"})
    missing = client.post(url, {"reference": "GA-1999-99999", "hold": "set", "reason": "理由"})
    assert hidden.status_code == missing.status_code == 400
    assert hidden.context["form"].errors == missing.context["form"].errors
    response = client.post(url, {"reference": dsr.reference, "hold": "set", "reason": ""})
    assert "reason" in response.context["form"].errors
    response = client.post(url, {"reference": dsr.reference, "hold": "set", "reason": "番号 123456789018 の件"})
    assert "reason" in response.context["form"].errors
    assert "123456789018" not in response.content.decode()
    my_number_dsr.refresh_from_db()
    assert my_number_dsr.legal_hold is False


def test_only_approvers_may_hold(client, auditor, ga_staff, officer, dsr, my_number_dsr):
    url = reverse("requests_portal:oversight_legal_hold")
    for user in (auditor, ga_staff):
        client.force_login(user)
        assert client.post(url, {"reference": dsr.reference, "hold": "set", "reason": "x"}).status_code == 404
    client.force_login(officer)
    response = client.post(url, {"reference": my_number_dsr.reference, "hold": "set", "reason": "監査のため"})
    assert response.status_code == 302
    my_number_dsr.refresh_from_db()
    assert my_number_dsr.legal_hold is True
    dsr.refresh_from_db()
    assert dsr.legal_hold is False


def test_disposal_records_page_and_csv(client, supervisor, officer):
    DisposalRecord.objects.create(category="case_file", object_type="dsr", object_ref="GA-2022-00007", job="nightly")
    DisposalRecord.objects.create(
        category="case_file", object_type="dsr", object_ref="MN-2022-00003", job="nightly", restricted=True
    )
    client.force_login(supervisor)
    page = client.get(reverse("requests_portal:oversight_disposals")).content.decode()
    assert "GA-2022-00007" in page
    assert "MN-2022-00003" not in page
    body = b"".join(client.get(reverse("requests_portal:oversight_disposals_csv")).streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert "事案記録（保存期間の経過）" in text
    assert "GA-2022-00007" in text
    assert "MN-2022-00003" not in text


def test_beat_schedule_and_task_registration(old_case):
    from keiseikyo.celery import app

    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"requests_portal.retention_purge", "requests_portal.bulk_job_sweep"} <= schedule
    assert "requests_portal.tasks_oversight" in settings.CELERY_IMPORTS
    app.loader.import_default_modules()
    task = app.tasks["requests_portal.retention_purge"]
    assert task.delay().get() == {**dict.fromkeys(retention.DisposalCategory.labels, 0), "case_file": 1}
    assert DisposalRecord.objects.get().job == retention.NIGHTLY_JOB


def test_orphan_files_are_removed_after_a_day_and_recorded(member, settings):
    """A file left behind by a rolled-back transaction is deleted; referenced files stay."""
    import os
    import time

    from requests_portal import storage
    from requests_portal.retention import DisposalCategory, purge_orphan_files
    from tests.factories import submit

    dsr = submit(member)
    kept = Document.objects.create(
        dsr=dsr, owner=member, category="supporting", original_name="a.pdf", content_type="application/pdf",
        size_bytes=1, sha256="0" * 64, storage_name=storage.save(b"kept"),
    )  # fmt: skip
    orphan = storage.save(b"left behind")
    fresh_orphan = storage.save(b"just written, its row not committed yet")
    two_days_ago = time.time() - 2 * 86400
    for name in (kept.storage_name, orphan):
        path = settings.DSR_PRIVATE_ROOT / name[:2] / name
        os.utime(path, (two_days_ago, two_days_ago))

    assert purge_orphan_files(job_label="test") == 1
    assert not storage.exists(orphan)
    assert storage.exists(kept.storage_name)
    assert storage.exists(fresh_orphan)
    record = DisposalRecord.objects.get(category=DisposalCategory.ORPHAN_FILE)
    assert record.object_ref == orphan[:60]
    assert purge_orphan_files(job_label="test") == 0
