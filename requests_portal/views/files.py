"""Downloads of letters and documents: one access-checked view each, for members and staff.

A file is served only after the case is reached through the same access functions every
other page uses; anything else (missing, hidden, purged, not yet rendered) is 404. Every
download writes an audit entry and a timeline event, and a refused one a "denied" entry.
"""

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from requests_portal import services, storage
from requests_portal.models import DataSubjectRequest, Document, Letter, LetterStatus
from requests_portal.permissions import deny_case_file
from requests_portal.roles import is_staff_user
from requests_portal.selectors import documents_for_member, dsr_list_for_member, dsr_visible_to_staff
from requests_portal.views.access import signed_in_user


def _visible_cases(request: HttpRequest) -> QuerySet[DataSubjectRequest]:
    if not request.user.is_authenticated:
        raise Http404
    if is_staff_user(request.user):
        return dsr_visible_to_staff(request.user)
    return dsr_list_for_member(request.user)


def _serve(
    request: HttpRequest, obj: Letter | Document, *, action: str, filename: str, content_type: str
) -> HttpResponse:
    """Read the stored file (404 if it is gone), log the download, and send it as an attachment."""
    try:
        content = storage.read(obj.storage_name)
    except storage.StoredFileMissing:
        raise Http404 from None
    services.dsr_record_file_download(actor=signed_in_user(request), file=obj)
    return storage.attachment_response(content, filename=filename, content_type=content_type)


@require_safe
def letter_download(request: HttpRequest, public_id: str) -> HttpResponse:
    letter = (
        Letter.objects.filter(
            public_id=public_id,
            dsr__in=_visible_cases(request),
            status__in=[LetterStatus.RENDERED, LetterStatus.DELIVERED, LetterStatus.SUPERSEDED],
        )
        .select_related("dsr", "dsr__queue")
        .first()
    )
    if letter is None:
        raise deny_case_file(request.user, Letter, public_id, "letter.download")
    if not letter.storage_name:
        raise Http404
    filename = f"{letter.get_kind_display()}_{letter.document_number or letter.dsr.reference}.pdf"
    return _serve(request, letter, action="letter.download", filename=filename, content_type="application/pdf")


def _reachable_document(request: HttpRequest, public_id: str, action: str) -> Document:
    reachable = (
        Document.objects.filter(purged_at__isnull=True)
        if is_staff_user(request.user)
        else documents_for_member(request.user)
    )
    # A document awaiting masking is seen only on the masking screen (selectors.quarantined_documents).
    reachable = reachable.exclude(requires_masking=True, masking_confirmed_at__isnull=True)
    documents = reachable.filter(public_id=public_id, dsr__in=_visible_cases(request))
    document = documents.select_related("dsr", "dsr__queue").first()
    if document is None:
        raise deny_case_file(request.user, Document, public_id, action)
    return document


@require_safe
def document_download(request: HttpRequest, public_id: str) -> HttpResponse:
    document = _reachable_document(request, public_id, "document.download")
    return _serve(
        request,
        document,
        action="document.download",
        filename=document.original_name,
        content_type=document.content_type,
    )


@require_safe
def staff_document_view(request: HttpRequest, public_id: str) -> HttpResponse:
    """A document shown in the browser, for staff checking it on screen: the same access and
    masking rules and the same audit as a download (uploads are re-checked PDF, JPEG or PNG)."""
    if not is_staff_user(request.user):
        raise Http404
    document = _reachable_document(request, public_id, "document.download")
    try:
        content = storage.read(document.storage_name)
    except storage.StoredFileMissing:
        raise Http404 from None
    services.dsr_record_file_download(actor=signed_in_user(request), file=document)
    return storage.inline_response(content, filename=document.original_name, content_type=document.content_type)
