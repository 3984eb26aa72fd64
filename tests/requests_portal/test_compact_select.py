"""forms.common.CompactSelect draws the same <select> as Django's Select, only faster: the
same options, labels, selection and attributes, escaped the same way."""

from html.parser import HTMLParser

from django import forms

from requests_portal.forms.common import CompactSelect


class _Elements(HTMLParser):
    """The start tags (with their attributes) and the text of a fragment, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[tuple] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.items.append((tag, sorted(attrs)))

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.items.append(("text", data.strip()))


def _parsed(html: str) -> list[tuple]:
    parser = _Elements()
    parser.feed(html)
    return parser.items


CHOICES = [
    ("", "すべて"),
    ("a", "開示"),
    ("b&c", "<script>alert(1)</script>"),
    ("d", "“訂正”等"),
]


def test_it_draws_what_djangos_select_draws():
    for value in ("", "a", "b&c", None, "missing"):
        attrs = {"id": "id_kind", "aria-describedby": "help", "required": True, "disabled": False}
        ours = CompactSelect(choices=CHOICES).render("kind", value, attrs)
        djangos = forms.Select(choices=CHOICES).render("kind", value, attrs)
        assert _parsed(ours) == _parsed(djangos), value


def test_labels_and_values_are_escaped():
    html = CompactSelect(choices=CHOICES).render("kind", "b&c", {"id": "id_kind"})
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert '<option value="b&amp;c" selected>' in html


def test_groups_are_drawn_as_optgroups():
    grouped = [("組合員", [("m1", "本人"), ("m2", "代理人")]), ("x", "その他")]
    ours = CompactSelect(choices=grouped).render("who", "m2", {})
    assert _parsed(ours) == _parsed(forms.Select(choices=grouped).render("who", "m2", {}))
    assert '<optgroup label="組合員">' in ours


def test_every_select_of_the_queue_filters_is_drawn_by_it(ga_staff):
    from django.http import QueryDict

    from requests_portal import workspace

    form = workspace.queue_filterset(ga_staff, QueryDict("status=all")).form
    selects = {name: field.widget for name, field in form.fields.items() if name != "q"}
    assert {"status", "kind", "assignee", "due", "requester", "channel", "sort"} <= set(selects)
    assert all(isinstance(widget, CompactSelect) for widget in selects.values()), selects
    assert '<option value="all" selected>' in str(form["status"])
