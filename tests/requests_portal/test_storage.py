"""Private storage: encrypted at rest, random names, atomic writes, safe downloads."""

import os
import stat

import pytest

from requests_portal import storage


def test_round_trip_is_encrypted_at_rest(settings):
    name = storage.save(b"%PDF-1.7 secret content")
    path = settings.DSR_PRIVATE_ROOT / name[:2] / name
    assert b"secret content" not in path.read_bytes()
    assert storage.read(name) == b"%PDF-1.7 secret content"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_names_are_random_and_path_safe():
    names = {storage.save(b"x") for _ in range(5)}
    assert len(names) == 5
    for bad in ("../etc/passwd", "", "-x", "a/b"):
        with pytest.raises(ValueError, match="invalid"):
            storage._path_for(bad)


def test_delete_is_idempotent_and_read_after_delete_fails():
    name = storage.save(b"x")
    assert storage.delete(name) is True
    assert storage.delete(name) is False
    with pytest.raises(storage.StoredFileMissing):
        storage.read(name)


def test_wrong_key_cannot_read(settings):
    name = storage.save(b"x")
    settings.DSR_FILE_ENCRYPTION_KEY = "b3RoZXIta2V5LW90aGVyLWtleS1vdGhlci1rZXktMDE="
    with pytest.raises(storage.StoredFileMissing):
        storage.read(name)


def test_attachment_response_headers():
    response = storage.attachment_response(
        b"data", filename="開示決定通知書 GA-2026-00001.pdf", content_type="application/pdf"
    )
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="')
    assert "filename*=UTF-8''%E9%96%8B" in disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]
