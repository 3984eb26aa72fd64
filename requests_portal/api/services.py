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
from requests_portal.models import ApiClient, Member, ProvisionBasis, ProvisionRecord
from requests_portal.text import normalize_line

# 個人情報保護法第16条第2項各号: providing personal data to these bodies needs no record (法第29条第1項).
PUBLIC_BODY_KINDS = frozenset(
    {
        "national_government",
        "local_government",
        "independent_administrative_agency",
        "local_independent_administrative_agency",
    }
)


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


def _record_problems(record: ProvisionRecordIn) -> list[tuple[str, str]]:
    """What 個人情報保護委員会規則第20条（提供）・第24条（受領） require of this record and it lacks."""
    problems: list[tuple[str, str]] = []
    received = record.direction == ProvisionRecord.Direction.RECEIVED.value
    if record.basis == ProvisionBasis.OTHER.value and not record.statutory_basis.strip():
        problems.append(("statutory_basis", _("同意によらない提供では、その根拠を記録してください。")))
    if (received or record.basis == ProvisionBasis.OPT_OUT.value) and not record.third_party_address.strip():
        problems.append(("third_party_address", _("この記録には第三者の住所が必要です。")))
    if received and not record.acquisition_method.strip():
        problems.append(("acquisition_method", _("受領の記録には、第三者による取得の経緯が必要です。")))
    if received and record.basis == ProvisionBasis.OPT_OUT.value and record.opt_out_published is not True:
        problems.append(
            ("opt_out_published", _("オプトアウトによる受領では、公表されている旨を確認して記録してください。"))
        )
    if not received and record.opt_out_published is not None:
        problems.append(("opt_out_published", _("公表されている旨は、受領の記録にのみ記載します。")))
    if record.occurred_on > timezone.localdate():
        problems.append(("occurred_on", _("未来の日付は記録できません。")))
    return problems


def _record_values(record: ProvisionRecordIn, member: Member) -> dict[str, Any]:
    received = record.direction == ProvisionRecord.Direction.RECEIVED.value
    return {
        "member": member,
        "direction": record.direction,
        "occurred_on": record.occurred_on,
        "third_party_name": normalize_line(record.third_party_name),
        "third_party_address": normalize_line(record.third_party_address),
        "third_party_representative": normalize_line(record.third_party_representative),
        "data_items": normalize_line(record.data_items),
        "consent_obtained": record.basis == ProvisionBasis.CONSENT.value,
        "legal_basis": record.basis,
        "statutory_basis": normalize_line(record.statutory_basis) if record.basis == ProvisionBasis.OTHER.value else "",
        "acquisition_method": normalize_line(record.acquisition_method) if received else "",
        "opt_out_published": record.opt_out_published if received else None,
    }


def provision_records_upsert(*, actor: ApiClient, records: list[ProvisionRecordIn]) -> dict[str, Any]:
    """Create or update provision records by the core system's record number.

    A record of data provided to a body listed in 個人情報保護法第16条第2項 needs no record
    (法第29条第1項): it is not stored, and the answer lists it under `exempt`.
    """
    _check_size(records)
    errors: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    numbers = {normalize_member_number(record.member_number) for record in records}
    members = {m.member_number: m for m in Member.objects.filter(member_number__in=numbers)}
    to_store: list[tuple[ProvisionRecordIn, Member]] = []
    exempt: list[dict[str, Any]] = []
    for index, record in enumerate(records):
        key = normalize_line(record.record_number)
        if (first := seen.setdefault(key, index)) != index:
            errors.append(_duplicate(index, key, "record_number", first))
            continue
        problems = _record_problems(record)
        member = members.get(normalize_member_number(record.member_number))
        if member is None:
            problems.append(("member_number", _("この組合員番号は名簿にありません。")))
        errors += [_error(index, key, column, message) for column, message in problems]
        if problems or member is None:
            continue
        if (
            record.direction == ProvisionRecord.Direction.PROVIDED.value
            and record.third_party_kind in PUBLIC_BODY_KINDS
        ):
            reason = _(
                "提供先が個人情報保護法第16条第2項の者（国の機関・地方公共団体等）のため、記録義務がありません（法第29条第1項）。"
            )
            exempt.append({"row": index, "record_number": key, "reason": reason})
            continue
        to_store.append((record, member))
    if errors:
        raise _refuse(errors)

    created = updated = unchanged = 0
    with transaction.atomic():
        keys = [normalize_line(record.record_number) for record, _member in to_store]
        existing = {r.source_ref: r for r in ProvisionRecord.objects.select_for_update().filter(source_ref__in=keys)}
        for record, member in to_store:
            values = _record_values(record, member)
            stored = existing.get(normalize_line(record.record_number))
            if stored is None:
                ProvisionRecord.objects.create(source_ref=normalize_line(record.record_number), **values)
                created += 1
                continue
            changed = [name for name, value in values.items() if getattr(stored, name) != value]
            if not changed:
                unchanged += 1
                continue
            for name in changed:
                setattr(stored, name, values[name])
            stored.save(update_fields=changed)
            updated += 1
        audit.record(
            action="api.provision_records.upsert",
            actor=actor,
            data={
                "rows": len(records),
                "created": created,
                "updated": updated,
                "unchanged": unchanged,
                "exempt": len(exempt),
            },
        )
    return {"created": created, "updated": updated, "unchanged": unchanged, "exempt": exempt}
