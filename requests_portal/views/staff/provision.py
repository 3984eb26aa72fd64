"""Third-party provision records: the staff upload of the core system's CSV (check, then
confirm), and the records of a records-disclosure case with staff's choice per record."""

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from requests_portal import audit, storage
from requests_portal.exceptions import DomainError
from requests_portal.forms.staff import ProvisionRecordsUploadForm
from requests_portal.models import (
    DataSubjectRequest,
    ProvisionRecord,
    ProvisionRecordChoice,
    RequestKind,
    StatutoryGround,
)
from requests_portal.permissions import access_dsr_for_staff, can_handle_dsr
from requests_portal.provision_csv import ProvisionFileError, import_provision_csv
from requests_portal.roles import Access, Capability, has_capability
from requests_portal.selectors import provision_records_for_case
from requests_portal.services.provision_records import (
    CHOICE_STATUSES,
    WITHHOLDING_GROUNDS,
    ProvisionChoicesInvalid,
    ProvisionRowsInvalid,
    RecordChoice,
    check_record_choice,
    dsr_choose_provision_records,
)
from requests_portal.views.access import signed_in_user, staff_required
from requests_portal.views.staff.common import case_url, posted, posted_files

# The checked file waits here, encrypted, between the check and the confirmation (one per session;
# a file never confirmed is removed by the nightly sweep of unreferenced files after a day).
PENDING_KEY = "provision_import_pending"
TEMPLATE = "requests_portal/staff/provision_import.html"
LOCKED_MESSAGE = gettext_lazy("決定案を作成した後は、開示する記録を変更できません。差戻しの後に変更してください。")


def _pending(request: HttpRequest) -> dict[str, str] | None:
    pending = request.session.get(PENDING_KEY)
    return pending if isinstance(pending, dict) else None


def _forget_pending(request: HttpRequest) -> None:
    if pending := request.session.pop(PENDING_KEY, None):
        storage.delete(str(pending.get("name", "")))


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def staff_provision_import(request: HttpRequest) -> HttpResponse:
    """Upload → the row-by-row check (a dry run) → confirm → the import, all or nothing."""
    user = signed_in_user(request)
    if not has_capability(user, Capability.IMPORT_PROVISION_RECORDS):
        raise Http404
    if request.method == "POST" and "confirm" in request.POST:
        return _confirm(request)
    if request.method == "POST" and "cancel" in request.POST:
        _forget_pending(request)
        messages.info(request, _("取込みを取りやめました。何も登録していません。"))
        return redirect("requests_portal:staff_provision_import")
    form = ProvisionRecordsUploadForm(posted(request), posted_files(request), initial={"encoding": "auto"})
    context: dict[str, Any] = {"form": form}
    if request.method != "POST":
        return render(request, TEMPLATE, context)
    if not form.is_valid():
        return render(request, TEMPLATE, context, status=400)
    upload = form.cleaned_data["records"]
    content = upload.read()
    try:
        result, encoding = import_provision_csv(
            content=content, encoding=form.cleaned_data["encoding"], dry_run=True, actor=user, filename=upload.name
        )
    except (ProvisionFileError, ProvisionRowsInvalid) as refusal:
        audit.record(action="provision_records.refused", actor=user, outcome="refused", data=_refusal_data(refusal))
        if isinstance(refusal, ProvisionFileError):
            form.add_error("records", str(refusal))
        else:
            context["problems"] = refusal.problems
            form.add_error(
                "records",
                _(
                    "%(rows)s行に誤りがあります。下の一覧のとおり直して、もう一度選んでください（何も登録していません）。"
                )
                % {"rows": len({problem.row for problem in refusal.problems})},
            )
        return render(request, TEMPLATE, context, status=400)
    _forget_pending(request)
    request.session[PENDING_KEY] = {
        "name": storage.save(content),
        "sha256": storage.sha256_hex(content),
        "filename": upload.name[:100],
        "encoding": encoding,
    }
    audit.record(
        action="provision_records.preview",
        actor=user,
        data={"rows": result.rows, "created": result.created, "updated": result.updated, "exempt": len(result.exempt)},
    )
    context.update({"result": result, "encoding": encoding, "filename": upload.name, "token": _pending(request)})
    return render(request, TEMPLATE, context)


def _refusal_data(refusal: Exception) -> dict[str, int]:
    if isinstance(refusal, ProvisionRowsInvalid):
        return {"rows": len({problem.row for problem in refusal.problems})}
    return {"file": 1}


def _confirm(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    pending = _pending(request)
    if pending is None or request.POST.get("confirm") != pending.get("sha256"):
        messages.error(request, _("確認した取込みが見つかりません。もう一度ファイルを選んでください。"))
        return redirect("requests_portal:staff_provision_import")
    try:
        content = storage.read(pending["name"])
        result, _encoding = import_provision_csv(
            content=content, encoding=pending["encoding"], dry_run=False, actor=user, filename=pending["filename"]
        )
    except storage.StoredFileMissing:
        request.session.pop(PENDING_KEY, None)
        messages.error(request, _("確認したファイルが見つかりません。もう一度ファイルを選んでください。"))
        return redirect("requests_portal:staff_provision_import")
    except (ProvisionFileError, ProvisionRowsInvalid) as refusal:
        # The roster or the records changed since the check: show what is wrong now.
        _forget_pending(request)
        audit.record(action="provision_records.refused", actor=user, outcome="refused", data=_refusal_data(refusal))
        form = ProvisionRecordsUploadForm(initial={"encoding": "auto"})
        context: dict[str, Any] = {"form": form, "confirm_failed": True}
        if isinstance(refusal, ProvisionRowsInvalid):
            context["problems"] = refusal.problems
        else:
            context["file_error"] = str(refusal)
        return render(request, TEMPLATE, context, status=400)
    _forget_pending(request)
    messages.success(
        request,
        _(
            "第三者提供記録を取り込みました：新規 %(created)s 件、更新 %(updated)s 件、"
            "変更なし %(unchanged)s 件、保存しない行 %(exempt)s 件。"
        )
        % {
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "exempt": len(result.exempt),
        },
    )
    return redirect("requests_portal:staff_provision_import")


# --- the records of a records-disclosure case ---------------------------------------------------


class RecordChoicesForm(forms.Form):
    """One disclose/withhold choice, ground and reason per record of the member."""

    def __init__(self, *args: Any, rows: list[tuple[ProvisionRecord, ProvisionRecordChoice | None]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.rows = rows
        grounds = [("", _("選んでください")), *[(g, StatutoryGround(g).label) for g in WITHHOLDING_GROUNDS]]
        for number, (record, choice) in enumerate(rows, start=1):
            self.fields[f"choice_{record.pk}"] = forms.ChoiceField(
                label=_("%(number)s件目の開示・不開示") % {"number": number},
                choices=[("disclose", _("開示する")), ("withhold", _("開示しない"))],
                widget=forms.RadioSelect,
                initial="withhold" if choice and choice.withheld else "disclose",
            )
            self.fields[f"ground_{record.pk}"] = forms.ChoiceField(
                label=_("%(number)s件目を開示しない根拠") % {"number": number},
                choices=grounds,
                required=False,
                initial=choice.ground if choice else "",
            )
            self.fields[f"reason_{record.pk}"] = forms.CharField(
                label=_("%(number)s件目を開示しない理由") % {"number": number},
                required=False,
                max_length=1000,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=choice.reason if choice else "",
                help_text=gettext_lazy("通知書に記載され、請求者に示されます。"),
            )

    def records(self) -> list[dict[str, Any]]:
        return [
            {
                "record": record,
                "choice": self[f"choice_{record.pk}"],
                "ground": self[f"ground_{record.pk}"],
                "reason": self[f"reason_{record.pk}"],
            }
            for record, _choice in self.rows
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for record, _choice in self.rows:
            for field, message in check_record_choice(self._choice(record.pk, data)):
                self.add_error(f"{field}_{record.pk}", message)
        return data

    def _choice(self, pk: int, data: dict[str, Any]) -> RecordChoice:
        return RecordChoice(
            withheld=data.get(f"choice_{pk}") == "withhold",
            ground=data.get(f"ground_{pk}") or "",
            reason=data.get(f"reason_{pk}") or "",
        )

    def choices(self) -> dict[int, RecordChoice]:
        return {record.pk: self._choice(record.pk, self.cleaned_data) for record, _choice in self.rows}


def _records_page(
    request: HttpRequest, dsr: DataSubjectRequest, form: RecordChoicesForm, editable: bool
) -> HttpResponse:
    context = {"dsr": dsr, "form": form, "editable": editable, "rows": form.records()}
    return render(request, "requests_portal/staff/provision_records.html", context, status=400 if form.errors else 200)


@require_safe
@staff_required
def staff_dsr_provision_records(request: HttpRequest, public_id: str) -> HttpResponse:
    """The member's provision records on a records-disclosure case, each disclosed or withheld."""
    dsr = access_dsr_for_staff(request.user, public_id, Access.VIEW)
    if dsr.kind != RequestKind.PROVISION_RECORDS:
        return redirect(case_url(dsr))
    user = signed_in_user(request)
    rows = provision_records_for_case(dsr)
    audit.record(action="dsr.provision_records.view", actor=user, obj=dsr, data={"records": len(rows)})
    editable = can_handle_dsr(user, dsr) and dsr.status in CHOICE_STATUSES
    return _records_page(request, dsr, RecordChoicesForm(rows=rows), editable)


@require_POST
@staff_required
def staff_dsr_provision_records_choose(request: HttpRequest, public_id: str) -> HttpResponse:
    """Save the choices; an incomplete one comes back with its error and everything typed kept."""
    dsr = access_dsr_for_staff(request.user, public_id, Access.HANDLE)
    if dsr.kind != RequestKind.PROVISION_RECORDS:
        return redirect(case_url(dsr))
    user = signed_in_user(request)
    page = reverse("requests_portal:staff_dsr_provision_records", args=[dsr.public_id])
    if dsr.status not in CHOICE_STATUSES:
        messages.error(request, str(LOCKED_MESSAGE))
        return redirect(page)
    form = RecordChoicesForm(request.POST, rows=provision_records_for_case(dsr))
    if not form.is_valid():
        return _records_page(request, dsr, form, editable=True)
    try:
        disclosed, withheld = dsr_choose_provision_records(dsr=dsr, actor=user, choices=form.choices())
    except ProvisionChoicesInvalid as invalid:
        # A record purged or replaced since the page was read: say so, keep the input.
        for problems in invalid.errors.values():
            for message in problems:
                form.add_error(None, message)
        return _records_page(request, dsr, form, editable=True)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect(page)
    messages.success(
        request,
        _("開示する記録 %(disclosed)s 件、開示しない記録 %(withheld)s 件を保存しました。")
        % {"disclosed": disclosed, "withheld": withheld},
    )
    return redirect(f"{case_url(dsr)}#provision-records-title")


def provision_records_summary(dsr: DataSubjectRequest) -> dict[str, Any]:
    """The case page's section: how many records the member has and how many are withheld."""
    if dsr.kind != RequestKind.PROVISION_RECORDS:
        return {"show_provision_records": False}
    rows = provision_records_for_case(dsr)
    withheld = sum(1 for _record, choice in rows if choice is not None and choice.withheld)
    return {
        "show_provision_records": True,
        "provision_records_total": len(rows),
        "provision_records_withheld": withheld,
    }
