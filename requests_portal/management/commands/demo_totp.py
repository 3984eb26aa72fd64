"""Print the current demo TOTP code of a demo staff account (DEBUG only)."""

import time
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from requests_portal.demo_auth import current_code, demo_totp_secret
from requests_portal.models import User


class Command(BaseCommand):
    help = "デモ用職員アカウントの現在の確認コード（TOTP）を表示します（DEBUG のときのみ）。"
    # A person is waiting for a code that lasts 30 seconds: skip the system checks (seconds of
    # URL and template loading) that `manage.py check` and every server start already run.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="デモ職員のメールアドレス（例: ga-staff@demo.keiseikyo.example）")

    def handle(self, *args: str, **options: Any) -> None:
        email = str(options["email"]).strip().lower()
        try:
            secret = demo_totp_secret(email)
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        if not User.objects.filter(email=email, is_active=True).exists():
            raise CommandError(f"No active account {email}.")
        now = time.time()
        left = 30 - int(now % 30)
        self.stdout.write(f"{current_code(email, at=now)}  (valid for {left} s more)")
        self.stdout.write(f"secret for an authenticator app: {secret}")
