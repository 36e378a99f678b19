"""File storage behind one small interface: a local directory, or an S3-compatible bucket.

Files are stored under generated names (never the uploader's file name) and read back by
that key. `AMTSWEG_STORAGE_URL` picks the backend: `file:///path` (default, under
`instance/files`) or `s3://bucket/prefix` (any S3-compatible store, via boto3; the
endpoint of a non-AWS store comes from `AMTSWEG_S3_ENDPOINT_URL`, credentials from the
usual `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` variables).
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


class S3Storage:
    """Files in a bucket of an S3-compatible store (AWS S3, MinIO, Ceph, ...)."""

    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None) -> None:
        import boto3  # heavy import, only where S3 is configured

        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = boto3.client("s3", endpoint_url=endpoint_url or None)

    def _key(self, key: str) -> str:
        if not key or "/" in key or "\\" in key or key.startswith("."):
            raise FileMissing(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, data: bytes, suffix: str = "") -> str:
        """Store `data` under a new random key and return the key."""
        key = secrets.token_hex(16) + suffix
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)
        return key

    def get(self, key: str) -> bytes:
        """Return the stored bytes or raise FileMissing."""
        from botocore.exceptions import ClientError

        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]
            data: bytes = body.read()
            return data
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise FileMissing(key) from None
            raise

    def delete(self, key: str) -> None:
        """Delete the object; deleting a missing object is not an error (S3 semantics)."""
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def exists(self, key: str) -> bool:
        """Return True when an object is stored under `key`."""
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError:
            return False
        return True


def storage_from_url(url: str, endpoint_url: str | None = None) -> Storage:
    """Build the backend named by a storage URL."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return LocalStorage(Path(parsed.path))
    if parsed.scheme == "s3" and parsed.netloc:
        return S3Storage(parsed.netloc, parsed.path, endpoint_url)
    raise ValueError(f"unsupported storage URL {url!r} (use file:///path or s3://bucket/prefix)")


def get_storage() -> Storage:
    """Return the storage of the running app (created once per app)."""
    app = current_app
    storage: Storage | None = app.extensions.get("amtsweg.storage")
    if storage is None:
        storage = storage_from_url(app.config["STORAGE_URL"], app.config.get("S3_ENDPOINT_URL"))
        app.extensions["amtsweg.storage"] = storage
    return storage


def sha256(data: bytes) -> str:
    """Return the hex SHA-256 of `data` (recorded beside every stored file)."""
    return hashlib.sha256(data).hexdigest()
