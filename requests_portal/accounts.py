"""Hooks into django-allauth and django-axes."""

from allauth.account.adapter import DefaultAccountAdapter

from django.conf import settings
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    """Sign-up is open only for members of the roster (the signup form checks the roster)."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(getattr(settings, "DSR_MEMBER_SIGNUP_OPEN", True))


def axes_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """The login name axes counts failures against.

    allauth authenticates with `email=` and posts the field as `login`, so axes would see no
    username and lock out per address only (STACK.md gotcha 8).
    """
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("username") or credentials.get("login")
    if not value and request is not None and request.method == "POST":
        value = request.POST.get("login") or request.POST.get("email")
    return value.strip().lower() if isinstance(value, str) and value.strip() else None
