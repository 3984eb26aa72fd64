"""Forms of the oversight pages: the dashboard and queue-export filters, the fiscal year, and
the legal hold. They only clean input (NFKC, ranges, choices the viewer may use)."""

from datetime import date
from typing import Any, cast

from django_stubs_ext import StrOrPromise

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from requests_portal.models import RequestKind
from requests_portal.mynumber import contains_my_number, mask_my_numbers
from requests_portal.reports import MAX_PERIOD_MONTHS, ReportFilter, fiscal_year_label
from requests_portal.text import clean_text, normalize_line

DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"]


class NormalizedDateField(forms.DateField):
    """A date typed with full-width digits or slashes is read like the ISO form."""

    def to_python(self, value: Any) -> date | None:
        if isinstance(value, str):
            value = normalize_line(value)
        return super().to_python(value)


def _date_field(label: StrOrPromise) -> NormalizedDateField:
    return NormalizedDateField(
        label=label,
        required=False,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("日付を「2026-04-01」の形で入力してください。")},
    )


class OversightForm(forms.Form):
    """Links each error to its field (aria-describedby, aria-invalid) for screen readers, and
    never echoes a My Number back: typed text is kept, with any My Number masked."""

    def full_clean(self) -> None:
        super().full_clean()
        if self.is_bound:
            self._mask_my_numbers()
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"{self[name].auto_id}-error"

    def _mask_my_numbers(self) -> None:
        masked = {
            name: mask_my_numbers(value)
            for name in self.fields
            if isinstance(value := self.data.get(name), str) and contains_my_number(value)
        }
        if masked:
            data = cast(QueryDict, self.data).copy()
            for name, value in masked.items():
                data[name] = value
            self.data = data


def _kind_choices(kinds: list[str]) -> list[tuple[str, StrOrPromise]]:
    return [(kind, RequestKind(kind).label) for kind in kinds]


class DashboardFilterForm(OversightForm):
    date_from = _date_field(_("期間の初日"))
    date_to = _date_field(_("期間の末日"))
    kind = forms.ChoiceField(label=_("種類"), required=False)

    def __init__(self, *args: Any, kinds: list[str], today: date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        cast(forms.ChoiceField, self.fields["kind"]).choices = [("", _("すべての種類")), *_kind_choices(kinds)]

    def clean(self) -> dict:
        cleaned = cast("dict[str, Any]", super().clean())  # Form.clean() returns cleaned_data
        default = ReportFilter.default(self.today)
        date_from = cleaned.get("date_from") or default.date_from
        date_to = cleaned.get("date_to") or default.date_to
        if "date_from" in self.errors or "date_to" in self.errors:
            return cleaned
        if date_to < date_from:
            self.add_error("date_to", _("期間の末日は初日より後の日付にしてください。"))
        else:
            try:
                ReportFilter(date_from=date_from, date_to=date_to)
            except ValueError:
                self.add_error(
                    "date_to", _("期間は%(months)sか月以内にしてください。") % {"months": MAX_PERIOD_MONTHS - 1}
                )
        cleaned["date_from"], cleaned["date_to"] = date_from, date_to
        return cleaned

    def report_filter(self) -> ReportFilter:
        data = self.cleaned_data
        kinds = (data["kind"],) if data.get("kind") else ()
        return ReportFilter(date_from=data["date_from"], date_to=data["date_to"], kinds=kinds)


class FiscalYearForm(OversightForm):
    fy = forms.TypedChoiceField(label=_("年度"), coerce=int, required=False)

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["fy"]).choices = [(year, fiscal_year_label(year)) for year in years]
        self.years = years

    def year(self) -> int:
        return self.cleaned_data.get("fy") or self.years[0]


class LegalHoldForm(OversightForm):
    reference = forms.CharField(label=_("受付番号"), max_length=20)
    hold = forms.TypedChoiceField(
        label=_("操作"),
        coerce=lambda value: value == "set",
        choices=[("set", _("保存命令を設定する")), ("clear", _("保存命令を解除する"))],
        widget=forms.RadioSelect,
        initial="set",
    )
    reason = forms.CharField(label=_("理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_reference(self) -> str:
        return normalize_line(self.cleaned_data["reference"]).upper()

    def clean_reason(self) -> str:
        reason = clean_text(self.cleaned_data["reason"])
        if contains_my_number(reason):
            raise forms.ValidationError(
                _("理由にマイナンバーと思われる番号が含まれています。マイナンバーは入力しないでください。")
            )
        return reason
