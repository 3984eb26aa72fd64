"""Celery tasks: thin wrappers that take ids, call a service and decide about retries.

Every task checks the database state first, so running one twice is harmless. Tasks are
queued only after the transaction that needs them commits (`queueing.enqueue_on_commit`,
which rings them by the pinned names below: tasks import services, never the reverse); the
database row is the work and the message only a doorbell, so a lost message (Redis
restarted, worker killed) is found again by the sweeps below.
"""

import logging

from celery import Task, shared_task

from requests_portal import audit, dashboard_summary, health, outbox, reminders
from requests_portal.letters import services as letters
from requests_portal.letters.renderer import LetterContentError
from requests_portal.models import Letter
from requests_portal.retention import DisposalCategory, retention_purge
from requests_portal.services import grants

logger = logging.getLogger(__name__)


# --- letters ------------------------------------------------------------------


@shared_task(
    name="requests_portal.letter_render",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=60,
    time_limit=90,
    max_retries=None,  # the letter row counts the attempts (DSR_LETTER_MAX_ATTEMPTS)
)
def letter_render_task(self: Task[[int], str], letter_id: int) -> str:
    while True:
        try:
            return letters.letter_render(letter_id=letter_id)
        except LetterContentError as exc:
            # The same content would fail again: fail now and let staff see why.
            letters.letter_record_failure(letter_id=letter_id, error=str(exc), permanent=True)
            return "failed"
        except Exception as exc:  # transient (database, disk, time limit): retry with backoff
            error = f"{type(exc).__name__}: {exc}"
            if letters.letter_record_failure(letter_id=letter_id, error=error, permanent=False):
                return "failed"
            if not self.request.is_eager:
                attempts = Letter.objects.filter(pk=letter_id).values_list("attempts", flat=True).first() or 1
                raise self.retry(countdown=letters.retry_delay(attempts).total_seconds(), exc=exc) from exc
            # Run in-process (the embedded demo, tests): there is no broker to schedule the
            # retry, so try again now; the attempt count still ends it.


@shared_task(name="requests_portal.letter_sweep")
def letter_sweep_task() -> int:
    """Ring the render task again for PENDING letters whose message was lost or is overdue."""
    count = letters.letter_sweep()
    health.record_sweep_run("letters", count)
    return count


# --- mail -----------------------------------------------------------------------


@shared_task(
    name="requests_portal.outbound_mail_send",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=50,
    time_limit=60,
)
def outbound_mail_send_task(mail_id: int) -> bool:
    """Deliver one outbox row (a failure is recorded on the row; the sweep retries with backoff)."""
    return outbox.mail_send(mail_id=mail_id)


@shared_task(name="requests_portal.outbox_sweep")
def outbox_sweep_task() -> int:
    """Ring the send task again for every unsent mail that is due (lost messages, failures)."""
    count = outbox.outbox_sweep()
    health.record_sweep_run("outbox", count)
    return count


# --- reminders ----------------------------------------------------------------------


@shared_task(name="requests_portal.reminder_sweep", soft_time_limit=240, time_limit=300)
def reminder_sweep_task() -> int:
    """Create the deadline reminders due now and queue one digest mail per recipient."""
    created = reminders.reminder_sweep().reminders
    # Also when another sweep held the lock: the worker and beat are alive either way.
    health.record_sweep_run("reminders", created)
    return created


@shared_task(name="requests_portal.amendment_expiry_sweep", soft_time_limit=240, time_limit=300)
def amendment_expiry_task() -> int:
    """Treat 補正 waits past the policy's limit as withdrawn (only when the co-op enables it)."""
    count = reminders.amendment_expiry_sweep()
    health.record_sweep_run("amendment_expiry", count)
    return count


# --- audit ------------------------------------------------------------------------------


@shared_task(name="requests_portal.audit_anchor")
def audit_anchor_task() -> int | None:
    """Append the audit chain head to the anchor file outside the database."""
    head = audit.write_anchor()
    return head[0] if head else None


@shared_task(name="requests_portal.unattached_uploads_purge")
def unattached_uploads_purge_task() -> int:
    """Delete wizard uploads never attached to a submitted case, once their grace period is over.

    The nightly retention purge applies the same rule; this hourly run keeps ID images that were
    never submitted from lingering for most of a day.
    """
    result = retention_purge(job_label="unattached_uploads_purge", categories={DisposalCategory.UNATTACHED_UPLOAD})
    return result.total


# --- role grants ------------------------------------------------------------------------------


@shared_task(name="requests_portal.role_grants_expire")
def role_grants_expire_task() -> int:
    """End the role grants whose end date has passed (hourly from beat; a repeated run ends nothing twice)."""
    return grants.role_grants_expire()


# --- dashboard --------------------------------------------------------------------------------


@shared_task(name="requests_portal.dashboard_summary_sweep", soft_time_limit=1500, time_limit=1800)
def dashboard_summary_sweep_task() -> int:
    """Store the dashboard's figures of every closed month (models/dashboard.py); a repeated run
    stores the same rows again. Returns the number of rows."""
    rows = dashboard_summary.rebuild_dashboard_summary()
    health.record_sweep_run("dashboard_summary", rows)
    return rows
