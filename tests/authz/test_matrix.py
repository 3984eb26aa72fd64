"""The authorization matrix, walked (docs/reliability.md#authorisation).

- Every URL pattern of the project has a row in tests/authz/matrix.py, and every row names a
  pattern that exists.
- Every row × method is tried by every principal (anonymous, member A, member B, GA staff,
  supervisor, My Number officer, auditor, admin, deactivated staff, staff without a second
  factor, an officer moved to GA staff) against A's case, B's case, A's My Number case, a
  missing id and a closed case (or the letter, document, document awaiting masking, saved
  filter, bulk job or role-grant request of each),
  and for every alternative of the other URL arguments (every dashboard table).
- 0 mismatches, 0 server errors; a hidden object answers exactly like a missing one (status,
  templates, headers and body after masking the CSRF token, the CSP nonce and the id); every
  answer to a signed-in principal says Cache-Control: no-store.
- Every state-changing URL refuses a POST without a CSRF token (403).

Neighbours: test_lists.py (lists and exports hold exactly the visible ids), test_auditor.py
(the auditor writes no business data), test_canary.py (My Number canary), test_revoked.py.

Each request runs in a savepoint that is rolled back, so one principal's POST never changes
what the next one sees.
"""

import copy
import logging

import pytest

from django.test import Client

from tests.authz.matrix import (
    ACCOUNT_ROWS,
    ADMIN_MODELS,
    ALL_METHODS,
    ALL_PORTAL_ROWS,
    API_ROWS,
    DASHBOARD_TABLES,
    GRANT_ROWS,
    LETTER_ROWS,
    MASKING_ROWS,
    OVERSIGHT_ROWS,
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
from tests.authz.world import (
    World,
    build_url,
    classify,
    fingerprint,
    identifiers,
    matches,
    post_data,
    request,
    url_patterns,
)

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


def test_no_one_but_the_officers_and_the_filer_may_reach_a_my_number_object_by_the_specification():
    """Guards the specification itself: the admin, auditors, GA staff and supervisors (and a
    revoked officer) are refused every My Number URL, whatever the method."""
    for row in ALL_PORTAL_ROWS:
        if row.obj is None:
            continue
        for who in set(Who) - {Who.OFFICER, Who.MEMBER_A}:
            for method in ALL_METHODS:
                assert expected(row, who, Variant.MY_NUMBER, method) != Outcome.OK, (row.key, who, method)


def test_every_dashboard_table_has_its_csv_in_the_matrix():
    from requests_portal.reports import DASHBOARD_TABLES as served

    assert tuple(served) == DASHBOARD_TABLES


# --- the walk ---------------------------------------------------------------------------------------


def variants_for(row: Row) -> list[Variant | None]:
    return list(Variant) if row.obj is not None else [None]


def methods_for(row: Row, variant: Variant | None, first_kwargs: bool) -> tuple[str, ...]:
    if row.audience in (Audience.ADMIN, Audience.ACCOUNT):
        return ("GET", "POST")
    if variant in (None, Variant.A) and first_kwargs:
        return ALL_METHODS
    return tuple(row.ok)


REFUSALS = (Outcome.NOT_FOUND, Outcome.REJECTED)


@pytest.fixture
def quiet_refusals():
    """Thousands of 404/405 answers are the point here; log only server errors while walking."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


def cells(rows: list[Row]) -> int:
    """How many requests the walk of `rows` makes (row × URL arguments × principal × object
    variant × method): the size of the matrix, known without walking it."""
    return sum(
        len(methods_for(row, variant, first_kwargs=number == 0))
        for row in rows
        for _who in Who
        for number, _extra in enumerate(row.kwargs)
        for variant in variants_for(row)
    )


def walk(world: World, rows: list[Row]) -> tuple[list[str], list[str], int]:
    routes = url_patterns()
    mismatches: list[str] = []
    leaks: list[str] = []
    tried = 0
    for row in rows:
        for who in Who:
            client = world.clients[who]
            for number, extra in enumerate(row.kwargs):
                missing_prints: dict[str, tuple] = {}
                answers: dict[tuple, object] = {}
                for variant in variants_for(row):
                    path = build_url(world, row, variant, routes[row.key], extra)
                    for method in methods_for(row, variant, first_kwargs=number == 0):
                        data = post_data(world, row, variant) if method == "POST" else None
                        response = request(client, method, path, data)
                        tried += 1
                        want = expected(row, who, variant, method)
                        label = f"{row.key}{extra or ''} {method} by {who} on {variant}"
                        if response.status_code >= 500:
                            mismatches.append(f"{label}: server error {response.status_code}")
                        elif not matches(row, method, want, response):
                            mismatches.append(f"{label}: expected {want}, got {classify(response)}")
                        if who not in (Who.ANON, Who.DEACTIVATED) and "no-store" not in response.get(
                            "Cache-Control", ""
                        ):
                            mismatches.append(f"{label}: no Cache-Control: no-store")
                        print_ = fingerprint(response, path, identifiers(world, row, variant))
                        if variant == Variant.MISSING:
                            missing_prints[method] = (want, print_)
                        answers[(variant, method)] = (want, print_)
                # A hidden object answers exactly like a missing one.
                for (variant, method), (want, print_) in answers.items():
                    if variant in (None, Variant.MISSING) or want not in REFUSALS:
                        continue
                    if (want, print_) != missing_prints.get(method):
                        leaks.append(f"{row.key}{extra or ''} {method} by {who}: {variant} differs from a missing id")
    return mismatches, leaks, tried


# The portal's rows in groups of similar cost, so that `pytest -n 2` spreads the walk. The
# minimum is a floor on the requests each group tries (proof the walk really ran).
def _rows(*audiences: Audience) -> list[Row]:
    return [row for row in PORTAL_ROWS if row.audience in audiences]


_CASE_ROWS = _rows(Audience.STAFF_CASE)
PORTAL_GROUPS = {
    "member portal and files": (
        _rows(Audience.PUBLIC, Audience.MEMBER, Audience.MEMBER_CASE, Audience.FILE, Audience.STAFF_FILE),
        1400,
    ),
    "staff pages": (_rows(Audience.STAFF), 700),
    "case workspace 1/2": (_CASE_ROWS[: len(_CASE_ROWS) // 2], 1300),
    "case workspace 2/2": (_CASE_ROWS[len(_CASE_ROWS) // 2 :], 1500),
    "letters": (LETTER_ROWS, 450),
    "oversight": (OVERSIGHT_ROWS, 1400),
    "role grants and masking": ([*GRANT_ROWS, *MASKING_ROWS], 600),
}
WALKED_ROWS = [*ALL_PORTAL_ROWS, *API_ROWS, *ACCOUNT_ROWS, *admin_rows()]


def test_the_matrix_size_is_known(capsys):
    """The number of cells the walks below try (printed; the walks check they tried exactly these)."""
    total = cells(WALKED_ROWS)
    with capsys.disabled():
        print(f"\nauthorisation matrix: {len(WALKED_ROWS)} rows, {total} cells")  # noqa: T201 - a figure to quote
    assert cells(ALL_PORTAL_ROWS) == sum(cells(rows) for rows, _minimum in PORTAL_GROUPS.values())
    assert total > 8000


def test_the_groups_hold_every_portal_row_once():
    grouped = [row.key for rows, _minimum in PORTAL_GROUPS.values() for row in rows]
    assert sorted(grouped) == sorted(row.key for row in ALL_PORTAL_ROWS)


@pytest.mark.parametrize("group", PORTAL_GROUPS)
@pytest.mark.usefixtures("quiet_refusals")
def test_portal_urls_answer_as_the_matrix_says(world, group):
    rows, minimum = PORTAL_GROUPS[group]
    mismatches, leaks, tried = walk(world, rows)
    assert tried > minimum  # the walk really ran (every principal, variant and method)
    assert tried == cells(rows)
    assert not mismatches, "\n".join(mismatches[:80]) + f"\n({len(mismatches)} mismatches)"
    assert not leaks, "\n".join(leaks[:80]) + f"\n({len(leaks)} existence leaks)"


@pytest.mark.usefixtures("quiet_refusals")
def test_api_urls_answer_as_the_matrix_says(world):
    """Sessions never open the core-system API (401, never data); its docs are the admin's."""
    mismatches, leaks, tried = walk(world, API_ROWS)
    assert tried > 500
    assert tried == cells(API_ROWS)
    assert not mismatches, "\n".join(mismatches[:80]) + f"\n({len(mismatches)} mismatches)"
    assert not leaks


@pytest.mark.usefixtures("quiet_refusals")
def test_account_urls_answer_as_the_matrix_says(world):
    mismatches, leaks, tried = walk(world, ACCOUNT_ROWS)
    assert tried == cells(ACCOUNT_ROWS)
    assert not mismatches, "\n".join(mismatches) + f"\n({len(mismatches)} mismatches)"
    assert not leaks


@pytest.mark.usefixtures("quiet_refusals")
def test_admin_urls_answer_as_the_matrix_says(world):
    mismatches, leaks, tried = walk(world, admin_rows())
    assert tried == cells(admin_rows())
    assert not mismatches, "\n".join(mismatches[:80]) + f"\n({len(mismatches)} mismatches)"
    assert not leaks


def test_state_changing_urls_refuse_requests_without_a_csrf_token(world):
    routes = url_patterns()
    refused = []
    for row in ALL_PORTAL_ROWS:
        if "POST" not in row.ok:
            continue
        variant = Variant.A if row.obj is not None else None
        who = next(
            w
            for w in (Who.GA, Who.SUPERVISOR, Who.AUDITOR, Who.OFFICER, Who.ADMIN, Who.MEMBER_A)
            if expected(row, w, variant, "POST") == Outcome.OK
        )
        client = Client(enforce_csrf_checks=True)
        client.cookies = copy.deepcopy(world.clients[who].cookies)
        path = build_url(world, row, variant, routes[row.key])
        response = request(client, "POST", path, post_data(world, row, variant))
        if response.status_code != 403:
            refused.append(f"{row.key}: {response.status_code} without a CSRF token")
    assert not refused, refused
