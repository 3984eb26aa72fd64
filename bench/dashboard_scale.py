"""Benchmark: the supervisors' dashboard at a million cases, from the monthly summary (PostgreSQL).

    .venv/bin/python bench/dashboard_scale.py            # on the database queue_scale.py filled

Uses the database of bench/queue_scale.py (BENCH_DATABASE_URL, default keiseikyo_scale; fill it
with queue_scale.py first). It migrates it, then prints:
- the nightly sweep that stores the closed months (dashboard_summary.rebuild_dashboard_summary): its time
  and the number of rows it stores;
- the dashboard page for a GA supervisor (last 12 months, in-process, signed in with the second
  factor): median and worst of --runs, and its statements, listed;
- the report alone, from the summary and (once) from the cases only, for comparison;
- the EXPLAIN (ANALYZE) of the current month's events query (extensions and 補正 requests).
"""

import argparse
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from queue_scale import BENCH_ENV, DEFAULT_URL, _staff, _timed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7, help="runs per measurement (median)")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        sys.exit("BENCH_DATABASE_URL must name a scratch PostgreSQL database.")
    os.environ.update(BENCH_ENV, DATABASE_URL=url)
    os.environ.pop("REDIS_URL", None)

    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()
    from dashboard_data import staff_client

    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from requests_portal import dashboard_summary, reports
    from requests_portal.models import DataSubjectRequest, RequestEvent

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE requests_portal_requestevent")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (other work slows every figure)")
    print(f"{DataSubjectRequest.objects.count():,} cases, {RequestEvent.objects.count():,} timeline events")

    started = time.perf_counter()
    rows = dashboard_summary.rebuild_dashboard_summary()
    print(f"\nsweep (every closed month): {time.perf_counter() - started:.1f} s, {rows:,} summary rows")

    _clerk, supervisor = _staff()
    median, worst, statements, _response = _timed(staff_client(supervisor), "/oversight/", {}, args.runs)
    print(
        f"\nsupervisor dashboard page, last 12 months: {median:.1f} ms (worst {worst:.1f} ms), "
        f"{len(statements)} statements"
    )
    for sql in statements:
        print("    " + re.sub(r"\s+", " ", sql)[:110])

    report_filter = reports.ReportFilter.default()
    timings = []
    for _ in range(args.runs):
        with CaptureQueriesContext(connection) as summary_queries:
            started = time.perf_counter()
            reports.dashboard_report(viewer=supervisor, report_filter=report_filter)
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    print(f"report from the summary: {timings[len(timings) // 2]:.1f} ms, {len(summary_queries)} queries")
    with CaptureQueriesContext(connection) as live_queries:
        started = time.perf_counter()
        reports.live_dashboard_report(viewer=supervisor, report_filter=report_filter)
        live_ms = (time.perf_counter() - started) * 1000
    print(f"report from the cases only (before): {live_ms:.1f} ms, {len(live_queries)} queries")

    start = reports.local_midnight(timezone.localdate().replace(day=1))
    cases = reports.scoped_cases(supervisor)
    active = cases.filter(reports.Q(closed_at__isnull=True) | reports.Q(closed_at__gte=start))
    events = (
        RequestEvent.objects.filter(reports.DEADLINE_EVENTS, at__gte=start, at__lt=timezone.now())
        .filter(dsr__in=active.values("pk"))
        .values("dsr__queue_id", "dsr__kind")
        .annotate(n=reports.Count("id"))
        .order_by()
    )
    sql, params = events.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        plan = [row[0] for row in cursor.fetchall()]
    print("\nEXPLAIN (ANALYZE, BUFFERS) of the current month's events query:")
    for line in plan:
        print(f"  {line}")


if __name__ == "__main__":
    main()
