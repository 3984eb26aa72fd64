"""My Number canary (docs/reliability.md#canary): unique tokens planted in a My Number case appear in no
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

from requests_portal import retention, services
from requests_portal.models import AuditEntry, Decision, OutboundMail
from tests.authz.matrix import ACCOUNT_ROWS, ALL_PORTAL_ROWS, Audience, Variant, Who, admin_rows
from tests.authz.world import build_url, finished_export, request, url_patterns

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

    officer_export = finished_export(officer)
    # The case is put on legal hold, so the retention page lists it for whoever may see it.
    retention.dsr_set_legal_hold(dsr=case, hold=True, reason="訴訟対応", actor=officer)

    routes = url_patterns()
    pages = []
    for row in [*ALL_PORTAL_ROWS, *ACCOUNT_ROWS, *admin_rows()]:
        variants = list(Variant) if row.obj is not None else [None]
        for variant in variants:
            for extra in row.kwargs:  # every dashboard table's CSV, for instance
                if "GET" in row.ok or row.audience in (Audience.ADMIN, Audience.ACCOUNT):
                    pages.append(build_url(world, row, variant, routes[row.key], extra))
    # Searches, filters and exports that would surface the case if any surface leaked it.
    queue = reverse("requests_portal:staff_queue")
    export = reverse("requests_portal:oversight_queue_export")
    export_csv = reverse("requests_portal:oversight_queue_export_csv")
    my_number = "kind=my_number_inquiry"
    pages += [
        f"{queue}?q={case.reference}&status=all",
        f"{queue}?q={case.member.member_number}&status=all&per_page=100",
        f"{reverse('requests_portal:staff_audit_log')}?case={case.reference}",
        f"{reverse('requests_portal:staff_audit_export')}?case={case.reference}",
        reverse("requests_portal:staff_audit_export"),
        f"{export}?q={case.reference}",
        f"{export}?{my_number}",
        f"{export_csv}?q={case.reference}",
        f"{export_csv}?{my_number}",
        f"{reverse('requests_portal:oversight_dashboard')}?{my_number}",
        f"{reverse('requests_portal:oversight_annual')}?{my_number}",
        f"{reverse('requests_portal:oversight_retention')}?reference={case.reference}",
        reverse("requests_portal:staff_dsr_letters", kwargs={"public_id": case.public_id}),
        # The officer's export of the My Number queue, started after the canaries were written.
        reverse("requests_portal:oversight_job_download", kwargs={"public_id": officer_export}),
        # The one the revoked officer made while still an officer.
        reverse("requests_portal:oversight_job_download", kwargs={"public_id": world.revoked_export}),
        reverse("requests_portal:oversight_job", kwargs={"public_id": world.revoked_export}),
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
