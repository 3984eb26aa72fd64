"""Linking a case to another of the same member, as a duplicate or as related, and undoing a
link (docs/architecture.md#duplicates). The other case is looked up among the cases the user
may work, so a hidden case answers exactly like a missing one."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from requests_portal import services
from requests_portal.exceptions import DomainError
from requests_portal.forms.staff import CaseLinkForm, CaseUnlinkForm, LinkRole
from requests_portal.models import CaseLinkType, DataSubjectRequest
from requests_portal.permissions import access_dsr_for_staff
from requests_portal.roles import Access
from requests_portal.selectors import dsr_duplicate_candidates, dsr_links, dsr_visible_by_reference
from requests_portal.views.access import signed_in_user, staff_required
from requests_portal.views.staff.common import case_url, posted


def _links_page(request: HttpRequest, dsr: DataSubjectRequest, form: CaseLinkForm, status: int = 200) -> HttpResponse:
    context = {
        "dsr": dsr,
        "form": form,
        "candidates": dsr_duplicate_candidates(dsr, request.user),
        "links": dsr_links(dsr, request.user),
    }
    return render(request, "requests_portal/staff/case_links.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def staff_dsr_links(request: HttpRequest, public_id: str) -> HttpResponse:
    dsr = access_dsr_for_staff(request.user, public_id, Access.HANDLE)
    user = signed_in_user(request)
    form = CaseLinkForm(posted(request), initial={"reference": request.GET.get("with", "")[:30]})
    if request.method != "POST" or not form.is_valid():
        return _links_page(request, dsr, form)
    other = dsr_visible_by_reference(user, form.cleaned_data["reference"], Access.HANDLE)
    if other is None:
        # Missing, or out of this user's reach (a My Number case for anyone but its officers):
        # the same answer for both, so the form discloses nothing.
        form.add_error("reference", _("この受付番号の事案は見つかりません。番号をご確認ください。"))
        return _links_page(request, dsr, form, status=404)
    role = form.cleaned_data["role"]
    primary, secondary = (other, dsr) if role == LinkRole.THIS_IS_DUPLICATE else (dsr, other)
    link_type = CaseLinkType.RELATED if role == LinkRole.RELATED else CaseLinkType.DUPLICATE
    try:
        services.dsr_link(
            actor=user, primary=primary, secondary=secondary, link_type=link_type, note=form.cleaned_data["note"]
        )
    except DomainError as error:
        form.add_error(None, str(error))
        return _links_page(request, dsr, form)
    if link_type == CaseLinkType.DUPLICATE:
        messages.success(
            request,
            _("%(duplicate)s を %(primary)s の重複として終了しました。請求者への通知書を作成しています。")
            % {"duplicate": secondary.reference, "primary": primary.reference},
        )
    else:
        messages.success(request, _("%(other)s と関連付けました。") % {"other": other.reference})
    return redirect(case_url(dsr))


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def staff_dsr_unlink(request: HttpRequest, public_id: str) -> HttpResponse:
    dsr = access_dsr_for_staff(request.user, public_id, Access.HANDLE)
    user = signed_in_user(request)
    live = {link.pk: link for link in dsr_links(dsr, user, live_only=True)}
    form = CaseUnlinkForm(posted(request), initial={"link": request.GET.get("link", "")})
    chosen = request.POST.get("link") if request.method == "POST" else request.GET.get("link")
    link = live.get(int(chosen)) if chosen and chosen.isdigit() else None
    if chosen and link is None:
        raise Http404
    if request.method == "POST" and form.is_valid() and link is not None:
        try:
            services.dsr_unlink(actor=user, link=link, reason=form.cleaned_data["reason"])
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("%(other)s との関連付けを解除しました。") % {"other": link.other(dsr).reference}
            )
            return redirect(case_url(dsr))
    context = {"dsr": dsr, "form": form, "link": link, "links": list(live.values())}
    return render(request, "requests_portal/staff/case_unlink.html", context)
