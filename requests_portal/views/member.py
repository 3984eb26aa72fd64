"""The member's pages. Thin: access check, selector or form, service, redirect."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from requests_portal.selectors import dsr_list_for_member
from requests_portal.views.access import member_required


@require_safe
@member_required
def member_home(request: HttpRequest) -> HttpResponse:
    cases = dsr_list_for_member(request.user)
    return render(request, "requests_portal/member/home.html", {"cases": cases})
