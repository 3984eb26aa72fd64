"""Deadline reminders, derived from case state by a periodic sweep (docs/reliability.md#reminders).

Who is reminded of what:
- the assignee, 3 and 1 business days before the target date and on the date itself
  (only the latest step reached is sent, so a sweep that was down for days sends one
  reminder, not a backlog of stale ones; cases paused for 補正 are skipped);
- the supervisors of the case's queue (whoever holds the approval permission on it), every
  business day once the target date has passed without an answer;
- the same supervisors once, when the Art. 39 two-week mark from arrival has passed and no
  decision has been approved;
- the member, 7 days into a 補正 wait, and (only when the co-op enables automatic
  withdrawal, DSR_AMENDMENT_AUTO_WITHDRAW_DAYS) a few days before the wait expires.

Exactly once: every reminder is a `Reminder` row whose unique key is (case, kind, date,
recipient). The `date` is the target date for T−n reminders, the Art. 39 mark, the day a
補正 reminder falls due, and the day itself for the daily overdue reminder. Rows are
inserted with ON CONFLICT DO NOTHING RETURNING, so the sweep learns exactly which rows it
created; only those are mailed. A PostgreSQL advisory lock keeps overlapping sweeps from
doing the work twice, and the key makes them harmless even without it.

One mail per recipient per sweep: the new rows are grouped by recipient into a digest.
Staff digests name cases by 受付番号 only, never the member. Recipients come from the
queue permissions the visibility selector uses, so a My Number case is only ever in an
officer's digest.

The sweep runs a fixed number of queries whatever the number of cases (batched writes add
one statement per several thousand rows). A digest lists the first 50 cases of each
section and counts the rest, so even a large backlog makes a readable mail.
"""

import enum
import logging
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Subquery, Value, When
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from requests_portal import selectors
from requests_portal.deadlines import ART39_DAYS, BusinessCalendar, current_calendar
from requests_portal.models import (
    ART39_KINDS,
    UNANSWERED_STATUSES,
    Channel,
    DataSubjectRequest,
    EventType,
    Message,
    Reminder,
    RequestEvent,
    RequestKind,
    Status,
    User,
)
from requests_portal.notifications import recipient_login_id, routes_to_agent
from requests_portal.outbox import MailSpec, mail_enqueue_many
from requests_portal.roles import STAFF_ROLES, Access
from requests_portal.services import dsr_withdraw
from requests_portal.wareki import format_wareki

logger = logging.getLogger(__name__)

# An arbitrary constant naming this sweep's lock among the database's advisory locks.
_ADVISORY_LOCK_KEY = 7_410_132_004
AMENDMENT_WAIT_DAYS = 7
# A digest lists this many cases per section; the rest are counted ("ほか N 件").
DIGEST_ENTRIES_PER_SECTION = 50


def _rows_per_statement(params_per_row: int) -> int:
    """Rows per batched statement within the driver's parameter limit (PostgreSQL 65,535;
    SQLite 32,766), so the sweep's statement count grows only by one per several thousand rows."""
    limit = 60_000 if connection.vendor == "postgresql" else 30_000
    return max(limit // params_per_row, 1)


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class ReminderKind(enum.StrEnum):
    DUE_IN_3 = "due_t-3"
    DUE_IN_1 = "due_t-1"
    DUE_TODAY = "due_t0"
    OVERDUE = "overdue"
    ART39 = "art39"
    AMENDMENT_WAIT = "amendment_wait"
    AMENDMENT_CLOSING = "amendment_closing"


STAFF_KINDS = (
    ReminderKind.DUE_TODAY,
    ReminderKind.DUE_IN_1,
    ReminderKind.DUE_IN_3,
    ReminderKind.OVERDUE,
    ReminderKind.ART39,
)
MEMBER_KINDS = (ReminderKind.AMENDMENT_WAIT, ReminderKind.AMENDMENT_CLOSING)
# A paused case (補正待ち) is not running against its target date.
_RUNNING = sorted(UNANSWERED_STATUSES - {Status.AWAITING_AMENDMENT})


@dataclass(frozen=True)
class SweepResult:
    reminders: int
    mails: int
    skipped: bool = False


@dataclass(frozen=True)
class _Candidate:
    dsr_id: int
    kind: str
    due_date: date
    recipient_id: int


# --- who may be told about which case -------------------------------------------------------


def _is_role_holder(user_ref: str) -> Exists:
    return Exists(User.groups.through.objects.filter(user_id=OuterRef(user_ref), group__name__in=STAFF_ROLES))


def queue_holders(access: Access) -> dict[int, set[int]]:
    """Queue id → active staff who hold `access` on it: the visibility rule's own answer
    (selectors.queue_holders), so a My Number case is only ever in an officer's digest."""
    return selectors.queue_holders(access)


# --- candidates -------------------------------------------------------------------------------


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _due_step(due: date, today: date, calendar: BusinessCalendar) -> str | None:
    """The latest T−n step reached on `today` for a target date `due` (today ≤ due)."""
    if today >= due:
        return ReminderKind.DUE_TODAY
    if today >= calendar.subtract_business_days(due, 1):
        return ReminderKind.DUE_IN_1
    if today >= calendar.subtract_business_days(due, 3):
        return ReminderKind.DUE_IN_3
    return None


def _assignee_candidates(today: date, calendar: BusinessCalendar, handlers: dict[int, set[int]]) -> list[_Candidate]:
    horizon = calendar.add_business_days(today, 3)
    rows = list(
        DataSubjectRequest.objects.filter(
            status__in=_RUNNING, assignee__isnull=False, due_date__gte=today, due_date__lte=horizon
        ).values_list("id", "assignee_id", "queue_id", "due_date")
    )
    # An assignee may also work a single case through an individual grant (never a My Number one).
    granted = selectors.case_grant_holders([row[0] for row in rows])
    steps: dict[date, str | None] = {}
    candidates = []
    for dsr_id, assignee_id, queue_id, due in rows:
        if due not in steps:
            steps[due] = _due_step(due, today, calendar)
        step = steps[due]
        if step is None:
            continue
        may_work = assignee_id in handlers.get(queue_id, ()) or (dsr_id, assignee_id) in granted
        if may_work:
            candidates.append(_Candidate(dsr_id, step, due, assignee_id))
    return candidates


def _supervisor_candidates(today: date, calendar: BusinessCalendar, approvers: dict[int, set[int]]) -> list[_Candidate]:
    candidates = []
    if calendar.is_business_day(today):
        overdue = (
            DataSubjectRequest.objects.filter(status__in=_RUNNING, due_date__lt=today)
            .exclude(Exists(Reminder.objects.filter(dsr=OuterRef("pk"), kind=ReminderKind.OVERDUE, due_date=today)))
            .values_list("id", "queue_id")
        )
        for dsr_id, queue_id in overdue:
            candidates += [
                _Candidate(dsr_id, ReminderKind.OVERDUE, today, user) for user in approvers.get(queue_id, ())
            ]
    # Art. 39: arrival + 14 days has passed (arrival day not counted) and nothing is decided.
    passed = (
        DataSubjectRequest.objects.open()
        .filter(
            kind__in=sorted(ART39_KINDS),
            received_at__lt=_local_midnight(today - timedelta(days=ART39_DAYS)),
        )
        .exclude(Exists(Reminder.objects.filter(dsr=OuterRef("pk"), kind=ReminderKind.ART39)))
        .values_list("id", "queue_id", "received_at")
    )
    for dsr_id, queue_id, received_at in passed:
        mark = timezone.localdate(received_at) + timedelta(days=ART39_DAYS)
        candidates += [_Candidate(dsr_id, ReminderKind.ART39, mark, user) for user in approvers.get(queue_id, ())]
    return candidates


def _latest_reply_due() -> Subquery:
    return Subquery(
        Message.objects.filter(dsr=OuterRef("pk"), reply_due_date__isnull=False)
        .order_by("-created_at", "-id")
        .values("reply_due_date")[:1]
    )


def _member_login() -> Subquery:
    return Subquery(User.objects.filter(member_id=OuterRef("member_id"), is_active=True).values("id")[:1])


def _member_candidates(today: date) -> list[_Candidate]:
    waiting = (
        DataSubjectRequest.objects.filter(status=Status.AWAITING_AMENDMENT, paused_at__isnull=False)
        .annotate(
            filer_is_staff=_is_role_holder("filed_by_id"),
            login=_member_login(),
            reply_due=_latest_reply_due(),
        )
        .values_list(
            "id",
            "paused_at",
            "channel",
            "filed_by_id",
            "filed_by__is_active",
            "filer_is_staff",
            "login",
            "reply_due",
            "requester_type",
            "agent_name",
            "letters_to_member",
        )
    )
    withdraw_after = int(settings.DSR_AMENDMENT_AUTO_WITHDRAW_DAYS)
    notice_days = int(settings.DSR_AMENDMENT_CLOSING_NOTICE_DAYS)
    candidates = []
    for row in waiting:
        dsr_id, paused_at, channel, filed_by_id, filer_active, filer_is_staff, login, reply_due = row[:8]
        requester_type, agent_name, letters_to_member = row[8:]
        # The one recipient rule (notifications.case_recipient), applied to the row.
        recipient = recipient_login_id(
            to_agent=routes_to_agent(
                requester_type=requester_type, agent_name=agent_name, letters_to_member=letters_to_member
            ),
            filed_online=channel == Channel.PORTAL,
            filer_id=filed_by_id,
            filer_is_outsider=bool(filer_active) and not filer_is_staff,
            member_login_id=login,
        )
        if recipient is None:
            continue  # no portal login (a paper request): the 補正 letter went by post
        nudge_on = timezone.localdate(paused_at) + timedelta(days=AMENDMENT_WAIT_DAYS)
        if today >= nudge_on:
            candidates.append(_Candidate(dsr_id, ReminderKind.AMENDMENT_WAIT, nudge_on, recipient))
        if withdraw_after > 0 and reply_due is not None:
            closes_on = reply_due + timedelta(days=withdraw_after)
            if closes_on - timedelta(days=notice_days) <= today < closes_on:
                candidates.append(_Candidate(dsr_id, ReminderKind.AMENDMENT_CLOSING, closes_on, recipient))
    return candidates


# --- writing -------------------------------------------------------------------------------------


def _try_lock() -> bool:
    """Take the sweep's transaction-scoped advisory lock (PostgreSQL); True if this sweep may run."""
    if connection.vendor != "postgresql":
        return True  # SQLite serialises writers anyway (the demo); the unique key does the rest
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
        return bool(cursor.fetchone()[0])


def _insert_new(candidates: list[_Candidate], stamp: datetime) -> list[tuple[int, int, str, date, int]]:
    """Insert the rows that do not exist yet; return (id, dsr_id, kind, due_date, recipient_id) of
    exactly the rows this statement inserted (ON CONFLICT DO NOTHING … RETURNING)."""
    table = connection.ops.quote_name(Reminder._meta.db_table)
    inserted = []
    unique = list(dict.fromkeys(candidates))
    with connection.cursor() as cursor:
        for batch in _chunks(unique, _rows_per_statement(5)):
            values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(batch))
            params: list[int | str | None] = []
            created_at = connection.ops.adapt_datetimefield_value(stamp)
            for c in batch:
                params += [
                    c.dsr_id,
                    c.kind,
                    connection.ops.adapt_datefield_value(c.due_date),
                    c.recipient_id,
                    created_at,
                ]
            cursor.execute(
                f"INSERT INTO {table} (dsr_id, kind, due_date, recipient_id, created_at) VALUES {values} "  # noqa: S608 - table name from the model, values are parameters
                "ON CONFLICT (dsr_id, kind, due_date, recipient_id) DO NOTHING "
                "RETURNING id, dsr_id, kind, due_date, recipient_id",
                params,
            )
            inserted += cursor.fetchall()
    # SQLite returns dates as text.
    return [(i, d, k, due if isinstance(due, date) else date.fromisoformat(due), r) for i, d, k, due, r in inserted]


def _case_url(name: str, public_id: object, fallback: str) -> str:
    try:
        return settings.DSR_SITE_URL + reverse(f"requests_portal:{name}", args=[public_id])
    except NoReverseMatch:
        return settings.DSR_SITE_URL + fallback


def reminder_sweep(*, now: datetime | None = None) -> SweepResult:
    """Create the reminders due now, once each, and queue one digest mail per recipient."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if timezone.localtime(now).hour < settings.DSR_REMINDER_FROM_HOUR:
        return SweepResult(0, 0)  # nobody wants a deadline mail at 3 a.m.; the next sweep sends it
    with transaction.atomic():
        if not _try_lock():
            logger.info("reminder sweep skipped: another sweep holds the lock")
            return SweepResult(0, 0, skipped=True)
        calendar = current_calendar()
        candidates = [
            *_assignee_candidates(today, calendar, queue_holders(Access.HANDLE)),
            *_supervisor_candidates(today, calendar, queue_holders(Access.APPROVE)),
            *_member_candidates(today),
        ]
        created = _insert_new(candidates, now)
        if not created:
            return SweepResult(0, 0)
        mails = _send_digests(created, today)
    logger.info("reminder sweep: %s reminders in %s digests", len(created), mails)
    return SweepResult(len(created), mails)


def _send_digests(created: list[tuple[int, int, str, date, int]], today: date) -> int:
    cases: dict[int, Mapping[str, Any]] = {}
    for ids in _chunks(sorted({c[1] for c in created}), _rows_per_statement(1)):
        rows = (
            DataSubjectRequest.objects.filter(id__in=ids)
            .annotate(reply_due=_latest_reply_due())
            .values("id", "public_id", "reference", "kind", "due_date", "queue__is_restricted", "reply_due")
        )
        cases.update((row["id"], row) for row in rows)
    users = {user.pk: user for user in User.objects.filter(id__in={c[4] for c in created})}
    kind_labels = dict(RequestKind.choices)
    digests: dict[tuple[int, str], list[dict]] = defaultdict(list)
    for _reminder_id, dsr_id, kind, due_date, recipient_id in created:
        case = cases[dsr_id]
        audience = "member" if kind in MEMBER_KINDS else "staff"
        digests[(recipient_id, audience)].append(
            {
                "kind": kind,
                "date": due_date,
                "case": case,
                "restricted": case["queue__is_restricted"] or case["kind"] == RequestKind.MY_NUMBER_INQUIRY,
            }
        )
    specs, mail_for = [], {}
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
    for (recipient_id, audience), entries in digests.items():
        user = users.get(recipient_id)
        if user is None:
            continue
        key = f"reminders:{recipient_id}:{audience}:{stamp}"
        mail_for[key] = recipient_id
        specs.append(
            MailSpec(
                key=key,
                template=f"reminder_{audience}",
                to_user=user,
                context={
                    "recipient": user,
                    "today": today,
                    "count": len(entries),
                    "sections": _sections(entries, audience, kind_labels),
                    "withdraw_after": settings.DSR_AMENDMENT_AUTO_WITHDRAW_DAYS,
                },
                restricted=any(e["restricted"] for e in entries),
            )
        )
    mail_ids = mail_enqueue_many(specs)
    # Each recipient's new reminders point at that recipient's digest: one CASE on the
    # recipient per batch of rows, rather than one branch per row.
    mail_by_recipient = {mail_for[key]: mail_id for key, mail_id in mail_ids.items()}
    if mail_by_recipient:
        case_on_recipient = Case(
            *(When(recipient_id=recipient, then=Value(mail)) for recipient, mail in mail_by_recipient.items()),
            default=Value(None),
            output_field=IntegerField(),
        )
        for ids in _chunks([c[0] for c in created if c[4] in mail_by_recipient], _rows_per_statement(1)):
            Reminder.objects.filter(id__in=ids).update(mail_id=case_on_recipient)
    RequestEvent.objects.bulk_create(
        [
            RequestEvent(
                dsr_id=dsr_id,
                actor=None,
                event_type=EventType.REMINDER,
                member_visible=kind in MEMBER_KINDS,
                extra={"kind": kind, "date": due_date.isoformat(), "recipient_id": recipient_id},
            )
            for _id, dsr_id, kind, due_date, recipient_id in created
        ],
        batch_size=_rows_per_statement(9) if connection.vendor == "postgresql" else None,
    )
    return len(mail_ids)


def _sections(entries: list[dict], audience: str, kind_labels: dict) -> list[dict]:
    """The digest's sections in a fixed order, each listing its first cases and counting the rest."""
    sections = []
    for kind in MEMBER_KINDS if audience == "member" else STAFF_KINDS:
        of_kind = sorted((e for e in entries if e["kind"] == kind), key=lambda e: (e["case"]["due_date"], e["date"]))
        if not of_kind:
            continue
        listed = []
        for entry in of_kind[:DIGEST_ENTRIES_PER_SECTION]:
            case = entry["case"]
            listed.append(
                {
                    "reference": case["reference"],
                    "request_kind": kind_labels.get(case["kind"], ""),
                    "due_date": case["due_date"],
                    "reply_due": case["reply_due"],
                    "date": entry["date"],
                    "url": _case_url(
                        "member_dsr_detail" if audience == "member" else "staff_dsr_detail",
                        case["public_id"],
                        "/member/" if audience == "member" else "/staff/",
                    ),
                }
            )
        sections.append({"kind": kind, "entries": listed, "more": len(of_kind) - len(listed)})
    return sections


# --- expiry of 補正 waits (policy; off by default) -------------------------------------------------


def amendment_expiry_sweep(*, now: datetime | None = None) -> int:
    """Withdraw 補正 waits whose reply date passed DSR_AMENDMENT_AUTO_WITHDRAW_DAYS ago (0 = never).

    Each withdrawal goes through the workflow (one transaction per case, the system as actor),
    so the member gets the usual withdrawal mail and the timeline shows why.
    """
    days = int(settings.DSR_AMENDMENT_AUTO_WITHDRAW_DAYS)
    if days <= 0:
        return 0
    today = timezone.localdate(now or timezone.now())
    expired = list(
        DataSubjectRequest.objects.filter(status=Status.AWAITING_AMENDMENT)
        .annotate(reply_due=_latest_reply_due())
        .filter(Q(reply_due__lte=today - timedelta(days=days)))
        .select_related("queue", "member")
    )
    withdrawn = 0
    for dsr in expired:
        try:
            dsr_withdraw(
                dsr=dsr,
                actor=None,
                reason=f"補正のお願いへのご回答の期限（{format_wareki(dsr.reply_due)}）から{days}日を経過したため、"
                "取り下げられたものとして取り扱いました。",
            )
        except Exception:
            logger.exception("could not withdraw case %s after its 補正 wait expired", dsr.pk)
            continue
        withdrawn += 1
    return withdrawn
