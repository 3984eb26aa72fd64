"""Disclosure packages (開示データ): the data an electronic 開示 decision hands over, kept
until the last download day the decision notice prints."""

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from requests_portal import audit, storage
from requests_portal.exceptions import DomainError
from requests_portal.letters.services import package_purge_after
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
    """Keep the files until the notice's last day, put them on the timeline, audit, mail."""
    # The retention sweep deletes a package at its purge_after: the close of the notice's last day.
    purge_after = package_purge_after(until)
    Document.objects.filter(pk__in=[d.pk for d in documents]).update(purge_after=purge_after)
    for document in documents:
        document.purge_after = purge_after
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
    notify_member(
        dsr,
        template="dsr_disclosure_package",
        cause=f"mail:package-{documents[0].pk}",
        context={"until": until, "count": len(documents)},
    )


@transaction.atomic
def dsr_attach_disclosure_package(
    *, dsr: DataSubjectRequest, actor: User, files: Sequence["UploadedFile"]
) -> list[Document]:
    """Handlers attach the disclosed data to a case decided to disclose electronically; each file
    goes through accept_upload, is kept until the notice's download date, and the member is
    mailed. Raises DomainError or UploadRejected; then no file is kept."""
    require_handler(actor, dsr)
    files = list(files)
    if not files:
        raise DomainError(_("添付するファイルを選んでください。"))
    locked = DataSubjectRequest.objects.select_for_update().get(pk=dsr.pk)
    reason, until = disclosure_package_check(locked)
    if reason or until is None:
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
        _publish_disclosure_package(locked, documents, until=until, actor=actor)
    except Exception:
        # All or nothing: the rows roll back with the transaction; the stored bytes (encrypted
        # disclosed data, which no row would then point at) are removed here.
        for document in documents:
            storage.delete(document.storage_name)
        raise
    return documents
