"""Writing and verifying the hash-chained audit trail (`AuditEntry`).

Each entry's `row_hash` is SHA-256 over the previous entry's hash and a canonical JSON of
its own fields, so altering, deleting or reordering any row breaks the chain from that
row on. Appends are serialised (a PostgreSQL advisory lock; SQLite's write lock in the
demo) so that the chain order is the commit order.
"""

import contextvars
import hashlib
import ipaddress
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from requests_portal.models import AuditEntry
from requests_portal.mynumber import mask_my_numbers
from requests_portal.roles import role_label

GENESIS_HASH = "0" * 64
# An arbitrary constant naming this lock among the database's advisory locks.
_ADVISORY_LOCK_KEY = 7_410_132_001


@dataclass(frozen=True)
class RequestContext:
    ip: str = ""
    request_id: str = ""


# Set by AuditContextMiddleware for the duration of a request; empty in tasks and commands.
_NO_REQUEST = RequestContext()
current_request: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "audit_request_context", default=None
)


def normalize_ip(value: str | None) -> str:
    if not value:
        return ""
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return ""


def _canonical(entry: AuditEntry) -> str:
    payload = {
        "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "actor_role": entry.actor_role,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_ref": entry.object_ref,
        "outcome": entry.outcome,
        "restricted": entry.restricted,
        "ip": entry.ip,
        "request_id": entry.request_id,
        "data": entry.data,
    }
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def compute_hash(prev_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256(f"{prev_hash}\n{_canonical(entry)}".encode()).hexdigest()


def _describe(obj: object) -> tuple[str, str, str, bool]:
    """(object_type, object_id, object_ref, restricted) for a model instance, or blanks."""
    if obj is None:
        return "", "", "", False
    from requests_portal.models import DataSubjectRequest

    object_type = obj._meta.model_name  # type: ignore[attr-defined]
    object_id = str(getattr(obj, "public_id", None) or obj.pk)  # type: ignore[attr-defined]
    if isinstance(obj, DataSubjectRequest):
        return object_type, object_id, obj.reference, obj.is_restricted
    dsr = getattr(obj, "dsr", None)
    if isinstance(dsr, DataSubjectRequest):
        return object_type, object_id, dsr.reference, dsr.is_restricted
    return object_type, object_id, str(getattr(obj, "reference", "") or ""), False


def _clean_data(data: dict | None) -> dict:
    if not data:
        return {}
    # Round-trip through JSON so the stored value is exactly what the hash was computed over,
    # and mask anything that looks like a My Number (the trail must never hold one).
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return json.loads(mask_my_numbers(text))


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])


def record(
    *,
    action: str,
    actor: object = None,
    obj: object = None,
    outcome: str = "ok",
    data: dict | None = None,
    restricted: bool | None = None,
    object_ref: str = "",
) -> AuditEntry:
    """Append one entry. `actor` None means the system (a task or a command)."""
    if not action:
        raise ValueError("action is required")
    object_type, object_id, ref, is_restricted = _describe(obj)
    context = current_request.get() or _NO_REQUEST
    authenticated = bool(getattr(actor, "is_authenticated", False))
    entry = AuditEntry(
        at=timezone.now(),
        actor_id=actor.pk if authenticated else None,  # type: ignore[attr-defined]
        actor_label=str(getattr(actor, "email", ""))[:150] if authenticated else ("system" if actor is None else ""),
        actor_role=role_label(actor) if actor is not None else "system",
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_ref=object_ref or ref,
        outcome=outcome,
        restricted=is_restricted if restricted is None else restricted,
        ip=context.ip,
        request_id=context.request_id,
        data=_clean_data(data),
    )
    with transaction.atomic():
        _lock_chain()
        last = AuditEntry.objects.order_by("-id").values_list("row_hash", flat=True).first()
        entry.prev_hash = last or GENESIS_HASH
        entry.row_hash = compute_hash(entry.prev_hash, entry)
        entry.save(force_insert=True)
    return entry


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    head_id: int | None
    head_hash: str
    broken_id: int | None = None
    reason: str = ""


def verify_chain(*, anchors: list[tuple[int, str]] | None = None, chunk_size: int = 5000) -> VerifyResult:
    """Recompute the chain; report the first row whose link or content does not match."""
    expected_prev = GENESIS_HASH
    checked = 0
    last_id: int | None = None
    seen_anchor_ids: dict[int, str] = {}
    anchor_map = dict(anchors or [])
    for entry in _iter_entries(chunk_size):
        checked += 1
        if entry.prev_hash != expected_prev:
            return VerifyResult(
                False, checked, last_id, expected_prev, entry.pk, "前の行とのつながりが一致しません（削除・並べ替え）"
            )
        if compute_hash(entry.prev_hash, entry) != entry.row_hash:
            return VerifyResult(False, checked, last_id, expected_prev, entry.pk, "内容が改ざんされています")
        if entry.pk in anchor_map:
            seen_anchor_ids[entry.pk] = entry.row_hash
        expected_prev = entry.row_hash
        last_id = entry.pk
    for anchor_id, anchor_hash in sorted(anchor_map.items()):
        if seen_anchor_ids.get(anchor_id) != anchor_hash:
            return VerifyResult(
                False,
                checked,
                last_id,
                expected_prev,
                anchor_id,
                "外部に記録した先頭と一致しません（末尾の削除・偽造）",
            )
    return VerifyResult(True, checked, last_id, expected_prev)


def _iter_entries(chunk_size: int) -> Iterator[AuditEntry]:
    after = 0
    while True:
        chunk = list(AuditEntry.objects.filter(id__gt=after).order_by("id")[:chunk_size])
        if not chunk:
            return
        yield from chunk
        after = chunk[-1].pk


def anchor_path() -> Path:
    return Path(settings.DSR_AUDIT_ANCHOR_FILE)


def read_anchors(path: Path | None = None) -> list[tuple[int, str]]:
    path = path or anchor_path()
    if not path.exists():
        return []
    anchors = []
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].isdigit():
            anchors.append((int(parts[0]), parts[1]))
    return anchors


def write_anchor(path: Path | None = None) -> tuple[int, str] | None:
    """Append the chain head to the anchor file (kept outside the database, append-only)."""
    path = path or anchor_path()
    head = AuditEntry.objects.order_by("-id").values_list("id", "row_hash").first()
    if head is None:
        return None
    anchors = read_anchors(path)
    if anchors and anchors[-1][0] == head[0]:
        return head
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        handle.write(f"{head[0]} {head[1]} {datetime.now(UTC).isoformat(timespec='seconds')}\n")
    return head
