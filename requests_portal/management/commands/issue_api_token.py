"""`manage.py issue_api_token NAME --scope S [--scope S…] [--allow CIDR…] [--rate 120/min]`:
create a core-system API client and print its token, once (only a digest is stored)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from requests_portal.api.tokens import TokenError, issue_token
from requests_portal.models import ApiScope


class Command(BaseCommand):
    help = "基幹システム連携APIのクライアントを作成し、トークンを一度だけ表示します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="the client's name (as the audit trail will show it)")
        parser.add_argument(
            "--scope", action="append", default=[], choices=ApiScope.values, help="a scope (repeat for several)"
        )
        parser.add_argument(
            "--allow", action="append", default=[], help="a client network, e.g. 10.0.0.0/8 (repeat; default: any)"
        )
        parser.add_argument("--rate", default="", help="calls per period, e.g. 120/min, 5/s, 1000/hour")

    def handle(self, *args: Any, **options: object) -> None:
        try:
            issued = issue_token(
                actor=None,
                name=str(options["name"]),
                scopes=list(options["scope"]),  # type: ignore[call-overload]
                networks=list(options["allow"]),  # type: ignore[call-overload]
                rate=str(options["rate"]),
            )
        except TokenError as exc:
            raise CommandError(str(exc)) from None
        client = issued.client
        self.stdout.write(f"client:   {client.name}")
        self.stdout.write(f"scopes:   {' '.join(client.scopes)}")
        self.stdout.write(f"networks: {' '.join(client.allowed_networks) or 'any'}")
        self.stdout.write(f"rate:     {client.rate_limit} calls / {client.rate_period_seconds} s")
        self.stdout.write("token (shown once; store it in the client's secret store):")
        self.stdout.write(issued.token)
