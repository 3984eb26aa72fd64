"""Fixtures of the core-system API tests: clients with tokens, and a JSON caller."""

import json
from collections.abc import Callable
from typing import Any

import pytest

from django.test import Client

from requests_portal.api.tokens import issue_token
from requests_portal.models import ApiScope

ALL_SCOPES = list(ApiScope.values)


@pytest.fixture
def make_token(db) -> Callable[..., str]:
    counter = iter(range(1, 1000))

    def make(scopes: list[str] | None = None, networks: list[str] | None = None, rate: str = "") -> str:
        issued = issue_token(
            actor=None,
            name=f"core-{next(counter)}",
            scopes=ALL_SCOPES if scopes is None else scopes,
            networks=networks or [],
            rate=rate,
        )
        return issued.token

    return make


@pytest.fixture
def token(make_token) -> str:
    return make_token()


class Api:
    """Calls the API as a client would: JSON in, JSON out, a bearer token."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.token = token

    def _headers(self, token: str | None, extra: dict[str, str]) -> dict[str, str]:
        headers = dict(extra)
        if token:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        return headers

    def post(self, path: str, body: Any, *, token: str | None = "", raw: str | None = None, **extra: str):
        data = raw if raw is not None else json.dumps(body, ensure_ascii=False)
        return self.client.post(
            path,
            data=data,
            content_type="application/json",
            **self._headers(self.token if token == "" else token, extra),
        )

    def get(self, path: str, *, token: str | None = "", **extra: str):
        return self.client.get(path, **self._headers(self.token if token == "" else token, extra))


@pytest.fixture
def api(token) -> Api:
    return Api(token)


def problem(response) -> dict[str, Any]:
    assert response["Content-Type"] == "application/problem+json", response.content
    body = response.json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == response.status_code
    return body


def roster_row(number: str = "100001", **fields: str) -> dict[str, str]:
    return {
        "member_number": number,
        "full_name": "山田 太郎",
        "full_name_kana": "ヤマダ タロウ",
        "birth_date": "1980-04-01",
        "postal_code": "100-0013",
        "address": "東京都千代田区霞が関2-1-1",
        "phone": "03-1234-5678",
        "email": "taro@example.jp",
        **fields,
    }
