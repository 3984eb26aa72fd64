"""The admin site: configuration only, and only for the admin role with a proved second factor."""

from functools import update_wrapper
from typing import Any

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from requests_portal.roles import Capability, has_capability


class PortalAdminSite(admin.AdminSite):
    site_header = _("警察職員生協 開示等請求ポータル 設定")
    site_title = _("ポータル設定")
    index_title = _("設定")

    def has_permission(self, request: HttpRequest) -> bool:
        from requests_portal.staff_auth import mfa_verified

        user = request.user
        return bool(
            user.is_active and user.is_staff and has_capability(user, Capability.ADMINISTER) and mfa_verified(request)
        )

    def admin_view(self, view, cacheable: bool = False):  # type: ignore[no-untyped-def]
        inner = super().admin_view(view, cacheable)

        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            # A signed-in account without the admin role gets the same 404 as a missing page,
            # not a login prompt that would reveal where the admin lives.
            if request.user.is_authenticated and not self.has_permission(request):
                raise Http404
            return inner(request, *args, **kwargs)

        return update_wrapper(wrapper, inner)

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        # Django's own admin login would skip the second factor: everyone signs in through
        # allauth (password, then TOTP) and comes back here afterwards.
        if request.user.is_authenticated:
            if self.has_permission(request):
                return super().login(request, extra_context)
            raise Http404
        target = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
        return redirect_to_login(target, login_url=reverse("account_login"))
