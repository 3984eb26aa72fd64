"""The one recipient rule for a case (docs/legal.md#agents): who gets the letters and the mails,
how the letter is addressed, and that a person without a portal login is never mailed."""

import ast
import io
from datetime import date
from pathlib import Path

import pytest
import time_machine
from PIL import Image

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from requests_portal import reminders, services
from requests_portal.letters.kinds import addressee, notice_for
from requests_portal.letters.sources import load_source
from requests_portal.models import (
    AGENT_REQUESTER_TYPES,
    Channel,
    DataSubjectRequest,
    EventType,
    Letter,
    LetterKind,
    OutboundMail,
    Reminder,
    RequesterType,
    RequestEvent,
    RequestKind,
    Status,
)
from requests_portal.notifications import case_recipient, recipient_login_id, routes_to_agent
from requests_portal.reminders import ReminderKind
from tests.factories import MemberFactory, advance, member_user, submit
from tests.requests_portal.letters.reminder_data import at


def _scan() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(buffer, "PNG")
    return SimpleUploadedFile("請求書.png", buffer.getvalue(), content_type="image/png")


AGENT = {"agent_name": "代理 花子", "agent_relationship": "長女", "agent_email": "hanako@example.jp"}


def _file(*, actor, principal_member, requester_type=RequesterType.APPOINTED_AGENT, channel=Channel.PORTAL, **kw):
    agent = AGENT if requester_type in AGENT_REQUESTER_TYPES else None
    return services.dsr_submit(
        actor=actor,
        member=principal_member,
        kind=RequestKind.DISCLOSURE,
        requester_type=requester_type,
        channel=channel,
        received=timezone.localdate() if channel != Channel.PORTAL else None,
        summary="記録の開示",
        description="共済の記録を開示してください。",
        agent=agent,
        **kw,
    )


def _mail_logins(dsr: DataSubjectRequest) -> set:
    return set(OutboundMail.objects.filter(dsr=dsr).values_list("to_user_id", flat=True))


def _ack(dsr: DataSubjectRequest) -> Letter:
    return Letter.objects.get(dsr=dsr, kind=LetterKind.ACKNOWLEDGEMENT)


def _addressee(letter: Letter):
    return addressee(load_source(letter, issued_on=timezone.localdate()))


# --- the rule itself, every combination ------------------------------------------------------------


@pytest.mark.parametrize("requester_type", RequesterType.values)
@pytest.mark.parametrize("agent_name", ["", "代理 花子"])
@pytest.mark.parametrize("letters_to_member", [False, True])
def test_an_agent_request_goes_to_the_agent_unless_the_principal_asked(requester_type, agent_name, letters_to_member):
    expected = requester_type != RequesterType.SELF and bool(agent_name) and not letters_to_member
    assert (
        routes_to_agent(requester_type=requester_type, agent_name=agent_name, letters_to_member=letters_to_member)
        is expected
    )


@pytest.mark.parametrize(
    ("to_agent", "filed_online", "filer_is_outsider", "expected"),
    [
        (True, True, True, "filer"),  # the agent filed online: the agent's login
        (True, True, False, None),  # a staff login cannot be the agent
        (True, False, True, None),  # the agent filed on paper: no login, by post
        (True, False, False, None),
        (False, True, True, "member"),
        (False, True, False, "member"),
        (False, False, True, "member"),
        (False, False, False, "member"),
    ],
)
def test_the_login_mailed(to_agent, filed_online, filer_is_outsider, expected):
    chosen = recipient_login_id(
        to_agent=to_agent, filed_online=filed_online, filer_id=1, filer_is_outsider=filer_is_outsider, member_login_id=2
    )
    assert chosen == {"filer": 1, "member": 2, None: None}[expected]
    no_member_login = recipient_login_id(
        to_agent=to_agent,
        filed_online=filed_online,
        filer_id=1,
        filer_is_outsider=filer_is_outsider,
        member_login_id=None,
    )
    assert no_member_login == (1 if expected == "filer" else None)


# --- applied: mails, letters, addressee --------------------------------------------------------------


@pytest.mark.django_db
def test_the_agent_who_filed_online_gets_the_mail_and_the_letter_names_both():
    principal, agent_login = member_user(), member_user()
    dsr = _file(actor=agent_login, principal_member=principal.member)
    assert case_recipient(dsr).login == agent_login
    assert _mail_logins(dsr) == {agent_login.pk}
    ack = _ack(dsr)
    assert not ack.by_post
    party = _addressee(ack)
    assert party.name == "代理 花子"
    assert party.note == f"{principal.member.full_name}様の代理人"
    assert party.address == principal.member.address  # the factory's members share one address
    html = notice_for(load_source(ack, issued_on=timezone.localdate())).html()
    assert f'代理 花子　様<span class="addressee__note">（{principal.member.full_name}様の代理人）' in html


@pytest.mark.django_db
def test_the_agents_letter_goes_to_the_agents_address():
    principal, agent_login = member_user(), member_user()
    agent_login.member.postal_code, agent_login.member.address = "2310023", "神奈川県横浜市中区山下町1番地"
    agent_login.member.save(update_fields=["postal_code", "address"])
    online = _file(actor=agent_login, principal_member=principal.member)
    party = _addressee(_ack(online))
    assert (party.postal_display, party.address) == ("〒231-0023", "神奈川県横浜市中区山下町1番地")
    given = _file(
        actor=agent_login,
        principal_member=principal.member,
        requester_type=RequesterType.LEGAL_REP_ADULT_GUARDIAN,
    )
    DataSubjectRequest.objects.filter(pk=given.pk).update(
        agent_postal_code="5300001", agent_address="大阪市北区梅田1番"
    )
    party = _addressee(_ack(given))
    assert (party.postal_display, party.address) == ("〒530-0001", "大阪市北区梅田1番")


@pytest.mark.django_db
def test_a_legal_representative_is_named_as_such():
    principal, guardian = member_user(), member_user()
    dsr = _file(actor=guardian, principal_member=principal.member, requester_type=RequesterType.LEGAL_REP_MINOR)
    assert _addressee(_ack(dsr)).note == f"{principal.member.full_name}様の法定代理人"


@pytest.mark.django_db
def test_when_the_principal_asked_everything_goes_to_the_member(ga_staff):
    principal, agent_login = member_user(), member_user()
    dsr = _file(actor=agent_login, principal_member=principal.member, letters_to_member=True)
    assert dsr.letters_to_member
    assert _mail_logins(dsr) == {principal.pk}
    party = _addressee(_ack(dsr))
    assert (party.name, party.note) == (principal.member.full_name, "")


@pytest.mark.django_db
def test_the_principals_wish_is_recorded_at_intake(client, ga_staff):
    principal = member_user()
    client.force_login(ga_staff)
    data = {
        "member_number": principal.member.member_number,
        "channel": Channel.POST,
        "received_on": timezone.localdate().isoformat(),
        "kind": RequestKind.DISCLOSURE,
        "requester_type": RequesterType.APPOINTED_AGENT,
        "agent_name": "代理 花子",
        "letters_to_member": "on",
        "summary": "記録の開示",
        "description": "請求書の記載のとおり。",
        "disclosure_method": "paper",
        "scanned_form": _scan(),
    }
    response = client.post(reverse("requests_portal:staff_intake"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    dsr = DataSubjectRequest.objects.get()
    assert dsr.letters_to_member
    assert _mail_logins(dsr) == {principal.pk}  # the member has a login; the wish sends it there
    page = client.get(reverse("requests_portal:staff_dsr_detail", args=[dsr.public_id])).content.decode()
    assert "本人（本人の希望）" in page


@pytest.mark.django_db
def test_an_agent_who_filed_on_paper_gets_letters_by_post_and_no_mail(ga_staff):
    principal = member_user()  # the member has a login, but the agent filed
    dsr = _file(actor=ga_staff, principal_member=principal.member, channel=Channel.POST)
    assert not OutboundMail.objects.filter(dsr=dsr).exists()
    ack = _ack(dsr)
    assert ack.by_post
    assert _addressee(ack).name == "代理 花子"


@pytest.mark.django_db
def test_the_decision_notice_mentions_the_agent(ga_staff, supervisor):
    principal, agent_login = member_user(), member_user()
    dsr = _file(actor=agent_login, principal_member=principal.member)
    advance(dsr, Status.DECIDED, handler=ga_staff, approver=supervisor)
    decision = Letter.objects.filter(dsr=dsr).exclude(kind=LetterKind.ACKNOWLEDGEMENT).get()
    # The letter's text as printed (the no-break spans of its line breaking taken out).
    html = strip_tags(notice_for(load_source(decision, issued_on=timezone.localdate())).html())
    assert "請求者" in html
    assert "代理 花子 様、長女" in html
    assert f"（{principal.member.full_name}様の代理人）" in html
    assert _mail_logins(dsr) == {agent_login.pk}


# --- no portal mail to people without a login ---------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("channel", [Channel.POST, Channel.COUNTER])
def test_a_member_without_a_portal_account_gets_post_and_no_mail(ga_staff, supervisor, channel):
    member = MemberFactory(email="no-login@example.jp")
    dsr = _file(actor=ga_staff, principal_member=member, requester_type=RequesterType.SELF, channel=channel)
    advance(dsr, Status.CLOSED, handler=ga_staff, approver=supervisor)
    assert not OutboundMail.objects.filter(to_email="no-login@example.jp").exists()
    assert not OutboundMail.objects.filter(dsr=dsr).exists()
    assert not Letter.objects.filter(dsr=dsr, by_post=False).exists()


@pytest.mark.django_db
def test_a_member_with_a_login_who_wrote_on_paper_is_mailed_at_the_login(ga_staff):
    member = member_user()
    dsr = _file(actor=ga_staff, principal_member=member.member, requester_type=RequesterType.SELF)
    dsr = DataSubjectRequest.objects.get(pk=dsr.pk)
    assert _mail_logins(dsr) == {member.pk}
    assert set(OutboundMail.objects.filter(dsr=dsr).values_list("to_email", flat=True)) == {member.email}


# --- the sweep follows the same rule ----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("filed_by", "letters_to_member", "expected"),
    [("agent-online", False, "agent"), ("agent-online", True, "member"), ("agent-paper", False, None)],
)
def test_the_amendment_reminder_follows_the_rule(ga_staff, supervisor, filed_by, letters_to_member, expected):
    principal, agent_login = member_user(), member_user()
    online = filed_by == "agent-online"
    dsr = _file(
        actor=agent_login if online else ga_staff,
        principal_member=principal.member,
        channel=Channel.PORTAL if online else Channel.POST,
        letters_to_member=letters_to_member,
    )
    advance(dsr, Status.AWAITING_AMENDMENT, handler=ga_staff, approver=supervisor)
    DataSubjectRequest.objects.filter(pk=dsr.pk).update(paused_at=at(date(2026, 6, 1), 14))
    with time_machine.travel(at(date(2026, 6, 9)), tick=False):
        reminders.reminder_sweep()
    got = set(Reminder.objects.filter(dsr=dsr, kind=ReminderKind.AMENDMENT_WAIT).values_list("recipient_id", flat=True))
    want = {"agent": {agent_login.pk}, "member": {principal.pk}, None: set()}[expected]
    assert got == want
    assert (
        case_recipient(dsr).login == ({"agent": agent_login, "member": principal, None: None}[expected])
    )  # the sweep and the case rule agree


# --- every mail and letter path goes through the rule ---------------------------------------------


PACKAGE = Path(__file__).resolve().parents[2] / "requests_portal"


def _calls(name: str) -> list[tuple[Path, ast.Call]]:
    found = []
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if called == name:
                    found.append((path, node))
    return found


def test_only_the_recipient_rule_mails_about_a_case():
    """A mail about a case (`dsr=`) is written only by notifications.py, which applies the rule."""
    writers = {path.name for path, call in _calls("mail_enqueue") if any(kw.arg == "dsr" for kw in call.keywords)}
    assert writers == {"notifications.py"}


def test_nothing_outside_the_rule_picks_a_case_recipient_by_address():
    """No code mails the agent's or the member's address directly: the rule mails logins only."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if "migrations" in path.parts:
            continue
        for needle in ("to_email=dsr.", "dsr.agent_email or", "to_email=dsr.member.email"):
            if needle in text:
                offenders.append(f"{path.name}: {needle}")
    assert offenders == []


# --- the staff timeline credits the system ----------------------------------------------------------


@pytest.mark.django_db
def test_letters_are_credited_to_the_system_on_the_timeline(client, ga_staff):
    member = member_user()
    dsr = submit(member)
    created = RequestEvent.objects.get(dsr=dsr, event_type=EventType.LETTER_CREATED)
    assert created.actor is None
    assert RequestEvent.objects.get(dsr=dsr, event_type=EventType.SUBMITTED).actor == member
    services.dsr_assign(dsr=dsr, assignee=ga_staff, actor=ga_staff)
    client.force_login(ga_staff)
    page = client.get(reverse("requests_portal:staff_dsr_detail", args=[dsr.public_id])).content.decode()
    timeline = page[page.index("timeline") :]
    letter_entry = timeline[timeline.index(str(EventType.LETTER_CREATED.label)) :]
    who = letter_entry[letter_entry.index("timeline__who") :][:200]
    assert "システム" in who
    assert str(member) not in who


@pytest.mark.django_db
def test_a_reissue_asked_for_by_staff_is_credited_to_them(ga_staff, supervisor):
    from requests_portal.letters.services import letter_rerender
    from requests_portal.models import LetterStatus

    member = member_user()
    dsr = submit(member)
    services.dsr_assign(dsr=dsr, assignee=ga_staff, actor=ga_staff)
    ack = _ack(dsr)
    Letter.objects.filter(pk=ack.pk).update(status=LetterStatus.RENDERED, rendered_at=timezone.now())
    ack.refresh_from_db()
    letter_rerender(letter=ack, actor=ga_staff, reason="住所の誤記を直すため")
    events = RequestEvent.objects.filter(dsr=dsr, event_type=EventType.LETTER_CREATED).order_by("pk")
    assert [e.actor for e in events] == [None, ga_staff]


@pytest.mark.django_db
def test_a_reminder_sweep_is_credited_to_the_system(ga_staff, supervisor):
    member = member_user()
    dsr = submit(member)
    advance(dsr, Status.AWAITING_AMENDMENT, handler=ga_staff, approver=supervisor)
    DataSubjectRequest.objects.filter(pk=dsr.pk).update(paused_at=at(date(2026, 6, 1), 14))
    with time_machine.travel(at(date(2026, 6, 9)), tick=False):
        reminders.reminder_sweep()
    assert RequestEvent.objects.filter(dsr=dsr, event_type=EventType.REMINDER).exists()
    assert not RequestEvent.objects.filter(dsr=dsr, event_type=EventType.REMINDER, actor__isnull=False).exists()
