"""Duplicates and linked cases: recording the possible duplicates of a new filing, linking two
cases (a duplicate is closed with a notice naming the primary) and undoing a link
(docs/architecture.md#duplicates)."""

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from requests_portal import audit, workflow
from requests_portal.exceptions import DomainError
from requests_portal.letters import letter_create
from requests_portal.models import (
    CaseLink,
    CaseLinkType,
    DataSubjectRequest,
    DuplicateCandidate,
    EventType,
    LetterKind,
    RequestEvent,
    Status,
    User,
)
from requests_portal.selectors import dsr_possible_duplicates_of_filing
from requests_portal.services.checks import reject_my_numbers, require_handler
from requests_portal.text import clean_text


def dsr_record_possible_duplicates(*, dsr: DataSubjectRequest) -> list[DuplicateCandidate]:
    """Store the open cases the just-filed `dsr` may repeat. Runs inside the filing's transaction."""
    return [
        DuplicateCandidate.objects.get_or_create(dsr=dsr, earlier=earlier)[0]
        for earlier in dsr_possible_duplicates_of_filing(dsr)
    ]


def _link_event(dsr: DataSubjectRequest, *, actor: User, link: CaseLink, event_type: str, note: str) -> None:
    other = link.other(dsr)
    role = "related" if link.link_type == CaseLinkType.RELATED else ("primary" if dsr == link.primary else "duplicate")
    RequestEvent.objects.create(
        dsr=dsr,
        actor=actor,
        event_type=event_type,
        note=note,
        member_visible=False,
        extra={"link_id": link.pk, "other": other.reference, "other_public_id": str(other.public_id), "role": role},
    )
    audit.record(
        action="dsr.link" if event_type == EventType.LINKED else "dsr.unlink",
        actor=actor,
        obj=dsr,
        data={"link": link.pk, "type": link.link_type, "role": role, "other": other.reference},
    )


@transaction.atomic
def dsr_link(
    *,
    actor: User,
    primary: DataSubjectRequest,
    secondary: DataSubjectRequest,
    link_type: str,
    note: str = "",
) -> CaseLink:
    """Link two cases of one member that `actor` may work. A duplicate link closes `secondary`
    with a notice that names `primary`'s 受付番号. Raises DomainError; nothing is written then."""
    if link_type not in CaseLinkType.values:
        raise DomainError(_("関連付けの種類が正しくありません。"))
    note = clean_text(note or "")
    reject_my_numbers([note], where=pgettext("where a My Number was found", "メモ"))
    # Lock both rows in one order, so two people linking the same pair cannot deadlock.
    locked = {
        case.pk: case
        for case in DataSubjectRequest.objects.select_for_update()
        .select_related("queue")
        .filter(pk__in=[primary.pk, secondary.pk])
        .order_by("pk")
    }
    if primary.pk == secondary.pk or len(locked) != 2:
        raise DomainError(_("同じ事案どうしは関連付けられません。"))
    primary, secondary = locked[primary.pk], locked[secondary.pk]
    require_handler(actor, primary)
    require_handler(actor, secondary)
    if primary.member_id != secondary.member_id:
        raise DomainError(_("関連付けられるのは、同じ組合員の事案だけです。"))
    if primary.is_restricted != secondary.is_restricted:
        raise DomainError(_("マイナンバーの事案とそれ以外の事案は関連付けられません。"))
    live = CaseLink.objects.filter(unlinked_at__isnull=True)
    pair = live.filter(primary=primary, secondary=secondary) | live.filter(primary=secondary, secondary=primary)
    if pair.exists():
        raise DomainError(_("この二つの事案はすでに関連付けられています。"))
    if link_type == CaseLinkType.DUPLICATE:
        _check_duplicate(primary, secondary, live)
    link = CaseLink.objects.create(
        primary=primary, secondary=secondary, link_type=link_type, note=note, created_by=actor
    )
    for case in (primary, secondary):
        _link_event(case, actor=actor, link=link, event_type=EventType.LINKED, note=note)
    if link_type == CaseLinkType.DUPLICATE:
        event = workflow.transition(
            secondary,
            to=Status.CLOSED,
            actor=actor,
            extra={"duplicate_of": primary.reference},
        )
        letter_create(
            dsr=secondary,
            kind=LetterKind.DUPLICATE_CLOSED,
            cause=f"duplicate-{event.pk}",
            actor=actor,
            payload={
                "primary_reference": primary.reference,
                "primary_received_at": primary.received_at.isoformat(),
            },
        )
    return link


def _check_duplicate(primary: DataSubjectRequest, secondary: DataSubjectRequest, live: QuerySet[CaseLink]) -> None:
    if primary.kind != secondary.kind:
        raise DomainError(_("重複として関連付けられるのは、同じ種類の請求だけです。"))
    if primary.is_terminal:
        raise DomainError(_("主とする事案がすでに終了しています。重複ではなく関連として関連付けてください。"))
    if secondary.status not in workflow.DUPLICATE_CLOSABLE:
        raise DomainError(
            _("「%(status)s」の事案は重複として終了できません。") % {"status": Status(secondary.status).label}
        )
    if live.filter(primary=secondary, link_type=CaseLinkType.DUPLICATE).exists():
        raise DomainError(_("この事案を主とする重複があります。先にそちらの関連付けを見直してください。"))
    if live.filter(secondary=primary, link_type=CaseLinkType.DUPLICATE).exists():
        raise DomainError(_("主とする事案が、別の事案の重複として関連付けられています。"))


@transaction.atomic
def dsr_unlink(*, actor: User, link: CaseLink, reason: str) -> CaseLink:
    """Undo a link, with a reason. A duplicate closed by the link stays closed: reopening it is
    the approver's 再開 (docs/architecture.md#duplicates)."""
    reason = clean_text(reason or "")
    if not reason:
        raise DomainError(_("解除の理由を入力してください。"))
    reject_my_numbers([reason], where=pgettext("where a My Number was found", "解除の理由"))
    locked = CaseLink.objects.select_for_update().select_related("primary", "secondary").get(pk=link.pk)
    if locked.unlinked_at is not None:
        raise DomainError(_("この関連付けはすでに解除されています。"))
    require_handler(actor, locked.primary)
    require_handler(actor, locked.secondary)
    locked.unlinked_at, locked.unlinked_by, locked.unlink_reason = timezone.now(), actor, reason
    locked.save(update_fields=["unlinked_at", "unlinked_by", "unlink_reason"])
    for case in (locked.primary, locked.secondary):
        _link_event(case, actor=actor, link=locked, event_type=EventType.UNLINKED, note=reason)
    return locked
