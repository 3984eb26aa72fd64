"""Posting the request wizard from tests: a valid answer set per kind, and the confirm → submit walk."""

from html.parser import HTMLParser

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from requests_portal.models import DataCategory, DisclosureMethod, RequestKind, SuspensionGround, SuspensionMeasure
from tests.factories import PASSWORD
from tests.requests_portal.member import files


def valid_answers(kind: str) -> dict:
    """A complete, valid SELF request of `kind`, identity by re-authentication."""
    data = {"requester_type": "self", "identity_method": "reauth", "summary": "", "description": ""}
    category = DataCategory.objects.filter(is_active=True).order_by("sort_order").first()
    if kind == RequestKind.PURPOSE_NOTICE:
        data.update(description="給与控除の情報の利用目的を教えてください。")
    elif kind == RequestKind.DISCLOSURE:
        data.update(
            data_categories=[str(category.pk)] if category else [],
            disclosure_method=DisclosureMethod.ELECTRONIC,
            disclosure_format="PDF",
            period="2020年4月から現在まで",
            description="共済契約の記録",
        )
    elif kind == RequestKind.PROVISION_RECORDS:
        data.update(disclosure_method=DisclosureMethod.PAPER, third_party="勤務先の厚生課", period="過去3年")
    elif kind == RequestKind.CORRECTION:
        data.update(
            {
                "rows-TOTAL_FORMS": "1",
                "rows-INITIAL_FORMS": "0",
                "rows-MIN_NUM_FORMS": "1",
                "rows-MAX_NUM_FORMS": "20",
                "rows-0-action": "correct",
                "rows-0-item": "住所",
                "rows-0-current": "東京都千代田区霞が関一丁目",
                "rows-0-correct": "東京都千代田区霞が関二丁目1番1号",
                "description": "転居の届出が反映されていません。",
            }
        )
    elif kind == RequestKind.SUSPENSION:
        data.update(
            measure=SuspensionMeasure.SUSPEND_USE,
            ground=SuspensionGround.ART35_5_C,
            description="退職後もダイレクトメールが届くため、利用の停止を求めます。",
        )
    elif kind == RequestKind.COMPLAINT:
        data.update(inquiry_type="complaint", summary="窓口の対応について", description="説明が不十分でした。")
    elif kind == RequestKind.MY_NUMBER_INQUIRY:
        data.update(summary="マイナンバーの提出方法", description="支払調書のための提出方法を教えてください。")
    return data


def agent_answers(kind: str, principal, **overrides) -> dict:
    data = valid_answers(kind)
    data.update(
        requester_type="appointed_agent",
        identity_method="",
        principal_member_number=principal.member_number,
        principal_name=principal.full_name,
        principal_birth_date=f"{principal.birth_date:%Y-%m-%d}",
        agent_name="代理 花子",
        agent_name_kana="ダイリ ハナコ",
        agent_relationship="姉",
        agent_postal_code="100-0013",
        agent_address="東京都千代田区霞が関1-1-1",
        agent_phone="03-1234-5678",
        agent_email="agent@example.jp",
        authority_document_type="power_of_attorney",
        id_document_type="driving_licence",
        not_card_back="on",
    )
    data.update(overrides)
    return data


def agent_files() -> dict:
    return {
        "identity_files": [SimpleUploadedFile("免許証.jpg", files.jpeg(gps=True), content_type="image/jpeg")],
        "authority_files": [SimpleUploadedFile("委任状.pdf", files.pdf(), content_type="application/pdf")],
    }


def wizard_url(kind: str) -> str:
    return reverse("requests_portal:member_dsr_create", args=[kind])


def confirm(client, kind: str, data: dict, **post_files):
    return client.post(wizard_url(kind), {**data, **post_files, "action": "confirm"})


class _HiddenInputs(HTMLParser):
    """The hidden inputs inside <main> (the 確認 page's form), as the browser would post them."""

    def __init__(self) -> None:
        super().__init__()
        self.in_main = False
        self.values: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if tag == "main":
            self.in_main = True
        elif tag == "input" and self.in_main and attributes.get("type") == "hidden" and attributes.get("name"):
            self.values.setdefault(attributes["name"], []).append(attributes.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self.in_main = False


def hidden_inputs(html: str) -> dict[str, list[str]]:
    parser = _HiddenInputs()
    parser.feed(html)
    return parser.values


def submit_from_confirm(client, kind: str, confirm_response, *, password: str | None = PASSWORD):
    """Post the 確認 page back as the browser would (its hidden fields), with the password."""
    data = hidden_inputs(confirm_response.content.decode())
    data.pop("csrfmiddlewaretoken", None)
    data["action"] = "submit"
    if password is not None:
        data["password"] = password
    return client.post(wizard_url(kind), data)


def file_request(client, kind: str, data: dict, **post_files):
    """Confirm then submit; returns the final response (a redirect to the receipt when all is well)."""
    response = confirm(client, kind, data, **post_files)
    assert response.status_code == 200
    assert "token" in response.context, response.context["form"].errors
    return submit_from_confirm(client, kind, response)
