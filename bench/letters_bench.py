"""Benchmark: letter render time per page, and the sweeps' query counts and times at scale.

    DATABASE_URL=postgres://… .venv/bin/python bench/letters_bench.py --cases 100000

Without DATABASE_URL it uses a throwaway SQLite file. It creates its own scratch database
(`<name>_bench`) and drops it afterwards, so it never touches real data. Figures are
printed; nothing is asserted (timings vary with the machine).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "keiseikyo.settings_test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

TOKYO = ZoneInfo("Asia/Tokyo")


def median_time(fn, rounds: int) -> tuple[float, float]:
    """(first call, median of the next `rounds`) in seconds."""
    started = time.perf_counter()
    fn()
    first = time.perf_counter() - started
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return first, statistics.median(samples)


def bench_render(rounds: int) -> None:
    import io

    from pypdf import PdfReader

    from requests_portal.letters.kinds import notice_for
    from requests_portal.letters.renderer import render_pdf
    from requests_portal.letters.samples import SAMPLES, Sample, _decision, sample_source
    from requests_portal.models import Decision, LetterKind, RequestKind, StatutoryGround

    print("\n== Render (WeasyPrint + embedded Noto Serif JP), in-process ==")
    print(f"{'notice':34} {'pages':>5} {'first s':>8} {'median s':>9} {'s/page':>7} {'KiB':>6}")
    cases = [(s.slug, sample_source(s)) for s in SAMPLES if s.slug in ("acknowledgement", "disclosure-partial")]
    for rows in (20, 60, 150):
        withheld = [
            {"item": f"苦情対応記録 第{i}号のうち他の組合員の氏名及び連絡先", "ground": StatutoryGround.ART33_2_1,
             "reason": "第三者の権利利益を害するおそれがあるため"}
            for i in range(rows)
        ]  # fmt: skip
        sample = Sample(
            f"partial, {rows} withheld rows",
            LetterKind.DISCLOSURE_DECISION,
            RequestKind.DISCLOSURE,
            payload=_decision(Decision.DISCLOSED_PARTIAL, ground=StatutoryGround.ART33_2_1, reason="理由",
                              withheld_items=withheld),
        )  # fmt: skip
        cases.append((sample.slug, sample_source(sample)))
    for name, source in cases:
        html = notice_for(source).html()
        holder = {}

        def render(html=html, holder=holder):
            holder["pdf"] = render_pdf(html)

        first, median = median_time(render, rounds)
        pdf = holder["pdf"]
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        print(f"{name:34} {pages:>5} {first:>8.2f} {median:>9.3f} {median / pages:>7.3f} {len(pdf) / 1024:>6.0f}")


def make_cases(n: int, base: date, open_share: float) -> None:
    from requests_portal.deadlines import current_calendar
    from requests_portal.models import DataSubjectRequest, Member, Queue, RequestKind, Status, User
    from requests_portal.roles import Role, grant_role

    calendar = current_calendar()
    ga, mn = Queue.objects.get(code=Queue.GA), Queue.objects.get(code=Queue.MY_NUMBER)
    staff = []
    for i, role in enumerate([Role.GA_STAFF] * 20 + [Role.GA_SUPERVISOR] * 3 + [Role.MY_NUMBER_OFFICER] * 3):
        user = User.objects.create_user(f"bench-staff-{i}@example.jp", None)
        grant_role(user, role)
        staff.append((role, user))
    handlers = [u for r, u in staff if r == Role.GA_STAFF]
    officers = [u for r, u in staff if r == Role.MY_NUMBER_OFFICER]
    members = Member.objects.bulk_create(
        [
            Member(member_number=f"B{i:07d}", full_name=f"試験 {i}", birth_date=date(1980, 1, 1),
                   name_search=f"試験{i}", kana_search="")
            for i in range(max(n // 5, 1))
        ],
        batch_size=2000,
    )  # fmt: skip
    open_statuses = [Status.SUBMITTED, Status.VERIFYING, Status.IN_REVIEW, Status.AWAITING_APPROVAL, Status.DECIDED,
                     Status.AWAITING_AMENDMENT]  # fmt: skip
    # Most cases of a long-running portal are closed; `open_share` of them are in progress.
    open_slots = round(1000 * open_share)
    statuses = [open_statuses[i % len(open_statuses)] for i in range(open_slots)]
    statuses += [Status.CLOSED] * (1000 - open_slots)
    rows = []
    for i in range(n):
        restricted = i % 50 == 0
        due = calendar.on_or_before(base + timedelta(days=(i % 60) - 30))
        received = datetime.combine(due - timedelta(days=14), dtime(10), tzinfo=TOKYO)
        status = statuses[i % len(statuses)]
        rows.append(
            DataSubjectRequest(
                reference=f"{'MN' if restricted else 'GA'}-B-{i:07d}",
                kind=RequestKind.MY_NUMBER_INQUIRY if restricted else RequestKind.DISCLOSURE,
                queue=mn if restricted else ga,
                member=members[i % len(members)],
                status=status,
                assignee=(officers if restricted else handlers)[i % 3],
                received_at=received,
                complete_at=received,
                due_date=due,
                paused_at=received + timedelta(days=2) if status == Status.AWAITING_AMENDMENT else None,
            )
        )
        if len(rows) == 5000:
            DataSubjectRequest.objects.bulk_create(rows)
            rows = []
    DataSubjectRequest.objects.bulk_create(rows)


def bench_sweeps(n: int, open_share: float) -> None:
    import time_machine

    from requests_portal.letters.services import pending_letter_ids
    from requests_portal.models import DataSubjectRequest, Letter, OutboundMail
    from requests_portal.outbox import unsent_mail_ids
    from requests_portal.reminders import reminder_sweep

    base = date(2026, 6, 15)
    started = time.perf_counter()
    make_cases(n, base, open_share)
    print(f"\n== Sweeps on {connection.vendor}, {DataSubjectRequest.objects.count():,} cases, {open_share:.0%} open, "
          f"due dates ±30 days (generated in {time.perf_counter() - started:.0f} s) ==")  # fmt: skip
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"{'sweep':44} {'queries':>7} {'seconds':>8} {'created':>8}")
    for label, day in (("reminders, first sweep of the day", base), ("reminders, same day again", base),
                       ("reminders, next day", base + timedelta(days=1))):  # fmt: skip
        nine = datetime.combine(day, dtime(9), tzinfo=TOKYO)
        with time_machine.travel(nine, tick=False), CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            result = reminder_sweep()
            elapsed = time.perf_counter() - started
        print(f"{label:44} {len(queries):>7} {elapsed:>8.2f} {result.reminders:>8}")

    # PENDING letters and unsent mail waiting for the sweeps (lost messages).
    cases = list(DataSubjectRequest.objects.values_list("id", flat=True)[:5000])
    old = datetime.now(tz=TOKYO) - timedelta(hours=1)
    Letter.objects.bulk_create(
        [Letter(dsr_id=c, kind="acknowledgement", idempotency_key=f"bench:{c}", next_attempt_at=old) for c in cases],
        batch_size=2000,
    )
    OutboundMail.objects.bulk_create(
        [OutboundMail(idempotency_key=f"bench:{c}", to_email="x@example.jp", template="t", subject="s", body="b",
                      next_attempt_at=old) for c in cases],
        batch_size=2000,
    )  # fmt: skip
    for label, fn in (("letter sweep (5,000 pending letters)", pending_letter_ids),
                      ("outbox sweep (5,000 unsent mails)", unsent_mail_ids)):  # fmt: skip
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            ids = fn()
            elapsed = time.perf_counter() - started
        print(f"{label:44} {len(queries):>7} {elapsed:>8.3f} {len(ids):>8}")


def bench_render_with_database(count: int) -> None:
    """letter_render end to end (lock, 文書番号, render, encrypt, store, events), in sequence."""
    from requests_portal.letters.services import letter_render
    from requests_portal.models import DataSubjectRequest, Letter

    cases = list(DataSubjectRequest.objects.values_list("id", flat=True)[5000 : 5000 + count])
    letters = Letter.objects.bulk_create(
        [Letter(dsr_id=c, kind="acknowledgement", idempotency_key=f"bench-render:{c}") for c in cases]
    )
    letter_render(letter_id=letters[0].pk)  # warm-up
    started = time.perf_counter()
    for letter in letters[1:]:
        letter_render(letter_id=letter.pk)
    per_letter = (time.perf_counter() - started) / (len(letters) - 1)
    print(f"\n== letter_render with the database: {per_letter:.3f} s per one-page notice "
          f"(the 文書番号 lock serialises a prefix: about {1 / per_letter:.1f} notices/s per prefix) ==")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--open-share", type=float, default=0.06, help="share of cases still open")
    parser.add_argument("--render-only", action="store_true")
    args = parser.parse_args()

    bench_render(args.rounds)
    if args.render_only:
        return
    settings.DSR_PRIVATE_ROOT = Path(tempfile.mkdtemp(prefix="letters-bench-"))
    name = settings.DATABASES["default"]["NAME"]
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = (
        f"{name}_bench" if connection.vendor == "postgresql" else str(ROOT / "var" / "letters-bench.sqlite3")
    )
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        bench_sweeps(args.cases, args.open_share)
        bench_render_with_database(11)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
