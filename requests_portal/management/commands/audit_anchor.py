"""Append the audit chain head to the anchor file (beat does this hourly)."""

from typing import Any

from django.core.management.base import BaseCommand

from requests_portal import audit


class Command(BaseCommand):
    help = "監査ログの先頭（最新行のハッシュ）をデータベース外のファイルに追記します。"

    def handle(self, *args: str, **options: Any) -> None:
        head = audit.write_anchor()
        if head is None:
            self.stdout.write("audit trail is empty; nothing anchored")
        else:
            self.stdout.write(f"anchored #{head[0]} {head[1][:16]}… to {audit.anchor_path()}")
