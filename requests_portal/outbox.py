"""The mail outbox: rows written in the business transaction, delivered by a task.

A mail exists first as an `OutboundMail` row, committed with the change that caused it;
the send task is only the doorbell. If Redis or the worker is lost, the sweep finds the
unsent rows and rings again; if the SMTP server refuses or is down, the row keeps its
content, counts the attempt and waits for the next try with a growing delay. So an SMTP
or broker failure loses nothing, and the idempotency key means nothing is written twice.

Subjects never carry personal data (the `*_subject.txt` templates hold fixed text), every
template exists in Japanese and English, and every text is passed through the My Number
mask before it is stored.
"""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from requests_portal.models import DataSubjectRequest, OutboundMail, User
from requests_portal.mynumber import mask_my_numbers
from requests_portal.queueing import enqueue, enqueue_on_commit, waiting_messages

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
SUPPORTED_LANGUAGES = {"ja", "en"}


def _render(template: str, language: str, context: dict) -> tuple[str, str]:
    with translation.override(language):
        subject: str = render_to_string(f"requests_portal/emails/{language}/{template}_subject.txt", context)
        body = render_to_string(f"requests_portal/emails/{language}/{template}.txt", context)
    # Subjects are one line and never carry personal data; the templates guarantee the latter.
    subject = " ".join(subject.split())
    return mask_my_numbers(subject)[:200], mask_my_numbers(body)


def _language_for(to_user: User | None, language: str | None) -> str:
    language = language or (to_user.preferred_language if to_user is not None else "ja")
    return language if language in SUPPORTED_LANGUAGES else "ja"


SEND_TASK = "requests_portal.outbound_mail_send"


def _not_queued(mail_id: int) -> Callable[[], object]:
    return lambda: OutboundMail.objects.filter(pk=mail_id, sent_at__isnull=True).update(enqueued_at=None)


def _ring_on_commit(mail_ids: Sequence[int]) -> None:
    """Ring the send task for rows written with `enqueued_at` set (a message is on its way)."""
    for mail_id in mail_ids:
        enqueue_on_commit(SEND_TASK, mail_id, if_not_published=_not_queued(mail_id))


def mail_enqueue(
    *,
    key: str,
    template: str,
    context: dict,
    to_user: User | None = None,
    to_email: str = "",
    dsr: DataSubjectRequest | None = None,
    language: str | None = None,
) -> OutboundMail | None:
    """Write one outbox row (at most once per `key`) and ring the send task on commit."""
    address = to_email or (to_user.email if to_user is not None else "")
    if not address:
        return None
    language = _language_for(to_user, language)
    subject, body = _render(template, language, {"site_url": settings.DSR_SITE_URL, **context})
    mail, created = OutboundMail.objects.get_or_create(
        idempotency_key=key,
        defaults={
            "to_user": to_user,
            "to_email": address,
            "template": template,
            "language": language,
            "subject": subject,
            "body": body,
            "dsr": dsr,
            "restricted": bool(dsr is not None and dsr.is_restricted),
            "enqueued_at": timezone.now(),
        },
    )
    if created:
        _ring_on_commit([mail.pk])
    return mail


@dataclass(frozen=True)
class MailSpec:
    """One mail for `mail_enqueue_many`."""

    key: str
    template: str
    to_user: User
    context: dict = field(default_factory=dict)
    restricted: bool = False


def mail_enqueue_many(specs: Sequence[MailSpec]) -> dict[str, int]:
    """Write many outbox rows in a constant number of queries (digests); returns key → mail id.

    Like `mail_enqueue`, a key that already exists is left alone, and the send tasks are
    rung when the transaction commits.
    """
    rows = []
    for spec in specs:
        if not spec.to_user.email:
            continue
        language = _language_for(spec.to_user, None)
        subject, body = _render(spec.template, language, {"site_url": settings.DSR_SITE_URL, **spec.context})
        rows.append(
            OutboundMail(
                idempotency_key=spec.key,
                to_user=spec.to_user,
                to_email=spec.to_user.email,
                template=spec.template,
                language=language,
                subject=subject,
                body=body,
                restricted=spec.restricted,
                enqueued_at=timezone.now(),
            )
        )
    if not rows:
        return {}
    OutboundMail.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    created = OutboundMail.objects.filter(idempotency_key__in=[row.idempotency_key for row in rows])
    ids = dict(created.values_list("idempotency_key", "id"))
    _ring_on_commit(list(created.filter(sent_at__isnull=True).values_list("id", flat=True)))
    return ids


def retry_delay(attempts: int) -> timedelta:
    """2, 4, 8 … minutes after each failed attempt, capped at 4 hours."""
    return timedelta(minutes=min(2**attempts, 240))


def mail_send(*, mail_id: int) -> bool:
    """Deliver one outbox row if it is still unsent. Safe to run twice. True if it was sent now."""
    with transaction.atomic():
        # skip_locked: a second task for the same row (sweep and original) just steps aside.
        mail = OutboundMail.objects.select_for_update(skip_locked=True).filter(pk=mail_id).first()
        if mail is None or mail.sent_at is not None:
            return False
        # This task has taken the row's message: from now on only the sweep rings for it.
        mail.enqueued_at = None
        message = EmailMessage(
            subject=mail.subject,
            body=mail.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[mail.to_email],
            # The row's own Message-ID, the same on every attempt: a copy sent again after a crash
            # between the SMTP server's acceptance and our commit is recognisably the same mail.
            headers={"Auto-Submitted": "auto-generated", "Message-ID": mail.message_id},
        )
        try:
            message.send(fail_silently=False)
        except Exception as exc:  # any transport error: keep the row, retry later
            mail.attempts += 1
            mail.next_attempt_at = timezone.now() + retry_delay(mail.attempts)
            mail.last_error = mask_my_numbers(f"{type(exc).__name__}: {exc}")[:1000]
            mail.save(update_fields=["attempts", "next_attempt_at", "last_error", "enqueued_at"])
            if mail.attempts >= MAX_ATTEMPTS:
                logger.error("outbound mail %s given up after %s attempts; kept unsent", mail.pk, mail.attempts)
            else:
                logger.warning("outbound mail %s failed (attempt %s): %s", mail.pk, mail.attempts, type(exc).__name__)
            return False
        mail.sent_at = timezone.now()
        mail.attempts += 1
        mail.last_error = ""
        mail.save(update_fields=["sent_at", "attempts", "last_error", "enqueued_at"])
        return True


def unsent_mail_ids(*, limit: int = 500, queue_empty: bool = False) -> list[int]:
    """Unsent rows due for a try whose message is not (or no longer believed to be) queued,
    oldest first.

    A row just written is left to its own send task for a grace period; a row whose message
    was queued less than DSR_SWEEP_VISIBILITY_SECONDS ago is left to that message, so a
    stalled worker or a long queue does not collect a copy per sweep
    (docs/reliability.md#sweep-window)."""
    now = timezone.now()
    fresh = now - timedelta(seconds=settings.DSR_OUTBOX_SWEEP_GRACE_SECONDS)
    # With nothing waiting in the queue, a message marked as queued is lost (Redis restarted
    # empty) or is already running (and then the task steps aside): no need to wait the window.
    lost = now if queue_empty else now - timedelta(seconds=settings.DSR_SWEEP_VISIBILITY_SECONDS)
    return list(
        OutboundMail.objects.filter(sent_at__isnull=True, next_attempt_at__lte=fresh, attempts__lt=MAX_ATTEMPTS)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=lost))
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:limit]
    )


def outbox_sweep() -> int:
    """Ring the send task again for every unsent mail whose message is missing; returns how many.

    `enqueued_at` is written before publishing (a send task that takes the message at once then
    clears it after us, never before), and cleared again for a message the broker refused, so
    an outage leaves those rows to the next sweep."""
    ids = unsent_mail_ids(queue_empty=waiting_messages(SEND_TASK) == 0)
    OutboundMail.objects.filter(pk__in=ids).update(enqueued_at=timezone.now())
    refused = [mail_id for mail_id in ids if not enqueue(SEND_TASK, mail_id)]
    if refused:
        OutboundMail.objects.filter(pk__in=refused, sent_at__isnull=True).update(enqueued_at=None)
    return len(ids) - len(refused)
