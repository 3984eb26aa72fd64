"""Secure defaults: DEBUG off unless asked, no default secret key then, deploy checks clean."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


def _import_settings(env: dict[str, str], *, drop: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DSR_")) and k not in drop}
    return subprocess.run(
        [sys.executable, "-c", "import keiseikyo.settings as s; print(s.DEBUG)"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_debug_is_off_and_secret_key_required_by_default():
    result = _import_settings({})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_debug_on_allows_development_defaults():
    result = _import_settings({"DJANGO_DEBUG": "1"})
    assert result.returncode == 0
    assert result.stdout.strip() == "True"


@pytest.mark.django_db
def test_deploy_checks_pass_with_production_values(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECRET_KEY = "x" * 20 + "production-like-secret-key-with-enough-entropy-0123456789"
    call_command("check", deploy=True, fail_level="WARNING")


def test_the_audit_chain_key_is_required_without_debug():
    result = _import_settings({"DJANGO_SECRET_KEY": "s" * 50, "DSR_FILE_ENCRYPTION_KEY": "k" * 44})
    assert result.returncode != 0
    assert "DSR_AUDIT_CHAIN_KEY must be set" in result.stderr


def test_the_audit_chain_key_may_not_be_the_secret_key():
    same = "x" * 50
    result = _import_settings(
        {"DJANGO_SECRET_KEY": same, "DSR_FILE_ENCRYPTION_KEY": "k" * 44, "DSR_AUDIT_CHAIN_KEY": same}
    )
    assert result.returncode != 0
    assert "must differ from DJANGO_SECRET_KEY" in result.stderr


def test_a_fresh_checkout_gets_its_var_folder_for_sqlite(tmp_path):
    var_dir = tmp_path / "fresh" / "var"
    # The embedded default: no DATABASE_URL (CI sets one for the rest of the suite).
    result = _import_settings({"DJANGO_DEBUG": "1", "DSR_VAR_DIR": str(var_dir)}, drop=("DATABASE_URL",))
    assert result.returncode == 0, result.stderr
    assert var_dir.is_dir()
