"""View decorators: who may open a page at all. Object access is permissions.access_*."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django_htmx.middleware import HtmxDetails

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from requests_portal.models import User
from requests_portal.roles import is_staff_user

View = Callable[..., HttpResponseBase]


class HtmxHttpRequest(HttpRequest):
    """A request as django-htmx's middleware leaves it (settings.MIDDLEWARE): with `htmx`."""

    htmx: HtmxDetails


def member_required(view: View) -> View:
    """A signed-in member (or agent) account; staff accounts are not members."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if is_staff_user(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def staff_required(view: View) -> View:
    """A signed-in account holding a staff role; anyone else gets the same 404 as a missing page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_staff_user(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def signed_in_user(request: HttpRequest) -> User:
    """The signed-in account of a view behind member_required/staff_required (or another sign-in
    check), typed as User; an anonymous request here is a missing decorator, so it is refused."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user
