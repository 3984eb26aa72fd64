"""Create (or bring up to date) the PostgreSQL role the portal runs as.

Run it as the database owner, after every `migrate` (new tables need their grants). The role
may log in and read and write every table, except that on the audit table it may only SELECT
and INSERT: no UPDATE, DELETE or TRUNCATE. It owns nothing, so it cannot ALTER a table, drop
or disable the append-only trigger, or grant itself more (個人情報保護法第23条 安全管理措置:
the audit trail must not be alterable by the application that it records).
"""

import os
import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from requests_portal.models import AuditEntry

_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class Command(BaseCommand):
    help = "アプリケーション用のデータベースロールを作成し、監査ログは参照と追記のみに制限します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--role", default="keiseikyo_app", help="role name (default keiseikyo_app)")
        parser.add_argument(
            "--password-env",
            default="DSR_APP_DB_PASSWORD",
            help="environment variable holding the role's password (default DSR_APP_DB_PASSWORD)",
        )

    def handle(self, *args: Any, **options: object) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("create_app_role needs PostgreSQL (DATABASE_URL).")
        role = str(options["role"])
        if not _ROLE_NAME.match(role):
            raise CommandError("the role name may hold lower-case letters, digits and '_' only")
        password = os.environ.get(str(options["password_env"]), "")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT current_user, current_database()")
            owner, database = cursor.fetchone()
            if owner == role:
                raise CommandError("run this as the database owner, not as the application role")
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            verb = "ALTER" if cursor.fetchone() else "CREATE"
            # Never a superuser, never able to create databases or roles, never bypassing row rules.
            attributes = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT"
            if password:
                cursor.execute(f"{verb} ROLE {role} {attributes} PASSWORD %s", [password])
            else:
                cursor.execute(f"{verb} ROLE {role} {attributes}")
            audit_table = connection.ops.quote_name(AuditEntry._meta.db_table)
            for statement in (
                f'GRANT CONNECT, TEMPORARY ON DATABASE "{database}" TO {role}',
                f"GRANT USAGE ON SCHEMA public TO {role}",
                f"REVOKE CREATE ON SCHEMA public FROM {role}",
                f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}",
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
                f"REVOKE UPDATE, DELETE, TRUNCATE ON {audit_table} FROM {role}",
                f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}",
            ):
                cursor.execute(statement)
        self.stdout.write(
            f"{'updated' if verb == 'ALTER' else 'created'} role {role} on {database}: read/write on every table, "
            f"SELECT and INSERT only on {AuditEntry._meta.db_table}; owner stays {owner}. "
            "Run again after each migrate."
        )
