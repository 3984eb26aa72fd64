"""Demo-only second factor: a TOTP authenticator with a secret derived from the account's
address, so the demo's staff can sign in without a phone (`manage.py demo_totp <email>`).

Refuses to run unless DEBUG is on: a production database must never hold a guessable secret.
"""

import base64
import hashlib

from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from requests_portal.models import User

_DEMO_SALT = "keiseikyo-demo-totp-v1"


def require_debug() -> None:
    if not settings.DEBUG:
        raise ImproperlyConfigured("Demo TOTP secrets exist only in the demo (DJANGO_DEBUG=1).")


def demo_totp_secret(email: str) -> str:
    require_debug()
    digest = hashlib.sha256(f"{_DEMO_SALT}:{email.lower()}".encode()).digest()
    return base64.b32encode(digest[:20]).decode()


def enrol_demo_totp(user: User) -> bool:
    """Give `user` the demo authenticator unless they already have one; True when added."""
    require_debug()
    if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        return False
    Authenticator.objects.create(
        user=user,
        type=Authenticator.Type.TOTP,
        data={"secret": get_adapter().encrypt(demo_totp_secret(user.email))},
    )
    return True


def current_code(email: str, *, at: float) -> str:
    require_debug()
    return format_hotp_value(hotp_value(demo_totp_secret(email), int(at // 30)))
