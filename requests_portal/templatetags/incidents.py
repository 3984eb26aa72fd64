"""Template helpers of the incident register: the panels other pages include in one line
(the member's portal page, the staff case page, the dashboard) and readable history lines."""

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from requests_portal.incidents import selectors
from requests_portal.models import IncidentEvent, IncidentStatus, Member, ReportStage

register = template.Library()


@register.inclusion_tag("requests_portal/incidents/_member_notices.html", takes_context=True)
def member_incident_notices(context: template.Context) -> dict:
    """The incident notices addressed to the signed-in member."""
    return {"incident_notices": list(selectors.notices_for_member_login(context["request"].user)[:20])}


@register.inclusion_tag("requests_portal/incidents/_case_incidents.html", takes_context=True)
def member_incidents(context: template.Context, member: Member) -> dict:
    """The incidents touching `member` that the viewer may see (none for most staff)."""
    return {"member_incidents": list(selectors.incidents_touching_member(context["request"].user, member)[:20])}


@register.inclusion_tag("requests_portal/incidents/_dashboard_panel.html", takes_context=True)
def incident_dashboard_panel(context: template.Context) -> dict:
    return {"incident_numbers": selectors.dashboard_numbers(context["request"].user)}


_ACTIONS = {
    "filed": gettext_lazy("事案の登録"),
    "updated": gettext_lazy("記録の更新"),
    "assessed": gettext_lazy("報告対象の判定"),
    "linked": gettext_lazy("本人の登録"),
    "unlinked": gettext_lazy("本人の登録の取消し"),
    "alternative": gettext_lazy("代替措置の記録"),
    "report_submitted": gettext_lazy("承認の依頼"),
    "report_returned": gettext_lazy("差戻し"),
    "report_approved": gettext_lazy("承認"),
    "review": gettext_lazy("委員会の審議"),
}


@register.filter
def incident_event(event: IncidentEvent) -> str:
    if event.to_status:
        return _("状態を「%(status)s」に変更") % {"status": IncidentStatus(event.to_status).label}
    action, _sep, detail = event.action.partition(":")
    label = _ACTIONS.get(action, action)
    if detail in ReportStage.values:
        return f"{label}（{ReportStage(detail).label}）"
    return str(label)
