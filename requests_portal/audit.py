"""Writing and verifying the keyed, hash-chained audit trail (`AuditEntry`).

Each entry's `row_hash` is HMAC-SHA256, under the audit chain key (DSR_AUDIT_CHAIN_KEY, held
outside the database and apart from SECRET_KEY), over the previous entry's hash and a
canonical JSON of its own fields. Altering, deleting or reordering a row breaks the chain from
that row on, and without the key nobody can append a row or rewrite a suffix that verifies.
Removing rows from the end leaves a valid shorter chain; that is caught by the anchor file
(outside the database), to which every committed append writes the new head.

Keys change in epochs: the first entry under a new key is an `audit.key_epoch` entry naming
the previous key's id and endorsed by the previous key (`DSR_AUDIT_CHAIN_PREVIOUS_KEYS` keeps
old keys so that old entries still verify). Entries written before keys existed (migration
0007) carry no key id and a plain SHA-256; the migration sealed them with the first epoch entry.

Appends are serialised (a PostgreSQL advisory lock; SQLite's write lock in the demo) so that
the chain order is the commit order.
"""

import contextvars
import hashlib
import hmac
import ipaddress
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from requests_portal.models import AuditEntry, DataSubjectRequest
from requests_portal.mynumber import mask_my_numbers
from requests_portal.roles import role_label

logger = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
KEY_EPOCH_ACTION = "audit.key_epoch"
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
    if entry.key_id:  # entries from before migration 0006 were hashed without it
        payload["key_id"] = entry.key_id
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def key_id_of(key: str) -> str:
    """A short public name for a chain key (stored in each entry; reveals nothing of the key)."""
    return hmac.new(key.encode(), b"keiseikyo audit chain key id", hashlib.sha256).hexdigest()[:16]


def current_key() -> tuple[str, bytes]:
    key = settings.DSR_AUDIT_CHAIN_KEY
    return key_id_of(key), key.encode()


def keyring() -> dict[str, bytes]:
    """Every key the verifier may need: the current one and the previous epochs' keys."""
    keys = [settings.DSR_AUDIT_CHAIN_KEY, *getattr(settings, "DSR_AUDIT_CHAIN_PREVIOUS_KEYS", [])]
    return {key_id_of(key): key.encode() for key in keys if key}


def compute_hash(prev_hash: str, entry: AuditEntry, key: bytes | None) -> str:
    """The entry's row hash: HMAC under `key`, or plain SHA-256 for an entry from before keys."""
    message = f"{prev_hash}\n{_canonical(entry)}".encode()
    if key is None:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def endorsement(old_key: bytes, prev_hash: str, new_key_id: str) -> str:
    """The previous key's consent to hand the chain over to `new_key_id` after `prev_hash`."""
    return hmac.new(old_key, f"key epoch\n{prev_hash}\n{new_key_id}".encode(), hashlib.sha256).hexdigest()


def _describe(obj: object) -> tuple[str, str, str, bool]:
    """(object_type, object_id, object_ref, restricted) for a model instance, or blanks."""
    if obj is None:
        return "", "", "", False
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
    # Each string on its own too: in the JSON text a line break or tab between the digits is
    # written as an escape ("\\n"), whose letter would end the run of digits.
    masked = _masked_strings(json.loads(mask_my_numbers(text)))
    return masked if isinstance(masked, dict) else {}


def _masked_strings(value: object) -> object:
    if isinstance(value, str):
        return mask_my_numbers(value)
    if isinstance(value, dict):
        return {mask_my_numbers(key): _masked_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked_strings(item) for item in value]
    return value


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
    # A non-user actor (a core-system API client) names itself: (label, role), and has no user id.
    if named := getattr(actor, "audit_actor", None):
        entry.actor_label, entry.actor_role = named
    with transaction.atomic():
        _append(AuditEntry, entry, last=_lock_chain_and_read_head())
    return entry


def _lock_chain_and_read_head() -> tuple[str, str] | None:
    """Lock the chain and read its last (row_hash, key_id): on PostgreSQL in one statement
    (migration 0015's function), as every page that lists cases writes an entry."""
    if connection.vendor != "postgresql":
        return AuditEntry.objects.order_by("-id").values_list("row_hash", "key_id").first()
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_hash, key_id FROM requests_portal_audit_chain_head(%s)", [_ADVISORY_LOCK_KEY])
        row = cursor.fetchone()
    return (row[0], row[1]) if row else None


_READ_HEAD = object()


def _append(model: Any, entry: Any, last: Any = _READ_HEAD) -> None:
    """Link, key and insert `entry` (the chain is locked); open a key epoch first if the key changed.

    `model` is AuditEntry, or its historical version when migration 0006 seals the old rows.
    `last` is the chain's head when the caller read it under the lock.
    """
    key_id, key = current_key()
    if last is _READ_HEAD:
        last = model.objects.order_by("-id").values_list("row_hash", "key_id").first()
    prev_hash, last_key_id = last if last else (GENESIS_HASH, None)
    if last is not None and last_key_id != key_id:
        prev_hash = _open_key_epoch(model, prev_hash=prev_hash, previous_key_id=last_key_id, at=entry.at)
    entry.key_id = key_id
    entry.prev_hash = prev_hash
    entry.row_hash = compute_hash(prev_hash, entry, key)
    entry.save(force_insert=True)
    row = (entry.pk, entry.row_hash)
    transaction.on_commit(lambda: _anchor_committed(*row))


def _open_key_epoch(model: Any, *, prev_hash: str, previous_key_id: str | None, at: datetime) -> str:
    """Append the entry that hands the chain to the current key; returns its row hash."""
    key_id, key = current_key()
    old_key = keyring().get(previous_key_id) if previous_key_id else None
    if previous_key_id and old_key is None:
        # Still written (the trail must go on), but verification will flag this epoch.
        logger.error(
            "audit chain key %s is not among DSR_AUDIT_CHAIN_PREVIOUS_KEYS; epoch not endorsed", previous_key_id
        )
    data = {
        "key_id": key_id,
        "previous_key_id": previous_key_id,
        "endorsement": endorsement(old_key, prev_hash, key_id) if old_key else "",
    }
    epoch = model(
        at=at,
        actor_id=None,
        actor_label="system",
        actor_role="system",
        action=KEY_EPOCH_ACTION,
        object_type="",
        object_id="",
        object_ref="",
        outcome="ok",
        restricted=False,
        ip="",
        request_id="",
        data=data,
        key_id=key_id,
        prev_hash=prev_hash,
    )
    epoch.row_hash = compute_hash(prev_hash, epoch, key)
    epoch.save(force_insert=True)
    return epoch.row_hash


def seal_unkeyed_chain(model: Any) -> bool:
    """Close the entries written before keys existed with a key epoch entry (migration 0006).

    From then on nobody without the key can append to them: the next entry must be keyed.
    """
    last = model.objects.order_by("-id").values_list("row_hash", "key_id").first()
    if last is None or last[1]:
        return False
    _lock_chain()
    _open_key_epoch(model, prev_hash=last[0], previous_key_id="", at=timezone.now())
    return True


def start_key_epoch() -> AuditEntry | None:
    """Record now that the current key takes over (after a rotation); None if it already has."""
    with transaction.atomic():
        _lock_chain()
        last = AuditEntry.objects.order_by("-id").values_list("row_hash", "key_id").first()
        key_id, _key = current_key()
        if last is None or last[1] == key_id:
            return None
        _open_key_epoch(AuditEntry, prev_hash=last[0], previous_key_id=last[1], at=timezone.now())
        epoch = AuditEntry.objects.order_by("-id").first()
        row = (epoch.pk, epoch.row_hash)  # type: ignore[union-attr]
        transaction.on_commit(lambda: _anchor_committed(*row))
        return epoch


def _anchor_committed(entry_id: int, row_hash: str) -> None:
    """Write a committed head to the anchor file (one line, one write: appends from many
    processes do not interleave). The hourly `audit_anchor` task is the backstop if this fails."""
    try:
        _append_anchor_line(anchor_path(), entry_id, row_hash)
    except OSError:
        logger.exception("could not write the audit anchor for entry %s", entry_id)


def _append_anchor_line(path: Path, entry_id: int, row_hash: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    line = f"{entry_id} {row_hash} {datetime.now(UTC).isoformat(timespec='seconds')}\n".encode()
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, line)
    finally:
        os.close(descriptor)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    head_id: int | None
    head_hash: str
    broken_id: int | None = None
    reason: str = ""


def verify_chain(*, anchors: list[tuple[int, str]] | None = None, chunk_size: int = 5000) -> VerifyResult:
    """Recompute the chain; report the first row whose link, key or content does not match,
    then check that every anchored head is still there unchanged (a truncated tail)."""
    keys = keyring()
    expected_prev = GENESIS_HASH
    epoch_key_id = ""  # entries from before keys: plain SHA-256, only at the start of the chain
    checked = 0
    last_id: int | None = None
    seen_anchor_ids: dict[int, str] = {}
    anchor_map = dict(anchors or [])

    def broken(entry: AuditEntry, reason: str) -> VerifyResult:
        return VerifyResult(False, checked, last_id, expected_prev, entry.pk, reason)

    for entry in _iter_entries(chunk_size):
        checked += 1
        if entry.prev_hash != expected_prev:
            return broken(entry, "前の行とのつながりが一致しません（削除・並べ替え）")
        if checked == 1:
            epoch_key_id = entry.key_id  # a chain begun under a key needs no epoch entry
        elif entry.key_id != epoch_key_id:
            problem = _epoch_problem(entry, epoch_key_id, keys)
            if problem:
                return broken(entry, problem)
            epoch_key_id = entry.key_id
        key = keys.get(epoch_key_id) if epoch_key_id else None
        if epoch_key_id and key is None:
            return broken(entry, "この行の鍵が設定にありません（DSR_AUDIT_CHAIN_PREVIOUS_KEYS）")
        if not hmac.compare_digest(compute_hash(entry.prev_hash, entry, key), entry.row_hash):
            return broken(entry, "内容が改ざんされています（または鍵を持たない者による追記・書換え）")
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


def _epoch_problem(entry: AuditEntry, epoch_key_id: str, keys: dict[str, bytes]) -> str:
    """Why `entry` may not change the chain's key from `epoch_key_id` (blank when it may)."""
    data = entry.data if isinstance(entry.data, dict) else {}
    if (
        entry.action != KEY_EPOCH_ACTION
        or not entry.key_id
        or data.get("key_id") != entry.key_id
        or data.get("previous_key_id") != epoch_key_id
    ):
        return "鍵の切替えの記録がないまま鍵が変わっています（偽造の疑い）"
    if epoch_key_id:
        old_key = keys.get(epoch_key_id)
        if old_key is None:
            return "前の鍵が設定にありません（DSR_AUDIT_CHAIN_PREVIOUS_KEYS）"
        expected = endorsement(old_key, entry.prev_hash, entry.key_id)
        if not hmac.compare_digest(expected, str(data.get("endorsement", ""))):
            return "鍵の切替えが前の鍵で裏書きされていません（偽造の疑い）"
    return ""


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
    """Append the chain head to the anchor file (kept outside the database, append-only).

    Every committed append already does this; the hourly task covers an append whose anchor
    write failed (a full disk, a crash between commit and write)."""
    path = path or anchor_path()
    head = AuditEntry.objects.order_by("-id").values_list("id", "row_hash").first()
    if head is None:
        return None
    anchors = read_anchors(path)
    if anchors and anchors[-1][0] == head[0]:
        return head
    _append_anchor_line(path, head[0], head[1])
    return head


# --- names for the audit trail's action codes (the log page, its filter) ------------------------
# Every action the code records needs a name here; tests/requests_portal/test_audit_labels.py
# collects the literal actions from the source and fails on one without a name.
AUDIT_ACTION_GROUPS: tuple[tuple[str, Any, dict[str, Any]], ...] = (
    (
        "dsr.",
        gettext_lazy("事案の閲覧・操作"),
        {
            "dsr.view": gettext_lazy("事案の閲覧"),
            "dsr.create": gettext_lazy("事案の登録"),
            "dsr.transition": gettext_lazy("状態の変更"),
            "dsr.assign": gettext_lazy("担当者の変更"),
            "dsr.take_over": gettext_lazy("担当の引き継ぎ（理由つき）"),
            "dsr.identity": gettext_lazy("本人確認の記録"),
            "dsr.amendment_answer": gettext_lazy("補正への回答"),
            "dsr.extend": gettext_lazy("期限の延長"),
            "dsr.message": gettext_lazy("メッセージ・内部メモ"),
            "dsr.access": gettext_lazy("事案へのアクセス"),
            "dsr.grant": gettext_lazy("個別の権限の付与"),
            "dsr.revoke": gettext_lazy("個別の権限の取消し"),
            "dsr.letters.view": gettext_lazy("通知書の作成状況の閲覧"),
            "dsr.disclosure_package": gettext_lazy("開示データの添付"),
            "dsr.link": gettext_lazy("事案の関連付け"),
            "dsr.unlink": gettext_lazy("関連付けの解除"),
            "dsr.provision_records.view": gettext_lazy("第三者提供記録の閲覧"),
            "dsr.provision_records.choose": gettext_lazy("第三者提供記録の開示・不開示の選択"),
            "dsr.method_agreed": gettext_lazy("開示方法の変更への同意の記録"),
            "dsr.letter_routing": gettext_lazy("通知の送付先の変更"),
        },
    ),
    (
        "letter.",
        gettext_lazy("通知書の作成・発送"),
        {
            "letter.render": gettext_lazy("通知書の作成"),
            "letter.rerender": gettext_lazy("通知書の再作成"),
            "letter.failed": gettext_lazy("通知書の作成の失敗"),
            "letter.posted": gettext_lazy("通知書の郵送の記録"),
            "letter.access": gettext_lazy("通知書へのアクセス"),
        },
    ),
    (
        "download",
        gettext_lazy("通知書・書類のファイル"),
        {
            "letter.download": gettext_lazy("通知書のダウンロード"),
            "document.download": gettext_lazy("書類のダウンロード"),
            "document.upload": gettext_lazy("書類のアップロード"),
            "document.discard": gettext_lazy("提出前の書類の削除"),
            "document.mask": gettext_lazy("書類のマスキング"),
        },
    ),
    ("queue.", gettext_lazy("事案一覧の表示"), {"queue.view": gettext_lazy("事案一覧の表示")}),
    (
        "report.",
        gettext_lazy("統計・報告とデータの書き出し"),
        {
            "report.dashboard": gettext_lazy("統計ダッシュボードの閲覧"),
            "report.annual": gettext_lazy("年次報告の閲覧"),
            "export.dashboard": gettext_lazy("統計の書き出し（CSV）"),
            "export.annual": gettext_lazy("年次報告の書き出し（CSV）"),
            "export.queue": gettext_lazy("事案一覧の書き出し（CSV）"),
            "export.disposals": gettext_lazy("廃棄記録の書き出し（CSV）"),
            "export.download": gettext_lazy("書き出したファイルのダウンロード"),
        },
    ),
    (
        "job.",
        gettext_lazy("一括処理"),
        {
            "job.start": gettext_lazy("一括処理の開始"),
            "job.done": gettext_lazy("一括処理の完了"),
            "job.fail": gettext_lazy("一括処理の失敗"),
        },
    ),
    (
        "retention.",
        gettext_lazy("保存期間と廃棄"),
        {
            "retention.preview": gettext_lazy("廃棄対象の確認"),
            "retention.purge": gettext_lazy("保存期間を過ぎたデータの廃棄"),
            "disposal.view": gettext_lazy("廃棄記録の閲覧"),
            "dsr.legal_hold": gettext_lazy("保存命令の設定・解除"),
        },
    ),
    ("roster.", gettext_lazy("組合員名簿"), {"roster.import": gettext_lazy("組合員名簿の取込み")}),
    (
        "provision_records.",
        gettext_lazy("第三者提供記録"),
        {
            "provision_records.preview": gettext_lazy("第三者提供記録の取込みの確認（試行）"),
            "provision_records.import": gettext_lazy("第三者提供記録の取込み"),
            "provision_records.refused": gettext_lazy("第三者提供記録の取込みの拒否"),
        },
    ),
    (
        "api.",
        gettext_lazy("基幹システム連携（API）"),
        {
            "api.roster.upsert": gettext_lazy("APIによる組合員名簿の登録・更新"),
            "api.roster.deactivate": gettext_lazy("APIによる組合員の在籍終了"),
            "api.provision_records.upsert": gettext_lazy("APIによる第三者提供記録の登録・更新"),
            "api.case.status": gettext_lazy("APIによる事案の状況の参照"),
            "api.events": gettext_lazy("APIによる事案の経過の参照"),
            "api.refused": gettext_lazy("APIの呼出しの拒否"),
            "api.token.issued": gettext_lazy("APIトークンの発行"),
            "api.token.revoked": gettext_lazy("APIトークンの失効"),
        },
    ),
    (
        "auth.",
        gettext_lazy("ログイン・認証"),
        {
            "auth.login": gettext_lazy("ログイン"),
            "auth.logout": gettext_lazy("ログアウト"),
            "auth.login_failed": gettext_lazy("ログインの失敗"),
            "auth.lockout": gettext_lazy("アカウントのロック"),
            "auth.mfa_verified": gettext_lazy("確認コードによる認証"),
            "auth.mfa_failed": gettext_lazy("確認コードの誤り"),
            "auth.mfa_enrolled": gettext_lazy("認証アプリの登録"),
            "auth.mfa_removed": gettext_lazy("認証アプリの登録解除"),
            "auth.mfa_reset": gettext_lazy("二要素認証のリセット"),
            "auth.session_expired": gettext_lazy("時間切れによるログアウト"),
            "auth.session_ended": gettext_lazy("無効化されたアカウントのログアウト"),
        },
    ),
    (
        "audit.",
        gettext_lazy("監査ログの閲覧・書き出し"),
        {
            "audit.view": gettext_lazy("監査ログの閲覧"),
            "audit.verify": gettext_lazy("改ざん検知の実行"),
            "audit.export": gettext_lazy("監査ログの書き出し"),
            "audit.key_epoch": gettext_lazy("監査ログの鍵の切替え"),
        },
    ),
    # --- the incident register (requests_portal/incidents) ---
    (
        "incident.",
        gettext_lazy("漏えい等事案"),
        {
            "incident.list": gettext_lazy("漏えい等事案の一覧の表示"),
            "incident.view": gettext_lazy("漏えい等事案の閲覧"),
            "incident.access": gettext_lazy("漏えい等事案へのアクセス"),
            "incident.create": gettext_lazy("漏えい等事案の登録"),
            "incident.update": gettext_lazy("漏えい等事案の記録の更新"),
            "incident.transition": gettext_lazy("漏えい等事案の状態の変更"),
            "incident.assess": gettext_lazy("報告対象の判定"),
            "incident.affected_view": gettext_lazy("漏えい等事案の本人の一覧の閲覧"),
            "incident.link_members": gettext_lazy("漏えい等事案の本人の登録"),
            "incident.unlink_member": gettext_lazy("漏えい等事案の本人の登録の取消し"),
            "incident.report_view": gettext_lazy("速報・確報の閲覧"),
            "incident.report_draft": gettext_lazy("速報・確報の起案"),
            "incident.report_submit": gettext_lazy("速報・確報の承認の依頼"),
            "incident.report_return": gettext_lazy("速報・確報の差戻し"),
            "incident.report_approve": gettext_lazy("速報・確報の承認"),
            "incident.report_sent": gettext_lazy("速報・確報の提出の記録"),
            "incident.notices_view": gettext_lazy("本人への通知の一覧の閲覧"),
            "incident.notice": gettext_lazy("本人への通知の作成"),
            "incident.alternative": gettext_lazy("本人への通知に代わる措置の記録"),
            "incident.review": gettext_lazy("委員会の審議の記録"),
            "incident.measure": gettext_lazy("再発防止策の登録"),
            "incident.measure_done": gettext_lazy("再発防止策の完了"),
            "incident.download": gettext_lazy("漏えい等事案の文書のダウンロード"),
            "incident.export": gettext_lazy("速報・確報の書き出し"),
        },
    ),
    (
        "staff.",
        gettext_lazy("職員アカウントの管理"),
        {
            "staff.account_created": gettext_lazy("職員アカウントの作成"),
            "staff.account_changed": gettext_lazy("職員アカウントの変更"),
            "staff.role_grant_requested": gettext_lazy("役割の付与・解除の申請"),
            "staff.role_granted": gettext_lazy("役割の付与（承認）"),
            "staff.role_revoked": gettext_lazy("役割の解除（承認）"),
            "staff.role_grant_refused": gettext_lazy("役割の付与・解除の申請の却下"),
            "staff.role_grant_expired": gettext_lazy("役割の期限切れによる解除"),
            "staff.handler_register_read": gettext_lazy("事務取扱担当者の名簿の出力"),
            "staff.account_deactivated": gettext_lazy("職員アカウントの無効化"),
        },
    ),
)
AUDIT_ACTION_LABELS: dict[str, Any] = {
    code: label for _key, _group, actions in AUDIT_ACTION_GROUPS for code, label in actions.items()
}
AUDIT_ACTIONS_BY_GROUP: dict[str, frozenset[str]] = {
    key: frozenset(actions) for key, _group, actions in AUDIT_ACTION_GROUPS
}


def action_label(code: str) -> str:
    """A readable name for an action code; an unknown code is shown as itself."""
    return str(AUDIT_ACTION_LABELS.get(code, code))
