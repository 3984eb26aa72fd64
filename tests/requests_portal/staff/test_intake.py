"""Requests received on paper, by phone or at the counter, registered by staff."""

import io
from datetime import date

import pytest
from PIL import Image

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from requests_portal.models import (
    Channel,
    DataSubjectRequest,
    Document,
    DocumentCategory,
    Letter,
    RequesterType,
    RequestKind,
)
from requests_portal.notifications import case_recipient
from tests.factories import member_user

pytestmark = pytest.mark.django_db

INTAKE = reverse("requests_portal:staff_intake")
A_MY_NUMBER = "123456789018"


def _scan(name: str = "請求書.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def _form(member, **changes) -> dict:
    data = {
        "member_number": member.member.member_number,
        "channel": Channel.POST,
        "received_on": "2026-03-02",
        "kind": RequestKind.DISCLOSURE,
        "requester_type": RequesterType.SELF,
        "summary": "共済の記録の開示",
        "description": "請求書の記載のとおり、共済契約の記録の開示を求める。",
        "disclosure_method": "paper",
        "scanned_form": _scan(),
    }
    data.update(changes)
    return data


def test_paper_request_counts_from_its_arrival_date(client, ga_staff, time_machine):
    time_machine.move_to("2026-03-09 14:00 +09:00", tick=False)
    member = member_user()
    client.force_login(ga_staff)
    response = client.post(INTAKE, _form(member, data_categories=["共済に関する情報"]))
    dsr = DataSubjectRequest.objects.get()
    assert response["Location"] == reverse("requests_portal:staff_dsr_detail", args=[dsr.public_id])
    assert timezone.localdate(dsr.received_at) == date(2026, 3, 2)
    assert dsr.due_date == date(2026, 3, 16)  # 3/2 + 14 days, not from the day of typing
    assert dsr.channel == Channel.POST
    assert dsr.notify_by_post
    assert dsr.filed_by == ga_staff
    assert dsr.details == {"data_categories": ["共済に関する情報"]}
    assert Letter.objects.get(dsr=dsr).by_post
    scan = Document.objects.get(dsr=dsr)
    assert scan.category == DocumentCategory.SCANNED_FORM
    assert scan.owner == ga_staff
    page = client.get(response["Location"]).content.decode()
    assert reverse("requests_portal:document_download", args=[scan.public_id]) in page


def test_a_posted_request_needs_its_scanned_form_and_a_bad_file_is_refused(client, ga_staff):
    member = member_user()
    client.force_login(ga_staff)
    data = _form(member)
    del data["scanned_form"]
    response = client.post(INTAKE, data)
    assert "請求書の写し" in response.context["form"].errors["scanned_form"][0]
    response = client.post(INTAKE, _form(member, scanned_form=SimpleUploadedFile("scan.png", b"not an image")))
    assert response.context["form"].errors["scanned_form"]
    assert not DataSubjectRequest.objects.exists()
    assert not Document.objects.exists()


def test_phone_request_by_an_agent_for_suspension(client, ga_staff):
    member = member_user()
    client.force_login(ga_staff)
    response = client.post(
        INTAKE,
        _form(
            member,
            channel=Channel.PHONE,
            received_on=timezone.localdate().isoformat(),
            kind=RequestKind.SUSPENSION,
            requester_type=RequesterType.APPOINTED_AGENT,
            agent_name="代理 花子",
            agent_relationship="配偶者",
            agent_postal_code="〒１００-０００１",
            measure="erase",
            ground="art35_5_a",
            disclosure_method="",
            scanned_form="",
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    dsr = DataSubjectRequest.objects.get()
    assert dsr.agent_name == "代理 花子"
    assert dsr.agent_postal_code == "1000001"
    assert dsr.details == {"measure": "erase", "ground": "art35_5_a"}
    assert dsr.disclosure_method == ""


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"received_on": "2099-01-01"}, "received_on", "未来の日付"),
        ({"member_number": "999999999"}, "member_number", "名簿にありません"),
        ({"requester_type": RequesterType.LEGAL_REP_MINOR}, "agent_name", "代理人の氏名"),
        ({"kind": RequestKind.SUSPENSION, "disclosure_method": ""}, "measure", "求める措置"),
        ({"disclosure_method": ""}, "disclosure_method", "開示の方法"),
        ({"description": f"番号は {A_MY_NUMBER} です"}, "description", "マイナンバー"),
        ({"kind": RequestKind.MY_NUMBER_INQUIRY}, "kind", "選択"),
    ],
)
def test_bad_input_is_shown_next_to_its_field_and_kept(client, ga_staff, changes, field, message):
    member = member_user()
    client.force_login(ga_staff)
    response = client.post(INTAKE, _form(member, **changes))
    assert response.status_code == 200
    assert not DataSubjectRequest.objects.exists()
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    page = response.content.decode()
    assert f'id="id_{field}_errors"' in page
    assert 'id="error-summary"' in page
    if field != "description":
        assert "請求書の記載のとおり" in page  # the typed text is kept
    assert A_MY_NUMBER not in page  # a blocked My Number is never echoed back


def test_officers_register_only_my_number_inquiries_and_auditors_nothing(client, officer, auditor, ga_staff):
    member = member_user()
    client.force_login(officer)
    kinds = [value for value, _label in client.get(INTAKE).context["form"].fields["kind"].choices if value]
    assert kinds == [RequestKind.MY_NUMBER_INQUIRY]
    client.post(INTAKE, _form(member, kind=RequestKind.MY_NUMBER_INQUIRY, disclosure_method=""))
    assert DataSubjectRequest.objects.get().queue.is_restricted
    client.force_login(ga_staff)
    kinds = [value for value, _label in client.get(INTAKE).context["form"].fields["kind"].choices if value]
    assert RequestKind.MY_NUMBER_INQUIRY not in kinds
    client.force_login(auditor)
    assert client.get(INTAKE).status_code == 404


def test_a_clerk_who_loses_every_role_does_not_inherit_the_paper_requests_they_registered(client, ga_staff):
    """The clerk is the case's filed_by, but a paper request is the member's, never the clerk's:
    stripped of their roles they are an ordinary login and see none of it (and get no mail)."""
    member = member_user()
    client.force_login(ga_staff)
    client.post(INTAKE, _form(member, received_on=timezone.localdate().isoformat()), follow=True)
    dsr = DataSubjectRequest.objects.get()
    assert dsr.filed_by == ga_staff

    ga_staff.groups.clear()
    client.force_login(ga_staff)
    assert dsr.reference not in client.get(reverse("requests_portal:member_home")).content.decode()
    assert client.get(reverse("requests_portal:member_dsr_detail", args=[dsr.public_id])).status_code == 404
    assert case_recipient(dsr).login == member
