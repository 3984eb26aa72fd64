"""Deciding and ending a case: the drafted decision and its approval, the notice reaching the
member, closing, reopening, 取下げ and the end for want of identity."""

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from requests_portal import audit, workflow
from requests_portal.decisions import (
    LETTER_FOR_DECISION,
    PAPER_COMBINABLE,
    PAPER_DECISIONS,
    DecisionInvalid,
    validate_decision,
)
from requests_portal.exceptions import DomainError
from requests_portal.letters import letter_create
from requests_portal.models import (
    DataSubjectRequest,
    Decision,
    EventType,
    IdentityResult,
    LetterKind,
    ProvisionRecordChoice,
    RequestEvent,
    RequestKind,
    Status,
    User,
)
from requests_portal.notifications import decision_notice_delivered, notify_member
from requests_portal.services.checks import require_handler
from requests_portal.services.provision_records import records_decision_details
from requests_portal.text import clean_text


@transaction.atomic
def dsr_draft_decision(
    *,
    dsr: DataSubjectRequest,
    actor: User,
    decision: str,
    ground: str = "",
    reason: str = "",
    details: Mapping | None = None,
) -> DataSubjectRequest:
    """Draft the decision and send it for approval. Raises DecisionInvalid with field errors."""
    require_handler(actor, dsr)
    locked = DataSubjectRequest.objects.select_for_update().get(pk=dsr.pk)
    if locked.status != Status.IN_REVIEW:
        raise DomainError(_("決定案は審査中の事案にのみ作成できます。"))
    records_details = (
        _records_details(locked, decision, details) if locked.kind == RequestKind.PROVISION_RECORDS else None
    )
    if records_details is not None:
        details = records_details
    cleaned = validate_decision(
        kind=locked.kind,
        decision=decision,
        ground=ground,
        reason=reason,
        details=details,
        request_details=locked.details,
    )
    if records_details is not None and decision in PAPER_COMBINABLE | PAPER_DECISIONS:
        # The records the notice prints are the ones staff saw disclosed when drafting.
        cleaned["provision_record_ids"] = records_details["provision_record_ids"]
    locked.decision, locked.decision_ground = decision, ground
    locked.decision_reason, locked.decision_details = clean_text(reason or ""), cleaned
    locked.drafted_by, locked.drafted_at = actor, timezone.now()
    locked.save(
        update_fields=[
            "decision",
            "decision_ground",
            "decision_reason",
            "decision_details",
            "drafted_by",
            "drafted_at",
            "updated_at",
        ]
    )
    if agreement := cleaned.get("member_agreement"):
        _record_method_agreement(locked, actor, agreement)
    RequestEvent.objects.create(
        dsr=locked, actor=actor, event_type=EventType.DECISION_DRAFTED, extra={"decision": decision}
    )
    workflow.transition(locked, to=Status.AWAITING_APPROVAL, actor=actor, member_visible=False)
    dsr.refresh_from_db()
    return dsr


def _records_details(dsr: DataSubjectRequest, decision: str, details: Mapping | None) -> dict:
    """A records decision takes the per-record choices of the case page: withheld records become
    its withheld parts, and a decision to disclose everything cannot withhold any."""
    details = records_decision_details(dsr, details)
    withheld = ProvisionRecordChoice.objects.filter(dsr=dsr, withheld=True).exists()
    if withheld and decision in (Decision.RECORD_DISCLOSED_FULL, Decision.RECORD_METHOD_CHANGED_TO_PAPER):
        raise DecisionInvalid(
            {"decision": [_("開示しない第三者提供記録があります。一部開示を選ぶか、記録の選択を見直してください。")]}
        )
    return details


def _record_method_agreement(dsr: DataSubjectRequest, actor: User, agreement: Mapping) -> None:
    """The member agreed to paper instead of the method asked for (第33条第2項): who recorded it,
    on which day the member agreed and how, kept on the timeline and in the audit trail. The
    draft keeps the same facts, so the notice prints them and a returned draft keeps them."""
    RequestEvent.objects.create(
        dsr=dsr,
        actor=actor,
        event_type=EventType.METHOD_AGREED,
        extra={"how": agreement["how"], "on": agreement["on"], "method": "paper"},
    )
    audit.record(action="dsr.method_agreed", actor=actor, obj=dsr, data=dict(agreement))


def decision_payload(dsr: DataSubjectRequest) -> dict:
    """What the decision letter prints, frozen at approval."""
    return {
        "decision": dsr.decision,
        "ground": dsr.decision_ground,
        "reason": dsr.decision_reason,
        "details": dsr.decision_details,
        "drafted_by": dsr.drafted_by_id,
        "approved_by": dsr.approved_by_id,
        "approved_at": dsr.approved_at.isoformat() if dsr.approved_at else None,
    }


@transaction.atomic
def dsr_approve_decision(*, dsr: DataSubjectRequest, actor: User) -> DataSubjectRequest:
    """Approve the drafted decision (never by its drafter); creates the decision letter."""
    event = workflow.transition(dsr, to=Status.DECIDED, actor=actor, member_visible=False)
    RequestEvent.objects.create(
        dsr=dsr, actor=actor, event_type=EventType.DECISION_APPROVED, extra={"decision": dsr.decision}
    )
    if letter_kind := LETTER_FOR_DECISION.get(dsr.decision):
        letter_create(
            dsr=dsr, kind=letter_kind, cause=f"decision-{event.pk}", actor=actor, payload=decision_payload(dsr)
        )
    return dsr


@transaction.atomic
def dsr_return_decision(*, dsr: DataSubjectRequest, actor: User, reason: str) -> DataSubjectRequest:
    """Return the draft to the handler with the approver's reason."""
    workflow.transition(dsr, to=Status.IN_REVIEW, actor=actor, note=reason, member_visible=False)
    RequestEvent.objects.create(dsr=dsr, actor=actor, event_type=EventType.DECISION_RETURNED, note=clean_text(reason))
    return dsr


@transaction.atomic
def dsr_mark_notified(*, dsr: DataSubjectRequest, actor: User | None) -> DataSubjectRequest:
    """Record that the decision notice has gone out; the member is told by mail."""
    decision_notice_delivered(dsr, actor=actor)
    return dsr


@transaction.atomic
def dsr_close(*, dsr: DataSubjectRequest, actor: User | None) -> DataSubjectRequest:
    workflow.transition(dsr, to=Status.CLOSED, actor=actor)
    return dsr


@transaction.atomic
def dsr_reopen(*, dsr: DataSubjectRequest, actor: User, reason: str) -> DataSubjectRequest:
    target = Status.VERIFYING if dsr.status == Status.REJECTED else Status.IN_REVIEW
    workflow.transition(dsr, to=target, actor=actor, note=reason)
    return dsr


@transaction.atomic
def dsr_withdraw(*, dsr: DataSubjectRequest, actor: User | None, reason: str = "") -> DataSubjectRequest:
    """取下げ by the requester (or staff on their behalf, or the system after an expired 補正)."""
    workflow.transition(dsr, to=Status.WITHDRAWN, actor=actor, note=reason)
    DataSubjectRequest.objects.filter(pk=dsr.pk).update(decision=Decision.WITHDRAWN)
    dsr.decision = Decision.WITHDRAWN
    notify_member(dsr, template="dsr_withdrawn", cause="mail:withdrawn")
    return dsr


@transaction.atomic
def dsr_reject_identity(*, dsr: DataSubjectRequest, actor: User, reason: str) -> DataSubjectRequest:
    """End the case because identity (or an agent's authority) could not be confirmed."""
    require_handler(actor, dsr)
    identity_failed = dsr.identity_result == IdentityResult.NOT_VERIFIED
    decision = Decision.IDENTITY_NOT_VERIFIED if identity_failed else Decision.AGENT_AUTHORITY_NOT_SHOWN
    event = workflow.transition(dsr, to=Status.REJECTED, actor=actor, note=reason)
    DataSubjectRequest.objects.filter(pk=dsr.pk).update(decision=decision, decision_reason=clean_text(reason))
    dsr.decision, dsr.decision_reason = decision, clean_text(reason)
    letter_create(
        dsr=dsr,
        kind=LetterKind.IDENTITY_NOT_VERIFIED,
        cause=f"rejected-{event.pk}",
        actor=actor,
        payload={"decision": decision, "reason": dsr.decision_reason},
    )
    return dsr
