"""Whose documents a member's login may open on a case filed by an agent: rows of the
authorization matrix for documents, by the party that submitted them.

An appointed agent filed for member A and submitted a 委任状 and their driving licence; A later
submitted A's own identity document; the co-op attached the disclosed data. Each requester
document belongs to the party that submitted it: the principal sees that the agent submitted
documents but cannot open them, and the agent cannot open the principal's
(個人情報保護法第23条の安全管理措置). The disclosed data is for the case, so both may download it.
"""

import enum

import pytest

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from requests_portal import services, storage
from requests_portal.models import Document, DocumentCategory, RequesterType, RequestKind
from requests_portal.roles import Role
from tests.factories import member_user, staff_user

pytestmark = pytest.mark.django_db


class Party(enum.StrEnum):
    PRINCIPAL = "principal (member A)"
    AGENT = "A's appointed agent"
    OTHER_MEMBER = "member B"
    GA = "GA staff"


class Doc(enum.StrEnum):
    AGENT_AUTHORITY = "agent's 委任状"
    AGENT_IDENTITY = "agent's driving licence"
    PRINCIPAL_IDENTITY = "principal's identity document"
    PACKAGE = "disclosed data"


OK, NOT_FOUND = 200, 404
# The specification, written out: who may open which document of the agent-filed case.
MATRIX = {
    (Party.PRINCIPAL, Doc.AGENT_AUTHORITY): NOT_FOUND,
    (Party.PRINCIPAL, Doc.AGENT_IDENTITY): NOT_FOUND,
    (Party.PRINCIPAL, Doc.PRINCIPAL_IDENTITY): OK,
    (Party.PRINCIPAL, Doc.PACKAGE): OK,
    (Party.AGENT, Doc.AGENT_AUTHORITY): OK,
    (Party.AGENT, Doc.AGENT_IDENTITY): OK,
    (Party.AGENT, Doc.PRINCIPAL_IDENTITY): NOT_FOUND,
    (Party.AGENT, Doc.PACKAGE): OK,
    **{(Party.OTHER_MEMBER, doc): NOT_FOUND for doc in Doc},
    **{(Party.GA, doc): OK for doc in Doc},
}


def _document(dsr, owner, category, name: str) -> Document:
    content = b"\x89PNG party"
    return Document.objects.create(
        dsr=dsr,
        owner=owner,
        category=category,
        original_name=name,
        content_type="image/png",
        size_bytes=len(content),
        sha256=storage.sha256_hex(content),
        storage_name=storage.save(content),
        # Disclosed data reaches the member with its notice (Document.released_at): released here.
        released_at=timezone.now() if category == DocumentCategory.DISCLOSURE_PACKAGE else None,
    )


@pytest.fixture
def agent_case():
    principal, agent, other = member_user(), member_user(), member_user()
    ga = staff_user(Role.GA_STAFF)
    dsr = services.dsr_submit(
        actor=agent,
        member=principal.member,
        kind=RequestKind.DISCLOSURE,
        requester_type=RequesterType.APPOINTED_AGENT,
        summary="記録の開示",
        description="共済の記録を開示してください。",
        agent={"agent_name": "代理 一郎", "agent_relationship": "弁護士"},
    )
    documents = {
        Doc.AGENT_AUTHORITY: _document(dsr, agent, DocumentCategory.AUTHORITY, "委任状.png"),
        Doc.AGENT_IDENTITY: _document(dsr, agent, DocumentCategory.IDENTITY, "運転免許証.png"),
        Doc.PRINCIPAL_IDENTITY: _document(dsr, principal, DocumentCategory.AMENDMENT, "本人の保険証.png"),
        Doc.PACKAGE: _document(dsr, ga, DocumentCategory.DISCLOSURE_PACKAGE, "開示データ.png"),
    }
    users = {Party.PRINCIPAL: principal, Party.AGENT: agent, Party.OTHER_MEMBER: other, Party.GA: ga}
    return dsr, users, documents


@pytest.mark.parametrize(("party", "doc"), list(MATRIX), ids=[f"{p} opens {d}" for p, d in MATRIX])
def test_each_document_opens_only_for_the_party_that_may(agent_case, party, doc):
    _dsr, users, documents = agent_case
    client = Client()
    client.force_login(users[party])
    response = client.get(reverse("requests_portal:document_download", args=[documents[doc].public_id]))
    assert response.status_code == MATRIX[(party, doc)]


def test_the_principal_sees_that_the_agent_submitted_documents_without_opening_them(agent_case):
    dsr, users, documents = agent_case
    client = Client()
    client.force_login(users[Party.PRINCIPAL])
    page = client.get(reverse("requests_portal:member_dsr_detail", args=[dsr.public_id])).content.decode()
    assert "ほかの方（ご本人または代理人）が提出した書類が2件あります" in page
    assert "運転免許証.png" not in page
    assert "委任状.png" not in page
    assert str(documents[Doc.AGENT_IDENTITY].public_id) not in page
    assert str(documents[Doc.PRINCIPAL_IDENTITY].public_id) in page


def test_the_agent_sees_their_own_documents_and_that_the_principal_submitted_one(agent_case):
    dsr, users, documents = agent_case
    client = Client()
    client.force_login(users[Party.AGENT])
    page = client.get(reverse("requests_portal:member_dsr_detail", args=[dsr.public_id])).content.decode()
    assert "運転免許証.png" in page
    assert "本人の保険証.png" not in page
    assert str(documents[Doc.PRINCIPAL_IDENTITY].public_id) not in page
    assert "ほかの方（ご本人または代理人）が提出した書類が1件あります" in page
