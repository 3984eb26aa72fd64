"""`manage.py revoke_api_token NAME`: the client's token stops working at its next call."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from requests_portal.api.tokens import TokenError, revoke_token


class Command(BaseCommand):
    help = "基幹システム連携APIのクライアントのトークンを失効させます。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="the client's name")

    def handle(self, *args: Any, **options: object) -> None:
        try:
            client = revoke_token(actor=None, name=str(options["name"]))
        except TokenError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"revoked: {client.name} (at {client.revoked_at:%Y-%m-%d %H:%M:%S %Z})")
