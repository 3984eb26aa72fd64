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
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

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
            "dsr.identity": gettext_lazy("本人確認の記録"),
            "dsr.amendment_answer": gettext_lazy("補正への回答"),
            "dsr.extend": gettext_lazy("期限の延長"),
            "dsr.message": gettext_lazy("メッセージ・内部メモ"),
            "dsr.access": gettext_lazy("事案へのアクセス"),
            "dsr.grant": gettext_lazy("個別の権限の付与"),
            "dsr.revoke": gettext_lazy("個別の権限の取消し"),
            "dsr.letters.view": gettext_lazy("通知書の作成状況の閲覧"),
            "dsr.disclosure_package": gettext_lazy("開示データの添付"),
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
