"""File storage: the local directory and an S3-compatible bucket keep the same promises.

The S3 backend talks real HTTP to a real S3-compatible server process (moto's standalone
server) on a loopback port.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from service.storage.services import FileMissing, LocalStorage, S3Storage, Storage, get_storage


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the S3-compatible test server did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(autouse=True)
def _fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "amtsweg-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "amtsweg-test-secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")


def _bucket(endpoint: str, name: str) -> None:
    import boto3

    boto3.client("s3", endpoint_url=endpoint).create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"}
    )


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if request.param == "local":
        return LocalStorage(tmp_path / "files")
    endpoint = request.getfixturevalue("s3_endpoint")
    name = f"amtsweg-{time.monotonic_ns()}"
    _bucket(endpoint, name)
    return S3Storage(name, "documents", endpoint)


def test_stored_bytes_come_back_under_a_generated_key(storage: Storage) -> None:
    key = storage.put(b"%PDF-1.7 example", suffix=".pdf")
    assert key.endswith(".pdf") and "landlord" not in key
    assert storage.get(key) == b"%PDF-1.7 example"
    assert storage.exists(key)


def test_deleted_file_is_gone_and_deleting_twice_is_fine(storage: Storage) -> None:
    key = storage.put(b"personal data")
    storage.delete(key)
    storage.delete(key)
    assert not storage.exists(key)
    with pytest.raises(FileMissing):
        storage.get(key)


@pytest.mark.parametrize("key", ["../etc/passwd", "a/b", ".hidden", ""])
def test_keys_cannot_leave_the_store(storage: Storage, key: str) -> None:
    with pytest.raises(FileMissing):
        storage.get(key)


def test_app_stores_in_the_bucket_named_by_its_storage_url(make_app: Any, s3_endpoint: str) -> None:
    _bucket(s3_endpoint, "city-files")
    app = make_app(STORAGE_URL="s3://city-files/amtsweg", S3_ENDPOINT_URL=s3_endpoint)
    with app.app_context():
        store = get_storage()
        assert isinstance(store, S3Storage)
        key = store.put(b"Meldebestaetigung")
    import boto3

    listed = boto3.client("s3", endpoint_url=s3_endpoint).list_objects_v2(Bucket="city-files")
    assert [o["Key"] for o in listed["Contents"]] == [f"amtsweg/{key}"]
