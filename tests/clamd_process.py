"""A real clamd for tests: its own configuration and a one-line signature database.

No internet and no freshclam: the database holds the EICAR test file's MD5 (a `.hdb`
line `md5:size:name`) and its bytes as a body signature (a `.ndb` line), so the EICAR
string is found inside any file too (a PDF carrying it). It loads in a fraction of a second.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from service.scanning.clamav import ClamdScanner

#: The EICAR anti-virus test file (harmless; every scanner reports it).
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
SIGNATURE = "Amtsweg.Test.EICAR"
CLAMD_PATHS = ("/usr/sbin/clamd", "/usr/bin/clamd")


def clamd_binary() -> str:
    """Return clamd's path; skip the test without it, or fail it in CI."""
    found = shutil.which("clamd") or next((p for p in CLAMD_PATHS if os.path.exists(p)), None)
    if found is None:
        message = "clamd is not installed (Debian package clamav-daemon)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}: CI must run the scanner tests against a real clamd")
        pytest.skip(message)
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Clamd:
    """A running clamd, reachable over TCP and over a unix socket."""

    process: subprocess.Popen[bytes]
    tcp_url: str
    unix_url: str
    log: Path
    started_in: float

    def stop(self) -> None:
        """Stop clamd and wait for it to exit."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_clamd(folder: Path) -> Clamd:
    """Start clamd with a test configuration in `folder`; return once it answers PING."""
    binary = clamd_binary()
    database = folder / "db"
    database.mkdir(parents=True)
    md5 = hashlib.md5(EICAR).hexdigest()
    (database / "test.hdb").write_text(f"{md5}:{len(EICAR)}:{SIGNATURE}\n")
    (database / "test.ndb").write_text(f"{SIGNATURE}.Embedded:0:*:{EICAR.hex()}\n")
    port = _free_port()
    sock = folder / "clamd.sock"
    log = folder / "clamd.log"
    config = folder / "clamd.conf"
    config.write_text(
        "\n".join([
            "Foreground yes",
            f"DatabaseDirectory {database}",
            f"LocalSocket {sock}",
            f"TCPSocket {port}",
            "TCPAddr 127.0.0.1",
            f"LogFile {log}",
            f"TemporaryDirectory {folder}",
            "Bytecode no",
            "",
        ])
    )  # fmt: skip
    start = time.perf_counter()
    process = subprocess.Popen(
        [binary, "--config-file", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    clamd = Clamd(process, f"tcp://127.0.0.1:{port}", f"unix://{sock}", log, 0.0)
    deadline = time.monotonic() + 60
    while not (ClamdScanner(clamd.tcp_url, 1).ping() and ClamdScanner(clamd.unix_url, 1).ping()):
        if process.poll() is not None or time.monotonic() > deadline:
            clamd.stop()
            text = log.read_text() if log.exists() else ""
            pytest.fail(f"clamd did not start (exit code {process.returncode}):\n{text}")
        time.sleep(0.05)
    clamd.started_in = time.perf_counter() - start
    return clamd
