"""Creating `Letter` rows. Rendering them is the renderer's job (a task, after commit)."""

from django.db import transaction
from django.utils import timezone

from requests_portal.models import DataSubjectRequest, EventType, Letter, LetterKind, RequestEvent, User
from requests_portal.notifications import case_recipient
from requests_portal.queueing import enqueue_on_commit

RENDER_TASK = "requests_portal.letter_render"


def letter_create(
    *,
    dsr: DataSubjectRequest,
    kind: LetterKind | str,
    cause: str,
    actor: User | None,
    payload: dict | None = None,
    supersedes: Letter | None = None,
    note: str = "",
) -> Letter:
    """Create the PENDING letter caused by `cause` (e.g. 'ack', 'decision', 'extension-3') once,
    and ring the render task when the transaction commits.

    Must run inside the transaction of the change that needs the letter: the row, not the
    Celery message, is the work (a lost message is found again by the letter sweep).
    """
    if kind not in LetterKind.values:
        raise ValueError(f"unknown letter kind {kind!r}")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("letter_create() must run inside the business transaction")
    letter, created = Letter.objects.get_or_create(
        idempotency_key=f"dsr:{dsr.pk}:{cause}",
        defaults={
            "dsr": dsr,
            "kind": kind,
            "payload": payload or {},
            "by_post": supersedes.by_post if supersedes is not None else _by_post(dsr),
            "supersedes": supersedes,
            "enqueued_at": timezone.now(),
        },
    )
    if created:
        extra = {"letter_id": letter.pk, "kind": str(kind)}
        if supersedes is not None:
            extra["supersedes"] = supersedes.pk
        RequestEvent.objects.create(
            dsr=dsr,
            # The system writes the letter; the timeline credits a person only for a re-issue
            # they asked for (the change that caused any other letter has its own event).
            actor=actor if supersedes is not None else None,
            event_type=EventType.LETTER_CREATED,
            member_visible=False,
            note=note,
            extra=extra,
        )
        letter_id = letter.pk
        enqueue_on_commit(
            RENDER_TASK,
            letter_id,
            if_not_published=lambda: Letter.objects.filter(pk=letter_id).update(enqueued_at=None),
        )
    return letter


def _by_post(dsr: DataSubjectRequest) -> bool:
    """Posted when the case asks for paper, or when its recipient has no portal login to read it on."""
    return dsr.notify_by_post or case_recipient(dsr).by_post
