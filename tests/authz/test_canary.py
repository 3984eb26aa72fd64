"""My Number canary (RELIABILITY.md T1): unique tokens planted in a My Number case appear in no
response, export, mail, audit entry or log line for anyone but the My Number officers.

Member A filed the case, so A legitimately sees what A wrote and the officers' messages to A;
the officers' internal note and draft decision stay invisible to A as well. The officers do
see every token (which proves the canaries are real and the search would find them).
"""

import logging
import uuid

import pytest

from django.core import mail
from django.urls import reverse

from requests_portal import services
from requests_portal.models import AuditEntry, Decision, OutboundMail
from tests.authz.matrix import ACCOUNT_ROWS, PORTAL_ROWS, Audience, Variant, Who, admin_rows
from tests.authz.world import build_url, request, url_patterns

pytestmark = pytest.mark.django_db

FILED = f"CANARYFILED{uuid.uuid4().hex[:12]}"
MESSAGE = f"CANARYMSG{uuid.uuid4().hex[:12]}"
NOTE = f"CANARYNOTE{uuid.uuid4().hex[:12]}"
DECISION = f"CANARYDECISION{uuid.uuid4().hex[:12]}"
ALL = (FILED, MESSAGE, NOTE, DECISION)
INTERNAL = (NOTE, DECISION)


@pytest.fixture
def my_number_text() -> dict[str, str]:
    return {"my_number_summary": f"問い合わせ {FILED}", "my_number_description": f"内容 {FILED} について"}


def _hits(text: str, tokens: tuple[str, ...]) -> set[str]:
    return {token for token in tokens if token in text}


def _text(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    headers = " ".join(f"{k}: {v}" for k, v in response.items())
    return headers + "\n" + body.decode(errors="replace")


def test_my_number_canaries_reach_only_the_officers(world, caplog, django_capture_on_commit_callbacks):
    caplog.set_level(logging.DEBUG)
    officer = world.users[Who.OFFICER]
    case = world.cases[Variant.MY_NUMBER]
    with django_capture_on_commit_callbacks(execute=True):
        services.dsr_post_message(dsr=case, actor=officer, body=f"ご連絡 {MESSAGE}", internal=False)
        services.dsr_post_message(dsr=case, actor=officer, body=f"内部メモ {NOTE}", internal=True)
        services.dsr_draft_decision(
            dsr=case, actor=officer, decision=Decision.ANSWERED, details={"answer": f"回答案 {DECISION}"}
        )

    routes = url_patterns()
    pages = []
    for row in [*PORTAL_ROWS, *ACCOUNT_ROWS, *admin_rows()]:
        variants = list(Variant) if row.obj is not None else [None]
        for variant in variants:
            if "GET" in row.ok or row.audience in (Audience.ADMIN, Audience.ACCOUNT):
                pages.append(build_url(world, row, variant, routes[row.key]))
    # Searches and exports that would surface the case if any surface leaked it.
    queue = reverse("requests_portal:staff_queue")
    pages += [
        f"{queue}?q={case.reference}&status=all",
        f"{queue}?q={case.member.member_number}&status=all&per_page=100",
        f"{reverse('requests_portal:staff_audit_log')}?case={case.reference}",
        f"{reverse('requests_portal:staff_audit_export')}?case={case.reference}",
        reverse("requests_portal:staff_audit_export"),
    ]

    seen_by: dict[Who, set[str]] = {who: set() for who in Who}
    for who in Who:
        for path in pages:
            response = request(world.clients[who], "GET", path)
            seen_by[who] |= _hits(_text(response), ALL)

    for who in set(Who) - {Who.OFFICER, Who.MEMBER_A}:
        assert seen_by[who] == set(), f"{who} saw {seen_by[who]}"
    assert seen_by[Who.MEMBER_A] & set(INTERNAL) == set()
    assert seen_by[Who.OFFICER] == set(ALL)  # the canaries are real and reachable by the officers

    mails = [f"{m.subject}\n{m.body}\n{m.to}" for m in mail.outbox]
    mails += [f"{m.subject}\n{m.body}" for m in OutboundMail.objects.all()]
    assert mails, "the message to the member must have produced a mail"
    assert not any(_hits(text, ALL) for text in mails)

    audit_text = "\n".join(str(row) for row in AuditEntry.objects.values_list("data", "object_ref", "actor_label"))
    assert not _hits(audit_text, ALL)
    assert not _hits(caplog.text, ALL)
