"""After restoring a backup: dispose again of everything disposed of since the backup was taken.

The disposal journal (DSR_DISPOSAL_JOURNAL_FILE, outside the database and the backup) lists
each committed disposal with the exact object; entries after `--since` (the backup's time,
from its manifest) are applied again, then the ordinary retention purge runs. Idempotent.
"""

from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from requests_portal import retention


class Command(BaseCommand):
    help = "バックアップからの復元後、バックアップ以降に行った廃棄をもう一度適用します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", required=True, help="the backup's time (ISO 8601, from its manifest)")
        parser.add_argument("--journal", default=None, help="journal file (default DSR_DISPOSAL_JOURNAL_FILE)")

    def handle(self, *args: Any, **options: object) -> None:
        try:
            since = datetime.fromisoformat(str(options["since"]))
        except ValueError as exc:
            raise CommandError(f"--since is not an ISO 8601 time: {exc}") from None
        if since.tzinfo is None:
            raise CommandError("--since needs a time zone (as written in the backup manifest)")
        journal = Path(str(options["journal"])) if options["journal"] else None
        entries = retention.read_disposal_journal(journal, since=since)
        result = retention.repurge_after_restore(entries=entries)
        self.stdout.write(
            f"re-purged after restore: {len(entries)} journalled disposals since {since.isoformat()}, "
            f"applied {result.counts}, failed {result.failed}"
        )
        if result.failed:
            raise CommandError(f"{result.failed} items could not be disposed of; see the log")
