"""Member accounts: hooks into django-allauth (sign-up against the roster) and django-axes.

Sign-up (docs/legal.md#sign-up; 個人情報保護法第37条第1項): a member gives their 組合員番号, date
of birth (和暦 or western) and an email address. Only a roster member (`Member`) without a
login may sign up, and only once. Whether the number exists is never revealed: a wrong
number, a wrong date of birth and an already registered member all get the same message,
and failed attempts are throttled per member number and per address. allauth then sends
the confirmation mail; confirming logs the member in (same browser) and the adapter sends
them to set their password. In another browser, the confirmed member sets a password
through the password-reset mail.
"""

import hashlib
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import LoginForm, SignupForm
from allauth.core.exceptions import ImmediateHttpResponse
from axes.models import AccessAttempt

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from requests_portal.models import Member, User
from requests_portal.mynumber import contains_my_number, mask_my_numbers, validate_no_my_number
from requests_portal.text import normalize_line
from requests_portal.wareki import parse_japanese_date

# Failed roster matches allowed per member number and per client address in an hour.
SIGNUP_FAILURES_PER_NUMBER = 5
SIGNUP_FAILURES_PER_ADDRESS = 20
_FAILURE_WINDOW_SECONDS = 3600

SIGNUP_NOT_MATCHED = _(
    "入力された組合員番号と生年月日では登録できませんでした。組合員証などで組合員番号と生年月日をご確認ください。"
    "すでに利用登録がお済みの方は、ログイン画面から「パスワードをお忘れの方」をご利用ください。"
    "ご不明な点は総務部までお問い合わせください。"
)
SIGNUP_THROTTLED = _(
    "登録の試行が続けて失敗したため、しばらく登録を受け付けられません。時間をおいてからお試しいただくか、"
    "総務部までお問い合わせください。"
)


def normalize_member_number(value: str) -> str:
    """'１０００ ０１' -> '100001': NFKC, no spaces (the roster's numbers are stored this way)."""
    return normalize_line(value).replace(" ", "").replace("-", "").upper()


def _counter_key(kind: str, value: str) -> str:
    digest = hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()[:32]
    return f"portal:signup-failures:{kind}:{digest}"


def _failures(key: str) -> int:
    return int(cache.get(key, 0))


def _count_failure(key: str) -> None:
    if cache.add(key, 1, _FAILURE_WINDOW_SECONDS):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired in between
        cache.set(key, 1, _FAILURE_WINDOW_SECONDS)


def _client_address(request: HttpRequest | None) -> str:
    from requests_portal.middleware import client_ip

    return client_ip(request) if request is not None else ""


class MemberSignupForm(SignupForm):
    """allauth's sign-up form plus the roster check: member number + date of birth + email."""

    # Declared because allauth's base form is untyped: what Django's BaseForm holds as `data`.
    data: QueryDict | dict[str, Any]

    member_number = forms.CharField(
        label=_("組合員番号"),
        max_length=30,
        help_text=_("組合員証などに記載の番号です。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"}),
        validators=[validate_no_my_number],
    )
    birth_date = forms.CharField(
        label=_("生年月日"),
        max_length=30,
        help_text=_("例：1978-04-12、昭和53年4月12日、S53.4.12"),
        widget=forms.TextInput(attrs={"autocomplete": "bday"}),
        validators=[validate_no_my_number],
    )
    field_order = ["member_number", "birth_date", "email"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The password is chosen after the address is confirmed, never here.
        self.fields.pop("password1", None)
        self.fields.pop("password2", None)
        self.member: Member | None = None
        email = self.fields["email"]
        email.label = _("メールアドレス")
        email.help_text = _("確認のメールをお送りします。ログインにも使います。")
        email.widget.attrs.pop("placeholder", None)
        email.validators.append(validate_no_my_number)

    def full_clean(self) -> None:
        super().full_clean()
        # A My Number typed into any field is never shown again (the page re-renders self.data).
        if self.is_bound and any(contains_my_number(str(v)) for v in self.data.values()):
            data = self.data.copy()
            for key, value in data.items():
                if contains_my_number(str(value)):
                    data[key] = ""
            self.data = data

    def clean_birth_date(self) -> object:
        try:
            return parse_japanese_date(self.cleaned_data["birth_date"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None

    def clean(self) -> dict:
        cleaned = super().clean()
        number = normalize_member_number(cleaned.get("member_number") or "")
        birth_date = cleaned.get("birth_date")
        if not number or birth_date is None:
            return cleaned
        from allauth.core import context

        request = getattr(context, "request", None)  # allauth's middleware keeps it
        number_key = _counter_key("number", number)
        address_key = _counter_key("address", _client_address(request))
        if _failures(number_key) >= SIGNUP_FAILURES_PER_NUMBER or _failures(address_key) >= SIGNUP_FAILURES_PER_ADDRESS:
            raise forms.ValidationError(SIGNUP_THROTTLED, code="throttled")
        member = Member.objects.filter(member_number=number, birth_date=birth_date, is_active=True).first()
        if member is None or User.objects.filter(member=member).exists():
            _count_failure(number_key)
            _count_failure(address_key)
            raise forms.ValidationError(SIGNUP_NOT_MATCHED, code="not_matched")
        self.member = member
        return cleaned

    def signup(self, request: HttpRequest, user: User) -> None:
        """Called by allauth with the new (saved) user: link it to the roster row, once."""
        with transaction.atomic():
            if self.member is None:
                raise RuntimeError("signup() runs only after clean() matched the roster")
            member = Member.objects.select_for_update().get(pk=self.member.pk)
            taken = User.objects.filter(member=member).exclude(pk=user.pk).exists()
            if not taken:
                user.member = member
                user.display_name = member.full_name
                user.save(update_fields=["member", "display_name"])
        if taken:
            # A parallel sign-up for the same member won the race: this login must not exist.
            user.delete()
            messages.error(request, SIGNUP_NOT_MATCHED)
            raise ImmediateHttpResponse(redirect("account_signup"))
        _tell_roster_address(user=user, member=member)


def _masked_email(address: str) -> str:
    local, _at, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def _tell_roster_address(*, user: User, member: Member) -> None:
    """If the roster has another address for this member, tell it about the sign-up.

    Anyone who knows a colleague's member number and date of birth could try to register
    in their name; the registered address is told, so the member notices and can call us.
    """
    if not member.email or member.email.lower() == user.email.lower():
        return
    from requests_portal.outbox import mail_enqueue

    mail_enqueue(
        key=f"account:{user.pk}:registered-notice",
        template="account_registered_notice",
        context={"masked_email": _masked_email(user.email)},
        to_email=member.email,
    )


class GuardedLoginForm(LoginForm):
    """allauth's sign-in form, which never shows a My Number typed into it again."""

    # allauth is untyped; a bound form's data is request.POST, or a plain dict in tests.
    data: QueryDict | dict[str, Any]

    def full_clean(self) -> None:
        super().full_clean()
        if self.is_bound and self.errors and any(contains_my_number(str(v)) for v in self.data.values()):
            data = self.data.copy()
            for key, value in data.items():
                if contains_my_number(str(value)):
                    data[key] = ""
            self.data = data


class AccountAdapter(DefaultAccountAdapter):
    """Sign-up is open only for members of the roster (the signup form checks the roster)."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(getattr(settings, "DSR_MEMBER_SIGNUP_OPEN", True))

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        # Where the new member lands once the confirmation link logged them in.
        return reverse("account_set_password")

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        if request.user.is_authenticated and not request.user.has_usable_password():
            return reverse("account_set_password")
        return super().get_login_redirect_url(request)

    def get_email_verification_redirect_url(self, email_address: object) -> str:
        user = getattr(email_address, "user", None)
        if not self.request.user.is_authenticated and user is not None and not user.has_usable_password():
            # Confirmed in another browser than the one that signed up: set the password by mail.
            messages.info(
                self.request,
                _(
                    "メールアドレスを確認しました。続けてパスワードを設定するため、"
                    "もう一度メールアドレスを入力して「パスワード設定用のメール」を受け取ってください。"
                ),
            )
            return reverse("account_reset_password")
        return super().get_email_verification_redirect_url(email_address)

    def get_password_change_redirect_url(self, request: HttpRequest) -> str:
        return reverse("requests_portal:home")


def axes_username(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str | None:
    """The login name axes counts failures against.

    allauth authenticates with `email=` and posts the field as `login`, so axes would see no
    username and lock out per address only (docs/reliability.md#lockout).
    """
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("username") or credentials.get("login")
    if not value and request is not None and request.method == "POST":
        value = request.POST.get("login") or request.POST.get("email")
    if not isinstance(value, str) or not value.strip():
        return None
    # A My Number typed into the login box must not be kept in axes' tables nor in the audit
    # trail (番号法第20条). Every such login counts against the one masked name, which no account has.
    return mask_my_numbers(value.strip().lower())


def keep_no_request_data_in_axes(sender: type, instance: AccessAttempt, **kwargs: Any) -> None:
    """pre_save of axes' AccessAttempt: keep neither the query string nor the POST data.

    axes stores every posted field but the ones named in AXES_SENSITIVE_PARAMETERS, and anyone
    may post any field to the login page, with a My Number or another person's data in it. The
    lockout needs only the (masked) login name, the address and the browser.
    """
    instance.get_data = ""
    instance.post_data = ""
