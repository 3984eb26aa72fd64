"""Delete what is past its retention period, or (--dry-run) list what the next purge would delete.

The nightly beat task does the same purge (requests_portal.retention_purge); this command is for
administrators: to preview, or to run a purge by hand. Every deletion writes a disposal record.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from requests_portal import retention


class Command(BaseCommand):
    help = "保存期間を過ぎた書類・事案記録を削除します（--dry-run で削除予定の一覧のみ表示）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="list what would be deleted; delete nothing")
        parser.add_argument("--limit", type=int, default=200, help="items listed per category in a dry run")

    def handle(self, *args: str, **options: Any) -> None:
        if options["dry_run"]:
            self._preview(int(options["limit"]))
            return
        result = retention.retention_purge(job_label=retention.COMMAND_JOB)
        for category, count in result.counts.items():
            self.stdout.write(f"{retention.DisposalCategory.labels[category]}: {count}")
        summary = f"Purged {result.total} item(s); {result.failed} could not be purged (see the log)."
        self.stdout.write(self.style.SUCCESS(summary) if not result.failed else self.style.WARNING(summary))

    def _preview(self, limit: int) -> None:
        plan = retention.purge_preview(limit=limit)
        self.stdout.write(f"Dry run at {timezone.localtime(plan.now):%Y-%m-%d %H:%M}: nothing is deleted.")
        for category in plan.categories:
            self.stdout.write(f"\n{category.label}: {category.count}")
            for item in category.items:
                since = f"{timezone.localtime(item.since):%Y-%m-%d}" if item.since else "-"
                restricted = " [マイナンバー]" if item.restricted else ""
                self.stdout.write(f"  {item.reference}  {item.detail}  {since}{restricted}")
            if category.count > len(category.items):
                self.stdout.write(f"  … and {category.count - len(category.items)} more")
        if plan.held_cases:
            self.stdout.write(f"\nKept because of a legal hold: {plan.held_cases} case(s).")
        self.stdout.write(f"\nTotal that the next purge would delete: {plan.total}")
