"""A submission's hooks and token check read the request, `g` and the app directly.

Each read through one of Flask's context proxies costs about 1 µs (see service.contexts);
the code every API request passes through outside the view reads none.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import werkzeug.local
from flask.testing import FlaskClient

from tests.api.api_support import auth, mint, submission

NO_FILE = {"id": "none", "name": "x.pdf", "content_type": "application/pdf", "size": 1}
SERVICE = Path(__file__).resolve().parents[2] / "service"
#: The request layer of every API call: hooks, the body check, the token check.
REQUEST_LAYER = {
    "api/auth.py",
    "api/bodies.py",
    "api/blueprints.py",
    "auth/views.py",
    "definitions/services.py",
    "ops/logs.py",
    "ops/metrics.py",
    "reloading.py",
    "transactions.py",
    "web.py",
}


def test_the_request_layer_reads_nothing_through_a_proxy(
    api: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: Counter[str] = Counter()
    lookup = werkzeug.local._ProxyLookup.__get__

    def counting(self: Any, instance: Any, owner: Any = None) -> Any:
        if instance is not None:
            path = Path(sys._getframe(1).f_code.co_filename)
            if path.is_relative_to(SERVICE):
                seen[path.relative_to(SERVICE).as_posix()] += 1
        return lookup(self, instance, owner)

    token = auth(mint())
    monkeypatch.setattr(werkzeug.local._ProxyLookup, "__get__", counting)
    response = api.post(
        "/api/v1/cases",
        json=submission(vehicle_registration=NO_FILE),
        headers={**token, "Idempotency-Key": "proxies"},
    )

    assert response.status_code == 422  # the file is unknown: every hook ran all the same
    assert {path: n for path, n in seen.items() if path in REQUEST_LAYER} == {}
