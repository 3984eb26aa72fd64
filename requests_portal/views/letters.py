"""Staff pages about letters: the letters of one case (re-render, mark posted) and the letters
that need someone (failed, stuck, waiting to be posted) across the cases the user may see.

Thin views: access through the visibility selector (anything else is 404), a form, a
service, redirect. Downloads stay in views/files.py.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from requests_portal import audit
from requests_portal.exceptions import DomainError
from requests_portal.letters.forms import LetterRerenderForm
from requests_portal.letters.services import letter_mark_posted, letter_rerender
from requests_portal.models import DataSubjectRequest, Letter, LetterStatus
from requests_portal.mynumber import mask_my_numbers
from requests_portal.permissions import Access, access_dsr_for_staff, can_handle_dsr, deny_case_file
from requests_portal.selectors import dsr_visible_to_staff
from requests_portal.views.access import signed_in_user, staff_required

DOWNLOADABLE = frozenset({LetterStatus.RENDERED, LetterStatus.DELIVERED, LetterStatus.SUPERSEDED})
REPLACEABLE = frozenset({LetterStatus.RENDERED, LetterStatus.DELIVERED, LetterStatus.FAILED})
ATTENTION_LIMIT = 200


def _letter_for_staff(request: HttpRequest, public_id: str, access: Access) -> Letter:
    letter = (
        Letter.objects.filter(public_id=public_id, dsr__in=dsr_visible_to_staff(request.user, access))
        .select_related("dsr", "dsr__queue", "dsr__member")
        .first()
    )
    if letter is None:
        raise deny_case_file(request.user, Letter, public_id, "letter.access")
    return letter


def _case_letters_page(
    request: HttpRequest, dsr: DataSubjectRequest, *, form: LetterRerenderForm | None = None, form_for: int = 0
) -> HttpResponse:
    letters = list(dsr.letters.select_related("supersedes").order_by("created_at", "id"))
    replaced = {letter.supersedes_id for letter in letters if letter.supersedes_id}
    can_handle = can_handle_dsr(request.user, dsr)
    rows = [
        {
            "letter": letter,
            "downloadable": letter.status in DOWNLOADABLE and bool(letter.storage_name),
            "can_rerender": can_handle and letter.status in REPLACEABLE and letter.pk not in replaced,
            "can_mark_posted": can_handle and letter.by_post and letter.status == LetterStatus.RENDERED,
            "form": form if form is not None and form_for == letter.pk else LetterRerenderForm(),
            # What the person typed comes back with the error, except a My Number, which never does.
            "reason_value": mask_my_numbers(form.data.get("reason", ""))
            if form is not None and form_for == letter.pk
            else "",
        }
        for letter in letters
    ]
    context = {"dsr": dsr, "rows": rows, "can_handle": can_handle, "has_errors": form is not None}
    return render(request, "requests_portal/letters/staff_case_letters.html", context)


@require_safe
@staff_required
def staff_dsr_letters(request: HttpRequest, public_id: str) -> HttpResponse:
    dsr = access_dsr_for_staff(request.user, public_id)
    audit.record(action="dsr.letters.view", actor=request.user, obj=dsr)
    return _case_letters_page(request, dsr)


@require_POST
@staff_required
def staff_letter_rerender(request: HttpRequest, public_id: str) -> HttpResponse:
    letter = _letter_for_staff(request, public_id, Access.HANDLE)
    form = LetterRerenderForm(request.POST)
    if form.is_valid():
        try:
            letter_rerender(letter=letter, actor=signed_in_user(request), reason=form.cleaned_data["reason"])
        except DomainError as error:
            form.add_error("reason", str(error))
        else:
            messages.success(request, _("通知書の再作成を受け付けました。作成が終わると一覧に表示されます。"))
            return redirect("requests_portal:staff_dsr_letters", public_id=letter.dsr.public_id)
    return _case_letters_page(request, letter.dsr, form=form, form_for=letter.pk)


@require_POST
@staff_required
def staff_letter_mark_posted(request: HttpRequest, public_id: str) -> HttpResponse:
    letter = _letter_for_staff(request, public_id, Access.HANDLE)
    try:
        letter_mark_posted(letter=letter, actor=signed_in_user(request))
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("郵送済みとして記録しました。"))
    return redirect("requests_portal:staff_dsr_letters", public_id=letter.dsr.public_id)


@require_safe
@staff_required
def staff_letter_list(request: HttpRequest) -> HttpResponse:
    """Letters someone has to act on, from the cases the user may work."""
    letters = Letter.objects.filter(dsr__in=dsr_visible_to_staff(request.user, Access.HANDLE)).select_related("dsr")
    stuck_before = timezone.now() - timedelta(seconds=settings.DSR_LETTER_SWEEP_GRACE_SECONDS)
    sections = [
        (
            "failed",
            _("作成に失敗した通知書"),
            _("内容を確認し、必要な修正のうえ再作成してください。"),
            letters.filter(status=LetterStatus.FAILED).exclude(superseded_by__isnull=False).order_by("created_at"),
        ),
        (
            "to-post",
            _("郵送待ちの通知書"),
            _("印刷して郵送し、郵送済みとして記録してください。"),
            letters.filter(status=LetterStatus.RENDERED, by_post=True).order_by("rendered_at"),
        ),
        (
            "pending",
            _("作成待ちが続いている通知書"),
            _("自動で再試行しています。長く続く場合は管理者に連絡してください。"),
            letters.filter(status=LetterStatus.PENDING, created_at__lt=stuck_before).order_by("created_at"),
        ),
    ]
    context = {
        "sections": [
            {"slug": slug, "title": title, "hint": hint, "letters": list(qs[:ATTENTION_LIMIT])}
            for slug, title, hint, qs in sections
        ]
    }
    return render(request, "requests_portal/letters/staff_letter_list.html", context)
