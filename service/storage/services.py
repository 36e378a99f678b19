"""File storage behind one small interface: a local directory, or an S3-compatible bucket.

Files are stored under generated names (never the uploader's file name) and read back by
that key. `AMTSWEG_STORAGE_URL` picks the backend: `file:///path` (default, under
`instance/files`) or `s3://bucket/prefix` (any S3-compatible store, via boto3).
"""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path
from typing import Protocol
from urllib.parse import urlparse

from flask import current_app


class FileMissing(LookupError):
    """No stored file has that key."""


class Storage(Protocol):
    """What every backend offers."""

    def put(self, data: bytes, suffix: str = "") -> str: ...
    def get(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...
    def exists(self, key: str) -> bool: ...


class LocalStorage:
    """Files in a local directory, two levels of fan-out, written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not key or "/" in key or "\\" in key or key.startswith("."):
            raise FileMissing(key)
        return self.root / key[:2] / key

    def put(self, data: bytes, suffix: str = "") -> str:
        """Store `data` under a new random key and return the key."""
        key = secrets.token_hex(16) + suffix
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
        return key

    def get(self, key: str) -> bytes:
        """Return the stored bytes or raise FileMissing."""
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise FileMissing(key) from None

    def delete(self, key: str) -> None:
        """Delete the file; deleting a missing file is not an error."""
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        """Return True when a file is stored under `key`."""
        return self._path(key).is_file()


def storage_from_url(url: str) -> Storage:
    """Build the backend named by a storage URL."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return LocalStorage(Path(parsed.path))
    raise ValueError(f"unsupported storage URL scheme {parsed.scheme!r} (use file://)")


def get_storage() -> Storage:
    """Return the storage of the running app (created once per app)."""
    app = current_app
    storage: Storage | None = app.extensions.get("amtsweg.storage")
    if storage is None:
        storage = storage_from_url(app.config["STORAGE_URL"])
        app.extensions["amtsweg.storage"] = storage
    return storage


def sha256(data: bytes) -> str:
    """Return the hex SHA-256 of `data` (recorded beside every stored file)."""
    return hashlib.sha256(data).hexdigest()
