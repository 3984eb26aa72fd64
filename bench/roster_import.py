"""Roster import throughput: generate a CSV of N members, import it (create), import a changed
copy (update), print rows per second. Runs inside a transaction that is rolled back, so the
configured database keeps nothing.

    DJANGO_DEBUG=1 .venv/bin/python bench/roster_import.py 100000
    DATABASE_URL=postgres://... .venv/bin/python bench/roster_import.py 100000
"""

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "keiseikyo.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402

from requests_portal.roster import import_roster  # noqa: E402

HEADER = "組合員番号,氏名,フリガナ,生年月日,〒,住所,電話,メール\n"


def write_roster(path: Path, rows: int, *, address: str) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write(HEADER)
        for n in range(rows):
            handle.write(
                f"{9000000 + n},試験 太郎{n},ｼｹﾝ ﾀﾛｳ,昭和55年{n % 12 + 1}月{n % 28 + 1}日,100-0013,"
                f"{address}{n}番,03-0000-{n % 10000:04d},m{n}@example.jp\n"
            )


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    with tempfile.TemporaryDirectory() as folder:
        first, second = Path(folder) / "a.csv", Path(folder) / "b.csv"
        write_roster(first, rows, address="東京都千代田区霞が関")
        write_roster(second, rows, address="東京都港区芝公園")
        print(f"database: {connection.vendor}, rows: {rows}")
        with transaction.atomic():
            for label, path in (("create", first), ("update", second), ("unchanged", second)):
                started = time.perf_counter()
                result = import_roster(path)
                elapsed = time.perf_counter() - started
                print(
                    f"{label:9s} {elapsed:7.2f} s  {rows / elapsed:9.0f} rows/s  "
                    f"(created {result.created}, updated {result.updated}, unchanged {result.unchanged})"
                )
            transaction.set_rollback(True)


if __name__ == "__main__":
    main()
