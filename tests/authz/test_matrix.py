"""The authorization matrix, walked (RELIABILITY.md T1).

- Every URL pattern of the project has a row in tests/authz/matrix.py, and every row names a
  pattern that exists.
- Every row × method is tried by every principal (anonymous, member A, member B, GA staff,
  supervisor, My Number officer, auditor, admin, deactivated staff, staff without a second
  factor) against A's case, B's case, A's My Number case, a missing id and a closed case.
- 0 mismatches, 0 server errors; a hidden object answers exactly like a missing one (status,
  templates, headers and body after masking the CSRF token, the CSP nonce and the id).

Each request runs in a savepoint that is rolled back, so one principal's POST never changes
what the next one sees.
"""

import copy

import pytest

from django.test import Client

from tests.authz.matrix import (
    ACCOUNT_ROWS,
    ADMIN_MODELS,
    ALL_METHODS,
    PORTAL_ROWS,
    ROWS,
    Audience,
    Outcome,
    Row,
    Variant,
    Who,
    admin_rows,
    expected,
)
from tests.authz.world import World, build_url, classify, fingerprint, matches, request, url_patterns

pytestmark = pytest.mark.django_db


def test_every_url_pattern_has_a_matrix_row():
    missing = sorted(set(url_patterns()) - set(ROWS))
    assert not missing, f"URL patterns without a row in tests/authz/matrix.py: {missing}"


def test_every_matrix_row_names_an_existing_url_pattern():
    stale = sorted(set(ROWS) - set(url_patterns()))
    assert not stale, f"rows for URL patterns that no longer exist: {stale}"


def test_the_admin_registers_configuration_models_only():
    from django.contrib import admin

    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered == set(ADMIN_MODELS)
    assert "requests_portal.datasubjectrequest" not in registered


# --- the walk ---------------------------------------------------------------------------------------


def variants_for(row: Row) -> list[Variant | None]:
    return list(Variant) if row.obj is not None else [None]


def methods_for(row: Row, variant: Variant | None) -> tuple[str, ...]:
    if row.audience in (Audience.ADMIN, Audience.ACCOUNT):
        return ("GET", "POST")
    if variant in (None, Variant.A):
        return ALL_METHODS
    return tuple(row.ok)


def walk(world: World, rows: list[Row]) -> tuple[list[str], list[str], int]:
    routes = url_patterns()
    mismatches: list[str] = []
    leaks: list[str] = []
    tried = 0
    for row in rows:
        for who in Who:
            client = world.clients[who]
            missing_prints: dict[str, tuple] = {}
            answers: dict[tuple, object] = {}
            for variant in variants_for(row):
                path = build_url(world, row, variant, routes[row.key])
                for method in methods_for(row, variant):
                    response = request(client, method, path)
                    tried += 1
                    want = expected(row, who, variant, method)
                    if response.status_code >= 500:
                        mismatches.append(f"{row.key} {method} {who} {variant}: server error {response.status_code}")
                    elif not matches(row, method, want, response):
                        mismatches.append(
                            f"{row.key} {method} by {who} on {variant}: expected {want}, got {classify(response)}"
                        )
                    if who not in (Who.ANON, Who.DEACTIVATED) and "no-store" not in response.get("Cache-Control", ""):
                        mismatches.append(f"{row.key} {method} by {who}: no Cache-Control: no-store")
                    print_ = fingerprint(response, path)
                    if variant == Variant.MISSING:
                        missing_prints[method] = print_
                    answers[(variant, method)] = (want, print_)
            # A hidden object answers exactly like a missing one.
            for (variant, method), (want, print_) in answers.items():
                if variant in (None, Variant.MISSING) or want != Outcome.NOT_FOUND:
                    continue
                if print_ != missing_prints.get(method):
                    leaks.append(f"{row.key} {method} by {who}: {variant} differs from a missing id")
    return mismatches, leaks, tried


def test_portal_urls_answer_as_the_matrix_says(world):
    mismatches, leaks, tried = walk(world, PORTAL_ROWS)
    assert tried > 3000
    assert not mismatches, "\n".join(mismatches[:80]) + f"\n({len(mismatches)} mismatches)"
    assert not leaks, "\n".join(leaks[:80]) + f"\n({len(leaks)} existence leaks)"


def test_account_urls_answer_as_the_matrix_says(world):
    mismatches, leaks, _tried = walk(world, ACCOUNT_ROWS)
    assert not mismatches, "\n".join(mismatches) + f"\n({len(mismatches)} mismatches)"
    assert not leaks


def test_admin_urls_answer_as_the_matrix_says(world):
    mismatches, leaks, _tried = walk(world, admin_rows())
    assert not mismatches, "\n".join(mismatches[:80]) + f"\n({len(mismatches)} mismatches)"
    assert not leaks


def test_state_changing_urls_refuse_requests_without_a_csrf_token(world):
    routes = url_patterns()
    refused = []
    for row in PORTAL_ROWS:
        if "POST" not in row.ok:
            continue
        variant = Variant.A if row.obj is not None else None
        who = next(
            w
            for w in (Who.GA, Who.SUPERVISOR, Who.AUDITOR, Who.OFFICER, Who.MEMBER_A)
            if expected(row, w, variant, "POST") == Outcome.OK
        )
        client = Client(enforce_csrf_checks=True)
        client.cookies = copy.deepcopy(world.clients[who].cookies)
        response = request(client, "POST", build_url(world, row, variant, routes[row.key]))
        if response.status_code != 403:
            refused.append(f"{row.key}: {response.status_code} without a CSRF token")
    assert not refused, refused
