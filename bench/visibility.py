"""Benchmark: the visibility selector and the queue queries at a million cases (PostgreSQL).

Usage (creates and fills its own database, dropped afterwards unless --keep):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/keiseikyo_bench \\
        .venv/bin/python bench/visibility.py --cases 1000000

Prints, for each query, the median and worst of several runs and the number of SQL
queries, so the figures can be compared between runs on the same machine.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "keiseikyo.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--members", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the database for another run")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database dedicated to this benchmark.")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM requests_portal_datasubjectrequest")
        existing = cursor.fetchone()[0]
    if existing < args.cases:
        fill(args.cases, args.members)
    try:
        measure(args.runs)
    finally:
        if not args.keep:
            with connection.cursor() as cursor:
                cursor.execute(
                    "TRUNCATE requests_portal_datasubjectrequest, requests_portal_member RESTART IDENTITY CASCADE"
                )


def fill(cases: int, members: int) -> None:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE requests_portal_datasubjectrequest, requests_portal_member RESTART IDENTITY CASCADE")
        cursor.execute(
            """
            INSERT INTO requests_portal_member (member_number, full_name, full_name_kana, birth_date, postal_code,
                address, phone, email, is_active, name_search, kana_search, created_at, updated_at)
            SELECT lpad(i::text, 8, '0'), '組合員' || i, 'クミアイイン' || i, date '1960-01-01' + (i %% 15000),
                   '1000013', '東京都', '', '', true, '組合員' || i, 'クミアイイン' || i, now(), now()
            FROM generate_series(1, %s) AS i
            """,
            [members],
        )
        # 3 % My Number inquiries; ages spread over two years.
        cursor.execute(
            """
            INSERT INTO requests_portal_datasubjectrequest (
                public_id, reference, kind, queue_id, member_id, channel, notify_by_post, requester_type,
                agent_name, agent_name_kana, agent_relationship, agent_postal_code, agent_address, agent_phone,
                agent_email, summary, description, details, disclosure_method, disclosure_format, status,
                received_at, complete_at, due_date, paused_days_total, extension_reason, identity_method,
                id_doc_type, identity_result, authority_doc_type, decision, decision_ground, decision_reason,
                decision_details, legal_hold, legal_hold_reason, created_at, updated_at, closed_at)
            SELECT gen_random_uuid(),
                   CASE WHEN i %% 33 = 0 THEN 'MN-' ELSE 'GA-' END || lpad(i::text, 9, '0'),
                   CASE WHEN i %% 33 = 0 THEN 'my_number_inquiry'
                        ELSE (ARRAY['disclosure','correction','suspension','purpose_notice',
                                    'provision_records','complaint'])[1 + i %% 6] END,
                   (SELECT id FROM requests_portal_queue
                     WHERE code = CASE WHEN i %% 33 = 0 THEN 'mynumber' ELSE 'ga' END),
                   1 + (i %% %s), 'portal', false, 'self', '', '', '', '', '', '', '', '', '', '{}', '', '',
                   -- about 2 per cent open (a heavy backlog), 1 per cent decided or notified, the rest finished
                   CASE WHEN i %% 50 = 1 THEN (ARRAY['submitted','verifying','in_review','awaiting_requester',
                                                    'awaiting_approval'])[1 + (i / 50) %% 5]
                        WHEN i %% 100 = 2 THEN (ARRAY['decided','notified'])[1 + (i / 100) %% 2]
                        WHEN i %% 40 = 3 THEN 'withdrawn'
                        ELSE 'closed' END,
                   now() - ((i %% 720) || ' days')::interval, now() - ((i %% 720) || ' days')::interval,
                   (now() - ((i %% 720) || ' days')::interval)::date + 14, 0, '', '', '', '', '', '', '', '',
                   '{}', false, '', now(), now(), NULL
            FROM generate_series(1, %s) AS i
            """,
            [members, cases],
        )
        cursor.execute("ANALYZE")
    print(f"filled {cases:,} cases and {members:,} members in {time.perf_counter() - started:.1f} s")


def measure(runs: int) -> None:
    from django.core.paginator import Paginator
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from requests_portal.models import OPEN_STATUSES, DataSubjectRequest, Member, User
    from requests_portal.roles import Role, grant_role
    from requests_portal.selectors import dsr_list_for_member, dsr_status_counts, dsr_visible_to_staff
    from requests_portal.text import kana_search_key
    from tests.factories import UserFactory

    User.objects.filter(email__startswith="bench-").delete()
    ga_staff = UserFactory(email="bench-ga@example.jp")
    grant_role(ga_staff, Role.GA_STAFF)
    officer = UserFactory(email="bench-officer@example.jp")
    grant_role(officer, Role.MY_NUMBER_OFFICER)
    member_login = UserFactory(email="bench-member@example.jp", member=Member.objects.order_by("id")[10])
    fresh = {u.pk: type(u).objects.get(pk=u.pk) for u in (ga_staff, officer, member_login)}

    def queue_page(user):
        cases = dsr_visible_to_staff(fresh[user.pk]).filter(status__in=OPEN_STATUSES)
        return list(cases.select_related("member", "assignee").order_by("due_date", "id")[:50])

    def queue_page_with_count(user):
        cases = dsr_visible_to_staff(fresh[user.pk]).filter(status__in=OPEN_STATUSES).order_by("due_date", "id")
        page = Paginator(cases.select_related("member"), 50).page(1)
        return page.paginator.count, list(page)

    def counts(user):
        return dsr_status_counts(dsr_visible_to_staff(fresh[user.pk]))

    def open_counts(user):
        return dsr_status_counts(dsr_visible_to_staff(fresh[user.pk]).filter(status__in=OPEN_STATUSES))

    def kana_search(user):
        key = kana_search_key("ｸﾐｱｲｲﾝ12345")
        return list(dsr_visible_to_staff(fresh[user.pk]).filter(member__kana_search__startswith=key)[:50])

    def member_list(user):
        return list(dsr_list_for_member(fresh[user.pk])[:50])

    cases_total = DataSubjectRequest.objects.count()
    print(f"\n{cases_total:,} cases; median / worst of {runs} runs (ms), SQL queries per call")
    print(f"{'query':<44}{'median':>9}{'worst':>9}{'queries':>9}")
    for label, func, user in [
        ("GA queue page (50 open, by due date)", queue_page, ga_staff),
        ("GA queue page + total count (Paginator)", queue_page_with_count, ga_staff),
        ("GA counts per open status (staff home)", open_counts, ga_staff),
        ("GA counts per status, all 1M rows", counts, ga_staff),
        ("GA search by フリガナ prefix", kana_search, ga_staff),
        ("My Number queue page", queue_page, officer),
        ("member's own cases", member_list, member_login),
    ]:
        timings = []
        for _ in range(runs):
            fresh[user.pk] = type(user).objects.get(pk=user.pk)  # no per-request caches carried over
            reset_queries()
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                func(user)
                timings.append((time.perf_counter() - started) * 1000)
        print(f"{label:<44}{statistics.median(timings):>9.1f}{max(timings):>9.1f}{len(captured):>9}")


if __name__ == "__main__":
    main()
