"""Logins and the co-op's member registry."""

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from requests_portal.text import kana_search_key, name_search_key


class Member(models.Model):
    """One row of the co-op's member roster (組合員名簿), loaded by `import_members`.

    The roster is the co-op's, not the member's: a member account (`User`) links to
    it, and requests are always about a `Member` (the data subject).
    """

    member_number = models.CharField(_("組合員番号"), max_length=20, unique=True)
    full_name = models.CharField(_("氏名"), max_length=100)
    full_name_kana = models.CharField(_("フリガナ"), max_length=200, blank=True)
    birth_date = models.DateField(_("生年月日"))
    postal_code = models.CharField(_("郵便番号"), max_length=7, blank=True, help_text=_("7桁の数字（ハイフンなし）"))
    address = models.CharField(_("住所"), max_length=300, blank=True)
    phone = models.CharField(_("電話番号"), max_length=20, blank=True)
    email = models.EmailField(_("メールアドレス"), blank=True)
    is_active = models.BooleanField(_("在籍中"), default=True)
    # NFKC-normalised, space-free keys so staff search matches half- and full-width input.
    name_search = models.CharField(max_length=100, editable=False, db_index=True)
    kana_search = models.CharField(max_length=200, editable=False, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("組合員")
        verbose_name_plural = _("組合員")
        ordering = ["member_number"]

    def __str__(self) -> str:
        return f"{self.member_number} {self.full_name}"

    def refresh_search_keys(self) -> None:
        """Recompute the search keys; callers do this before saving a changed name."""
        self.name_search = name_search_key(self.full_name)
        self.kana_search = kana_search_key(self.full_name_kana)

    @property
    def postal_code_display(self) -> str:
        code = self.postal_code
        return f"〒{code[:3]}-{code[3:]}" if len(code) == 7 else ""


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> "User":
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> "User":
        # The portal has no human superusers (docs/architecture.md#permissions); admin rights come from the
        # admin group. The command exists only because Django's tooling expects it.
        raise ValueError("Superusers are not used. Create a user and add it to the admin group.")


class User(AbstractBaseUser, PermissionsMixin):
    """A login: a member account (linked to one `Member`) or a staff account (in role groups).

    `is_staff` only means "may open the Django admin", which is for configuration;
    case work goes through the staff workspace and the role groups in `roles.py`.
    """

    email = models.EmailField(_("メールアドレス"), unique=True)
    display_name = models.CharField(_("表示名"), max_length=100, blank=True)
    member = models.OneToOneField(
        Member,
        verbose_name=_("組合員"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
    )
    is_active = models.BooleanField(_("有効"), default=True)
    is_staff = models.BooleanField(_("管理画面へのアクセス"), default=False)
    preferred_language = models.CharField(
        _("通知の言語"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("利用者")
        verbose_name_plural = _("利用者")

    def __str__(self) -> str:
        return self.display_name or self.email

    def get_full_name(self) -> str:
        return self.display_name or (self.member.full_name if self.member is not None else self.email)

    def get_short_name(self) -> str:
        return self.get_full_name()


class RoleGrantRequest(models.Model):
    """A request to grant or revoke a staff role, decided by a second person.

    One row per request; approved grants with their `valid_until` are also the history the
    register of designated My Number handlers is built from (番号法第12条).
    """

    class Kind(models.TextChoices):
        GRANT = "grant", _("付与")
        REVOKE = "revoke", _("解除")

    class Outcome(models.TextChoices):
        PENDING = "pending", _("承認待ち")
        APPROVED = "approved", _("承認")
        REFUSED = "refused", _("却下")
        EXPIRED = "expired", _("期限終了")
        REVOKED = "revoked", _("解除済み")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="role_grant_requests", verbose_name=_("対象者")
    )
    role = models.CharField(_("役割"), max_length=40)
    kind = models.CharField(_("種別"), max_length=10, choices=Kind.choices)
    reason = models.TextField(_("理由"))
    valid_until = models.DateField(_("終了日"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("申請者")
    )
    requested_at = models.DateTimeField(_("申請日時"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("決定者"),
    )
    decided_at = models.DateTimeField(_("決定日時"), null=True, blank=True)
    outcome = models.CharField(_("結果"), max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    # When an approved grant stopped: its end date, a revocation, or never (still held).
    ended_at = models.DateTimeField(_("終了日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("役割付与の申請")
        verbose_name_plural = _("役割付与の申請")
        ordering: ClassVar = ["-requested_at", "-pk"]
        indexes: ClassVar = [models.Index(fields=["outcome", "valid_until"], name="role_grant_outcome_until")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.role} → {self.user_id} ({self.get_outcome_display()})"
