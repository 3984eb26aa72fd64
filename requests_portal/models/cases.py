"""Queues, cases (`DataSubjectRequest`), their timeline and messages."""

import uuid
from datetime import date

from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .accounts import Member
from .choices import (
    AGENT_REQUESTER_TYPES,
    OPEN_STATUSES,
    TERMINAL_STATUSES,
    UNANSWERED_STATUSES,
    Channel,
    Decision,
    DisclosureMethod,
    EventType,
    IdDocumentType,
    IdentityMethod,
    IdentityResult,
    MessageDirection,
    RequesterType,
    RequestKind,
    Status,
    StatutoryGround,
)


class Queue(models.Model):
    """A work queue. Staff reach its cases through guardian permissions granted to groups.

    The 総務部 queue and the restricted マイナンバー担当 queue are created by migration.
    A restricted queue's cases exist for nobody outside it: no per-case grant, global
    permission or superuser flag opens them (see selectors.py).
    """

    GA = "ga"
    MY_NUMBER = "mynumber"

    code = models.SlugField(_("コード"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    department = models.CharField(_("担当部署（通知書の差出部署）"), max_length=100)
    # Each queue numbers its cases separately, so a gap in one queue's 受付番号 never
    # betrays a case in another (restricted) queue.
    reference_prefix = models.CharField(_("受付番号の接頭辞"), max_length=5, unique=True)
    is_restricted = models.BooleanField(_("制限キュー（マイナンバー）"), default=False)

    class Meta:
        verbose_name = _("キュー")
        verbose_name_plural = _("キュー")
        permissions = [
            ("view_queue_cases", "Can view the cases in this queue"),
            ("handle_queue_cases", "Can work the cases in this queue"),
            ("approve_queue_cases", "Can approve decisions in this queue"),
        ]

    def __str__(self) -> str:
        return self.name


class QueueUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Queue, on_delete=models.CASCADE)


class QueueGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Queue, on_delete=models.CASCADE)


class DsrQuerySet(models.QuerySet["DataSubjectRequest"]):
    def open(self) -> "DsrQuerySet":
        return self.filter(status__in=OPEN_STATUSES)

    def unanswered(self) -> "DsrQuerySet":
        return self.filter(status__in=UNANSWERED_STATUSES)

    def due_before(self, day: date) -> "DsrQuerySet":
        return self.unanswered().filter(due_date__lt=day)


class DataSubjectRequest(models.Model):
    """One case: a request under APPI Arts. 32–40, a complaint, or a My Number inquiry.

    `member` is the data subject; `filed_by` is the login that filed it (the member,
    their agent's login, or the staff member who registered a paper request). Only
    workflow.transition() writes `status`; only workflow and the services write the
    deadline fields (`due_date` is derived, stored for sorting and indexing).
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("受付番号"), max_length=20, unique=True)
    kind = models.CharField(_("請求の種類"), max_length=30, choices=RequestKind.choices)
    queue = models.ForeignKey(Queue, verbose_name=_("キュー"), on_delete=models.PROTECT, related_name="cases")
    member = models.ForeignKey(Member, verbose_name=_("本人（組合員）"), on_delete=models.PROTECT, related_name="dsrs")
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登録者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="filed_dsrs",
    )
    channel = models.CharField(_("受付経路"), max_length=10, choices=Channel.choices, default=Channel.PORTAL)
    notify_by_post = models.BooleanField(_("通知書を郵送する"), default=False)

    requester_type = models.CharField(
        _("請求者の区分"), max_length=30, choices=RequesterType.choices, default=RequesterType.SELF
    )
    agent_name = models.CharField(_("代理人氏名"), max_length=100, blank=True)
    agent_name_kana = models.CharField(_("代理人フリガナ"), max_length=200, blank=True)
    agent_relationship = models.CharField(_("本人との関係"), max_length=100, blank=True)
    agent_postal_code = models.CharField(_("代理人郵便番号"), max_length=7, blank=True)
    agent_address = models.CharField(_("代理人住所"), max_length=300, blank=True)
    agent_phone = models.CharField(_("代理人電話番号"), max_length=20, blank=True)
    agent_email = models.EmailField(_("代理人メールアドレス"), blank=True)
    # The principal asked that letters and mails about an agent's request come to them, not
    # to the agent (docs/legal.md#agents); read only through notifications.case_recipient.
    letters_to_member = models.BooleanField(_("本人宛てに送付（本人の希望）"), default=False)

    summary = models.CharField(_("件名"), max_length=200, blank=True)
    description = models.TextField(_("請求の内容"), blank=True)
    # Kind-specific structured input (data categories, correction rows, measure and ground).
    details = models.JSONField(_("請求の詳細"), default=dict, blank=True)
    disclosure_method = models.CharField(_("開示の方法"), max_length=20, choices=DisclosureMethod.choices, blank=True)
    disclosure_format = models.CharField(_("電磁的記録の形式"), max_length=30, blank=True)
    fee_yen = models.PositiveIntegerField(_("手数料（円）"), null=True, blank=True)

    status = models.CharField(_("状態"), max_length=30, choices=Status.choices, default=Status.SUBMITTED)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("担当者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_dsrs",
    )

    # Deadlines (deadlines.py): received = legal arrival; complete = when the Art. 37(1)
    # procedure was satisfied. Pauses add their calendar days; an extension replaces the date.
    received_at = models.DateTimeField(_("到達日時"))
    complete_at = models.DateTimeField(_("請求が整った日時"))
    due_date = models.DateField(_("回答期限（目標日）"))
    paused_at = models.DateTimeField(_("補正待ち開始"), null=True, blank=True)
    paused_days_total = models.PositiveIntegerField(_("停止日数の合計"), default=0)
    extended_due_date = models.DateField(_("延長後の期限"), null=True, blank=True)
    extension_reason = models.TextField(_("延長の理由"), blank=True)
    extended_at = models.DateTimeField(null=True, blank=True)
    extended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Identity (docs/legal.md#identity): what was checked and by whom, never a document number.
    identity_method = models.CharField(_("本人確認の方法"), max_length=20, choices=IdentityMethod.choices, blank=True)
    id_doc_type = models.CharField(_("本人確認書類の種類"), max_length=40, choices=IdDocumentType.choices, blank=True)
    identity_result = models.CharField(_("本人確認の結果"), max_length=20, choices=IdentityResult.choices, blank=True)
    identity_verified_at = models.DateTimeField(_("本人確認日時"), null=True, blank=True)
    identity_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    authority_doc_type = models.CharField(_("代理権を証する書類"), max_length=100, blank=True)
    authority_checked_at = models.DateTimeField(_("代理権の確認日時"), null=True, blank=True)
    authority_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Decision (docs/legal.md#decisions) and its approval (separation of duties, docs/legal.md#approval).
    decision = models.CharField(_("決定"), max_length=40, choices=Decision.choices, blank=True)
    decision_ground = models.CharField(_("根拠条項"), max_length=40, choices=StatutoryGround.choices, blank=True)
    decision_reason = models.TextField(_("理由"), blank=True)
    # Withheld items, correction rows, substitute measure, method change, purposes.
    decision_details = models.JSONField(_("決定の詳細"), default=dict, blank=True)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    drafted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    closed_at = models.DateTimeField(_("完了日時"), null=True, blank=True)
    legal_hold = models.BooleanField(_("保存命令（廃棄しない）"), default=False)
    legal_hold_reason = models.TextField(_("保存命令の理由"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DsrQuerySet.as_manager()

    class Meta:
        verbose_name = _("開示等の請求")
        verbose_name_plural = _("開示等の請求")
        ordering = ["due_date", "id"]
        permissions = [
            ("view_case_grant", "Can view this single case (individual grant)"),
            ("handle_case_grant", "Can work this single case (individual grant)"),
        ]
        indexes = [
            models.Index(fields=["queue", "status", "due_date"], name="dsr_queue_status_due"),
            models.Index(fields=["assignee", "status"], name="dsr_assignee_status"),
            models.Index(fields=["member", "-received_at"], name="dsr_member_received"),
            models.Index(fields=["status", "due_date"], name="dsr_status_due"),
            # The staff queue's default order: lets PostgreSQL walk cases by due date
            # and stop after one page, instead of sorting every visible case.
            models.Index(fields=["due_date", "id"], name="dsr_due_id"),
            models.Index(fields=["received_at"], name="dsr_received"),
            models.Index(fields=["closed_at"], name="dsr_closed"),
            # The queue page walks open cases in due-date order and stops after a page, so it
            # costs the same with a thousand or a million closed cases in the table.
            models.Index(
                fields=["queue", "due_date", "id"],
                condition=Q(status__in=sorted(OPEN_STATUSES)),
                name="dsr_open_queue_due",
            ),
            models.Index(fields=["queue", "due_date", "id"], name="dsr_queue_due"),
            # The queue page's default list: every unanswered case (decided ones included) in
            # due-date order, so the page stops after its rows whatever the history holds; the
            # status rides along for the per-status counts of a search or a filter.
            models.Index(
                fields=["queue", "due_date", "id", "status"],
                condition=Q(status__in=sorted(UNANSWERED_STATUSES)),
                name="dsr_unanswered_queue_due",
            ),
            # A search in the default list (the unanswered cases) finds members first, then their
            # unanswered cases here: a common surname's few thousand members have tens of thousands
            # of cases in the history, and a few hundred unanswered ones.
            models.Index(
                fields=["member"],
                condition=Q(status__in=sorted(UNANSWERED_STATUSES)),
                name="dsr_unanswered_member",
            ),
            # A search finds members first; their cases are then counted per status from this
            # index alone (the queue and kind are what the visibility rule reads, the handler
            # what the 「未割当て」 filter reads).
            models.Index(
                fields=["member", "queue", "kind", "status"],
                include=["assignee"],
                name="dsr_member_queue_kind_status",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="dsr_status_valid"),
            models.CheckConstraint(condition=Q(kind__in=RequestKind.values), name="dsr_kind_valid"),
            models.CheckConstraint(condition=Q(complete_at__gte=F("received_at")), name="dsr_complete_after_received"),
            models.CheckConstraint(
                condition=Q(extended_due_date__isnull=True) | ~Q(extension_reason=""),
                name="dsr_extension_has_reason",
            ),
            # Separation of duties, enforced by the database as well as by workflow.py.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("drafted_by")),
                name="dsr_approver_not_drafter",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def is_restricted(self) -> bool:
        return self.kind == RequestKind.MY_NUMBER_INQUIRY or self.queue.is_restricted

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None

    @property
    def has_agent(self) -> bool:
        return self.requester_type in AGENT_REQUESTER_TYPES

    @property
    def identity_complete(self) -> bool:
        """Identity verified and, for an agent, the authority evidence checked (docs/legal.md#identity,
        docs/legal.md#agents)."""
        return self.identity_result == IdentityResult.VERIFIED and (
            not self.has_agent or self.authority_checked_at is not None
        )

    @property
    def identity_by_reauth(self) -> bool:
        """The member's own re-authentication at filing was the identity check (docs/legal.md#identity)."""
        return self.identity_method == IdentityMethod.REAUTH and self.identity_result == IdentityResult.VERIFIED

    @property
    def is_overdue(self) -> bool:
        return self.status in UNANSWERED_STATUSES and self.due_date < timezone.localdate()


class DsrUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(DataSubjectRequest, on_delete=models.CASCADE)


class DsrGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(DataSubjectRequest, on_delete=models.CASCADE)


class RequestEvent(models.Model):
    """One entry of a case's timeline: a transition, an assignment, a note, a letter, a reminder.

    `actor` is who caused it (None: the system, e.g. a Celery sweep). `member_visible`
    decides whether the member's timeline shows it; internal notes never do.
    """

    dsr = models.ForeignKey(DataSubjectRequest, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    event_type = models.CharField(max_length=30, choices=EventType.choices)
    from_status = models.CharField(max_length=30, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=30, choices=Status.choices, blank=True)
    note = models.TextField(blank=True)
    member_visible = models.BooleanField(default=False)
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("経過")
        verbose_name_plural = _("経過")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["dsr", "at"], name="event_dsr_at"),
            # The dashboard counts extensions and 補正 requests per month: a small share of all
            # events, found by date without reading the others (reports.DEADLINE_EVENTS).
            models.Index(
                fields=["at"],
                name="event_deadline_at",
                condition=Q(event_type=EventType.EXTENDED)
                | Q(event_type=EventType.STATUS_CHANGED, to_status=Status.AWAITING_AMENDMENT),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dsr_id} {self.event_type} {self.at:%Y-%m-%d %H:%M}"


class Message(models.Model):
    """A message between the co-op and the requester, or an internal staff note."""

    dsr = models.ForeignKey(DataSubjectRequest, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    direction = models.CharField(max_length=20, choices=MessageDirection.choices)
    body = models.TextField(_("本文"))
    # Set on a 補正 request: the date the member is asked to answer by.
    reply_due_date = models.DateField(_("回答のお願い期限"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("メッセージ")
        verbose_name_plural = _("メッセージ")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["dsr", "created_at"], name="message_dsr_created")]

    def __str__(self) -> str:
        return f"{self.dsr_id} {self.get_direction_display()} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_internal(self) -> bool:
        return self.direction == MessageDirection.INTERNAL
