"""Recompute the audit chain and report the first broken entry (exit status 1 if any)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from requests_portal import audit


class Command(BaseCommand):
    help = "監査ログのハッシュチェーンを検証し、最初に壊れている行を報告します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--anchor-file",
            default=None,
            help="Anchor file written by `audit_anchor` (default: DSR_AUDIT_ANCHOR_FILE); '-' to skip.",
        )

    def handle(self, *args: str, **options: Any) -> None:
        anchor_option = options["anchor_file"]
        anchors = [] if anchor_option == "-" else audit.read_anchors(Path(anchor_option) if anchor_option else None)
        result = audit.verify_chain(anchors=anchors)
        if result.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    f"OK: {result.checked} entries, head #{result.head_id} {result.head_hash[:16]}…, "
                    f"{len(anchors)} anchors matched"
                )
            )
            return
        raise CommandError(f"BROKEN at entry #{result.broken_id}: {result.reason} (checked {result.checked})")
