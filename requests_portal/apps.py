from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class RequestsPortalConfig(AppConfig):
    default = True
    name = "requests_portal"
    verbose_name = _("開示等請求ポータル")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from requests_portal.bootstrap import on_post_migrate

        # Runs after auth's own post_migrate handler has created the permissions it needs.
        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="requests_portal.reference_data")
        # Connects the sign-in audit and lockout receivers (docs/reliability.md#sessions).
        from requests_portal import staff_auth  # noqa: F401


class PortalAdminConfig(admin_apps.AdminConfig):
    """The Django admin, opened only to the admin role, for configuration (not case work)."""

    default = False
    default_site = "requests_portal.admin_site.PortalAdminSite"
