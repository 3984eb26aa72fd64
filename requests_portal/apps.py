from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class RequestsPortalConfig(AppConfig):
    default = True
    name = "requests_portal"
    verbose_name = _("開示等請求ポータル")
    default_auto_field = "django.db.models.BigAutoField"


class PortalAdminConfig(admin_apps.AdminConfig):
    """The Django admin, opened only to the admin role, for configuration (not case work)."""

    default = False
    default_site = "requests_portal.admin_site.PortalAdminSite"
