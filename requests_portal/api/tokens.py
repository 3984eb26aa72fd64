"""API tokens and the per-client rate limit.

A token reads `kss_<prefix>_<secret>`: the prefix finds the client's row, and only the SHA-256
digest of the whole token is stored, so a copy of the database holds no usable token. The
secret has 256 random bits, so a plain digest (no slow hash, no key) is enough.

The rate limit lives in the client's own row (a sliding window over two fixed windows), so it
holds across web processes and does not depend on Redis: the API answers as usual while the
cache is down.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from requests_portal import audit
from requests_portal.models import ApiClient, ApiScope

TOKEN_PREFIX = "kss"  # noqa: S105 - the public marker every token starts with, not a secret
_TOKEN = re.compile(rf"{TOKEN_PREFIX}_(?P<prefix>[0-9a-f]{{12}})_(?P<secret>[A-Za-z0-9_-]{{43}})")
_RATE = re.compile(r"(?P<calls>[1-9][0-9]{0,5})/(?P<unit>s|sec|second|m|min|minute|h|hour)")
_UNIT_SECONDS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600}


class TokenError(ValueError):
    """A command's argument (scope, network, rate, name) is not acceptable; the message says why."""


def parse_rate(text: str) -> tuple[int, int]:
    """'120/min' -> (120, 60): calls allowed per period of seconds."""
    match = _RATE.fullmatch(text.strip().lower())
    if match is None:
        raise TokenError(f"rate must look like 120/min, 5/s or 1000/hour, not {text!r}")
    return int(match["calls"]), _UNIT_SECONDS[match["unit"]]


def parse_networks(values: list[str]) -> list[str]:
    networks = []
    for value in values:
        try:
            networks.append(str(ipaddress.ip_network(value.strip(), strict=False)))
        except ValueError:
            raise TokenError(f"not an IP network: {value!r}") from None
    return networks


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    client: ApiClient
    token: str  # shown once, never stored


@transaction.atomic
def issue_token(*, actor: object, name: str, scopes: list[str], networks: list[str], rate: str) -> IssuedToken:
    """A new client `name` with its token; refused while an active client has that name."""
    name = name.strip()
    if not name or len(name) > 60:
        raise TokenError("the name must have 1 to 60 characters")
    unknown = sorted(set(scopes) - set(ApiScope.values))
    if unknown or not scopes:
        raise TokenError(f"scopes must be among {', '.join(ApiScope.values)}; got {', '.join(unknown) or 'none'}")
    calls, period = parse_rate(rate or settings.DSR_API_DEFAULT_RATE)
    if ApiClient.objects.filter(name=name, revoked_at__isnull=True).exists():
        raise TokenError(f"an active client is already called {name!r}: revoke it first")
    prefix = secrets.token_hex(6)
    token = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    client = ApiClient.objects.create(
        name=name,
        token_prefix=prefix,
        token_digest=_digest(token),
        scopes=sorted(set(scopes)),
        allowed_networks=parse_networks(networks),
        rate_limit=calls,
        rate_period_seconds=period,
    )
    audit.record(
        action="api.token.issued",
        actor=actor,
        data={
            "client": name,
            "scopes": client.scopes,
            "networks": client.allowed_networks,
            "rate": f"{calls}/{period}s",
        },
    )
    return IssuedToken(client, token)


@transaction.atomic
def revoke_token(*, actor: object, name: str) -> ApiClient:
    client = ApiClient.objects.select_for_update().filter(name=name, revoked_at__isnull=True).first()
    if client is None:
        raise TokenError(f"no active client is called {name!r}")
    client.revoked_at = timezone.now()
    client.save(update_fields=["revoked_at"])
    audit.record(action="api.token.revoked", actor=actor, data={"client": name})
    return client


def client_for_token(token: str) -> ApiClient | None:
    """The active client holding `token`, or None (unknown, malformed or revoked)."""
    match = _TOKEN.fullmatch(token.strip())
    if match is None:
        return None
    client = ApiClient.objects.filter(token_prefix=match["prefix"]).first()
    if client is None or not hmac.compare_digest(client.token_digest, _digest(token.strip())):
        return None
    return client if client.is_active else None


def address_allowed(client: ApiClient, ip: str) -> bool:
    if not client.allowed_networks:
        return True
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network) for network in client.allowed_networks)


def take_call(client: ApiClient, now: datetime | None = None) -> int | None:
    """Count one call against the client's rate; None when allowed, else seconds to wait.

    The estimate weighs the previous window's calls by how much of it still overlaps the last
    `period` seconds, which smooths the burst a plain fixed window allows at its edge.
    """
    now = now or timezone.now()
    with transaction.atomic():
        row = ApiClient.objects.select_for_update().get(pk=client.pk)
        period = row.rate_period_seconds
        start = datetime.fromtimestamp(math.floor(now.timestamp() / period) * period, tz=UTC)
        if row.window_started_at != start:
            follows = row.window_started_at is not None and (start - row.window_started_at).total_seconds() == period
            row.previous_window_calls = row.window_calls if follows else 0
            row.window_calls = 0
            row.window_started_at = start
        elapsed = (now - start).total_seconds()
        overlap = (period - elapsed) / period
        row.last_used_at = now
        fields = ["window_started_at", "window_calls", "previous_window_calls", "last_used_at"]
        if row.previous_window_calls * overlap + row.window_calls + 1 > row.rate_limit:
            row.save(update_fields=fields)
            return _wait(row, elapsed)
        row.window_calls += 1
        row.save(update_fields=fields)
    client.last_used_at = now
    return None


def _wait(row: ApiClient, elapsed: float) -> int:
    """Seconds until one more call fits (at least 1)."""
    period, limit = row.rate_period_seconds, row.rate_limit
    if row.window_calls + 1 > limit or not row.previous_window_calls:
        return max(1, math.ceil(period - elapsed))
    # previous * (period - t) / period + current + 1 <= limit  =>  t >= period * (1 - (limit - current - 1) / previous)
    fits_at = period * (1 - (limit - row.window_calls - 1) / row.previous_window_calls)
    return max(1, math.ceil(fits_at - elapsed))
