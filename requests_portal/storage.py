"""Private, encrypted file storage for uploads and letters, and the download response.

Files live under DSR_PRIVATE_ROOT (outside the web root and MEDIA_ROOT), under random
names, encrypted with Fernet (AES-128-CBC + HMAC-SHA256) using DSR_FILE_ENCRYPTION_KEY.
Nothing here knows who may read a file: callers check access first (permissions.py) and
write the audit entry.
"""

import base64
import hashlib
import os
import secrets
from pathlib import Path
from urllib.parse import quote

from cryptography.fernet import Fernet, InvalidToken

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse

_NAME_ALPHABET = set("abcdefghijklmnopqrstuvwxyz0123456789-")


class StoredFileMissing(Exception):
    """The file is gone (purged) or unreadable with the configured key."""


def _fernet() -> Fernet:
    key = settings.DSR_FILE_ENCRYPTION_KEY.encode()
    try:
        return Fernet(key)
    except ValueError:
        # Accept any 32 bytes given as base64 (e.g. a generated secret that is not url-safe).
        try:
            raw = base64.b64decode(key)
        except ValueError:
            raw = b""
        if len(raw) != 32:
            raise ImproperlyConfigured("DSR_FILE_ENCRYPTION_KEY must be 32 bytes, base64-encoded.") from None
        return Fernet(base64.urlsafe_b64encode(raw))


def _root() -> Path:
    return Path(settings.DSR_PRIVATE_ROOT)


def _path_for(storage_name: str) -> Path:
    if not storage_name or set(storage_name) - _NAME_ALPHABET or storage_name.startswith("-"):
        raise ValueError("invalid storage name")
    # Two-level fan-out keeps directories small at a million files.
    return _root() / storage_name[:2] / storage_name


def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def save(content: bytes, *, storage_name: str | None = None) -> str:
    """Encrypt and store `content`; returns its storage name (new and random unless given).

    A caller that may run twice for the same thing (a retried task) passes a name derived
    from that thing, so the second run replaces the first file instead of adding another.
    """
    if not isinstance(content, bytes | bytearray):
        raise TypeError("content must be bytes")
    fixed_name = storage_name is not None
    if storage_name is None:
        storage_name = secrets.token_hex(20)
    path = _path_for(storage_name)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    token = _fernet().encrypt(bytes(content))
    # Written under a temporary name and renamed, so a crash never leaves half a file. A
    # fixed name may find the temporary file of a run that was killed: it is overwritten.
    temporary = path.with_name(f".{storage_name}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if fixed_name else os.O_EXCL)
    fd = os.open(temporary, flags, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(token)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)
    return storage_name


def read(storage_name: str) -> bytes:
    """Decrypt and return a stored file; StoredFileMissing if it is gone or unreadable."""
    try:
        token = _path_for(storage_name).read_bytes()
        return _fernet().decrypt(token)
    except (FileNotFoundError, InvalidToken, ValueError) as exc:
        raise StoredFileMissing(storage_name) from exc


def exists(storage_name: str) -> bool:
    try:
        return _path_for(storage_name).exists()
    except ValueError:
        return False


def delete(storage_name: str) -> bool:
    """Remove a stored file; True if a file was removed. Safe to call twice."""
    try:
        _path_for(storage_name).unlink()
    except FileNotFoundError:
        return False
    return True


def folders() -> list[Path]:
    """The fan-out folders of private storage (for sweeps that walk every stored file)."""
    root = _root()
    return sorted(path for path in root.iterdir() if path.is_dir()) if root.exists() else []


def files_in(folder: Path) -> list[Path]:
    """The stored files in one fan-out folder (temporary files of unfinished writes excluded)."""
    return [path for path in folder.iterdir() if path.is_file() and not path.name.startswith(".")]


INLINE_CONTENT_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})


def inline_response(content: bytes, *, filename: str, content_type: str) -> HttpResponse:
    """A file the browser shows itself: only the re-checked upload types, nosniff, no scripts,
    never cached. Anything else is sent as an attachment."""
    if content_type not in INLINE_CONTENT_TYPES:
        return attachment_response(content, filename=filename, content_type=content_type)
    response = attachment_response(content, filename=filename, content_type=content_type)
    response["Content-Disposition"] = response["Content-Disposition"].replace("attachment;", "inline;", 1)
    if content_type == "application/pdf":
        # Chromium's PDF viewer does not run in a sandboxed document; no script or connection is allowed.
        response["Content-Security-Policy"] = "default-src 'none'; script-src 'none'; connect-src 'none'"
    return response


def attachment_response(content: bytes, *, filename: str, content_type: str) -> HttpResponse:
    """A download that no browser will render: attachment, nosniff, sandboxed, never cached."""
    response = HttpResponse(content, content_type=content_type)
    ascii_name = filename.encode("ascii", "ignore").decode() or "download"
    ascii_name = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in ascii_name)
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "no-store, private"
    response["Content-Length"] = str(len(content))
    return response
