"""The API's blueprint: webargs reads the body check's document, the docs add no layers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import flask_smorest
import marshmallow as ma
import pytest
import webargs.core
from flask import Flask
from flask.testing import FlaskClient

from service.api.blueprints import ApiBlueprint, ApiParser
from service.api.views import CaseCollection
from tests.api.api_support import auth, mint, submission

NO_FILE = {"id": "none", "name": "x.pdf", "content_type": "application/pdf", "size": 1}


class _Body(ma.Schema):
    service = ma.fields.String(required=True)


def test_the_parser_takes_the_document_of_the_body_check(api_app: Flask) -> None:
    from service.api import bodies

    body = json.dumps({"service": "parking_permit"}).encode()
    with api_app.test_request_context(
        "/api/v1/cases", method="POST", data=body, content_type="application/json"
    ):
        bodies.check_body()
        # The document the check kept, not a second parse of the same bytes.
        from flask import request

        request.environ[bodies.DOCUMENT_KEY] = {"service": "from the check"}
        assert ApiParser().parse(_Body(), location="json") == {"service": "from the check"}


def test_the_parser_reads_a_body_the_check_did_not_read(api_app: Flask) -> None:
    with api_app.test_request_context(
        "/api/v1/cases", method="POST", data=b'{"service": "x"}', content_type="application/json"
    ):
        assert ApiParser().parse(_Body(), location="json") == {"service": "x"}


def test_a_submission_parses_its_body_once(
    api: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("webargs parsed the body a second time")

    monkeypatch.setattr(webargs.core, "parse_json", refuse)

    response = api.post(
        "/api/v1/cases",
        json=submission(vehicle_registration=NO_FILE),
        headers={**auth(mint()), "Idempotency-Key": "once"},
    )

    # Refused by the form (the file is unknown), after webargs loaded the body.
    assert response.status_code == 422, response.get_data(as_text=True)[:300]


def _view() -> str:
    return "answer"


def test_doc_and_alt_response_document_the_view_without_wrapping_it() -> None:
    ours, theirs = ApiBlueprint("ours", __name__), flask_smorest.Blueprint("theirs", __name__)

    def decorate(blp: Any, func: Any) -> Any:
        func = blp.alt_response(404, response="NOT_FOUND")(func)
        func = blp.doc(summary="A view", security=[{"oauth2": ["cases:read"]}])(func)
        return blp.alt_response(401, response="UNAUTHORIZED")(func)

    def view() -> str:
        return "answer"

    documented = decorate(ours, view)
    layered = decorate(theirs, _view)

    assert documented is view
    assert documented._apidoc == layered._apidoc
    assert layered is not _view  # flask-smorest's own wraps it three times


def test_a_coroutine_view_keeps_flask_smorests_layer() -> None:
    async def view() -> str:
        return "answer"

    documented = ApiBlueprint("ours", __name__).doc(summary="A view")(view)

    # The layer that runs it through `current_app.ensure_sync`.
    assert documented is not view and documented.__wrapped__ is view
    assert documented._apidoc["manual_doc"] == {"summary": "A view"}


def test_the_submission_view_has_no_documenting_layers() -> None:
    layers = []
    func: Any = CaseCollection.post
    while func is not None:
        code = func.__code__
        layers.append(f"{Path(code.co_filename).parent.name}.{Path(code.co_filename).stem}")
        func = getattr(func, "__wrapped__", None)

    # The token check, the Idempotency-Key, webargs, flask-smorest's arguments and
    # response, the view: no layer of `doc` or `alt_response` in between.
    assert layers == [
        "api.auth",
        "api.views",
        "webargs.core",
        "flask_smorest.arguments",
        "flask_smorest.response",
        "api.views",
    ]
