"""Who is told about a case, and how: the one rule for the member's mail about their case.

Services and the letter renderer call `notify_member`; it writes an outbox row in the caller's
transaction, keyed by the case and the cause, so a retried change never mails twice.
"""

from requests_portal import workflow
from requests_portal.models import Channel, DataSubjectRequest, Status, User
from requests_portal.outbox import mail_enqueue


def member_recipient(dsr: DataSubjectRequest) -> tuple[User | None, str]:
    """Who gets the case's mail: the login that filed it online, else the subject's login, else the
    agent's address. (A paper request's filed_by is the clerk who registered it: never a recipient.)"""
    if dsr.channel == Channel.PORTAL and dsr.filed_by is not None and not dsr.filed_by.groups.exists():
        return dsr.filed_by, ""
    member_user = User.objects.filter(member_id=dsr.member_id, is_active=True).first()
    if member_user is not None:
        return member_user, ""
    return None, dsr.agent_email or dsr.member.email


def notify_member(dsr: DataSubjectRequest, *, template: str, cause: str, context: dict | None = None) -> None:
    """Mail the case's recipient (`member_recipient`) once per `cause`, with `template`."""
    to_user, to_email = member_recipient(dsr)
    mail_enqueue(
        key=f"dsr:{dsr.pk}:{cause}",
        template=template,
        context={"dsr": dsr, **(context or {})},
        to_user=to_user,
        to_email=to_email,
        dsr=dsr,
    )


def decision_notice_delivered(dsr: DataSubjectRequest, *, actor: User | None) -> None:
    """The decision notice has reached the member (delivered on the portal, or posted): the case
    becomes 通知済み and the member is mailed. Runs in the caller's transaction."""
    event = workflow.transition(dsr, to=Status.NOTIFIED, actor=actor)
    # Keyed by the transition: a case reopened and decided again is notified again.
    notify_member(dsr, template="dsr_decided", cause=f"mail:decided-{event.pk}")
