"""Clients of the core-system API (基幹システム連携): who may call it, with which token, from where
and how often (see requests_portal/api/ and docs/api.md)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiScope(models.TextChoices):
    ROSTER_WRITE = "roster:write", _("組合員名簿の登録・更新・在籍終了")
    PROVISION_RECORDS_WRITE = "provision_records:write", _("第三者提供記録の登録・更新")
    CASES_READ = "cases:read", _("事案の状況と経過の参照（マイナンバー関係を除く）")


class ApiClient(models.Model):
    """One system allowed to call the API, with its own token, scopes, addresses and rate.

    Only a SHA-256 digest of the token is kept; `token_prefix` (the token's public first part)
    finds the row without scanning. A revoked client keeps its row, so the audit trail's
    entries still name someone; its name may then be issued to a new client.
    """

    name = models.CharField(_("名前"), max_length=60)
    token_prefix = models.CharField(max_length=16, unique=True, editable=False)
    token_digest = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(_("権限"), default=list)
    # CIDR networks the client may call from; empty means any address.
    allowed_networks = models.JSONField(_("接続元のネットワーク"), default=list, blank=True)
    rate_limit = models.PositiveIntegerField(_("呼出し回数の上限"), default=120)
    rate_period_seconds = models.PositiveIntegerField(_("上限の単位（秒）"), default=60)
    created_at = models.DateTimeField(_("発行日時"), default=timezone.now)
    revoked_at = models.DateTimeField(_("失効日時"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最終利用日時"), null=True, blank=True)
    # The rate limit's sliding window: calls in the current and the previous fixed window.
    window_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    window_calls = models.PositiveIntegerField(default=0, editable=False)
    previous_window_calls = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("APIクライアント")
        verbose_name_plural = _("APIクライアント")
        ordering = ["name", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["name"], condition=Q(revoked_at__isnull=True), name="api_client_active_name"
            )
        ]

    def __str__(self) -> str:
        return str(self.name)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def audit_actor(self) -> tuple[str, str]:
        """(label, role) under which audit.record names this client: it is no user."""
        return f"api:{self.name}"[:150], "api_client"
