"""Template context shared by every page."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from requests_portal import health
from requests_portal.roles import Capability, CapabilityMap, has_capability, is_staff_user


def portal(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    return {
        "portal_is_staff": is_staff_user(user),
        # What the signed-in person may do, from the one permission table (roles.ROLE_CAPABILITIES).
        "portal_can": CapabilityMap(user),
        # When the worker or beat was last heard of, if too long ago: read (one query) only if a
        # page shows the banner, and only for those allowed to see it.
        "portal_background_silent_since": SimpleLazyObject(lambda: _background_silent_since(user)),
    }


def _background_silent_since(user: object) -> object:
    if not has_capability(user, Capability.SEE_SYSTEM_HEALTH):
        return None
    return health.background_silent_since()
