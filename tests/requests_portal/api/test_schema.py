"""The OpenAPI schema: served at /api/schema/, well formed, and true. Every documented operation
is called (without a token, with a token lacking its scope, with a bad body and with a good one)
and each answer must be one the schema documents, its body matching the documented shape.
The browsable docs are for the admin role only, with Swagger served from our static files."""

import re
from typing import Any

import pytest

from django.test import Client

from requests_portal.models import Status
from tests.factories import MemberFactory, advance, submit
from tests.requests_portal.api.conftest import ALL_SCOPES, Api, roster_row

pytestmark = pytest.mark.django_db

ROSTER = {"members": [roster_row("300001")]}
GOOD_BODIES: dict[str, Any] = {
    "/api/v1/roster/members": ROSTER,
    "/api/v1/roster/deactivations": {"member_numbers": ["300001"]},
    "/api/v1/provision-records": {
        "records": [
            {
                "record_number": "PR-S-1",
                "direction": "provided",
                "occurred_on": "2026-10-01",
                "member_number": "300001",
                "third_party_name": "株式会社共済サービス",
                "data_items": "氏名",
                "basis": "consent",
            }
        ]
    },
}


@pytest.fixture
def schema(db) -> dict[str, Any]:
    response = Client().get("/api/schema/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[1]
        node = schema["components"]["schemas"][name]
    return node


def conforms(schema: dict[str, Any], node: dict[str, Any], value: Any, where: str = "$") -> list[str]:
    """A small JSON Schema check (the subset the API's schema uses): type, required, properties,
    items, enum, anyOf, additionalProperties."""
    node = _resolve(schema, node)
    if "anyOf" in node:
        if any(not conforms(schema, option, value, where) for option in node["anyOf"]):
            return []
        return [f"{where}: {value!r} matches no alternative"]
    if "enum" in node and value not in node["enum"]:
        return [f"{where}: {value!r} not in {node['enum']}"]
    kind = node.get("type")
    checks = {
        "object": dict,
        "array": list,
        "string": str,
        "integer": int,
        "boolean": bool,
        "null": type(None),
        "number": (int, float),
    }
    if (kind and not isinstance(value, checks[kind])) or (kind == "integer" and isinstance(value, bool)):
        return [f"{where}: {value!r} is not {kind}"]
    problems = []
    if kind == "object":
        for name in node.get("required", []):
            if name not in value:
                problems.append(f"{where}: {name} missing")
        for name, inner in value.items():
            if name in node.get("properties", {}):
                problems += conforms(schema, node["properties"][name], inner, f"{where}.{name}")
            elif isinstance(node.get("additionalProperties"), dict):
                problems += conforms(schema, node["additionalProperties"], inner, f"{where}.{name}")
            elif "properties" in node:
                problems.append(f"{where}: undocumented {name}")
    if kind == "array":
        for index, inner in enumerate(value):
            problems += conforms(schema, node.get("items", {}), inner, f"{where}[{index}]")
    if kind == "string" and node.get("format") == "date" and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        problems.append(f"{where}: {value!r} is not a date")
    return problems


def test_the_schema_is_openapi_3_and_every_reference_resolves(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"]
    text = str(schema)
    for name in set(re.findall(r"#/components/schemas/(\w+)", text)):
        assert name in schema["components"]["schemas"], name
    assert set(schema["paths"]) == {
        "/api/v1/roster/members",
        "/api/v1/roster/deactivations",
        "/api/v1/provision-records",
        "/api/v1/cases/{reference}",
        "/api/v1/events",
    }
    for operations in schema["paths"].values():
        for operation in operations.values():
            assert operation["security"], "every operation needs a token"
            for status, response in operation["responses"].items():
                media = "application/problem+json" if int(status) >= 400 else "application/json"
                assert set(response["content"]) == {media}
    # No endpoint takes or returns anything called a My Number.
    assert not re.search(r"my_?number|個人番号|マイナンバー", str(schema["components"]).lower())


def _call(api: Api, method: str, path: str, body: Any, token: str | None = ""):
    return api.post(path, body, token=token) if method == "post" else api.get(path, token=token)


def test_every_operation_answers_as_documented(schema, make_token, member, ga_staff, supervisor, settings):
    settings.DSR_API_EVENTS_SETTLE_SECONDS = 0
    MemberFactory(member_number="300001")
    case = advance(submit(member), Status.DECIDED, handler=ga_staff, approver=supervisor)
    api = Api(make_token(scopes=ALL_SCOPES))
    # A token holding every scope but the operation's own.
    without = {"post": make_token(scopes=["cases:read"]), "get": make_token(scopes=["roster:write"])}
    tried = 0
    for template, operations in schema["paths"].items():
        path = template.replace("{reference}", case.reference)
        for method, operation in operations.items():
            documented = operation["responses"]
            good = GOOD_BODIES.get(template)
            attempts = [
                ("no token", None, good, 401),
                ("no scope", without[method], good, 403),
                ("good", "", good, 200),
            ]
            if method == "post":
                attempts.append(("bad body", "", {"unexpected": 1}, 422))
            for label, token, body, wanted in attempts:
                response = _call(api, method, path, body, token)
                tried += 1
                assert response.status_code == wanted, (template, label, response.content)
                assert str(response.status_code) in documented, (template, label)
                media = next(iter(documented[str(response.status_code)]["content"]))
                assert response["Content-Type"].split(";")[0] == media, (template, label)
                documented_schema = documented[str(response.status_code)]["content"][media]["schema"]
                problems = conforms(schema, documented_schema, response.json())
                assert not problems, (template, label, problems)
    assert tried == 18


def test_the_documented_not_found_answer_is_true(schema, token):
    documented = schema["paths"]["/api/v1/cases/{reference}"]["get"]["responses"]
    response = Api(token).get("/api/v1/cases/GA-2099-99999")
    assert response.status_code == 404
    assert "404" in documented
    assert not conforms(schema, documented["404"]["content"]["application/problem+json"]["schema"], response.json())


def test_the_docs_are_for_the_admin_role_only(admin_user, ga_staff, auditor, member):
    assert Client().get("/api/docs/").status_code == 404
    for person in (ga_staff, auditor, member):
        client = Client()
        client.force_login(person)
        assert client.get("/api/docs/").status_code == 404
    admin = Client()
    admin.force_login(admin_user)
    page = admin.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    # Swagger comes from our own static files, never a CDN.
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert "unpkg" not in html.lower()


def test_ninja_serves_the_swagger_assets_locally():
    from django.contrib.staticfiles import finders

    assert finders.find("ninja/swagger-ui-bundle.js")
    assert finders.find("ninja/swagger-ui.css")
