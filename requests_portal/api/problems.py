"""API errors as problem details (RFC 9457): `type`, `title`, `status`, `detail`, and `errors`
naming every bad row or field. Titles and messages follow the request's Accept-Language
(Japanese unless English is asked for); nothing a client sent is echoed back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from requests_portal import audit

CONTENT_TYPE = "application/problem+json"
# Problem types are tag URIs (RFC 4151): stable names, documented in docs/api.md#errors.
TYPE_BASE = "tag:keiseikyo.example,2026:api/problems/"

TITLES = {
    "unauthorized": gettext_lazy("認証されていません"),
    "address-not-allowed": gettext_lazy("この接続元からは利用できません"),
    "scope-missing": gettext_lazy("この操作の権限がありません"),
    "rate-limited": gettext_lazy("呼出しが多すぎます"),
    "my-number": gettext_lazy("マイナンバーは送れません"),
    "invalid-request": gettext_lazy("リクエストの形式が正しくありません"),
    "invalid-rows": gettext_lazy("誤りのある行があります"),
    "too-many-rows": gettext_lazy("行が多すぎます"),
    "not-found": gettext_lazy("見つかりません"),
    "conflict": gettext_lazy("同時に更新されました"),
}


@dataclass
class ApiProblem(Exception):
    """A refusal the API answers as problem+json (raised anywhere below the views)."""

    status: int
    kind: str
    detail: str
    errors: list[dict[str, Any]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.kind)

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": TYPE_BASE + self.kind,
            "title": str(TITLES[self.kind]),
            "status": self.status,
            "detail": self.detail,
        }
        if self.errors:
            body["errors"] = self.errors
        return body


def problem_response(request: HttpRequest, problem: ApiProblem) -> HttpResponse:
    """The answer to a refused call; the refusal is written to the audit trail first."""
    client = getattr(request, "api_client", None)
    match = getattr(request, "resolver_match", None)
    audit.record(
        action="api.refused",
        actor=client or UNKNOWN_CLIENT,
        outcome="denied" if problem.status in (401, 403, 429) else "rejected",
        data={
            "operation": match.url_name if match else "",
            "status": problem.status,
            "problem": problem.kind,
            "errors": len(problem.errors),
        },
    )
    response = HttpResponse(
        json.dumps(problem.body(), ensure_ascii=False), status=problem.status, content_type=CONTENT_TYPE
    )
    response["Content-Language"] = translation.get_language() or "ja"
    for name, value in problem.headers.items():
        response[name] = value
    return response


class _UnknownClient:
    """Who the audit trail names for a call without a valid token."""

    audit_actor = ("api:unknown", "anonymous")


UNKNOWN_CLIENT = _UnknownClient()


def unauthorized() -> ApiProblem:
    return ApiProblem(
        401,
        "unauthorized",
        _("有効なAPIトークンを「Authorization: Bearer」ヘッダーで送ってください。"),
        headers={"WWW-Authenticate": 'Bearer realm="keiseikyo-api"'},
    )


# Pydantic's error types, in words a client's developer reads in either language.
_FIELD_MESSAGES = {
    "missing": gettext_lazy("必須の項目です。"),
    "extra_forbidden": gettext_lazy("この項目は使えません。"),
    "string_type": gettext_lazy("文字列で指定してください。"),
    "string_too_short": gettext_lazy("空にはできません。"),
    "string_too_long": gettext_lazy("長すぎます。"),
    "list_type": gettext_lazy("配列で指定してください。"),
    "bool_type": gettext_lazy("true 又は false で指定してください。"),
    "bool_parsing": gettext_lazy("true 又は false で指定してください。"),
    "int_parsing": gettext_lazy("整数で指定してください。"),
    "date_type": gettext_lazy("日付（YYYY-MM-DD）で指定してください。"),
    "date_parsing": gettext_lazy("日付（YYYY-MM-DD）で指定してください。"),
    "date_from_datetime_parsing": gettext_lazy("日付（YYYY-MM-DD）で指定してください。"),
    "literal_error": gettext_lazy("指定できない値です。"),
    "enum": gettext_lazy("指定できない値です。"),
    "greater_than_equal": gettext_lazy("値が小さすぎます。"),
    "less_than_equal": gettext_lazy("値が大きすぎます。"),
    "json_invalid": gettext_lazy("JSONとして読み取れません。"),
    "model_attributes_type": gettext_lazy("オブジェクトで指定してください。"),
    "dict_type": gettext_lazy("オブジェクトで指定してください。"),
}


def field_path(location: list[Any] | tuple[Any, ...]) -> str:
    """('members', 3, 'birth_date') -> 'members[3].birth_date'."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def invalid_request(errors: list[dict[str, Any]]) -> ApiProblem:
    """A body or query that does not match the schema (ninja's ValidationError, masked)."""
    rows = []
    for error in errors:
        location = list(error.get("loc", ()))
        # ninja prefixes the parameter's source and name ("body", "payload"); the client knows neither.
        if location and location[0] in ("body", "query", "path"):
            location = location[2:] if location[0] == "body" and len(location) > 1 else location[1:]
        message = _FIELD_MESSAGES.get(str(error.get("type", "")), gettext_lazy("値が正しくありません。"))
        rows.append({"field": field_path(location) or "body", "message": str(message)})
    return ApiProblem(
        422,
        "invalid-request",
        _("リクエストの内容がAPIの定義と一致しません。errors の各項目を確認してください。"),
        rows,
    )
