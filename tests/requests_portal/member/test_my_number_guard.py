"""docs/legal.md#my-number-detection: every free-text field of every kind blocks a My Number, in every
written form, never echoes it back, and only warns for a 12-digit run that fails the check."""

import pytest

from django import forms
from django.urls import reverse

from requests_portal.forms.member import AmendmentReplyForm, MemberMessageForm, WithdrawForm
from requests_portal.models import DataSubjectRequest, Message, RequestKind, spec_for
from requests_portal.mynumber import contains_my_number
from tests.factories import advance, submit
from tests.requests_portal.member.helpers import confirm, valid_answers, wizard_url

pytestmark = pytest.mark.django_db

# 123456789018 is checksum-valid (docs/legal.md#my-number-check-digit).
WRITTEN_FORMS = [
    "123456789018",
    "1234 5678 9018",
    "1234-5678-9018",
    "１２３４５６７８９０１８",
    "１２３４　５６７８　９０１８",
    "１２３４－５６７８－９０１８",
]
CORRECTION_ROW_FIELDS = ["rows-0-item", "rows-0-current", "rows-0-correct"]


def _text_fields(kind: str, user) -> list[str]:
    form = spec_for(kind).form_class(user=user)
    names = [
        name
        for name, field in form.fields.items()
        if isinstance(field, forms.CharField) and not isinstance(field, forms.ChoiceField)
    ]
    return names + (CORRECTION_ROW_FIELDS if kind == RequestKind.CORRECTION else [])


def _cases(user_factory):
    for kind in RequestKind.values:
        for name in _text_fields(kind, user_factory):
            yield kind, name


def test_every_kind_has_its_free_text_fields_listed(member):
    # Guards the parametrisation below: if a kind loses its text fields, this fails.
    for kind in RequestKind.values:
        fields = _text_fields(kind, member)
        assert {"summary", "description", "agent_name", "agent_address", "principal_name"} <= set(fields)
    assert "period" in _text_fields(RequestKind.DISCLOSURE, member)
    assert "other_method" in _text_fields(RequestKind.PROVISION_RECORDS, member)
    assert "third_party" in _text_fields(RequestKind.PROVISION_RECORDS, member)
    assert "rows-0-current" in _text_fields(RequestKind.CORRECTION, member)


@pytest.mark.parametrize("kind", RequestKind.values)
@pytest.mark.parametrize("written", WRITTEN_FORMS)
def test_my_number_in_any_text_field_blocks_and_is_not_echoed(client, member, kind, written):
    client.force_login(member)
    for name in _text_fields(kind, member):
        data = valid_answers(kind)
        value = written if name in ("agent_postal_code", "agent_phone") else f"番号は{written}です"
        if name == "agent_email":
            value = f"{written.replace(' ', '')}@example.jp"
        data[name] = value
        response = confirm(client, kind, data)
        page = response.content.decode()
        assert response.status_code == 200
        assert "token" not in response.context, f"{kind}.{name} accepted a My Number"
        assert "マイナンバー（個人番号）と思われる12桁の番号が含まれています" in page, f"{kind}.{name}"
        assert not contains_my_number(page), f"{kind}.{name} echoed the number"
        assert written not in page
    assert DataSubjectRequest.objects.count() == 0


def test_thirteen_digit_corporate_number_is_not_flagged(client, member):
    client.force_login(member)
    data = valid_answers(RequestKind.COMPLAINT) | {"description": "法人番号1234567890180の会社について"}
    assert "token" in confirm(client, RequestKind.COMPLAINT, data).context


def test_failing_checksum_only_warns(client, member):
    client.force_login(member)
    data = valid_answers(RequestKind.COMPLAINT) | {"description": "お客様番号 1234 5678 9019 の件"}
    response = confirm(client, RequestKind.COMPLAINT, data)
    assert "token" in response.context
    assert "12桁の数字が含まれています" in response.content.decode()


def test_message_amendment_and_withdraw_forms_block_my_numbers(client, member, ga_staff, supervisor):
    for form_class, name in ((MemberMessageForm, "body"), (AmendmentReplyForm, "message"), (WithdrawForm, "reason")):
        for written in WRITTEN_FORMS:
            form = form_class(data={name: f"番号{written}", "confirm": "on"})
            assert not form.is_valid()
            assert "my_number" in [e.code for e in form.errors.as_data()[name]]
    dsr = submit(member)
    advance(dsr, "awaiting_requester", handler=ga_staff, approver=supervisor)
    client.force_login(member)
    for url, field in (
        (reverse("requests_portal:member_dsr_message", args=[dsr.public_id]), "body"),
        (reverse("requests_portal:member_dsr_amend", args=[dsr.public_id]), "message"),
        (reverse("requests_portal:member_dsr_withdraw", args=[dsr.public_id]), "reason"),
    ):
        response = client.post(url, {field: "番号は１２３４　５６７８　９０１８です", "confirm": "on"})
        assert response.status_code == 200
        assert not contains_my_number(response.content.decode())
    assert not Message.objects.filter(dsr=dsr, body__contains="9018").exists()
    dsr.refresh_from_db()
    assert dsr.status == "awaiting_requester"


def test_choice_errors_never_repeat_the_posted_value(client, member):
    client.force_login(member)
    data = valid_answers(RequestKind.DISCLOSURE)
    data.update(disclosure_method="123456789018", data_categories=["1234 5678 9018"])
    response = confirm(client, RequestKind.DISCLOSURE, data)
    assert "token" not in response.context
    assert not contains_my_number(response.content.decode())


def test_signup_form_blocks_my_numbers(client):
    response = client.post(
        reverse("account_signup"),
        {"member_number": "1234 5678 9018", "birth_date": "1980-04-01", "email": "x@example.jp"},
    )
    assert response.status_code == 200
    assert not contains_my_number(response.content.decode())
    assert "マイナンバー" in response.content.decode()


def test_wizard_page_itself_never_holds_a_number(client, member):
    client.force_login(member)
    assert not contains_my_number(client.get(wizard_url(RequestKind.MY_NUMBER_INQUIRY)).content.decode())


def test_the_my_number_inquiry_form_does_not_send_the_member_to_itself(client, member):
    client.force_login(member)
    for name in ("summary", "description"):
        data = valid_answers(RequestKind.MY_NUMBER_INQUIRY) | {name: "番号は123456789018です"}
        page = confirm(client, RequestKind.MY_NUMBER_INQUIRY, data).content.decode()
        assert "マイナンバー（個人番号）と思われる12桁の番号が含まれています" in page
        assert "お問い合わせの内容だけをご記入ください" in page
        assert "「マイナンバーに関するお問い合わせ」）をご利用ください" not in page, name
    # Every other kind still points the member to the My Number desk.
    data = valid_answers(RequestKind.COMPLAINT) | {"description": "番号は123456789018です"}
    page = confirm(client, RequestKind.COMPLAINT, data).content.decode()
    assert "「マイナンバーに関するお問い合わせ」）をご利用ください" in page
