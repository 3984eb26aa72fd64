"""What staff need is on the screen where they need it: documents shown inline (within the
masking rules), the case's documents on the identity form, the current due date on the
extension form, a member found by name or kana at intake, and the 39条 badge explained."""

from pathlib import Path

import pytest

from django.conf import settings
from django.urls import reverse

from requests_portal import storage
from requests_portal.date_styles import staff_date
from requests_portal.models import AuditEntry, DataSubjectRequest, Document, DocumentCategory, Status
from tests.factories import MemberFactory, UserFactory, advance, submit
from tests.requests_portal.staff.test_intake import INTAKE, _form

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n"


def _document(dsr, owner, *, quarantined: bool = False, name: str = "免許証.png") -> Document:
    return Document.objects.create(
        dsr=dsr,
        owner=owner,
        category=DocumentCategory.IDENTITY,
        original_name=name,
        content_type="image/png",
        size_bytes=len(PNG),
        sha256=storage.sha256_hex(PNG),
        storage_name=storage.save(PNG),
        requires_masking=quarantined,
    )


def _view(client, document):
    return client.get(reverse("requests_portal:staff_document_view", args=[document.public_id]))


def test_staff_view_a_document_inline_and_the_view_is_audited(client, member, ga_staff):
    document = _document(submit(member), member)
    client.force_login(ga_staff)
    response = _view(client, document)
    assert response.status_code == 200
    assert response.content == PNG
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert AuditEntry.objects.filter(action="document.download", object_id=str(document.public_id)).count() == 1


def test_inline_view_keeps_the_masking_rule_and_is_for_staff_only(client, member, ga_staff, officer):
    dsr = submit(member)
    quarantined = _document(dsr, member, quarantined=True)
    client.force_login(ga_staff)
    assert _view(client, quarantined).status_code == 404  # only on the masking screen
    client.force_login(member)
    assert _view(client, _document(dsr, member)).status_code == 404  # members download their own
    client.force_login(officer)
    assert _view(client, _document(dsr, member)).status_code == 404  # not in the officer's queue


def test_identity_form_lists_the_cases_documents(client, member, ga_staff):
    dsr = submit(member)
    _document(dsr, member, name="運転免許証.png")
    _document(dsr, member, quarantined=True, name="健康保険証.png")
    client.force_login(ga_staff)
    page = client.get(reverse("requests_portal:staff_dsr_identity", args=[dsr.public_id])).content.decode()
    listing = page.split('id="case-documents-title"')[1].split("</section>")[0]
    assert "運転免許証.png" in listing
    view = reverse(
        "requests_portal:staff_document_view", args=[dsr.documents.get(original_name="運転免許証.png").public_id]
    )
    assert f'href="{view}"' in listing
    assert "健康保険証.png" in listing
    assert "マスキングする" in listing  # the quarantined one only leads to the masking screen


def test_extension_form_shows_the_current_due_date(client, member, ga_staff, supervisor):
    dsr = advance(submit(member), Status.IN_REVIEW, handler=ga_staff, approver=supervisor)
    client.force_login(ga_staff)
    page = client.get(reverse("requests_portal:staff_dsr_extend", args=[dsr.public_id])).content.decode()
    current = page.split('id="current-due-date"')[1].split("</p>")[0]
    assert "現在の回答期限" in current
    assert staff_date(dsr.due_date) in current  # the staff date style


def test_intake_finds_the_member_by_name_or_kana(client, ga_staff):
    login = UserFactory(member=MemberFactory(full_name="髙橋 一郎", full_name_kana="タカハシ イチロウ"))
    client.force_login(ga_staff)
    for typed in ("髙橋一郎", "高橋 一郎", "たかはし いちろう", "ﾀｶﾊｼ ｲﾁﾛｳ"):
        response = client.post(INTAKE, _form(login, member_number=typed))
        assert response.status_code == 302, typed
    assert DataSubjectRequest.objects.filter(member=login.member).count() == 4


def test_intake_asks_for_the_number_when_the_name_is_shared(client, ga_staff):
    first = UserFactory(member=MemberFactory(full_name="山田 花子", full_name_kana="ヤマダ ハナコ"))
    second = MemberFactory(full_name="山田 花子", full_name_kana="ヤマダ ハナコ")
    client.force_login(ga_staff)
    response = client.post(INTAKE, _form(first, member_number="山田花子"))
    assert response.status_code == 200
    error = " ".join(response.context["form"].errors["member_number"])
    assert first.member.member_number in error
    assert second.member_number in error
    assert DataSubjectRequest.objects.count() == 0
    response = client.post(INTAKE, _form(first, member_number="存在 しない"))
    assert "名簿にありません" in " ".join(response.context["form"].errors["member_number"])


def test_the_39_badge_is_explained_on_the_queue_page(client, ga_staff):
    client.force_login(ga_staff)
    page = client.get(reverse("requests_portal:staff_queue")).content.decode()
    legend = page.split('id="queue-legend"')[1].split("</dl>")[0]
    assert "39条" in legend
    assert "2週間" in legend
    assert "第39条" in legend


def test_the_queue_assignee_column_does_not_wrap_on_a_desktop_screen():
    css = Path(settings.BASE_DIR, "static/requests_portal/css/staff.css").read_text()
    rule = css.split(".queue-table td:last-child")[1].split("}")[0]
    assert "white-space: nowrap" in rule
