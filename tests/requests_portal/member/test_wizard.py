"""The request wizard: every kind, agents, identity, uploads kept across errors, the receipt."""

from datetime import timedelta

import pytest

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from requests_portal import services
from requests_portal.exceptions import TransitionNotAllowed
from requests_portal.forms.member import PRINCIPAL_NOT_MATCHED
from requests_portal.models import (
    DataCategory,
    DataSubjectRequest,
    Document,
    DocumentCategory,
    FeeSetting,
    IdentityMethod,
    IdentityResult,
    Letter,
    LetterKind,
    OutboundMail,
    Queue,
    RequesterType,
    RequestKind,
    Status,
)
from tests.factories import MemberFactory, advance, member_user
from tests.requests_portal.member import files
from tests.requests_portal.member.helpers import (
    agent_answers,
    agent_files,
    confirm,
    file_request,
    submit_from_confirm,
    valid_answers,
    wizard_url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, member):
    client.force_login(member)
    return client


# --- every kind, filed by the member ------------------------------------------------------------


@pytest.mark.parametrize("kind", RequestKind.values)
def test_member_files_every_kind_and_gets_a_reference(logged_in, member, kind, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = file_request(logged_in, kind, valid_answers(kind))
    dsr = DataSubjectRequest.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("requests_portal:member_dsr_submitted", args=[dsr.public_id])
    assert dsr.kind == kind
    assert dsr.member == member.member
    assert dsr.filed_by == member
    assert dsr.requester_type == RequesterType.SELF
    # A fresh re-authentication is the identity check (docs/legal.md#identity).
    assert dsr.identity_method == IdentityMethod.REAUTH
    assert dsr.identity_result == IdentityResult.VERIFIED
    assert dsr.details["identity_method"] == "reauth"
    assert Letter.objects.filter(dsr=dsr, kind=LetterKind.ACKNOWLEDGEMENT).exists()
    assert OutboundMail.objects.filter(dsr=dsr, template="dsr_received").exists()
    expected_queue = Queue.MY_NUMBER if kind == RequestKind.MY_NUMBER_INQUIRY else Queue.GA
    assert dsr.queue.code == expected_queue
    receipt = logged_in.get(response.url)
    assert dsr.reference in receipt.content.decode()


def test_kind_specific_details_are_stored_structured(logged_in):
    category = DataCategory.objects.filter(is_active=True).first()
    file_request(logged_in, RequestKind.DISCLOSURE, valid_answers(RequestKind.DISCLOSURE))
    disclosure = DataSubjectRequest.objects.get(kind=RequestKind.DISCLOSURE)
    assert disclosure.disclosure_method == "electronic"
    assert disclosure.disclosure_format == "PDF"
    assert disclosure.details["data_categories"] == [{"id": category.pk, "name": category.name}]
    assert disclosure.details["period"] == "2020年4月から現在まで"

    file_request(logged_in, RequestKind.CORRECTION, valid_answers(RequestKind.CORRECTION))
    correction = DataSubjectRequest.objects.get(kind=RequestKind.CORRECTION)
    assert correction.details["corrections"] == [
        {
            "action": "correct",
            "item": "住所",
            "current": "東京都千代田区霞が関一丁目",
            "correct": "東京都千代田区霞が関二丁目1番1号",
        }
    ]

    file_request(logged_in, RequestKind.SUSPENSION, valid_answers(RequestKind.SUSPENSION))
    suspension = DataSubjectRequest.objects.get(kind=RequestKind.SUSPENSION)
    assert suspension.details["measure"] == "suspend_use"
    assert suspension.details["ground"] == "art35_5_c"


def test_correction_needs_at_least_one_row_and_can_add_rows_without_losing_input(logged_in):
    data = valid_answers(RequestKind.CORRECTION)
    for key in ("rows-0-action", "rows-0-item", "rows-0-current", "rows-0-correct"):
        data[key] = ""
    response = confirm(logged_in, RequestKind.CORRECTION, data)
    assert "訂正等を求める内容を1行以上入力してください。" in response.content.decode()
    data.update({"rows-0-item": "電話番号", "action": "add_row"})
    response = logged_in.post(wizard_url(RequestKind.CORRECTION), data)
    page = response.content.decode()
    assert 'name="rows-TOTAL_FORMS" value="2"' in page
    assert 'value="電話番号"' in page
    assert "error-summary" not in page  # adding a row is not a submission


def test_suspension_ground_must_fit_the_measure(logged_in):
    data = valid_answers(RequestKind.SUSPENSION)
    data.update(measure="stop_provision", ground="art35_1")
    response = confirm(logged_in, RequestKind.SUSPENSION, data)
    assert "token" not in response.context
    assert "ground" in response.context["form"].errors
    data.update(measure="suspend_use", ground="art35_3")
    assert "ground" in confirm(logged_in, RequestKind.SUSPENSION, data).context["form"].errors


def test_electronic_disclosure_needs_a_format_and_other_method_a_description(logged_in):
    data = valid_answers(RequestKind.DISCLOSURE)
    data["disclosure_format"] = ""
    assert "disclosure_format" in confirm(logged_in, RequestKind.DISCLOSURE, data).context["form"].errors
    data.update(disclosure_method="other", other_method="")
    assert "other_method" in confirm(logged_in, RequestKind.DISCLOSURE, data).context["form"].errors


def test_disclosure_form_shows_the_published_formats_and_categories(logged_in):
    page = logged_in.get(wizard_url(RequestKind.DISCLOSURE)).content.decode()
    for category in DataCategory.objects.filter(is_active=True):
        assert category.name in page
    assert "PDF" in page
    assert "CSV" in page


def test_fee_is_shown_only_for_fee_kinds_with_the_configured_amount(logged_in):
    FeeSetting.objects.create(kind=RequestKind.DISCLOSURE, amount_yen=1234, payment_methods="定額小為替")
    page = logged_in.get(wizard_url(RequestKind.DISCLOSURE)).content.decode()
    assert "1,234円" in page
    assert "定額小為替" in page
    for kind in (RequestKind.CORRECTION, RequestKind.SUSPENSION, RequestKind.COMPLAINT, RequestKind.MY_NUMBER_INQUIRY):
        assert "手数料" not in logged_in.get(wizard_url(kind)).content.decode().split("<footer")[0]
    FeeSetting.objects.create(kind=RequestKind.PURPOSE_NOTICE, amount_yen=0)
    assert "手数料は無料" in logged_in.get(wizard_url(RequestKind.PURPOSE_NOTICE)).content.decode()


def test_my_number_inquiry_says_plainly_not_to_type_the_number(logged_in):
    page = logged_in.get(wizard_url(RequestKind.MY_NUMBER_INQUIRY)).content.decode()
    assert "マイナンバー（個人番号）は入力しないでください。" in page
    assert 'name="supporting_files"' not in page


def test_unknown_kind_is_404(logged_in):
    assert logged_in.get(wizard_url("not_a_kind")).status_code == 404


def test_wizard_needs_a_member_login(client, ga_staff):
    assert client.get(wizard_url(RequestKind.DISCLOSURE)).status_code == 302
    client.force_login(ga_staff)
    assert client.get(wizard_url(RequestKind.DISCLOSURE)).status_code == 404


# --- identity ---------------------------------------------------------------------------------


def test_wrong_password_keeps_the_confirm_page_and_files_nothing(logged_in):
    response = confirm(logged_in, RequestKind.PURPOSE_NOTICE, valid_answers(RequestKind.PURPOSE_NOTICE))
    response = submit_from_confirm(logged_in, RequestKind.PURPOSE_NOTICE, response, password="not-the-password")
    assert response.status_code == 200
    assert "パスワード" in response.content.decode()
    assert "error-summary" in response.content.decode()
    assert DataSubjectRequest.objects.count() == 0
    # The answers are still there, ready to send.
    assert "給与控除の情報の利用目的を教えてください。" in response.content.decode()


def test_identity_by_document_needs_the_document_and_the_card_back_confirmation(logged_in):
    data = valid_answers(RequestKind.COMPLAINT) | {"identity_method": "document"}
    form = confirm(logged_in, RequestKind.COMPLAINT, data).context["form"]
    assert {"id_document_type", "identity_files", "not_card_back"} <= set(form.errors)
    data.update(id_document_type="passport", not_card_back="on")
    upload = SimpleUploadedFile("passport.png", files.png(), content_type="image/png")
    response = file_request(logged_in, RequestKind.COMPLAINT, data, identity_files=[upload])
    assert response.status_code == 302
    dsr = DataSubjectRequest.objects.get()
    assert dsr.identity_result == ""  # staff check the document
    assert dsr.details["id_document_type"] == "passport"
    assert list(dsr.documents.values_list("category", flat=True)) == [DocumentCategory.IDENTITY]


def test_masked_id_types_flag_the_upload_for_masking(logged_in):
    data = valid_answers(RequestKind.COMPLAINT) | {
        "identity_method": "document",
        "id_document_type": "qualification_certificate",
        "not_card_back": "on",
    }
    upload = SimpleUploadedFile("shikaku.jpg", files.jpeg(), content_type="image/jpeg")
    file_request(logged_in, RequestKind.COMPLAINT, data, identity_files=[upload])
    assert DataSubjectRequest.objects.get().documents.get().requires_masking is True


def test_id_document_choices_never_offer_the_card_back(logged_in):
    form = logged_in.get(wizard_url(RequestKind.DISCLOSURE)).context["form"]
    labels = [str(label) for _value, label in form.fields["id_document_type"].choices]
    assert any("表面のみ" in label for label in labels)
    assert not any("裏" in label for label in labels)


def test_old_reauthentication_does_not_count(logged_in, member):
    response = confirm(logged_in, RequestKind.PURPOSE_NOTICE, valid_answers(RequestKind.PURPOSE_NOTICE))
    submit_from_confirm(logged_in, RequestKind.PURPOSE_NOTICE, response)
    session = logged_in.session
    from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY

    records = session[AUTHENTICATION_METHODS_SESSION_KEY]
    assert records[-1]["reauthenticated"] is True
    records[-1]["at"] -= 3600
    session[AUTHENTICATION_METHODS_SESSION_KEY] = records
    session.save()
    response = confirm(logged_in, RequestKind.COMPLAINT, valid_answers(RequestKind.COMPLAINT))
    assert response.context["needs_password"] is True


def test_recent_reauthentication_is_reused_without_asking_again(logged_in):
    response = confirm(logged_in, RequestKind.PURPOSE_NOTICE, valid_answers(RequestKind.PURPOSE_NOTICE))
    submit_from_confirm(logged_in, RequestKind.PURPOSE_NOTICE, response)
    response = confirm(logged_in, RequestKind.COMPLAINT, valid_answers(RequestKind.COMPLAINT))
    assert response.context["needs_password"] is False
    submit_from_confirm(logged_in, RequestKind.COMPLAINT, response, password=None)
    assert DataSubjectRequest.objects.get(kind=RequestKind.COMPLAINT).identity_result == IdentityResult.VERIFIED


# --- agents ---------------------------------------------------------------------------------


def test_appointed_agent_files_for_a_roster_member_with_evidence(logged_in, member):
    principal = MemberFactory(full_name="髙橋 一郎", birth_date=timezone.localdate().replace(year=1969))
    # The variant kanji typed plainly, with a full-width space: still the same person.
    data = agent_answers(RequestKind.DISCLOSURE, principal, principal_name="高橋　一郎")
    response = file_request(logged_in, RequestKind.DISCLOSURE, data, **agent_files())
    assert response.status_code == 302
    dsr = DataSubjectRequest.objects.get()
    assert dsr.member == principal
    assert dsr.filed_by == member
    assert dsr.requester_type == RequesterType.APPOINTED_AGENT
    assert dsr.agent_name == "代理 花子"
    assert dsr.agent_postal_code == "1000013"
    assert dsr.identity_result == ""  # an agent's identity is checked by staff
    assert dsr.details["authority_document_type"] == "power_of_attorney"
    assert sorted(dsr.documents.values_list("category", flat=True)) == ["authority", "identity"]
    assert Document.objects.filter(dsr__isnull=True).count() == 0
    # The agent finds the case on their home page.
    assert dsr.reference in logged_in.get(reverse("requests_portal:member_home")).content.decode()


@pytest.mark.parametrize(
    ("letters_to", "expected_member_wish"),
    [(None, False), ("agent", False), ("member", True)],
)
def test_the_agent_states_where_the_answers_go(logged_in, member, letters_to, expected_member_wish):
    principal_login = member_user()
    data = agent_answers(RequestKind.DISCLOSURE, principal_login.member)
    if letters_to is not None:
        data["agent_letters_to"] = letters_to
    page = logged_in.get(wizard_url(RequestKind.DISCLOSURE)).content.decode()
    assert 'name="agent_letters_to" value="agent" id="id_agent_letters_to_0" checked' in page  # the default
    assert file_request(logged_in, RequestKind.DISCLOSURE, data, **agent_files()).status_code == 302
    dsr = DataSubjectRequest.objects.get()
    assert dsr.letters_to_member is expected_member_wish
    mailed = set(OutboundMail.objects.filter(dsr=dsr).values_list("to_user_id", flat=True))
    assert mailed == ({principal_login.pk} if expected_member_wish else {member.pk})


def test_a_self_request_ignores_the_agent_routing_answer(logged_in, member):
    data = {**valid_answers(RequestKind.DISCLOSURE), "agent_letters_to": "member"}
    assert file_request(logged_in, RequestKind.DISCLOSURE, data).status_code == 302
    assert DataSubjectRequest.objects.get().letters_to_member is False


def test_agent_case_cannot_reach_review_until_authority_is_checked(logged_in, member, ga_staff, supervisor):
    principal = MemberFactory()
    file_request(logged_in, RequestKind.DISCLOSURE, agent_answers(RequestKind.DISCLOSURE, principal), **agent_files())
    dsr = DataSubjectRequest.objects.get()
    services.dsr_assign(dsr=dsr, assignee=ga_staff, actor=ga_staff)
    services.dsr_record_identity(
        dsr=dsr, actor=ga_staff, method=IdentityMethod.DOCUMENT, result=IdentityResult.VERIFIED,
        id_doc_type="driving_licence",
    )  # fmt: skip
    dsr.refresh_from_db()
    assert dsr.status == Status.VERIFYING
    from requests_portal import workflow

    with pytest.raises(TransitionNotAllowed):
        workflow.transition(dsr, to=Status.IN_REVIEW, actor=ga_staff)
    advance(dsr, Status.IN_REVIEW, handler=ga_staff, approver=supervisor)
    dsr.refresh_from_db()
    assert dsr.status == Status.IN_REVIEW


@pytest.mark.parametrize(
    "wrong",
    [
        {"principal_member_number": "999999"},
        {"principal_birth_date": "1900-01-01"},
        {"principal_name": "別人 太郎"},
    ],
)
def test_agent_naming_a_principal_not_in_the_roster_gets_one_generic_message(logged_in, wrong):
    principal = MemberFactory()
    data = agent_answers(RequestKind.DISCLOSURE, principal, **wrong)
    response = confirm(logged_in, RequestKind.DISCLOSURE, data, **agent_files())
    errors = response.context["form"].errors["principal_member_number"]
    assert errors == [str(PRINCIPAL_NOT_MATCHED)]
    assert DataSubjectRequest.objects.count() == 0


def test_principal_lookups_are_throttled(logged_in):
    principal = MemberFactory()
    data = agent_answers(RequestKind.DISCLOSURE, principal, principal_name="違う 名前")
    for _ in range(10):
        confirm(logged_in, RequestKind.DISCLOSURE, data)
    data["principal_name"] = principal.full_name  # now right, but throttled
    errors = confirm(logged_in, RequestKind.DISCLOSURE, data).context["form"].errors["principal_member_number"]
    assert "しばらく受け付けられません" in errors[0]


def test_agent_cannot_name_themselves(logged_in, member):
    data = agent_answers(RequestKind.DISCLOSURE, member.member)
    form = confirm(logged_in, RequestKind.DISCLOSURE, data, **agent_files()).context["form"]
    assert "requester_type" in form.errors


def test_agent_needs_authority_and_identity_documents_of_the_right_type(logged_in):
    principal = MemberFactory()
    data = agent_answers(RequestKind.DISCLOSURE, principal, authority_document_type="guardianship_certificate")
    form = confirm(logged_in, RequestKind.DISCLOSURE, data).context["form"]
    assert {"authority_files", "identity_files", "authority_document_type"} <= set(form.errors)


def test_birth_date_in_wareki_is_accepted_for_the_principal(logged_in):
    principal = MemberFactory(birth_date=timezone.datetime(1975, 4, 1).date())
    data = agent_answers(RequestKind.COMPLAINT, principal, principal_birth_date="昭和５０年４月１日")
    assert "token" in confirm(logged_in, RequestKind.COMPLAINT, data, **agent_files()).context


# --- nothing typed or uploaded is lost --------------------------------------------------------


def test_validation_error_keeps_every_answer_and_the_accepted_uploads(logged_in, member):
    principal = MemberFactory()
    data = agent_answers(RequestKind.DISCLOSURE, principal, disclosure_method="")  # one thing missing
    response = confirm(logged_in, RequestKind.DISCLOSURE, data, **agent_files())
    page = response.content.decode()
    assert "disclosure_method" in response.context["form"].errors
    for value in ("代理 花子", "姉", "東京都千代田区霞が関1-1-1", principal.member_number, "共済契約の記録"):
        assert value in page
    kept = list(Document.objects.filter(owner=member, dsr__isnull=True))
    assert len(kept) == 2
    for document in kept:
        assert f'name="documents" value="{document.public_id}"' in page
        assert document.original_name in page
    # Fix the one field, post again without re-uploading: the files are still attached.
    data["disclosure_method"] = "paper"
    data["documents"] = [str(d.public_id) for d in kept]
    response = file_request(logged_in, RequestKind.DISCLOSURE, data)
    assert response.status_code == 302
    assert DataSubjectRequest.objects.get().documents.count() == 2


def test_a_rejected_upload_is_explained_and_the_rest_is_kept(logged_in, member):
    principal = MemberFactory()
    data = agent_answers(RequestKind.DISCLOSURE, principal)
    uploads = {
        "identity_files": [SimpleUploadedFile("免許証.jpg", files.jpeg(), content_type="image/jpeg")],
        "authority_files": [
            SimpleUploadedFile("委任状.pdf", files.pdf(javascript=True), content_type="application/pdf")
        ],
    }
    response = confirm(logged_in, RequestKind.DISCLOSURE, data, **uploads)
    form = response.context["form"]
    assert "委任状：スクリプトや自動実行の機能を含むPDFは添付できません。" in form.errors["authority_files"][0]
    assert Document.objects.filter(owner=member, category=DocumentCategory.IDENTITY).count() == 1
    assert "代理 花子" in response.content.decode()


def test_removing_an_upload_deletes_it_and_keeps_the_form(logged_in, member):
    principal = MemberFactory()
    data = agent_answers(RequestKind.DISCLOSURE, principal, disclosure_method="")
    confirm(logged_in, RequestKind.DISCLOSURE, data, **agent_files())
    identity = Document.objects.get(owner=member, category=DocumentCategory.IDENTITY)
    authority = Document.objects.get(owner=member, category=DocumentCategory.AUTHORITY)
    data.update(documents=[str(identity.public_id), str(authority.public_id)], remove_document=str(identity.public_id))
    response = logged_in.post(wizard_url(RequestKind.DISCLOSURE), data)
    page = response.content.decode()
    assert not Document.objects.filter(pk=identity.pk).exists()
    assert f'value="{authority.public_id}"' in page
    assert "代理 花子" in page
    assert "error-summary" not in page


def test_someone_elses_upload_cannot_be_attached(logged_in, other_member):
    from requests_portal.uploads import accept_upload

    theirs = accept_upload(
        SimpleUploadedFile("x.jpg", files.jpeg()), owner=other_member, category=DocumentCategory.SUPPORTING
    )
    data = valid_answers(RequestKind.COMPLAINT) | {"documents": [str(theirs.public_id)]}
    file_request(logged_in, RequestKind.COMPLAINT, data)
    theirs.refresh_from_db()
    assert theirs.dsr is None
    assert DataSubjectRequest.objects.get().documents.count() == 0


def test_expired_upload_is_not_attached(logged_in, member):
    from requests_portal.uploads import accept_upload

    old = accept_upload(SimpleUploadedFile("x.jpg", files.jpeg()), owner=member, category=DocumentCategory.SUPPORTING)
    Document.objects.filter(pk=old.pk).update(purge_after=timezone.now() - timedelta(minutes=1))
    data = valid_answers(RequestKind.COMPLAINT) | {"documents": [old.public_id]}
    file_request(logged_in, RequestKind.COMPLAINT, data)
    assert DataSubjectRequest.objects.get().documents.count() == 0


def test_double_submission_files_one_case(logged_in):
    response = confirm(logged_in, RequestKind.PURPOSE_NOTICE, valid_answers(RequestKind.PURPOSE_NOTICE))
    first = submit_from_confirm(logged_in, RequestKind.PURPOSE_NOTICE, response)
    second = submit_from_confirm(logged_in, RequestKind.PURPOSE_NOTICE, response)
    assert DataSubjectRequest.objects.count() == 1
    assert first.url == second.url


def test_edit_from_the_confirm_page_returns_to_the_form_with_everything(logged_in):
    data = valid_answers(RequestKind.COMPLAINT)
    confirm(logged_in, RequestKind.COMPLAINT, data)
    response = logged_in.post(wizard_url(RequestKind.COMPLAINT), data | {"action": "edit"})
    page = response.content.decode()
    assert "窓口の対応について" in page
    assert "説明が不十分でした。" in page
    assert "token" not in response.context


def test_receipt_of_another_member_is_404(client, logged_in, other_member):
    response = file_request(logged_in, RequestKind.PURPOSE_NOTICE, valid_answers(RequestKind.PURPOSE_NOTICE))
    client.force_login(other_member)
    assert client.get(response.url).status_code == 404


def test_wizard_renders_in_english_too(logged_in):
    logged_in.post(reverse("set_language"), {"language": "en", "next": "/"})
    for kind in RequestKind.values:
        response = logged_in.get(wizard_url(kind))
        assert response.status_code == 200
        assert '<html lang="en">' in response.content.decode()
