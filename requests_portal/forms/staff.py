"""Forms of the staff workspace. They only clean input; the views hand `cleaned_data` to a
service (services.py) or a selector, which own every rule about cases.

Text input is kept as typed (only whitespace is tidied; （）～、 stay full-width) and checked
for My Numbers, so a blocked value is reported next to its field. Numbers that identify a member
or a case are NFKC-normalised, so full-width digits find the record.
"""

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

from allauth.core import context
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from django_stubs_ext import StrOrPromise

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from requests_portal.date_styles import staff_date
from requests_portal.decisions import WITHHOLDING_GROUNDS, decisions_for_kind, grounds_for_kind
from requests_portal.forms.common import MultipleFileInput
from requests_portal.models import (
    AGENT_FIELDS,
    AGENT_REQUESTER_TYPES,
    AgreementChannel,
    Channel,
    DataCategory,
    Decision,
    DisclosureMethod,
    IdDocumentType,
    IdentityMethod,
    IdentityResult,
    Member,
    RequesterType,
    RequestKind,
    StatutoryGround,
    SuspensionGround,
    SuspensionMeasure,
    User,
)
from requests_portal.mynumber import mask_my_numbers, validate_no_my_number
from requests_portal.roles import Access
from requests_portal.selectors import members_matching
from requests_portal.stored_text import stored_label
from requests_portal.text import (
    clean_line,
    clean_text,
    normalize_line,
    normalize_postal_code,
)
from requests_portal.uploads import ACCEPT_ATTRIBUTE

# --- shared field helpers ------------------------------------------------------------------


class TextField(forms.CharField):
    """A single-line text field: kept as typed, whitespace tidied, My Numbers refused."""

    default_validators = [validate_no_my_number]

    def to_python(self, value: object) -> str:
        value = super().to_python(value)
        return clean_line(value) if value else ""


class LongTextField(forms.CharField):
    """Free text: kept as typed, line breaks kept, My Numbers refused."""

    widget = forms.Textarea
    default_validators = [validate_no_my_number]

    def to_python(self, value: object) -> str:
        value = super().to_python(value)
        return clean_text(value) if value else ""


class PostalCodeField(forms.CharField):
    """〒 and hyphen optional, full-width digits accepted; cleaned to 7 ASCII digits."""

    def to_python(self, value: object) -> str:
        value = super().to_python(value)
        if not value:
            return ""
        try:
            return normalize_postal_code(value)
        except ValueError:
            raise ValidationError(
                _("郵便番号は7桁の数字で入力してください（例：100-0001）。"), code="invalid"
            ) from None


if TYPE_CHECKING:
    # The mixin is only ever combined with forms.Form; the checker sees the form it extends.
    _FormBase = forms.Form
else:
    _FormBase = object


class ScrubMyNumbers(_FormBase):
    """A value refused because it holds a My Number is shown again with the number masked,
    so the page never echoes it back and the rest of what was typed is kept."""

    # Set by BaseForm.full_clean(); a private attribute, so the stubs leave it out.
    _errors: ErrorDict | None

    def full_clean(self) -> None:
        super().full_clean()
        if not self.is_bound or not self._errors:
            return
        dirty = [
            name
            for name, errors in self._errors.as_data().items()
            if any(error.code == "my_number" for error in errors)
        ]
        if dirty:
            data = cast(QueryDict, self.data).copy()
            for name in dirty:
                key = self.add_prefix(name)
                data[key] = mask_my_numbers(str(data.get(key, "")))
            self.data = data


class StaffForm(ScrubMyNumbers, forms.Form):
    pass


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _choices(
    enum_choices: Iterable[tuple[str, StrOrPromise]], blank: StrOrPromise | None = None
) -> list[tuple[str, StrOrPromise]]:
    return ([("", blank)] if blank is not None else []) + list(enum_choices)


# --- second factor: a locked-out account cannot keep guessing codes --------------------------


class _LockoutCheck:
    def clean_code(self) -> str:
        from requests_portal.staff_auth import is_locked_out

        if is_locked_out(context.request, self.user):  # type: ignore[attr-defined]
            raise ValidationError(
                _(
                    "ログインの失敗が続いたため、このアカウントは一時的にロックされています。時間をおいてお試しください。"
                ),
                code="locked_out",
            )
        return super().clean_code()  # type: ignore[misc]


class LockoutAwareAuthenticateForm(_LockoutCheck, AuthenticateForm):
    pass


class LockoutAwareReauthenticateForm(_LockoutCheck, ReauthenticateForm):
    pass


# --- the queue --------------------------------------------------------------------------------


class SavedFilterForm(StaffForm):
    name = TextField(label=_("保存する名前"), max_length=60)
    query = forms.CharField(widget=forms.HiddenInput, required=False, max_length=500)


class AssigneeChoiceField(forms.TypedChoiceField):
    """The assignee: the acting user, nobody, or one of the people who may work the case."""

    def __init__(self, *, handlers: list[User], allow_none: bool = True, **kwargs: Any) -> None:
        choices: list[tuple[str, StrOrPromise]] = [(str(person.pk), str(person)) for person in handlers]
        if allow_none:
            choices.append(("none", _("割当てを解除する")))
        super().__init__(choices=[("", _("選んでください")), *choices], **kwargs)


class AssignForm(forms.Form):
    def __init__(self, *args: Any, handlers: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.handlers = {str(person.pk): person for person in handlers}
        self.fields["assignee"] = AssigneeChoiceField(handlers=handlers, label=_("担当者"))

    def clean_assignee(self) -> User | None:
        value = self.cleaned_data["assignee"]
        return None if value == "none" else self.handlers[value]


def _takeover_reason_field(*, required: bool = True, help_text: StrOrPromise = "") -> forms.CharField:
    return LongTextField(
        label=_("引き継ぎの理由"),
        required=required,
        help_text=help_text or _("経過と監査ログに記録されます（請求者には示されません）。"),
        error_messages={"required": _("引き継ぎの理由を入力してください。")},
    )


class ReassignAllForm(StaffForm):
    """Move every open case of one person to another (or to nobody), e.g. when someone leaves:
    a takeover of each case, so it needs a reason (services.dsr_take_over)."""

    def __init__(self, *args: Any, handlers: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.handlers = {str(person.pk): person for person in handlers}
        people = [(str(person.pk), str(person)) for person in handlers]
        self.fields["from_assignee"] = forms.ChoiceField(
            label=_("現在の担当者"), choices=[("", _("選んでください")), *people]
        )
        self.fields["assignee"] = AssigneeChoiceField(handlers=handlers, label=_("新しい担当者"))
        self.fields["reason"] = _takeover_reason_field()

    def clean(self) -> dict:
        cleaned = cast("dict[str, Any]", super().clean())  # Form.clean() returns cleaned_data
        if cleaned.get("from_assignee") and cleaned.get("from_assignee") == cleaned.get("assignee"):
            self.add_error("assignee", _("現在の担当者とは別の職員を選んでください。"))
        return cleaned


class RosterUploadForm(forms.Form):
    MAX_BYTES = 50 * 1024 * 1024

    roster = forms.FileField(
        label=_("組合員名簿（CSV）"),
        help_text=_(
            "見出し行に 組合員番号・氏名・フリガナ・生年月日・〒・住所・電話・メール を含むCSV（UTF-8またはShift_JIS）"
        ),
    )

    def clean_roster(self) -> object:
        upload = self.cleaned_data["roster"]
        if upload.size > self.MAX_BYTES:
            raise ValidationError(_("ファイルが大きすぎます（50MBまで）。"))
        if not upload.name.lower().endswith(".csv"):
            raise ValidationError(_("CSVファイル（拡張子 .csv）を選んでください。"))
        return upload


class TakeOverForm(StaffForm):
    """Taking over a case a colleague holds: for whom, and why (services.dsr_take_over).

    `expected_assignee` carries the holder the page showed, so a case that changed hands while
    the form was open is not taken from the wrong person.
    """

    expected_assignee = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, handlers: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.handlers = {str(person.pk): person for person in handlers}
        self.fields["assignee"] = AssigneeChoiceField(handlers=handlers, label=_("新しい担当者"))
        self.fields["reason"] = _takeover_reason_field()
        self.order_fields(["assignee", "reason", "expected_assignee"])

    def clean_assignee(self) -> User | None:
        value = self.cleaned_data["assignee"]
        return None if value == "none" else self.handlers[value]

    def clean_expected_assignee(self) -> int | None:
        value = self.cleaned_data["expected_assignee"]
        if not value:
            return None
        if not value.isdigit():
            raise ValidationError(_("画面を更新してからやり直してください。"))
        return int(value)


class ProvisionRecordsUploadForm(forms.Form):
    """The core system's CSV of third-party provision records (docs/integration.md)."""

    MAX_BYTES = 20 * 1024 * 1024

    records = forms.FileField(
        label=_("第三者提供記録（CSV）"),
        help_text=_(
            "見出し行つきのCSV（UTF-8又はShift_JIS）。必須の列：記録番号・区分・年月日・組合員番号・"
            "第三者の氏名又は名称・個人データの項目・提供の根拠。誤りがあった場合は、直したファイルをもう一度選んでください。"
        ),
        error_messages={"required": _("取り込むCSVファイルを選んでください。")},
    )
    encoding = forms.ChoiceField(
        label=_("文字コード"),
        choices=[("auto", _("自動判定")), ("utf-8", "UTF-8"), ("shift_jis", "Shift_JIS")],
        initial="auto",
        widget=forms.RadioSelect,
    )

    def clean_records(self) -> object:
        upload = self.cleaned_data["records"]
        if upload.size > self.MAX_BYTES:
            raise ValidationError(_("ファイルが大きすぎます（20MBまで）。分けて取り込んでください。"))
        if not upload.name.lower().endswith(".csv"):
            raise ValidationError(_("CSVファイル（拡張子 .csv）を選んでください。"))
        if upload.size == 0:
            raise ValidationError(_("ファイルが空です。"))
        return upload


class BulkAssignForm(AssignForm):
    MAX_CASES = 100

    cases = forms.MultipleChoiceField(label=_("対象の事案"), choices=[], error_messages={
        "required": _("割り当てる事案を選んでください。"),
    })  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Given only by those who may take over: the cases a colleague holds are then taken over
        # with it; without it they are skipped and listed.
        self.fields["reason"] = _takeover_reason_field(required=False)
        # The ids are checked one by one against the visible set by the view; here only their shape.
        cast(forms.ChoiceField, self.fields["cases"]).choices = [
            (value, value) for value in cast(QueryDict, self.data).getlist("cases")
        ][: self.MAX_CASES]


# --- intake of paper, phone and counter requests ---------------------------------------------


MEMBER_CANDIDATES_SHOWN = 5


class IntakeForm(StaffForm):
    """A request that reached the co-op on paper, by phone or at the counter, typed in by staff.

    A request that came by post carries its scanned form; the file itself is checked and
    stored by uploads.accept_upload in the view (this form only sees that one was chosen).
    """

    member_number = TextField(
        label=_("組合員（番号・氏名・フリガナ）"),
        max_length=100,
        help_text=_("請求書に記載された組合員番号、又は氏名・フリガナ（スペースの有無は問いません）"),
    )
    channel = forms.ChoiceField(
        label=_("受付経路"),
        choices=[c for c in Channel.choices if c[0] != Channel.PORTAL],
        widget=forms.RadioSelect,
    )
    received_on = forms.DateField(
        label=_("到達日"),
        widget=DateInput(),
        help_text=_("請求書が組合に届いた日（電話・窓口は受け付けた日）。期限はこの日から数えます。"),
    )
    kind = forms.ChoiceField(label=_("請求の種類"), choices=[])
    requester_type = forms.ChoiceField(
        label=_("請求者の区分"), choices=RequesterType.choices, initial=RequesterType.SELF, widget=forms.RadioSelect
    )
    agent_name = TextField(label=_("代理人の氏名"), max_length=100, required=False)
    agent_name_kana = TextField(label=_("代理人のフリガナ"), max_length=200, required=False)
    agent_relationship = TextField(label=_("本人との関係"), max_length=100, required=False)
    agent_postal_code = PostalCodeField(label=_("代理人の郵便番号"), required=False)
    agent_address = TextField(label=_("代理人の住所"), max_length=300, required=False)
    agent_phone = TextField(label=_("代理人の電話番号"), max_length=20, required=False)
    agent_email = forms.EmailField(label=_("代理人のメールアドレス"), required=False)
    letters_to_member = forms.BooleanField(
        label=_("本人宛てに送付（本人の希望）"),
        required=False,
        help_text=_("本人が、通知書やお知らせを代理人ではなく本人に送るよう求めているときに選びます。"),
    )
    summary = TextField(label=_("件名"), max_length=200)
    description = LongTextField(label=_("請求の内容"), help_text=_("請求書の記載内容を転記してください。"))
    disclosure_method = forms.ChoiceField(
        label=_("開示の方法"), choices=_choices(DisclosureMethod.choices, _("（開示の請求のみ）")), required=False
    )
    data_categories = forms.MultipleChoiceField(
        label=_("対象となる保有個人データの項目"), required=False, widget=forms.CheckboxSelectMultiple
    )
    measure = forms.ChoiceField(
        label=_("求める措置（利用停止等の請求）"),
        choices=_choices(SuspensionMeasure.choices, _("（利用停止等の請求のみ）")),
        required=False,
    )
    ground = forms.ChoiceField(
        label=_("請求の理由（利用停止等の請求）"),
        choices=_choices(SuspensionGround.choices, _("（利用停止等の請求のみ）")),
        required=False,
    )
    scanned_form = forms.FileField(
        label=_("請求書（紙）の写し"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
        help_text=_(
            "郵送の請求では必須です。PDF・JPEG・PNG。入力に誤りがあった場合は、もう一度ファイルを選んでください。"
        ),
    )

    def __init__(self, *args: Any, kinds: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = [
            ("", _("選んでください")),
            *[(k, RequestKind(k).label) for k in kinds],
        ]
        cast(forms.ChoiceField, self.fields["data_categories"]).choices = [
            (category.name, stored_label(category.name)) for category in DataCategory.objects.filter(is_active=True)
        ]
        self.fields["received_on"].initial = timezone.localdate()

    def clean_member_number(self) -> Member:
        matches = members_matching(self.cleaned_data["member_number"], limit=MEMBER_CANDIDATES_SHOWN + 1)
        if not matches:
            raise ValidationError(
                _("この番号・氏名・フリガナの組合員は名簿にありません。請求書の記載をご確認ください。")
            )
        if len(matches) > 1:
            # Several members share the name: staff pick one by number (shown with the birth date
            # that tells them apart), and the page keeps everything else they typed.
            shown = matches[:MEMBER_CANDIDATES_SHOWN]
            candidates = " / ".join(f"{m.member_number} {m.full_name} ({staff_date(m.birth_date)})" for m in shown)
            raise ValidationError(
                _("該当する組合員が複数います。組合員番号を入力してください：%(candidates)s%(more)s"),
                params={
                    "candidates": candidates,
                    "more": _("（ほかにもいます）") if len(matches) > MEMBER_CANDIDATES_SHOWN else "",
                },
            )
        return matches[0]

    def clean_received_on(self) -> object:
        received = self.cleaned_data["received_on"]
        if received > timezone.localdate():
            raise ValidationError(_("到達日に未来の日付は指定できません。"))
        return received

    def clean(self) -> dict:
        data = cast("dict[str, Any]", super().clean())  # Form.clean() returns cleaned_data
        kind = data.get("kind")
        if data.get("requester_type") in AGENT_REQUESTER_TYPES and not data.get("agent_name"):
            self.add_error("agent_name", _("代理人による請求では、代理人の氏名が必要です。"))
        if kind in (RequestKind.DISCLOSURE, RequestKind.PROVISION_RECORDS) and not data.get("disclosure_method"):
            self.add_error("disclosure_method", _("開示の方法を選んでください。"))
        if data.get("channel") == Channel.POST and not data.get("scanned_form"):
            self.add_error(
                "scanned_form", _("郵送で届いた請求は、請求書の写し（スキャンしたもの）を添付してください。")
            )
        if kind == RequestKind.SUSPENSION:
            if not data.get("measure"):
                self.add_error("measure", _("求める措置を選んでください。"))
            if not data.get("ground"):
                self.add_error("ground", _("請求の理由を選んでください。"))
        return data

    def service_kwargs(self) -> dict:
        """The arguments for services.dsr_submit (everything but the actor)."""
        data = self.cleaned_data
        kind = data["kind"]
        details: dict = {}
        if data["data_categories"]:
            details["data_categories"] = data["data_categories"]
        if kind == RequestKind.SUSPENSION:
            details["measure"], details["ground"] = data["measure"], data["ground"]
        agent = {}
        if data["requester_type"] in AGENT_REQUESTER_TYPES:
            agent = {key: data[key] for key in AGENT_FIELDS if data[key]}
        disclosure = kind in (RequestKind.DISCLOSURE, RequestKind.PROVISION_RECORDS)
        return {
            "member": data["member_number"],
            "kind": kind,
            "requester_type": data["requester_type"],
            "channel": data["channel"],
            "received": data["received_on"],
            "summary": data["summary"],
            "description": data["description"],
            "details": details,
            "disclosure_method": data["disclosure_method"] if disclosure else "",
            "agent": agent,
            "letters_to_member": bool(agent) and data["letters_to_member"],
        }


# --- case actions -----------------------------------------------------------------------------


class IdentityForm(StaffForm):
    """What was checked, how, and the result. Never a document number (docs/legal.md#identity)."""

    method = forms.ChoiceField(
        label=_("確認の方法"),
        choices=[c for c in IdentityMethod.choices if c[0] != IdentityMethod.REAUTH],
        widget=forms.RadioSelect,
    )
    id_doc_type = forms.ChoiceField(
        label=_("確認した書類の種類"),
        choices=_choices(IdDocumentType.choices, _("（書類による確認のとき）")),
        required=False,
        help_text=_("書類の番号（免許証番号など）は記録しません。"),
    )
    result = forms.ChoiceField(label=_("確認の結果"), choices=IdentityResult.choices, widget=forms.RadioSelect)
    authority_checked = forms.BooleanField(
        label=_("代理権を証する書類と代理人の本人確認書類を確認した"), required=False
    )
    authority_doc_type = TextField(
        label=_("確認した代理権の書類"),
        max_length=100,
        required=False,
        help_text=_("例：委任状、戸籍謄本、登記事項証明書（番号は記入しないでください）"),
    )

    def __init__(self, *args: Any, has_agent: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not has_agent:
            del self.fields["authority_checked"]
            del self.fields["authority_doc_type"]

    def clean(self) -> dict:
        data = cast("dict[str, Any]", super().clean())  # Form.clean() returns cleaned_data
        if data.get("method") in (IdentityMethod.DOCUMENT, IdentityMethod.IN_PERSON) and not data.get("id_doc_type"):
            self.add_error("id_doc_type", _("確認した書類の種類を選んでください。"))
        if data.get("authority_checked") and not data.get("authority_doc_type"):
            self.add_error("authority_doc_type", _("確認した代理権の書類を入力してください。"))
        return data


class AmendmentRequestForm(StaffForm):
    """Staff ask the member to complete or correct their request (補正の求め): the message and
    the day a reply is asked for."""

    message = LongTextField(
        label=_("補正をお願いする内容"),
        help_text=_("請求者に送られます。不足している書類や記載を具体的に書いてください。"),
    )
    reply_due_date = forms.DateField(label=_("回答のお願い期限"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reply_due_date"].initial = timezone.localdate() + timedelta(days=14)

    def clean_reply_due_date(self) -> object:
        due = self.cleaned_data["reply_due_date"]
        if due <= timezone.localdate():
            raise ValidationError(_("回答期限には明日以降の日付を指定してください。"))
        return due


class WithheldItemForm(StaffForm):
    item = TextField(label=_("開示しない部分"), max_length=200, required=False)
    ground = forms.ChoiceField(
        label=_("根拠"),
        choices=_choices([c for c in StatutoryGround.choices if c[0] in WITHHOLDING_GROUNDS], _("選んでください")),
        required=False,
    )
    reason = TextField(label=_("理由（任意）"), max_length=300, required=False)


class CorrectionRowForm(StaffForm):
    field = TextField(label=_("項目"), max_length=100, required=False)
    old = TextField(label=_("訂正前"), max_length=300, required=False)
    new = TextField(label=_("訂正後"), max_length=300, required=False)
    description = TextField(label=_("説明（追加・削除など）"), max_length=300, required=False)


WithheldItemFormSet = forms.formset_factory(WithheldItemForm, extra=0, max_num=30, absolute_max=30)
CorrectionFormSet = forms.formset_factory(CorrectionRowForm, extra=0, max_num=30, absolute_max=30)
DEFAULT_ROWS = 2


# A 補正 and a withdrawal have their own actions on the case page (the 補正 request stops the
# clock and asks the member; the withdrawal records who withdrew and when); offering them again
# as decisions would give two ways to the same end, one of them without those records.
OWN_ACTION_DECISIONS = frozenset({Decision.REQUEST_INCOMPLETE, Decision.WITHDRAWN})


class DecisionForm(StaffForm):
    """The draft decision. The rules of docs/legal.md#decisions are decisions.validate_decision's;
    its per-field errors are attached here with `apply_errors`."""

    decision = forms.ChoiceField(label=_("決定"), choices=[], widget=forms.RadioSelect)
    ground = forms.ChoiceField(
        label=_("根拠条項"),
        choices=_choices(StatutoryGround.choices, _("（全部認容の場合は不要）")),
        required=False,
        error_messages={"invalid_choice": _("この種類の請求には選べない根拠条項です。一覧から選んでください。")},
    )
    reason = LongTextField(
        label=_("理由"),
        required=False,
        help_text=_(
            "全部認容以外の決定では必須です。この理由は通知書に記載され、請求者に示されます。"
            "請求者が読んで分かる言葉で書いてください。"
        ),
    )
    method_changed_to_paper = forms.BooleanField(label=_("開示の方法を書面に変更する"), required=False)
    method_change_reason = LongTextField(
        label=_("書面に変更する理由"),
        required=False,
        help_text=_("請求された方法による開示が困難な理由（通知書に記載されます）"),
    )
    agreement_how = forms.ChoiceField(
        label=_("書面への変更に請求者が同意した方法"),
        choices=_choices(AgreementChannel.choices, _("（同意を得ていない）")),
        required=False,
        help_text=_("同意を得ていない場合は、書面に変更する理由が必要です。"),
    )
    agreement_on = forms.DateField(label=_("請求者が同意した日"), required=False, widget=DateInput())
    substitute_measure = LongTextField(label=_("代替措置の内容"), required=False)
    purposes = LongTextField(label=_("通知する利用目的"), required=False)
    disclosed_items = LongTextField(label=_("開示する保有個人データ（同封物の一覧など）"), required=False)
    scope = LongTextField(label=_("措置の範囲"), required=False)
    effective_date = forms.DateField(label=_("措置の実施日"), required=False, widget=DateInput())
    answer = LongTextField(label=_("回答の内容"), required=False)

    # Fields whose errors decisions.DecisionInvalid may report.
    FIELD_ERRORS = ("decision", "ground", "reason", "method_change_reason", "substitute_measure")

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        data = kwargs.get("data") if "data" in kwargs else (args[0] if args else None)
        super().__init__(*args, **kwargs)
        self.kind = kind
        cast(forms.ChoiceField, self.fields["decision"]).choices = [
            (code, Decision(code).label) for code in decisions_for_kind(kind) if code not in OWN_ACTION_DECISIONS
        ]
        grounds = grounds_for_kind(kind)
        # Complaints and My Number inquiries are answered, never refused on a ground (docs/legal.md#art-40).
        self.needs_grounds = bool(grounds)
        if grounds:
            cast(forms.ChoiceField, self.fields["ground"]).choices = _choices(
                [(code, StatutoryGround(code).label) for code in grounds], _("（全部認容の場合は不要）")
            )
        else:
            del self.fields["ground"], self.fields["reason"]
        rows = _row_count(data, "withheld") if data is not None else DEFAULT_ROWS
        self.withheld = WithheldItemFormSet(data, prefix="withheld", initial=[{}] * rows if data is None else None)
        rows = _row_count(data, "corrections") if data is not None else DEFAULT_ROWS
        self.corrections = CorrectionFormSet(data, prefix="corrections", initial=[{}] * rows if data is None else None)
        self.row_errors: dict[str, list[str]] = {}

    def is_valid(self) -> bool:
        # Every part is validated so that every error shows at once.
        results = [super().is_valid(), self.withheld.is_valid(), self.corrections.is_valid()]
        return all(results)

    def add_row(self, prefix: str) -> None:
        """Re-build a formset with one more empty row (the no-JavaScript 'add a row' button)."""
        formset = getattr(self, prefix)
        initial = [form.cleaned_data if form.is_valid() else {} for form in formset.forms] + [{}]
        fresh = (WithheldItemFormSet if prefix == "withheld" else CorrectionFormSet)(prefix=prefix, initial=initial)
        setattr(self, prefix, fresh)

    def details(self) -> dict:
        data = self.cleaned_data
        details: dict = {
            "withheld_items": [row.cleaned_data for row in self.withheld.forms if row.cleaned_data],
            "corrections": [row.cleaned_data for row in self.corrections.forms if row.cleaned_data],
            "method_changed_to_paper": data.get("method_changed_to_paper", False),
            "method_change_reason": data.get("method_change_reason", ""),
            "member_agreement": {
                "how": data.get("agreement_how", ""),
                "on": data["agreement_on"].isoformat() if data.get("agreement_on") else "",
            },
            "substitute_measure": data.get("substitute_measure", ""),
        }
        for key in ("purposes", "disclosed_items", "scope", "answer"):
            if data.get(key):
                details[key] = data[key]
        if data.get("effective_date"):
            details["effective_date"] = data["effective_date"].isoformat()
        return details

    @property
    def row_error_links(self) -> list[tuple[str, str, list[str]]]:
        """(anchor, label, messages) of the row-list errors, for the error summary."""
        labels = {
            "withheld_items": ("withheld-rows", _("開示しない部分の一覧")),
            "corrections": ("corrections-rows", _("訂正等の内容の一覧")),
        }
        return [(labels[key][0], str(labels[key][1]), messages) for key, messages in self.row_errors.items()]

    def apply_errors(self, errors: dict[str, list[str]]) -> None:
        """Attach decisions.DecisionInvalid's errors to the fields they name."""
        for field, messages in errors.items():
            if field in ("withheld_items", "corrections"):
                self.row_errors[field] = list(messages)
            elif field == "member_agreement":
                for message in messages:
                    self.add_error("agreement_on", message)
            elif field in self.fields:
                for message in messages:
                    self.add_error(field, message)
            else:
                for message in messages:
                    self.add_error(None, message)


def _row_count(data: Mapping[str, Any], prefix: str) -> int:
    try:
        return max(0, min(int(data.get(f"{prefix}-TOTAL_FORMS", DEFAULT_ROWS)), 30))
    except (TypeError, ValueError):
        return DEFAULT_ROWS


class MultipleFileField(forms.FileField):
    """Several files in one input; cleans to a list (each file is checked by uploads.accept_upload)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}))
        super().__init__(**kwargs)

    def clean(self, data: object, initial: object = None) -> list:
        single_clean = super().clean
        if isinstance(data, list | tuple):
            return [single_clean(item, initial) for item in data] or [single_clean(None, initial)]
        return [single_clean(data, initial)]


class DisclosurePackageForm(forms.Form):
    # The form metaclass moves declared fields off the class, so this never hides BaseForm.files at run time.
    files = MultipleFileField(  # type: ignore[assignment]  # field named like BaseForm.files
        label=_("開示データのファイル"),
        widget=MultipleFileInput(attrs={"accept": f"{ACCEPT_ATTRIBUTE},.csv,text/csv"}),
        help_text=_(
            "PDF・JPEG・PNG・CSV。複数のファイルをまとめて選べます。"
            "ファイル名は請求者に表示されます。マイナンバー（個人番号）を含むファイルは添付できません。"
        ),
        error_messages={"required": _("添付するファイルを選んでください。")},
    )


class ConfirmForm(forms.Form):
    """An action that needs nothing but the button (approve, close, mark as notified)."""


class ReasonForm(StaffForm):
    reason = LongTextField(label=_("理由"))

    def __init__(self, *args: Any, reason_label: str | None = None, reason_help: str = "", **kwargs: Any):
        super().__init__(*args, **kwargs)
        if reason_label:
            self.fields["reason"].label = reason_label
        self.fields["reason"].help_text = reason_help


class ExtendForm(StaffForm):
    new_due_date = forms.DateField(label=_("延長後の期限"), widget=DateInput())
    reason = LongTextField(label=_("延長の理由"), help_text=_("期限延長のお知らせに記載され、請求者に示されます。"))


class LetterRoutingForm(StaffForm):
    """Where an agent's case is answered: to the agent, or to the principal at their wish
    (the recipient rule, requests_portal/notifications.py; docs/legal.md#agents)."""

    letters_to_member = forms.TypedChoiceField(
        label=_("通知の送付先"),
        choices=[("0", _("代理人")), ("1", _("本人（本人の希望）"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    reason = LongTextField(
        label=_("変更の理由"), help_text=_("いつ、どなたから、どのように申出があったかを記録してください。")
    )

    def __init__(self, *args: Any, current: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["letters_to_member"].initial = "1" if current else "0"


class MessageForm(StaffForm):
    body = LongTextField(label=_("本文"))
    internal = forms.TypedChoiceField(
        label=_("種類"),
        choices=[("0", _("請求者へのメッセージ（請求者に送られます）")), ("1", _("内部メモ（職員のみ）"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        initial="1",
    )


class GrantForm(forms.Form):
    """An individual grant on one case for one named staff member (permissions.grant_case_access)."""

    user = forms.TypedChoiceField(label=_("職員"), choices=[], coerce=int)
    access = forms.ChoiceField(
        label=_("権限"),
        choices=[(Access.VIEW.value, _("閲覧のみ")), (Access.HANDLE.value, _("閲覧と処理"))],
        widget=forms.RadioSelect,
        initial=Access.VIEW.value,
    )

    def __init__(self, *args: Any, candidates: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = {person.pk: person for person in candidates}
        cast(forms.ChoiceField, self.fields["user"]).choices = [("", _("選んでください"))] + [
            (p.pk, str(p)) for p in candidates
        ]

    def clean_user(self) -> User:
        return self.people[self.cleaned_data["user"]]


class RevokeForm(forms.Form):
    user = forms.IntegerField(widget=forms.HiddenInput)


# --- duplicates and linked cases -----------------------------------------------------------------


class LinkRole:
    """How the case whose page the form is on stands to the case named in the form."""

    THIS_IS_DUPLICATE = "this_duplicate"
    OTHER_IS_DUPLICATE = "other_duplicate"
    RELATED = "related"


class CaseLinkForm(StaffForm):
    """Link this case to another of the same member, named by its 受付番号."""

    reference = TextField(label=_("関連付ける事案の受付番号"), max_length=30, help_text=_("例：GA-2026-00012"))
    role = forms.ChoiceField(
        label=_("関連付けの種類"),
        widget=forms.RadioSelect,
        choices=[
            (
                LinkRole.THIS_IS_DUPLICATE,
                _("この事案は、指定した事案の重複です（この事案を終了し、請求者に通知します）"),
            ),
            (
                LinkRole.OTHER_IS_DUPLICATE,
                _("指定した事案は、この事案の重複です（指定した事案を終了し、請求者に通知します）"),
            ),
            (LinkRole.RELATED, _("関連する事案です（どちらも終了しません）")),
        ],
    )
    note = LongTextField(label=_("メモ（職員のみ）"), required=False)

    def clean_reference(self) -> str:
        return normalize_line(self.cleaned_data["reference"]).upper().replace(" ", "")


class CaseUnlinkForm(StaffForm):
    link = forms.IntegerField(widget=forms.HiddenInput)
    reason = LongTextField(
        label=_("解除の理由"),
        help_text=_("重複として終了した事案は、解除しても終了したままです。再開は決裁者が行います。"),
    )
