"""Template context shared by every page."""

from django.http import HttpRequest

from requests_portal.roles import CapabilityMap, is_staff_user


def portal(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    return {
        "portal_is_staff": is_staff_user(user),
        # What the signed-in person may do, from the one permission table (roles.ROLE_CAPABILITIES).
        "portal_can": CapabilityMap(user),
    }
