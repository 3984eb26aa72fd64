"""Secure defaults: DEBUG off unless asked, no default secret key then, deploy checks clean."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


def _import_settings(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DSR_"))}
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
