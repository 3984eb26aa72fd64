"""The member's forms: the request wizard (one form per kind), 補正 answers, messages, withdrawal.

Forms only clean input; views hand `form.submission()` to services.dsr_submit.

Every text field passes the My Number guard (a checksum-valid number blocks the form and
is blanked before the page is shown again; a checksum-failing 12-digit run only warns).
Choice errors never repeat the posted value. Uploaded files are not cleaned here: the view
runs each one through uploads.accept_upload and hands the accepted `Document`s (and the
reasons for any rejection) to the form, which checks that the evidence the case needs is
there.

Each kind's form writes the kind's `details` (`kind_details`); what those may hold, and
everything else a kind means, is its spec in models/request_kinds.py, and dsr_submit checks
the details against it.

An agent names the principal (the data subject) by the principal's 組合員番号, full name and
date of birth; all three must match one active roster row, which becomes `dsr.member`. A
mismatch gets one generic message, and failed look-ups are throttled per login, so the form
cannot be used to probe the roster.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any, cast

from django_stubs_ext import StrOrPromise

from django import forms
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict, ErrorList
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from requests_portal.accounts import normalize_member_number
from requests_portal.forms.common import MultipleFileInput
from requests_portal.models import (
    AGENT_FIELDS,
    AGENT_REQUESTER_TYPES,
    DataCategory,
    DisclosureMethod,
    Document,
    DocumentCategory,
    FeeSetting,
    IdDocumentType,
    Member,
    OrganisationProfile,
    RequesterType,
    RequestKind,
    SuspensionGround,
    SuspensionMeasure,
    User,
)
from requests_portal.models.request_kinds import (
    AUTHORITY_DOCUMENT_TYPES,
    CORRECTION_ACTIONS,
    GROUNDS_FOR_MEASURE,
    INQUIRY_TYPES,
    spec_for,
)
from requests_portal.mynumber import (
    WARNING_MESSAGE,
    contains_my_number,
    contains_suspicious_digits,
    validate_no_my_number,
    validate_no_my_number_on_my_number_form,
)
from requests_portal.stored_text import list_separator, stored_label
from requests_portal.text import (
    clean_line,
    clean_text,
    name_search_key,
    normalize_line,
    normalize_postal_code,
    normalize_text,
)
from requests_portal.uploads import ACCEPT_ATTRIBUTE
from requests_portal.wareki import parse_japanese_date

SAFE_INVALID_CHOICE = _("選択肢から選んでください。")
PRINCIPAL_NOT_MATCHED = _(
    "入力された組合員番号・氏名・生年月日に一致する組合員が見つかりません。ご本人の組合員証などでご確認ください。"
)
PRINCIPAL_THROTTLED = _(
    "ご本人の照合に続けて失敗したため、しばらく受け付けられません。時間をおいてからお試しいただくか、"
    "総務部までお問い合わせください。"
)
PRINCIPAL_LOOKUP_FAILURES_PER_HOUR = 10
MAX_CORRECTION_ROWS = 20

IDENTITY_BY_REAUTH = "reauth"
IDENTITY_BY_DOCUMENT = "document"

# ID documents that show numbers the co-op must not see (insurer numbers, basic pension
# numbers): staff must confirm masking before working with them (健康保険法第194条の2; docs/legal.md#identity).
MASKING_ID_DOCUMENT_TYPES = frozenset({IdDocumentType.QUALIFICATION_CERTIFICATE, IdDocumentType.PENSION_BOOK})

AUTHORITY_TYPES_FOR: dict[str, tuple[str, ...]] = {
    RequesterType.APPOINTED_AGENT: ("power_of_attorney", "other"),
    RequesterType.LEGAL_REP_MINOR: ("family_register", "guardianship_certificate", "other"),
    RequesterType.LEGAL_REP_ADULT_GUARDIAN: ("guardianship_certificate", "other"),
}


def guard_text(field: forms.Field) -> None:
    if isinstance(field, forms.CharField) and validate_no_my_number not in field.validators:
        field.validators.append(validate_no_my_number)


class UploadField(forms.FileField):
    """A file input for several files. The view accepts the files (uploads.accept_upload);
    the field only renders the input and carries the reasons for rejected files."""

    def __init__(self, *, category: str, **kwargs: Any) -> None:
        self.category = category
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}))
        super().__init__(**kwargs)

    def clean(self, data: object, initial: object = None) -> list:
        return []


class PortalForm(forms.Form):
    """The guard every member form shares: My Number check on text, safe choice errors,
    soft warnings, a summary of errors for the top of the page, and the "quiet" re-render."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.install_guards()

    def install_guards(self) -> None:
        """Idempotent; runs again before validation, so fields added by subclasses are covered."""
        for field in self.fields.values():
            guard_text(field)
            for key in ("invalid_choice", "invalid_pk_value", "invalid_list"):
                if key in field.error_messages:
                    field.error_messages[key] = SAFE_INVALID_CHOICE
            if isinstance(field, forms.ChoiceField):
                field.error_messages["required"] = _("選んでください。")
            elif isinstance(field, forms.BooleanField):
                field.error_messages["required"] = _("内容を確認し、チェックを入れてください。")
            else:
                field.error_messages["required"] = _("入力してください。")

    def full_clean(self) -> None:
        self.install_guards()
        super().full_clean()

    # -- soft warnings ------------------------------------------------------------------
    @property
    def warnings(self) -> dict[str, StrOrPromise]:
        """Fields whose text holds a 12-digit run that is not a valid My Number."""
        found: dict[str, StrOrPromise] = {}
        if not self.is_bound or not hasattr(self, "cleaned_data"):
            return found
        for name, value in self.cleaned_data.items():
            if isinstance(value, str) and contains_suspicious_digits(value):
                found[name] = WARNING_MESSAGE
        return found

    # -- never echo a My Number ------------------------------------------------------------
    def scrub_my_numbers(self) -> None:
        """Blank every posted value that holds a My Number, so the page never shows it again."""
        if not self.is_bound:
            return
        # In place when possible: a formset inside the form shares this same data object.
        data: Any = self.data if getattr(self.data, "_mutable", True) else cast(QueryDict, self.data).copy()
        for key in list(data.keys()):
            values = data.getlist(key) if hasattr(data, "getlist") else [data[key]]
            if any(isinstance(v, str) and contains_my_number(v) for v in values):
                data[key] = ""
        self.data = data

    def quiet(self) -> None:
        """Validate (to scrub and to keep cleaned values) but show no errors: for re-renders
        that are not a submission, such as removing a file or adding a row."""
        self.full_clean()
        self.scrub_my_numbers()
        self._errors = ErrorDict()

    # -- the error summary ---------------------------------------------------------------
    def error_summary(self) -> list[dict]:
        """[{"target": element id, "label": ..., "message": ...}] in page order."""
        items = [{"target": "", "label": "", "message": e} for e in self.non_field_errors()]
        for name in self.fields:
            bound = self[name]
            for message in bound.errors:
                items.append({"target": _first_input_id(bound), "label": bound.label, "message": message})
        return items


def _first_input_id(bound: forms.BoundField) -> str:
    if isinstance(bound.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return f"{bound.auto_id}_0"
    return bound.auto_id


def _throttle_key(user: User) -> str:
    return f"portal:principal-lookup-failures:{hashlib.sha256(str(user.pk).encode()).hexdigest()[:24]}"


def find_principal(*, user: User, number: str, name: str, birth_date: date) -> Member:
    """The roster member an agent names, or ValidationError (generic; throttled per login)."""
    key = _throttle_key(user)
    if int(cache.get(key, 0)) >= PRINCIPAL_LOOKUP_FAILURES_PER_HOUR:
        raise ValidationError(PRINCIPAL_THROTTLED, code="throttled")
    member = Member.objects.filter(
        member_number=normalize_member_number(number), birth_date=birth_date, is_active=True
    ).first()
    if member is None or member.name_search != name_search_key(name):
        if not cache.add(key, 1, 3600):
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, 3600)
        raise ValidationError(PRINCIPAL_NOT_MATCHED, code="not_matched")
    return member


def fee_for(kind: str) -> FeeSetting | None:
    """The published fee for `kind` (Art. 38); None for the kinds that never carry one."""
    if not spec_for(kind).fee_eligible:
        return None
    return FeeSetting.objects.filter(kind=kind).first()


def electronic_formats() -> list[str]:
    text = normalize_line(OrganisationProfile.load().electronic_formats or "")
    return [part.strip() for part in text.replace("、", ",").split(",") if part.strip()]


# --- correction rows -------------------------------------------------------------------------


class CorrectionRequestRowForm(PortalForm):
    """One row of a 訂正等 request: what to correct, add or delete, and the correct content."""

    action = forms.ChoiceField(
        label=_("求める内容"), choices=[("", "---------"), *CORRECTION_ACTIONS.items()], required=False
    )
    item = forms.CharField(
        label=_("項目"), max_length=100, required=False, help_text=_("例：住所、電話番号、氏名の読み方")
    )
    current = forms.CharField(
        label=_("現在の内容（誤っている内容）"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    correct = forms.CharField(
        label=_("正しい内容"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self) -> dict:
        cleaned = cast("dict[str, Any]", super().clean())  # Form.clean() returns cleaned_data
        action = cleaned.get("action")
        item, current, correct = (clean_text(cleaned.get(k) or "") for k in ("item", "current", "correct"))
        if not (action or item or current or correct):
            return cleaned  # an empty row is ignored
        if not action:
            self.add_error("action", _("訂正・追加・削除のいずれかを選んでください。"))
        if not item:
            self.add_error("item", _("項目を入力してください。"))
        if action in ("correct", "delete") and not current:
            self.add_error("current", _("現在の内容を入力してください。"))
        if action in ("correct", "add") and not correct:
            self.add_error("correct", _("正しい内容を入力してください。"))
        return cleaned

    @property
    def row(self) -> dict | None:
        data = getattr(self, "cleaned_data", {})
        if not data.get("action"):
            return None
        return {
            "action": data["action"],
            "item": clean_line(data.get("item") or ""),
            "current": clean_text(data.get("current") or ""),
            "correct": clean_text(data.get("correct") or ""),
        }


CorrectionRequestRowFormSet = forms.formset_factory(
    CorrectionRequestRowForm, extra=0, min_num=1, max_num=MAX_CORRECTION_ROWS, absolute_max=MAX_CORRECTION_ROWS
)


# --- the request form --------------------------------------------------------------------------


class RequestForm(PortalForm):
    """What every kind asks: who is asking, for whom, the identity evidence and free text.

    Subclasses add the kind-specific fields (`KIND_FIELDS`) and build `details`.
    """

    kind: str = ""
    summary_required = False
    allows_supporting_files = True
    KIND_FIELDS: tuple[str, ...] = ()

    requester_type = forms.ChoiceField(
        label=_("どなたが請求しますか"), choices=RequesterType.choices, widget=forms.RadioSelect, initial="self"
    )
    principal_member_number = forms.CharField(label=_("ご本人の組合員番号"), max_length=30, required=False)
    principal_name = forms.CharField(
        label=_("ご本人の氏名"), max_length=100, required=False, help_text=_("組合員名簿のとおりに（例：山田 太郎）")
    )
    principal_birth_date = forms.CharField(
        label=_("ご本人の生年月日"),
        max_length=30,
        required=False,
        help_text=_("例：2010-05-05、平成22年5月5日、H22.5.5"),
    )
    agent_name = forms.CharField(label=_("代理人の氏名"), max_length=100, required=False)
    agent_name_kana = forms.CharField(label=_("代理人の氏名（フリガナ）"), max_length=200, required=False)
    agent_relationship = forms.CharField(
        label=_("ご本人との関係"), max_length=100, required=False, help_text=_("例：父、母、成年後見人、配偶者")
    )
    agent_postal_code = forms.CharField(
        label=_("代理人の郵便番号"),
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )
    agent_address = forms.CharField(label=_("代理人の住所"), max_length=300, required=False)
    agent_phone = forms.CharField(
        label=_("代理人の電話番号"), max_length=20, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    agent_email = forms.EmailField(label=_("代理人のメールアドレス"), required=False)
    # The principal may want the answers themselves (docs/legal.md#agents); the recipient rule
    # in notifications.py then applies. Named agent_* so it is shown and stored only for agents.
    agent_letters_to = forms.ChoiceField(
        label=_("通知書やお知らせの送付先"),
        choices=[("agent", _("代理人（この請求をする方）")), ("member", _("ご本人（ご本人の希望）"))],
        widget=forms.RadioSelect,
        initial="agent",
        required=False,
        help_text=_("ご本人が、通知書やお知らせをご本人に送るよう求めているときは「ご本人」を選んでください。"),
    )
    authority_document_type = forms.ChoiceField(
        label=_("代理権を証する書類の種類"),
        choices=[("", "---------"), *AUTHORITY_DOCUMENT_TYPES.items()],
        required=False,
    )
    authority_files = UploadField(
        category=DocumentCategory.AUTHORITY,
        label=_("代理権を証する書類の写し"),
        help_text=_("委任状、戸籍謄本、登記事項証明書など。PDF・JPEG・PNG、1ファイル10MBまで。"),
    )

    summary = forms.CharField(label=_("件名"), max_length=200, required=False)
    description = forms.CharField(
        label=_("請求の内容"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 6})
    )

    identity_method = forms.ChoiceField(
        label=_("本人確認の方法"),
        choices=[
            (IDENTITY_BY_REAUTH, _("再認証（ログインのパスワードをもう一度入力します。書類は不要です）")),
            (IDENTITY_BY_DOCUMENT, _("本人確認書類の写しを添付する")),
        ],
        widget=forms.RadioSelect,
        required=False,
        initial=IDENTITY_BY_REAUTH,
    )
    id_document_type = forms.ChoiceField(
        label=_("本人確認書類の種類"),
        choices=[("", "---------"), *IdDocumentType.choices],
        required=False,
        help_text=_("書類の番号は入力しないでください。"),
    )
    identity_files = UploadField(
        category=DocumentCategory.IDENTITY,
        label=_("本人確認書類の写し"),
        help_text=_(
            "運転免許証、マイナンバーカードの表面、パスポートなど。"
            "マイナンバーカードの裏面（個人番号が記載された面）は添付しないでください。"
        ),
    )
    not_card_back = forms.BooleanField(
        label=_("添付した書類に、マイナンバーカードの裏面やマイナンバー（個人番号）が写っていないことを確認しました"),
        required=False,
    )
    supporting_files = UploadField(
        category=DocumentCategory.SUPPORTING,
        label=_("参考資料"),
        help_text=_("請求の内容を説明する資料があれば添付してください。"),
    )

    def __init__(
        self,
        *args: Any,
        user: User,
        documents: Iterable[Document] = (),
        upload_errors: dict[str, list[str]] | None = None,
        **kwargs: Any,
    ) -> None:
        self.user = user
        self.documents = list(documents)
        self.upload_errors = upload_errors or {}
        self.principal: Member | None = None
        super().__init__(*args, **kwargs)
        if user.member_id is None:
            # A login without a roster row can only act for someone else.
            cast(forms.ChoiceField, self.fields["requester_type"]).choices = [
                c for c in RequesterType.choices if c[0] in AGENT_REQUESTER_TYPES
            ]
            self.fields["requester_type"].initial = RequesterType.APPOINTED_AGENT
        elif not self.is_bound:
            member = cast(Member, user.member)  # member_id is set: checked just above
            self.initial.setdefault("agent_name", member.full_name)
            self.initial.setdefault("agent_name_kana", member.full_name_kana)
            self.initial.setdefault("agent_postal_code", member.postal_code)
            self.initial.setdefault("agent_address", member.address)
            self.initial.setdefault("agent_phone", member.phone)
            self.initial.setdefault("agent_email", user.email)
        if self.summary_required:
            self.fields["summary"].required = True
        if not self.allows_supporting_files:
            del self.fields["supporting_files"]
        self.order_fields(self.field_order_for_page())

    # -- page order ----------------------------------------------------------------------
    def field_order_for_page(self) -> list[str]:
        return [
            "requester_type",
            "principal_member_number",
            "principal_name",
            "principal_birth_date",
            *AGENT_FIELDS,
            "agent_letters_to",
            "authority_document_type",
            "authority_files",
            *self.KIND_FIELDS,
            "summary",
            "description",
            "identity_method",
            "id_document_type",
            "identity_files",
            "not_card_back",
            "supporting_files",
        ]

    # -- helpers -------------------------------------------------------------------------
    @property
    def upload_fields(self) -> dict[str, str]:
        """File field name -> DocumentCategory."""
        return {name: field.category for name, field in self.fields.items() if isinstance(field, UploadField)}

    def documents_in(self, category: str) -> list[Document]:
        return [d for d in self.documents if d.category == category]

    @property
    def identity_documents(self) -> list[Document]:
        return self.documents_in(DocumentCategory.IDENTITY)

    @property
    def authority_documents(self) -> list[Document]:
        return self.documents_in(DocumentCategory.AUTHORITY)

    @property
    def supporting_documents(self) -> list[Document]:
        return self.documents_in(DocumentCategory.SUPPORTING)

    @property
    def is_agent(self) -> bool:
        value = self.cleaned_data.get("requester_type") if hasattr(self, "cleaned_data") else None
        return value in AGENT_REQUESTER_TYPES

    @property
    def fee(self) -> FeeSetting | None:
        return fee_for(self.kind)

    def _require(self, *names: str) -> None:
        for name in names:
            value = self.cleaned_data.get(name)
            if value in (None, "", [], ()) and name not in self.errors:
                self.add_error(name, ValidationError(_("入力してください。"), code="required"))

    # -- validation ----------------------------------------------------------------------
    def clean_agent_postal_code(self) -> str:
        value = self.cleaned_data.get("agent_postal_code") or ""
        if not value.strip():
            return ""
        try:
            return normalize_postal_code(value)
        except ValueError:
            message = _("郵便番号は7桁の数字で入力してください（例：100-0013）。")
            raise ValidationError(message, code="invalid") from None

    def clean_agent_email(self) -> str:
        return (self.cleaned_data.get("agent_email") or "").lower()

    def clean(self) -> dict:
        cleaned = cast("dict[str, Any]", super().clean())  # Form.clean() returns cleaned_data
        for name, messages in self.upload_errors.items():
            for message in messages:
                self.add_error(name, ValidationError(message, code="upload"))
        for name, value in list(cleaned.items()):
            if isinstance(value, str) and not isinstance(self.fields[name], forms.ChoiceField):
                # Kept as typed; numbers and dates are NFKC-normalised where they are looked up.
                cleaned[name] = (
                    clean_text(value) if isinstance(self.fields[name].widget, forms.Textarea) else clean_line(value)
                )
        requester_type = cleaned.get("requester_type")
        if requester_type == RequesterType.SELF:
            self._clean_self(cleaned)
        elif requester_type in AGENT_REQUESTER_TYPES:
            self._clean_agent(cleaned, requester_type)
        self.clean_kind(cleaned)
        return cleaned

    def _clean_self(self, cleaned: dict) -> None:
        if self.user.member_id is None:
            self.add_error("requester_type", _("ご本人として請求するには、組合員としての利用登録が必要です。"))
            return
        method = cleaned.get("identity_method")
        if not method:
            self.add_error("identity_method", _("本人確認の方法を選んでください。"))
        elif method == IDENTITY_BY_DOCUMENT:
            self._clean_identity_documents(cleaned)

    def _clean_identity_documents(self, cleaned: dict) -> None:
        self._require("id_document_type")
        if not self.documents_in(DocumentCategory.IDENTITY) and not self.upload_errors.get("identity_files"):
            self.add_error("identity_files", _("本人確認書類の写しを添付してください。"))
        if not cleaned.get("not_card_back"):
            self.add_error(
                "not_card_back",
                _("マイナンバーカードの裏面やマイナンバーが写っていないことを確認し、チェックを入れてください。"),
            )

    def _clean_agent(self, cleaned: dict, requester_type: str) -> None:
        self._require("principal_member_number", "principal_name", "principal_birth_date")
        self._require("agent_name", "agent_relationship", "authority_document_type")
        birth_date = None
        if cleaned.get("principal_birth_date") and "principal_birth_date" not in self.errors:
            try:
                birth_date = parse_japanese_date(cleaned["principal_birth_date"])
            except ValueError as exc:
                self.add_error("principal_birth_date", ValidationError(str(exc), code="invalid"))
        if birth_date and cleaned.get("principal_member_number") and cleaned.get("principal_name"):
            try:
                self.principal = find_principal(
                    user=self.user,
                    number=cleaned["principal_member_number"],
                    name=cleaned["principal_name"],
                    birth_date=birth_date,
                )
            except ValidationError as exc:
                self.add_error("principal_member_number", exc)
            else:
                if self.principal.pk == self.user.member_id:
                    self.principal = None
                    self.add_error(
                        "requester_type", _("ご自身の請求は「本人」を選んでください（代理人はご本人以外の方です）。")
                    )
        authority = cleaned.get("authority_document_type")
        if authority and authority not in AUTHORITY_TYPES_FOR[requester_type]:
            self.add_error("authority_document_type", _("この代理の区分では選べない書類です。"))
        if not self.documents_in(DocumentCategory.AUTHORITY) and not self.upload_errors.get("authority_files"):
            self.add_error("authority_files", _("代理権を証する書類の写しを添付してください。"))
        # The agent's own identity is shown by an ID document (個人情報保護法第37条第3項; docs/legal.md#agents).
        self._clean_identity_documents(cleaned)

    def clean_kind(self, cleaned: dict) -> None:
        """Kind-specific checks (subclasses)."""

    # -- what the service receives -------------------------------------------------------
    def kind_details(self) -> dict:
        return {}

    def default_summary(self) -> str:
        return str(RequestKind(self.kind).label)

    def submission(self) -> dict:
        """Keyword arguments for services.dsr_submit (without actor, documents, re-auth time)."""
        data = self.cleaned_data
        requester_type = data["requester_type"]
        details = self.kind_details()
        if requester_type == RequesterType.SELF:
            details["identity_method"] = data["identity_method"]
        if requester_type in AGENT_REQUESTER_TYPES or data.get("identity_method") == IDENTITY_BY_DOCUMENT:
            details["id_document_type"] = data["id_document_type"]
        agent: dict[str, str] = {}
        letters_to_member = False
        if requester_type in AGENT_REQUESTER_TYPES:
            details["authority_document_type"] = data["authority_document_type"]
            agent = {key: data.get(key) or "" for key in AGENT_FIELDS}
            letters_to_member = data.get("agent_letters_to") == "member"
        return {
            "member": self.principal if requester_type in AGENT_REQUESTER_TYPES else self.user.member,
            "kind": self.kind,
            "requester_type": requester_type,
            "summary": data.get("summary") or self.default_summary(),
            "description": data.get("description") or "",
            "details": details,
            "disclosure_method": data.get("disclosure_method") or "",
            "disclosure_format": data.get("disclosure_format") or "",
            "agent": agent,
            "letters_to_member": letters_to_member,
        }

    @property
    def needs_reauthentication(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return data.get("requester_type") == RequesterType.SELF and data.get("identity_method") == IDENTITY_BY_REAUTH

    @property
    def identity_documents_need_masking(self) -> bool:
        return getattr(self, "cleaned_data", {}).get("id_document_type") in MASKING_ID_DOCUMENT_TYPES

    # -- the confirmation page -------------------------------------------------------------
    def review_rows(self) -> list[dict]:
        """(label, value, warning) for every answered field, in page order, for the 確認 page."""
        rows = []
        warnings = self.warnings
        by_reauth = self.needs_reauthentication
        for name in self.fields:
            field = self.fields[name]
            if isinstance(field, UploadField):
                continue
            value = self.cleaned_data.get(name)
            if not value:
                continue
            if name.startswith(("principal_", "agent_", "authority_")) and not self.is_agent:
                continue
            if (name == "identity_method" and self.is_agent) or (
                by_reauth and name in ("id_document_type", "not_card_back")
            ):
                continue
            rows.append({"name": name, "label": field.label, "value": self._display(name, value),
                         "warning": warnings.get(name, "")})  # fmt: skip
        return rows

    def _display(self, name: str, value: Any) -> object:
        field = self.fields[name]
        if isinstance(field, forms.BooleanField):
            return _("はい")
        if isinstance(field, forms.ModelMultipleChoiceField):
            return list_separator().join(stored_label(v.name) for v in value)
        if isinstance(field, forms.ChoiceField):
            return dict(cast(Iterable[tuple[Any, Any]], field.choices)).get(value, value)
        return value


class CategoryChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return stored_label(obj.name)  # the installed categories' names in the reader's language


def _category_field() -> forms.ModelMultipleChoiceField:
    return CategoryChoiceField(
        label=_("対象となる保有個人データの項目"),
        queryset=DataCategory.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("組合が保有している個人データの項目です。分かる範囲でお選びください（複数選択可）。"),
    )


def _categories(value: Iterable[DataCategory]) -> list[dict]:
    return [{"id": c.pk, "name": c.name} for c in value]


class PurposeNoticeForm(RequestForm):
    kind = RequestKind.PURPOSE_NOTICE
    KIND_FIELDS = ("data_categories",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["data_categories"] = _category_field()
        self.fields["description"].label = _("利用目的の通知を求める個人情報（分かる範囲で）")
        self.order_fields(self.field_order_for_page())

    def kind_details(self) -> dict:
        return {"data_categories": _categories(self.cleaned_data.get("data_categories") or [])}


if TYPE_CHECKING:
    # The mixin is only ever combined with forms.Form; the checker sees the form it extends.
    _FormBase = forms.Form
else:
    _FormBase = object


class _DisclosureMethodMixin(_FormBase):
    """The method the member chooses (個人情報保護法第33条第1項・第2項; docs/legal.md#art-33)."""

    def add_method_fields(self) -> None:
        formats = electronic_formats()
        self.fields["disclosure_method"] = forms.ChoiceField(
            label=_("開示の方法"), choices=DisclosureMethod.choices, widget=forms.RadioSelect
        )
        self.fields["disclosure_format"] = forms.ChoiceField(
            label=_("電磁的記録の形式"),
            choices=[(f, f) for f in formats],
            widget=forms.RadioSelect,
            required=False,
            help_text=_("電磁的記録の提供を選んだ場合にお選びください。ポータルからダウンロードできます（14日間）。"),
        )
        self.fields["other_method"] = forms.CharField(
            label=_("その他の方法の内容"),
            max_length=200,
            required=False,
            help_text=_("「その他の方法」を選んだ場合に、ご希望の方法（例：総務部窓口での閲覧）を入力してください。"),
        )
        self.fields["period"] = forms.CharField(
            label=_("対象となる期間"), max_length=200, required=False, help_text=_("例：2020年4月から現在まで")
        )

    def clean_method(self, cleaned: dict) -> None:
        method = cleaned.get("disclosure_method")
        if method == DisclosureMethod.ELECTRONIC:
            if not cleaned.get("disclosure_format"):
                self.add_error("disclosure_format", _("電磁的記録の形式を選んでください。"))
        else:
            cleaned["disclosure_format"] = ""
        if method == DisclosureMethod.OTHER:
            if not cleaned.get("other_method"):
                self.add_error("other_method", _("ご希望の方法を入力してください。"))
        else:
            cleaned["other_method"] = ""

    def method_details(self) -> dict:
        details = {}
        for key in ("other_method", "period"):
            if value := self.cleaned_data.get(key):
                details[key] = value
        return details


class DisclosureForm(_DisclosureMethodMixin, RequestForm):
    kind = RequestKind.DISCLOSURE
    KIND_FIELDS = ("data_categories", "disclosure_method", "disclosure_format", "other_method", "period")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["data_categories"] = _category_field()
        self.add_method_fields()
        self.fields["description"].label = _("開示を求める個人情報の内容（分かる範囲で）")
        self.order_fields(self.field_order_for_page())

    def clean_kind(self, cleaned: dict) -> None:
        self.clean_method(cleaned)
        if not cleaned.get("data_categories") and not cleaned.get("description") and "description" not in self.errors:
            self.add_error(
                "data_categories", _("対象となる項目を選ぶか、開示を求める個人情報の内容を入力してください。")
            )

    def kind_details(self) -> dict:
        return {"data_categories": _categories(self.cleaned_data.get("data_categories") or []), **self.method_details()}


class ProvisionRecordsForm(_DisclosureMethodMixin, RequestForm):
    kind = RequestKind.PROVISION_RECORDS
    KIND_FIELDS = ("third_party", "disclosure_method", "disclosure_format", "other_method", "period")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_method_fields()
        self.fields["third_party"] = forms.CharField(
            label=_("提供先・提供元（分かる範囲で）"),
            max_length=200,
            required=False,
            help_text=_("例：勤務先の厚生担当部署"),
        )
        self.fields["description"].label = _("補足")
        self.order_fields(self.field_order_for_page())

    def clean_kind(self, cleaned: dict) -> None:
        self.clean_method(cleaned)

    def kind_details(self) -> dict:
        details = self.method_details()
        if value := self.cleaned_data.get("third_party"):
            details["third_party"] = value
        return details


class CorrectionForm(RequestForm):
    """訂正・追加・削除: a list of rows (current value, correct value), as Art. 34(3) notices print."""

    kind = RequestKind.CORRECTION

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = CorrectionRequestRowFormSet(self.data if self.is_bound else None, prefix="rows")
        self.fields["description"].label = _("訂正等を求める理由・補足")
        self.fields["supporting_files"].label = _("正しい内容が分かる資料")

    def full_clean(self) -> None:
        super().full_clean()
        if not self.is_bound:
            return
        rows_valid = self.rows.is_valid()
        complete = [f.row for f in self.rows.forms if f.is_valid() and f.row]
        if rows_valid and not complete and self._errors is not None:
            self._errors.setdefault("__all__", self.error_class(error_class="nonfield")).append(
                _("訂正等を求める内容を1行以上入力してください。")
            )
        if not rows_valid and self._errors is not None and "__all__" not in self._errors:
            self._errors["__all__"] = self.error_class(
                # ErrorList renders lazy strings; the stubs accept only str and exceptions.
                [_("訂正等を求める内容の入力に誤りがあります。各行の表示をご確認ください。")],  # type: ignore[list-item]  # lazy string
                error_class="nonfield",
            )

    def is_valid(self) -> bool:
        return super().is_valid() and self.rows.is_valid()

    def scrub_my_numbers(self) -> None:
        super().scrub_my_numbers()
        self.rows.data = self.data
        for form in self.rows.forms:
            form.data = self.data

    def quiet(self) -> None:
        super().quiet()
        self.rows.full_clean()
        for form in self.rows.forms:
            form._errors = ErrorDict()
        self.rows._non_form_errors = ErrorList()  # type: ignore[attr-defined]  # private cache, not in the stubs

    def error_summary(self) -> list[dict]:
        items = super().error_summary()
        items += [{"target": "", "label": "", "message": e} for e in self.rows.non_form_errors()]
        for index, form in enumerate(self.rows.forms, start=1):
            for name in form.fields:
                bound = form[name]
                for message in bound.errors:
                    label = _("%(number)s行目 %(label)s") % {"number": index, "label": bound.label}
                    items.append({"target": _first_input_id(bound), "label": label, "message": message})
        return items

    @property
    def warnings(self) -> dict[str, StrOrPromise]:
        found = super().warnings
        for index, form in enumerate(self.rows.forms):
            for name, message in form.warnings.items():
                found[f"rows-{index}-{name}"] = message
        return found

    def kind_details(self) -> dict:
        return {"corrections": [f.row for f in self.rows.forms if f.row]}

    def correction_rows(self) -> list[dict]:
        return [
            {**f.row, "action_label": CORRECTION_ACTIONS[f.row["action"]], "warnings": f.warnings}
            for f in self.rows.forms
            if f.is_bound and hasattr(f, "cleaned_data") and f.row
        ]


class SuspensionForm(RequestForm):
    kind = RequestKind.SUSPENSION
    KIND_FIELDS = ("measure", "ground", "data_categories")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["measure"] = forms.ChoiceField(
            label=_("求める措置"), choices=SuspensionMeasure.choices, widget=forms.RadioSelect
        )
        self.fields["ground"] = forms.ChoiceField(
            label=_("請求の理由（法律上の根拠）"),
            choices=SuspensionGround.choices,
            widget=forms.RadioSelect,
            help_text=_(
                "第三者への提供の停止は第35条第3項又は第5項、利用の停止・消去は第35条第1項又は第5項によります。"
            ),
        )
        self.fields["data_categories"] = _category_field()
        self.fields["description"].label = _("請求の理由の詳細")
        self.fields["description"].required = True
        self.fields["description"].help_text = _("どの個人情報について、なぜ措置を求めるのかを具体的にお書きください。")
        self.order_fields(self.field_order_for_page())

    def clean_kind(self, cleaned: dict) -> None:
        measure, ground = cleaned.get("measure"), cleaned.get("ground")
        if measure and ground and ground not in GROUNDS_FOR_MEASURE[measure]:
            self.add_error("ground", _("選んだ措置には、この理由は使えません。措置と理由の組合せをご確認ください。"))

    def kind_details(self) -> dict:
        return {
            "measure": self.cleaned_data["measure"],
            "ground": self.cleaned_data["ground"],
            "data_categories": _categories(self.cleaned_data.get("data_categories") or []),
        }


class ComplaintForm(RequestForm):
    kind = RequestKind.COMPLAINT
    summary_required = True
    KIND_FIELDS = ("inquiry_type",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["inquiry_type"] = forms.ChoiceField(
            label=_("お申出の種類"), choices=list(INQUIRY_TYPES.items()), widget=forms.RadioSelect
        )
        self.fields["description"].label = _("苦情・ご相談の内容")
        self.fields["description"].required = True
        self.order_fields(self.field_order_for_page())

    def kind_details(self) -> dict:
        return {"inquiry_type": self.cleaned_data["inquiry_type"]}


class MyNumberInquiryForm(RequestForm):
    kind = RequestKind.MY_NUMBER_INQUIRY
    summary_required = True
    allows_supporting_files = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["description"].label = _("お問い合わせの内容")
        self.fields["description"].required = True
        self.fields["description"].help_text = _(
            "マイナンバー（個人番号）そのものは絶対に入力しないでください。番号が入力されると送信できません。"
        )
        self.fields["summary"].help_text = _("マイナンバー（個人番号）は入力しないでください。")

    def install_guards(self) -> None:
        super().install_guards()
        for field in self.fields.values():
            if validate_no_my_number in field.validators:
                field.validators = [
                    validate_no_my_number_on_my_number_form if v is validate_no_my_number else v
                    for v in field.validators
                    if v is not validate_no_my_number_on_my_number_form
                ]


# --- after submission ----------------------------------------------------------------------


class MemberMessageForm(PortalForm):
    """A message from the requester to the co-op about their case."""

    body = forms.CharField(
        label=_("組合へのメッセージ"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("マイナンバー（個人番号）は入力しないでください。"),
    )


class AmendmentReplyForm(PortalForm):
    """The requester's answer to a 補正 request: a message, files, or both."""

    message = forms.CharField(
        label=_("補正の内容・メッセージ"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    amendment_files = UploadField(
        category=DocumentCategory.AMENDMENT,
        label=_("お求めの書類"),
        help_text=_(
            "PDF・JPEG・PNG、1ファイル10MBまで。マイナンバーカードの裏面（個人番号が記載された面）は添付しないでください。"
        ),
    )

    def __init__(
        self,
        *args: Any,
        documents: Iterable[Document] = (),
        upload_errors: dict[str, list[str]] | None = None,
        **kwargs: Any,
    ) -> None:
        self.documents = list(documents)
        self.upload_errors = upload_errors or {}
        super().__init__(*args, **kwargs)

    @property
    def upload_fields(self) -> dict[str, str]:
        return {"amendment_files": DocumentCategory.AMENDMENT}

    def clean(self) -> dict:
        cleaned = cast("dict[str, Any]", super().clean())  # Form.clean() returns cleaned_data
        for name, messages in self.upload_errors.items():
            for message in messages:
                self.add_error(name, ValidationError(message, code="upload"))
        if not normalize_text(cleaned.get("message") or "") and not self.documents and not self.upload_errors:
            self.add_error("message", _("メッセージを入力するか、書類を添付してください。"))
        return cleaned


class WithdrawForm(PortalForm):
    reason = forms.CharField(
        label=_("取下げの理由"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    confirm = forms.BooleanField(label=_("この請求を取り下げます。取り下げた請求は元に戻せません。"))
