"""The register's forms (validation only; the services write)."""

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from requests_portal.forms.staff import DateInput, StaffForm
from requests_portal.incidents.rules import Answers
from requests_portal.incidents.services import REPORT_ITEMS, report_item_label
from requests_portal.models import Committee, IncidentCertainty, IncidentStatus, User
from requests_portal.mynumber import contains_my_number


def _no_my_number(value: str) -> str:
    if value and contains_my_number(value):
        raise ValidationError(
            _("マイナンバーと思われる番号が含まれています。番号そのものは記録しないでください。"), code="my_number"
        )
    return value


class _TextCheck(StaffForm):
    def clean(self) -> dict[str, Any]:
        cleaned = cast("dict[str, Any]", super().clean())  # Form.clean() returns cleaned_data
        for name, value in list(cleaned.items()):
            if isinstance(value, str):
                try:
                    _no_my_number(value)
                except ValidationError as error:
                    self.add_error(name, error)
        return cleaned


class IncidentForm(_TextCheck):
    title = forms.CharField(label=_("件名"), max_length=200)
    known_on = forms.DateField(
        label=_("知った日"), widget=DateInput(), help_text=_("当組合が事態を知った日。報告期限はこの日から数えます。")
    )
    occurred_at = forms.DateTimeField(
        label=_("発生日時"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    found_by = forms.CharField(label=_("発見者"), max_length=200, required=False)
    found_how = forms.CharField(label=_("発見の経緯"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    is_leak = forms.BooleanField(label=_("漏えい"), required=False)
    is_loss = forms.BooleanField(label=_("滅失"), required=False)
    is_damage = forms.BooleanField(label=_("毀損"), required=False)
    certainty = forms.ChoiceField(label=_("発生の確度"), choices=IncidentCertainty.choices, widget=forms.RadioSelect)
    data_items = forms.CharField(label=_("個人データの項目"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    people_estimate = forms.IntegerField(label=_("本人の数（見込み）"), required=False, min_value=0)
    people_count = forms.IntegerField(label=_("本人の数（確定）"), required=False, min_value=0)
    cause = forms.CharField(label=_("原因"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    damage = forms.CharField(label=_("被害の状況"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    secondary_harm = forms.CharField(
        label=_("二次被害又はそのおそれの有無及びその内容"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    containment = forms.CharField(
        label=_("被害拡大防止のための措置"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    contractor = forms.CharField(label=_("関係する委託先"), max_length=200, required=False)
    owner = forms.ModelChoiceField(label=_("担当者"), queryset=User.objects.none(), required=False)

    def __init__(self, *args: Any, owners: list[User] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = [person.pk for person in owners or []]
        owner_field = cast("forms.ModelChoiceField[User]", self.fields["owner"])
        owner_field.queryset = User.objects.filter(pk__in=ids).order_by("display_name", "email")

    def clean_known_on(self) -> object:
        value = self.cleaned_data["known_on"]
        if value > timezone.localdate():
            raise ValidationError(_("知った日に未来の日付は指定できません。"))
        return value

    def clean(self) -> dict:
        cleaned = super().clean()
        if not (cleaned.get("is_leak") or cleaned.get("is_loss") or cleaned.get("is_damage")):
            self.add_error("is_leak", _("漏えい・滅失・毀損のいずれかを選んでください。"))
        return cleaned

    def facts(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "owner"}


class AssessmentForm(forms.Form):
    """The guided reportability assessment: one question per situation of the rules."""

    sensitive_data = forms.BooleanField(
        label=_("要配慮個人情報（病歴・診断書の内容、犯罪の経歴など）が含まれる"),
        help_text=_("個人情報保護委員会規則第7条第1号。1人分でも該当します。"),
        required=False,
    )
    financial_loss = forms.BooleanField(
        label=_("不正に利用されると財産的被害が生じるおそれがある（口座番号と暗証番号、カード番号など）"),
        help_text=_("同第2号。1人分でも該当します。"),
        required=False,
    )
    unlawful_purpose = forms.BooleanField(
        label=_("不正の目的をもって行われたおそれがある（不正アクセス、ランサムウェア、持ち出しなど）"),
        help_text=_("同第3号。1人分でも該当し、確報の期限は60日になります。"),
        required=False,
    )
    about_to_be_acquired = forms.BooleanField(
        label=_("取得しようとしている個人情報が不正の目的で漏えい等した（申込フォームの改ざんなど）"),
        help_text=_("同第3号括弧書き（令和6年4月1日施行）。"),
        required=False,
    )
    people = forms.IntegerField(
        label=_("本人の数（見込みを含む）"), min_value=0, help_text=_("同第4号：1,000人を超えると報告対象です。")
    )
    high_level_encryption = forms.BooleanField(
        label=_("高度な暗号化その他の個人の権利利益を保護するために必要な措置が講じられていた"),
        help_text=_("同条柱書。該当すると報告対象から除かれます。"),
        required=False,
    )
    my_number_network = forms.BooleanField(
        label=_("情報提供ネットワークシステム等から漏えい等した"),
        help_text=_("特定個人情報の漏えい等に関する報告等に関する規則第2条第1号。"),
        required=False,
    )
    my_number_unlawful = forms.BooleanField(
        label=_("不正の目的をもって漏えい等した、又は利用・提供された"),
        help_text=_("同第2号。"),
        required=False,
    )
    my_number_public_view = forms.BooleanField(
        label=_("電磁的方法により不特定多数の者が閲覧できる状態になった（インターネットへの掲載など）"),
        help_text=_("同第3号。"),
        required=False,
    )

    MY_NUMBER_FIELDS = ("my_number_network", "my_number_unlawful", "my_number_public_view")

    def __init__(self, *args: Any, is_my_number: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.is_my_number = is_my_number
        if is_my_number:
            self.fields["people"].help_text = _(
                "同第4号：1,000人を超えると報告対象です。特定個人情報は100人を超えると報告対象です。"
            )
        else:
            for name in self.MY_NUMBER_FIELDS:
                del self.fields[name]

    def answers(self) -> Answers:
        return Answers.from_dict({**self.cleaned_data, "is_my_number": self.is_my_number})


class MemberSearchForm(forms.Form):
    q = forms.CharField(label=_("組合員番号・氏名で検索"), max_length=100)


class CsvLinkForm(forms.Form):
    MAX_BYTES = 5 * 1024 * 1024
    members_csv = forms.FileField(
        label=_("組合員番号のCSV"), help_text=_("1列目に組合員番号（見出し行は任意）。UTF-8 または Shift_JIS。")
    )

    def clean_members_csv(self) -> object:
        upload = self.cleaned_data["members_csv"]
        if upload.size > self.MAX_BYTES:
            raise ValidationError(_("ファイルが大きすぎます（5MBまで）。"))
        if not upload.name.lower().endswith(".csv"):
            raise ValidationError(_("CSVファイル（拡張子 .csv）を選んでください。"))
        return upload


class ReportForm(_TextCheck):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

        for name in REPORT_ITEMS:
            label = report_item_label(name)
            self.fields[name] = forms.CharField(label=label, required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(_TextCheck):
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}))


class SentForm(forms.Form):
    sent_on = forms.DateField(label=_("提出日"), widget=DateInput())


class AlternativeForm(_TextCheck):
    measure = forms.CharField(
        label=_("代替措置の内容"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("例：ホームページでの公表と問い合わせ窓口の設置"),
    )
    reason = forms.CharField(label=_("本人への通知が困難な理由"), widget=forms.Textarea(attrs={"rows": 2}))
    on = forms.DateField(label=_("実施日"), widget=DateInput())


class ReviewForm(_TextCheck):
    committee = forms.ChoiceField(label=_("委員会"), choices=Committee.choices)
    held_on = forms.DateField(label=_("開催日"), widget=DateInput())
    conclusion = forms.CharField(label=_("結論"), widget=forms.Textarea(attrs={"rows": 3}))
    attachment = forms.FileField(label=_("議事録など（PDF）"), required=False)


class MeasureForm(_TextCheck):
    description = forms.CharField(label=_("再発防止策"), widget=forms.Textarea(attrs={"rows": 2}))
    owner = forms.ModelChoiceField(label=_("担当者"), queryset=User.objects.none())
    due_on = forms.DateField(label=_("期限"), widget=DateInput())

    def __init__(self, *args: Any, owners: list[User] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner_field = cast("forms.ModelChoiceField[User]", self.fields["owner"])
        owner_field.queryset = User.objects.filter(pk__in=[p.pk for p in owners or []]).order_by("email")


class MeasureDoneForm(_TextCheck):
    note = forms.CharField(label=_("完了の記録"), widget=forms.Textarea(attrs={"rows": 2}))


class TransitionForm(_TextCheck):
    to = forms.ChoiceField(choices=IncidentStatus.choices)
    note = forms.CharField(label=_("メモ"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RegisterFilter(forms.Form):
    q = forms.CharField(label=_("事案番号・件名で検索"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("状態"), required=False, choices=[("", _("すべて")), *IncidentStatus.choices])
    open_only = forms.BooleanField(label=_("終結していない事案のみ"), required=False)
