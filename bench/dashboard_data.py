"""Data for the oversight benchmarks: N synthetic cases (default 200,000) over five years.

Run against a scratch database (it adds rows; `--reset` removes the ones it added):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kp_bench python bench/dashboard_bench.py

The cases come from the demo-history generator (bulk_create, not the services), marked
"BENCH" in their 受付番号, with timeline events for extensions and 補正 pauses.
"""

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "keiseikyo.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def staff_client(user):
    """A test client signed in as a staff member with the second factor done, as after a real
    password + TOTP sign-in (a bare force_login would time the redirect to the code page)."""
    from django.test import Client

    from requests_portal.staff_auth import MFA_VERIFIED_KEY

    client = Client()
    client.force_login(user)
    session = client.session
    session[MFA_VERIFIED_KEY] = str(user.pk)
    session.save()
    return client


def arguments(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--cases", type=int, default=200_000, help="cases to have in the database (default 200,000)")
    parser.add_argument("--reset", action="store_true", help="delete the benchmark's cases first")
    return parser.parse_args()


def ensure_cases(count: int, *, reset: bool = False) -> dict:
    """Make sure `count` benchmark cases exist; returns the benchmark's staff accounts."""
    from django.db import connection, transaction
    from django.utils import timezone

    from requests_portal.management.commands.seed_demo_history import People, generate_cases, save_batch
    from requests_portal.models import DataSubjectRequest, Member, Queue, User
    from requests_portal.roles import Role, grant_role
    from tests.factories import MemberFactory

    staff = {}
    for role in (Role.GA_STAFF, Role.GA_SUPERVISOR, Role.MY_NUMBER_OFFICER):
        user, created = User.objects.get_or_create(email=f"bench-{role}@bench.example", defaults={"display_name": role})
        if created:
            grant_role(user, role)
        staff[role] = user
    bench = DataSubjectRequest.objects.filter(reference__contains="-BENCH")
    if reset:
        print("deleting previous benchmark cases …", flush=True)
        bench.delete()
    have = bench.count()
    if have >= count:
        return staff
    members = list(Member.objects.filter(member_number__startswith="9").values_list("pk", flat=True)[:2000])
    if len(members) < 2000:
        Member.objects.bulk_create(
            [MemberFactory.build(member_number=f"9{n:07d}") for n in range(len(members), 2000)],
            ignore_conflicts=True,
        )
        members = list(Member.objects.filter(member_number__startswith="9").values_list("pk", flat=True)[:2000])
    people = People(
        handlers=[staff[Role.GA_STAFF], User.objects.get_or_create(email="bench-ga_staff2@bench.example")[0]],
        approver=staff[Role.GA_SUPERVISOR],
        officers=[staff[Role.MY_NUMBER_OFFICER]],
        officer_approver=User.objects.get_or_create(email="bench-officer2@bench.example")[0],
        members=members,
    )
    queues = {queue.code: queue for queue in Queue.objects.all()}
    today = timezone.localdate()
    started = time.perf_counter()
    print(f"generating {count - have:,} cases on {connection.vendor} …", flush=True)
    for cases, events in generate_cases(
        count=count - have,
        start=today - timedelta(days=5 * 365),
        end=today - timedelta(days=1),
        people=people,
        queues=queues,
        rng=random.Random(have),
        today=today,
        first_number=have + 1,
        batch_size=5000,
    ):
        for case in cases:
            case.reference = case.reference.replace("-D", "-BENCH", 1)
        with transaction.atomic():
            save_batch(cases, events)
    print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE requests_portal_datasubjectrequest; ANALYZE requests_portal_requestevent")
    return staff
