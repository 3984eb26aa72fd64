"""The API's endpoints (thin: the guard has checked the caller; services write, selectors read)
and the NinjaAPI that serves them with their OpenAPI schema and Swagger page."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI, Query
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.docs import Swagger
from ninja.openapi.schema import OpenAPISchema

from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from requests_portal import audit
from requests_portal.api import selectors, services
from requests_portal.api.guard import ApiClientGuard, calling_client
from requests_portal.api.problems import ApiProblem, problem_response, unauthorized
from requests_portal.api.problems import invalid_request as invalid_request_problem
from requests_portal.api.schemas import (
    CaseEventsOut,
    CaseStatusOut,
    Problem,
    ProvisionRecordsUpsertIn,
    ProvisionRecordsUpsertOut,
    RosterDeactivateIn,
    RosterDeactivateOut,
    RosterUpsertIn,
    RosterUpsertOut,
)
from requests_portal.models import ApiScope
from requests_portal.roles import Role, has_role


class AdminOnlySwagger(Swagger):
    """The browsable docs: for signed-in staff with the admin role; everyone else gets a 404."""

    def render_page(self, request: HttpRequest, api: Any, **kwargs: Any) -> HttpResponse:
        if not has_role(request.user, Role.ADMIN):
            raise Http404
        return super().render_page(request, api, **kwargs)


class PortalApi(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> OpenAPISchema:
        """Errors are documented with their real media type, application/problem+json."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        response["content"] = {"application/problem+json": content["application/json"]}
        return schema


api = PortalApi(
    title="Keiseikyo request portal — core-system API",
    version="1",
    description="基幹システムとの連携API（組合員名簿、第三者提供記録、事案の状況と経過）。docs/api.md を参照。",
    urls_namespace="api",
    openapi_url="/schema/",
    docs_url="/docs/",
    docs=AdminOnlySwagger(),
    # The schema and the docs are read-only pages: any other method is 405.
    docs_decorator=require_safe,
)


@api.exception_handler(ApiProblem)
def _problem(request: HttpRequest, exc: ApiProblem) -> HttpResponse:
    return problem_response(request, exc)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem_response(request, unauthorized())


@api.exception_handler(HttpError)
def _unreadable(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # ninja's own refusal, e.g. a body that is not JSON ("Cannot parse request body").
    detail = _("リクエストの本文をJSONとして読み取れません。")
    return problem_response(request, ApiProblem(exc.status_code, "invalid-request", detail))


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    detail = _("リクエストの本文が大きすぎます。行を分けて送ってください。")
    return problem_response(request, ApiProblem(413, "too-many-rows", detail))


@api.exception_handler(IntegrityError)
def _conflict(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
    # Two calls created the same member or record at once; the loser's transaction was rolled
    # back whole, and sending it again is safe (the calls are idempotent).
    detail = _("同じ組合員又は記録が同時に登録されたため、何も登録していません。もう一度送ってください。")
    return problem_response(request, ApiProblem(409, "conflict", detail))


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return problem_response(request, invalid_request_problem(list(exc.errors)))


REFUSALS: dict[int | str, Any] = {401: Problem, 403: Problem, 422: Problem, 429: Problem}
WRITE_REFUSALS: dict[int | str, Any] = {**REFUSALS, 409: Problem, 413: Problem}

ROSTER = ApiClientGuard(ApiScope.ROSTER_WRITE)
PROVISION_RECORDS = ApiClientGuard(ApiScope.PROVISION_RECORDS_WRITE)
CASES = ApiClientGuard(ApiScope.CASES_READ)


@api.post(
    "/v1/roster/members",
    auth=ROSTER,
    response={200: RosterUpsertOut, **WRITE_REFUSALS},
    url_name="roster_upsert",
    summary="組合員名簿の登録・更新（一括、全件か無か、冪等）",
)
def roster_upsert(request: HttpRequest, payload: RosterUpsertIn) -> dict[str, int]:
    result = services.roster_upsert(actor=calling_client(request), members=payload.members)
    return {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}


@api.post(
    "/v1/roster/deactivations",
    auth=ROSTER,
    response={200: RosterDeactivateOut, **WRITE_REFUSALS},
    url_name="roster_deactivate",
    summary="組合員の在籍終了（一括、全件か無か、冪等）",
)
def roster_deactivate(request: HttpRequest, payload: RosterDeactivateIn) -> dict[str, int]:
    client = calling_client(request)
    deactivated, unchanged = services.roster_deactivate(actor=client, member_numbers=payload.member_numbers)
    return {"deactivated": deactivated, "unchanged": unchanged}


@api.post(
    "/v1/provision-records",
    auth=PROVISION_RECORDS,
    response={200: ProvisionRecordsUpsertOut, **WRITE_REFUSALS},
    url_name="provision_records_upsert",
    summary="第三者提供記録の登録・更新（一括、全件か無か、記録番号で冪等）",
)
def provision_records_upsert(request: HttpRequest, payload: ProvisionRecordsUpsertIn) -> dict[str, Any]:
    return services.provision_records_upsert(actor=calling_client(request), records=payload.records)


@api.get(
    "/v1/cases/{reference}",
    auth=CASES,
    response={200: CaseStatusOut, 404: Problem, **REFUSALS},
    url_name="case_status",
    summary="受付番号による事案の状況（マイナンバー関係の事案は存在しない番号と同じ応答）",
)
def case_status(request: HttpRequest, reference: str) -> dict[str, Any]:
    dsr = selectors.case_by_reference(reference)
    if dsr is None:
        raise ApiProblem(404, "not-found", _("この受付番号の事案はありません。"))
    audit.record(action="api.case.status", actor=calling_client(request), obj=dsr)
    return selectors.case_status(dsr)


@api.get(
    "/v1/events",
    auth=CASES,
    response={200: CaseEventsOut, **REFUSALS},
    url_name="case_events",
    summary="カーソル以降の事案の経過（受付・決定・終了）",
)
def case_events(
    request: HttpRequest,
    after: int = Query(0, ge=0, description="前回の next_cursor（初回は 0）"),
    limit: int = Query(100, ge=1, le=selectors.MAX_EVENTS, description="最大件数"),
) -> dict[str, Any]:
    events, next_cursor = selectors.case_events(after=after, limit=limit)
    audit.record(action="api.events", actor=calling_client(request), data={"after": after, "events": len(events)})
    return {"events": events, "next_cursor": str(next_cursor)}
