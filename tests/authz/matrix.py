"""The authorization matrix (docs/reliability.md#authorisation) as data: one row per URL pattern.

Each row says who may reach the URL and what an allowed request answers; everyone else gets
the refusal that their situation implies (sign-in page, second-factor step, or the same 404
as a missing object). tests/authz/test_matrix.py walks every URL pattern of the project,
fails for a pattern without a row, and tries every row with every principal against every
object variant.

Adding a URL = adding a row. The vocabulary:

- `audience` — who the page is for (PUBLIC, MEMBER, MEMBER_CASE, STAFF, STAFF_CASE, FILE,
  ADMIN, ACCOUNT);
- `access` — for STAFF_CASE rows, the case access needed (view / handle / approve);
- `roles` — the staff roles allowed (None: every staff role); on STAFF_CASE rows a
  principal needs both the role and the case access;
- `obj` — what the URL's id names (a case, a letter, a document, an identity document awaiting
  masking, a saved filter, a bulk job, a role-grant request), or, for CASE_REFERENCE, the case
  a form names by its 受付番号; the walker builds the request for A's case, B's case, A's My
  Number case, a missing id and A's closed case (for letters and documents: the one of that
  case; for saved filters and jobs: the one of the owner SAVED_FILTER_OWNER / JOB_OWNER give
  that variant; for role-grant requests: the request ROLE_GRANT_REQUESTS describes);
- `kwargs` — the other URL arguments, one request set per alternative (e.g. every dashboard
  table);
- `data` — the form a POST sends (empty unless the row says otherwise);
- `hidden` — what a principal who may use the page but not reach the object gets: 404,
  or, for a case named in a form, the same form error as an unknown 受付番号 (REJECTED);
- `ok` — the statuses an allowed request may answer, per method; a method missing from
  `ok` is refused with 405 for everybody.
"""

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from requests_portal.roles import Access, Role


class Who(enum.StrEnum):
    ANON = "anonymous"
    MEMBER_A = "member A"
    MEMBER_B = "member B"
    GA = "GA staff"
    SUPERVISOR = "GA supervisor"
    OFFICER = "My Number officer"
    AUDITOR = "auditor"
    ADMIN = "admin"
    DEACTIVATED = "deactivated staff"
    NO_MFA = "staff without second factor"
    REVOKED = "officer moved to GA staff"


class Variant(enum.StrEnum):
    A = "A's case"
    B = "B's case"
    MY_NUMBER = "A's My Number case"
    MISSING = "missing id"
    CLOSED = "A's closed case"


class Audience(enum.StrEnum):
    PUBLIC = "public"
    MEMBER = "member"
    MEMBER_CASE = "member case"
    STAFF = "staff"
    STAFF_CASE = "staff case"
    FILE = "file"
    STAFF_FILE = "file shown to staff"
    ADMIN = "admin"
    ACCOUNT = "account"
    API = "core-system API (bearer token)"
    API_DOCS = "API docs (admin role)"
    NO_PAGE = "no page (404 for all)"


class Obj(enum.StrEnum):
    CASE = "case"
    LETTER = "letter"
    DOCUMENT = "document"
    SAVED_FILTER = "saved filter"
    JOB = "bulk job"
    CASE_REFERENCE = "case named by reference in the form"
    QUARANTINED_DOCUMENT = "identity document awaiting masking"
    ROLE_GRANT = "role-grant request"


class Outcome(enum.StrEnum):
    OK = "allowed"
    LOGIN = "sign-in page"
    MFA = "second-factor step"
    NOT_FOUND = "404"
    NOT_ALLOWED = "405"
    REJECTED = "400 form error (as for an unknown reference)"
    UNAUTHORIZED = "401 (no bearer token)"


STAFF_PRINCIPALS = frozenset({Who.GA, Who.SUPERVISOR, Who.OFFICER, Who.AUDITOR, Who.ADMIN, Who.REVOKED})
MEMBERS = frozenset({Who.MEMBER_A, Who.MEMBER_B})
ALL_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
ROLE_OF = {
    Who.GA: Role.GA_STAFF,
    Who.SUPERVISOR: Role.GA_SUPERVISOR,
    Who.OFFICER: Role.MY_NUMBER_OFFICER,
    Who.AUDITOR: Role.AUDITOR,
    Who.ADMIN: Role.ADMIN,
    # The revoked officer (docs/reliability.md#authorisation): a My Number officer whose assignment was revoked (moved
    # to General Affairs, signed in throughout): from the next request on, exactly GA staff.
    Who.REVOKED: Role.GA_STAFF,
}

# The specification of case access, written out rather than computed by the code under test.
_GENERAL = (Variant.A, Variant.B, Variant.CLOSED)
STAFF_REACH: dict[Who, dict[Access, frozenset[Variant]]] = {
    Who.GA: {Access.VIEW: frozenset(_GENERAL), Access.HANDLE: frozenset(_GENERAL), Access.APPROVE: frozenset()},
    Who.REVOKED: {Access.VIEW: frozenset(_GENERAL), Access.HANDLE: frozenset(_GENERAL), Access.APPROVE: frozenset()},
    Who.SUPERVISOR: {a: frozenset(_GENERAL) for a in Access},
    Who.OFFICER: {a: frozenset({Variant.MY_NUMBER}) for a in Access},
    Who.AUDITOR: {Access.VIEW: frozenset(_GENERAL), Access.HANDLE: frozenset(), Access.APPROVE: frozenset()},
    Who.ADMIN: {a: frozenset() for a in Access},
}
# Whose case each variant is: member A filed A's, the My Number and the closed case.
MEMBER_REACH = {
    Who.MEMBER_A: frozenset({Variant.A, Variant.MY_NUMBER, Variant.CLOSED}),
    Who.MEMBER_B: frozenset({Variant.B}),
}
# Saved filters are personal: variant A's filter is GA staff's own; the others belong to others.
SAVED_FILTER_OWNER = {
    Variant.A: Who.GA,
    Variant.B: Who.SUPERVISOR,
    Variant.MY_NUMBER: Who.OFFICER,
    Variant.CLOSED: Who.GA,
}

# Bulk jobs are personal too (a person leaves and comes back to *their* job): variant
# A's job is GA staff's export, the My Number one the officer's export of the My Number queue.
# The admin may start no export, so owns no job.
JOB_OWNER = {
    Variant.A: Who.GA,
    Variant.B: Who.SUPERVISOR,
    Variant.MY_NUMBER: Who.OFFICER,
    Variant.CLOSED: Who.AUDITOR,
}

# Role-grant requests (two people, 個人情報保護法第23条): what each variant's request is, and who may
# decide it. Nobody decides their own request; a My Number role is decided only by the
# 個人番号事務取扱責任者, who is none of the principals; an already decided request is answered
# with the page saying so (a redirect), for whoever could have decided it.
ROLE_GRANT_REQUESTS = {
    Variant.A: "the admin asks for GA staff to become auditor (pending)",
    Variant.B: "the supervisor asks for GA staff to become incident manager (pending, their own)",
    Variant.MY_NUMBER: "the admin asks for GA staff to become My Number officer (pending)",
    Variant.CLOSED: "the admin asked for the auditor to become incident manager (refused)",
}
ROLE_GRANT_DECIDERS: dict[Variant, frozenset[Who]] = {
    Variant.A: frozenset({Who.SUPERVISOR}),
    Variant.B: frozenset(),
    Variant.MY_NUMBER: frozenset(),
    Variant.CLOSED: frozenset({Who.SUPERVISOR}),
}

HANDLERS = frozenset({Role.GA_STAFF, Role.GA_SUPERVISOR, Role.MY_NUMBER_OFFICER})
AUDIT_READERS = frozenset({Role.AUDITOR, Role.MY_NUMBER_OFFICER})
# The dashboard, statistics and retention serve supervisors (the personal-information
# manager), auditors and, for their own queue, the My Number officers; GA staff may also export
# their queue; the admin configures the portal and reads no case data.
OVERSIGHT = frozenset({Role.GA_SUPERVISOR, Role.AUDITOR, Role.MY_NUMBER_OFFICER})
EXPORTERS = OVERSIGHT | {Role.GA_STAFF}
# A legal hold is set by whoever may approve the case's decisions: supervisors on general
# cases, officers on My Number cases.
HOLDERS = frozenset({Role.GA_SUPERVISOR, Role.MY_NUMBER_OFFICER})
ROSTER_IMPORTERS = frozenset({Role.ADMIN})
# Who may open the role-grant page: whoever may ask for a grant (the admin configures accounts)
# or decide one (the personal-information manager; the 個人番号事務取扱責任者 for My Number roles).
ROLE_GRANTERS = frozenset({Role.ADMIN, Role.GA_SUPERVISOR, Role.MY_NUMBER_MANAGER})
# The register of designated My Number handlers (番号法第12条): the officers and their manager.
HANDLER_REGISTER_READERS = frozenset({Role.MY_NUMBER_OFFICER, Role.MY_NUMBER_MANAGER})
PROVISION_IMPORTERS = frozenset({Role.ADMIN})
# The tables of the dashboard, each downloadable as CSV (written out: a new table gets a row).
DASHBOARD_TABLES = (
    "monthly",
    "monthly_kind",
    "kinds",
    "timeliness",
    "days",
    "open_stage",
    "overdue",
    "refusals",
    "extensions",
)


@dataclass(frozen=True)
class Row:
    key: str  # URL name ("namespace:name") or, for an unnamed pattern, its route
    audience: Audience
    ok: Mapping[str, frozenset[int]]
    obj: Obj | None = None
    access: Access | None = None
    roles: frozenset[str] | None = None
    # For ACCOUNT rows: "anon:GET", "member:POST"… -> outcome (allauth's own pages).
    account: Mapping[str, Outcome] = field(default_factory=dict)
    # False for the pages a half-signed-in staff member needs (enrolment, code, sign-out).
    mfa_gated: bool = True
    # What an anonymous visitor gets on an ADMIN row (the admin sends them to sign in).
    anonymous: Outcome = Outcome.LOGIN
    # Other URL arguments: one set of requests per alternative.
    kwargs: tuple[Mapping[str, str], ...] = ({},)
    # The form a POST sends.
    data: Mapping[str, str] = field(default_factory=dict)
    # What someone who may use the page gets for an object they may not reach.
    hidden: Outcome = Outcome.NOT_FOUND
    note: str = ""

    @property
    def methods(self) -> tuple[str, ...]:
        return tuple(self.ok)


GET = {"GET": frozenset({200}), "HEAD": frozenset({200})}
GET_OR_REDIRECT = {"GET": frozenset({200, 302}), "HEAD": frozenset({200, 302})}
FORM = {"GET": frozenset({200, 302}), "HEAD": frozenset({200, 302}), "POST": frozenset({200, 302})}
POST = {"POST": frozenset({302})}
ANY_POST = {"POST": frozenset({200, 302})}
GET_POST = {"GET": frozenset({200, 302}), "POST": frozenset({200, 302})}
FORM_WITH_ERRORS = {"GET": frozenset({200}), "HEAD": frozenset({200}), "POST": frozenset({302, 400})}
ANY_ADMIN = frozenset({200, 302, 403, 404, 405})


def public(key: str, ok: Mapping = GET_OR_REDIRECT) -> Row:
    return Row(key, Audience.PUBLIC, ok)


def staff(key: str, ok: Mapping, roles: frozenset[str] | None = None, obj: Obj | None = None, **extra) -> Row:
    return Row(key, Audience.STAFF, ok, obj=obj, roles=roles, **extra)


def member_case(key: str, ok: Mapping) -> Row:
    return Row(key, Audience.MEMBER_CASE, ok, obj=Obj.CASE)


def case(key: str, access: Access, ok: Mapping, obj: Obj = Obj.CASE, **extra) -> Row:
    return Row(key, Audience.STAFF_CASE, ok, obj=obj, access=access, **extra)


_ACTIONS = {
    "identity": Access.HANDLE,
    "review": Access.HANDLE,
    "amendment": Access.HANDLE,
    "decision": Access.HANDLE,
    "approve": Access.APPROVE,
    "return": Access.APPROVE,
    "extend": Access.HANDLE,
    "routing": Access.HANDLE,
    "notify": Access.HANDLE,
    "close": Access.HANDLE,
    "reopen": Access.APPROVE,
    "withdraw": Access.HANDLE,
    "reject": Access.HANDLE,
    "message": Access.HANDLE,
}

PORTAL_ROWS: list[Row] = [
    public("requests_portal:home"),
    public("requests_portal:procedures", GET),
    public("requests_portal:privacy_policy", GET),
    public("requests_portal:healthz", GET),
    Row("requests_portal:member_home", Audience.MEMBER, GET),
    # The member portal.
    Row("requests_portal:member_dsr_new", Audience.MEMBER, GET),
    Row("requests_portal:member_dsr_create", Audience.MEMBER, GET_POST),
    member_case("requests_portal:member_dsr_detail", GET),
    member_case("requests_portal:member_dsr_submitted", GET_OR_REDIRECT),
    member_case("requests_portal:member_dsr_message", ANY_POST),
    member_case("requests_portal:member_dsr_amend", ANY_POST),
    member_case("requests_portal:member_dsr_withdraw", GET_POST),
    staff("requests_portal:staff_home", GET),
    staff("requests_portal:staff_queue", GET),
    staff("requests_portal:staff_queue_bulk_assign", POST, roles=HANDLERS),
    staff("requests_portal:staff_saved_filter_create", POST),
    staff("requests_portal:staff_saved_filter_delete", POST, obj=Obj.SAVED_FILTER),
    staff("requests_portal:staff_intake", FORM, roles=HANDLERS),
    # Moving every open case of one person: whoever approves a queue's decisions (the matrix
    # posts an empty form, which the page answers with its errors).
    staff("requests_portal:staff_reassign", FORM_WITH_ERRORS, roles=HOLDERS),
    # The roster import is the administrator's alone.
    staff("requests_portal:staff_roster_import", FORM_WITH_ERRORS, roles=ROSTER_IMPORTERS),
    # So is the import of the core system's provision records (an empty POST is the form's errors).
    staff("requests_portal:staff_provision_import", FORM_WITH_ERRORS, roles=PROVISION_IMPORTERS),
    staff("requests_portal:staff_audit_log", GET, roles=AUDIT_READERS),
    staff("requests_portal:staff_audit_verify", POST, roles=AUDIT_READERS),
    staff("requests_portal:staff_audit_export", GET, roles=AUDIT_READERS),
    case("requests_portal:staff_dsr_detail", Access.VIEW, GET),
    case("requests_portal:staff_dsr_claim", Access.HANDLE, POST),
    case("requests_portal:staff_dsr_assign", Access.HANDLE, POST),
    # Taking over a colleague's case: whoever approves the case's decisions (the matrix posts an
    # empty form, which the page answers with its errors).
    case("requests_portal:staff_dsr_take_over", Access.APPROVE, FORM, roles=HOLDERS),
    case("requests_portal:staff_dsr_access", Access.APPROVE, FORM),
    case("requests_portal:staff_dsr_access_revoke", Access.APPROVE, POST),
    # Duplicates and linked cases: whoever works the case (an empty form is answered with its
    # errors); the other case named in the form is looked up among the user's own cases
    # (tests/requests_portal/staff/test_duplicates.py walks the hidden one).
    case("requests_portal:staff_dsr_links", Access.HANDLE, FORM),
    case("requests_portal:staff_dsr_unlink", Access.HANDLE, FORM),
    *[case(f"requests_portal:staff_dsr_{slug}", access, FORM) for slug, access in _ACTIONS.items()],
    # Attaching the disclosed data (開示データ) works the case; the matrix posts no file, which
    # the view answers by sending the user back to the case page with the error.
    case("requests_portal:staff_dsr_disclosure_package", Access.HANDLE, POST),
    # A records-disclosure case's provision records: read with the case, chosen by its handlers
    # (a case of another kind is sent back to its page).
    case("requests_portal:staff_dsr_provision_records", Access.VIEW, GET_OR_REDIRECT),
    case("requests_portal:staff_dsr_provision_records_choose", Access.HANDLE, {"POST": frozenset({302, 400})}),
    Row("requests_portal:letter_download", Audience.FILE, GET, obj=Obj.LETTER),
    Row("requests_portal:document_download", Audience.FILE, GET, obj=Obj.DOCUMENT),
    Row("requests_portal:staff_document_view", Audience.STAFF_FILE, GET, obj=Obj.DOCUMENT),
]

# Letters: the case's letters page reads the case; re-rendering and marking a letter
# posted work the letter's case; the list of letters needing someone is every staff member's
# (filled from the cases they may work, so empty for the auditor and the admin).
LETTER_ROWS: list[Row] = [
    staff("requests_portal:staff_letter_list", GET),
    case("requests_portal:staff_dsr_letters", Access.VIEW, GET),
    case("requests_portal:staff_letter_rerender", Access.HANDLE, ANY_POST, obj=Obj.LETTER, data={"reason": "再作成"}),
    case("requests_portal:staff_letter_mark_posted", Access.HANDLE, POST, obj=Obj.LETTER),
]

CSV = {"GET": frozenset({200}), "HEAD": frozenset({200})}
# Oversight.
OVERSIGHT_ROWS: list[Row] = [
    staff("requests_portal:oversight_dashboard", GET, roles=OVERSIGHT),
    staff(
        "requests_portal:oversight_dashboard_csv",
        CSV,
        roles=OVERSIGHT,
        kwargs=tuple({"table": table} for table in DASHBOARD_TABLES),
    ),
    staff("requests_portal:oversight_annual", GET, roles=OVERSIGHT),
    staff("requests_portal:oversight_annual_csv", CSV, roles=OVERSIGHT),
    staff("requests_portal:oversight_queue_export", GET, roles=EXPORTERS),
    staff("requests_portal:oversight_queue_export_csv", CSV, roles=EXPORTERS),
    staff("requests_portal:oversight_queue_export_job", POST, roles=EXPORTERS),
    staff("requests_portal:oversight_jobs", GET),
    staff("requests_portal:oversight_job", GET, obj=Obj.JOB),
    staff("requests_portal:oversight_job_download", CSV, obj=Obj.JOB),
    staff("requests_portal:oversight_retention", GET, roles=OVERSIGHT),
    case(
        "requests_portal:oversight_legal_hold",
        Access.APPROVE,
        POST,
        obj=Obj.CASE_REFERENCE,
        roles=HOLDERS,
        data={"hold": "set", "reason": "訴訟対応のため"},
        hidden=Outcome.REJECTED,
    ),
    staff("requests_portal:oversight_disposals", GET, roles=OVERSIGHT),
    staff("requests_portal:oversight_disposals_csv", CSV, roles=OVERSIGHT),
]

# The core-system API (requests_portal/api): only a bearer token opens it, never a session, so
# every principal here gets 401; its schema is public, its docs the admin's alone.
_API_GET = {"GET": frozenset({200})}
_API_POST = {"POST": frozenset({200})}
API_ROWS: list[Row] = [
    public("api:openapi-json", GET),
    Row("api:openapi-view", Audience.API_DOCS, GET),
    Row("api:api-root", Audience.NO_PAGE, GET, note="ninja's root: names the API's prefix, serves nothing"),
    Row("api:roster_upsert", Audience.API, _API_POST),
    Row("api:roster_deactivate", Audience.API, _API_POST),
    Row("api:provision_records_upsert", Audience.API, _API_POST),
    Row("api:case_status", Audience.API, _API_GET, kwargs=({"reference": "GA-2026-00001"},)),
    Row("api:case_events", Audience.API, _API_GET),
]

# --- role grants and the masking screen (the two-person grants and enforced masking).
GRANT_ROWS: list[Row] = [
    # The matrix posts an empty form: the page answers with its errors (400), losing nothing.
    staff("requests_portal:staff_role_grants", FORM_WITH_ERRORS, roles=ROLE_GRANTERS),
    staff("requests_portal:staff_role_grant_decide", POST, obj=Obj.ROLE_GRANT, data={"decision": "refuse"}),
    staff("requests_portal:staff_handler_register_csv", CSV, roles=HANDLER_REGISTER_READERS),
    staff("requests_portal:staff_handler_register_pdf", GET, roles=HANDLER_REGISTER_READERS),
]
# Masking works the document's case: whoever may handle it. The matrix posts no rectangle and
# no reason, which the screen answers with its error (200).
MASKING_ROWS: list[Row] = [
    case(
        "requests_portal:staff_document_masking",
        Access.HANDLE,
        {"GET": frozenset({200}), "HEAD": frozenset({200}), "POST": frozenset({200})},
        obj=Obj.QUARANTINED_DOCUMENT,
    ),
    case(
        "requests_portal:staff_document_masking_page",
        Access.HANDLE,
        GET,
        obj=Obj.QUARANTINED_DOCUMENT,
        kwargs=({"page": "1"},),
    ),
]

# Every row of the portal's own pages (the walk splits them into groups for pytest-xdist).
ALL_PORTAL_ROWS: list[Row] = [*PORTAL_ROWS, *LETTER_ROWS, *OVERSIGHT_ROWS, *GRANT_ROWS, *MASKING_ROWS]

# allauth's own pages, pinned as they answer here: (anonymous, member, staff) for GET and POST.
# A page refused with 405 or 404 for everyone (a bogus key, no recovery codes yet) is pinned
# too, so a change in allauth's behaviour shows up as a mismatch to review.
OK, LOGIN, NOT_FOUND, NOT_ALLOWED = Outcome.OK, Outcome.LOGIN, Outcome.NOT_FOUND, Outcome.NOT_ALLOWED
EVERYONE = (OK, OK, OK)
SIGNED_IN = (LOGIN, OK, OK)
ALLAUTH_OK = {"GET": frozenset({200, 302}), "POST": frozenset({200, 302})}


def account(key: str, get: tuple = EVERYONE, post: tuple = EVERYONE, *, mfa_gated: bool = True) -> Row:
    outcomes = {}
    for method, triple in (("GET", get), ("POST", post)):
        for kind, outcome in zip(("anon", "member", "staff"), triple, strict=True):
            outcomes[f"{kind}:{method}"] = outcome
    return Row(key, Audience.ACCOUNT, ALLAUTH_OK, account=outcomes, mfa_gated=mfa_gated)


ACCOUNT_ROWS: list[Row] = [
    account("account_login", mfa_gated=False),
    account("account_logout", mfa_gated=False),
    account("account_inactive", post=(NOT_ALLOWED,) * 3),
    account("account_signup"),
    account("account_reauthenticate", SIGNED_IN, SIGNED_IN, mfa_gated=False),
    account("account_email", SIGNED_IN, SIGNED_IN),
    account("account_email_verification_sent", post=(NOT_ALLOWED,) * 3),
    account("account_change_password", SIGNED_IN, SIGNED_IN),
    account("account_set_password", SIGNED_IN, SIGNED_IN),
    account("account_reset_password"),
    account("account_confirm_login_code", SIGNED_IN, SIGNED_IN),  # no login pending: back to the sign-in page
    account("account_confirm_email", post=(NOT_FOUND,) * 3),  # a bogus key
    account("account_reset_password_from_key_done", post=(NOT_ALLOWED,) * 3),
    account("account_reset_password_from_key"),
    account("account_reset_password_done", post=(NOT_ALLOWED,) * 3),
    account("mfa_index", SIGNED_IN, (LOGIN, NOT_ALLOWED, NOT_ALLOWED), mfa_gated=False),
    account("mfa_authenticate", SIGNED_IN, SIGNED_IN),  # no login pending
    account("mfa_reauthenticate", SIGNED_IN, SIGNED_IN, mfa_gated=False),
    account("mfa_activate_totp", SIGNED_IN, SIGNED_IN, mfa_gated=False),
    account("mfa_deactivate_totp", (LOGIN, NOT_FOUND, NOT_FOUND), (LOGIN, NOT_FOUND, NOT_FOUND)),  # none enrolled
    account(
        "mfa_view_recovery_codes", (LOGIN, NOT_FOUND, NOT_FOUND), (LOGIN, NOT_ALLOWED, NOT_ALLOWED), mfa_gated=False
    ),
    account("mfa_generate_recovery_codes", SIGNED_IN, SIGNED_IN, mfa_gated=False),
    account(
        "mfa_download_recovery_codes", (LOGIN, NOT_FOUND, NOT_FOUND), (LOGIN, NOT_FOUND, NOT_FOUND), mfa_gated=False
    ),
    account("set_language", mfa_gated=False),
]

ADMIN_FORM = {"GET": ANY_ADMIN, "POST": ANY_ADMIN}
# Models the admin may configure (configuration only; no case, ever).
ADMIN_MODELS = (
    "sites.site",
    "account.emailaddress",
    "mfa.authenticator",
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
    "requests_portal.closedday",
    "requests_portal.queue",
    "requests_portal.organisationprofile",
    "requests_portal.retentionpolicy",
    "requests_portal.feesetting",
    "requests_portal.datacategory",
    "requests_portal.user",
)


def admin_rows() -> list[Row]:
    rows = [
        # Django's admin sends a signed-out visitor of its logout page to the admin index (which
        # then asks them to sign in): a redirect, not the sign-in page itself.
        Row("admin:logout", Audience.ADMIN, ADMIN_FORM, anonymous=Outcome.OK),
        *(
            Row(f"admin:{name}", Audience.ADMIN, ADMIN_FORM)
            for name in (
                "index",
                "login",
                "password_change",
                "password_change_done",
                "autocomplete",
                "jsi18n",
                "view_on_site",
                "app_list",
            )
        ),
    ]
    rows.append(Row("admin/(?P<url>.*)$", Audience.ADMIN, ADMIN_FORM, note="admin catch-all"))
    for label in ADMIN_MODELS:
        app, model = label.split(".")
        for suffix in ("changelist", "add", "history", "delete", "change"):
            rows.append(Row(f"admin:{app}_{model}_{suffix}", Audience.ADMIN, ADMIN_FORM))
        rows.append(Row(f"admin/{app}/{model}/<path:object_id>/", Audience.ADMIN, ADMIN_FORM))
    return rows


# --- the incident register: its own principals and objects, so its matrix is walked by
# tests/requests_portal/incidents/test_access_matrix.py; listed here so every pattern has a row.
INCIDENT_ROWS: list[Row] = [
    Row(f"requests_portal:{name}", Audience.STAFF, GET, note="tests/requests_portal/incidents/test_access_matrix.py")
    for name in (
        "incident_register",
        "incident_new",
        "incident_detail",
        "incident_edit",
        "incident_move",
        "incident_assess",
        "incident_affected",
        "incident_affected_csv",
        "incident_report",
        "incident_report_submit",
        "incident_report_approve",
        "incident_report_return",
        "incident_report_sent",
        "incident_report_pdf",
        "incident_report_export",
        "incident_notices",
        "incident_alternative",
        "incident_notice_pdf",
        "incident_review",
        "incident_review_attachment",
        "incident_measure",
        "incident_measure_done",
        "member_incident_notice_pdf",
    )
]

ROWS: dict[str, Row] = {
    row.key: row
    for row in [
        *ALL_PORTAL_ROWS,
        *API_ROWS,
        *INCIDENT_ROWS,
        *ACCOUNT_ROWS,
        *admin_rows(),
    ]
}


def _reaches_case(who: Who, row: Row, variant: Variant) -> bool:
    if who in MEMBERS:
        return False
    return variant in STAFF_REACH[who][row.access]  # type: ignore[index]


def _has_role(who: Who, roles: frozenset[str] | None) -> bool:
    return who in STAFF_PRINCIPALS and (roles is None or ROLE_OF[who] in roles)


def expected(row: Row, who: Who, variant: Variant | None, method: str) -> Outcome:
    """What `who` must get for `method` on `row`'s URL built for `variant`."""
    if who == Who.NO_MFA and row.mfa_gated:
        return Outcome.MFA
    if row.audience == Audience.NO_PAGE:
        return Outcome.NOT_FOUND
    if method not in row.ok:
        return Outcome.NOT_ALLOWED
    if who == Who.DEACTIVATED:
        who = Who.ANON  # the session is dropped at the request, before the view runs
    if row.audience == Audience.PUBLIC:
        return Outcome.OK
    if row.audience == Audience.API:
        return Outcome.UNAUTHORIZED  # a session, staff or member, is no token
    if row.audience == Audience.API_DOCS:
        return Outcome.OK if who == Who.ADMIN else Outcome.NOT_FOUND
    if row.audience == Audience.ACCOUNT:
        kind = "anon" if who == Who.ANON else "member" if who in MEMBERS else "staff"
        return row.account[f"{kind}:{method}"]
    if row.audience == Audience.ADMIN:
        if who == Who.ANON:
            return row.anonymous
        return Outcome.OK if who == Who.ADMIN else Outcome.NOT_FOUND
    if row.audience == Audience.STAFF_FILE:  # a download's staff-only inline view
        if who == Who.ANON or who in MEMBERS:
            return Outcome.NOT_FOUND
        return Outcome.OK if variant in STAFF_REACH[who][Access.VIEW] else Outcome.NOT_FOUND
    if row.audience == Audience.FILE:
        if who == Who.ANON:
            return Outcome.NOT_FOUND  # a download link never leads to a sign-in page
        if who in MEMBERS:
            return Outcome.OK if variant in MEMBER_REACH[who] else Outcome.NOT_FOUND
        return Outcome.OK if variant in STAFF_REACH[who][Access.VIEW] else Outcome.NOT_FOUND
    if who == Who.ANON:
        return Outcome.LOGIN
    if row.audience == Audience.MEMBER:
        return Outcome.OK if who in MEMBERS else Outcome.NOT_FOUND
    if row.audience == Audience.MEMBER_CASE:
        return Outcome.OK if who in MEMBERS and variant in MEMBER_REACH[who] else Outcome.NOT_FOUND
    if row.audience == Audience.STAFF:
        if not _has_role(who, row.roles):
            return Outcome.NOT_FOUND
        if row.obj == Obj.SAVED_FILTER:
            return Outcome.OK if SAVED_FILTER_OWNER.get(variant) == who else row.hidden  # type: ignore[arg-type]
        if row.obj == Obj.JOB:
            return Outcome.OK if JOB_OWNER.get(variant) == who else row.hidden  # type: ignore[arg-type]
        if row.obj == Obj.ROLE_GRANT:
            return Outcome.OK if who in ROLE_GRANT_DECIDERS.get(variant, ()) else row.hidden  # type: ignore[arg-type]
        return Outcome.OK
    if row.audience == Audience.STAFF_CASE:
        if who in MEMBERS or not _has_role(who, row.roles):
            return Outcome.NOT_FOUND
        return Outcome.OK if _reaches_case(who, row, variant) else row.hidden  # type: ignore[arg-type]
    raise AssertionError(f"no rule for {row.audience}")
