"""The world the authorization matrix is tried in: one person per principal, one case per
object variant, and the helpers that build URLs and classify answers (tests/authz)."""

import copy
import io
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from PIL import Image

from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from requests_portal import exports, jobs, storage
from requests_portal.models import (
    BulkJob,
    DataSubjectRequest,
    Document,
    DocumentCategory,
    LetterStatus,
    RequestKind,
    RoleGrantRequest,
    SavedFilter,
    Status,
    User,
)
from requests_portal.roles import Role, grant_role
from requests_portal.services import grants
from tests.authz.matrix import JOB_OWNER, Obj, Outcome, Row, Variant, Who
from tests.factories import advance, member_user, staff_user, submit
from tests.staff_login import login_without_mfa

LOGIN_PATHS = {"/accounts/login/", "/admin/login/"}
MFA_PATHS = {"/accounts/2fa/totp/activate/", "/accounts/2fa/reauthenticate/"}
MISSING_UUID = uuid.UUID("6f1c5e0e-0000-4000-8000-00000000dead")
MISSING_PK = 987654
# Shaped like a real 受付番号 (same length), so the form answers as for a mistyped one.
MISSING_REFERENCE = "GA-2099-99999"


# --- the URL patterns ---------------------------------------------------------------------------


def url_patterns() -> dict[str, str]:
    """key (namespaced name, or route for an unnamed pattern) -> route, for every pattern."""
    found: dict[str, str] = {}

    def walk(patterns: list, prefix: str, namespace: str | None) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                walk(pattern.url_patterns, route, inner)
            elif isinstance(pattern, URLPattern):
                key = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name or route
                found.setdefault(key, route)

    walk(get_resolver().url_patterns, "", None)
    return found


# --- the world the matrix is tried in -------------------------------------------------------------


@dataclass
class World:
    users: dict[Who, User]
    clients: dict[Who, Client]
    cases: dict[Variant, DataSubjectRequest]
    letters: dict[Variant, uuid.UUID]
    documents: dict[Variant, uuid.UUID]
    filters: dict[Variant, int]
    jobs: dict[Variant, uuid.UUID]
    revoked_export: uuid.UUID  # the revoked officer's export of the My Number queue
    references: dict[Variant, str]
    quarantined: dict[Variant, uuid.UUID]  # an identity document awaiting masking, per case
    role_grants: dict[Variant, int]  # the role-grant requests of matrix.ROLE_GRANT_REQUESTS


def _rendered_letter(dsr: DataSubjectRequest) -> uuid.UUID:
    letter = dsr.letters.order_by("id").first()
    letter.storage_name = storage.save(b"%PDF-1.7 matrix")
    letter.status = LetterStatus.RENDERED
    letter.by_post = True  # waiting to be posted: "mark posted" has something to do
    letter.rendered_at = timezone.now()
    letter.save()
    return letter.public_id


def _document(dsr: DataSubjectRequest, owner: User) -> uuid.UUID:
    content = b"\x89PNG matrix"
    return Document.objects.create(
        dsr=dsr,
        owner=owner,
        category=DocumentCategory.IDENTITY,
        original_name="本人確認書類.png",
        content_type="image/png",
        size_bytes=len(content),
        sha256=storage.sha256_hex(content),
        storage_name=storage.save(content),
    ).public_id


def _quarantined_document(dsr: DataSubjectRequest, owner: User) -> uuid.UUID:
    """A health-insurance card image that must be masked before anyone may download it."""
    out = io.BytesIO()
    Image.new("RGB", (64, 40), (255, 255, 255)).save(out, format="PNG")
    content = out.getvalue()
    return Document.objects.create(
        dsr=dsr,
        owner=owner,
        category=DocumentCategory.IDENTITY,
        original_name="保険証.png",
        content_type="image/png",
        size_bytes=len(content),
        sha256=storage.sha256_hex(content),
        storage_name=storage.save(content),
        requires_masking=True,
    ).public_id


def _role_grant_requests(users: dict[Who, User]) -> dict[Variant, int]:
    """The requests matrix.ROLE_GRANT_REQUESTS describes, made through the real service."""
    admin, supervisor, ga = users[Who.ADMIN], users[Who.SUPERVISOR], users[Who.GA]

    def ask(actor: User, user: User, role: str) -> RoleGrantRequest:
        return grants.dsr_role_grant_request(actor=actor, user=user, role=role, reason="マトリクス")

    refused = ask(admin, users[Who.AUDITOR], Role.INCIDENT_MANAGER)
    grants.dsr_role_grant_refuse(actor=staff_user(Role.GA_SUPERVISOR), grant_request=refused)
    return {
        Variant.A: ask(admin, ga, Role.AUDITOR).pk,
        Variant.B: ask(supervisor, ga, Role.INCIDENT_MANAGER).pk,
        Variant.MY_NUMBER: ask(admin, ga, Role.MY_NUMBER_OFFICER).pk,
        Variant.CLOSED: refused.pk,
        Variant.MISSING: MISSING_PK,
    }


def finished_export(owner: User) -> uuid.UUID:
    """A queue export its owner started and the runner finished (its CSV part is stored)."""
    job = jobs.job_start(kind=exports.QUEUE_EXPORT_JOB, actor=owner, params={"query": "status=all"})
    jobs.job_run(job_id=job.pk, time_budget=60)
    job.refresh_from_db()
    assert job.state == BulkJob.State.DONE, job.result
    assert job.result.get("parts"), job.result
    return job.public_id


def build_world(*, my_number_summary: str, my_number_description: str) -> World:
    member_a, member_b = member_user(), member_user()
    users = {
        Who.MEMBER_A: member_a,
        Who.MEMBER_B: member_b,
        Who.GA: staff_user(Role.GA_STAFF),
        Who.SUPERVISOR: staff_user(Role.GA_SUPERVISOR),
        Who.OFFICER: staff_user(Role.MY_NUMBER_OFFICER),
        Who.AUDITOR: staff_user(Role.AUDITOR),
        Who.ADMIN: staff_user(Role.ADMIN, is_staff=True),
        Who.DEACTIVATED: staff_user(Role.GA_STAFF),
        Who.NO_MFA: staff_user(Role.GA_SUPERVISOR),
        Who.REVOKED: staff_user(Role.MY_NUMBER_OFFICER),
    }
    ga, supervisor, officer = users[Who.GA], users[Who.SUPERVISOR], users[Who.OFFICER]
    officer2 = staff_user(Role.MY_NUMBER_OFFICER)
    cases = {
        Variant.A: advance(submit(member_a), Status.IN_REVIEW, handler=ga, approver=supervisor),
        Variant.B: advance(submit(member_b), Status.AWAITING_APPROVAL, handler=ga, approver=supervisor),
        Variant.MY_NUMBER: advance(
            submit(
                member_a,
                kind=RequestKind.MY_NUMBER_INQUIRY,
                summary=my_number_summary,
                description=my_number_description,
            ),
            Status.IN_REVIEW,
            handler=officer,
            approver=officer2,
        ),
        Variant.CLOSED: advance(submit(member_a), Status.CLOSED, handler=ga, approver=supervisor),
    }
    owner = {Variant.A: member_a, Variant.B: member_b, Variant.MY_NUMBER: member_a, Variant.CLOSED: member_a}
    filters = {
        Variant.A: SavedFilter.objects.create(user=ga, name="mine", query="assignee=mine").pk,
        Variant.B: SavedFilter.objects.create(user=supervisor, name="mine", query="assignee=mine").pk,
        Variant.MY_NUMBER: SavedFilter.objects.create(user=officer, name="mine", query="assignee=mine").pk,
        Variant.CLOSED: SavedFilter.objects.create(user=ga, name="closed", query="status=closed").pk,
        Variant.MISSING: MISSING_PK,
    }
    clients = {}
    for who in Who:
        client = Client(raise_request_exception=False)
        if who == Who.NO_MFA:
            login_without_mfa(client, users[who])
        elif who != Who.ANON:
            client.force_login(users[who])
        clients[who] = client
    User.objects.filter(pk=users[Who.DEACTIVATED].pk).update(is_active=False)
    # The revoked officer started an export of the My Number queue while still an officer (their
    # session was live all along), then moved to General Affairs.
    role_grants = _role_grant_requests(users)
    revoked = users[Who.REVOKED]
    revoked_export = finished_export(revoked)
    revoked.groups.clear()
    grant_role(revoked, Role.GA_STAFF)
    return World(
        users=users,
        clients=clients,
        cases=cases,
        letters={variant: _rendered_letter(dsr) for variant, dsr in cases.items()},
        documents={variant: _document(dsr, owner[variant]) for variant, dsr in cases.items()},
        filters=filters,
        jobs={variant: finished_export(users[who]) for variant, who in JOB_OWNER.items()},
        revoked_export=revoked_export,
        references={**{variant: dsr.reference for variant, dsr in cases.items()}, Variant.MISSING: MISSING_REFERENCE},
        quarantined={variant: _quarantined_document(dsr, owner[variant]) for variant, dsr in cases.items()},
        role_grants=role_grants,
    )


# --- building URLs and classifying answers ----------------------------------------------------------

_PLAIN_KWARGS = {
    "object_id": "1",
    "content_type_id": "1",
    "app_label": "requests_portal",
    "url": "no-such-page/",
    "key": "bogus-key",
    "uidb36": "1",
    "kind": "disclosure",
}


def _object_id(world: World, row: Row, variant: Variant) -> object:
    if row.obj == Obj.SAVED_FILTER:
        return world.filters[variant]
    if row.obj == Obj.ROLE_GRANT:
        return world.role_grants[variant]
    if variant == Variant.MISSING:
        return MISSING_UUID
    if row.obj == Obj.CASE:
        return world.cases[variant].public_id
    if row.obj == Obj.LETTER:
        return world.letters[variant]
    if row.obj == Obj.JOB:
        return world.jobs[variant]
    if row.obj == Obj.QUARANTINED_DOCUMENT:
        return world.quarantined[variant]
    return world.documents[variant]


def post_data(world: World, row: Row, variant: Variant | None) -> dict[str, str]:
    """The form a POST on `row` sends: the row's own, plus the 受付番号 for CASE_REFERENCE rows."""
    data = dict(row.data)
    if row.obj == Obj.CASE_REFERENCE:
        data["reference"] = world.references[variant]  # type: ignore[index]
    return data


def identifiers(world: World, row: Row, variant: Variant | None) -> tuple[str, ...]:
    """What names the object in a request, masked when a hidden answer is compared to a missing one."""
    if row.obj == Obj.CASE_REFERENCE and variant is not None:
        return (world.references[variant],)
    return ()


def build_url(
    world: World, row: Row, variant: Variant | None, route: str, extra: Mapping[str, str] | None = None
) -> str:
    names = set(re.findall(r"<(?:\w+:)?(\w+)>", route)) | set(re.findall(r"\(\?P<(\w+)>", route))
    extra = extra if extra is not None else row.kwargs[0]
    kwargs = {}
    for name in names:
        if name in ("public_id", "pk"):
            kwargs[name] = _object_id(world, row, variant)  # type: ignore[arg-type]
        elif name in extra:
            kwargs[name] = extra[name]
        else:
            kwargs[name] = _PLAIN_KWARGS[name]
    if "/" in row.key and ":" not in row.key.split("/")[0]:  # an unnamed pattern: its route is the key
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), route)
        return "/" + re.sub(r"\(\?P<url>\.\*\)\$$", "no-such-page/", path).replace("^", "")
    return reverse(row.key, kwargs=kwargs)


def classify(response) -> Outcome | str:
    if response.status_code == 404:
        return Outcome.NOT_FOUND
    if response.status_code == 405:
        return Outcome.NOT_ALLOWED
    if response.status_code in (301, 302):
        path = urlsplit(response["Location"]).path
        if path in LOGIN_PATHS:
            return Outcome.LOGIN
        if path in MFA_PATHS:
            return Outcome.MFA
    if response.status_code == 400:
        return Outcome.REJECTED
    if response.status_code == 401:
        return Outcome.UNAUTHORIZED
    return f"status {response.status_code}"


def request(client: Client, method: str, path: str, data: Mapping[str, str] | None = None):
    cookies = copy.deepcopy(client.cookies)
    with transaction.atomic():
        response = client.post(path, data or {}) if method == "POST" else client.generic(method, path)
        transaction.set_rollback(True)
    client.cookies = cookies
    return response


def matches(row: Row, method: str, want: Outcome, response) -> bool:
    got = classify(response)
    if want == Outcome.OK:
        return response.status_code in row.ok[method] and got not in (Outcome.LOGIN, Outcome.MFA)
    return got == want


_MASKS = (
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"'), 'name="csrfmiddlewaretoken" value="<csrf>"'),
    (re.compile(r'nonce="[^"]+"'), 'nonce="<nonce>"'),
)
_STABLE_HEADERS = ("Content-Type", "Cache-Control", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy")


def masked(response, path: str, identifiers: tuple[str, ...] = ()) -> str:
    body = response.content.decode(errors="replace") if not response.streaming else "<stream>"
    body = body.replace(path, "<path>")
    for identifier in identifiers:
        body = body.replace(identifier, "<id>")
    for pattern, replacement in _MASKS:
        body = pattern.sub(replacement, body)
    return body


def fingerprint(response, path: str, identifiers: tuple[str, ...] = ()) -> tuple:
    templates = tuple(sorted({t.name for t in getattr(response, "templates", []) if t.name}))
    headers = tuple((name, response.get(name)) for name in _STABLE_HEADERS)
    return response.status_code, templates, headers, masked(response, path, identifiers)
