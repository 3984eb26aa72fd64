"""What people type is kept: （）, ～, 、 and full-width digits are stored, shown and printed as
typed; only search keys and the My Number check read an NFKC-normalised copy."""

from datetime import timedelta

import pytest

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from requests_portal.forms.staff import ExtendForm, TextField
from requests_portal.letters.kinds import notice_for
from requests_portal.letters.sources import load_source
from requests_portal.models import DataSubjectRequest, LetterKind, RequestKind, Status
from requests_portal.services import dsr_extend
from requests_portal.text import clean_line, clean_text, name_search_key, normalize_line
from tests.factories import advance, submit
from tests.requests_portal.member.helpers import file_request, valid_answers

pytestmark = pytest.mark.django_db

TYPED_LINE = "共済の記録（２０２０年４月～現在）、給与控除分"
TYPED_TEXT = "契約の記録（満期分を含む）をお願いします。\n期間：２０２０年～２０２３年、全件"


def test_display_cleaning_keeps_full_width_punctuation_and_tidies_whitespace():
    assert clean_line(f"  {TYPED_LINE}\r\n ") == TYPED_LINE
    assert clean_line("山田　太郎  様\t（代理人）") == "山田　太郎 様 （代理人）"
    assert clean_text(f"{TYPED_TEXT}\r\n\r\n") == TYPED_TEXT
    # The comparison copy still folds widths, so search is unchanged.
    assert normalize_line(TYPED_LINE) == "共済の記録(2020年4月~現在)、給与控除分"
    assert name_search_key("ﾔﾏﾀﾞ　ﾀﾛｳ") == name_search_key("ヤマダタロウ")


def test_member_typed_text_is_stored_and_shown_as_typed(client, member, django_capture_on_commit_callbacks):
    client.force_login(member)
    answers = {**valid_answers(RequestKind.DISCLOSURE), "period": TYPED_LINE, "description": TYPED_TEXT}
    with django_capture_on_commit_callbacks(execute=True):
        response = file_request(client, RequestKind.DISCLOSURE, answers)
    assert response.status_code == 302
    dsr = DataSubjectRequest.objects.get()
    assert dsr.description == TYPED_TEXT

    page = client.get(reverse("requests_portal:member_dsr_detail", args=[dsr.public_id])).content.decode()
    assert "契約の記録（満期分を含む）をお願いします。" in page
    assert "２０２０年～２０２３年、全件" in page


def test_staff_typed_reason_reaches_the_letter_as_typed(member, ga_staff):
    dsr = submit(member, summary=TYPED_LINE, description=TYPED_TEXT)
    assert (dsr.summary, dsr.description) == (TYPED_LINE, TYPED_TEXT)
    advance(dsr, Status.IN_REVIEW, handler=ga_staff, approver=None)
    new_due = dsr.due_date + timedelta(days=14)
    form = ExtendForm(data={"new_due_date": new_due.isoformat(), "reason": f" {TYPED_TEXT} "})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["reason"] == TYPED_TEXT

    dsr_extend(dsr=dsr, actor=ga_staff, new_due_date=new_due, reason=form.cleaned_data["reason"])
    letter = dsr.letters.get(kind=LetterKind.EXTENSION_NOTICE)
    # The letter as printed: its no-break spans (the line breaking rules) taken out.
    html = strip_tags(notice_for(load_source(letter, issued_on=timezone.localdate())).html())
    assert "契約の記録（満期分を含む）をお願いします。" in html
    assert "２０２０年～２０２３年、全件" in html


@pytest.mark.parametrize(
    "typed", ["１２３４５６７８９０１８", "１２３４　５６７８　９０１８", "番号は１２３４-５６７８-９０１８です"]
)
def test_the_my_number_check_still_reads_full_width_digits(typed):
    with pytest.raises(ValidationError):
        TextField().clean(typed)
