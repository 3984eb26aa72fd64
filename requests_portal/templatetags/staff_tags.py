"""Template helpers of the staff workspace: query-string links, and readable text for a case's
decision and its timeline (its filed details are case_details.detail_rows')."""

from collections.abc import Iterable

from django_stubs_ext import StrOrPromise

from django import template
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from requests_portal.audit import action_label
from requests_portal.models import (
    CaseLink,
    DataSubjectRequest,
    Decision,
    EventType,
    IdDocumentType,
    IdentityMethod,
    IdentityResult,
    RequestEvent,
    Status,
    StatutoryGround,
    SuspensionGround,
    SuspensionMeasure,
)
from requests_portal.roles import role_display
from requests_portal.templatetags.punctuation import punct

register = template.Library()

_CHOICE_LABELS = {
    **dict(SuspensionMeasure.choices),
    **dict(SuspensionGround.choices),
    **dict(StatutoryGround.choices),
    **dict(IdentityMethod.choices),
    **dict(IdentityResult.choices),
    **dict(IdDocumentType.choices),
    **dict(Decision.choices),
    **dict(Status.choices),
}


def _readable(value: object) -> str:
    if isinstance(value, bool):
        return str(_("はい") if value else _("いいえ"))
    if isinstance(value, str):
        return str(_CHOICE_LABELS.get(value, value))
    if isinstance(value, dict):
        pairs = (f"{k}{punct('：')}{_readable(v)}" for k, v in value.items() if v not in ("", None))
        return punct("、").join(pairs)
    if isinstance(value, Iterable):
        return punct("／").join(_readable(item) for item in value)
    return "" if value is None else str(value)


@register.filter
def choice_label(value: str) -> str:
    return _readable(value)


@register.simple_tag
def query_with(request: HttpRequest, **changes: object) -> str:
    """The current query string with some parameters replaced (None or '' removes them).

    Changing a filter always returns to page 1.
    """
    params = request.GET.copy()
    if "page" not in changes:
        params.pop("page", None)
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = str(value)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


# How the case whose timeline it is stands to the other case of a link.
_LINK_ROLE_TEXT: dict[str, StrOrPromise] = {
    "primary": _("%(reference)s をこの事案の重複として"),
    "duplicate": _("%(reference)s の重複として"),
    "related": _("%(reference)s と関連する事案として"),
}

_EVENT_TEXT: dict[str, StrOrPromise] = {
    EventType.ASSIGNED: _("担当者を変更しました"),
    EventType.FILE_DOWNLOADED: _("ファイルをダウンロードしました"),
}


def _assignment_summary(extra: dict) -> str:
    """Who handed the case to whom; a takeover says so (its reason is the event's note)."""
    if "to_name" not in extra:  # written before the names were kept with the event
        return str(_EVENT_TEXT[EventType.ASSIGNED])
    nobody = _("未割当て")
    names = {"old": extra.get("from_name") or nobody, "new": extra.get("to_name") or nobody}
    if extra.get("takeover"):
        return str(_("担当を引き継ぎ：%(old)s → %(new)s") % names)
    return f"{names['old']} → {names['new']}"


@register.simple_tag
def event_summary(event: RequestEvent) -> str:
    """A short sentence for a timeline entry."""
    if event.event_type == EventType.STATUS_CHANGED and event.to_status:
        before = Status(event.from_status).label if event.from_status else ""
        moved = f"{before} → {Status(event.to_status).label}" if before else str(Status(event.to_status).label)
        if primary := (event.extra or {}).get("duplicate_of"):
            duplicate_of = _("%(reference)s の重複") % {"reference": primary}
            return f"{moved}{punct('（')}{duplicate_of}{punct('）')}"
        return moved
    if event.event_type == EventType.ASSIGNED:
        return _assignment_summary(event.extra or {})
    if event.event_type in (EventType.LINKED, EventType.UNLINKED):
        extra = event.extra or {}
        role = _LINK_ROLE_TEXT.get(extra.get("role", ""), "")
        return str(role % {"reference": extra.get("other", "")}) if role else ""
    if event.event_type == EventType.EXTENDED:
        extra = event.extra or {}
        return str(_("期限を %(old)s から %(new)s に延長") % {"old": extra.get("from", ""), "new": extra.get("to", "")})
    if event.event_type == EventType.IDENTITY_RECORDED:
        extra = event.extra or {}
        parts = [_readable(extra.get("method", "")), _readable(extra.get("result", ""))]
        if extra.get("id_doc_type"):
            parts.append(_readable(extra["id_doc_type"]))
        return punct("／").join(p for p in parts if p)
    if event.event_type in (EventType.DECISION_DRAFTED, EventType.DECISION_APPROVED):
        return _readable((event.extra or {}).get("decision", ""))
    if event.event_type == EventType.METHOD_AGREED:
        return _agreement_summary(event.extra or {})
    if event.event_type == EventType.INTERNAL_NOTE and "letters_to_member" in (event.extra or {}):
        if event.extra["letters_to_member"]:
            return str(_("通知の送付先を本人に変更（本人の希望）"))
        return str(_("通知の送付先を代理人に変更"))
    if event.event_type == EventType.SUBMITTED:
        channel = (event.extra or {}).get("channel", "")
        from requests_portal.models import Channel

        return str(Channel(channel).label) if channel in Channel.values else ""
    return str(_EVENT_TEXT.get(event.event_type, ""))


def _agreement_summary(extra: dict) -> str:
    """「令和8年11月20日、電話で同意」: when and how the member agreed to paper (第33条第2項)."""
    from datetime import date

    from requests_portal.models import AgreementChannel
    from requests_portal.wareki import date_for_reader

    how = AgreementChannel(extra["how"]).label if extra.get("how") in AgreementChannel.values else ""
    try:
        on = date_for_reader(date.fromisoformat(str(extra.get("on", ""))))
    except ValueError:
        on = ""
    return str(_("%(on)s、%(how)sで書面による開示に同意") % {"on": on, "how": how})


@register.simple_tag
def widget(field: object, **attrs: object) -> str:
    """Render a bound field's widget linked to its help text and errors (WCAG 3.3.1, 1.3.1)."""
    described = []
    if field.help_text:  # type: ignore[attr-defined]
        described.append(f"{field.auto_id}_helptext")  # type: ignore[attr-defined]
    if field.errors:  # type: ignore[attr-defined]
        described.append(f"{field.auto_id}_errors")  # type: ignore[attr-defined]
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs)  # type: ignore[attr-defined]


@register.filter
def is_choice_group(field: object) -> bool:
    """Radio buttons and checkbox lists are grouped in a fieldset with a legend."""
    return getattr(field, "widget_type", "") in ("radioselect", "checkboxselectmultiple")


@register.filter
def is_checkbox(field: object) -> bool:
    return getattr(field, "widget_type", "") == "checkbox"


@register.filter(name="abs")
def absolute(value: int) -> int:
    return abs(value)


@register.filter
def audit_action(code: str) -> str:
    """A readable name for an audit action code (the code itself stays visible next to it)."""
    return action_label(code)


_AUDIT_OUTCOMES = {
    "ok": _("成功"),
    "denied": _("拒否"),
    "rejected": _("受付不可"),
    "error": _("エラー"),
    "dry_run": _("試行（変更なし）"),
}


@register.filter
def audit_outcome(code: str) -> str:
    """The outcome of an audit entry in words; an unknown code is shown as stored."""
    return str(_AUDIT_OUTCOMES.get(code, code))


@register.filter
def audit_role(value: str) -> str:
    """The readable role names of an audit entry (the codes are what the trail stores)."""
    return role_display(value or "")


@register.filter
def link_other(link: CaseLink, dsr: DataSubjectRequest) -> DataSubjectRequest:
    """The case at the other end of `link`, seen from `dsr`."""
    return link.other(dsr)
