"""The API's writes: bulk, all or nothing, idempotent, and audited under the client's name.

Every row is checked before anything is written; one bad row (or a key repeated in the same
call) refuses the whole call and the answer lists every bad row. Sending the same call twice
changes nothing the second time (the answer counts the rows as unchanged).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from requests_portal import audit, roster
from requests_portal.accounts import normalize_member_number
from requests_portal.api.problems import ApiProblem
from requests_portal.api.schemas import ProvisionRecordIn, RosterMemberIn
from requests_portal.models import ApiClient, Member
from requests_portal.services import provision_records


def _check_size(rows: list[Any]) -> None:
    limit = settings.DSR_API_MAX_ROWS
    if len(rows) > limit:
        raise ApiProblem(
            413,
            "too-many-rows",
            _("1回の呼出しで送れるのは%(limit)s行までです（%(rows)s行）。分けて送ってください。")
            % {"limit": limit, "rows": len(rows)},
        )


def _refuse(errors: list[dict[str, Any]]) -> ApiProblem:
    rows = len({error["row"] for error in errors})
    return ApiProblem(
        422,
        "invalid-rows",
        _("%(rows)s行に誤りがあるため、何も登録していません。") % {"rows": rows},
        errors,
    )


def _error(row: int, key: str, column: str, message: str) -> dict[str, Any]:
    return {"row": row, "key": key, "field": column, "message": message}


def _duplicate(row: int, key: str, column: str, first: int) -> dict[str, Any]:
    return _error(row, key, column, _("%(row)s行目と同じキーです。") % {"row": first})


# --- roster ---------------------------------------------------------------------------------


def roster_upsert(*, actor: ApiClient, members: list[RosterMemberIn]) -> roster.ImportResult:
    """Create or update members (each becomes 在籍中), checked row by row as the CSV import does."""
    _check_size(members)
    errors: list[dict[str, Any]] = []
    checked: list[roster.RosterRow] = []
    seen: dict[str, int] = {}
    for index, member in enumerate(members):
        row, problems = roster.check_roster_values(index, member.model_dump())
        key = row.member_number if row else normalize_member_number(member.member_number)
        errors += [_error(index, key, column, message) for column, message in problems]
        if row is None:
            continue
        if (first := seen.setdefault(row.member_number, index)) != index:
            errors.append(_duplicate(index, key, "member_number", first))
            continue
        checked.append(row)
    if errors:
        raise _refuse(errors)
    result = roster.ImportResult(rows=len(checked))
    with transaction.atomic():
        roster.write_roster_rows(checked, result)
        audit.record(
            action="api.roster.upsert",
            actor=actor,
            data={"rows": result.rows, "created": result.created, "updated": result.updated},
        )
    return result


def roster_deactivate(*, actor: ApiClient, member_numbers: list[str]) -> tuple[int, int]:
    """Mark members as no longer 在籍中; (deactivated, already inactive). Unknown numbers refuse the call."""
    _check_size(member_numbers)
    numbers = [normalize_member_number(number) for number in member_numbers]
    errors: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for index, number in enumerate(numbers):
        if (first := seen.setdefault(number, index)) != index:
            errors.append(_duplicate(index, number, "member_numbers", first))
    with transaction.atomic():
        members = {m.member_number: m for m in Member.objects.select_for_update().filter(member_number__in=numbers)}
        for index, number in enumerate(numbers):
            if number not in members:
                errors.append(_error(index, number, "member_numbers", _("この組合員番号は名簿にありません。")))
        if errors:
            raise _refuse(sorted(errors, key=lambda error: error["row"]))
        active = [member.pk for member in members.values() if member.is_active]
        Member.objects.filter(pk__in=active).update(is_active=False, updated_at=timezone.now())
        audit.record(
            action="api.roster.deactivate", actor=actor, data={"rows": len(numbers), "deactivated": len(active)}
        )
    return len(active), len(members) - len(active)


# --- third-party provision records ------------------------------------------------------------


def provision_records_upsert(*, actor: ApiClient, records: list[ProvisionRecordIn]) -> dict[str, Any]:
    """Create or update provision records by the core system's record number, through the check
    and upsert the CSV import uses too (services/provision_records.py)."""
    _check_size(records)
    rows = [(index, record.model_dump()) for index, record in enumerate(records)]
    try:
        result = provision_records.provision_records_upsert(actor=actor, rows=rows, source="api")
    except provision_records.ProvisionRowsInvalid as invalid:
        raise _refuse(
            [_error(problem.row, problem.key, problem.column, problem.message) for problem in invalid.problems]
        ) from None
    return {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "exempt": [{"row": row.row, "record_number": row.record_number, "reason": row.reason} for row in result.exempt],
    }
