"""Celery tasks: thin wrappers that take ids, call a service and decide about retries.

Every task checks the database state first, so running one twice is harmless.
"""

import logging

from celery import shared_task

from requests_portal import audit, outbox

logger = logging.getLogger(__name__)


@shared_task(name="requests_portal.outbound_mail_send", acks_late=True, reject_on_worker_lost=True)
def outbound_mail_send_task(mail_id: int) -> bool:
    return outbox.mail_send(mail_id=mail_id)


@shared_task(name="requests_portal.outbox_sweep")
def outbox_sweep_task() -> int:
    """Ring the send task again for every unsent mail that is due (lost messages, failures)."""
    ids = outbox.unsent_mail_ids()
    for mail_id in ids:
        outbound_mail_send_task.delay(mail_id)
    return len(ids)


@shared_task(name="requests_portal.audit_anchor")
def audit_anchor_task() -> int | None:
    """Append the audit chain head to the anchor file outside the database."""
    head = audit.write_anchor()
    return head[0] if head else None


@shared_task(name="requests_portal.unattached_uploads_purge")
def unattached_uploads_purge_task() -> int:
    """Delete wizard uploads never attached to a submitted case, once their grace period is over."""
    from requests_portal.uploads import purge_expired_unattached

    total = 0
    while purged := purge_expired_unattached():
        total += purged
    return total
