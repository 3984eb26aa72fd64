"""Seed a year of *demo* case history so the oversight dashboard has something to show.

The cases are written with bulk_create (not through the services: there would be thousands),
and are marked as demo data three ways: the 受付番号 carries a "D" (GA-2025-D0001), the 件名
starts with 【デモ】, and `details` holds {"demo_history": true}. A handful of old closed cases,
identity-evidence files and an abandoned upload make the retention preview non-empty.
Idempotent: nothing is added when demo history exists. `generate_cases` is also used by the
benchmarks in bench/ to build 100,000+ cases.
"""

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from requests_portal import deadlines, storage
from requests_portal.models import (
    ART39_KINDS,
    Channel,
    DataSubjectRequest,
    Decision,
    Document,
    DocumentCategory,
    EventType,
    IdDocumentType,
    IdentityMethod,
    IdentityResult,
    Member,
    Queue,
    RequesterType,
    RequestEvent,
    RequestKind,
    Status,
    StatutoryGround,
    User,
)
from requests_portal.numbering import fiscal_year

DEMO_DOMAIN = "demo.keiseikyo.example"
DEMO_MARK = "【デモ】"

KIND_WEIGHTS = {
    RequestKind.DISCLOSURE: 34,
    RequestKind.CORRECTION: 14,
    RequestKind.SUSPENSION: 9,
    RequestKind.PURPOSE_NOTICE: 8,
    RequestKind.PROVISION_RECORDS: 7,
    RequestKind.COMPLAINT: 18,
    RequestKind.MY_NUMBER_INQUIRY: 10,
}
# Relative volume per calendar month (the annual statement mailing in June brings more requests).
MONTH_WEIGHTS = {1: 7, 2: 8, 3: 9, 4: 10, 5: 9, 6: 14, 7: 12, 8: 8, 9: 8, 10: 9, 11: 8, 12: 6}
SUMMARIES = {
    RequestKind.DISCLOSURE: (
        "共済契約の記録の開示",
        "出資金の記録の開示",
        "購買利用履歴の開示",
        "共済金支払記録の開示",
    ),
    RequestKind.CORRECTION: ("住所の訂正", "氏名の変更", "勤務先の訂正", "電話番号の訂正"),
    RequestKind.SUSPENSION: ("ダイレクトメールの停止", "不要となった情報の消去", "第三者提供の停止"),
    RequestKind.PURPOSE_NOTICE: ("利用目的の通知", "給与控除情報の利用目的"),
    RequestKind.PROVISION_RECORDS: ("職域への提供記録", "提携先への提供記録"),
    RequestKind.COMPLAINT: ("窓口対応についての苦情", "郵送物の宛名誤り", "電話対応についての苦情"),
    RequestKind.MY_NUMBER_INQUIRY: ("マイナンバーの提出方法について", "支払調書について", "提出書類の返却について"),
}
# (decision, ground, weight) per kind; "withdrawn" and "rejected" end the case without a decision.
OUTCOMES = {
    RequestKind.DISCLOSURE: (
        (Decision.DISCLOSED_FULL, "", 52),
        (Decision.DISCLOSED_PARTIAL, StatutoryGround.ART33_2_1, 18),
        (Decision.NOT_DISCLOSED, StatutoryGround.ART33_2_2, 4),
        (Decision.NOT_HELD, StatutoryGround.NOT_HELD, 10),
        ("rejected", "", 6),
        ("withdrawn", "", 10),
    ),
    RequestKind.PROVISION_RECORDS: (
        (Decision.RECORD_DISCLOSED_FULL, "", 70),
        (Decision.RECORD_NOT_HELD, StatutoryGround.NOT_HELD, 20),
        ("withdrawn", "", 10),
    ),
    RequestKind.CORRECTION: (
        (Decision.CORRECTED, "", 60),
        (Decision.PARTIALLY_CORRECTED, StatutoryGround.ART34_FACTUAL, 12),
        (Decision.NOT_CORRECTED, StatutoryGround.ART34_FACTUAL, 14),
        ("rejected", "", 4),
        ("withdrawn", "", 10),
    ),
    RequestKind.SUSPENSION: (
        (Decision.USE_SUSPENDED, "", 40),
        (Decision.ERASED, "", 15),
        (Decision.NOT_SUSPENDED, StatutoryGround.ART35_NOT_ESTABLISHED, 25),
        (Decision.SUBSTITUTE_MEASURE, StatutoryGround.ART35_SUBSTITUTE, 8),
        ("withdrawn", "", 12),
    ),
    RequestKind.PURPOSE_NOTICE: (
        (Decision.PURPOSE_NOTIFIED, "", 85),
        (Decision.PURPOSE_NOT_NOTIFIED, StatutoryGround.ART32_2_I, 10),
        ("withdrawn", "", 5),
    ),
    RequestKind.COMPLAINT: ((Decision.ANSWERED, "", 92), ("withdrawn", "", 8)),
    RequestKind.MY_NUMBER_INQUIRY: ((Decision.ANSWERED, "", 94), ("withdrawn", "", 6)),
}
OPEN_STAGES = (Status.VERIFYING, Status.IN_REVIEW, Status.AWAITING_APPROVAL, Status.DECIDED)


@dataclass(frozen=True)
class People:
    """Who the generated cases name: handlers, approvers, and the members they are about."""

    handlers: list[User]
    approver: User
    officers: list[User]
    officer_approver: User
    members: list[int]


_Choice = TypeVar("_Choice")


def _weighted(rng: random.Random, weights: dict[_Choice, int]) -> _Choice:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _moment(day: date, rng: random.Random) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(rng.randint(9, 16), rng.randint(0, 59))))


def _business_day_after(day: date, days: int, calendar: deadlines.BusinessCalendar) -> date:
    target = day + timedelta(days=days)
    while not calendar.is_business_day(target):
        target += timedelta(days=1)
    return target


def generate_cases(
    *,
    count: int,
    start: date,
    end: date,
    people: People,
    queues: dict[str, Queue],
    rng: random.Random,
    today: date | None = None,
    first_number: int = 1,
    batch_size: int = 2000,
) -> Iterator[tuple[list[DataSubjectRequest], list[tuple[int, RequestEvent]]]]:
    """Yield batches of unsaved cases and their timeline events (event.dsr set by index in the batch)."""
    today = today or timezone.localdate()
    calendar = deadlines.current_calendar()
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    day_weights = [MONTH_WEIGHTS[d.month] * (0.3 if d.weekday() >= 5 else 1.0) for d in days]
    number = first_number
    produced = 0
    while produced < count:
        cases: list[DataSubjectRequest] = []
        events: list[tuple[int, RequestEvent]] = []
        for _index in range(min(batch_size, count - produced)):
            received_day = rng.choices(days, weights=day_weights)[0]
            case, case_events = _one_case(received_day, number, people, queues, rng, today, calendar)
            events.extend((len(cases), event) for event in case_events)
            cases.append(case)
            number += 1
        produced += len(cases)
        yield cases, events


def _one_case(
    received_day: date,
    number: int,
    people: People,
    queues: dict[str, Queue],
    rng: random.Random,
    today: date,
    calendar: deadlines.BusinessCalendar,
) -> tuple[DataSubjectRequest, list[RequestEvent]]:
    kind = _weighted(rng, KIND_WEIGHTS)
    my_number = kind == RequestKind.MY_NUMBER_INQUIRY
    queue = queues[Queue.MY_NUMBER if my_number else Queue.GA]
    handler = rng.choice(people.officers if my_number else people.handlers)
    approver = people.officer_approver if my_number else people.approver
    received_at = _moment(received_day, rng)
    agent = rng.random() < 0.07 and not my_number
    dsr = DataSubjectRequest(
        reference=f"{queue.reference_prefix}-{fiscal_year(received_day)}-D{number:05d}",
        kind=kind,
        queue=queue,
        member_id=rng.choice(people.members),
        channel=rng.choices([Channel.PORTAL, Channel.POST, Channel.COUNTER], weights=[80, 15, 5])[0],
        requester_type=RequesterType.APPOINTED_AGENT if agent else RequesterType.SELF,
        agent_name="代理 花子" if agent else "",
        summary=DEMO_MARK + rng.choice(SUMMARIES[kind]),
        description="デモ用に生成した履歴データです。",
        details={"demo_history": True},
        received_at=received_at,
        complete_at=received_at,
        assignee=handler,
        identity_method=IdentityMethod.REAUTH,
        identity_result=IdentityResult.VERIFIED,
        identity_verified_at=received_at + timedelta(hours=rng.randint(1, 30)),
        identity_verified_by=handler,
        id_doc_type="",
    )
    if agent:
        dsr.authority_checked_at, dsr.authority_checked_by = dsr.identity_verified_at, handler
        dsr.authority_doc_type = "委任状"
        dsr.identity_method, dsr.id_doc_type = IdentityMethod.DOCUMENT, IdDocumentType.DRIVING_LICENCE
    events = [RequestEvent(at=received_at, event_type=EventType.SUBMITTED, to_status=Status.SUBMITTED)]

    paused_days = rng.randint(3, 18) if rng.random() < 0.14 else 0
    if paused_days:
        paused_at = received_at + timedelta(days=2)
        events.append(
            RequestEvent(
                at=paused_at,
                actor=handler,
                event_type=EventType.STATUS_CHANGED,
                from_status=Status.IN_REVIEW,
                to_status=Status.AWAITING_AMENDMENT,
            )
        )
        events.append(
            RequestEvent(
                at=paused_at + timedelta(days=paused_days),
                event_type=EventType.STATUS_CHANGED,
                from_status=Status.AWAITING_AMENDMENT,
                to_status=Status.IN_REVIEW,
            )
        )
    dsr.paused_days_total = paused_days
    due = deadlines.due_date_for(received_day, paused_days=paused_days, calendar=calendar)
    if rng.random() < 0.06:
        extended = calendar.on_or_before(due + timedelta(days=rng.randint(10, 30)))
        dsr.extended_due_date, dsr.extension_reason = extended, "デモ：調査対象の記録が多いため"
        dsr.extended_at, dsr.extended_by = _moment(due - timedelta(days=3), rng), handler
        events.append(RequestEvent(at=dsr.extended_at, actor=handler, event_type=EventType.EXTENDED))
        due = extended
    dsr.due_date = due

    # Most answers come well inside the target; some slip past it.
    late = rng.random() < 0.1
    working_days = (due - received_day).days + (rng.randint(1, 12) if late else -rng.randint(0, 9))
    decided_day = _business_day_after(received_day, max(working_days, 1), calendar)
    # A few recent cases got stuck in review: they show up as overdue on the dashboard.
    stuck = 0 < (today - received_day).days <= 45 and rng.random() < 0.08
    if stuck:
        dsr.status = Status.IN_REVIEW
        return dsr, events
    if decided_day > today:
        dsr.status = rng.choice(OPEN_STAGES) if (today - received_day).days > 2 else Status.VERIFYING
        if dsr.status == Status.VERIFYING:
            dsr.identity_result, dsr.identity_verified_at, dsr.identity_method = "", None, ""
        elif dsr.status in (Status.AWAITING_APPROVAL, Status.DECIDED):
            _decide(dsr, kind, handler, approver, _moment(today, rng), rng, draft_only=dsr.status != Status.DECIDED)
        return dsr, events

    decided_at = _moment(decided_day, rng)
    outcome = _decide(dsr, kind, handler, approver, decided_at, rng)
    if outcome == "withdrawn":
        dsr.status, dsr.closed_at = Status.WITHDRAWN, decided_at
    elif outcome == "rejected":
        dsr.status, dsr.closed_at = Status.REJECTED, decided_at
        dsr.identity_result = IdentityResult.NOT_VERIFIED
    else:
        closed_day = _business_day_after(decided_day, rng.randint(1, 4), calendar)
        dsr.status = Status.CLOSED if closed_day <= today else Status.NOTIFIED
        dsr.closed_at = _moment(closed_day, rng) if closed_day <= today else None
    events.append(
        RequestEvent(
            at=dsr.closed_at or decided_at,
            actor=handler,
            event_type=EventType.STATUS_CHANGED,
            from_status=Status.IN_REVIEW,
            to_status=dsr.status,
        )
    )
    return dsr, events


def _decide(
    dsr: DataSubjectRequest,
    kind: RequestKind,
    handler: User,
    approver: User,
    at: datetime,
    rng: random.Random,
    draft_only: bool = False,
) -> str:
    choices = OUTCOMES[kind]
    decision, ground, _weight = rng.choices(choices, weights=[c[2] for c in choices])[0]
    if decision in ("withdrawn", "rejected"):
        dsr.decision = Decision.WITHDRAWN if decision == "withdrawn" else Decision.IDENTITY_NOT_VERIFIED
        return decision
    dsr.decision, dsr.decision_ground = decision, ground
    dsr.decision_reason = "デモ：理由の記載" if ground else ""
    dsr.drafted_by, dsr.drafted_at = handler, at - timedelta(hours=rng.randint(2, 30))
    if not draft_only:
        dsr.approved_by, dsr.approved_at = approver, at
    return decision


def demo_people() -> People:
    def staff(local: str) -> User:
        user = User.objects.filter(email=f"{local}@{DEMO_DOMAIN}").first()
        if user is None:
            raise CommandError("Run `manage.py seed_demo` first: the demo staff accounts are missing.")
        return user

    members = list(Member.objects.order_by("member_number").values_list("pk", flat=True)[:50])
    if not members:
        raise CommandError("Run `manage.py seed_demo` first: there are no members.")
    return People(
        handlers=[staff("ga-staff"), staff("ga-staff2")],
        approver=staff("ga-supervisor"),
        officers=[staff("mynumber-officer")],
        officer_approver=staff("mynumber-officer2"),
        members=members,
    )


def save_batch(cases: list[DataSubjectRequest], events: list[tuple[int, RequestEvent]]) -> None:
    """bulk_create a generated batch and its events (PostgreSQL and SQLite both return the ids)."""
    DataSubjectRequest.objects.bulk_create(cases, batch_size=1000)
    for index, event in events:
        event.dsr = cases[index]
    RequestEvent.objects.bulk_create([event for _index, event in events], batch_size=2000)


class Command(BaseCommand):
    help = "ダッシュボード用に、デモの処理履歴（約1年分、【デモ】と表示）を作成します（作成済みなら何もしません）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=900, help="number of historical cases (default 900)")
        parser.add_argument("--seed", type=int, default=20260401, help="random seed (the same seed, the same data)")

    def handle(self, *args: str, **options: Any) -> None:
        if DataSubjectRequest.objects.filter(details__demo_history=True).exists():
            self.stdout.write("Demo history already present; nothing to do.")
            return
        rng = random.Random(options["seed"])  # noqa: S311 - demo data, reproducible on purpose
        people = demo_people()
        queues = {queue.code: queue for queue in Queue.objects.all()}
        today = timezone.localdate()
        with transaction.atomic():
            for cases, events in generate_cases(
                count=int(options["count"]),
                start=today - timedelta(days=395),
                end=today - timedelta(days=1),
                people=people,
                queues=queues,
                rng=rng,
                today=today,
            ):
                save_batch(cases, events)
            old = self._old_closed_cases(people, queues, rng, today)
            try:
                self._retention_examples(people, rng, today)
            except ImproperlyConfigured as exc:
                # Private storage unusable (e.g. a malformed DSR_FILE_ENCRYPTION_KEY): the figures
                # do not need files, so go on without the example uploads.
                self.stderr.write(f"Skipped the example identity-evidence files: {exc}")
        total = DataSubjectRequest.objects.filter(details__demo_history=True).count()
        self.stdout.write(self.style.SUCCESS(f"Demo history created: {total} cases ({old} past the retention period)."))

    def _old_closed_cases(self, people: People, queues: dict[str, Queue], rng: random.Random, today: date) -> int:
        """A few cases closed more than three years ago: the next purge would remove them."""
        years_ago = date(today.year - 4, 1, 10)
        batches = generate_cases(
            count=4,
            start=years_ago,
            end=years_ago + timedelta(days=150),
            people=people,
            queues=queues,
            rng=rng,
            today=years_ago + timedelta(days=330),
            first_number=90001,
        )
        for cases, events in batches:
            for case in cases:
                if case.status not in (Status.CLOSED, Status.WITHDRAWN, Status.REJECTED):
                    case.status = Status.CLOSED
                    case.closed_at = case.received_at + timedelta(days=20)
            save_batch(cases, events)
            return len(cases)
        return 0

    def _retention_examples(self, people: People, rng: random.Random, today: date) -> None:
        """Identity-evidence files on verified demo cases, and one upload never submitted."""
        owner = User.objects.filter(email=f"member@{DEMO_DOMAIN}").first() or people.handlers[0]
        verified = (
            DataSubjectRequest.objects.filter(
                details__demo_history=True,
                identity_result=IdentityResult.VERIFIED,
                identity_verified_at__lt=timezone.now() - timedelta(days=10),
                kind__in=sorted(ART39_KINDS),
            )
            .order_by("-received_at")
            .only("pk", "received_at")[:3]
        )
        for dsr in verified:
            self._document(owner, dsr, DocumentCategory.IDENTITY, dsr.received_at)
        self._document(owner, None, DocumentCategory.IDENTITY, timezone.now() - timedelta(days=2))

    def _document(self, owner: User, dsr: DataSubjectRequest | None, category: str, at: datetime) -> None:
        content = b"demo identity evidence (not a real document)\n"
        Document.objects.create(
            dsr=dsr,
            owner=owner,
            category=category,
            original_name="本人確認書類_デモ.pdf",
            content_type="application/pdf",
            size_bytes=len(content),
            sha256=storage.sha256_hex(content),
            storage_name=storage.save(content),
            uploaded_at=at,
        )
