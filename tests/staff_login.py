"""Signing staff in for tests.

A real staff sign-in is password + TOTP code (requests_portal.staff_auth); `Client.force_login`
stands for a completed sign-in, so tests/conftest.py makes it record the second factor for
staff accounts too. Tests of the half-signed-in state use `login_without_mfa`; tests of the
real flow post the login form and a code computed from the enrolled secret (`totp_code`).
"""

import base64
import hashlib
import hmac
import struct
import time

from django.test import Client

from requests_portal.roles import is_staff_user
from requests_portal.staff_auth import MFA_VERIFIED_KEY

ORIGINAL_FORCE_LOGIN = Client.force_login


def force_login_with_second_factor(self: Client, user: object, backend: str | None = None) -> None:
    ORIGINAL_FORCE_LOGIN(self, user, backend)
    if is_staff_user(user):
        session = self.session
        session[MFA_VERIFIED_KEY] = str(user.pk)  # type: ignore[attr-defined]
        session.save()


def login_without_mfa(client: Client, user: object) -> None:
    """A staff session that passed the password step but not the second factor."""
    ORIGINAL_FORCE_LOGIN(client, user)


def totp_code(secret: str, *, at: float | None = None, period: int = 30, digits: int = 6) -> str:
    """RFC 6238 TOTP (HMAC-SHA1), as an authenticator app computes it from the base32 secret."""
    counter = int((time.time() if at is None else at) // period)
    digest = hmac.new(base64.b32decode(secret, casefold=True), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**digits
    return f"{value:0{digits}d}"


def wait_for_fresh_totp_window(min_seconds_left: float = 4.0, period: int = 30) -> None:
    """Sleep past a window boundary when the current code is about to expire (no flaky tests)."""
    left = period - (time.time() % period)
    if left < min_seconds_left:
        time.sleep(left + 0.2)
