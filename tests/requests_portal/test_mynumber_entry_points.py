"""Every way of writing a My Number is refused wherever text enters the portal: the seven
request kinds, messages, staff notes and messages, saved filter names, the queue search, and
what reaches the audit trail (番号法第20条; the detector is tested in test_mynumber_detector.py)."""

import pytest

from django.urls import reverse

from requests_portal import services
from requests_portal.exceptions import DomainError
from requests_portal.models import AuditEntry, DataSubjectRequest, Message, RequestKind, SavedFilter
from requests_portal.mynumber import contains_my_number
from tests.factories import advance, submit
from tests.requests_portal.member.helpers import confirm, valid_answers

pytestmark = pytest.mark.django_db

# 314159265352 has a valid check digit. The forms the adversarial review found, and a few more.
WRITTEN = [
    "3141.5926.5352",
    "3141/5926/5352",
    "3141 - 5926 - 5352",
    "3141_5926_5352",
    "3141,5926,5352",
    "3141\u200b5926\u200b5352",
    "3 1 4 1 5 9 2 6 5 3 5 2",
    "(3141)5926-5352",
    "３１４１．５９２６．５３５２",
    "3141\r\n5926\r\n5352",
    "3141\t5926\t5352",
    "3141ー5926一5352",
]
GROUPS = ("3141", "5926", "5352")


def _no_trace(text: str) -> bool:
    return not contains_my_number(text) and not any(group in text for group in GROUPS)


@pytest.mark.parametrize("kind", RequestKind.values)
def test_every_kind_refuses_every_written_form_without_echoing_it(client, member, kind):
    client.force_login(member)
    for written in WRITTEN:
        data = valid_answers(kind) | {"description": f"私の番号は{written}です"}
        response = confirm(client, kind, data)
        page = response.content.decode()
        assert "token" not in response.context, f"{kind} accepted {written!r}"
        assert "マイナンバー（個人番号）と思われる12桁の番号が含まれています" in page
        assert _no_trace(page), f"{kind} echoed {written!r}"
    assert DataSubjectRequest.objects.count() == 0


def test_member_messages_refuse_every_written_form(client, member, ga_staff, supervisor):
    dsr = submit(member)
    advance(dsr, "awaiting_requester", handler=ga_staff, approver=supervisor)
    client.force_login(member)
    url = reverse("requests_portal:member_dsr_message", args=[dsr.public_id])
    for written in WRITTEN:
        response = client.post(url, {"body": f"番号は{written}です"})
        assert response.status_code == 200
        assert _no_trace(response.content.decode())
    assert not Message.objects.filter(dsr=dsr, body__contains="5926").exists()


@pytest.mark.parametrize("internal", [True, False], ids=["staff note", "message to the member"])
def test_staff_notes_and_messages_refuse_every_written_form(member, ga_staff, supervisor, internal):
    dsr = submit(member)
    advance(dsr, "in_review", handler=ga_staff, approver=supervisor)
    for written in WRITTEN:
        with pytest.raises(DomainError):
            services.dsr_post_message(dsr=dsr, actor=ga_staff, body=f"確認 {written}", internal=internal)
    assert not any("5926" in body for body in Message.objects.filter(dsr=dsr).values_list("body", flat=True))


def test_saved_filter_names_refuse_every_written_form(client, ga_staff):
    client.force_login(ga_staff)
    for written in WRITTEN:
        client.post(reverse("requests_portal:staff_saved_filter_create"), {"name": written, "query": "status=all"})
    assert not SavedFilter.objects.exists()


def test_queue_search_refuses_every_written_form(client, ga_staff, member):
    submit(member)
    client.force_login(ga_staff)
    for written in WRITTEN:
        response = client.get(reverse("requests_portal:staff_queue"), {"q": written}, follow=True)
        page = response.content.decode()
        assert "マイナンバーでは検索できません" in page
        assert _no_trace(page)


def test_audit_data_is_masked_in_every_written_form():
    from requests_portal import audit

    for written in WRITTEN:
        entry = audit.record(action="test.event", data={"note": f"番号 {written}"})
        assert _no_trace(str(AuditEntry.objects.get(pk=entry.pk).data))
    assert audit.verify_chain().ok
