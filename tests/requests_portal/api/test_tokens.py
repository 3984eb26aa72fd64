"""Tokens, addresses, rates and scopes: who may call the API, and what every call leaves in the
audit trail."""

import hashlib

import pytest

from django.core.management import CommandError, call_command

from requests_portal.api.tokens import TokenError, issue_token, parse_rate, take_call
from requests_portal.models import ApiClient, AuditEntry, Member
from tests.requests_portal.api.conftest import Api, problem, roster_row

pytestmark = pytest.mark.django_db

ROSTER = "/api/v1/roster/members"


def test_a_call_without_a_token_is_refused_with_401_and_a_bearer_challenge(api):
    response = api.post(ROSTER, {"members": [roster_row()]}, token=None)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert problem(response)["type"].endswith("/unauthorized")
    assert not Member.objects.exists()


@pytest.mark.parametrize("header", ["Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer ", "kss_x"])
def test_a_malformed_or_unknown_token_is_refused(api, header):
    response = api.client.post(ROSTER, data="{}", content_type="application/json", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401


def test_a_token_with_a_wrong_secret_is_refused(api, token):
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert api.post(ROSTER, {"members": []}, token=forged).status_code == 401


def test_only_a_digest_of_the_token_is_stored(token):
    client = ApiClient.objects.get()
    assert client.token_digest == hashlib.sha256(token.encode()).hexdigest()
    stored = " ".join(str(value) for value in ApiClient.objects.values().get().values())
    assert token.rsplit("_", 1)[1] not in stored


def test_a_revoked_token_is_refused_at_its_next_call(api, token, capsys):
    assert api.post(ROSTER, {"members": [roster_row()]}).status_code == 200
    name = ApiClient.objects.get().name
    call_command("revoke_api_token", name)
    response = api.post(ROSTER, {"members": [roster_row("100002")]})
    assert response.status_code == 401
    assert not Member.objects.filter(member_number="100002").exists()
    with pytest.raises(CommandError):
        call_command("revoke_api_token", name)  # nothing active left under that name


def test_the_command_shows_the_token_once_and_it_works(capsys):
    call_command(
        "issue_api_token", "kikan", "--scope", "roster:write", "--scope", "cases:read", "--allow", "10.0.0.0/8",
        "--rate", "30/min",
    )  # fmt: skip
    token = capsys.readouterr().out.strip().splitlines()[-1]
    client = ApiClient.objects.get(name="kikan")
    assert (client.scopes, client.allowed_networks) == (["cases:read", "roster:write"], ["10.0.0.0/8"])
    assert (client.rate_limit, client.rate_period_seconds) == (30, 60)
    response = Api(token).post(ROSTER, {"members": [roster_row()]}, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    with pytest.raises(CommandError, match="already"):
        call_command("issue_api_token", "kikan", "--scope", "cases:read")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scopes": ["everything"]}, "scopes"),
        ({"scopes": []}, "scopes"),
        ({"networks": ["10.0.0.300/8"]}, "network"),
        ({"rate": "lots"}, "rate"),
        ({"name": ""}, "name"),
    ],
)
def test_issuing_refuses_bad_arguments(kwargs, message):
    arguments = {"actor": None, "name": "x", "scopes": ["cases:read"], "networks": [], "rate": ""} | kwargs
    with pytest.raises(TokenError, match=message):
        issue_token(**arguments)


def test_rates_are_read_in_calls_per_period():
    assert parse_rate("120/min") == (120, 60)
    assert parse_rate("5/s") == (5, 1)
    assert parse_rate("1000/hour") == (1000, 3600)


def test_a_client_without_the_scope_is_refused_with_403(make_token):
    api = Api(make_token(scopes=["cases:read"]))
    response = api.post(ROSTER, {"members": [roster_row()]})
    assert response.status_code == 403
    assert problem(response)["type"].endswith("/scope-missing")
    assert not Member.objects.exists()
    assert api.post("/api/v1/provision-records", {"records": []}).status_code == 403
    assert api.get("/api/v1/events").status_code == 200


def test_a_client_calling_from_outside_its_networks_is_refused(make_token):
    api = Api(make_token(networks=["10.0.0.0/8", "2001:db8::/32"]))
    refused = api.post(ROSTER, {"members": [roster_row()]}, REMOTE_ADDR="192.168.1.10")
    assert refused.status_code == 403
    assert problem(refused)["type"].endswith("/address-not-allowed")
    assert not Member.objects.exists()
    assert api.post(ROSTER, {"members": [roster_row()]}, REMOTE_ADDR="10.20.30.40").status_code == 200
    assert api.get("/api/v1/events", REMOTE_ADDR="2001:db8::1").status_code == 200


def test_a_client_over_its_rate_gets_429_with_retry_after(make_token):
    api = Api(make_token(rate="3/min"))
    answers = [api.get("/api/v1/events").status_code for _call in range(4)]
    assert answers == [200, 200, 200, 429]
    refused = api.get("/api/v1/events")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert problem(refused)["type"].endswith("/rate-limited")
    # Another client has its own allowance.
    assert Api(make_token(rate="3/min")).get("/api/v1/events").status_code == 200


def test_the_rate_window_slides_instead_of_resetting_at_its_edge(make_token):
    from datetime import UTC, datetime

    make_token(rate="10/min")
    client = ApiClient.objects.get()
    late = datetime(2026, 12, 3, 10, 0, 50, tzinfo=UTC)
    assert all(take_call(client, late) is None for _call in range(10))
    assert take_call(client, late) is not None
    # Ten seconds into the next minute, 5/6 of the previous minute still counts: 8.3 calls.
    early = datetime(2026, 12, 3, 10, 1, 10, tzinfo=UTC)
    assert take_call(client, early) is None
    assert take_call(client, early) is not None
    # Two minutes on, the old calls no longer count.
    assert take_call(client, datetime(2026, 12, 3, 10, 3, 0, tzinfo=UTC)) is None


def test_the_rate_limit_and_the_api_keep_working_when_the_cache_is_down(settings, make_token):
    """The limit is counted in the database: a dead Redis answers neither 500 nor 'unlimited'."""
    from django.core.cache import caches

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    caches._settings = None  # type: ignore[attr-defined]
    if hasattr(caches._connections, "default"):  # type: ignore[attr-defined]
        del caches._connections.default  # type: ignore[attr-defined]
    try:
        with pytest.raises(Exception):  # noqa: B017, PT011 - proves the cache really is unreachable
            caches["default"].get("probe")
        api = Api(make_token(rate="2/min"))
        answers = [api.post(ROSTER, {"members": [roster_row()]}).status_code for _call in range(3)]
        assert answers == [200, 200, 429]
    finally:
        caches._settings = None  # type: ignore[attr-defined]
        if hasattr(caches._connections, "default"):  # type: ignore[attr-defined]
            del caches._connections.default  # type: ignore[attr-defined]


def test_every_call_is_audited_under_the_clients_name(make_token):
    api = Api(make_token(scopes=["roster:write"]))
    name = ApiClient.objects.get().name
    api.post(ROSTER, {"members": [roster_row()]})
    api.get("/api/v1/events")  # no cases:read scope
    api.post(ROSTER, {"members": [roster_row()]}, token=None)
    entries = list(AuditEntry.objects.filter(action__startswith="api.").exclude(action="api.token.issued"))
    assert [(e.action, e.actor_label, e.actor_role, e.outcome) for e in entries] == [
        ("api.roster.upsert", f"api:{name}", "api_client", "ok"),
        ("api.refused", f"api:{name}", "api_client", "denied"),
        ("api.refused", "api:unknown", "anonymous", "denied"),
    ]
    assert all(entry.actor_id is None for entry in entries)
    assert entries[1].data == {"operation": "case_events", "status": 403, "problem": "scope-missing", "errors": 0}
    assert ApiClient.objects.get().last_used_at is not None
