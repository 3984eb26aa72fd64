"""Retention and disposal (docs/legal.md#retention): what is deleted when, the legal hold,
the purge itself and its dry run.

The rules, with the periods from the admin-edited `RetentionPolicy`:
- identity evidence (本人確認書類): deleted `identity_evidence_days_after_verification` days after
  a *successful* identity check is recorded (and after its own upload), and at the latest
  `identity_evidence_days_after_close` days after the case closes;
- disclosure packages: at their `purge_after` when one is set (the download window), otherwise
  `disclosure_download_days` after the decision;
- uploads never attached to a submitted request: at their `purge_after`, or
  `unattached_upload_hours` after upload (also swept hourly, by the same rule);
- closed cases (完了・取下げ・本人確認不能): `case_file_years` after closing, the whole case file
  (documents, letters, timeline, messages, mails) is deleted;
- files of finished bulk exports: `export_file_days` after they were made;
- third-party provision records (個人情報保護法第29条第2項・第30条第4項): from the first day after
  their period under 個人情報保護委員会規則第21条・第25条 (1 year for a contract standing as the
  record, 3 years otherwise, counted from the record's date; `ProvisionRecord.keep_until`), unless
  the member has an open records-disclosure case, or one under a legal hold, that may print them.

`purge_after` on any other attached document is deliberately ignored: wizard uploads carry
their unattached expiry there, and attaching them must not start a one-day countdown.

A legal hold (保存命令) on a case stops every rule that touches the case. The purge is
idempotent: each item is re-checked under a row lock, its file is removed from storage first,
then its rows change and one `DisposalRecord` is written, all in one transaction; a second run
finds nothing left to do. `AuditEntry` rows name objects by type, id and reference (no foreign
key), so the trail survives the purge.
"""

import json
import logging
import os
import time as monotonic_time
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import ProtectedError, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from requests_portal import audit, storage
from requests_portal.exceptions import DomainError
from requests_portal.models import (
    TERMINAL_STATUSES,
    BulkJob,
    DataSubjectRequest,
    DisposalRecord,
    Document,
    DocumentCategory,
    EventType,
    IdentityResult,
    Letter,
    ProvisionRecord,
    ProvisionRecordForm,
    RequestEvent,
    RequestKind,
    RetentionPolicy,
    User,
)
from requests_portal.mynumber import contains_my_number
from requests_portal.permissions import can_approve_dsr
from requests_portal.selectors import dsr_visible_to_staff, queue_ids_for_user, restricted_queue_ids
from requests_portal.text import normalize_text

logger = logging.getLogger(__name__)

NIGHTLY_JOB = "nightly:requests_portal.retention_purge"
COMMAND_JOB = "manage.py purge_retention"


class DisposalCategory:
    """What a disposal record is about."""

    UNATTACHED_UPLOAD = "unattached_upload"
    DISCLOSURE_PACKAGE = "disclosure_package"
    IDENTITY_EVIDENCE = "identity_evidence"
    CASE_FILE = "case_file"
    EXPORT_FILE = "export_file"
    ORPHAN_FILE = "orphan_file"
    PROVISION_RECORD = "provision_record"

    choices = (
        (UNATTACHED_UPLOAD, _("提出されなかったアップロード")),
        (DISCLOSURE_PACKAGE, _("開示データ（ダウンロード期間の経過）")),
        (IDENTITY_EVIDENCE, _("本人確認書類")),
        (CASE_FILE, _("事案記録（保存期間の経過）")),
        (EXPORT_FILE, _("一括出力ファイル")),
        (ORPHAN_FILE, _("記録のない暗号化ファイル（中断された処理の残り）")),
        (PROVISION_RECORD, _("第三者提供記録（保存期間の経過）")),
    )
    labels = dict(choices)


def _years_before(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - years, day=28)


def _not_on_hold() -> Q:
    return Q(dsr__isnull=True) | Q(dsr__legal_hold=False)


# ---------------------------------------------------------------------------------------------
# What is due: one queryset per category
# ---------------------------------------------------------------------------------------------
def unattached_uploads_due(policy: RetentionPolicy, now: datetime) -> QuerySet[Document]:
    cutoff = now - timedelta(hours=policy.unattached_upload_hours)
    expired = Q(purge_after__lte=now) | Q(purge_after__isnull=True, uploaded_at__lte=cutoff)
    return Document.objects.filter(expired, dsr__isnull=True, purged_at__isnull=True)


def disclosure_packages_due(policy: RetentionPolicy, now: datetime) -> QuerySet[Document]:
    cutoff = now - timedelta(days=policy.disclosure_download_days)
    window_over = Q(purge_after__lte=now) | Q(purge_after__isnull=True, uploaded_at__lte=cutoff, decided_at__lte=cutoff)
    return (
        Document.objects.filter(category=DocumentCategory.DISCLOSURE_PACKAGE, purged_at__isnull=True, dsr__isnull=False)
        .filter(_not_on_hold())
        .alias(decided_at=Coalesce("dsr__approved_at", "dsr__closed_at"))
        .filter(window_over)
    )


def identity_evidence_due(policy: RetentionPolicy, now: datetime) -> QuerySet[Document]:
    after_check = now - timedelta(days=policy.identity_evidence_days_after_verification)
    after_close = now - timedelta(days=policy.identity_evidence_days_after_close)
    checked = Q(
        dsr__identity_result=IdentityResult.VERIFIED,
        dsr__identity_verified_at__lte=after_check,
        uploaded_at__lte=after_check,
    )
    closed = Q(dsr__status__in=sorted(TERMINAL_STATUSES), dsr__closed_at__lte=after_close)
    return Document.objects.filter(
        category=DocumentCategory.IDENTITY, purged_at__isnull=True, dsr__isnull=False, dsr__legal_hold=False
    ).filter(checked | closed)


def case_files_due(
    policy: RetentionPolicy, now: datetime, *, include_held: bool = False
) -> QuerySet[DataSubjectRequest]:
    cases = DataSubjectRequest.objects.filter(
        status__in=sorted(TERMINAL_STATUSES), closed_at__lte=_years_before(now, policy.case_file_years)
    )
    return cases if include_held else cases.filter(legal_hold=False)


def _date_years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def provision_records_due(policy: RetentionPolicy, now: datetime) -> QuerySet[ProvisionRecord]:
    """Records whose period is over: `keep_until` (規則第21条・第25条) is today or earlier."""
    today = timezone.localdate(now)
    contract = Q(record_form=ProvisionRecordForm.CONTRACT, occurred_on__lte=_date_years_before(today, 1))
    other = ~Q(record_form=ProvisionRecordForm.CONTRACT) & Q(occurred_on__lte=_date_years_before(today, 3))
    # A records-disclosure case still open, or held, may yet print the member's records.
    needed = DataSubjectRequest.objects.filter(kind=RequestKind.PROVISION_RECORDS).filter(
        Q(legal_hold=True) | ~Q(status__in=sorted(TERMINAL_STATUSES))
    )
    return ProvisionRecord.objects.filter(contract | other).exclude(member__in=needed.values("member"))


def export_files_due(policy: RetentionPolicy, now: datetime) -> QuerySet[BulkJob]:
    cutoff = now - timedelta(days=policy.export_file_days)
    return BulkJob.objects.filter(
        state__in=[BulkJob.State.DONE, BulkJob.State.FAILED], finished_at__lte=cutoff
    ).exclude(storage_name="")


# ---------------------------------------------------------------------------------------------
# Purging one item
# ---------------------------------------------------------------------------------------------
def _actor_fields(actor: User | None) -> dict[str, object]:
    if actor is None:
        return {"actor_id": None, "actor_label": "system"}
    return {"actor_id": actor.pk, "actor_label": str(actor.email)[:150]}


def _record(
    *,
    category: str,
    object_type: str,
    object_ref: str,
    restricted: bool,
    file_count: int,
    now: datetime,
    actor: User | None,
    job_label: str,
    target: str = "",
) -> DisposalRecord:
    record = DisposalRecord.objects.create(
        at=now,
        category=category,
        object_type=object_type,
        object_ref=object_ref[:60],
        job=job_label[:60],
        restricted=restricted,
        file_count=file_count,
        **_actor_fields(actor),
    )
    _journal_on_commit(record, target or object_ref)
    return record


# ---------------------------------------------------------------------------------------------
# The disposal journal and the re-purge after a restore
# ---------------------------------------------------------------------------------------------
# A backup taken before a disposal still holds what was disposed of. Each committed
# DisposalRecord is therefore also written, with the exact object it removed, to a journal
# file outside the database (kept next to the backups, not in them); after a restore,
# `repurge_after_restore` applies every journalled disposal made since the backup again.
REPURGE_JOB = "manage.py repurge_after_restore"


def _journal_on_commit(record: DisposalRecord, target: str) -> None:
    line = json.dumps(
        {
            "at": record.at.isoformat(),
            "category": record.category,
            "object_type": record.object_type,
            "target": target,
            "object_ref": record.object_ref,
        },
        ensure_ascii=False,
    )

    def write() -> None:
        try:
            path = Path(settings.DSR_DISPOSAL_JOURNAL_FILE)
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(descriptor, (line + "\n").encode())
            finally:
                os.close(descriptor)
        except OSError:
            logger.exception("could not journal disposal %s", line)

    transaction.on_commit(write)


def read_disposal_journal(path: Path | None = None, *, since: datetime | None = None) -> list[dict]:
    path = path or Path(settings.DSR_DISPOSAL_JOURNAL_FILE)
    if not path.exists():
        return []
    entries = []
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        if since is None or datetime.fromisoformat(entry["at"]) > since:
            entries.append(entry)
    return entries


def repurge_after_restore(*, entries: list[dict], now: datetime | None = None) -> "PurgeResult":
    """Dispose again of what the journal says was disposed of after the backup (idempotent),
    then run the ordinary purge for anything that fell due while the backup waited."""
    now = now or timezone.now()
    result = PurgeResult(counts={})
    for entry in entries:
        category, kind, target = entry["category"], entry["object_type"], entry["target"]
        done = False
        if kind == "document":
            pk = Document.objects.filter(public_id=target, purged_at__isnull=True).values_list("pk", flat=True).first()
            if pk is not None:
                documents = Document.objects.filter(purged_at__isnull=True)
                done = _purge_document(pk, category=category, due=documents, now=now, actor=None, job_label=REPURGE_JOB)
        elif kind == "dsr":
            pk = DataSubjectRequest.objects.filter(reference=target).values_list("pk", flat=True).first()
            if pk is not None:
                cases = DataSubjectRequest.objects.all()
                done = _purge_case(pk, category=category, due=cases, now=now, actor=None, job_label=REPURGE_JOB)
        elif kind == "bulkjob":
            pk = BulkJob.objects.filter(public_id=target).exclude(storage_name="").values_list("pk", flat=True).first()
            if pk is not None:
                export_jobs = BulkJob.objects.all()
                done = _purge_export(pk, category=category, due=export_jobs, now=now, actor=None, job_label=REPURGE_JOB)
        elif kind == "provision_record":
            pk = ProvisionRecord.objects.filter(source_ref=target).values_list("pk", flat=True).first()
            if pk is not None:
                provision_records = ProvisionRecord.objects.all()
                done = _purge_provision_record(
                    pk, category=category, due=provision_records, now=now, actor=None, job_label=REPURGE_JOB
                )
        result.counts[category] = result.counts.get(category, 0) + int(done)
    rules = retention_purge(job_label=REPURGE_JOB, now=now)
    for category, count in rules.counts.items():
        result.counts[category] = result.counts.get(category, 0) + count
    result.failed = rules.failed
    return result


def _purge_document(
    pk: int, *, category: str, due: QuerySet[Document], now: datetime, actor: User | None, job_label: str
) -> bool:
    with transaction.atomic():
        dsr_id = Document.objects.filter(pk=pk).values_list("dsr_id", flat=True).first()
        # Lock the case first: a legal hold set at this moment waits for us, or wins.
        if dsr_id is not None:
            case_free = DataSubjectRequest.objects.select_for_update().filter(pk=dsr_id, legal_hold=False)
            if not case_free.exists():
                return False
        document = due.filter(pk=pk).select_for_update(of=("self",)).select_related("dsr", "dsr__queue").first()
        if document is None:
            return False
        storage.delete(document.storage_name)
        dsr = document.dsr
        audit.record(action="retention.purge", actor=actor, obj=document, data={"category": category})
        _record(
            category=category,
            object_type="document",
            object_ref=dsr.reference if dsr else str(document.public_id),
            restricted=bool(dsr and dsr.is_restricted),
            file_count=1,
            now=now,
            actor=actor,
            job_label=job_label,
            target=str(document.public_id),
        )
        # The row stays as the record (Document's contract); the bytes are gone.
        document.purged_at = now
        document.save(update_fields=["purged_at"])
        if dsr is not None:
            RequestEvent.objects.create(
                dsr=dsr,
                actor=actor,
                event_type=EventType.DOCUMENT_PURGED,
                extra={"document_id": document.pk, "category": category},
            )
    return True


def _purge_case(
    pk: int, *, category: str, due: QuerySet[DataSubjectRequest], now: datetime, actor: User | None, job_label: str
) -> bool:
    with transaction.atomic():
        dsr = due.filter(pk=pk).select_for_update(of=("self",)).select_related("queue").first()
        if dsr is None:
            return False
        names = [
            *dsr.documents.filter(purged_at__isnull=True).values_list("storage_name", flat=True),
            *dsr.letters.exclude(storage_name="").values_list("storage_name", flat=True),
        ]
        for name in names:
            storage.delete(name)
        audit.record(action="retention.purge", actor=actor, obj=dsr, data={"category": category, "files": len(names)})
        _record(
            category=category,
            object_type="dsr",
            object_ref=dsr.reference,
            restricted=dsr.is_restricted,
            file_count=len(names),
            now=now,
            actor=actor,
            job_label=job_label,
        )
        dsr.delete()
    return True


def _purge_export(
    pk: int, *, category: str, due: QuerySet[BulkJob], now: datetime, actor: User | None, job_label: str
) -> bool:
    with transaction.atomic():
        job = due.filter(pk=pk).select_for_update().first()
        if job is None:
            return False
        parts = list(job.result.get("parts", []))
        for name in parts:
            storage.delete(name)
        job.result = {**job.result, "parts": [], "expired_at": now.isoformat()}
        job.storage_name = ""
        job.save(update_fields=["result", "storage_name"])
        restricted = bool(job.params.get("restricted"))
        audit.record(
            action="retention.purge",
            actor=actor,
            object_ref=f"job:{job.public_id}",
            restricted=restricted,
            data={"category": category, "files": len(parts)},
        )
        _record(
            category=category,
            object_type="bulkjob",
            object_ref=f"{job.kind}:{job.public_id}",
            restricted=restricted,
            file_count=len(parts),
            now=now,
            actor=actor,
            job_label=job_label,
            target=str(job.public_id),
        )
    return True


def _purge_provision_record(
    pk: int, *, category: str, due: QuerySet[ProvisionRecord], now: datetime, actor: User | None, job_label: str
) -> bool:
    with transaction.atomic():
        record = due.filter(pk=pk).select_for_update(of=("self",)).first()
        if record is None:
            return False
        reference = f"provision_record:{record.source_ref}"
        audit.record(
            action="retention.purge",
            actor=actor,
            object_ref=reference,
            data={"category": category, "record_form": record.record_form},
        )
        _record(
            category=category,
            object_type="provision_record",
            object_ref=record.source_ref,
            restricted=False,
            file_count=0,
            now=now,
            actor=actor,
            job_label=job_label,
        )
        record.delete()
    return True


@dataclass(frozen=True)
class _Step:
    category: str
    due: Callable[[RetentionPolicy, datetime], QuerySet]
    purge: Callable[..., bool]


# Order matters only for overlaps: a document due under two rules is purged (and recorded) once,
# under the first; documents go before their cases so a case's record counts only its last files.
STEPS = (
    _Step(DisposalCategory.UNATTACHED_UPLOAD, unattached_uploads_due, _purge_document),
    _Step(DisposalCategory.DISCLOSURE_PACKAGE, disclosure_packages_due, _purge_document),
    _Step(DisposalCategory.IDENTITY_EVIDENCE, identity_evidence_due, _purge_document),
    _Step(DisposalCategory.CASE_FILE, case_files_due, _purge_case),
    _Step(DisposalCategory.EXPORT_FILE, export_files_due, _purge_export),
    _Step(DisposalCategory.PROVISION_RECORD, provision_records_due, _purge_provision_record),
)


@dataclass
class PurgeResult:
    counts: dict[str, int] = field(default_factory=dict)
    failed: int = 0
    complete: bool = True

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def retention_purge(
    *,
    job_label: str,
    actor: User | None = None,
    now: datetime | None = None,
    time_budget: float | None = None,
    batch_size: int = 200,
    categories: AbstractSet[str] | None = None,
) -> PurgeResult:
    """Delete everything past its retention period (see the module docstring). Idempotent.

    `categories` limits the run to some rules (the hourly sweep of unattached uploads).

    With `time_budget` (seconds) it stops between items once the budget is spent and returns
    `complete=False`; the caller runs it again for the rest.
    """
    policy = RetentionPolicy.load()
    now = now or timezone.now()
    stop_at = monotonic_time.monotonic() + time_budget if time_budget else None
    steps = [step for step in STEPS if categories is None or step.category in categories]
    result = PurgeResult(counts={step.category: 0 for step in steps})
    for step in steps:
        due = step.due(policy, now)
        last_pk = 0
        while True:
            ids = list(due.filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not ids:
                break
            for pk in ids:
                if stop_at is not None and monotonic_time.monotonic() > stop_at:
                    result.complete = False
                    return result
                try:
                    purged = step.purge(pk, category=step.category, due=due, now=now, actor=actor, job_label=job_label)
                except ProtectedError:
                    # Another table still points at the case; leave it for a person to look at.
                    logger.exception("retention purge skipped %s #%s: protected by a reference", step.category, pk)
                    result.failed += 1
                    continue
                result.counts[step.category] += int(purged)
            last_pk = ids[-1]
    if result.total or result.failed:
        logger.info("retention purge (%s): %s, failed %s", job_label, result.counts, result.failed)
    return result


# ---------------------------------------------------------------------------------------------
# The dry run: what the next purge would remove
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlanItem:
    reference: str
    detail: str
    since: datetime | None
    restricted: bool = False


@dataclass
class PlanCategory:
    category: str
    label: str
    count: int
    items: list[PlanItem]

    @property
    def basis(self) -> str:
        """What the date next to each item is."""
        if self.category == DisposalCategory.CASE_FILE:
            return str(_("完了日時"))
        if self.category == DisposalCategory.EXPORT_FILE:
            return str(_("作成日時"))
        if self.category == DisposalCategory.PROVISION_RECORD:
            return str(_("提供・受領の年月日"))
        return str(_("アップロード日時"))


@dataclass
class PurgePlan:
    now: datetime
    categories: list[PlanCategory]
    held_cases: int

    @property
    def total(self) -> int:
        return sum(category.count for category in self.categories)


def purge_preview(*, viewer: User | None = None, now: datetime | None = None, limit: int = 50) -> PurgePlan:
    """What `retention_purge` would delete at `now`, without deleting anything.

    For a viewer, only cases they may see are listed or counted (My Number cases only for the
    officers); files belonging to no case (unattached uploads, export files) are counted for all.
    `viewer` None (the management command) lists everything.
    """
    policy = RetentionPolicy.load()
    now = now or timezone.now()
    visible = None if viewer is None else dsr_visible_to_staff(viewer).values("pk")
    categories = []
    for step in STEPS:
        due = step.due(policy, now)
        if visible is not None:
            if step.category == DisposalCategory.CASE_FILE:
                due = due.filter(pk__in=visible)
            elif step.category not in (
                DisposalCategory.UNATTACHED_UPLOAD,
                DisposalCategory.EXPORT_FILE,
                DisposalCategory.PROVISION_RECORD,
            ):
                due = due.filter(dsr__in=visible)
        categories.append(
            PlanCategory(
                category=step.category,
                label=str(DisposalCategory.labels[step.category]),
                count=due.count(),
                items=_plan_items(step.category, due, limit),
            )
        )
    held = case_files_due(policy, now, include_held=True).filter(legal_hold=True)
    if visible is not None:
        held = held.filter(pk__in=visible)
    return PurgePlan(now=now, categories=categories, held_cases=held.count())


def _plan_items(category: str, due: QuerySet, limit: int) -> list[PlanItem]:
    if category == DisposalCategory.CASE_FILE:
        return [
            PlanItem(case.reference, str(case.get_status_display()), case.closed_at, case.is_restricted)
            for case in due.select_related("queue").order_by("closed_at", "pk")[:limit]
        ]
    if category == DisposalCategory.EXPORT_FILE:
        return [
            PlanItem(str(job.public_id)[:8], job.kind, job.finished_at, bool(job.params.get("restricted")))
            for job in due.order_by("finished_at", "pk")[:limit]
        ]
    if category == DisposalCategory.PROVISION_RECORD:
        return [
            PlanItem(
                record.source_ref,
                str(record.get_record_form_display()),
                timezone.make_aware(datetime.combine(record.occurred_on, datetime.min.time())),
            )
            for record in due.order_by("occurred_on", "pk")[:limit]
        ]
    items = []
    for document in due.select_related("dsr", "dsr__queue").order_by("uploaded_at", "pk")[:limit]:
        reference = document.dsr.reference if document.dsr else str(_("（未提出）"))
        restricted = bool(document.dsr and document.dsr.is_restricted)
        items.append(PlanItem(reference, str(document.get_category_display()), document.uploaded_at, restricted))
    return items


# ---------------------------------------------------------------------------------------------
# Legal hold (保存命令)
# ---------------------------------------------------------------------------------------------
@transaction.atomic
def dsr_set_legal_hold(*, dsr: DataSubjectRequest, hold: bool, reason: str, actor: User) -> DataSubjectRequest:
    """Set or clear the legal hold on a case, with a reason. Only those who may approve the
    case's decisions (supervisors; officers for My Number cases). Raises DomainError."""
    if not can_approve_dsr(actor, dsr):
        raise DomainError(_("この事案の保存命令を変更する権限がありません。"))
    reason = normalize_text(reason or "")
    if not reason:
        raise DomainError(_("理由を入力してください。"))
    if contains_my_number(reason):
        raise DomainError(_("理由にマイナンバーと思われる番号が含まれています。マイナンバーは入力しないでください。"))
    locked = DataSubjectRequest.objects.select_for_update().get(pk=dsr.pk)
    if locked.legal_hold == hold:
        already = _("既に保存命令が設定されています。") if hold else _("この事案に保存命令は設定されていません。")
        raise DomainError(already)
    locked.legal_hold = hold
    locked.legal_hold_reason = reason if hold else ""
    locked.save(update_fields=["legal_hold", "legal_hold_reason", "updated_at"])
    RequestEvent.objects.create(
        dsr=locked, actor=actor, event_type=EventType.LEGAL_HOLD, note=reason, extra={"hold": hold}
    )
    audit.record(action="dsr.legal_hold", actor=actor, obj=locked, data={"hold": hold})
    dsr.legal_hold, dsr.legal_hold_reason = locked.legal_hold, locked.legal_hold_reason
    return dsr


def held_cases(viewer: User) -> QuerySet[DataSubjectRequest]:
    """The cases on legal hold that `viewer` may see."""
    return dsr_visible_to_staff(viewer).filter(legal_hold=True).select_related("queue").order_by("reference")


def disposal_records_visible(viewer: User) -> QuerySet[DisposalRecord]:
    """Disposal records for `viewer`: My Number ones only for those who hold the restricted queue,
    the others only for those who hold a general queue."""
    queue_ids = queue_ids_for_user(viewer)
    restricted = restricted_queue_ids()
    condition = Q(pk__in=[])
    if queue_ids & restricted:
        condition |= Q(restricted=True)
    if queue_ids - restricted:
        condition |= Q(restricted=False)
    return DisposalRecord.objects.filter(condition)


# ---------------------------------------------------------------------------------------------
# Files no row refers to
# ---------------------------------------------------------------------------------------------
ORPHAN_GRACE = timedelta(days=1)


def _referenced_names(names: list[str]) -> set[str]:
    """Which of `names` a document, a letter or a bulk job still refers to."""
    found = set(Document.objects.filter(storage_name__in=names).values_list("storage_name", flat=True))
    found |= set(Letter.objects.filter(storage_name__in=names).values_list("storage_name", flat=True))
    found |= set(BulkJob.objects.filter(storage_name__in=names).values_list("storage_name", flat=True))
    return found


def _job_files() -> set[str]:
    """Files held by bulk jobs outside `storage_name`: export parts and uploaded rosters (jobs are few)."""
    held: set[str] = set()
    for params, result in BulkJob.objects.values_list("params", "result"):
        held.update((result or {}).get("parts", []))
        if name := (params or {}).get("storage_name"):
            held.add(name)
    return held


def purge_orphan_files(*, job_label: str, now: datetime | None = None) -> int:
    """Delete encrypted files that no row refers to, once they are a day old.

    A file is written before the row that names it is committed; if that transaction rolls
    back (or the process dies), the file stays behind with nobody to delete it. Walked one
    storage folder at a time, so memory stays small however many files there are.
    """
    now = now or timezone.now()
    cutoff = (now - ORPHAN_GRACE).timestamp()
    held_by_jobs = _job_files()
    removed = 0
    for folder in storage.folders():
        candidates = [path.name for path in storage.files_in(folder) if path.stat().st_mtime < cutoff]
        if not candidates:
            continue
        orphans = set(candidates) - _referenced_names(candidates) - held_by_jobs
        for name in sorted(orphans):
            if storage.delete(name):
                DisposalRecord.objects.create(
                    at=now,
                    category=DisposalCategory.ORPHAN_FILE,
                    object_type="file",
                    object_ref=name[:60],
                    job=job_label,
                    actor_label="system",
                )
                removed += 1
    if removed:
        logger.warning("retention: removed %s encrypted files that no record referred to", removed)
    return removed
