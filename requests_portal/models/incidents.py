"""The incident register (漏えい等事案): incidents, the people affected, the reports to the
個人情報保護委員会, the notices to the affected, committee reviews, 再発防止策 and reminders.

An incident's `status` is written only by requests_portal.incidents.workflow.transition().
A My Number incident (`is_my_number`) exists for nobody but the My Number officers, like a
My Number case; it also takes its numbers from its own series so that a gap in the general
series never betrays it.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .accounts import Member
from .documents import OutboundMail


class IncidentStatus(models.TextChoices):
    RECOGNISED = "recognised", _("認知")
    CONTAINING = "containing", _("初動対応")
    INVESTIGATING = "investigating", _("調査中")
    PRELIMINARY_REPORTED = "preliminary_reported", _("速報済")
    FINAL_REPORTED = "final_reported", _("確報済")
    NOTIFIED = "notified", _("本人通知済")
    MEASURES_DONE = "measures_done", _("再発防止策完了")
    CLOSED = "closed", _("終結")


class IncidentCertainty(models.TextChoices):
    ACTUAL = "actual", _("発生した")
    SUSPECTED = "suspected", _("発生したおそれがある")


class Incident(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("事案番号"), max_length=20, unique=True)
    title = models.CharField(_("件名"), max_length=200)
    is_my_number = models.BooleanField(_("特定個人情報（マイナンバー）に関する事案"), default=False)
    status = models.CharField(
        _("状態"), max_length=30, choices=IncidentStatus.choices, default=IncidentStatus.RECOGNISED
    )
    occurred_at = models.DateTimeField(_("発生日時"), null=True, blank=True)
    known_on = models.DateField(_("知った日"))
    found_by = models.CharField(_("発見者"), max_length=200, blank=True)
    found_how = models.TextField(_("発見の経緯"), blank=True)
    is_leak = models.BooleanField(_("漏えい"), default=False)
    is_loss = models.BooleanField(_("滅失"), default=False)
    is_damage = models.BooleanField(_("毀損"), default=False)
    certainty = models.CharField(
        _("発生の確度"), max_length=10, choices=IncidentCertainty.choices, default=IncidentCertainty.SUSPECTED
    )
    data_items = models.TextField(_("個人データの項目"), blank=True)
    people_estimate = models.PositiveIntegerField(_("本人の数（見込み）"), null=True, blank=True)
    people_count = models.PositiveIntegerField(_("本人の数（確定）"), null=True, blank=True)
    cause = models.TextField(_("原因"), blank=True)
    damage = models.TextField(_("被害の状況"), blank=True)
    secondary_harm = models.TextField(_("二次被害又はそのおそれの有無及びその内容"), blank=True)
    containment = models.TextField(_("被害拡大防止のための措置"), blank=True)
    contractor = models.CharField(_("関係する委託先"), max_length=200, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("担当者"), on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    # The reportability assessment (a guided form): the answers as given, and the result.
    assessment = models.JSONField(default=dict, blank=True)
    assessed_at = models.DateTimeField(null=True, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_reportable = models.BooleanField(null=True, blank=True)
    unlawful_purpose = models.BooleanField(default=False)
    # The clocks, started when an assessment finds the incident reportable.
    preliminary_due = models.DateField(_("速報の目安"), null=True, blank=True)
    preliminary_latest = models.DateField(_("速報の最終日"), null=True, blank=True)
    final_due = models.DateField(_("確報の期限"), null=True, blank=True)
    preliminary_sent_on = models.DateField(_("速報の提出日"), null=True, blank=True)
    final_sent_on = models.DateField(_("確報の提出日"), null=True, blank=True)
    notices_completed_on = models.DateField(_("本人通知の完了日"), null=True, blank=True)
    # Art. 26(2) proviso: where notifying the person is difficult, an alternative (公表 etc.).
    alternative_measure = models.TextField(_("本人通知に代わる措置"), blank=True)
    alternative_reason = models.TextField(_("代替措置とした理由"), blank=True)
    alternative_on = models.DateField(_("代替措置の実施日"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("漏えい等事案")
        verbose_name_plural = _("漏えい等事案")
        ordering = ["-known_on", "-id"]
        indexes = [models.Index(fields=["is_my_number", "status"], name="incident_restricted_status")]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_restricted(self) -> bool:
        return self.is_my_number

    @property
    def is_closed(self) -> bool:
        return self.status == IncidentStatus.CLOSED

    @property
    def category_labels(self) -> list[str]:
        names = [(self.is_leak, _("漏えい")), (self.is_loss, _("滅失")), (self.is_damage, _("毀損"))]
        return [str(label) for flag, label in names if flag]

    @property
    def people_display(self) -> int | None:
        return self.people_count if self.people_count is not None else self.people_estimate


class IncidentEvent(models.Model):
    """The incident's history: status changes and notable steps, with who and when."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=40)
    from_status = models.CharField(max_length=30, blank=True)
    to_status = models.CharField(max_length=30, blank=True)
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action} {self.at:%Y-%m-%d}"


class AffectedPerson(models.Model):
    """A roster member whose personal data the incident touched."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="affected")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="incident_links")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["member__member_number"]
        constraints = [models.UniqueConstraint(fields=["incident", "member"], name="incident_member_once")]

    def __str__(self) -> str:
        return f"{self.incident_id}:{self.member_id}"


class ReportStage(models.TextChoices):
    PRELIMINARY = "preliminary", _("速報")
    FINAL = "final", _("確報")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("起案中")
    AWAITING_APPROVAL = "awaiting_approval", _("承認待ち")
    APPROVED = "approved", _("承認済")
    SENT = "sent", _("提出済")


class IncidentReport(models.Model):
    """The 速報 or the 確報 (個人情報保護委員会規則第8条), one of each per incident."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="reports")
    stage = models.CharField(_("報告の種類"), max_length=20, choices=ReportStage.choices)
    status = models.CharField(_("状態"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    # The nine items of 規則第8条第1項 (an item a 速報 leaves open stays empty).
    summary = models.TextField(_("概要"), blank=True)
    data_items = models.TextField(_("漏えい等が発生し、又は発生したおそれがある個人データの項目"), blank=True)
    people = models.TextField(_("漏えい等が発生し、又は発生したおそれがある個人データに係る本人の数"), blank=True)
    cause = models.TextField(_("原因"), blank=True)
    secondary_harm = models.TextField(_("二次被害又はそのおそれの有無及びその内容"), blank=True)
    response_to_persons = models.TextField(_("本人への対応の実施状況"), blank=True)
    publication = models.TextField(_("公表の実施状況"), blank=True)
    recurrence_prevention = models.TextField(_("再発防止のための措置"), blank=True)
    other = models.TextField(_("その他参考となる事項"), blank=True)
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drafted_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    sent_on = models.DateField(_("提出日"), null=True, blank=True)
    document_number = models.CharField(_("文書番号"), max_length=40, blank=True)
    storage_name = models.CharField(max_length=80, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["incident", "stage"]
        constraints = [models.UniqueConstraint(fields=["incident", "stage"], name="incident_report_once")]

    def __str__(self) -> str:
        return f"{self.incident.reference} {self.get_stage_display()}"


class IncidentNotice(models.Model):
    """The notice to one affected member (個人情報保護法第26条第2項), its PDF and its mail."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="notices")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="incident_notices")
    document_number = models.CharField(_("文書番号"), max_length=40)
    storage_name = models.CharField(max_length=80)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    mail = models.ForeignKey(OutboundMail, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["incident", "member"], name="incident_notice_once")]

    def __str__(self) -> str:
        return self.document_number


class Committee(models.TextChoices):
    COMPLIANCE = "compliance", _("コンプライアンス委員会")
    RISK = "risk", _("リスク管理委員会")


class IncidentReview(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="reviews")
    committee = models.CharField(_("委員会"), max_length=20, choices=Committee.choices)
    held_on = models.DateField(_("開催日"))
    conclusion = models.TextField(_("結論"))
    attachment_name = models.CharField(max_length=120, blank=True)
    attachment_type = models.CharField(max_length=50, blank=True)
    attachment_storage = models.CharField(max_length=80, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["held_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_committee_display()} {self.held_on}"


class IncidentMeasure(models.Model):
    """One 再発防止策 with an owner and a due date, tracked to done."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="measures")
    description = models.TextField(_("内容"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("担当者"), on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField(_("期限"))
    done_on = models.DateField(_("完了日"), null=True, blank=True)
    done_note = models.TextField(_("完了の記録"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.description[:40]


class IncidentReminder(models.Model):
    """The exactly-once log of incident deadline reminders: one row per (incident, kind, date, recipient)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=40)
    due_date = models.DateField()
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    mail = models.ForeignKey(OutboundMail, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "kind", "due_date", "recipient"], name="incident_reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.due_date} → {self.recipient_id}"
