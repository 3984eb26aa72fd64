"""Deadline reminders for incident reports, derived from the incidents by a periodic sweep.

Before each deadline the owner and the people who approve the incident's reports (the
personal-information manager; the My Number officers for a My Number incident) get one
reminder; when a deadline is missed they get one escalation. Exactly once: every reminder is an
`IncidentReminder` row unique on (incident, kind, due date, recipient), and only a row the
sweep created is mailed. A moved deadline (a corrected 知った日) is a new date, so a new reminder.
"""

import enum
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from requests_portal.incidents.permissions import Can, people_who_can
from requests_portal.models import Incident, IncidentReminder, IncidentStatus, OutboundMail, User
from requests_portal.outbox import mail_enqueue
from requests_portal.wareki import format_wareki


class IncidentReminderKind(enum.StrEnum):
    PRELIMINARY_SOON = "preliminary_soon"
    PRELIMINARY_MISSED = "preliminary_missed"
    FINAL_SOON = "final_soon"
    FINAL_MISSED = "final_missed"


# How many days before a deadline its reminder goes out.
WARN_BEFORE = {IncidentReminderKind.PRELIMINARY_SOON: 1, IncidentReminderKind.FINAL_SOON: 7}


@dataclass(frozen=True)
class Due:
    kind: IncidentReminderKind
    due_date: date


def reminders_due(incident: Incident, today: date) -> list[Due]:
    """The reminders an incident calls for today (pure: no database)."""
    if not incident.is_reportable or incident.status == IncidentStatus.CLOSED:
        return []
    # The three dates are set together when an assessment finds the incident reportable.
    if incident.preliminary_due is None or incident.preliminary_latest is None or incident.final_due is None:
        return []
    found = []
    if incident.preliminary_sent_on is None:
        if today > incident.preliminary_latest:
            found.append(Due(IncidentReminderKind.PRELIMINARY_MISSED, incident.preliminary_latest))
        elif today >= incident.preliminary_due - timedelta(days=WARN_BEFORE[IncidentReminderKind.PRELIMINARY_SOON]):
            found.append(Due(IncidentReminderKind.PRELIMINARY_SOON, incident.preliminary_due))
    if incident.final_sent_on is None:
        if today > incident.final_due:
            found.append(Due(IncidentReminderKind.FINAL_MISSED, incident.final_due))
        elif today >= incident.final_due - timedelta(days=WARN_BEFORE[IncidentReminderKind.FINAL_SOON]):
            found.append(Due(IncidentReminderKind.FINAL_SOON, incident.final_due))
    return found


def _approvers(is_my_number: bool) -> list[User]:
    return list(people_who_can(Can.APPROVE, is_my_number=is_my_number).order_by("pk"))


def incident_reminder_sweep(*, today: date | None = None) -> int:
    """Create and mail the reminders due today; returns how many were created now."""
    today = today or timezone.localdate()
    approvers = {flag: _approvers(flag) for flag in (False, True)}
    created = 0
    open_incidents = Incident.objects.filter(is_reportable=True, final_due__isnull=False).exclude(
        status=IncidentStatus.CLOSED
    )
    for incident in open_incidents.select_related("owner"):
        for due in reminders_due(incident, today):
            recipients = {incident.owner_id: incident.owner} if incident.owner.is_active else {}
            recipients |= {person.pk: person for person in approvers[incident.is_my_number]}
            for recipient in recipients.values():
                created += _remind(incident, due, recipient)
    return created


def _remind(incident: Incident, due: Due, recipient: User) -> int:
    key = {"incident": incident, "kind": due.kind, "due_date": due.due_date, "recipient": recipient}
    if IncidentReminder.objects.filter(**key).exists():
        return 0
    try:
        with transaction.atomic():
            reminder = IncidentReminder.objects.create(
                incident=incident, kind=due.kind, due_date=due.due_date, recipient=recipient
            )
            mail = mail_enqueue(
                key=f"incident_reminder:{reminder.pk}",
                template="incident_reminder",
                context={
                    "incident": incident,
                    "kind": str(due.kind),
                    "missed": due.kind in (IncidentReminderKind.PRELIMINARY_MISSED, IncidentReminderKind.FINAL_MISSED),
                    "final": due.kind in (IncidentReminderKind.FINAL_SOON, IncidentReminderKind.FINAL_MISSED),
                    "due_wareki": format_wareki(due.due_date),
                    "due_date": due.due_date,
                    "path": reverse("requests_portal:incident_detail", args=[incident.public_id]),
                },
                to_user=recipient,
            )
            if mail is not None:
                if incident.is_my_number:
                    OutboundMail.objects.filter(pk=mail.pk).update(restricted=True)
                reminder.mail = mail
                reminder.save(update_fields=["mail"])
    except IntegrityError:  # another sweep wrote this reminder first
        return 0
    return 1
