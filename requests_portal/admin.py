"""The Django admin is for configuration only: calendar, queues, boilerplate, fees,
retention and data categories, plus staff accounts. Cases are never registered here, so
no admin page can list, count or open one (My Number cases included).
"""

from typing import cast

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator

from django.contrib import admin, messages
from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef, Q, QuerySet, URLField
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from requests_portal import audit, deadlines
from requests_portal.models import (
    ClosedDay,
    DataCategory,
    FeeSetting,
    OrganisationProfile,
    Queue,
    RetentionPolicy,
    User,
)
from requests_portal.roles import Role
from requests_portal.stored_text import list_separator


@admin.register(ClosedDay)
class ClosedDayAdmin(admin.ModelAdmin):
    list_display = ("date", "reason")
    date_hierarchy = "date"

    def save_model(self, request: HttpRequest, obj: ClosedDay, form: object, change: bool) -> None:
        super().save_model(request, obj, form, change)
        deadlines.forget_calendar()

    def delete_model(self, request: HttpRequest, obj: ClosedDay) -> None:
        super().delete_model(request, obj)
        deadlines.forget_calendar()


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "department", "is_restricted")
    readonly_fields = ("code", "is_restricted", "reference_prefix")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Queue | None = None) -> bool:
        return False


class SingletonAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return not self.model.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(OrganisationProfile)
class OrganisationProfileAdmin(SingletonAdmin):
    # A URL typed without a scheme means https (Django 6's default, chosen now).
    formfield_overrides = {URLField: {"assume_scheme": "https"}}
    fieldsets = (
        (_("組合"), {"fields": ("name", "representative", "representative_name", "postal_code", "address")}),
        (
            _("通知書"),
            {
                "fields": (
                    "sender_department",
                    "sender_title",
                    "sender_name",
                    "mynumber_sender_department",
                    "mynumber_sender_title",
                    "mynumber_sender_name",
                    "seal_note",
                    "document_number_prefix",
                    "mynumber_document_number_prefix",
                )
            },
        ),
        (
            _("公表事項（第32条第1項）"),
            {
                "fields": (
                    "purposes_of_use",
                    "request_procedure",
                    "identity_methods",
                    "electronic_formats",
                    "security_measures",
                    "accredited_organisation",
                )
            },
        ),
        (
            _("窓口"),
            {
                "fields": (
                    "ga_contact",
                    "mynumber_contact",
                    "complaint_desk",
                    "privacy_policy",
                    "privacy_policy_url",
                    "mynumber_policy_url",
                )
            },
        ),
    )


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(SingletonAdmin):
    pass


@admin.register(FeeSetting)
class FeeSettingAdmin(admin.ModelAdmin):
    list_display = ("kind", "amount_yen")


@admin.register(DataCategory)
class DataCategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "sort_order", "is_active")
    list_editable = ("sort_order", "is_active")


@admin.register(User)
class StaffUserAdmin(admin.ModelAdmin):
    """Staff accounts. Superuser status is never offered: admin rights come from the admin group.

    A new account gets a verified address and no usable password: the person sets one through
    「パスワードをお忘れの方」 and enrols the authenticator app at first sign-in. Deactivations and
    second-factor resets are written to the audit trail.

    Roles are shown, never edited here: a role that widens who reaches personal data is granted
    by one person and approved by another (個人情報保護法第23条の安全管理措置, 番号法第12条), so
    group membership, model permissions and the superuser/staff flags are not form fields on
    either the add or the change page. Whatever a crafted POST carries for them is ignored.
    """

    list_display = ("email", "display_name", "is_active", "is_staff", "roles", "mfa_enrolled")
    list_filter = ("is_active", "groups")
    search_fields = ("email", "display_name")
    fields = ("email", "display_name", "is_active", "is_staff", "roles", "preferred_language", "last_login")
    readonly_fields = ("is_staff", "roles", "last_login")
    actions = ("deactivate_accounts", "reset_second_factor")

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        # Staff accounts only: member accounts belong to the members, not to the admin.
        enrolled = Authenticator.objects.filter(user=OuterRef("pk"), type=Authenticator.Type.TOTP)
        accounts = super().get_queryset(request)
        staff = accounts.filter(Q(groups__isnull=False) | Q(is_staff=True)).distinct()
        return staff.annotate(has_totp=Exists(enrolled)).prefetch_related("groups")

    @admin.display(description=_("役割"))
    def roles(self, obj: User) -> str:
        return list_separator().join(
            str(Role(group.name).label) for group in obj.groups.all() if group.name in Role.values
        )

    @admin.display(description=_("二要素認証"), boolean=True)
    def mfa_enrolled(self, obj: User) -> bool:
        return bool(getattr(obj, "has_totp", False))

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return False  # deactivate instead: the audit trail names people by id

    def save_model(self, request: HttpRequest, obj: User, form: object, change: bool) -> None:
        if not change:
            obj.set_unusable_password()
            # A staff account, listed here until its roles are granted (through a second person's
            # approval); superuser status is never given: it would bypass the role table.
            obj.is_staff = True
            obj.is_superuser = False
        super().save_model(request, obj, form, change)
        if not change:
            EmailAddress.objects.get_or_create(user=obj, email=obj.email, defaults={"verified": True, "primary": True})

    def save_related(self, request: HttpRequest, form: "ModelForm[User]", formsets: object, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        user = form.instance
        roles = sorted(user.groups.values_list("name", flat=True))
        audit.record(
            action="staff.account_changed" if change else "staff.account_created",
            actor=request.user,
            obj=user,
            data={"user_id": user.pk, "roles": roles, "is_active": user.is_active},
        )

    @admin.action(description=_("選択したアカウントを無効にする（次の操作でログアウト）"))
    def deactivate_accounts(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        acting = cast(User, request.user)  # the admin site admits only active staff (admin_site.py)
        for user in queryset.exclude(pk=acting.pk):
            User.objects.filter(pk=user.pk).update(is_active=False)
            audit.record(action="staff.account_deactivated", actor=request.user, obj=user, data={"user_id": user.pk})
        self.message_user(request, _("アカウントを無効にしました（自分自身は除く）。"), messages.SUCCESS)

    @admin.action(description=_("二要素認証をリセットする（次回ログイン時に再登録）"))
    def reset_second_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        acting = cast(User, request.user)  # the admin site admits only active staff (admin_site.py)
        for user in queryset.exclude(pk=acting.pk):
            Authenticator.objects.filter(user=user).delete()
            audit.record(action="auth.mfa_reset", actor=request.user, obj=user, data={"user_id": user.pk})
        self.message_user(
            request,
            _("二要素認証をリセットしました。本人確認のうえ、次回ログイン時に再登録してもらってください。"),
            messages.SUCCESS,
        )


admin.site.unregister(Group)
