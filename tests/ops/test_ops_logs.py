"""Every log line of a request carries its id; no personal data or tokens reach the logs."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
import structlog
from flask import Flask


def _lines(err: str) -> list[dict[str, Any]]:
    out = []
    for line in err.splitlines():
        line = line.strip()
        if line.startswith("{"):
            out.append(json.loads(line))
    return out


@pytest.fixture
def logging_app(app: Flask) -> Flask:
    @app.get("/test-log/<int:case_id>")
    def _test_log(case_id: int) -> str:
        logging.getLogger("service.test").warning("lookup failed for erika@example.org")
        try:
            raise LookupError("no account for erika@example.org")
        except LookupError:
            logging.getLogger("service.test").exception("account lookup failed")
        structlog.get_logger("service.test").info(
            "case shown",
            case_id=case_id,
            email="erika@example.org",
            name="Erika Mustermann",
            authorization="Bearer abc.def.ghi",
            licence_plate="D-EM 4711",  # personal: true in forms/parking_permit.yaml
            family_name="Mustermann",
            zone="zone-a-not-personal",  # personal: false
        )
        return "ok"

    return app


def test_request_id_from_the_proxy_is_on_every_line_and_echoed(
    logging_app: Flask, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    response = logging_app.test_client().get(
        "/test-log/7", headers={"X-Request-ID": "req-0123456789abcdef"}
    )
    assert response.headers["X-Request-ID"] == "req-0123456789abcdef"
    lines = _lines(capsys.readouterr().err)
    assert len(lines) == 4
    assert {line["request_id"] for line in lines} == {"req-0123456789abcdef"}
    access = next(line for line in lines if line["event"] == "request")
    assert access["rule"] == "/test-log/<int:case_id>"
    assert access["status"] == 200 and access["method"] == "GET"


def test_a_request_without_a_valid_id_gets_a_new_one(
    logging_app: Flask, capsys: pytest.CaptureFixture[str]
) -> None:
    client = logging_app.test_client()
    first = client.get("/healthz", headers={"X-Request-ID": "<script>alert(1)</script>"})
    second = client.get("/healthz")
    ids = {first.headers["X-Request-ID"], second.headers["X-Request-ID"]}
    assert len(ids) == 2 and all(len(i) == 32 and i.isalnum() for i in ids)
    logged = {line["request_id"] for line in _lines(capsys.readouterr().err)}
    assert ids <= logged


def test_no_personal_data_or_tokens_in_log_lines(
    logging_app: Flask, capsys: pytest.CaptureFixture[str]
) -> None:
    logging_app.test_client().get(
        "/test-log/7?email=erika%40example.org&token=s3cr3t",
        headers={"Authorization": "Bearer abc.def.ghi"},
    )
    err = capsys.readouterr().err
    assert _lines(err)
    for secret in ("erika", "Erika", "Mustermann", "s3cr3t", "abc.def.ghi", "email=", "token="):
        assert secret not in err
    # Answers are redacted by their field's personal flag, not by a list of names.
    assert "D-EM 4711" not in err and "zone-a-not-personal" in err
    assert "lookup failed for [email]" in err
    assert "LookupError: no account for [email]" in err


def test_what_is_redacted_follows_the_app_that_runs(
    make_app: Any, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """An app built earlier in the process (where `zone` was personal) leaves no trace.

    Redaction follows the personal flags of the definitions the running app loaded; an
    earlier app's flags (other definitions, in tests or a second app in one process) must
    not hide a field this app's form marks `personal: false`.
    """
    from tests.group_files import definitions_with

    zone = "        required: true\n        personal: false\n        options:"
    root = definitions_with(tmp_path, "parking_permit", zone, "")
    form = root / "forms" / "parking_permit.yaml"
    form.write_text(form.read_text().replace(zone, "        required: true\n        options:"))
    make_app(DEFINITIONS_ROOT=str(root))  # zone is personal there

    app = make_app()
    capsys.readouterr()
    with app.app_context():
        structlog.get_logger("service.test").info("case shown", zone="zone-a", iban="DE02")
    err = capsys.readouterr().err
    assert '"zone": "zone-a"' in err
    assert "DE02" not in err


def test_the_line_per_request_names_its_logger_level_and_time_and_follows_the_log_level(
    make_app: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    quiet = make_app(LOG_LEVEL="WARNING")
    capsys.readouterr()
    quiet.test_client().get("/healthz")
    assert not [line for line in _lines(capsys.readouterr().err) if line["event"] == "request"]

    app = make_app()
    capsys.readouterr()
    response = app.test_client().get("/healthz")
    (access,) = [line for line in _lines(capsys.readouterr().err) if line["event"] == "request"]
    assert access["logger"] == "amtsweg.access" and access["level"] == "info"
    assert access["request_id"] == response.headers["X-Request-ID"]
    assert access["timestamp"].endswith("Z") and access["duration_ms"] >= 0


@pytest.mark.parametrize(
    ("message", "logged"),
    [
        ("request", "request"),
        ("mail for erika@example.org sent", "mail for [email] sent"),
        ("GET /cb?state=xyz&code=abc failed", "GET /cb?state=[redacted]&code=[redacted] failed"),
        ("header Bearer abc.def-ghi refused", "header Bearer [redacted] refused"),
        ("Authorization: basic QWxhZGRpbjpvcGVu", "Authorization: basic [redacted]"),
        ("to a@b.de: TOKEN=t0k Basic\tabc", "to [email]: TOKEN=[redacted] Basic [redacted]"),
        ("a = b, bearer", "a = b, bearer"),
    ],
)
def test_messages_are_masked(message: str, logged: str) -> None:
    from service.ops.logs import redact

    for key in ("event", "exception"):
        assert redact(None, "info", {key: message, "email": "x"}) == {key: logged}


def test_a_request_refused_before_its_view_keeps_its_id(
    app: Flask, capsys: pytest.CaptureFixture[str]
) -> None:
    """A malformed API body or a form without its CSRF token: id echoed and logged."""
    client = app.test_client()
    capsys.readouterr()
    malformed = client.post(
        "/api/v1/cases",
        data=b"[[[",
        content_type="application/json",
        headers={"X-Request-ID": "refused-body-1"},
    )
    forged = client.post("/lang/en", headers={"X-Request-ID": "refused-form-1"})
    assert (malformed.status_code, forged.status_code) == (400, 400)
    assert malformed.headers["X-Request-ID"] == "refused-body-1"
    assert forged.headers["X-Request-ID"] == "refused-form-1"
    access = [line for line in _lines(capsys.readouterr().err) if line["event"] == "request"]
    assert [(line["status"], line["request_id"]) for line in access] == [
        (400, "refused-body-1"),
        (400, "refused-form-1"),
    ]


class _Shown:
    def __structlog__(self) -> str:
        return "shown"


@pytest.mark.parametrize(
    "event_dict",
    [
        {"event": "request", "status": 201, "duration_ms": 1.23, "rule": None},
        {"event": "Grüße", "nested": {"a": [1, 2.5, True]}, "obj": object()},
        {"event": "custom", "value": _Shown(), "set": {1}},
        {"event": "nan", "value": float("nan")},
    ],
)
def test_the_renderers_encoder_writes_what_json_dumps_writes(event_dict: dict[str, Any]) -> None:
    from service.ops.logs import dumps

    def fallback(obj: object) -> object:
        try:
            return obj.__structlog__()  # type: ignore[attr-defined]
        except AttributeError:
            return repr(obj)

    for options in ({"ensure_ascii": False, "default": fallback}, {"default": repr}):
        expected = json.dumps(event_dict, **options)  # type: ignore[arg-type]
        assert dumps(event_dict, **options) == expected
        assert dumps(event_dict, **options) == expected  # the cached encoder, again
    rendered = structlog.processors.JSONRenderer(dumps, ensure_ascii=False)
    plain = structlog.processors.JSONRenderer(ensure_ascii=False)
    assert rendered(None, "info", dict(event_dict)) == plain(None, "info", dict(event_dict))
