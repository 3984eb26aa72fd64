"""Disclosure packages (開示データ): the data an electronic 開示 decision hands over.

Staff attach it while the case is reviewed; approval checks it is there (workflow); the decision
notice releases it, so the download period the notice prints starts the day the member can
download. Data attached after the notice runs for the same period from its own attach date."""

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from requests_portal import audit, storage
from requests_portal.exceptions import DomainError
from requests_portal.letters.services import release_disclosure_packages
from requests_portal.models import (
    DataSubjectRequest,
    Document,
    DocumentCategory,
    EventType,
    RequestEvent,
    User,
)
from requests_portal.notifications import notify_member
from requests_portal.selectors import disclosure_package_check
from requests_portal.services.checks import require_handler
from requests_portal.uploads import UploadRejected, accept_upload, rejection_text

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile


def _publish_disclosure_package(
    dsr: DataSubjectRequest, documents: list[Document], *, until: date, actor: User
) -> None:
    """Files attached after the notice: downloadable from today until `until` (the attach date
    plus the download period), put on the member's timeline, audited, and the member is mailed."""
    release_disclosure_packages(dsr, documents, until=until, actor=actor)
    notify_member(
        dsr,
        template="dsr_disclosure_package",
        cause=f"mail:package-{documents[0].pk}",
        context={"until": until, "count": len(documents)},
    )


def _hold_disclosure_package(dsr: DataSubjectRequest, documents: list[Document], *, actor: User) -> None:
    """Files attached before the notice: kept for staff only until the notice releases them."""
    for document in documents:
        RequestEvent.objects.create(
            dsr=dsr,
            actor=actor,
            event_type=EventType.DOCUMENT_ADDED,
            member_visible=False,
            extra={"document_id": document.pk, "category": DocumentCategory.DISCLOSURE_PACKAGE},
        )
    audit.record(
        action="dsr.disclosure_package",
        actor=actor,
        obj=dsr,
        data={"documents": [str(d.public_id) for d in documents], "until": None},
    )


@transaction.atomic
def dsr_attach_disclosure_package(
    *, dsr: DataSubjectRequest, actor: User, files: Sequence["UploadedFile"]
) -> list[Document]:
    """Handlers attach the disclosed data to a case to be disclosed electronically; each file goes
    through accept_upload. Before the notice the files wait for it; after, they are released at
    once and the member is mailed. Raises DomainError or UploadRejected; then no file is kept."""
    require_handler(actor, dsr)
    files = list(files)
    if not files:
        raise DomainError(_("添付するファイルを選んでください。"))
    locked = DataSubjectRequest.objects.select_for_update().get(pk=dsr.pk)
    reason, until = disclosure_package_check(locked)
    if reason:
        raise DomainError(reason)
    documents: list[Document] = []
    try:
        for uploaded in files:
            try:
                documents.append(
                    accept_upload(uploaded, owner=actor, category=DocumentCategory.DISCLOSURE_PACKAGE, dsr=locked)
                )
            except UploadRejected as exc:
                raise UploadRejected(rejection_text(uploaded, exc), code=exc.code) from exc
        if until is None:
            _hold_disclosure_package(locked, documents, actor=actor)
        else:
            _publish_disclosure_package(locked, documents, until=until, actor=actor)
    except Exception:
        # All or nothing: the rows roll back with the transaction; the stored bytes (encrypted
        # disclosed data, which no row would then point at) are removed here.
        for document in documents:
            storage.delete(document.storage_name)
        raise
    return documents
