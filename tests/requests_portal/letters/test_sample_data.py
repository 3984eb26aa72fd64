"""The sample notices tell a consistent story: a person reading the previews should find nothing
that contradicts itself (dates, the request and its answer, who needs a provision record)."""

from datetime import date
from io import StringIO

import pytest

from django.core.management import call_command
from django.utils import timezone

from requests_portal.letters.samples import RECORDS, SAMPLES, sample_source
from requests_portal.models import DataSubjectRequest, LetterKind, ProvisionRecord, Status

# Bodies listed in 個人情報保護法第16条第2項 (national and local government, e.g. a police force):
# provision to them needs no record (第29条第1項), so a sample record naming one would teach the
# wrong rule.
PUBLIC_BODY_MARKERS = ("警察", "警視庁", "県庁", "都庁", "市役所", "区役所", "省", "独立行政法人")


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.slug for s in SAMPLES])
def test_no_sample_is_dated_before_its_request_or_after_its_due_date(sample):
    source = sample_source(sample)
    received = timezone.localdate(source.dsr.received_at)
    assert received <= source.issued_on
    if sample.kind in (LetterKind.ACKNOWLEDGEMENT, LetterKind.AMENDMENT_REQUEST, LetterKind.EXTENSION_NOTICE):
        assert source.issued_on <= source.dsr.due_date
    if previous := sample.payload.get("previous_due_date"):
        assert source.issued_on <= date.fromisoformat(previous)  # extended before it ran out
        assert date.fromisoformat(previous) == source.dsr.due_date


def test_the_refused_correction_answers_the_correction_that_was_asked_for():
    sample = next(s for s in SAMPLES if s.slug == "correction-refused")
    summary = sample_source(sample).dsr.summary
    reason = sample.payload["reason"]
    for subject in ("共済金", "支払額"):
        assert subject in summary, subject
        assert subject in reason, subject


def test_sample_records_name_third_parties_that_require_a_record():
    for record in RECORDS:
        assert not any(marker in record["third_party_name"] for marker in PUBLIC_BODY_MARKERS), record


@pytest.mark.django_db
def test_the_demo_member_has_an_amendment_to_answer_and_sensible_records():
    call_command("seed_demo", stdout=StringIO())
    waiting = DataSubjectRequest.objects.filter(
        member__full_name="山田 太郎", status=Status.AWAITING_AMENDMENT, filed_by__email__startswith="member@"
    )
    assert waiting.exists()
    for name in ProvisionRecord.objects.values_list("third_party_name", flat=True):
        assert not any(marker in name for marker in PUBLIC_BODY_MARKERS), name
