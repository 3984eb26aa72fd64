"""Drill: back up, change more (a purge among it), restore into a fresh database and file area,
re-purge from the disposal journal; the audit chain verifies and every file decrypts to its hash.
PostgreSQL only (pg_dump / pg_restore)."""

import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from django.db import connection
from django.utils import timezone

from requests_portal import audit, retention, storage
from requests_portal.models import Document, DocumentCategory
from tests.factories import submit
from tests.integration.conftest import ROOT

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _database_url(name: str) -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + name))


def _upload(owner, *, hours_ago: float, dsr=None) -> Document:  # type: ignore[no-untyped-def]
    content = os.urandom(64) + f"{owner.pk}-{hours_ago}".encode()
    return Document.objects.create(
        dsr=dsr,
        owner=owner,
        category=DocumentCategory.SUPPORTING,
        original_name="書類.pdf",
        content_type="application/pdf",
        size_bytes=len(content),
        sha256=storage.sha256_hex(content),
        storage_name=storage.save(content),
        uploaded_at=timezone.now() - timedelta(hours=hours_ago),
    )


def _run(script: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    result = subprocess.run(  # noqa: S603
        [shutil.which("bash") or "/bin/bash", str(ROOT / "scripts" / script), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"{script} failed:\n{result.stdout}\n{result.stderr}"
    return result


def test_backup_restore_and_repurge_drill(settings, tmp_path, member):
    if connection.vendor != "postgresql" or not os.environ.get("DATABASE_URL"):
        if os.environ.get("DSR_REQUIRE_ALL_TESTS"):
            pytest.fail("needs DATABASE_URL (PostgreSQL)")
        pytest.skip("needs DATABASE_URL (PostgreSQL)")
    live_db = connection.settings_dict["NAME"]
    restored_db = f"{live_db}_restored"
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    base_env.update(
        DJANGO_SETTINGS_MODULE="keiseikyo.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=settings.SECRET_KEY,
        DSR_FILE_ENCRYPTION_KEY=settings.DSR_FILE_ENCRYPTION_KEY,
        DSR_AUDIT_CHAIN_KEY=settings.DSR_AUDIT_CHAIN_KEY,
        DSR_DISPOSAL_JOURNAL_FILE=str(settings.DSR_DISPOSAL_JOURNAL_FILE),
        DSR_VAR_DIR=str(tmp_path / "var"),
        PYTHON=sys.executable,
    )
    base_env.pop("REDIS_URL", None)

    # --- the state at backup time: a case, a stale unattached upload, a fresh one --------------
    case = submit(member)
    stale = _upload(member, hours_ago=30)
    fresh = _upload(member, hours_ago=1)
    assert audit.verify_chain(anchors=audit.read_anchors()).ok
    backup = _run(
        "backup.sh",
        str(tmp_path / "backups"),
        env={
            **base_env,
            "DATABASE_URL": _database_url(live_db),
            "DSR_PRIVATE_ROOT": str(settings.DSR_PRIVATE_ROOT),
            "DSR_AUDIT_ANCHOR_FILE": str(settings.DSR_AUDIT_ANCHOR_FILE),
        },
    )
    backup_dir = Path(backup.stdout.strip().splitlines()[-1])
    assert {p.name for p in backup_dir.iterdir()} >= {"database.dump", "private-files.tar", "audit-anchor.log"}
    assert settings.DSR_FILE_ENCRYPTION_KEY not in (backup_dir / "manifest").read_text()

    # --- after the backup: more work, and the purge disposes of the stale upload ---------------
    later = _upload(member, hours_ago=2, dsr=case)
    result = retention.retention_purge(job_label="test")
    assert result.counts["unattached_upload"] == 1
    assert not storage.exists(stale.storage_name)
    assert retention.read_disposal_journal()[-1]["target"] == str(stale.public_id)

    # --- restore into a fresh database and an empty file area, then re-purge ------------------
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{restored_db}"')
        cursor.execute(f'CREATE DATABASE "{restored_db}"')
    restored_root = tmp_path / "restored-private"
    restored_anchor = tmp_path / "restored-anchor.log"
    try:
        restore = _run(
            "restore.sh",
            str(backup_dir),
            env={
                **base_env,
                "DATABASE_URL": _database_url(restored_db),
                "DSR_PRIVATE_ROOT": str(restored_root),
                "DSR_AUDIT_ANCHOR_FILE": str(restored_anchor),
            },
        )
        assert "re-purged after restore: 1 journalled disposals" in restore.stdout
        assert "OK:" in restore.stdout  # verify_audit on the restored database and its anchors

        import psycopg

        settings_dict = connection.settings_dict
        with psycopg.connect(
            host=settings_dict["HOST"] or "127.0.0.1",
            port=settings_dict["PORT"] or 5432,
            dbname=restored_db,
            user=settings_dict["USER"],
            password=settings_dict["PASSWORD"] or None,
        ) as restored:
            rows = restored.execute(
                "SELECT public_id::text, storage_name, sha256, purged_at FROM requests_portal_document"
            ).fetchall()
        by_id = {row[0]: row for row in rows}
        assert by_id[str(stale.public_id)][3] is not None  # disposed of again
        assert str(later.public_id) not in by_id  # made after the backup: not in it
        assert by_id[str(fresh.public_id)][3] is None
        settings.DSR_PRIVATE_ROOT = restored_root
        assert not storage.exists(stale.storage_name)
        live = [row for row in rows if row[3] is None]
        assert live
        for _public_id, storage_name, sha256, _purged in live:
            assert storage.sha256_hex(storage.read(storage_name)) == sha256
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{restored_db}" WITH (FORCE)')
