"""The mail outbox: rows written in the business transaction, delivered by a task.

A mail exists first as an `OutboundMail` row, committed with the change that caused it;
the send task is only the doorbell. If Redis or the worker is lost, the sweep finds the
unsent rows and rings again, so an SMTP or broker failure loses nothing.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from requests_portal.models import DataSubjectRequest, OutboundMail, User
from requests_portal.mynumber import mask_my_numbers

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
SUPPORTED_LANGUAGES = {"ja", "en"}


def _render(template: str, language: str, context: dict) -> tuple[str, str]:
    with translation.override(language):
        subject = render_to_string(f"requests_portal/emails/{language}/{template}_subject.txt", context)
        body = render_to_string(f"requests_portal/emails/{language}/{template}.txt", context)
    # Subjects are one line and never carry personal data; the templates guarantee the latter.
    subject = " ".join(subject.split())
    return mask_my_numbers(subject), mask_my_numbers(body)


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
    language = language or (to_user.preferred_language if to_user is not None else "ja")
    if language not in SUPPORTED_LANGUAGES:
        language = "ja"
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
        from requests_portal.tasks import outbound_mail_send_task

        transaction.on_commit(lambda: outbound_mail_send_task.delay(mail.pk))
    return mail


def _backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2**attempts, 240))


def mail_send(*, mail_id: int) -> bool:
    """Deliver one outbox row if it is still unsent. Safe to run twice. True if it was sent now."""
    with transaction.atomic():
        mail = OutboundMail.objects.select_for_update(skip_locked=True).filter(pk=mail_id).first()
        if mail is None or mail.sent_at is not None:
            return False
        message = EmailMessage(
            subject=mail.subject,
            body=mail.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[mail.to_email],
        )
        try:
            message.send(fail_silently=False)
        except Exception as exc:  # any transport error: keep the row, retry later
            mail.attempts += 1
            mail.next_attempt_at = timezone.now() + _backoff(mail.attempts)
            mail.last_error = f"{type(exc).__name__}: {exc}"[:1000]
            mail.save(update_fields=["attempts", "next_attempt_at", "last_error"])
            logger.warning("outbound mail %s failed (attempt %s): %s", mail.pk, mail.attempts, type(exc).__name__)
            return False
        mail.sent_at = timezone.now()
        mail.attempts += 1
        mail.save(update_fields=["sent_at", "attempts"])
        return True


def unsent_mail_ids(*, limit: int = 500) -> list[int]:
    """Unsent rows whose next attempt is due, oldest first."""
    now = timezone.now()
    return list(
        OutboundMail.objects.filter(sent_at__isnull=True, next_attempt_at__lte=now, attempts__lt=MAX_ATTEMPTS)
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:limit]
    )
