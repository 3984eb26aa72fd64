"""The admin site: configuration only, and only for the admin role."""

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from requests_portal.roles import Role, has_role


class PortalAdminSite(admin.AdminSite):
    site_header = _("警察職員生協 開示等請求ポータル 設定")
    site_title = _("ポータル設定")
    index_title = _("設定")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and has_role(user, Role.ADMIN))
