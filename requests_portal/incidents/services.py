"""Every write of the incident register. Keyword-only, one transaction each, audited.

Access is checked here too (not only in the views): each service takes the acting user and
refuses with DomainError what `permissions.incident_capabilities` does not allow.
"""

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, overload

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from requests_portal import audit, jobs, storage
from requests_portal.exceptions import DomainError
from requests_portal.incidents import rules
from requests_portal.incidents.documents import document_prefix, render_notice, render_report
from requests_portal.incidents.permissions import Can, files_my_number_incidents, incident_can, incident_capabilities
from requests_portal.incidents.workflow import transition
from requests_portal.models import (
    AffectedPerson,
    BulkJob,
    Committee,
    Incident,
    IncidentEvent,
    IncidentMeasure,
    IncidentNotice,
    IncidentReport,
    IncidentReview,
    IncidentStatus,
    Member,
    OutboundMail,
    ReportStage,
    ReportStatus,
    User,
)
from requests_portal.mynumber import contains_my_number
from requests_portal.numbering import allocate_number, fiscal_year
from requests_portal.outbox import mail_enqueue
from requests_portal.stored_text import list_separator
from requests_portal.text import clean_text, normalize_line

# The bulk job that issues the notices (incidents/jobs.py registers its handler).
NOTICE_JOB = "incident_notices"

# Each series numbers separately, so a gap in the general series never betrays a My Number incident.
REFERENCE_PREFIX = {False: "IN", True: "MI"}

# Facts a person records on the incident (the form's fields; everything else is derived).
FACT_FIELDS = (
    "title",
    "occurred_at",
    "known_on",
    "found_by",
    "found_how",
    "is_leak",
    "is_loss",
    "is_damage",
    "certainty",
    "data_items",
    "people_estimate",
    "people_count",
    "cause",
    "damage",
    "secondary_harm",
    "containment",
    "contractor",
)
# The nine items of 個人情報保護委員会規則第8条第1項, in the rule's order.
REPORT_ITEMS = (
    "summary",
    "data_items",
    "people",
    "cause",
    "secondary_harm",
    "response_to_persons",
    "publication",
    "recurrence_prevention",
    "other",
)


def report_item_label(name: str) -> str:
    """The heading of one of REPORT_ITEMS: its IncidentReport field's verbose name."""
    model_field = IncidentReport._meta.get_field(name)
    return str(model_field.verbose_name) if isinstance(model_field, models.Field) else name


def _require(actor: User, incident: Incident, capability: Can) -> None:
    if not incident_can(actor, incident, capability):
        raise DomainError(_("この操作を行う権限がありません。"))


@overload
def _clean_text(value: str) -> str: ...
@overload
def _clean_text(value: object) -> object: ...
def _clean_text(value: object) -> object:
    if isinstance(value, str):
        value = clean_text(value)
        if contains_my_number(value):
            raise DomainError(_("マイナンバーと思われる番号が含まれています。番号そのものは記録しないでください。"))
    return value


def _event(incident: Incident, actor: User | None, action: str, note: str = "") -> None:
    IncidentEvent.objects.create(incident=incident, actor=actor, action=action, note=note)


# --- filing and facts ---------------------------------------------------------------------------


@transaction.atomic
def incident_file(*, actor: User, facts: dict[str, Any], owner: User | None = None) -> Incident:
    """Open a new incident (status 認知). An officer's incident is a My Number incident."""
    if not any(Can.MANAGE in _caps(actor, flag) for flag in (False, True)):
        raise DomainError(_("事案を登録する権限がありません。"))
    is_my_number = files_my_number_incidents(actor)
    owner = owner or actor
    if Can.MANAGE not in _caps(owner, is_my_number):
        raise DomainError(_("担当者には、この事案を扱える職員を選んでください。"))
    cleaned = {name: _clean_text(value) for name, value in facts.items() if name in FACT_FIELDS}
    known_on = cleaned.get("known_on") or timezone.localdate()
    year = fiscal_year(known_on)
    prefix = REFERENCE_PREFIX[is_my_number]
    number = allocate_number(scope=f"incident:{prefix}", year=year)
    incident = Incident.objects.create(
        reference=f"{prefix}-{year}-{number:05d}",
        is_my_number=is_my_number,
        owner=owner,
        created_by=actor,
        **{**cleaned, "known_on": known_on},
    )
    _event(incident, actor, "filed")
    audit.record(action="incident.create", actor=actor, obj=incident, restricted=incident.is_my_number)
    return incident


def _caps(user: User, is_my_number: bool) -> frozenset[Can]:

    return incident_capabilities(user, is_my_number=is_my_number)


@transaction.atomic
def incident_update(*, actor: User, incident: Incident, facts: dict, owner: User | None = None) -> Incident:
    """Record what is now known. Changing the day the co-op knew moves the clocks."""
    _require(actor, incident, Can.MANAGE)
    if incident.is_closed:
        raise DomainError(_("終結した事案は変更できません。"))
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    changed = []
    for name, value in facts.items():
        if name in FACT_FIELDS and getattr(locked, name) != (value := _clean_text(value)):
            setattr(locked, name, value)
            changed.append(name)
    if owner is not None and owner.pk != locked.owner_id:
        if Can.MANAGE not in _caps(owner, locked.is_my_number):
            raise DomainError(_("担当者には、この事案を扱える職員を選んでください。"))
        locked.owner = owner
        changed.append("owner")
    if "known_on" in changed and locked.is_reportable:
        _start_clocks(locked)
        changed += ["preliminary_due", "preliminary_latest", "final_due"]
    if changed:
        locked.save()
        _event(locked, actor, "updated", ", ".join(changed))
        audit.record(
            action="incident.update", actor=actor, obj=locked, restricted=locked.is_my_number, data={"fields": changed}
        )
    _copy(locked, incident)
    return incident


def _copy(source: Incident, target: Incident) -> None:
    for name in source._meta.concrete_fields:
        setattr(target, name.attname, getattr(source, name.attname))


def incident_move(*, actor: User, incident: Incident, to: str, note: str = "") -> None:
    transition(incident, to=to, actor=actor, note=note)
    _catch_up(incident, actor)


# A report may be sent before the incident reached 調査中 (the 速報 is due within days); the
# status then follows as soon as it can.
_REPORTED = (
    (IncidentStatus.INVESTIGATING, IncidentStatus.PRELIMINARY_REPORTED, "preliminary_sent_on"),
    (IncidentStatus.PRELIMINARY_REPORTED, IncidentStatus.FINAL_REPORTED, "final_sent_on"),
)


def _catch_up(incident: Incident, actor: User) -> None:
    for source, target, stamp in _REPORTED:
        incident.refresh_from_db()
        if incident.status == source and getattr(incident, stamp) is not None:
            transition(incident, to=target, actor=actor)


# --- the reportability assessment ----------------------------------------------------------------


def _start_clocks(incident: Incident) -> None:
    preliminary, final = rules.report_deadlines(incident.known_on, unlawful_purpose=incident.unlawful_purpose)
    incident.preliminary_due, incident.final_due = preliminary, final
    incident.preliminary_latest = rules.preliminary_latest(incident.known_on)


@transaction.atomic
def incident_assess(*, actor: User, incident: Incident, answers: rules.Answers) -> rules.Assessment:
    """Store the assessment's answers and result; a reportable incident starts both clocks."""
    _require(actor, incident, Can.MANAGE)
    if incident.is_closed:
        raise DomainError(_("終結した事案は変更できません。"))
    answers = rules.Answers(**{**answers.as_dict(), "is_my_number": incident.is_my_number})
    result = rules.assess(answers)
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    if not result.reportable and locked.reports.filter(status=ReportStatus.SENT).exists():
        raise DomainError(_("報告を提出済みの事案を報告対象外とすることはできません。"))
    locked.assessment = {
        "answers": answers.as_dict(),
        "grounds": [{"code": g.code, "article": g.article, "text": g.text} for g in result.grounds],
        "excluded_by_encryption": result.excluded_by_encryption,
        "conclusion": result.conclusion,
    }
    locked.assessed_at, locked.assessed_by = timezone.now(), actor
    locked.is_reportable, locked.unlawful_purpose = result.reportable, result.unlawful_purpose
    if answers.people and locked.people_estimate is None:
        locked.people_estimate = answers.people
    if result.reportable:
        _start_clocks(locked)
    else:
        locked.preliminary_due = locked.preliminary_latest = locked.final_due = None
    locked.save()
    _event(locked, actor, "assessed", result.conclusion)
    audit.record(
        action="incident.assess",
        actor=actor,
        obj=locked,
        restricted=locked.is_my_number,
        data={"reportable": result.reportable, "grounds": [g.code for g in result.grounds]},
    )
    _copy(locked, incident)
    return result


# --- the people affected -----------------------------------------------------------------------------


@transaction.atomic
def incident_link_members(*, actor: User, incident: Incident, members: Iterable[Member]) -> int:
    """Link roster members to the incident; returns how many were newly linked."""
    _require(actor, incident, Can.MANAGE)
    members = list(members)
    existing = set(incident.affected.values_list("member_id", flat=True))
    new = [AffectedPerson(incident=incident, member=m, added_by=actor) for m in members if m.pk not in existing]
    AffectedPerson.objects.bulk_create(new, ignore_conflicts=True)
    if new:
        _event(incident, actor, "linked", str(len(new)))
        audit.record(
            action="incident.link_members",
            actor=actor,
            obj=incident,
            restricted=incident.is_my_number,
            data={"count": len(new)},
        )
    return len(new)


@dataclass
class CsvResult:
    linked: int = 0
    already: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (row, value, problem)


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DomainError(_("CSVの文字コードを判別できません（UTF-8 または Shift_JIS で保存してください）。"))


def parse_member_numbers(content: bytes) -> tuple[list[tuple[int, str]], list[tuple[int, str, str]]]:
    """(row, member number) pairs and row errors from a CSV whose first column is the member number.
    A first row that is not a number (a header) is skipped."""
    rows, errors = [], []
    seen: dict[str, int] = {}  # member number → the row it first appeared on
    for number, row in enumerate(csv.reader(io.StringIO(_decode(content))), start=1):
        value = normalize_line(row[0]) if row else ""
        if number == 1 and value and not value.isdigit():
            continue
        if not value:
            if any(cell.strip() for cell in row):
                errors.append((number, "", _("組合員番号が空です。")))
            continue
        if contains_my_number(value) and len(value) == 12:
            errors.append((number, "", _("マイナンバーと思われる番号です。組合員番号を記入してください。")))
        elif not value.isdigit():
            errors.append((number, value, _("組合員番号は数字で記入してください。")))
        elif value in seen:
            errors.append((number, value, _("%(row)s行目と重複しています。") % {"row": seen[value]}))
        else:
            seen[value] = number
            rows.append((number, value))
    return rows, errors


@transaction.atomic
def incident_link_csv(*, actor: User, incident: Incident, content: bytes) -> CsvResult:
    """Link the members listed in a CSV, all or nothing: any bad row links nobody."""
    _require(actor, incident, Can.MANAGE)
    rows, errors = parse_member_numbers(content)
    found = {m.member_number: m for m in Member.objects.filter(member_number__in=[value for _row, value in rows])}
    for row, value in rows:
        if value not in found:
            errors.append((row, value, _("名簿にない組合員番号です。")))
    result = CsvResult(errors=sorted(errors))
    if not rows and not errors:
        result.errors.append((0, "", _("組合員番号が1件もありません。")))
    if result.errors:
        audit.record(
            action="incident.link_members",
            actor=actor,
            obj=incident,
            restricted=incident.is_my_number,
            data={"csv_rows": len(rows), "errors": len(result.errors)},
        )
        return result
    existing = set(incident.affected.values_list("member_id", flat=True))
    members = [found[value] for _row, value in rows]
    result.already = sum(1 for member in members if member.pk in existing)
    result.linked = incident_link_members(actor=actor, incident=incident, members=members)
    return result


@transaction.atomic
def incident_unlink_member(*, actor: User, incident: Incident, member_id: int) -> None:
    _require(actor, incident, Can.MANAGE)
    if IncidentNotice.objects.filter(incident=incident, member_id=member_id).exists():
        raise DomainError(_("通知済みの本人は外せません。"))
    deleted, _details = incident.affected.filter(member_id=member_id).delete()
    if deleted:
        _event(incident, actor, "unlinked")
        audit.record(
            action="incident.unlink_member",
            actor=actor,
            obj=incident,
            restricted=incident.is_my_number,
            data={"member_id": member_id},
        )


# --- reports (速報・確報) ------------------------------------------------------------------------


def report_prefill(incident: Incident, stage: str) -> dict[str, str]:
    """What the register already knows, as the starting text of a report's nine items."""
    kinds = "・".join(incident.category_labels) or "漏えい等"
    occurred = timezone.localtime(incident.occurred_at).strftime("%Y年%m月%d日") if incident.occurred_at else "調査中"
    summary = (
        f"{incident.title}（{kinds}、{incident.get_certainty_display()}）。発生日：{occurred}。"
        f"発覚日：{incident.known_on:%Y年%m月%d日}。"
    )
    if incident.damage:
        summary += f"\n{incident.damage}"
    people = incident.people_display
    measures = list(incident.measures.values_list("description", flat=True))
    notices = incident.notices.count()
    affected = incident.affected.count()
    response = ""
    if affected:
        response = f"対象となる本人 {affected} 名のうち {notices} 名に通知済み。"
    return {
        "summary": summary,
        "data_items": incident.data_items,
        "people": f"{people}人" if people is not None else "",
        "cause": incident.cause,
        "secondary_harm": incident.secondary_harm,
        "response_to_persons": response,
        "publication": incident.alternative_measure,
        "recurrence_prevention": "\n".join(measures) or (incident.containment if stage == ReportStage.FINAL else ""),
        "other": incident.contractor and f"委託先：{incident.contractor}",
    }


@transaction.atomic
def report_save_draft(*, actor: User, incident: Incident, stage: str, items: dict) -> IncidentReport:
    """Create or change the draft of the 速報 or 確報; the last editor is its drafter."""
    _require(actor, incident, Can.MANAGE)
    if stage not in ReportStage.values:
        raise DomainError(_("報告の種類が正しくありません。"))
    if not incident.is_reportable:
        raise DomainError(_("報告対象と判定された事案のみ報告を作成できます。"))
    if (
        stage == ReportStage.FINAL
        and not incident.reports.filter(stage=ReportStage.PRELIMINARY, status=ReportStatus.SENT).exists()
    ):
        raise DomainError(_("確報は速報の提出を記録してから作成します。"))
    report = IncidentReport.objects.select_for_update().filter(incident=incident, stage=stage).first()
    if report is not None and report.status != ReportStatus.DRAFT:
        raise DomainError(_("起案中の報告のみ変更できます。"))
    values = {name: _clean_text(items.get(name, "") or "") for name in REPORT_ITEMS}
    if report is None:
        report = IncidentReport(incident=incident, stage=stage, drafted_by=actor)
    for name, value in values.items():
        setattr(report, name, value)
    report.drafted_by, report.drafted_at = actor, timezone.now()
    report.save()
    audit.record(
        action="incident.report_draft",
        actor=actor,
        obj=incident,
        restricted=incident.is_my_number,
        data={"stage": stage},
    )
    return report


def missing_items(report: IncidentReport) -> list[str]:
    return [report_item_label(name) for name in REPORT_ITEMS if not getattr(report, name).strip()]


@transaction.atomic
def report_submit(*, actor: User, report: IncidentReport) -> IncidentReport:
    """Ask for approval. A 確報 must answer all nine items; a 速報 may leave unknown ones open."""
    _require(actor, report.incident, Can.MANAGE)
    report = IncidentReport.objects.select_for_update().select_related("incident").get(pk=report.pk)
    if report.status != ReportStatus.DRAFT:
        raise DomainError(_("起案中の報告のみ承認を依頼できます。"))
    if report.stage == ReportStage.FINAL and (missing := missing_items(report)):
        raise DomainError(
            _("確報ではすべての項目を記入してください：%(items)s") % {"items": list_separator().join(missing)}
        )
    if report.stage == ReportStage.PRELIMINARY and not report.summary.strip():
        raise DomainError(_("速報でも概要は記入してください。"))
    report.status = ReportStatus.AWAITING_APPROVAL
    report.save(update_fields=["status"])
    _event(report.incident, actor, f"report_submitted:{report.stage}")
    audit.record(
        action="incident.report_submit",
        actor=actor,
        obj=report.incident,
        restricted=report.incident.is_my_number,
        data={"stage": report.stage},
    )
    return report


@transaction.atomic
def report_return(*, actor: User, report: IncidentReport, reason: str) -> IncidentReport:
    _require(actor, report.incident, Can.APPROVE)
    report = IncidentReport.objects.select_for_update().select_related("incident").get(pk=report.pk)
    if report.status != ReportStatus.AWAITING_APPROVAL:
        raise DomainError(_("承認待ちの報告のみ差し戻せます。"))
    if not reason.strip():
        raise DomainError(_("理由を入力してください。"))
    report.status = ReportStatus.DRAFT
    report.save(update_fields=["status"])
    _event(report.incident, actor, f"report_returned:{report.stage}", _clean_text(reason))
    audit.record(
        action="incident.report_return",
        actor=actor,
        obj=report.incident,
        restricted=report.incident.is_my_number,
        data={"stage": report.stage},
    )
    return report


@transaction.atomic
def report_approve(*, actor: User, report: IncidentReport) -> IncidentReport:
    """Approve and issue the report: number it and render its PDF. The drafter cannot approve."""

    _require(actor, report.incident, Can.APPROVE)
    report = IncidentReport.objects.select_for_update().select_related("incident").get(pk=report.pk)
    if report.status != ReportStatus.AWAITING_APPROVAL:
        raise DomainError(_("承認待ちの報告のみ承認できます。"))
    if report.drafted_by_id == actor.pk:
        raise DomainError(_("起案者は自分の報告を承認できません（職務の分離）。"))
    report.status, report.approved_by, report.approved_at = ReportStatus.APPROVED, actor, timezone.now()
    report.document_number = allocate_document_number(report.incident)
    pdf = render_report(report)
    report.storage_name = storage.save(pdf)
    report.sha256 = storage.sha256_hex(pdf)
    report.save()
    _event(report.incident, actor, f"report_approved:{report.stage}", report.document_number)
    audit.record(
        action="incident.report_approve",
        actor=actor,
        obj=report.incident,
        restricted=report.incident.is_my_number,
        data={"stage": report.stage, "sha256": report.sha256},
    )
    return report


@transaction.atomic
def report_mark_sent(*, actor: User, report: IncidentReport, sent_on: date) -> IncidentReport:
    """Record the day the approved report went to the 個人情報保護委員会; moves the incident on."""
    _require(actor, report.incident, Can.MANAGE)
    report = IncidentReport.objects.select_for_update().select_related("incident").get(pk=report.pk)
    if report.status != ReportStatus.APPROVED:
        raise DomainError(_("承認済みの報告のみ提出を記録できます。"))
    if sent_on > timezone.localdate():
        raise DomainError(_("提出日に未来の日付は指定できません。"))
    if sent_on < report.incident.known_on:
        raise DomainError(_("提出日は知った日より前にはできません。"))
    report.status, report.sent_on = ReportStatus.SENT, sent_on
    report.save(update_fields=["status", "sent_on"])
    incident = report.incident
    stamp = "preliminary_sent_on" if report.stage == ReportStage.PRELIMINARY else "final_sent_on"
    Incident.objects.filter(pk=incident.pk).update(**{stamp: sent_on})
    audit.record(
        action="incident.report_sent",
        actor=actor,
        obj=incident,
        restricted=incident.is_my_number,
        data={"stage": report.stage, "sent_on": sent_on.isoformat()},
    )
    _catch_up(incident, actor)
    return report


def allocate_document_number(incident: Incident) -> str:

    prefix = document_prefix(incident)
    serial = allocate_number(scope=f"incident_document:{prefix}", year=fiscal_year(timezone.localdate()))
    return f"{prefix}第{serial}号"


# --- notices to the affected ---------------------------------------------------------------------------


@transaction.atomic
def notice_issue(*, actor: User | None, incident: Incident, member: Member) -> IncidentNotice | None:
    """The notice to one affected member: numbered PDF, and a mail pointing to it (or to the post
    when the member has no account). Returns None when the member already has one."""

    if actor is not None:
        _require(actor, incident, Can.MANAGE)
    if not incident.is_reportable:
        raise DomainError(_("本人への通知は報告対象の事案について行います。"))
    if IncidentNotice.objects.filter(incident=incident, member=member).exists():
        return None
    if not incident.affected.filter(member=member).exists():
        raise DomainError(_("この組合員は事案の本人として登録されていません。"))
    notice = IncidentNotice(incident=incident, member=member, document_number=allocate_document_number(incident))
    pdf = render_notice(notice)
    notice.storage_name, notice.sha256 = storage.save(pdf), storage.sha256_hex(pdf)
    login = User.objects.filter(member=member, is_active=True).first()
    mail = mail_enqueue(
        key=f"incident:{incident.pk}:notice:{member.pk}",
        template="incident_notice",
        context={"incident": incident, "notice": notice, "has_account": login is not None},
        to_user=login,
        to_email="" if login is not None else member.email,
    )
    if mail is not None and incident.is_my_number:
        OutboundMail.objects.filter(pk=mail.pk).update(restricted=True)
    notice.mail = mail
    notice.save()
    audit.record(
        action="incident.notice",
        actor=actor,
        obj=incident,
        restricted=incident.is_my_number,
        data={"member_id": member.pk, "document_number": notice.document_number},
    )
    _maybe_stamp_notices_complete(incident)
    return notice


def _maybe_stamp_notices_complete(incident: Incident) -> None:
    waiting = incident.affected.exclude(member__incident_notices__incident=incident).exists()
    if not waiting:
        Incident.objects.filter(pk=incident.pk, notices_completed_on__isnull=True).update(
            notices_completed_on=timezone.localdate()
        )


def notices_start(*, actor: User, incident: Incident) -> BulkJob:
    """Start the bulk job that issues every missing notice (progress on the job's page)."""

    _require(actor, incident, Can.MANAGE)
    if not incident.is_reportable:
        raise DomainError(_("本人への通知は報告対象の事案について行います。"))
    return jobs.job_start(
        kind=NOTICE_JOB, actor=actor, params={"incident_id": incident.pk, "restricted": incident.is_my_number}
    )


@transaction.atomic
def notice_alternative(*, actor: User, incident: Incident, measure: str, reason: str, on: date) -> None:
    """Record a substitute for the notice (公表 and an inquiry desk) where notifying is difficult
    (個人情報保護法第26条第2項ただし書), with the reason."""
    _require(actor, incident, Can.MANAGE)
    if not measure.strip() or not reason.strip():
        raise DomainError(_("代替措置の内容と理由を入力してください。"))
    Incident.objects.filter(pk=incident.pk).update(
        alternative_measure=_clean_text(measure), alternative_reason=_clean_text(reason), alternative_on=on
    )
    incident.refresh_from_db()
    _event(incident, actor, "alternative", measure)
    audit.record(action="incident.alternative", actor=actor, obj=incident, restricted=incident.is_my_number)


# --- committees and 再発防止策 -------------------------------------------------------------------------

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


@transaction.atomic
def review_record(
    *,
    actor: User,
    incident: Incident,
    committee: str,
    held_on: date,
    conclusion: str,
    attachment: tuple[str, bytes] | None = None,
) -> IncidentReview:
    """A committee's review (date, conclusion, optional PDF minutes)."""
    _require(actor, incident, Can.MANAGE)
    if committee not in Committee.values:
        raise DomainError(_("委員会を選んでください。"))
    review = IncidentReview(
        incident=incident, committee=committee, held_on=held_on, conclusion=_clean_text(conclusion), recorded_by=actor
    )
    if attachment is not None:
        name, content = attachment
        if not content.startswith(b"%PDF-") or len(content) > MAX_ATTACHMENT_BYTES:
            raise DomainError(_("添付できるのは10MBまでのPDFです。"))
        if contains_my_number(name):
            raise DomainError(_("ファイル名にマイナンバーと思われる番号が含まれています。"))
        review.attachment_name, review.attachment_type = normalize_line(name)[:120], "application/pdf"
        review.attachment_storage = storage.save(content)
    review.save()
    _event(incident, actor, f"review:{committee}")
    audit.record(
        action="incident.review",
        actor=actor,
        obj=incident,
        restricted=incident.is_my_number,
        data={"committee": committee},
    )
    return review


@transaction.atomic
def measure_add(*, actor: User, incident: Incident, description: str, owner: User, due_on: date) -> IncidentMeasure:
    _require(actor, incident, Can.MANAGE)
    if not owner.is_active or not (_caps(owner, incident.is_my_number)):
        raise DomainError(_("担当者には、この事案を閲覧できる職員を選んでください。"))
    measure = IncidentMeasure.objects.create(
        incident=incident, description=_clean_text(description), owner=owner, due_on=due_on
    )
    audit.record(
        action="incident.measure",
        actor=actor,
        obj=incident,
        restricted=incident.is_my_number,
        data={"measure_id": measure.pk},
    )
    return measure


@transaction.atomic
def measure_complete(*, actor: User, measure: IncidentMeasure, note: str, on: date | None = None) -> IncidentMeasure:
    _require(actor, measure.incident, Can.MANAGE)
    if measure.done_on is not None:
        raise DomainError(_("この再発防止策は完了済みです。"))
    measure.done_on, measure.done_note = on or timezone.localdate(), _clean_text(note)
    measure.save(update_fields=["done_on", "done_note"])
    audit.record(
        action="incident.measure_done",
        actor=actor,
        obj=measure.incident,
        restricted=measure.incident.is_my_number,
        data={"measure_id": measure.pk},
    )
    return measure
