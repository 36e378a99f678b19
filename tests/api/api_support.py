"""Helpers shared by the API and webhook tests: a signing key, tokens, an HTTP receiver.

Both folders' conftests import the fixtures at the end of this module.
"""

from __future__ import annotations

import io
import json
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from factories import PDF, parking_permit_data
from flask import Flask
from flask.testing import FlaskClient
from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.conftest import running

ISSUER = "https://id.example.test/realms/city"
AUDIENCE = "amtsweg-api"
ALL_SCOPES = ("cases:read", "cases:write", "cases:transition", "webhooks:manage")

_KEY = RSAKey.generate_key(2048, parameters={"kid": "test-key-1", "use": "sig", "alg": "RS256"})
_FOREIGN_KEY = RSAKey.generate_key(2048, parameters={"kid": "test-key-1", "alg": "RS256"})


def public_jwks() -> dict[str, Any]:
    """Return the test issuer's public key set."""
    return {"keys": [_KEY.as_dict(private=False)]}


def foreign_jwks() -> dict[str, Any]:
    """Return a key set with the test key's id but another key (as after a rotation)."""
    return {"keys": [_FOREIGN_KEY.as_dict(private=False)]}


def api_config(**extra: Any) -> dict[str, Any]:
    """Return app settings that trust the test issuer and let webhooks reach loopback."""
    return {
        "API_ISSUER": ISSUER,
        "API_AUDIENCE": AUDIENCE,
        "API_JWKS": public_jwks(),
        "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
        **extra,
    }


def mint(
    scopes: Iterable[str] = ALL_SCOPES,
    roles: Iterable[str] = (),
    client_id: str = "register-system",
    *,
    header: dict[str, Any] | None = None,
    key: RSAKey | None = None,
    **claims: Any,
) -> str:
    """Return a signed RFC 9068 access token; keyword arguments override claims."""
    now = int(time.time())
    body: dict[str, Any] = {
        "iss": ISSUER,
        "sub": client_id,
        "aud": AUDIENCE,
        "client_id": client_id,
        "scope": " ".join(scopes),
        "roles": list(roles),
        "iat": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
    }
    body.update(claims)
    head = {"alg": "RS256", "typ": "at+jwt", "kid": "test-key-1", **(header or {})}
    head = {k: v for k, v in head.items() if v is not None}
    return jwt.encode(head, body, key or _KEY)


def foreign_token() -> str:
    """Return a token with the right kid but signed by a key the issuer never published."""
    return mint(key=_FOREIGN_KEY)


def auth(token: str) -> dict[str, str]:
    """Return the Authorization header for a token."""
    return {"Authorization": f"Bearer {token}"}


def api_upload(
    api: FlaskClient, service: str, question: str, name: str, client_id: str = "register-system"
) -> dict[str, Any]:
    """Upload the test PDF for `question` of `service` through POST /api/v1/uploads; return it."""
    response = api.post(
        "/api/v1/uploads",
        data={"service": service, "field": question, "file": (io.BytesIO(PDF), name)},
        headers=auth(mint(client_id=client_id)),
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.json
    return dict(response.json)


def client_upload(client_id: str = "register-system", field: str = "vehicle_registration") -> Any:
    """Store a PDF as the client's upload for a parking permit field; return its answer."""
    from service.attachments.services import Owner, store_upload
    from service.definitions.services import current_registry
    from service.extensions import db
    from service.forms.services import upload_field

    definition = upload_field(current_registry().form("parking_permit"), field)
    upload = store_upload(Owner.client(client_id), definition, PDF, "fahrzeugschein.pdf", "en")
    db.session.commit()
    return upload.as_answer()


def submission(
    subject: str = "resident-1", client_id: str = "register-system", **data: Any
) -> dict[str, Any]:
    """Return a POST /cases body for a parking permit, naming a new upload of the client."""
    if "vehicle_registration" not in data:
        data["vehicle_registration"] = client_upload(client_id)
    return {
        "service": "parking_permit",
        "applicant": {"subject": subject, "name": "Erika Mustermann"},
        "data": parking_permit_data(**data),
        "lang": "en",
    }


# ------------------------------------------------------------------------ HTTP receiver


@dataclass
class Received:
    """One request the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A real HTTP server on a loopback port that records requests and answers as told."""

    requests: list[Received] = field(default_factory=list)
    #: Answers to give, in order: (status, headers); when empty, 204.
    answers: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    #: JSON documents served to GET requests, by path.
    documents: dict[str, Any] = field(default_factory=dict)
    port: int = 0
    #: Serve HTTPS with this context, as `localhost` (the certificate's name).
    tls: ssl.SSLContext | None = None
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self.tls is not None:
            return f"https://localhost:{self.port}/hooks"
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                receiver.requests.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                status, headers = receiver.answers.pop(0) if receiver.answers else (204, {})
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_GET(self) -> None:
                document = receiver.documents.get(self.path)
                body = json.dumps(document).encode() if document is not None else b""
                self.send_response(200 if document is not None else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        if self.tls is None:
            self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        else:
            # Listen where the name resolves first, as the webhook sender connects there.
            family, *_rest, address = socket.getaddrinfo("localhost", self.port, proto=6)[0]
            server_class = type("Server", (ThreadingHTTPServer,), {"address_family": family})
            self._server = server_class(address[:2], Handler)
            self._server.socket = self.tls.wrap_socket(self._server.socket, server_side=True)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Go down: the port refuses connections until start() is called again."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


# ------------------------------------------------------------------------------ fixtures


@pytest.fixture
def api_app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    """The app inside an application context, trusting the test token issuer."""
    with running(make_app(**api_config())) as application:
        yield application


@pytest.fixture
def api(api_app: Flask) -> FlaskClient:
    """A test client of the API app."""
    return api_app.test_client()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP webhook receiver on a free loopback port."""
    r = Receiver()
    r.start()
    yield r
    r.stop()


@pytest.fixture
def submit(api: FlaskClient) -> Callable[..., Any]:
    """Submit a parking permit case through the API and return the response."""
    counter = iter(range(1, 100_000))
    #: The upload sent with each Idempotency-Key, so a repeated request is the same body.
    uploads: dict[str, Any] = {}

    def do(token: str | None = None, key: str | None = None, **body: Any) -> Any:
        n = next(counter)
        key = key or f"key-{n}"
        if "vehicle_registration" not in body:
            body["vehicle_registration"] = uploads.get(key) or client_upload()
            uploads[key] = body["vehicle_registration"]
        payload = submission(subject=body.pop("subject", f"resident-{n}"), **body)
        headers = {**auth(token or mint()), "Idempotency-Key": key}
        return api.post("/api/v1/cases", json=payload, headers=headers)

    return do
