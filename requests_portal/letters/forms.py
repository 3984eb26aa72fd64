"""The staff forms about letters (validation only; the services do the work)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from requests_portal.mynumber import validate_no_my_number
from requests_portal.text import clean_text


class LetterRerenderForm(forms.Form):
    reason = forms.CharField(
        label=_("再作成の理由"),
        help_text=_("例：差出人の職名の誤りを修正したため。理由は事案の経過に記録されます。"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[validate_no_my_number],
        error_messages={"required": _("再作成の理由を入力してください。")},
    )

    def clean_reason(self) -> str:
        return clean_text(self.cleaned_data["reason"])
