"""Fixtures for authentication tests: the app served on a real loopback port."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from auth_helpers import LiveApp, add_probe_pages
from flask import Flask
from werkzeug.serving import make_server


@pytest.fixture
def serve(make_app: Callable[..., Flask]) -> Iterator[Callable[..., LiveApp]]:
    """Start apps in server threads on free loopback ports: `serve(**config)`."""
    servers: list[Any] = []

    def start(**config: Any) -> LiveApp:
        config.setdefault("DEV_IDP", True)
        app = make_app(**config)
        add_probe_pages(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        servers.append(server)
        # Everything reads BASE_URL per request, so it can be set once the port is known.
        app.config["BASE_URL"] = base = f"http://127.0.0.1:{server.server_port}"
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return LiveApp(app, base)

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def live(serve: Callable[..., LiveApp]) -> LiveApp:
    """The app with the development identity provider, served over HTTP."""
    return serve()
