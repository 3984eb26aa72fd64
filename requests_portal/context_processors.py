"""Template context shared by every page."""

from django.http import HttpRequest

from requests_portal.roles import is_staff_user, user_roles


def portal(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    return {
        "portal_is_staff": is_staff_user(user),
        "portal_roles": user_roles(user),
    }
