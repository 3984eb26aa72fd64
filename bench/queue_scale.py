"""Benchmark: the staff queue, its search and the dashboard at a million cases (PostgreSQL).

    .venv/bin/python bench/queue_scale.py                 # fill keiseikyo_scale, then measure
    .venv/bin/python bench/queue_scale.py --keep          # reuse the filled database

The database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/keiseikyo_scale)
is emptied and filled with the distribution of bench/scale_data.py unless --keep finds it
already holds --cases cases. Then, as a GA clerk signed in with the second factor:

- the queue page and the floor (a bare view listing 50 cases of the same table, defined in
  bench/scale_urls.py) are served by gunicorn with 2 workers and driven by wrk (-c8), one after
  the other; it prints both rates and the ratio;
- in-process (Django's test client): the statements per queue page, the search and filter
  times (median of --runs), the supervisor dashboard, and the EXPLAIN (ANALYZE) of the queue's
  default query.

See bench/README.md.
"""

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/keiseikyo_scale"
# The server and this process share the settings (the session is signed with the secret key);
# these throwaway keys exist only for the benchmark's scratch database.
BENCH_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "bench-only-secret-key-queue-scale-0123456789abcdefghijklmnop",
    "DSR_FILE_ENCRYPTION_KEY": "YmVuY2gtb25seS1maWxlLWtleS1xdWV1ZS1zY2FsZSE=",
    "DSR_AUDIT_CHAIN_KEY": "bench-only-audit-chain-key-queue-scale-0123456789abcdefghijk",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "DJANGO_LOG_LEVEL": "WARNING",
    "DJANGO_SETTINGS_MODULE": "bench.scale_settings",
}
# The floors of bench/scale_urls.py: bare, behind the portal's sign-in, and with the audit entry too.
FLOORS = (
    ("floor (bare view, 50 rows)", "/bench-floor/"),
    ("signed-in floor (+ sign-in, second factor, staff role)", "/bench-floor/signed-in/"),
    ("audited floor (+ the listing's audit entry)", "/bench-floor/audited/"),
)
QUEUE_URL = "/staff/queue/?per_page=50"
SEARCHES = (
    ("kana 「ﾔﾏﾀﾞ」", {"q": "ﾔﾏﾀﾞ", "status": "all"}),
    ("kana 「ヤマダ タロウ」", {"q": "ヤマダ タロウ", "status": "all"}),
    ("name 「山田」", {"q": "山田", "status": "all"}),
    ("name 「山田 太郎」", {"q": "山田 太郎", "status": "all"}),
    ("given name 「花子」", {"q": "花子", "status": "all"}),
    ("member number", {"q": "00012345", "status": "all"}),
    ("reference tail 「00018」", {"q": "00018", "status": "all"}),
    ("filter + search (ﾔﾏﾀﾞ, unanswered, disclosure, unassigned)",
     {"q": "ﾔﾏﾀﾞ", "kind": "disclosure", "assignee": "unassigned"}),
    ("filter: overdue", {"due": "overdue"}),
    ("all statuses, page 1", {"status": "all"}),
)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--members", type=int, default=200_000)
    parser.add_argument("--keep", action="store_true", help="reuse the database if it already holds --cases cases")
    parser.add_argument("--runs", type=int, default=7, help="runs per in-process measurement (median)")
    parser.add_argument("--duration", type=int, default=20, help="seconds of wrk per page")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--load-only", action="store_true", help="with --keep: only the gunicorn and wrk figures")
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        sys.exit("BENCH_DATABASE_URL must name a scratch PostgreSQL database (it is emptied).")
    os.environ.update(BENCH_ENV, DATABASE_URL=url)
    os.environ.pop("REDIS_URL", None)

    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client then sees each page's context
    from scale_data import fill

    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM requests_portal_datasubjectrequest")
        existing = cursor.fetchone()[0]
    if not (args.keep and existing >= args.cases):
        print(f"filling {args.cases:,} cases, {args.members:,} members …", flush=True)
        fill(args.cases, args.members)
    clerk, supervisor = _staff()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE requests_portal_datasubjectrequest")
        cursor.execute(
            "SELECT status IN ('submitted','verifying','awaiting_requester','in_review','awaiting_approval',"
            "'decided'), kind = 'my_number_inquiry', count(*) FROM requests_portal_datasubjectrequest GROUP BY 1, 2"
        )
        shape = cursor.fetchall()
        cursor.execute(
            "SELECT count(*), min(received_at)::date, max(received_at)::date FROM requests_portal_datasubjectrequest"
        )
        total, first, last = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM requests_portal_member")
        members = cursor.fetchone()[0]
    unanswered = sum(n for open_, _mn, n in shape if open_)
    my_number = sum(n for _open, mn, n in shape if mn)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (other work slows every figure)")
    print(f"\n{total:,} cases ({first} … {last}), {members:,} members; unanswered {unanswered:,} "
          f"({100 * unanswered / total:.1f} %), My Number {my_number:,} ({100 * my_number / total:.1f} %)")  # fmt: skip

    from dashboard_data import staff_client

    client = staff_client(clerk)
    if args.load_only:
        _load(client, args)
        return
    _statements(client, args.runs)
    _searches(client, args.runs)
    _dashboard(staff_client(supervisor), args.runs)
    _explain(clerk)
    sys.stdout.flush()
    _load(client, args)


def _staff():
    from requests_portal.models import User
    from requests_portal.roles import Role, grant_role

    people = []
    for email, role in (("scale-ga@bench.example", Role.GA_STAFF), ("scale-sv@bench.example", Role.GA_SUPERVISOR)):
        user, created = User.objects.get_or_create(email=email, defaults={"display_name": role})
        if created:
            grant_role(user, role)
        people.append(user)
    return people


def _timed(client, path: str, params: dict, runs: int):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(path, params)  # warm
    timings = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(path, params)
            timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            sys.exit(f"{path} {params}: HTTP {response.status_code}")
    control = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE")
    statements = [q["sql"] for q in captured.captured_queries if not q["sql"].upper().startswith(control)]
    return statistics.median(timings), max(timings), statements, response


def _statements(client, runs: int) -> None:
    median, _worst, statements, response = _timed(client, "/staff/queue/", {"per_page": "50"}, runs)
    print(f"\nqueue page, default filter (unanswered, by due date), {len(response.context['page'].object_list)} rows "
          f"of {response.context['page'].paginator.count:,}: {median:.1f} ms in-process")  # fmt: skip
    for label, path in FLOORS:
        floor, _worst, floor_statements, _response = _timed(client, path, {}, runs)
        print(f"{label}: {floor:.1f} ms in-process, {len(floor_statements)} statement(s)")
    print(f"statements per queue page: {len(statements)}")
    for sql in statements:
        print("    " + re.sub(r"\s+", " ", sql)[:110])


def _searches(client, runs: int) -> None:
    print(f"\nsearch and filters (in-process, whole page; median / worst of {runs} runs)")
    for label, params in SEARCHES:
        median, worst, statements, response = _timed(client, "/staff/queue/", params, runs)
        found = response.context["page"].paginator.count
        # A capped count (more matches than the page counts) is a floor, printed as such.
        shown = f"≥{found:,}" if response.context.get("list_capped") else f"{found:,}"
        print(f"  {label:58s} {median:7.1f} ms {worst:7.1f} ms  {len(statements):2d} statements  "
              f"{shown:>9s} found")  # fmt: skip


def _dashboard(client, runs: int) -> None:
    from requests_portal.dashboard_summary import rebuild_dashboard_summary

    # The nightly sweep stores the closed months; the page then computes only the current one.
    started = time.perf_counter()
    rows = rebuild_dashboard_summary()
    print(f"\ndashboard summary sweep (every closed month): {time.perf_counter() - started:.1f} s, {rows:,} rows")
    median, worst, statements, _response = _timed(client, "/oversight/", {}, max(3, runs // 2))
    print(
        f"\nsupervisor dashboard, last 12 months: {median:.1f} ms (worst {worst:.1f} ms), {len(statements)} statements"
    )


def _explain(clerk) -> None:
    from django.db import connection
    from django.http import QueryDict

    from requests_portal import workspace
    from requests_portal.models import User

    user = User.objects.get(pk=clerk.pk)
    filterset = workspace.queue_filterset(user, QueryDict(""))
    # The page's own statement: its columns and the possible-duplicate badge included.
    sql, params = workspace.queue_rows(user, filterset)[:50].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        plan = [row[0] for row in cursor.fetchall()]
    print("\nEXPLAIN (ANALYZE, BUFFERS) of the queue's default query (GA clerk, 50 rows):")
    for line in plan:
        print(f"  {line}")


def _load(client, args) -> None:
    from django.conf import settings

    wrk = shutil.which("wrk")
    if wrk is None:
        print("\nwrk not found (apt-get install wrk): load test skipped")
        return
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'bench'}"}
    server = subprocess.Popen(  # noqa: S603 (our own virtualenv's gunicorn, fixed arguments)
        [str(ROOT / ".venv/bin/gunicorn"), "keiseikyo.wsgi:application", "--workers", "2",
         "--bind", f"127.0.0.1:{args.port}", "--chdir", str(ROOT), "--log-level", "warning"],
        env=env, start_new_session=True,
    )  # fmt: skip
    try:
        _wait_for(f"http://127.0.0.1:{args.port}/bench-floor/")
        print(f"\nload average {os.getloadavg()[0]:.1f}")
        print(f"gunicorn, 2 workers; wrk -t2 -c{args.connections} -d{args.duration}s, one page after the other")
        results = {}
        signed_in = ["-H", f"Cookie: {cookie}"]
        pages = [(label, path, signed_in if path != FLOORS[0][1] else []) for label, path in FLOORS]
        for label, path, headers in (*pages, ("queue (GA clerk, default filter, 50 rows)", QUEUE_URL, signed_in)):
            url = f"http://127.0.0.1:{args.port}{path}"
            subprocess.run([wrk, "-t2", "-c2", "-d3s", *headers, url], capture_output=True, check=True)  # noqa: S603
            out = subprocess.run(  # noqa: S603
                [wrk, "-t2", f"-c{args.connections}", f"-d{args.duration}s", "--latency", *headers, url],
                capture_output=True, text=True, check=True,
            ).stdout  # fmt: skip
            rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
            p50 = re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE).group(1)
            p99 = re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE).group(1)
            errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
            results[label] = rate
            print(f"  {label:56s} {rate:8.1f} req/s  p50 {p50:>8s}  p99 {p99:>8s}"
                  f"{'  NON-2xx: ' + errors.group(1) if errors else ''}")  # fmt: skip
        queue = results.pop("queue (GA clerk, default filter, 50 rows)")
        floor, signed_in_floor, audited_floor = results.values()
        print(f"queue vs floor: the floor is {floor / queue:.2f}× faster (goal ≤ 2×)")
        print(
            f"  the signed-in floor is {floor / signed_in_floor:.2f}× slower than the floor, the audited floor "
            f"{floor / audited_floor:.2f}×; the queue is {audited_floor / queue:.2f}× slower than the audited floor"
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def _wait_for(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urlopen(url, timeout=5) as response:  # noqa: S310 (our own local server)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    sys.exit(f"the benchmark server did not answer at {url}")


if __name__ == "__main__":
    main()
