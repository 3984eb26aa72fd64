"""The Django admin is for configuration only: calendar, queues, boilerplate, fees,
retention and data categories, plus staff accounts. Cases are never registered here, so
no admin page can list, count or open one (My Number cases included).
"""

from django.contrib import admin
from django.contrib.auth.models import Group
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from requests_portal import deadlines
from requests_portal.models import (
    ClosedDay,
    DataCategory,
    FeeSetting,
    OrganisationProfile,
    Queue,
    RetentionPolicy,
    User,
)


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
    fieldsets = (
        (_("組合"), {"fields": ("name", "representative", "postal_code", "address")}),
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
    """Staff accounts. Superuser status is never offered: admin rights come from the admin group."""

    list_display = ("email", "display_name", "is_active", "is_staff")
    list_filter = ("is_active", "groups")
    search_fields = ("email", "display_name")
    fields = ("email", "display_name", "is_active", "is_staff", "groups", "preferred_language", "last_login")
    readonly_fields = ("last_login",)
    filter_horizontal = ("groups",)

    def get_queryset(self, request: HttpRequest):  # type: ignore[no-untyped-def]
        # Staff accounts only: member accounts belong to the members, not to the admin.
        return super().get_queryset(request).filter(groups__isnull=False).distinct()

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return False  # deactivate instead: the audit trail names people by id


admin.site.unregister(Group)
