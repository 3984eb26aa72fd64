"""`manage.py import_provision_records FILE.csv [--dry-run] [--encoding auto|utf-8|shift_jis]`:
load the core system's third-party provision records, all or nothing (docs/integration.md)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from requests_portal.provision_csv import ENCODING_CHOICES, ProvisionFileError, import_provision_csv
from requests_portal.services.provision_records import ProvisionRowsInvalid


class Command(BaseCommand):
    help = (
        "第三者提供記録（CSV、見出し行つき）を基幹システムの記録番号で登録・更新します。"
        "誤りのある行が1行でもあれば、何も登録しません。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV file (UTF-8 with or without BOM, or Shift_JIS) with a header row")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument(
            "--encoding", choices=ENCODING_CHOICES, default="auto", help="the file's encoding (default: detect)"
        )

    def handle(self, *args: str, **options: Any) -> None:
        path = Path(str(options["file"]))
        if not path.is_file():
            raise CommandError(f"ファイルが見つかりません：{path}")
        try:
            result, encoding = import_provision_csv(
                content=path.read_bytes(),
                encoding=str(options["encoding"]),
                dry_run=bool(options["dry_run"]),
                actor=None,
                filename=path.name,
            )
        except ProvisionFileError as exc:
            raise CommandError(str(exc)) from None
        except ProvisionRowsInvalid as invalid:
            for problem in invalid.problems:
                where = f"{problem.row}行目" + (f"［{problem.column_label}］" if problem.column else "")
                self.stderr.write(f"{where} {problem.message}")
            rows = len({problem.row for problem in invalid.problems})
            raise CommandError(f"誤りのある行が {rows} 行あったため、何も登録しませんでした。") from None
        for row in result.exempt:
            self.stdout.write(f"{row.row}行目（記録番号 {row.record_number}）：保存しません。{row.reason}")
        verb = "登録できます（試行のため書き込んでいません）" if result.dry_run else "登録しました"
        counts = (
            f"新規 {result.created} 件、更新 {result.updated} 件、変更なし {result.unchanged} 件、"
            f"保存しない行 {len(result.exempt)} 件"
        )
        self.stdout.write(self.style.SUCCESS(f"{result.rows} 行（{encoding}）を{verb}：{counts}"))
