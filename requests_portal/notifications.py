"""Who is told about a case, and how: the one recipient rule (docs/legal.md#agents).

Every mail about a case, every letter's addressee and every letter's way of delivery is
decided here, by `case_recipient`:

- A request filed by an agent (a legal representative or an appointed agent) is answered to
  the agent: letters are addressed 「〇〇様（△△様の代理人）」 and mails go to the agent's
  portal login. Unless the principal asked for the answers themselves
  (`DataSubjectRequest.letters_to_member`): then everything goes to the member.
- Any other request is answered to the member.
- Mails carry portal links, so only a portal login is mailed. Someone without one (a postal or
  counter request, an agent who filed on paper) gets letters by post and no mail.

Services and the letter renderer call `notify_member`; it writes an outbox row in the caller's
transaction, keyed by the case and the cause, so a retried change never mails twice.
"""

from dataclasses import dataclass

from requests_portal import workflow
from requests_portal.models import AGENT_REQUESTER_TYPES, Channel, DataSubjectRequest, Status, User
from requests_portal.outbox import mail_enqueue


def routes_to_agent(*, requester_type: str, agent_name: str, letters_to_member: bool) -> bool:
    """True when the case is answered to its agent rather than to the member."""
    return requester_type in AGENT_REQUESTER_TYPES and bool(agent_name) and not letters_to_member


def recipient_login_id(
    *, to_agent: bool, filed_online: bool, filer_id: int | None, filer_is_outsider: bool, member_login_id: int | None
) -> int | None:
    """The portal login that is mailed, or None (then letters go by post and nobody is mailed).

    The agent's login is the one that filed online (`filer_is_outsider`: an active login that
    holds no staff role; a paper request's filer is the clerk who registered it). An agent who
    filed on paper has no login here. The member's login is their active one, if any."""
    if to_agent:
        return filer_id if filed_online and filer_is_outsider else None
    return member_login_id


@dataclass(frozen=True)
class Recipient:
    """Whom the case's letters and mails are for."""

    to_agent: bool
    login: User | None

    @property
    def by_post(self) -> bool:
        """No portal login: the letters have to be posted."""
        return self.login is None


def case_recipient(dsr: DataSubjectRequest) -> Recipient:
    """The recipient rule applied to one case (the sweeps apply the same two functions to rows)."""
    to_agent = routes_to_agent(
        requester_type=dsr.requester_type, agent_name=dsr.agent_name, letters_to_member=dsr.letters_to_member
    )
    filer = dsr.filed_by
    filer_is_outsider = filer is not None and filer.is_active and not filer.groups.exists()
    member_login = None if to_agent else User.objects.filter(member_id=dsr.member_id, is_active=True).first()
    login_id = recipient_login_id(
        to_agent=to_agent,
        filed_online=dsr.channel == Channel.PORTAL,
        filer_id=filer.pk if filer is not None else None,
        filer_is_outsider=filer_is_outsider,
        member_login_id=member_login.pk if member_login is not None else None,
    )
    login = None if login_id is None else (filer if filer is not None and filer.pk == login_id else member_login)
    return Recipient(to_agent=to_agent, login=login)


def notify_member(dsr: DataSubjectRequest, *, template: str, cause: str, context: dict | None = None) -> None:
    """Mail the case's recipient (`case_recipient`) once per `cause`, with `template`.

    Nobody to mail (no portal login): nothing is written; the letter goes by post."""
    recipient = case_recipient(dsr)
    if recipient.login is None:
        return
    mail_enqueue(
        key=f"dsr:{dsr.pk}:{cause}",
        template=template,
        context={"dsr": dsr, **(context or {})},
        to_user=recipient.login,
        dsr=dsr,
    )


def decision_notice_delivered(dsr: DataSubjectRequest, *, actor: User | None) -> None:
    """The decision notice has reached the member (delivered on the portal, or posted): the case
    becomes 通知済み and the member is mailed. Runs in the caller's transaction."""
    event = workflow.transition(dsr, to=Status.NOTIFIED, actor=actor)
    # Keyed by the transition: a case reopened and decided again is notified again.
    notify_member(dsr, template="dsr_decided", cause=f"mail:decided-{event.pk}")
