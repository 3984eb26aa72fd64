"""Benchmark: the staff queue page over a large case table (PostgreSQL).

Fills a scratch database with members and cases (bulk inserts; the real services would take
hours for this many), then requests the queue page through the whole Django stack as a GA
clerk and prints the median time and the number of SQL queries per variant.

    DSR_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/kp_issue6_bench \\
        .venv/bin/python bench/staff_queue.py --cases 200000

The database named there is emptied and re-created; never point it at real data.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    url = os.environ.get("DSR_BENCH_DATABASE_URL")
    if not url or not url.startswith("postgres"):
        sys.exit("Set DSR_BENCH_DATABASE_URL to a scratch PostgreSQL database (it is emptied).")
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "keiseikyo.settings_test")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()  # lets the client see the template context (the match count)

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    clerk = _fill(args.cases, args.members)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    from dashboard_data import staff_client

    client = staff_client(clerk)

    variants = {
        "default (unanswered, by due date)": {},
        "all statuses, 100 per page": {"status": "all", "per_page": "100"},
        "overdue": {"due": "overdue"},
        "due in 3 business days": {"due": "soon"},
        "Art. 39 mark passed": {"due": "art39"},
        "search by name": {"q": "山田", "status": "all"},
        "search by kana (half-width)": {"q": "ﾔﾏﾀﾞ", "status": "all"},
        "search by member number": {"q": "M0012345", "status": "all"},
        "mine": {"assignee": "mine"},
        "page 200": {"status": "all", "page": "200"},
    }
    print(f"queue page, {args.cases:,} cases, {args.members:,} members, median of {args.runs} runs")
    for label, params in variants.items():
        timings = []
        for _run in range(args.runs):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                response = client.get("/staff/queue/", params)
            timings.append(time.perf_counter() - started)
            if response.status_code != 200:
                sys.exit(f"{label}: HTTP {response.status_code}")
        total = response.context["page"].paginator.count
        print(
            f"  {label:36s} {statistics.median(timings) * 1000:7.1f} ms  "
            f"{len(queries.captured_queries):3d} queries  {total:>9,} matching"
        )


def _fill(cases: int, members: int):
    from django.utils import timezone

    from requests_portal.models import DataSubjectRequest, Member, Queue, RequestKind, Status
    from requests_portal.roles import Role
    from requests_portal.text import kana_search_key, name_search_key
    from tests.factories import staff_user

    rng = random.Random(6)
    surnames = [("山田", "ヤマダ"), ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("髙橋", "タカハシ"), ("田中", "タナカ")]
    given = [("太郎", "タロウ"), ("花子", "ハナコ"), ("一郎", "イチロウ"), ("美咲", "ミサキ")]
    rows = []
    for index in range(members):
        (s_kanji, s_kana), (g_kanji, g_kana) = rng.choice(surnames), rng.choice(given)
        name, kana = f"{s_kanji} {g_kanji}{index}", f"{s_kana} {g_kana}"
        rows.append(
            Member(
                member_number=f"M{index:07d}",
                full_name=name,
                full_name_kana=kana,
                birth_date=timezone.localdate() - timedelta(days=rng.randint(8000, 22000)),
                name_search=name_search_key(name),
                kana_search=kana_search_key(kana),
            )
        )
    Member.objects.bulk_create(rows, batch_size=5000)
    member_ids = list(Member.objects.values_list("id", flat=True))
    clerk = staff_user(Role.GA_STAFF)
    ga, mn = Queue.objects.get(code=Queue.GA), Queue.objects.get(code=Queue.MY_NUMBER)
    statuses = [Status.SUBMITTED, Status.VERIFYING, Status.IN_REVIEW, Status.AWAITING_APPROVAL] + [Status.CLOSED] * 8
    kinds = [k for k in RequestKind.values if k != RequestKind.MY_NUMBER_INQUIRY]
    now = timezone.now()
    batch = []
    for index in range(cases):
        restricted = index % 20 == 0
        received = now - timedelta(days=rng.randint(0, 730), minutes=rng.randint(0, 600))
        status = rng.choice(statuses)
        batch.append(
            DataSubjectRequest(
                reference=f"{'MN' if restricted else 'GA'}-B-{index:07d}",
                kind=RequestKind.MY_NUMBER_INQUIRY if restricted else rng.choice(kinds),
                queue=mn if restricted else ga,
                member_id=rng.choice(member_ids),
                status=status,
                assignee=clerk if index % 50 == 1 else None,
                received_at=received,
                complete_at=received,
                due_date=timezone.localdate(received) + timedelta(days=14),
                closed_at=received + timedelta(days=10) if status == Status.CLOSED else None,
            )
        )
        if len(batch) == 5000:
            DataSubjectRequest.objects.bulk_create(batch)
            batch = []
    DataSubjectRequest.objects.bulk_create(batch)
    return clerk


if __name__ == "__main__":
    main()
