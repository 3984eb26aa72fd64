"""The request kinds' specifications: one complete spec per kind, and the `details` schema
that dsr_submit enforces (refusing what does not fit, accepting what the wizard writes)."""

import pytest

from django.template.loader import get_template

from requests_portal.decisions import LETTER_FOR_DECISION
from requests_portal.exceptions import DomainError
from requests_portal.forms.member import RequestForm
from requests_portal.letters.kinds import NOTICES
from requests_portal.models import (
    ART39_KINDS,
    FEE_ELIGIBLE_KINDS,
    KIND_SPECS,
    DataSubjectRequest,
    Decision,
    DetailsInvalid,
    Document,
    DocumentCategory,
    LetterKind,
    RequestKind,
    StatutoryGround,
    spec_for,
    validate_details,
)
from requests_portal.models.request_kinds import COMMON_DETAILS, PROCEDURE_NOTICES, SHOWN_DETAILS, Shape
from tests.factories import MemberFactory, submit
from tests.requests_portal.member.helpers import agent_answers, valid_answers

# --- every kind has a complete spec --------------------------------------------------------------


def test_every_request_kind_has_exactly_one_spec():
    assert set(KIND_SPECS) == set(RequestKind.values)
    for kind, spec in KIND_SPECS.items():
        assert spec.kind == kind
        assert spec_for(kind) is spec


@pytest.mark.parametrize("kind", RequestKind.values)
def test_each_spec_is_complete(kind):
    spec = spec_for(kind)
    assert str(spec.label) == str(RequestKind(kind).label)
    assert str(spec.description).strip()
    # The wizard: a form of this kind, and templates that exist.
    assert issubclass(spec.form_class, RequestForm)
    assert spec.form_class.kind == kind
    for template in (spec.wizard_template, spec.wizard_intro_template, spec.review_template):
        if template:
            get_template(template)
    # Decisions and grounds: known values, and every kind can be withdrawn.
    assert spec.decisions
    assert set(spec.decisions) <= set(Decision.values)
    assert Decision.WITHDRAWN in spec.decisions
    assert set(spec.grounds) <= set(StatutoryGround.values)
    # Its notices are exactly the letters its decisions produce, and each has a notice class.
    produced = {LETTER_FOR_DECISION[d] for d in spec.decisions if d in LETTER_FOR_DECISION}
    assert set(spec.notices) == produced
    assert set(spec.notices) | set(PROCEDURE_NOTICES) <= set(NOTICES)
    assert set(spec.notices).isdisjoint(PROCEDURE_NOTICES)
    # What the letters print about it.
    for text in (
        spec.letter_phrase,
        spec.letter_noun,
        spec.acknowledgement_title,
        spec.acknowledgement_heading,
        spec.answer_title,
        spec.answer_heading,
        spec.not_held_article,
    ):
        assert text.strip()
    # Every key its details may hold has a label and a place on the case pages.
    shown = {key.name for key in SHOWN_DETAILS}
    for key in spec.details:
        assert key.name in shown
        assert str(key.label)
        assert (key.shape == Shape.CHOICE) == bool(key.choices)


def test_fees_and_article_39_follow_the_law():
    # 個人情報保護法第38条第1項: fees only for purpose notices and disclosures (records included).
    assert {RequestKind.PURPOSE_NOTICE, RequestKind.DISCLOSURE, RequestKind.PROVISION_RECORDS} == FEE_ELIGIBLE_KINDS
    # 第39条 covers the requests of 第33条〜第35条, not purpose notices (第32条) or complaints (第40条).
    assert {
        RequestKind.DISCLOSURE,
        RequestKind.PROVISION_RECORDS,
        RequestKind.CORRECTION,
        RequestKind.SUSPENSION,
    } == ART39_KINDS


def test_answered_kinds_are_never_refused_on_a_ground():
    for kind in (RequestKind.COMPLAINT, RequestKind.MY_NUMBER_INQUIRY):
        spec = spec_for(kind)
        assert spec.grounds == ()
        assert not spec.checks_identity
        assert spec.notices == (LetterKind.ANSWER,)


# --- validate_details refuses what does not fit ----------------------------------------------------

CATEGORY = {"id": 1, "name": "組合員の基本情報"}
ROW = {"action": "correct", "item": "住所", "current": "旧住所", "correct": "新住所"}

MALFORMED = {
    RequestKind.PURPOSE_NOTICE: {
        "missing key": {"data_categories": [{"id": 1}]},
        "wrong type": {"data_categories": "組合員の基本情報"},
        "unknown key": {"period": "過去3年"},
    },
    RequestKind.DISCLOSURE: {
        "missing key": {"data_categories": [{"name": "組合員の基本情報"}]},
        "wrong type": {"period": 2020},
        "unknown key": {"third_party": "勤務先の厚生課"},
    },
    RequestKind.PROVISION_RECORDS: {
        "missing key": {"data_categories": [CATEGORY, {"id": 2}]},
        "wrong type": {"third_party": ["勤務先の厚生課"]},
        "unknown key": {"corrections": [ROW]},
    },
    RequestKind.CORRECTION: {
        "missing key": {"corrections": [{"action": "correct", "item": "住所", "current": "旧住所"}]},
        "wrong type": {"corrections": [{**ROW, "action": "rewrite"}]},
        "unknown key": {"corrections": [{**ROW, "note": "至急"}]},
    },
    RequestKind.SUSPENSION: {
        "missing key": {"measure": "erase"},
        "wrong type": {"measure": "erase", "ground": 355},
        "unknown key": {"measure": "erase", "ground": "art35_5_a", "inquiry_type": "complaint"},
    },
    RequestKind.COMPLAINT: {
        "missing key": {"inquiry_type": "complaint", "data_categories": [{"id": 3}]},
        "wrong type": {"inquiry_type": "other"},
        "unknown key": {"inquiry_type": "complaint", "legacy_ref": "旧-0001"},
    },
    RequestKind.MY_NUMBER_INQUIRY: {
        "missing key": {"data_categories": [{"name": "マイナンバー"}]},
        "wrong type": {"identity_method": "fingerprint"},
        "unknown key": {"rows": [{"new": "内容"}]},
    },
}


@pytest.mark.parametrize(
    ("kind", "problem"), [(kind, problem) for kind, cases in MALFORMED.items() for problem in cases]
)
def test_malformed_details_are_refused(kind, problem):
    with pytest.raises(DetailsInvalid) as refused:
        validate_details(kind, MALFORMED[kind][problem])
    assert refused.value.problems
    assert isinstance(refused.value, DomainError)  # so every view already shows it next to the form


def test_every_kind_has_each_malformation_tested():
    assert set(MALFORMED) == set(RequestKind.values)


def test_details_that_are_not_a_mapping_or_of_no_kind_are_refused():
    for details in (None, [], "period", [("period", "過去3年")]):
        with pytest.raises(DetailsInvalid):
            validate_details(RequestKind.DISCLOSURE, details)
    with pytest.raises(DetailsInvalid):
        validate_details("deletion", {})


def test_a_suspension_ground_must_fit_the_measure():
    # 第35条第3項 is about third-party provision only; it cannot ground an erasure.
    with pytest.raises(DetailsInvalid):
        validate_details(RequestKind.SUSPENSION, {"measure": "erase", "ground": "art35_3"})
    validate_details(RequestKind.SUSPENSION, {"measure": "stop_provision", "ground": "art35_3"})


def test_common_keys_and_paper_intake_categories_fit_every_kind():
    details = {
        "data_categories": ["組合員の基本情報", CATEGORY],
        "identity_method": "document",
        "id_document_type": "passport",
        "authority_document_type": "power_of_attorney",
        "demo_history": True,
    }
    assert {key.name for key in COMMON_DETAILS} == set(details)
    for kind in RequestKind.values:
        validate_details(kind, details)
        validate_details(kind, {})


@pytest.mark.django_db
def test_dsr_submit_refuses_malformed_details_and_writes_nothing(member):
    with pytest.raises(DetailsInvalid):
        submit(member, kind=RequestKind.CORRECTION, details={"corrections": "住所を直してください"})
    assert not DataSubjectRequest.objects.exists()


# --- ... and accepts what the real wizard writes ---------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("kind", RequestKind.values)
def test_what_the_wizard_writes_for_a_member_fits_the_schema(kind, member):
    form = spec_for(kind).form_class(data=valid_answers(kind), user=member)
    assert form.is_valid(), form.errors
    details = form.submission()["details"]
    validate_details(kind, details)
    own = {key.name for key in spec_for(kind).details}
    assert not own or own & set(details)  # the answers exercise the kind's own keys


@pytest.mark.django_db
@pytest.mark.parametrize("kind", RequestKind.values)
def test_what_the_wizard_writes_for_an_agent_fits_the_schema(kind, member):
    principal = MemberFactory()
    evidence = [Document(category=DocumentCategory.AUTHORITY), Document(category=DocumentCategory.IDENTITY)]
    form = spec_for(kind).form_class(data=agent_answers(kind, principal), user=member, documents=evidence)
    assert form.is_valid(), form.errors
    details = form.submission()["details"]
    assert details["authority_document_type"] == "power_of_attorney"
    assert details["id_document_type"] == "driving_licence"
    validate_details(kind, details)
