"""Uploaded files and generated letters, the outbox and the reminder log."""

import uuid
from email.utils import make_msgid, parseaddr

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .cases import DataSubjectRequest
from .choices import DocumentCategory, LetterKind, LetterStatus


class MaskingPurpose(models.TextChoices):
    """Why parts of an identity document were blacked out (健康保険法第194条の2; 番号法第20条)."""

    INSURER_NUMBER = "insurer_number", _("保険者番号等")
    MY_NUMBER = "my_number", _("個人番号")
    OTHER = "other", _("その他")


class Document(models.Model):
    """An uploaded file, kept encrypted in private storage under a random name.

    A document uploaded in the request wizard has no case yet (`dsr` is null) until the
    request is submitted; unattached uploads are purged after a short grace period.
    After a purge the row stays as the record (`purged_at`), the bytes are gone.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    dsr = models.ForeignKey(
        DataSubjectRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="documents"
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="documents")
    category = models.CharField(_("書類の種類"), max_length=30, choices=DocumentCategory.choices)
    original_name = models.CharField(_("ファイル名"), max_length=120)
    content_type = models.CharField(max_length=50)
    size_bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=80, unique=True)
    # Health-insurance cards and similar must be masked before anyone works with them.
    requires_masking = models.BooleanField(default=False)
    masking_confirmed_at = models.DateTimeField(null=True, blank=True)
    masking_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    masking_rectangles = models.PositiveSmallIntegerField(null=True, blank=True)
    masking_purpose = models.CharField(max_length=20, blank=True, choices=MaskingPurpose.choices)
    uploaded_at = models.DateTimeField(default=timezone.now)
    purge_after = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)
    # A disclosure package is attached before the decision is approved and reaches the member
    # with the notice: from this moment the member can download it (null: not yet).
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("書類")
        verbose_name_plural = _("書類")
        ordering = ["uploaded_at", "id"]
        indexes = [
            models.Index(fields=["dsr", "category"], name="document_dsr_category"),
            models.Index(fields=["purge_after"], name="document_purge_after", condition=Q(purged_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return self.original_name


class Letter(models.Model):
    """A formal PDF notice. Created PENDING in the transaction that needs it; rendered once.

    `idempotency_key` names what caused the letter (e.g. `dsr:12:ack`), so creating it twice
    is impossible. A staff re-render makes a new row that `supersedes` the old one, and both
    files are kept.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    dsr = models.ForeignKey(DataSubjectRequest, on_delete=models.CASCADE, related_name="letters")
    kind = models.CharField(_("通知書の種類"), max_length=40, choices=LetterKind.choices)
    status = models.CharField(_("状態"), max_length=20, choices=LetterStatus.choices, default=LetterStatus.PENDING)
    idempotency_key = models.CharField(max_length=120, unique=True)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="superseded_by"
    )
    # What the letter says, frozen when it is created, so a re-render prints the same decision.
    payload = models.JSONField(default=dict, blank=True)
    by_post = models.BooleanField(_("郵送"), default=False)
    document_number = models.CharField(_("文書番号"), max_length=40, blank=True)
    fiscal_year = models.PositiveSmallIntegerField(null=True, blank=True)
    serial = models.PositiveIntegerField(null=True, blank=True)
    storage_name = models.CharField(max_length=80, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    rendered_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When the sweep may ring the render task again (after a failure: the backoff).
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    # When a render message was last queued for this letter; None once a render task has taken it
    # (or its publication failed). The sweep re-queues only letters whose message may be lost
    # (docs/reliability.md#sweep-window).
    enqueued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("通知書")
        verbose_name_plural = _("通知書")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="letter_status_created"),
            models.Index(
                fields=["next_attempt_at"], name="letter_pending_due", condition=Q(status=LetterStatus.PENDING)
            ),
        ]
        constraints = [
            # 文書番号 run per fiscal year and per prefix (総務部 and マイナンバー担当 number separately),
            # so the number text, not the serial alone, is unique within a year.
            models.UniqueConstraint(
                fields=["fiscal_year", "document_number"],
                condition=Q(serial__isnull=False),
                name="letter_number_unique_per_prefix",
            ),
        ]

    def __str__(self) -> str:
        return self.document_number or f"{self.get_kind_display()} ({self.get_status_display()})"


def new_message_id() -> str:
    """A Message-ID for one outbox row, fixed when the row is written, so that every delivery
    attempt of that row carries the same one (docs/reliability.md#outbox)."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    domain = address.rpartition("@")[2] or "keiseikyo.invalid"
    return make_msgid(domain=domain)


class OutboundMail(models.Model):
    """The outbox: every mail is a row written in the business transaction, then sent by a task.

    Subjects never carry personal data. `restricted` marks mail about a My Number case,
    which only goes to the member and the officers.
    """

    idempotency_key = models.CharField(max_length=160, unique=True)
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_email = models.EmailField()
    template = models.CharField(max_length=60)
    language = models.CharField(max_length=8, default="ja")
    subject = models.CharField(max_length=200)
    body = models.TextField()
    dsr = models.ForeignKey(DataSubjectRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="mails")
    restricted = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    # When a send message was last queued for this mail; None once a send task has taken it (or
    # its publication failed). See Letter.enqueued_at.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=200, default=new_message_id, editable=False)

    class Meta:
        verbose_name = _("送信メール")
        verbose_name_plural = _("送信メール")
        indexes = [
            models.Index(fields=["next_attempt_at"], name="mail_unsent_due", condition=Q(sent_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.template} → {self.to_email}"


class Reminder(models.Model):
    """The exactly-once log of deadline reminders: one row per (case, kind, due date, recipient)."""

    dsr = models.ForeignKey(DataSubjectRequest, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=40)
    due_date = models.DateField()
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    mail = models.ForeignKey(OutboundMail, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("リマインダー")
        verbose_name_plural = _("リマインダー")
        constraints = [
            models.UniqueConstraint(fields=["dsr", "kind", "due_date", "recipient"], name="reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.due_date} → {self.recipient_id}"


class SweepHeartbeat(models.Model):
    """The last run of each periodic sweep, written by the sweep itself: /healthz and the staff
    banner read it to tell a silent worker or beat (docs/reliability.md#heartbeats)."""

    name = models.CharField(max_length=40, primary_key=True)
    last_run_at = models.DateTimeField()
    last_count = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("定期処理の実行記録")
        verbose_name_plural = _("定期処理の実行記録")

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_run_at:%Y-%m-%d %H:%M:%S}"
