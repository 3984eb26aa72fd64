"""The 速報/確報 as data: the nine items of 規則第8条第1項 as CSV (UTF-8 with BOM, formula cells
escaped, like the portal's other CSVs) and as JSON, for filing through the PPC's form."""

import csv
import io

from requests_portal.models import IncidentReport

FIELDS = (
    ("summary", "概要"),
    ("data_items", "個人データの項目"),
    ("people", "本人の数"),
    ("cause", "原因"),
    ("secondary_harm", "二次被害又はそのおそれの有無及びその内容"),
    ("response_to_persons", "本人への対応の実施状況"),
    ("publication", "公表の実施状況"),
    ("recurrence_prevention", "再発防止のための措置"),
    ("other", "その他参考となる事項"),
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    # A cell a spreadsheet would run as a formula is prefixed so that it stays text.
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def report_as_dict(report: IncidentReport) -> dict:
    incident = report.incident
    return {
        "incident": incident.reference,
        "stage": report.stage,
        "stage_label": str(report.get_stage_display()),
        "document_number": report.document_number,
        "known_on": incident.known_on.isoformat(),
        "status": report.status,
        "sent_on": report.sent_on.isoformat() if report.sent_on else None,
        "items": [{"key": key, "heading": heading, "text": getattr(report, key)} for key, heading in FIELDS],
    }


def report_as_csv(report: IncidentReport) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["項目", "内容"])
    data = report_as_dict(report)
    writer.writerow(["事案番号", data["incident"]])
    writer.writerow(["報告の種類", data["stage_label"]])
    writer.writerow(["文書番号", data["document_number"]])
    for item in data["items"]:
        writer.writerow([item["heading"], _cell(item["text"])])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
