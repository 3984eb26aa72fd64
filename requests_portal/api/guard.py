"""What every API call passes before its endpoint runs, in this order:

1. the bearer token names an active client (else 401);
2. the client may call from this address (else 403);
3. the client is within its rate (else 429, with Retry-After);
4. the client's scopes include the endpoint's (else 403);
5. no part of the request carries a My Number (else 422 naming the field): the API neither
   accepts nor returns one (行政手続における特定の個人を識別するための番号の利用等に関する法律
   第19条: the co-op may not receive a My Number outside the My Number desk's own work).
"""

from __future__ import annotations

import json
from typing import Any

from ninja.security import HttpBearer

from django.http import HttpRequest
from django.utils.translation import gettext as _

from requests_portal.api import tokens
from requests_portal.api.problems import ApiProblem, unauthorized
from requests_portal.middleware import client_ip
from requests_portal.models import ApiClient
from requests_portal.mynumber import contains_my_number, mask_my_numbers


def my_number_fields(value: Any, path: str = "") -> list[str]:
    """The paths ('members[2].address') of every value in parsed JSON holding a My Number."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            # A key is checked too, and masked if it is the number, so the path never repeats it.
            name = mask_my_numbers(str(key))
            inner_path = f"{path}.{name}" if path else name
            if name != str(key):
                found.append(inner_path)
            found += my_number_fields(inner, inner_path)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += my_number_fields(inner, f"{path}[{index}]")
    elif isinstance(value, str | int | float) and not isinstance(value, bool) and contains_my_number(str(value)):
        found.append(path or "body")
    return found


def _my_number_fields_of_request(request: HttpRequest) -> list[str]:
    found: list[str] = []
    match = getattr(request, "resolver_match", None)
    for name, value in (match.kwargs if match else {}).items():
        if contains_my_number(str(value)):
            found.append(name)
    for name, values in request.GET.lists():
        if any(contains_my_number(value) for value in values) or contains_my_number(name):
            found.append(mask_my_numbers(name))
    if request.body:
        text = request.body.decode("utf-8", errors="replace")
        try:
            parsed = json.loads(text)
        except ValueError:
            if contains_my_number(text):
                found.append("body")
        else:
            found += my_number_fields(parsed)
    return found


def calling_client(request: HttpRequest) -> ApiClient:
    """The client the guard let through (endpoints run only after it did)."""
    client: ApiClient = request.api_client  # type: ignore[attr-defined]
    return client


class ApiClientGuard(HttpBearer):
    """Bearer-token authentication and the checks above, for endpoints needing `scope`."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__()

    def __call__(self, request: HttpRequest) -> ApiClient:
        # Not HttpBearer's own __call__: that one logs the header it does not understand.
        scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise unauthorized()
        return self.authenticate(request, token)

    def authenticate(self, request: HttpRequest, token: str) -> ApiClient:
        client = tokens.client_for_token(token)
        if client is None:
            raise unauthorized()
        request.api_client = client  # type: ignore[attr-defined]
        if not tokens.address_allowed(client, client_ip(request)):
            raise ApiProblem(
                403, "address-not-allowed", _("このクライアントに許可された接続元のネットワークではありません。")
            )
        if (wait := tokens.take_call(client)) is not None:
            raise ApiProblem(
                429,
                "rate-limited",
                _("呼出しの上限（%(calls)s回／%(seconds)s秒）を超えました。%(wait)s秒後にやり直してください。")
                % {"calls": client.rate_limit, "seconds": client.rate_period_seconds, "wait": wait},
                headers={"Retry-After": str(wait)},
            )
        if self.scope not in client.scopes:
            raise ApiProblem(
                403, "scope-missing", _("このトークンには権限「%(scope)s」がありません。") % {"scope": self.scope}
            )
        if fields := _my_number_fields_of_request(request):
            raise ApiProblem(
                422,
                "my-number",
                _(
                    "マイナンバー（個人番号）と思われる番号が含まれています。このAPIではマイナンバーを送ることはできません。"
                ),
                [{"field": name, "message": _("マイナンバーと思われる番号が含まれています。")} for name in fields],
            )
        return client
