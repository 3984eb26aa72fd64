"""The access-checked download views for letters and documents."""

import pytest

from django.urls import reverse
from django.utils import timezone

from requests_portal import storage
from requests_portal.models import AuditEntry, Document, DocumentCategory, Letter, LetterStatus, RequestKind
from tests.factories import submit

pytestmark = pytest.mark.django_db


def _render(letter: Letter, content: bytes = b"%PDF-1.7 test") -> Letter:
    letter.storage_name = storage.save(content)
    letter.status = LetterStatus.RENDERED
    letter.document_number = "警生協総第1号"
    letter.rendered_at = timezone.now()
    letter.save()
    return letter


def _document(dsr, owner, category=DocumentCategory.IDENTITY) -> Document:
    return Document.objects.create(
        dsr=dsr,
        owner=owner,
        category=category,
        original_name="免許証.png",
        content_type="image/png",
        size_bytes=4,
        sha256=storage.sha256_hex(b"\x89PNG"),
        storage_name=storage.save(b"\x89PNG"),
    )


def test_member_downloads_own_letter_and_it_is_logged(client, member):
    dsr = submit(member)
    letter = _render(dsr.letters.get())
    client.force_login(member)
    response = client.get(reverse("requests_portal:letter_download", args=[letter.public_id]))
    assert response.status_code == 200
    assert response.content == b"%PDF-1.7 test"
    assert response["Content-Disposition"].startswith("attachment;")
    assert AuditEntry.objects.filter(action="letter.download", object_id=str(letter.public_id)).count() == 1


def test_other_member_and_ga_staff_get_404_like_missing(client, member, other_member, ga_staff):
    mn = submit(member, kind=RequestKind.MY_NUMBER_INQUIRY)
    letter = _render(mn.letters.get())
    url = reverse("requests_portal:letter_download", args=[letter.public_id])
    missing = reverse("requests_portal:letter_download", args=["00000000-0000-0000-0000-000000000000"])
    for user in (other_member, ga_staff):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.get(missing).status_code == 404
    # The refused downloads of a real letter are on the trail, restricted (a My Number case);
    # the missing one names nothing, so there is nothing to record.
    denials = AuditEntry.objects.filter(action="letter.download", outcome="denied")
    assert sorted(denials.values_list("actor_id", flat=True)) == sorted([other_member.pk, ga_staff.pk])
    assert all(entry.restricted and entry.object_ref == mn.reference for entry in denials)


def test_a_refused_document_download_is_audited(client, member, other_member):
    document = _document(submit(member), member)
    client.force_login(other_member)
    assert client.get(reverse("requests_portal:document_download", args=[document.public_id])).status_code == 404
    denial = AuditEntry.objects.get(action="document.download", outcome="denied")
    assert (denial.actor_id, denial.object_id) == (other_member.pk, str(document.public_id))


def test_pending_letter_is_not_downloadable(client, member):
    dsr = submit(member)
    client.force_login(member)
    url = reverse("requests_portal:letter_download", args=[dsr.letters.get().public_id])
    assert client.get(url).status_code == 404


def test_officer_downloads_my_number_letter(client, member, officer):
    mn = submit(member, kind=RequestKind.MY_NUMBER_INQUIRY)
    letter = _render(mn.letters.get())
    client.force_login(officer)
    assert client.get(reverse("requests_portal:letter_download", args=[letter.public_id])).status_code == 200


def test_documents_staff_yes_member_own_yes_purged_no(client, member, other_member, ga_staff):
    dsr = submit(member)
    document = _document(dsr, member)
    url = reverse("requests_portal:document_download", args=[document.public_id])
    client.force_login(ga_staff)
    assert client.get(url).status_code == 200
    client.force_login(member)
    assert client.get(url).status_code == 200
    client.force_login(other_member)
    assert client.get(url).status_code == 404
    storage.delete(document.storage_name)
    Document.objects.filter(pk=document.pk).update(purged_at=timezone.now())
    client.force_login(ga_staff)
    assert client.get(url).status_code == 404


def test_member_cannot_download_scanned_form(client, member, ga_staff):
    dsr = submit(member)
    document = _document(dsr, ga_staff, DocumentCategory.SCANNED_FORM)
    client.force_login(member)
    assert client.get(reverse("requests_portal:document_download", args=[document.public_id])).status_code == 404


def test_anonymous_gets_404(client, member):
    dsr = submit(member)
    letter = _render(dsr.letters.get())
    assert client.get(reverse("requests_portal:letter_download", args=[letter.public_id])).status_code == 404
