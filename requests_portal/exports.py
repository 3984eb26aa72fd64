"""CSV exports: the staff queue (with its filters), the dashboard and annual tables, and the
disposal records.

The rows are built here; csv_export.py writes and sends every file (BOM, CRLF, formula cells
escaped, the same download headers). Large exports are streamed: rows come from
`QuerySet.iterator(chunk_size=…)`, so memory stays flat whatever the row count.

The queue export writes exactly what the staff queue shows for the same query string: both
build the queue's FilterSet through `workspace.queue_filterset`.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from requests_portal import deadlines, storage
from requests_portal.csv_export import csv_bytes, timestamped
from requests_portal.jobs import JobHandler, register
from requests_portal.models import (
    ART39_KINDS,
    BulkJob,
    DataSubjectRequest,
    Decision,
    DisposalRecord,
    RequesterType,
    RequestKind,
    Status,
    StatutoryGround,
    User,
)

if TYPE_CHECKING:
    from requests_portal.reports import Table

# Rows fetched per database round trip.
FETCH_ROWS = 2000


# ---------------------------------------------------------------------------------------------
# The staff queue
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    header: str
    field: str


def queue_columns() -> list[Column]:
    """What a queue export holds: the case's handling, not the member's personal details.

    Names and addresses stay in the portal (minimisation); the 受付番号 finds the case.
    """
    return [
        Column(_("受付番号"), "reference"),
        Column(_("種類"), "kind"),
        Column(_("状態"), "status"),
        Column(_("件名"), "summary"),
        Column(_("請求者の区分"), "requester_type"),
        Column(_("受付経路"), "channel"),
        Column(_("到達日"), "received_at"),
        Column(_("回答期限（目標日）"), "due_date"),
        Column(_("第39条の2週間の末日"), "art39_mark"),
        Column(_("延長"), "extended_due_date"),
        Column(_("補正による停止日数"), "paused_days_total"),
        Column(_("担当者"), "assignee"),
        Column(_("決定"), "decision"),
        Column(_("根拠条項"), "decision_ground"),
        Column(_("決定日"), "approved_at"),
        Column(_("完了日"), "closed_at"),
        Column(_("保存命令"), "legal_hold"),
    ]


_QUEUE_VALUES = (
    "id",
    "reference",
    "kind",
    "status",
    "summary",
    "requester_type",
    "channel",
    "received_at",
    "due_date",
    "extended_due_date",
    "paused_days_total",
    "assignee__display_name",
    "assignee__email",
    "decision",
    "decision_ground",
    "approved_at",
    "closed_at",
    "legal_hold",
)


class _Labels:
    """Choice labels and the time zone resolved once per export, not once per row."""

    def __init__(self) -> None:
        self.tz = timezone.get_current_timezone()
        self.yes, self.no = _("はい"), _("いいえ")
        self.kind = {value: str(label) for value, label in RequestKind.choices}
        self.status = {value: str(label) for value, label in Status.choices}
        self.requester_type = {value: str(label) for value, label in RequesterType.choices}
        from requests_portal.models import Channel

        self.channel = {value: str(label) for value, label in Channel.choices}
        self.decision = {value: str(label) for value, label in Decision.choices}
        self.ground = {value: str(label) for value, label in StatutoryGround.choices}


def _local_date(value: datetime | None, labels: _Labels) -> str:
    return value.astimezone(labels.tz).date().isoformat() if value else ""


def queue_row(values: dict, labels: _Labels) -> list[object]:
    received = values["received_at"].astimezone(labels.tz).date()
    art39 = deadlines.art39_mark(received).isoformat() if values["kind"] in ART39_KINDS else ""
    return [
        values["reference"],
        labels.kind.get(values["kind"], values["kind"]),
        labels.status.get(values["status"], values["status"]),
        values["summary"],
        labels.requester_type.get(values["requester_type"], values["requester_type"]),
        labels.channel.get(values["channel"], values["channel"]),
        received.isoformat(),
        values["due_date"].isoformat(),
        art39,
        values["extended_due_date"].isoformat() if values["extended_due_date"] else "",
        values["paused_days_total"],
        values["assignee__display_name"] or values["assignee__email"] or "",
        labels.decision.get(values["decision"], values["decision"]),
        labels.ground.get(values["decision_ground"], values["decision_ground"]),
        _local_date(values["approved_at"], labels),
        _local_date(values["closed_at"], labels),
        labels.yes if values["legal_hold"] else labels.no,
    ]


def queue_values(cases: QuerySet[DataSubjectRequest]) -> QuerySet:
    return cases.values(*_QUEUE_VALUES)


def queue_rows(cases: QuerySet[DataSubjectRequest], *, chunk_size: int = FETCH_ROWS) -> Iterator[list[object]]:
    """The export's rows, read in chunks (a server-side cursor on PostgreSQL)."""
    labels = _Labels()
    for values in queue_values(cases.order_by("due_date", "id")).iterator(chunk_size=chunk_size):
        yield queue_row(values, labels)


def queue_header() -> list[str]:
    return [column.header for column in queue_columns()]


# ---------------------------------------------------------------------------------------------
# Tables (dashboard, annual statistics) and disposal records
# ---------------------------------------------------------------------------------------------
def table_rows(table: "Table") -> tuple[list[str], Iterable[list[object]]]:
    """Header and rows of a `reports.Table`."""
    return list(table.columns), table.csv_rows()


@dataclass
class DisposalColumns:
    headers: list[str] = field(
        default_factory=lambda: [
            _("日時"),
            _("区分"),
            _("対象の種類"),
            _("対象（受付番号など）"),
            _("削除したファイル数"),
            _("処理"),
            _("実施者"),
            _("マイナンバー関係"),
        ]
    )


def disposal_rows(records: QuerySet[DisposalRecord], *, chunk_size: int = FETCH_ROWS) -> Iterator[list[object]]:
    from requests_portal.retention import DisposalCategory

    categories = {value: str(label) for value, label in DisposalCategory.choices}
    fields = ("at", "category", "object_type", "object_ref", "file_count", "job", "actor_label", "restricted")
    for row in records.values_list(*fields).iterator(chunk_size=chunk_size):
        at, category, *rest = row
        yield [at, categories.get(category, category), *rest]


# ---------------------------------------------------------------------------------------------
# The large queue export as a bulk job: parts in private storage, then one download
# ---------------------------------------------------------------------------------------------
QUEUE_EXPORT_JOB = "export.queue"


def may_export(user: object) -> bool:
    from requests_portal.roles import Capability, has_capability

    return has_capability(user, Capability.EXPORT)


def queue_cases(user: User, query: str) -> QuerySet[DataSubjectRequest]:
    """The cases the staff queue shows `user` for `query` (a query string), in export order.

    An invalid filter value (a tampered link) narrows nothing rather than widening anything:
    the set always starts from what `user` may see.
    """
    from requests_portal.workspace import queue_filterset

    return queue_filterset(user, QueryDict(query)).qs.order_by("id")


def export_may_include_restricted(user: User, query: str) -> bool:
    """Whether an export could hold My Number cases (its audit entries are restricted then)."""
    from requests_portal.reports import sees_restricted

    kind = QueryDict(query).get("kind", "")
    return sees_restricted(user) and kind in ("", RequestKind.MY_NUMBER_INQUIRY)


@register
class QueueExportJob(JobHandler):
    """The queue export written in parts of `chunk_size` rows, each encrypted in private storage.

    Rows are written in 受付 order (by id), which is also the resumable cursor. The download
    streams the parts one after the other, so neither side ever holds the whole file.
    """

    kind = QUEUE_EXPORT_JOB
    label = gettext_lazy("一覧のCSV出力")
    chunk_size = 5000

    def may_start(self, actor: User) -> bool:
        return may_export(actor)

    def validate(self, *, actor: User, params: dict) -> dict:
        query = str(params.get("query") or "")
        return {"query": query, "restricted": export_may_include_restricted(actor, query)}

    def _cases(self, job: BulkJob) -> QuerySet[DataSubjectRequest]:
        # Rebuilt for the job's creator in every chunk: rights withdrawn meanwhile take effect.
        return queue_cases(job.created_by, str(job.params.get("query") or ""))

    def prepare(self, job: BulkJob) -> int:
        job.result = {"cursor": 0, "parts": [], "bytes": 0}
        return self._cases(job).count()

    def run_chunk(self, job: BulkJob) -> int:
        cursor = int(job.result.get("cursor", 0))
        values = list(queue_values(self._cases(job).filter(id__gt=cursor).order_by("id"))[: self.chunk_size])
        if not values:
            return 0
        labels = _Labels()
        parts = list(job.result.get("parts", []))
        first = not parts
        content = csv_bytes(queue_header() if first else None, (queue_row(v, labels) for v in values), bom=first)
        parts.append(storage.save(content))
        job.result = {
            **job.result,
            "cursor": values[-1]["id"],
            "parts": parts,
            "bytes": int(job.result.get("bytes", 0)) + len(content),
        }
        job.storage_name = parts[0]
        return len(values)

    def finish(self, job: BulkJob) -> None:
        # Cases may have come or gone since the count: the file holds exactly `done` rows.
        job.total = job.done
        job.result = {**job.result, "rows": job.done, "filename": timestamped("queue_export")}
        if not job.result.get("parts"):
            # An empty selection still downloads as a file with its header.
            content = csv_bytes(queue_header(), [])
            job.result["parts"] = [storage.save(content)]
            job.result["bytes"] = len(content)
            job.storage_name = job.result["parts"][0]

    def summary(self, job: BulkJob) -> list[tuple[str, str]]:
        size = int(job.result.get("bytes", 0))
        return [
            (_("出力した件数"), _("%(rows)s件") % {"rows": f"{job.done:,}"}),
            (_("ファイルの大きさ"), f"{size / 1_048_576:.1f} MB" if size >= 104_858 else f"{size / 1024:.1f} KB"),
        ]


def job_file_chunks(job: BulkJob) -> Iterator[bytes]:
    """The job's file, part by part (each decrypted only when it is sent)."""
    for name in job.result.get("parts", []):
        yield storage.read(name)
