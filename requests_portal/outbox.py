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
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from requests_portal.models import DataSubjectRequest, OutboundMail, User
from requests_portal.mynumber import mask_my_numbers
from requests_portal.queueing import enqueue_on_commit

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


def _ring_on_commit(mail_ids: Sequence[int]) -> None:
    for mail_id in mail_ids:
        enqueue_on_commit("requests_portal.outbound_mail_send", mail_id)


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
        message = EmailMessage(
            subject=mail.subject,
            body=mail.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[mail.to_email],
            headers={"Auto-Submitted": "auto-generated"},
        )
        try:
            message.send(fail_silently=False)
        except Exception as exc:  # any transport error: keep the row, retry later
            mail.attempts += 1
            mail.next_attempt_at = timezone.now() + retry_delay(mail.attempts)
            mail.last_error = mask_my_numbers(f"{type(exc).__name__}: {exc}")[:1000]
            mail.save(update_fields=["attempts", "next_attempt_at", "last_error"])
            if mail.attempts >= MAX_ATTEMPTS:
                logger.error("outbound mail %s given up after %s attempts; kept unsent", mail.pk, mail.attempts)
            else:
                logger.warning("outbound mail %s failed (attempt %s): %s", mail.pk, mail.attempts, type(exc).__name__)
            return False
        mail.sent_at = timezone.now()
        mail.attempts += 1
        mail.last_error = ""
        mail.save(update_fields=["sent_at", "attempts", "last_error"])
        return True


def unsent_mail_ids(*, limit: int = 500) -> list[int]:
    """Unsent rows due for a try, oldest first. A row just written is left to its own send
    task for a grace period, so the sweep does not ring every fresh mail twice."""
    now = timezone.now()
    fresh = now - timedelta(seconds=settings.DSR_OUTBOX_SWEEP_GRACE_SECONDS)
    return list(
        OutboundMail.objects.filter(sent_at__isnull=True, next_attempt_at__lte=fresh, attempts__lt=MAX_ATTEMPTS)
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:limit]
    )
