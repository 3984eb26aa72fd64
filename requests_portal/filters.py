"""The filtersets: the staff queue's filters, search and sort (the one definition of "the queue
with these filters", shared by the queue page and its CSV exports through
workspace.queue_filterset) and the audit trail's filters. Both narrow a queryset the selectors
already limited to what the user may see; neither widens it.
"""

import re
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from typing import Any

import django_filters

from django import forms
from django.db.models import Q, QuerySet
from django.db.models.functions import Reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from requests_portal import audit, deadlines, roles
from requests_portal.forms.common import CompactSelect
from requests_portal.forms.staff import DateInput
from requests_portal.lookups import InIdArray
from requests_portal.models import (
    AGENT_REQUESTER_TYPES,
    ART39_KINDS,
    AuditEntry,
    Channel,
    DataSubjectRequest,
    DsrQuerySet,
    Member,
    Queue,
    RequesterType,
    RequestKind,
    Status,
    User,
)
from requests_portal.mynumber import contains_my_number
from requests_portal.roles import Role
from requests_portal.stored_text import stored_label
from requests_portal.text import kana_search_key, name_search_key, normalize_line

# --- the queue --------------------------------------------------------------------------------

OPEN_FILTER = ""
ALL_FILTER = "all"
STATUS_FILTER_CHOICES = [(ALL_FILTER, _("すべて")), *Status.choices]
DUE_CHOICES = [
    ("overdue", _("期限超過")),
    ("soon", _("3営業日以内に期限")),
    ("art39", _("第39条の2週間を経過")),
]
REQUESTER_CHOICES = [*RequesterType.choices, ("agent", _("代理人による請求（すべて）"))]
SORT_FIELDS = (("due_date", "due"), ("received_at", "received"), ("reference", "reference"))
SORT_LABELS = {
    "due": _("期限が近い順"),
    "-due": _("期限が遠い順"),
    "received": _("受付の古い順"),
    "-received": _("受付の新しい順"),
    "reference": _("受付番号順"),
    "-reference": _("受付番号の逆順"),
}
MINE, UNASSIGNED = "mine", "unassigned"
# A search's members go into the case statements as one array up to this many (a common surname
# or given name); beyond it (a single character such as 子) as a subquery, so that reading the
# members does not cost more than the search saves.
_INLINE_MEMBER_IDS = 10_000
# A trigram index finds a substring of three characters or more; the 受付番号's serial has five digits.
_TRIGRAM = 3
_REFERENCE_DIGITS = 5
_KATAKANA = re.compile(r"[\u30a1-\u30fa\u30fc]+")


def start_of_day(day: object) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))  # type: ignore[arg-type]


class QueueChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return stored_label(obj.name)  # the installed queues' names in the reader's language


class QueueChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = QueueChoiceField


class QueueFilter(django_filters.FilterSet):
    """Filters, search and sort of the queue page. Applied to an already-visible queryset."""

    q = django_filters.CharFilter(method="filter_search", label=_("検索"))
    status = django_filters.ChoiceFilter(
        choices=STATUS_FILTER_CHOICES, method="filter_status", label=_("状態"), empty_label=_("未回答のすべて")
    )
    kind = django_filters.ChoiceFilter(choices=RequestKind.choices, label=_("請求の種類"), empty_label=_("すべて"))
    assignee = django_filters.ChoiceFilter(method="filter_assignee", label=_("担当者"), empty_label=_("すべて"))
    due = django_filters.ChoiceFilter(
        choices=DUE_CHOICES, method="filter_due", label=_("期限"), empty_label=_("指定しない")
    )
    requester = django_filters.ChoiceFilter(
        choices=REQUESTER_CHOICES, method="filter_requester", label=_("請求者の区分"), empty_label=_("すべて")
    )
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label=_("受付経路"), empty_label=_("すべて"))
    queue = QueueChoiceFilter(queryset=Queue.objects.none(), label=_("キュー"), empty_label=_("すべて"))
    sort = django_filters.OrderingFilter(fields=SORT_FIELDS, field_labels={}, label=_("並び順"), empty_label=None)

    class Meta:
        model = DataSubjectRequest
        fields: list[str] = []

    def __init__(self, *args: Any, user: User, queues: Sequence[Queue], handlers: list[User], **kwargs: Any):
        data = args[0] if args else kwargs.get("data")
        # A My Number typed into the search is neither searched for nor shown again on the page.
        self.search_refused = bool(data is not None and contains_my_number(data.get("q", "") or ""))
        if self.search_refused:
            data = data.copy()  # type: ignore[union-attr]
            data["q"] = ""
            args = (data, *args[1:]) if args else args
            if not args:
                kwargs["data"] = data
        super().__init__(*args, **kwargs)
        self.user = user
        for choice in self.filters.values():
            # The choice filters (the sort too) are <select>s: drawn in one pass.
            if isinstance(choice, django_filters.ChoiceFilter | django_filters.ModelChoiceFilter):
                choice.extra["widget"] = CompactSelect
        if len(queues) > 1:
            self.filters["queue"].queryset = Queue.objects.filter(pk__in=[queue.pk for queue in queues]).order_by(
                "is_restricted", "id"
            )
        else:
            del self.filters["queue"]  # nothing to choose between
        self.filters["assignee"].extra["choices"] = [
            (MINE, _("自分")),
            (UNASSIGNED, _("未割当て")),
            *[(str(person.pk), str(person)) for person in handlers],
        ]
        self.filters["sort"].extra["choices"] = list(SORT_LABELS.items())
        # Only the kinds the user's queues can hold (the My Number queue holds one kind).
        restricted, general = any(q.is_restricted for q in queues), any(not q.is_restricted for q in queues)
        self.filters["kind"].extra["choices"] = [
            (value, label)
            for value, label in RequestKind.choices
            if (restricted if value == RequestKind.MY_NUMBER_INQUIRY else general)
        ]

    def filter_queryset(self, queryset: DsrQuerySet) -> DsrQuerySet:
        status = self.form.cleaned_data.get("status")
        for name, value in self.form.cleaned_data.items():
            if name != "status":
                queryset = self.filters[name].filter(queryset, value)
        # The same cases in every status: the page's per-status counts are taken from this.
        self.any_status_qs = queryset
        # django-filter skips a filter whose value is empty; "no status" means the unanswered ones.
        if not status:
            return queryset.unanswered()
        return self.filters["status"].filter(queryset, status)

    @property
    def qs(self) -> QuerySet[DataSubjectRequest]:
        cases = super().qs
        if not self.form.cleaned_data.get("sort"):
            cases = cases.order_by("due_date", "id")
        else:
            cases = cases.order_by(*cases.query.order_by, "id")
        return cases

    def counts_need_cases(self) -> bool:
        """Whether the per-status counts must be counted from the cases: a search or a filter
        that the maintained counters (queue, kind, status) do not hold."""
        data = self.form.cleaned_data
        return any(data.get(name) for name in ("q", "assignee", "due", "requester", "channel"))

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        text = normalize_line(value or "")
        if not text:
            return queryset
        compact = text.replace(" ", "")
        # The members first (one index lookup, not a scan of the roster or the cases), then the
        # cases by member id or by their 受付番号. A name or フリガナ of three characters or more is
        # found anywhere in the key (PostgreSQL: the trigram indexes of migration 0015); a shorter
        # one, typically a surname such as 山田, from the start of the key (the B-tree index).
        people = Q(member_number=compact) if compact.isascii() else Q()
        kana_key = kana_search_key(text)
        # Katakana (or hiragana) is looked up in the フリガナ alone, anything else in the name: one
        # trigram index per search, which the planner uses instead of scanning the roster.
        field, key = (
            ("kana_search", kana_key) if _KATAKANA.fullmatch(kana_key) else ("name_search", name_search_key(text))
        )
        if compact.isdigit():
            # Digits are a member number or the end of a 受付番号, never a name: 「18」 must not
            # find every member whose name key happens to end in 18.
            key = ""
        members = Member.objects.all()
        if len(key) >= _TRIGRAM:
            people |= Q(**{f"{field}__contains": key})
        elif key:
            # Too short for a trigram: the start of the key (a surname such as 林 or 山田) or its
            # end (a given name such as 花子), through the B-tree index and the reversed-key
            # index of migration 0021.
            members = members.alias(reversed_key=Reverse(field))
            people |= Q(**{f"{field}__startswith": key}) | Q(reversed_key__startswith=key[::-1])
        member_ids = members.filter(people).order_by().values_list("pk", flat=True)
        # Up to _INLINE_MEMBER_IDS members (a member number, a name, even a common surname or
        # given name) go in as one array of ids, which the planner serves from the member indexes;
        # more than that stay a subquery. Read once: the counts and the page reuse the array.
        few = list(member_ids[: _INLINE_MEMBER_IDS + 1])
        found = Q(InIdArray("member_id", few)) if len(few) <= _INLINE_MEMBER_IDS else Q(member_id__in=member_ids)
        if compact.isascii():
            # A 受付番号 is ASCII: a name in kana or kanji is searched among the members alone,
            # which PostgreSQL joins through the member index instead of filtering every case.
            found |= Q(reference__startswith=compact.upper())
            if compact.isdigit():
                # The end of a 受付番号: 「00018」 or 「18」 finds GA-2026-00018.
                found |= Q(reference__endswith=compact.zfill(_REFERENCE_DIGITS))
        return queryset.filter(found)

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == ALL_FILTER:
            return queryset
        return queryset.filter(status=value)

    def filter_assignee(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == MINE:
            return queryset.filter(assignee=self.user)
        if value == UNASSIGNED:
            return queryset.filter(assignee__isnull=True)
        return queryset.filter(assignee_id=int(value)) if value.isdigit() else queryset

    def filter_due(self, queryset: DsrQuerySet, name: str, value: str) -> DsrQuerySet:
        today = timezone.localdate()
        unanswered = queryset.unanswered()
        if value == "overdue":
            return unanswered.filter(paused_at__isnull=True, due_date__lt=today)
        if value == "soon":
            horizon = deadlines.current_calendar().add_business_days(today, 3)
            return unanswered.filter(due_date__gte=today, due_date__lte=horizon)
        if value == "art39":
            # Art. 39: the member may sue from the day after arrival + 14 days.
            return unanswered.filter(kind__in=ART39_KINDS, received_at__lt=start_of_day(today - timedelta(days=14)))
        return queryset

    def filter_requester(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "agent":
            return queryset.filter(requester_type__in=AGENT_REQUESTER_TYPES)
        return queryset.filter(requester_type=value) if value else queryset


# --- the audit trail ------------------------------------------------------------------------


def audit_action_choices() -> list:
    """Each group (all its actions), then its single actions, as <optgroup>s."""
    return [
        (
            group,
            [(key, _("%(group)s（すべて）") % {"group": group}), *((code, label) for code, label in actions.items())],
        )
        for key, group, actions in audit.AUDIT_ACTION_GROUPS
    ]


def audit_role_choices() -> list:
    return [*Role.choices, *roles.OTHER_ROLE_LABELS.items()]


class AuditLogFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(method="filter_actor", label=_("操作した人（メールアドレス）"))
    case = django_filters.CharFilter(method="filter_case", label=_("受付番号"))
    action = django_filters.ChoiceFilter(
        choices=audit_action_choices, method="filter_action", label=_("操作の種類"), empty_label=_("すべて")
    )
    role = django_filters.ChoiceFilter(
        choices=audit_role_choices, method="filter_role", label=_("操作した人の役割"), empty_label=_("すべて")
    )
    date_from = django_filters.DateFilter(method="filter_from", label=_("期間（から）"), widget=DateInput())
    date_to = django_filters.DateFilter(method="filter_to", label=_("期間（まで）"), widget=DateInput())

    class Meta:
        model = AuditEntry
        fields: list[str] = []

    @property
    def qs(self) -> QuerySet[AuditEntry]:
        return super().qs.order_by("-id")

    def filter_action(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value in audit.AUDIT_ACTIONS_BY_GROUP:
            return queryset.filter(action__in=audit.AUDIT_ACTIONS_BY_GROUP[value])
        return queryset.filter(action=value)

    def filter_role(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # `actor_role` holds the sorted role codes joined by commas (roles.role_label).
        return queryset.filter(
            Q(actor_role=value)
            | Q(actor_role__startswith=f"{value},")
            | Q(actor_role__endswith=f",{value}")
            | Q(actor_role__contains=f",{value},")
        )

    def filter_actor(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = normalize_line(value).lower()
        if not value:
            return queryset
        # Through the user ids, so the (actor_id, at) index serves a trail of millions of rows.
        return queryset.filter(actor_id__in=User.objects.filter(email__istartswith=value).values("pk"))

    def filter_case(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = normalize_line(value).replace(" ", "").upper()
        return queryset.filter(object_ref=value) if value else queryset

    def filter_from(self, queryset: QuerySet, name: str, value: object) -> QuerySet:
        return queryset.filter(at__gte=start_of_day(value))

    def filter_to(self, queryset: QuerySet, name: str, value: object) -> QuerySet:
        return queryset.filter(at__lt=start_of_day(value + timedelta(days=1)))  # type: ignore[operator]
