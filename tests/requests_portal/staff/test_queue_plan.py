"""The queue's default query keeps its plan (PostgreSQL; skipped on SQLite, run in CI).

Twenty thousand cases with the shape a co-operative accumulates (bench/scale_data.py: five years
of closed cases oldest first, ~1 % unanswered with due dates around today, 3 % My Number), then
ANALYZE and EXPLAIN (ANALYZE) of the page's query for a GA clerk: it must walk the partial index
of the unanswered cases in due-date order, never scan the case table, and discard almost nothing.
"""

import importlib.util
import json
import os
from pathlib import Path

import pytest

from django.db import connection
from django.http import QueryDict

from requests_portal import workspace
from requests_portal.models import OPEN_STATUSES, DataSubjectRequest, DuplicateCandidate, Status, User
from requests_portal.roles import Role
from tests.factories import staff_user

pytestmark = pytest.mark.django_db

CASES = 20_000
CASE_TABLE = "requests_portal_datasubjectrequest"
PAIR_TABLE = "requests_portal_duplicatecandidate"
INTENDED_INDEX = "dsr_unanswered_queue_due"


def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        message = "the plan test needs PostgreSQL (DATABASE_URL)"
        if os.environ.get("DSR_REQUIRE_ALL_TESTS"):
            pytest.fail(message)
        pytest.skip(message)


def _fill(cases: int, members: int) -> None:
    path = Path(__file__).resolve().parents[3] / "bench" / "scale_data.py"
    spec = importlib.util.spec_from_file_location("scale_data", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    module.fill(cases, members)


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def test_default_queue_query_walks_the_unanswered_index():
    _postgresql_only()
    _fill(CASES, CASES // 5)
    clerk = staff_user(Role.GA_STAFF)
    user = User.objects.get(pk=clerk.pk)
    filterset = workspace.queue_filterset(user, QueryDict(""))
    page = workspace.queue_rows(user, filterset)[:50]
    sql, params = page.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
        raw = cursor.fetchone()[0]
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
    on_cases = [node for node in _nodes(plan) if node.get("Relation Name") == CASE_TABLE]
    described = json.dumps(plan, indent=1)[:4000]
    assert on_cases, described
    assert all(node["Node Type"] != "Seq Scan" for node in on_cases), described
    assert any(node.get("Index Name") == INTENDED_INDEX for node in on_cases), described
    discarded = sum(node.get("Rows Removed by Filter", 0) for node in on_cases)
    assert discarded <= 50, described
    assert plan["Actual Rows"] == 50


def test_the_duplicate_badge_is_right_and_cheap_with_pairs_on_the_page_and_in_the_history():
    """With possible duplicates on the page and thousands among closed cases, the badge marks
    exactly the listed cases that have an open pair, and the statement's estimated cost stays far
    below the point where PostgreSQL compiles it (JIT), which once cost a second per page."""
    _postgresql_only()
    _fill(CASES, CASES // 5)
    clerk = staff_user(Role.GA_STAFF)
    user = User.objects.get(pk=clerk.pk)
    open_ids = list(
        DataSubjectRequest.objects.filter(status__in=OPEN_STATUSES, queue__is_restricted=False)
        .order_by("due_date", "id")
        .values_list("pk", flat=True)[:40]
    )
    closed_ids = list(DataSubjectRequest.objects.filter(status=Status.CLOSED).values_list("pk", flat=True)[:6000])
    pairs = [(later, earlier) for earlier, later in zip(open_ids[0::2], open_ids[1::2], strict=True)]
    pairs += [(later, earlier) for earlier, later in zip(closed_ids[0::2], closed_ids[1::2], strict=True)]
    DuplicateCandidate.objects.bulk_create(DuplicateCandidate(dsr_id=a, earlier_id=b) for a, b in pairs)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE requests_portal_duplicatecandidate")
        cursor.execute("SHOW jit_above_cost")
        jit_above_cost = float(cursor.fetchone()[0])

    page = workspace.queue_rows(user, workspace.queue_filterset(user, QueryDict("")))[:50]
    flagged = {dsr.pk for dsr in page if dsr.has_possible_duplicate}  # type: ignore[attr-defined]
    shown = {dsr.pk for dsr in page}
    assert flagged == shown & set(open_ids)
    sql, params = page.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
        raw = cursor.fetchone()[0]
    result = (json.loads(raw) if isinstance(raw, str) else raw)[0]
    described = json.dumps(result["Plan"], indent=1)[:4000]
    assert "JIT" not in result, described
    assert result["Plan"]["Total Cost"] < jit_above_cost / 10, described
    nodes = list(_nodes(result["Plan"]))
    on_cases = [node for node in nodes if node.get("Relation Name") == CASE_TABLE]
    assert all(node["Node Type"] != "Seq Scan" for node in on_cases), described
    # Each listed case looks up its own pairs: never a pass over every pair or every open case
    # hashed for the page (which grows with the history, not with the page).
    assert not [node for node in nodes if "hashed" in node.get("Subplan Name", "")], described
    on_pairs = [node for node in nodes if node.get("Relation Name") == PAIR_TABLE]
    assert on_pairs, described
    assert all(node["Node Type"] != "Seq Scan" for node in on_pairs), described
