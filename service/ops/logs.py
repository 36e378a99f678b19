"""Structured JSON logs (structlog) with a request id on every line and no personal data.

Every line of a request, from our code or from libraries using stdlib `logging`, carries
the request id taken from the proxy's X-Request-ID (when it looks like one) or made up
here, and echoed in the response. Requests are logged by endpoint and URL rule
(`/cases/<int:case_id>`), never by the raw URL with its query string, and a processor
drops values under keys that hold personal data or secrets.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterable, MutableMapping
from typing import Any

import structlog
from flask import Flask, Response, g, request

from service.contexts import unproxied
from service.ops.constants import REDACTED_KEYS, REQUEST_ID_HEADER, VALID_REQUEST_ID

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")
_SECRET_PARAM = re.compile(r"(?i)\b(token|code|secret|password|state)=[^&\s\"']+")

ACCESS_LOGGER = "amtsweg.access"
#: Keys of personal answers of every form the running app loaded (`personal: true`, the
#: default). Logging is configured per process, so these are too: the app built last sets
#: them, and a reload adds to them.
_personal_keys: frozenset[str] = frozenset()


def redact_personal(keys: Iterable[str], *, reset: bool = False) -> None:
    """Redact log values under `keys` too: the personal fields of the loaded definitions.

    `reset=True` (a new app) replaces the keys of any app built before in this process, so
    a field another app's definitions marked personal is not hidden from this one's logs;
    a reload of the same app keeps the old keys (cases of old versions still log them).
    """
    global _personal_keys
    lowered = frozenset(key.lower() for key in keys)
    _personal_keys = lowered if reset else _personal_keys | lowered


def redact(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Drop personal or secret keys and mask e-mail addresses and tokens in messages."""
    # Another handler's formatter may have stored the raw message on the record.
    event_dict.pop("message", None)
    for key in list(event_dict):
        lowered = key.lower()
        if lowered in REDACTED_KEYS or lowered in _personal_keys:
            del event_dict[key]
    for key in ("event", "exception"):
        message = event_dict.get(key)
        if isinstance(message, str):
            # An address needs an "@" and a secret parameter an "=": most messages have
            # neither and need not be searched for them.
            if "@" in message:
                message = _EMAIL.sub("[email]", message)
            # Searched first: `sub` with a group in its template calls Python's `re._subx`
            # on every call (Python 3.11), whether the pattern matches or not.
            if _BEARER.search(message):
                message = _BEARER.sub(r"\1 [redacted]", message)
            if "=" in message and _SECRET_PARAM.search(message):
                message = _SECRET_PARAM.sub(r"\1=[redacted]", message)
            event_dict[key] = message
    return event_dict


@functools.cache
def _encoder(**options: Any) -> json.JSONEncoder:
    return json.JSONEncoder(**options)


def dumps(event_dict: Any, **options: Any) -> str:
    """Return `json.dumps(event_dict, **options)`, from one encoder per set of options.

    `json.dumps` with any option builds a new `JSONEncoder` for every call, for every
    line; the renderers' options never change, so one encoder serves them all.
    """
    return _encoder(**options).encode(event_dict)


def shared_processors() -> list[Any]:
    """Return the processors both structlog and stdlib records pass through."""
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.stdlib.ExtraAdder(),
    ]


_HANDLER_MARK = "_amtsweg_structlog"


class _Stderr:
    """Write to whatever sys.stderr is at the time (test runners swap it)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def _access_logger(level: str, stream: Any) -> Any:
    """Return the logger of the one line per request, written straight to `stream`.

    The same fields, redaction and JSON as every other line, without the stdlib record,
    handler and formatter in between: those cost about two thirds of a line, and this
    line is written for every request. Handlers added to the root logger do not see it.
    """
    bound = structlog.wrap_logger(
        structlog.WriteLogger(stream),
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            redact,
            structlog.processors.JSONRenderer(dumps, ensure_ascii=False),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
    )
    return bound.bind(logger=ACCESS_LOGGER)


access_log: Any = _access_logger("INFO", _Stderr())


def configure_logging(level: str = "INFO", stream: Any = None) -> None:
    """Route structlog and stdlib logging to one JSON handler on the root logger."""
    global access_log
    structlog.configure(
        processors=[
            *shared_processors(),
            structlog.processors.format_exc_info,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared_processors(),
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            # Last before rendering, so that tracebacks are masked too.
            redact,
            structlog.processors.JSONRenderer(dumps, ensure_ascii=False),
        ],
    )
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _HANDLER_MARK, False):
            root.removeHandler(handler)
    out = stream or _Stderr()
    handler = logging.StreamHandler(out)
    setattr(handler, _HANDLER_MARK, True)
    handler.setFormatter(formatter)
    root.addHandler(handler)
    root.setLevel(level)
    access_log = _access_logger(level, out)
    # The development server logs raw URLs with query strings; we log our own line.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def request_id() -> str:
    """Return the current request's id."""
    return str(g.get("request_id", ""))


def init_request_logging(app: Flask) -> None:
    """Bind a request id to every log line of a request and log one line per request.

    Both hooks read the request and `g` themselves, not through their proxies (see
    `service.contexts`): they run on every request.
    """

    def _bind() -> None:
        req = unproxied(request)
        incoming = req.headers.get(REQUEST_ID_HEADER, "")
        rid = incoming if VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        state = unproxied(g)
        state.request_id = rid
        state.request_started = time.perf_counter()
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=rid)

    # Before every hook that may refuse the request (CSRF, the body check, ...), so a
    # refusal is logged and answered with its id too; after the one that empties `g`
    # (`web`'s, first of all), which would drop the id again.
    hooks = app.before_request_funcs.setdefault(None, [])
    hooks.insert(1 if hooks and hooks[0].__name__ == "_fresh_request_globals" else 0, _bind)

    @app.after_request
    def _log(response: Response) -> Response:
        state = unproxied(g)
        rid = state.get("request_id")
        if rid:
            response.headers[REQUEST_ID_HEADER] = rid
        started = state.get("request_started")
        duration = time.perf_counter() - started if started else 0.0
        req = unproxied(request)
        rule = req.url_rule
        access_log.info(
            "request",
            method=req.method,
            endpoint=req.endpoint or "unmatched",
            rule=rule.rule if rule is not None else None,
            status=response.status_code,
            duration_ms=round(duration * 1000, 2),
        )
        return response

    @app.teardown_request
    def _unbind(_exc: BaseException | None) -> None:
        structlog.contextvars.clear_contextvars()
