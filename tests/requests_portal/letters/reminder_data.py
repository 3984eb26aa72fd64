"""Many cases at once, for the reminder sweep at scale (bulk rows, valid for the sweep's reads)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import count
from zoneinfo import ZoneInfo

from requests_portal.deadlines import current_calendar
from requests_portal.models import DataSubjectRequest, Member, Queue, RequestKind, Status, User
from requests_portal.roles import Role
from tests.factories import MemberFactory, UserFactory, staff_user

TOKYO = ZoneInfo("Asia/Tokyo")
_references = count(1)


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=TOKYO)


@dataclass
class Staff:
    handlers: list[User]
    supervisors: list[User]
    officers: list[User]
    auditor: User
    departed: User  # was GA staff, now deactivated


def make_staff() -> Staff:
    departed = staff_user(Role.GA_STAFF)
    departed.is_active = False
    departed.save(update_fields=["is_active"])
    return Staff(
        handlers=[staff_user(Role.GA_STAFF) for _ in range(4)],
        supervisors=[staff_user(Role.GA_SUPERVISOR) for _ in range(2)],
        officers=[staff_user(Role.MY_NUMBER_OFFICER) for _ in range(2)],
        auditor=staff_user(Role.AUDITOR),
        departed=departed,
    )


RUNNING_STATUSES = (
    Status.SUBMITTED,
    Status.VERIFYING,
    Status.IN_REVIEW,
    Status.AWAITING_APPROVAL,
    Status.DECIDED,
)
STATUS_CYCLE = (*RUNNING_STATUSES, Status.AWAITING_AMENDMENT, Status.NOTIFIED, Status.CLOSED)


def make_cases(n: int, *, base: date, staff: Staff) -> list[DataSubjectRequest]:
    """`n` cases due 6–20 days after `base` (business days), in every status, some My Number, some unassigned."""
    ga, my_number = Queue.objects.get(code=Queue.GA), Queue.objects.get(code=Queue.MY_NUMBER)
    calendar = current_calendar()
    members = Member.objects.bulk_create([MemberFactory.build() for _ in range(max(n // 4, 1))])
    logins = {m.pk: UserFactory(member=m) for m in members[: len(members) // 2]}
    rows = []
    for i in range(n):
        restricted = i % 10 == 0
        kind = (
            RequestKind.MY_NUMBER_INQUIRY if restricted else (RequestKind.DISCLOSURE, RequestKind.COMPLAINT)[i % 7 == 3]
        )
        status = STATUS_CYCLE[i % len(STATUS_CYCLE)]
        due = calendar.on_or_before(base + timedelta(days=9 + i % 12))
        received = at(due - timedelta(days=14 + i % 3), 10)
        member = members[i % len(members)]
        if restricted:
            # Every third My Number case is (wrongly) assigned to GA staff, who cannot see it.
            assignee = staff.handlers[0] if i % 30 == 0 else staff.officers[i % 2]
        elif i % 17 == 0:
            assignee = None
        elif i % 23 == 0:
            assignee = staff.departed
        elif i % 29 == 0:
            assignee = staff.auditor  # may read, not work, the case: never reminded as assignee
        else:
            assignee = staff.handlers[i % 4]
        paused = at(base + timedelta(days=i % 5), 11) if status == Status.AWAITING_AMENDMENT else None
        number = next(_references)
        rows.append(
            DataSubjectRequest(
                reference=f"{'MN' if restricted else 'GA'}-2026-{number:05d}",
                kind=kind,
                queue=my_number if restricted else ga,
                member=member,
                filed_by=logins.get(member.pk),
                status=status,
                assignee=assignee,
                received_at=received,
                complete_at=received,
                due_date=due,
                paused_at=paused,
            )
        )
    return DataSubjectRequest.objects.bulk_create(rows, batch_size=500)
