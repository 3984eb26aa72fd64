"""The member's case page: status, deadline, timeline, messages, 補正, letters, withdrawal, access."""

import uuid

import pytest

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from requests_portal import services, storage
from requests_portal.models import AuditEntry, DocumentCategory, EventType, LetterStatus, Message, RequestKind, Status
from tests.factories import advance, submit
from tests.requests_portal.member import files

pytestmark = pytest.mark.django_db


def _url(dsr, name="member_dsr_detail"):
    return reverse(f"requests_portal:{name}", args=[dsr.public_id])


def test_owner_sees_status_deadline_and_timeline_and_the_view_is_audited(client, member):
    dsr = submit(member)
    client.force_login(member)
    response = client.get(_url(dsr))
    page = response.content.decode()
    assert response.status_code == 200
    assert dsr.reference in page
    assert "ご請求を受け付けました。担当者が内容を確認します。" in page
    assert "回答期限" in page
    assert "営業日" in page
    assert "受付" in page  # the first timeline entry
    assert AuditEntry.objects.filter(action="dsr.view", object_ref=dsr.reference, actor_id=member.pk).count() == 1


@pytest.mark.parametrize("who", ["other_member", "ga_staff", "officer"])
def test_anyone_else_gets_404_like_a_missing_case(client, member, who, request):
    dsr = submit(member)
    client.force_login(request.getfixturevalue(who))
    assert client.get(_url(dsr)).status_code == 404
    assert client.get(reverse("requests_portal:member_dsr_detail", args=[uuid.uuid4()])).status_code == 404
    for name in ("member_dsr_withdraw", "member_dsr_submitted"):
        assert client.get(_url(dsr, name)).status_code == 404
    assert client.post(_url(dsr, "member_dsr_message"), {"body": "hello"}).status_code == 404
    assert not Message.objects.filter(dsr=dsr).exists()


def test_anonymous_is_sent_to_login(client, member):
    dsr = submit(member)
    response = client.get(_url(dsr))
    assert response.status_code == 302
    assert reverse("account_login") in response.url


def test_member_sends_a_message_and_sees_staff_replies(client, member, ga_staff):
    dsr = submit(member)
    services.dsr_post_message(dsr=dsr, actor=ga_staff, body="ご請求の対象期間を教えてください。")
    services.dsr_post_message(dsr=dsr, actor=ga_staff, body="内部の検討メモ", internal=True)
    client.force_login(member)
    response = client.post(_url(dsr, "member_dsr_message"), {"body": "2020年以降です。"})
    assert response.status_code == 302
    page = client.get(_url(dsr)).content.decode()
    assert "ご請求の対象期間を教えてください。" in page
    assert "2020年以降です。" in page
    assert "内部の検討メモ" not in page


def test_empty_message_is_an_error_on_the_page(client, member):
    dsr = submit(member)
    client.force_login(member)
    response = client.post(_url(dsr, "member_dsr_message"), {"body": "  "})
    assert response.status_code == 200
    assert "error-summary" in response.content.decode()


def test_amendment_panel_and_answer_with_a_document_resume_the_clock(client, member, ga_staff, supervisor):
    dsr = submit(member)
    advance(dsr, Status.AWAITING_AMENDMENT, handler=ga_staff, approver=supervisor)
    client.force_login(member)
    page = client.get(_url(dsr)).content.decode()
    assert "補正のお願い" in page
    assert "書類をお送りください。" in page
    upload = SimpleUploadedFile("住民票.pdf", files.pdf("Juminhyo (no number)"), content_type="application/pdf")
    response = client.post(_url(dsr, "member_dsr_amend"), {"message": "送付します。", "amendment_files": [upload]})
    assert response.status_code == 302
    dsr.refresh_from_db()
    assert dsr.status == Status.VERIFYING
    assert dsr.paused_at is None
    document = dsr.documents.get()
    assert document.category == DocumentCategory.AMENDMENT
    assert dsr.events.filter(event_type=EventType.DOCUMENT_ADDED).exists()
    page = client.get(_url(dsr)).content.decode()
    assert "住民票.pdf" in page
    assert reverse("requests_portal:document_download", args=[document.public_id]) in page


def test_amendment_with_a_rejected_file_keeps_the_message_and_the_pause(client, member, ga_staff, supervisor):
    dsr = submit(member)
    advance(dsr, Status.AWAITING_AMENDMENT, handler=ga_staff, approver=supervisor)
    client.force_login(member)
    bad = SimpleUploadedFile("a.pdf", files.pdf(password="x"), content_type="application/pdf")
    good = SimpleUploadedFile("b.jpg", files.jpeg(), content_type="image/jpeg")
    response = client.post(_url(dsr, "member_dsr_amend"), {"message": "送付します。", "amendment_files": [bad, good]})
    page = response.content.decode()
    assert response.status_code == 200
    assert "パスワードや暗号化で保護されたPDF" in page
    assert "送付します。" in page
    assert "b.jpg" in page  # the accepted one stays listed, ready to send
    dsr.refresh_from_db()
    assert dsr.status == Status.AWAITING_AMENDMENT


def test_amendment_needs_a_message_or_a_file(client, member, ga_staff, supervisor):
    dsr = submit(member)
    advance(dsr, Status.AWAITING_AMENDMENT, handler=ga_staff, approver=supervisor)
    client.force_login(member)
    response = client.post(_url(dsr, "member_dsr_amend"), {"message": ""})
    assert "メッセージを入力するか、書類を添付してください。" in response.content.decode()


def test_withdraw_needs_confirmation_then_withdraws(client, member):
    dsr = submit(member)
    client.force_login(member)
    page = client.get(_url(dsr, "member_dsr_withdraw")).content.decode()
    assert "取り下げた請求を元に戻すことはできません" in page
    response = client.post(_url(dsr, "member_dsr_withdraw"), {"reason": "不要になりました"})
    assert response.status_code == 200
    dsr.refresh_from_db()
    assert dsr.status == Status.SUBMITTED
    response = client.post(_url(dsr, "member_dsr_withdraw"), {"reason": "不要になりました", "confirm": "on"})
    assert response.status_code == 302
    dsr.refresh_from_db()
    assert dsr.status == Status.WITHDRAWN
    page = client.get(_url(dsr)).content.decode()
    assert "このご請求は取り下げられました。" in page
    assert "取下げの手続へ" not in page


def test_closed_case_cannot_be_withdrawn(client, member, ga_staff, supervisor):
    dsr = submit(member, kind=RequestKind.COMPLAINT)
    advance(dsr, Status.CLOSED, handler=ga_staff, approver=supervisor)
    client.force_login(member)
    assert client.get(_url(dsr, "member_dsr_withdraw")).status_code == 302
    assert client.post(_url(dsr, "member_dsr_withdraw"), {"confirm": "on"}).status_code == 302
    dsr.refresh_from_db()
    assert dsr.status == Status.CLOSED


def test_letters_are_listed_with_download_links_once_rendered(client, member):
    dsr = submit(member)
    letter = dsr.letters.get()
    client.force_login(member)
    page = client.get(_url(dsr)).content.decode()
    assert "作成中です" in page
    letter.storage_name = storage.save(b"%PDF-1.7 ack")
    letter.status = LetterStatus.RENDERED
    letter.rendered_at = timezone.now()
    letter.save()
    page = client.get(_url(dsr)).content.decode()
    url = reverse("requests_portal:letter_download", args=[letter.public_id])
    assert url in page
    assert client.get(url).status_code == 200
    assert AuditEntry.objects.filter(action="letter.download", object_id=str(letter.public_id)).exists()


def test_agent_filed_case_is_visible_to_the_agent(client, member, other_member):
    dsr = services.dsr_submit(
        actor=member,
        member=other_member.member,
        kind=RequestKind.DISCLOSURE,
        requester_type="appointed_agent",
        agent={"agent_name": "代理 花子"},
    )
    client.force_login(member)
    assert client.get(_url(dsr)).status_code == 200
    client.force_login(other_member)  # the data subject sees it too
    assert client.get(_url(dsr)).status_code == 200


def test_case_page_query_count_does_not_grow_with_the_timeline(client, member, ga_staff):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    dsr = submit(member)
    client.force_login(member)
    client.get(_url(dsr))
    with CaptureQueriesContext(connection) as short:
        client.get(_url(dsr))
    for n in range(15):
        services.dsr_post_message(dsr=dsr, actor=ga_staff, body=f"連絡{n}")
    with CaptureQueriesContext(connection) as long:
        assert client.get(_url(dsr)).status_code == 200
    assert len(long) == len(short) <= 15


def test_home_lists_cases_with_links_and_flags_amendments(client, member, ga_staff, supervisor):
    waiting = submit(member)
    advance(waiting, Status.AWAITING_AMENDMENT, handler=ga_staff, approver=supervisor)
    client.force_login(member)
    page = client.get(reverse("requests_portal:member_home")).content.decode()
    assert _url(waiting) in page
    assert "書類の追加などをお願いしているご請求があります。" in page
