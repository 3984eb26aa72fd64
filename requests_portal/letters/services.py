"""Writes about letters: render once, record failures, re-render on request, mark posted.

The contract that makes rendering exactly-once: `letter_render` locks the letter row
(skipping it if another worker holds it), renders only a PENDING letter, and takes the
文書番号, writes the file and marks the row RENDERED in one transaction. If anything fails or
the worker dies, the transaction rolls back: the number is given back (gap-free) and the
row stays PENDING for the retry or the sweep. The file name is derived from the letter, so
a retry after a crash between the write and the commit replaces the file, never adds one.

When a notice is issued the member hears about it once:
- a decision notice delivered on the portal completes the answer, so the case moves
  決定済み → 通知済み (`notifications.decision_notice_delivered`, actor None = the system) and that
  mail is the notice;
- a decision notice sent by post completes it when staff mark the letter posted;
- the acknowledgement, 補正 and extension notices go with the mail their service already
  sent; the notice that identity could not be confirmed mails the member itself;
- a staff re-render of an issued letter tells the member a corrected letter is available.
"""

import dataclasses
import hashlib
import hmac
import logging
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from requests_portal import audit, storage
from requests_portal.exceptions import DomainError
from requests_portal.letters.kinds import notice_for
from requests_portal.letters.records import RENDER_TASK, letter_create
from requests_portal.letters.renderer import render_pdf
from requests_portal.letters.sources import load_source, needs_provision_records, provision_records_snapshot
from requests_portal.models import (
    DataSubjectRequest,
    Document,
    DocumentCategory,
    EventType,
    Letter,
    LetterKind,
    LetterStatus,
    OrganisationProfile,
    RequestEvent,
    Status,
    User,
)
from requests_portal.mynumber import contains_my_number, mask_my_numbers
from requests_portal.notifications import decision_notice_delivered, notify_member
from requests_portal.numbering import allocate_number, fiscal_year
from requests_portal.permissions import can_handle_dsr
from requests_portal.queueing import enqueue, waiting_messages
from requests_portal.selectors import disclosure_download_until
from requests_portal.text import clean_text

logger = logging.getLogger(__name__)

RENDERED = "rendered"
FAILED = "failed"
ALREADY_DONE = "done"
BUSY = "busy"
MISSING = "missing"


def max_attempts() -> int:
    return int(settings.DSR_LETTER_MAX_ATTEMPTS)


def retry_delay(attempts: int) -> timedelta:
    """30 s, 2 min, 8 min, 32 min… capped at 2 h."""
    return timedelta(seconds=min(30 * 4 ** max(attempts - 1, 0), 7200))


def letter_storage_name(letter: Letter) -> str:
    """A fixed, unguessable file name per letter, so a retried render overwrites its own file."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"letter:{letter.public_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:40]


def document_prefix(dsr: DataSubjectRequest, profile: OrganisationProfile) -> str:
    """総務部 and マイナンバー担当 number their notices separately, each under its own prefix."""
    return profile.mynumber_document_number_prefix if dsr.is_restricted else profile.document_number_prefix


def _is_decision_notice(letter: Letter, dsr: DataSubjectRequest) -> bool:
    decision = letter.payload.get("decision")
    return bool(decision) and decision == dsr.decision and dsr.status == Status.DECIDED


def _locked_pending(letter_id: int) -> tuple[Letter | None, str]:
    letter = (
        Letter.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("dsr", "dsr__queue", "dsr__member", "supersedes")
        .filter(pk=letter_id)
        .first()
    )
    if letter is None:
        return None, BUSY if Letter.objects.filter(pk=letter_id).exists() else MISSING
    if letter.status != LetterStatus.PENDING:
        return None, ALREADY_DONE
    return letter, ""


def _claim_attempt(letter_id: int) -> str:
    """Count the attempt in its own transaction before the work starts, so an attempt that
    kills the worker (out of memory, kill -9) still counts: a letter that always crashes it
    ends FAILED after the last attempt instead of being handed out for ever."""
    with transaction.atomic():
        letter, outcome = _locked_pending(letter_id)
        if letter is None:
            return outcome
        if letter.attempts >= max_attempts():
            if not letter.last_error:
                letter.last_error = "作成処理が完了しないまま中断されました（処理の停止・時間切れなど）。"
            letter_mark_failed(letter=letter)
            return FAILED
        letter.attempts += 1
        letter.next_attempt_at = timezone.now() + retry_delay(letter.attempts)
        # This task has taken the letter's message: from now on only a retry or the sweep rings.
        letter.enqueued_at = None
        letter.save(update_fields=["attempts", "next_attempt_at", "enqueued_at"])
    return ""


def letter_render(*, letter_id: int) -> str:
    """Render the PENDING letter `letter_id` once. Returns RENDERED, ALREADY_DONE, BUSY, MISSING
    or FAILED (its attempts were used up by earlier runs that never finished).

    Raises on failure (LetterContentError for content that cannot render); nothing but the
    attempt count is written then.
    """
    if outcome := _claim_attempt(letter_id):
        return outcome
    with transaction.atomic():
        letter, outcome = _locked_pending(letter_id)
        if letter is None:
            return outcome
        dsr = letter.dsr
        if needs_provision_records(letter):
            # Frozen at the first render, so a later re-render prints the same records.
            record_ids = (letter.payload.get("details") or {}).get("provision_record_ids")
            letter.payload = {**letter.payload, "provision_records": provision_records_snapshot(dsr, record_ids)}
        today = timezone.localdate()
        source = load_source(letter, issued_on=today)
        if letter.kind == LetterKind.DISCLOSURE_DECISION:
            # The last download day this notice prints, kept so the portal honours exactly it
            # even if the retention policy's number of days is edited later.
            until = today + timedelta(days=source.download_days)
            letter.payload = {**letter.payload, "download_until": until.isoformat()}
        prefix = document_prefix(dsr, source.profile)
        year = fiscal_year(today)
        serial = allocate_number(scope=f"letter:{prefix}", year=year)
        letter.document_number, letter.fiscal_year, letter.serial = f"{prefix}第{serial}号", year, serial
        notice = notice_for(dataclasses.replace(source, document_number=letter.document_number))
        pdf = render_pdf(notice.html())

        letter.storage_name = storage.save(pdf, storage_name=letter_storage_name(letter))
        letter.sha256, letter.size_bytes = storage.sha256_hex(pdf), len(pdf)
        letter.status, letter.rendered_at = LetterStatus.RENDERED, timezone.now()
        letter.last_error = ""
        letter.save(
            update_fields=[
                "payload",
                "document_number",
                "fiscal_year",
                "serial",
                "storage_name",
                "sha256",
                "size_bytes",
                "status",
                "rendered_at",
                "last_error",
            ]
        )
        if letter.supersedes_id:
            Letter.objects.filter(pk=letter.supersedes_id).update(status=LetterStatus.SUPERSEDED)
            if letter.kind == LetterKind.DISCLOSURE_DECISION:
                disclosure_packages_follow_notice(dsr)
        if letter.kind == LetterKind.DISCLOSURE_DECISION:
            # The data attached before approval reaches the member with this notice, so the
            # period it prints starts the day the member can download.
            release_disclosure_packages(dsr, until=until, actor=None)
        RequestEvent.objects.create(
            dsr=dsr,
            actor=None,
            event_type=EventType.LETTER_RENDERED,
            member_visible=True,
            extra={"letter_id": letter.pk, "kind": letter.kind, "document_number": letter.document_number},
        )
        audit.record(
            action="letter.render",
            actor=None,
            obj=letter,
            data={"kind": letter.kind, "document_number": letter.document_number, "sha256": letter.sha256},
        )
        _tell_the_member(letter, dsr, notice.mail_template)
    return RENDERED


def _tell_the_member(letter: Letter, dsr: DataSubjectRequest, mail_template: str | None) -> None:
    replaced = letter.supersedes if letter.supersedes_id else None
    if replaced is not None and replaced.rendered_at is not None:
        notify_member(dsr, template="letter_reissued", cause=f"mail:letter-{letter.pk}", context={"letter": letter})
    elif _is_decision_notice(letter, dsr):
        if not letter.by_post:
            decision_notice_delivered(dsr, actor=None)
    elif mail_template:
        notify_member(dsr, template=mail_template, cause=f"mail:letter-{letter.pk}", context={"letter": letter})


def letter_record_failure(*, letter_id: int, error: str, permanent: bool) -> bool:
    """Record why an attempt failed; after the last attempt (or a permanent error) mark the
    letter FAILED with an event staff see on the case. Returns True when it will not be retried.

    The attempt itself was counted when it started (`_claim_attempt`)."""
    with transaction.atomic():
        letter = (
            Letter.objects.select_for_update(of=("self",))
            .select_related("dsr", "dsr__queue")
            .filter(pk=letter_id)
            .first()
        )
        if letter is None or letter.status != LetterStatus.PENDING:
            return True
        letter.last_error = mask_my_numbers(error)[:2000]
        if not permanent and letter.attempts < max_attempts():
            letter.next_attempt_at = timezone.now() + retry_delay(letter.attempts)
            letter.save(update_fields=["last_error", "next_attempt_at"])
            logger.warning("letter %s: render attempt %s failed; retrying", letter.pk, letter.attempts)
            return False
        letter_mark_failed(letter=letter)
        return True


def letter_mark_failed(*, letter: Letter) -> None:
    """The letter will not render without help: FAILED, plus a timeline event and an audit entry."""
    letter.status = LetterStatus.FAILED
    letter.save(update_fields=["status", "attempts", "last_error"])
    RequestEvent.objects.create(
        dsr=letter.dsr,
        actor=None,
        event_type=EventType.LETTER_FAILED,
        member_visible=False,
        note=letter.last_error[:500],
        extra={"letter_id": letter.pk, "kind": letter.kind, "attempts": letter.attempts},
    )
    audit.record(action="letter.failed", actor=None, obj=letter, outcome="error", data={"attempts": letter.attempts})
    logger.error("letter %s (%s) failed after %s attempts", letter.pk, letter.kind, letter.attempts)


@transaction.atomic
def letter_rerender(*, letter: Letter, actor: User, reason: str) -> Letter:
    """Staff ask for a letter to be made again (after a template or data fix). A new letter row
    supersedes the old one; both files are kept. Raises DomainError when not allowed."""
    if not can_handle_dsr(actor, letter.dsr):
        raise DomainError(_("この通知書を再作成する権限がありません。"))
    reason = clean_text(reason) if isinstance(reason, str) else ""
    if not reason:
        raise DomainError(_("再作成の理由を入力してください。"))
    if contains_my_number(reason):
        raise DomainError(_("理由にマイナンバーと思われる番号が含まれています。マイナンバーは入力しないでください。"))
    old = Letter.objects.select_for_update(of=("self",)).select_related("dsr").get(pk=letter.pk)
    if Letter.objects.filter(supersedes=old).exists() or old.status == LetterStatus.SUPERSEDED:
        raise DomainError(_("この通知書はすでに再作成されています。新しい通知書をご確認ください。"))
    if old.status == LetterStatus.PENDING:
        raise DomainError(_("作成待ちの通知書は再作成できません。作成が終わるまでお待ちください。"))
    new = letter_create(
        dsr=old.dsr,
        kind=old.kind,
        cause=f"rerender-{old.pk}",
        actor=actor,
        payload=old.payload,
        supersedes=old,
        note=reason,
    )
    audit.record(action="letter.rerender", actor=actor, obj=old, data={"new_letter": str(new.public_id)})
    return new


@transaction.atomic
def letter_mark_posted(*, letter: Letter, actor: User) -> Letter:
    """Staff record that a letter for postal delivery was posted. A posted decision notice
    completes the answer (決定済み → 通知済み)."""
    if not can_handle_dsr(actor, letter.dsr):
        raise DomainError(_("この通知書を処理する権限がありません。"))
    locked = Letter.objects.select_for_update(of=("self",)).select_related("dsr", "dsr__queue").get(pk=letter.pk)
    if locked.status != LetterStatus.RENDERED or not locked.by_post:
        raise DomainError(_("郵送済みにできるのは、作成済みで郵送が必要な通知書のみです。"))
    locked.status, locked.delivered_at = LetterStatus.DELIVERED, timezone.now()
    locked.save(update_fields=["status", "delivered_at"])
    RequestEvent.objects.create(
        dsr=locked.dsr,
        actor=actor,
        event_type=EventType.LETTER_POSTED,
        member_visible=True,
        extra={"letter_id": locked.pk, "kind": locked.kind, "document_number": locked.document_number},
    )
    audit.record(action="letter.posted", actor=actor, obj=locked)
    dsr = DataSubjectRequest.objects.select_related("queue").get(pk=locked.dsr_id)
    if _is_decision_notice(locked, dsr):
        decision_notice_delivered(dsr, actor=actor)
    return locked


def package_purge_after(day: date) -> datetime:
    """When a disclosure package printed as downloadable until `day` is deleted: the close of
    that day (the retention sweep deletes a package at its purge_after)."""
    return timezone.make_aware(datetime.combine(day, time.max))


def release_disclosure_packages(
    dsr: DataSubjectRequest, documents: list[Document] | None = None, *, until: date, actor: User | None
) -> int:
    """Make disclosure packages downloadable by the member from now until the close of `until`:
    `documents`, or every package of the case not yet released (the notice releasing what was
    attached before it). Each goes on the member's timeline; the release is audited."""
    if documents is None:
        documents = list(
            Document.objects.filter(
                dsr=dsr,
                category=DocumentCategory.DISCLOSURE_PACKAGE,
                released_at__isnull=True,
                purged_at__isnull=True,
            )
        )
    if not documents:
        return 0
    now, purge_after = timezone.now(), package_purge_after(until)
    Document.objects.filter(pk__in=[d.pk for d in documents]).update(released_at=now, purge_after=purge_after)
    for document in documents:
        document.released_at, document.purge_after = now, purge_after
        RequestEvent.objects.create(
            dsr=dsr,
            actor=actor,
            event_type=EventType.DOCUMENT_ADDED,
            member_visible=True,
            extra={"document_id": document.pk, "category": DocumentCategory.DISCLOSURE_PACKAGE},
        )
    audit.record(
        action="dsr.disclosure_package",
        actor=actor,
        obj=dsr,
        data={"documents": [str(d.public_id) for d in documents], "until": until.isoformat()},
    )
    return len(documents)


def disclosure_packages_follow_notice(dsr: DataSubjectRequest) -> int:
    """A re-issued decision notice prints a new last day: the packages already attached are
    kept (and downloadable) until that day instead. Returns how many were moved.

    Runs under the case's row lock, as services.dsr_attach_disclosure_package does, so a
    package being attached meanwhile gets the new day too; a package whose day has already
    passed stays expired (a re-issue does not bring it back)."""
    locked = DataSubjectRequest.objects.select_for_update().get(pk=dsr.pk)
    until = disclosure_download_until(locked)
    if until is None:
        return 0
    packages = Document.objects.filter(
        dsr=locked,
        category=DocumentCategory.DISCLOSURE_PACKAGE,
        purged_at__isnull=True,
        purge_after__gt=timezone.now(),
    )
    moved = packages.update(purge_after=package_purge_after(until))
    if moved:
        audit.record(
            action="dsr.disclosure_package", actor=None, obj=locked, data={"moved": moved, "until": until.isoformat()}
        )
    return moved


def pending_letter_ids(*, limit: int = 500, queue_empty: bool = False) -> list[int]:
    """PENDING letters whose task should have run by now (lost message, dead worker), oldest
    first; a letter whose message was queued less than DSR_SWEEP_VISIBILITY_SECONDS ago is left
    to that message (docs/reliability.md#sweep-window)."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.DSR_LETTER_SWEEP_GRACE_SECONDS)
    # With nothing waiting in the queue, a message marked as queued is lost (Redis restarted
    # empty) or is already running (and then the task steps aside): no need to wait the window.
    lost = now if queue_empty else now - timedelta(seconds=settings.DSR_SWEEP_VISIBILITY_SECONDS)
    return list(
        Letter.objects.filter(status=LetterStatus.PENDING, next_attempt_at__lte=cutoff)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=lost))
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def letter_sweep() -> int:
    """Ring the render task again for the PENDING letters whose message is missing; returns how
    many (as outbox.outbox_sweep does for mail)."""
    ids = pending_letter_ids(queue_empty=waiting_messages(RENDER_TASK) == 0)
    Letter.objects.filter(pk__in=ids).update(enqueued_at=timezone.now())
    refused = [letter_id for letter_id in ids if not enqueue(RENDER_TASK, letter_id)]
    if refused:
        Letter.objects.filter(pk__in=refused, status=LetterStatus.PENDING).update(enqueued_at=None)
    return len(ids) - len(refused)
