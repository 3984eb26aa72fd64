"""Start a new audit chain key epoch after DSR_AUDIT_CHAIN_KEY was changed (see README: key rotation).

`--generate` prints a fresh random key to put into the environment; without it, the command
appends the `audit.key_epoch` entry that hands the chain from the previous key to the current
one (endorsed by the previous key, which must be listed in DSR_AUDIT_CHAIN_PREVIOUS_KEYS).
The first audit entry written under a new key opens the epoch by itself as well; running the
command right after the switch records the moment of the rotation.
"""

import secrets
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from requests_portal import audit
from requests_portal.models import AuditEntry


class Command(BaseCommand):
    help = "監査ログの鍵を切り替えたあと、新しい鍵の期間の始まりを監査ログに記録します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--generate", action="store_true", help="print a new random key and exit")

    def handle(self, *args: Any, **options: object) -> None:
        if options["generate"]:
            self.stdout.write(secrets.token_urlsafe(48))
            return
        last = AuditEntry.objects.order_by("-id").values_list("key_id", flat=True).first()
        current_id, _key = audit.current_key()
        if last and last not in audit.keyring():
            raise CommandError(
                f"the chain's current key {last} is not configured: add the previous key to "
                "DSR_AUDIT_CHAIN_PREVIOUS_KEYS so that it can endorse the new one"
            )
        epoch = audit.start_key_epoch()
        if epoch is None:
            self.stdout.write(f"key {current_id} is already the chain's key; nothing to do")
        else:
            self.stdout.write(f"key epoch started at entry #{epoch.pk}: {last or '(unkeyed)'} -> {current_id}")
