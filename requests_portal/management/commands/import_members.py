"""`manage.py import_members FILE.csv`: load or update the member roster, all or nothing."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from requests_portal.roster import RosterFileError, import_roster


class Command(BaseCommand):
    help = (
        "組合員名簿（CSV：組合員番号, 氏名, フリガナ, 生年月日, 〒, 住所, 電話, メール）を取り込みます。"
        "不備のある行が1行でもあれば、何も取り込みません。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV file (UTF-8 or Shift_JIS) with a header row")
        parser.add_argument("--encoding", help="force the encoding (e.g. utf-8, cp932); detected by default")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")

    def handle(self, *args: str, **options: Any) -> None:
        path = Path(str(options["file"]))
        if not path.is_file():
            raise CommandError(f"ファイルが見つかりません：{path}")
        verbosity = int(options.get("verbosity", 1))

        def progress(done: int, total: int) -> None:
            if verbosity > 1:
                self.stdout.write(f"  {done}/{total}")

        try:
            result = import_roster(
                path, encoding=options.get("encoding") or None, dry_run=bool(options["dry_run"]), progress=progress
            )
        except RosterFileError as exc:
            raise CommandError(str(exc)) from None
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"不備のある行が {len(result.errors)} 行あったため、何も取り込みませんでした"
                f"（確認した行：{result.rows + len(result.errors)}）。"
            )
        verb = "取り込めます（試行のため書き込んでいません）" if result.dry_run else "取り込みました"
        counts = f"新規 {result.created} 件、更新 {result.updated} 件、変更なし {result.unchanged} 件"
        self.stdout.write(self.style.SUCCESS(f"{result.rows} 行を{verb}：{counts}"))
