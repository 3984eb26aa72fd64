"""Intake of requests received on paper, by phone or at the counter."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from requests_portal import services, uploads
from requests_portal.exceptions import DomainError
from requests_portal.forms.staff import IntakeForm
from requests_portal.models import DocumentCategory, RequestKind, User
from requests_portal.roles import Access
from requests_portal.selectors import queues_for_user
from requests_portal.views.access import signed_in_user, staff_required
from requests_portal.views.staff.common import case_url, posted, posted_files


def intake_kinds(user: User) -> list[str]:
    """Kinds the user may register: those routed to a queue they can work."""
    queues = list(queues_for_user(user, Access.HANDLE))
    general = any(not queue.is_restricted for queue in queues)
    restricted = any(queue.is_restricted for queue in queues)
    return [kind for kind in RequestKind.values if (restricted if kind == RequestKind.MY_NUMBER_INQUIRY else general)]


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def staff_intake(request: HttpRequest) -> HttpResponse:
    kinds = intake_kinds(signed_in_user(request))
    if not kinds:
        raise Http404
    form = IntakeForm(posted(request), posted_files(request), kinds=kinds)
    if request.method == "POST" and form.is_valid():
        try:
            # The scanned form is checked and stored first (unattached); dsr_submit attaches it.
            # Should the submission fail, the unattached upload is purged by the housekeeping task.
            documents = [
                uploads.accept_upload(scanned, owner=signed_in_user(request), category=DocumentCategory.SCANNED_FORM)
                for scanned in [form.cleaned_data["scanned_form"]]
                if scanned
            ]
            dsr = services.dsr_submit(actor=signed_in_user(request), documents=documents, **form.service_kwargs())
        except uploads.UploadRejected as error:
            form.add_error("scanned_form", error)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("受付番号 %(reference)s で登録しました。通知は郵送されます。") % {"reference": dsr.reference},
            )
            return redirect(case_url(dsr))
    return render(request, "requests_portal/staff/intake.html", {"form": form})
