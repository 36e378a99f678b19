"""A client of clamd's INSTREAM command, over TCP or a unix socket.

Written here rather than taken from PyPI: `clamd` (last release 2014) and `pyclamd`
(2017) are unmaintained, and the protocol is small and stable: send `zINSTREAM\\0`, then
the file in chunks each preceded by its length (4 bytes, network order), then a zero
length; clamd answers one line, `stream: OK` or `stream: <signature> FOUND` (see
clamd(8)). Anything else, or no answer in time, means the file was not scanned.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from urllib.parse import urlsplit

from service.scanning.errors import ScannerUnavailable

#: clamd's default StreamMaxLength is 25 MB; chunks well below its buffer size.
CHUNK = 64 * 1024


@dataclass(frozen=True)
class ClamdScanner:
    """Scan bytes with a running clamd at `url` (`tcp://host:port` or `unix:///path`)."""

    url: str
    timeout: float = 30.0

    def _connect(self) -> socket.socket:
        parts = urlsplit(self.url)
        try:
            if parts.scheme == "unix":
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.settimeout(self.timeout)
                sock.connect(parts.path)
                return sock
            if parts.scheme == "tcp" and parts.hostname and parts.port:
                return socket.create_connection((parts.hostname, parts.port), self.timeout)
        except OSError as exc:
            raise ScannerUnavailable(f"clamd at {self.url} is not reachable: {exc}") from None
        raise ScannerUnavailable(
            f"not a clamd address: {self.url!r} (tcp://host:port, unix:///path)"
        )

    def _command(self, command: bytes, payload: bytes | None = None) -> str:
        """Send a z-command (NUL-terminated), optionally stream `payload`; return the reply."""
        with self._connect() as sock:
            try:
                sock.sendall(b"z" + command + b"\0")
                if payload is not None:
                    view = memoryview(payload)
                    for start in range(0, len(view), CHUNK):
                        chunk = view[start : start + CHUNK]
                        sock.sendall(struct.pack("!L", len(chunk)) + chunk)
                    sock.sendall(struct.pack("!L", 0))
                reply = b""
                while not reply.endswith(b"\0"):
                    data = sock.recv(4096)
                    if not data:
                        break
                    reply += data
            except OSError as exc:
                raise ScannerUnavailable(f"clamd at {self.url} failed: {exc}") from None
        return reply.rstrip(b"\0").decode("utf-8", "replace").strip()

    def ping(self) -> bool:
        """Say whether clamd answers PING."""
        try:
            return self._command(b"PING") == "PONG"
        except ScannerUnavailable:
            return False

    def scan(self, content: bytes) -> str | None:
        """Return the name of the signature `content` matches, or None when it is clean.

        Raises ScannerUnavailable when clamd cannot be reached or does not say either.
        """
        reply = self._command(b"INSTREAM", content)
        if reply == "stream: OK":
            return None
        if reply.startswith("stream: ") and reply.endswith(" FOUND"):
            return reply[len("stream: ") : -len(" FOUND")]
        # "INSTREAM size limit exceeded. ERROR", "... ERROR", or nothing at all.
        raise ScannerUnavailable(f"clamd at {self.url} did not scan the file: {reply!r}")
