"""Every incident URL, tried by every principal against a general incident, a My Number
incident and a missing id. A My Number incident answers 404 to everyone but the My Number
officers, exactly like a missing one; each request is rolled back so no answer depends on
another principal's POST."""

import enum
import uuid
from dataclasses import dataclass
from datetime import date

import pytest

from django.test import Client
from django.urls import reverse

from requests_portal.incidents import services
from requests_portal.incidents.rules import Answers
from requests_portal.models import Committee, ReportStage
from requests_portal.roles import Role
from tests.authz.world import fingerprint, request
from tests.factories import member_user, staff_user
from tests.requests_portal.incidents.conftest import FACTS

pytestmark = pytest.mark.django_db


class Who(enum.StrEnum):
    ANON = "anonymous"
    MEMBER = "member with a notice"
    OTHER_MEMBER = "another member"
    GA = "GA staff"
    SUPERVISOR = "supervisor"
    OFFICER = "My Number officer"
    AUDITOR = "auditor"
    ADMIN = "admin"
    MANAGER = "incident manager"


class On(enum.StrEnum):
    GENERAL = "general incident"
    MY_NUMBER = "My Number incident"
    MISSING = "missing"


# What each principal may do, written out rather than computed by the code under test.
VIEW = {Who.MANAGER: {On.GENERAL}, Who.SUPERVISOR: {On.GENERAL}, Who.AUDITOR: {On.GENERAL}, Who.OFFICER: {On.MY_NUMBER}}
MANAGE = {Who.MANAGER: {On.GENERAL}, Who.OFFICER: {On.MY_NUMBER}}
APPROVE = {Who.SUPERVISOR: {On.GENERAL}, Who.OFFICER: {On.MY_NUMBER}}
REGISTER_READERS = {Who.MANAGER, Who.SUPERVISOR, Who.AUDITOR, Who.OFFICER}
FILERS = {Who.MANAGER, Who.OFFICER}
STAFF = {Who.GA, Who.SUPERVISOR, Who.OFFICER, Who.AUDITOR, Who.ADMIN, Who.MANAGER}


@dataclass(frozen=True)
class Url:
    name: str
    method: str
    # None: a page without an object (needs the role only); else who reaches which object.
    reach: dict | None
    object_key: str = "incident"  # which identifier the URL takes
    extra: tuple = ()
    data: dict | None = None
    roles: frozenset = frozenset(REGISTER_READERS)


URLS = (
    Url("incident_register", "GET", None),
    Url("incident_new", "GET", None, roles=frozenset(FILERS)),
    Url("incident_new", "POST", None, roles=frozenset(FILERS), data={"title": ""}),
    Url("incident_detail", "GET", VIEW),
    Url("incident_edit", "GET", MANAGE),
    Url(
        "incident_edit",
        "POST",
        MANAGE,
        data={"title": "更新", "known_on": "2026-11-30", "is_leak": "on", "certainty": "actual"},
    ),
    Url("incident_move", "POST", MANAGE, data={"to": "containing"}),
    Url("incident_assess", "GET", MANAGE),
    Url("incident_assess", "POST", MANAGE, data={"people": "5"}),
    Url("incident_affected", "GET", VIEW),
    Url("incident_affected", "POST", MANAGE, data={"members": "0"}),
    Url("incident_affected_csv", "POST", MANAGE),
    Url("incident_report", "GET", VIEW, extra=(ReportStage.PRELIMINARY,)),
    Url("incident_report", "GET", VIEW, extra=(ReportStage.FINAL,)),
    Url("incident_report", "POST", MANAGE, extra=(ReportStage.FINAL,), data={"summary": "x"}),
    Url("incident_report_submit", "POST", MANAGE, extra=(ReportStage.PRELIMINARY,)),
    Url("incident_report_approve", "POST", APPROVE, extra=(ReportStage.PRELIMINARY,)),
    Url("incident_report_return", "POST", APPROVE, extra=(ReportStage.PRELIMINARY,), data={"reason": "再検討"}),
    Url("incident_report_sent", "POST", MANAGE, extra=(ReportStage.PRELIMINARY,), data={"sent_on": "2026-12-01"}),
    Url("incident_report_pdf", "GET", VIEW, extra=(ReportStage.PRELIMINARY,)),
    Url("incident_report_export", "GET", VIEW, extra=(ReportStage.PRELIMINARY, "csv")),
    Url("incident_report_export", "GET", VIEW, extra=(ReportStage.PRELIMINARY, "json")),
    Url("incident_notices", "GET", VIEW),
    Url("incident_notices", "POST", MANAGE),
    Url("incident_alternative", "POST", MANAGE, data={"measure": "公表", "reason": "連絡先不明", "on": "2026-12-01"}),
    Url("incident_notice_pdf", "GET", VIEW, object_key="notice"),
    Url("incident_review", "POST", MANAGE, data={"committee": "risk", "held_on": "2026-12-01", "conclusion": "了承"}),
    Url("incident_review_attachment", "GET", VIEW, object_key="review"),
    Url("incident_measure", "POST", MANAGE),
    Url("incident_measure_done", "POST", MANAGE, object_key="measure", data={"note": "済"}),
)


def _prepare(incident, actor, approver, member):
    services.incident_assess(actor=actor, incident=incident, answers=Answers(sensitive_data=True, people=2))
    services.incident_link_members(actor=actor, incident=incident, members=[member])
    report = services.report_save_draft(
        actor=actor, incident=incident, stage=ReportStage.PRELIMINARY, items={"summary": "概要"}
    )
    services.report_submit(actor=actor, report=report)
    services.report_approve(actor=approver, report=report)
    notice = services.notice_issue(actor=actor, incident=incident, member=member)
    review = services.review_record(
        actor=actor,
        incident=incident,
        committee=Committee.COMPLIANCE,
        held_on=date(2026, 12, 1),
        conclusion="妥当",
        attachment=("議事録.pdf", b"%PDF-1.7 minutes"),
    )
    measure = services.measure_add(
        actor=actor, incident=incident, description="手順の改訂", owner=actor, due_on=date(2026, 12, 20)
    )
    return {"incident": incident.public_id, "notice": notice.public_id, "review": review.pk, "measure": measure.pk}


@pytest.fixture
def world(db):
    users = {
        Who.MEMBER: member_user(),
        Who.OTHER_MEMBER: member_user(),
        Who.GA: staff_user(Role.GA_STAFF),
        Who.SUPERVISOR: staff_user(Role.GA_SUPERVISOR),
        Who.OFFICER: staff_user(Role.MY_NUMBER_OFFICER),
        Who.AUDITOR: staff_user(Role.AUDITOR),
        Who.ADMIN: staff_user(Role.ADMIN, is_staff=True),
        Who.MANAGER: staff_user(Role.INCIDENT_MANAGER),
    }
    second_officer = staff_user(Role.MY_NUMBER_OFFICER)
    member = users[Who.MEMBER].member
    general = services.incident_file(actor=users[Who.MANAGER], facts=dict(FACTS))
    my_number = services.incident_file(actor=second_officer, facts={**FACTS, "title": "マイナンバー記載書類の紛失"})
    ids = {
        On.GENERAL: _prepare(general, users[Who.MANAGER], users[Who.SUPERVISOR], member),
        On.MY_NUMBER: _prepare(my_number, second_officer, users[Who.OFFICER], member),
        On.MISSING: {"incident": uuid.uuid4(), "notice": uuid.uuid4(), "review": 987654, "measure": 987654},
    }
    clients = {Who.ANON: Client()}
    for who, user in users.items():
        clients[who] = Client()
        clients[who].force_login(user)
    return users, clients, ids


def expected(url: Url, who: Who, on: On | None) -> str:
    if who == Who.ANON:
        return "login"
    if who not in url.roles:
        return "404"
    if url.reach is None:
        return "ok"
    return "ok" if on in url.reach.get(who, set()) else "404"


def classify(response) -> str:
    if response.status_code == 302 and "/accounts/login/" in response["Location"]:
        return "login"
    if response.status_code == 404:
        return "404"
    if response.status_code in (200, 302, 400):
        return "ok"
    return f"status {response.status_code}"


def _path(url: Url, ids: dict) -> str:
    kwargs_key = {"incident": "public_id", "notice": "notice_id", "review": "pk", "measure": "pk"}[url.object_key]
    args = [ids[url.object_key], *url.extra]
    if url.reach is None:
        return reverse(f"requests_portal:{url.name}")
    assert kwargs_key  # the URL takes this object
    return reverse(f"requests_portal:{url.name}", args=args)


def _uuids(identifiers: dict) -> tuple[str, ...]:
    # Only the UUIDs are masked: a small integer id would also match inside unrelated text.
    return tuple(str(value) for value in identifiers.values() if isinstance(value, uuid.UUID))


def test_every_incident_url_answers_every_principal_as_specified(world):
    _users, clients, ids = world
    mismatches, leaks, tried = [], [], 0
    for url in URLS:
        for who, client in clients.items():
            answers = {}
            for on in On if url.reach is not None else [None]:
                path = _path(url, ids[on or On.GENERAL])
                response = request(client, url.method, path, url.data)
                tried += 1
                want, got = expected(url, who, on), classify(response)
                if want != got:
                    mismatches.append(
                        f"{url.name} {url.method} {url.extra} by {who} on {on}: expected {want}, got {got}"
                    )
                if who != Who.ANON and "no-store" not in response.get("Cache-Control", ""):
                    mismatches.append(f"{url.name} by {who}: no Cache-Control: no-store")
                answers[on] = (got, fingerprint(response, path, _uuids(ids[on or On.GENERAL])))
            # A hidden incident answers exactly like a missing one.
            hidden = url.reach is not None and url.method == "GET" and answers[On.MY_NUMBER][0] == "404"
            if hidden and answers[On.MY_NUMBER][1] != answers[On.MISSING][1]:
                leaks.append(f"{url.name} by {who}: the My Number incident differs from a missing one")
    assert tried > 700
    assert not mismatches, "\n".join(mismatches)
    assert not leaks, "\n".join(leaks)


def test_post_only_urls_refuse_get(world):
    _users, clients, ids = world
    post_only = {u.name for u in URLS if u.method == "POST"} - {u.name for u in URLS if u.method == "GET"}
    assert len(post_only) > 8
    for name in sorted(post_only):
        spec = next(u for u in URLS if u.name == name)
        response = clients[Who.MANAGER].get(_path(spec, ids[On.GENERAL]))
        assert response.status_code == 405, name


def test_the_member_reaches_only_their_own_notice(world):
    _users, clients, ids = world
    for on in (On.GENERAL, On.MY_NUMBER):
        path = reverse("requests_portal:member_incident_notice_pdf", args=[ids[on]["notice"]])
        own = clients[Who.MEMBER].get(path)
        assert own.status_code == 200
        assert own["Content-Type"] == "application/pdf"
        assert clients[Who.OTHER_MEMBER].get(path).status_code == 404
        for who in STAFF:
            assert clients[who].get(path).status_code == 404
        assert classify(clients[Who.ANON].get(path)) == "login"
    missing = reverse("requests_portal:member_incident_notice_pdf", args=[uuid.uuid4()])
    assert clients[Who.MEMBER].get(missing).status_code == 404
