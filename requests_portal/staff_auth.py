"""Staff sign-in policy: a second factor in every session, session lifetimes, and the audit
of sign-ins, failures and lockouts.

Staff sign in with django-allauth (password, then a TOTP code from allauth.mfa); django-axes
counts failures per account. On top of that, `SessionPolicyMiddleware` makes sure that

- a staff account (any role in roles.py) has proved its second factor *in this session*
  before any page other than the enrolment / verification pages answers (first login
  enrols the authenticator app);
- a staff session ends after DSR_STAFF_IDLE_SECONDS without a request, and
  SESSION_COOKIE_AGE after sign-in whatever happens (ASVS 4.0.3 3.3.2 L3: 15 min / 12 h);
  a member's session after DSR_MEMBER_IDLE_SECONDS idle (L2: 30 min) and the same 12 h;
- a session whose account was deactivated is flushed at its next request.

The receivers below write one audit entry per sign-in, sign-out, failure, lockout, second
factor used, enrolled or removed, and feed failed codes into axes so that guessing codes
locks the account exactly like guessing passwords.
"""

import base64
import hashlib
import time
from collections.abc import Callable
from typing import Any

from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authentication_failed, authenticator_added, authenticator_removed, authenticator_used
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from cryptography.fernet import Fernet, InvalidToken
from django_htmx.http import HttpResponseClientRedirect

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.contrib.auth.views import redirect_to_login
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from requests_portal import audit
from requests_portal.accounts import axes_username, keep_no_request_data_in_axes
from requests_portal.models import User
from requests_portal.roles import is_staff_user

# Session keys. The MFA mark names the user it was earned by, so it can never carry over.
MFA_VERIFIED_KEY = "dsr_mfa_verified_user"
LOGIN_AT_KEY = "dsr_login_at"
SEEN_AT_KEY = "dsr_seen_at"
# Writing the session on every request costs a database write; a minute of slack on the
# idle clock is not worth that.
_SEEN_AT_RESOLUTION_SECONDS = 60

# Pages a staff member may open before the second factor is proved: enrolment, the code
# prompt, the recovery codes shown right after enrolment, sign-out and the language switch.
MFA_EXEMPT_URL_NAMES = frozenset(
    {
        "mfa_activate_totp",
        "mfa_reauthenticate",
        "mfa_index",
        "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes",
        "mfa_download_recovery_codes",
        "account_reauthenticate",
        "account_logout",
        "account_login",
        "set_language",
    }
)


def mark_mfa_verified(request: HttpRequest, user: User) -> None:
    request.session[MFA_VERIFIED_KEY] = str(user.pk)


def mfa_verified(request: HttpRequest) -> bool:
    """True when the signed-in user proved a second factor in this session."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    return request.session.get(MFA_VERIFIED_KEY) == str(user.pk)


def has_totp(user: AbstractBaseUser | AnonymousUser) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


def staff_mfa_step_url(request: HttpRequest) -> str:
    """Where a staff member without a proved second factor is sent: enrol, or enter a code."""
    if has_totp(request.user):
        return f"{reverse('mfa_reauthenticate')}?{urlencode({'next': request.get_full_path()})}"
    return reverse("mfa_activate_totp")


def _url_name(request: HttpRequest) -> str | None:
    try:
        return resolve(request.path_info).url_name
    except Resolver404:
        return None


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    # An htmx request would swap the target page into a fragment; make the browser navigate.
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)


class SessionPolicyMiddleware:
    """Idle and absolute timeouts for every signed-in account, the second factor for staff, and
    the sign-out of deactivated accounts."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self._check(request) or self.get_response(request)

    def _check(self, request: HttpRequest) -> HttpResponse | None:
        session = request.session
        user = request.user
        if SESSION_KEY in session and not user.is_authenticated:
            # The backend refused the stored user: deactivated (or deleted) since sign-in.
            audit.record(action="auth.session_ended", actor=None, outcome="denied", data={"reason": "inactive_account"})
            session.flush()
            return None
        if not user.is_authenticated:
            return None
        staff = is_staff_user(user)
        idle_limit = settings.DSR_STAFF_IDLE_SECONDS if staff else settings.DSR_MEMBER_IDLE_SECONDS

        now = time.time()
        login_at = session.setdefault(LOGIN_AT_KEY, now)
        seen_at = session.get(SEEN_AT_KEY, login_at)
        if now - login_at > settings.SESSION_COOKIE_AGE:
            return self._expire(request, "absolute")
        if now - seen_at > idle_limit:
            return self._expire(request, "idle")
        if now - seen_at >= _SEEN_AT_RESOLUTION_SECONDS or SEEN_AT_KEY not in session:
            session[SEEN_AT_KEY] = now

        if staff and not mfa_verified(request) and _url_name(request) not in MFA_EXEMPT_URL_NAMES:
            return _redirect(request, staff_mfa_step_url(request))
        return None

    def _expire(self, request: HttpRequest, reason: str) -> HttpResponse:
        user = request.user
        audit.record(action="auth.session_expired", actor=user, data={"reason": reason})
        logout(request)
        messages.warning(
            request,
            _("一定時間操作がなかったため、ログアウトしました。もう一度ログインしてください。")
            if reason == "idle"
            else _("ログインから一定時間が経過したため、ログアウトしました。もう一度ログインしてください。"),
        )
        response = redirect_to_login(request.get_full_path())
        return _redirect(request, response["Location"])


def _secret_fernet() -> Fernet:
    # A key of its own for authenticator secrets, derived from the deployment's file key
    # (key separation: the same bytes never encrypt two kinds of data).
    material = hashlib.sha256(b"keiseikyo:mfa-secret:" + settings.DSR_FILE_ENCRYPTION_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(material))


class MfaAdapter(DefaultMFAAdapter):
    """TOTP secrets are encrypted at rest, and staff cannot switch their second factor off."""

    def encrypt(self, text: str) -> str:
        return _secret_fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        try:
            return _secret_fernet().decrypt(encrypted_text.encode()).decode()
        except InvalidToken:
            # A secret stored before encryption was switched on (never in production data).
            return encrypted_text

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        if is_staff_user(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)


# --- audit and lockout hooks ---------------------------------------------------------------


@receiver(user_logged_in, dispatch_uid="staff_auth.logged_in")
def _on_logged_in(sender: object, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[LOGIN_AT_KEY] = now
        request.session[SEEN_AT_KEY] = now
        if is_staff_user(user) and not has_totp(user):
            # First sign-in: enrolment follows at once, and allauth asks for a *re*-authentication
            # before adding an authenticator. The password was typed a moment ago; asking for it
            # again would only teach people to type passwords twice.
            record_authentication(request, user, method="password", reauthenticated=True, enrolment=True)
    audit.record(action="auth.login", actor=user)


@receiver(user_logged_out, dispatch_uid="staff_auth.logged_out")
def _on_logged_out(sender: object, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        audit.record(action="auth.logout", actor=user)


@receiver(user_login_failed, dispatch_uid="staff_auth.login_failed")
def _on_login_failed(sender: object, credentials: dict, request: HttpRequest | None = None, **kwargs: Any) -> None:
    login = axes_username(request, credentials) or ""
    audit.record(action="auth.login_failed", actor=None, outcome="denied", data={"login": login[:150]})


pre_save.connect(keep_no_request_data_in_axes, sender=AccessAttempt, dispatch_uid="staff_auth.axes_no_request_data")


@receiver(user_locked_out, dispatch_uid="staff_auth.locked_out")
def _on_locked_out(sender: object, request: HttpRequest | None, username: str | None, **kwargs: Any) -> None:
    audit.record(action="auth.lockout", actor=None, outcome="denied", data={"login": (username or "")[:150]})


@receiver(authenticator_used, dispatch_uid="staff_auth.mfa_used")
def _on_mfa_used(sender: object, request: HttpRequest, user: User, authenticator: Authenticator, **kwargs: Any) -> None:
    mark_mfa_verified(request, user)
    audit.record(action="auth.mfa_verified", actor=user, data={"type": authenticator.type})


@receiver(authenticator_added, dispatch_uid="staff_auth.mfa_added")
def _on_mfa_added(
    sender: object, request: HttpRequest, user: User, authenticator: Authenticator, **kwargs: Any
) -> None:
    if authenticator.type == Authenticator.Type.TOTP:
        # Activation itself checked a fresh code from the new authenticator.
        mark_mfa_verified(request, user)
    audit.record(action="auth.mfa_enrolled", actor=user, data={"type": authenticator.type})


@receiver(authenticator_removed, dispatch_uid="staff_auth.mfa_removed")
def _on_mfa_removed(
    sender: object, request: HttpRequest, user: User, authenticator: Authenticator, **kwargs: Any
) -> None:
    audit.record(action="auth.mfa_removed", actor=user, data={"type": authenticator.type})


@receiver(authentication_failed, dispatch_uid="staff_auth.mfa_failed")
def _on_mfa_failed(
    sender: object, request: HttpRequest, user: User, authenticator: Authenticator, **kwargs: Any
) -> None:
    audit.record(action="auth.mfa_failed", actor=user, outcome="denied", data={"type": authenticator.type})
    # A wrong code counts against the account like a wrong password (axes locks it out).
    AxesProxyHandler.user_login_failed(sender=__name__, credentials={"email": user.email}, request=request)


def is_locked_out(request: HttpRequest, user: User) -> bool:
    return AxesProxyHandler.is_locked(request, credentials={"email": user.email})
