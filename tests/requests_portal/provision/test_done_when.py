"""The integration's path end to end (docs/integration.md, "The API path end to end"): a token
from `issue_api_token`, a provision record upserted through the JSON API as curl would send it,
and the member's records-disclosure notice printing it."""

import json
from io import StringIO

import pytest

from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from requests_portal import storage
from requests_portal.letters import services as letters
from requests_portal.letters.kinds import RECORD_COLUMNS, notice_for
from requests_portal.letters.sources import load_source
from requests_portal.models import LetterKind, RequestKind, Status
from requests_portal.wareki import format_wareki
from tests.factories import advance, submit
from tests.requests_portal.letters.pdf_checks import pdf_text, squash
from tests.requests_portal.provision.test_records_notice import tables_of

pytestmark = pytest.mark.django_db


def test_a_record_sent_through_the_api_is_printed_on_the_members_records_notice(member, ga_staff, supervisor):
    out = StringIO()
    call_command("issue_api_token", "kikan-system", "--scope", "provision_records:write", stdout=out)
    token = out.getvalue().strip().splitlines()[-1]
    assert token.startswith("kss_")

    occurred_on = timezone.localdate().replace(day=1)
    record = {
        "record_number": "PR-2026-0001",
        "direction": "provided",
        "occurred_on": occurred_on.isoformat(),
        "member_number": member.member.member_number,
        "third_party_name": "株式会社共済サービス",
        "third_party_address": "東京都港区芝公園1-1-1",
        "data_items": "氏名、住所、共済契約番号",
        "basis": "consent",
    }
    response = Client().post(
        "/api/v1/provision-records",
        data=json.dumps({"records": [record]}, ensure_ascii=False),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"created": 1, "updated": 0, "unchanged": 0, "exempt": []}

    dsr = submit(member, kind=RequestKind.PROVISION_RECORDS, disclosure_method="electronic")
    advance(dsr, Status.DECIDED, handler=ga_staff, approver=supervisor)
    letter = dsr.letters.get(kind=LetterKind.DISCLOSURE_DECISION)
    assert letters.letter_render(letter_id=letter.pk) == letters.RENDERED
    letter.refresh_from_db()

    html = notice_for(load_source(letter, issued_on=timezone.localdate())).html()
    table = next(t for t in tables_of(html) if tuple(t[0]) == RECORD_COLUMNS)
    assert table[1:] == [
        [
            format_wareki(occurred_on),
            "第三者への提供",
            "株式会社共済サービス\n東京都港区芝公園1-1-1",
            "氏名、住所、共済契約番号",
            "本人の同意あり",
            "―",
        ]
    ]
    printed = pdf_text(storage.read(letter.storage_name))
    for text in ("株式会社共済サービス", "東京都港区芝公園1-1-1", "氏名、住所、共済契約番号", "本人の同意あり"):
        assert squash(text) in printed
