"""`manage.py import_provision_records`: encodings, the row-by-row report, all or nothing,
idempotence on the record number, duplicates, Art. 16(2) recipients and My Numbers."""

from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
import time_machine

from django.core.management import CommandError, call_command
from django.utils import timezone

from requests_portal.models import AuditEntry, ProvisionRecord
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[3] / "docs" / "samples"
HEADER = (
    "記録番号,区分,年月日,組合員番号,第三者の氏名又は名称,第三者の住所,第三者の代表者,第三者の区分,"
    "個人データの項目,提供の根拠,法令上の根拠,取得の経緯,公表されている旨,記録の作成方法"
)
# A checksum-valid 12-digit individual number (個人番号), as the detector tests use.
MY_NUMBER = "123456789018"


def recent() -> str:
    return (timezone.localdate() - timedelta(days=30)).isoformat()


def provided(number: str, **cells: str) -> str:
    values = {
        "record_number": number,
        "direction": "提供",
        "occurred_on": recent(),
        "member_number": "100001",
        "name": "株式会社共済サービス",
        "address": "東京都港区芝公園1-1-1",
        "representative": "代表取締役 鈴木 一郎",
        "kind": "民間",
        "items": "氏名、住所、共済契約番号",
        "basis": "同意",
        "statutory": "",
        "acquisition": "",
        "published": "",
        "form": "都度",
    } | cells
    return ",".join(values.values())


def write(tmp_path: Path, *rows: str, encoding: str = "utf-8", name: str = "records.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(("\r\n".join([HEADER, *rows]) + "\r\n").encode(encoding))
    return path


def run(path: Path, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_provision_records", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def member(db):
    return MemberFactory(member_number="100001")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_utf8_with_or_without_bom_and_shift_jis_are_read_alike(tmp_path, member, encoding):
    path = write(tmp_path, provided("PR-1", name="髙橋商事株式会社"), encoding=encoding)
    out, _err = run(path)
    assert "新規 1 件" in out
    assert ProvisionRecord.objects.get(source_ref="PR-1").third_party_name == "髙橋商事株式会社"


def test_a_forced_encoding_that_does_not_fit_is_a_clear_error(tmp_path, member):
    path = write(tmp_path, provided("PR-1"), encoding="cp932")
    with pytest.raises(CommandError, match="utf-8"):
        run(path, "--encoding", "utf-8")
    assert not ProvisionRecord.objects.exists()


def test_the_sample_files_import_with_the_police_row_flagged(tmp_path, member):
    # The samples carry fixed dates; they are still inside their retention period in 2026–2027.
    with time_machine.travel("2026-12-01 09:00 +0900", tick=False):
        for sample in ("provision_records.csv", "provision_records_sjis.csv"):
            out, _err = run(SAMPLES / sample)
            assert "PR-2026-0004" in out
            assert "第16条第2項" in out
        assert sorted(ProvisionRecord.objects.values_list("source_ref", flat=True)) == [
            "PR-2026-0001",
            "PR-2026-0002",
            "PR-2026-0003",
        ]
        opt_out = ProvisionRecord.objects.get(source_ref="PR-2026-0002")
        assert (opt_out.direction, opt_out.legal_basis, opt_out.opt_out_published) == ("received", "opt_out", True)
        assert ProvisionRecord.objects.get(source_ref="PR-2026-0003").record_form == "contract"


def test_rerunning_is_idempotent_and_a_change_updates_by_record_number(tmp_path, member):
    path = write(tmp_path, provided("PR-1"), provided("PR-2"))
    assert "新規 2 件" in run(path)[0]
    assert "変更なし 2 件" in run(path)[0]
    path = write(tmp_path, provided("PR-1", items="氏名"), provided("PR-2"))
    assert "更新 1 件、変更なし 1 件" in run(path)[0]
    assert ProvisionRecord.objects.get(source_ref="PR-1").data_items == "氏名"
    assert ProvisionRecord.objects.count() == 2


def test_a_dry_run_counts_and_writes_nothing(tmp_path, member):
    out, _err = run(write(tmp_path, provided("PR-1")), "--dry-run")
    assert "試行" in out
    assert "新規 1 件" in out
    assert not ProvisionRecord.objects.exists()
    assert not AuditEntry.objects.filter(action="provision_records.import").exists()


def test_every_bad_row_is_reported_by_line_and_column_and_nothing_is_written(tmp_path, member):
    path = write(
        tmp_path,
        provided("PR-1"),
        provided("PR-2", address="", direction="受領", basis="オプトアウト"),
        provided("PR-1"),
        provided("PR-3", occurred_on="2026-02-30"),
        provided("PR-4", member_number="999999"),
        "PR-5,提供",
    )
    with pytest.raises(CommandError, match="5 行"):
        run(path)
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_provision_records", str(path), stderr=err, stdout=StringIO())
    report = err.getvalue().splitlines()
    assert "3行目［第三者の住所］ この記録には第三者の住所が必要です。" in report
    assert "3行目［取得の経緯］ 受領の記録には、第三者による取得の経緯が必要です。" in report
    assert (
        "3行目［公表されている旨］ オプトアウトによる受領では、公表されている旨を確認して記録してください。" in report
    )
    assert "4行目［記録番号］ 2行目と同じ記録番号です。" in report
    assert "5行目［年月日］ 存在しない日付です。" in report
    assert "6行目［組合員番号］ この組合員番号は名簿にありません。" in report
    assert "7行目 列の数（2）が見出し（14）と一致しません。" in report
    assert not ProvisionRecord.objects.exists()


def test_an_article_16_2_recipient_is_flagged_and_not_stored(tmp_path, member):
    police = provided("PR-9", name="警視庁", kind="地方公共団体", basis="法令", statutory="刑事訴訟法第197条第2項")
    out, _err = run(write(tmp_path, provided("PR-1"), police))
    assert "3行目（記録番号 PR-9）：保存しません。" in out
    assert "第16条第2項" in out
    assert "新規 1 件" in out
    assert "保存しない行 1 件" in out
    assert list(ProvisionRecord.objects.values_list("source_ref", flat=True)) == ["PR-1"]


def test_a_my_number_anywhere_rejects_the_row_and_is_never_echoed(tmp_path, member):
    path = write(tmp_path, provided("PR-1"), provided("PR-2", items=f"氏名、個人番号 {MY_NUMBER}"))
    err = StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("import_provision_records", str(path), stderr=err, stdout=StringIO())
    assert "3行目［個人データの項目］ 個人データの項目にマイナンバーと思われる番号が含まれています。" in err.getvalue()
    assert MY_NUMBER not in err.getvalue() + str(refused.value)
    assert not ProvisionRecord.objects.exists()


def test_an_unknown_column_or_a_missing_one_refuses_the_file(tmp_path, member):
    path = tmp_path / "bad.csv"
    path.write_text("記録番号,区分,年月日,組合員番号,第三者の名前\nPR-1,提供,2026-01-01,100001,x\n", encoding="utf-8")
    with pytest.raises(CommandError, match="第三者の名前"):
        run(path)


def test_an_import_is_audited_with_its_counts(tmp_path, member):
    run(write(tmp_path, provided("PR-1"), name="core-2026-11.csv"))
    entry = AuditEntry.objects.get(action="provision_records.import")
    assert entry.data["created"] == 1
    assert entry.data["file"] == "core-2026-11.csv"


def test_a_record_already_past_its_retention_period_is_reported_and_not_stored(tmp_path, member):
    old = (timezone.localdate() - timedelta(days=400)).isoformat()
    out, _err = run(write(tmp_path, provided("PR-OLD", occurred_on=old, form="契約書等"), provided("PR-1")))
    assert "2行目（記録番号 PR-OLD）：保存しません。" in out
    assert "第21条" in out
    assert list(ProvisionRecord.objects.values_list("source_ref", flat=True)) == ["PR-1"]
