"""One error map for the whole app: typed errors, rendered once for the API and once for pages.

A failure a caller can act on is an `AppError` subclass that says its HTTP status, a stable
`kind` and a message in German and English::

    class UploadInfected(AppError):
        \"\"\"The scanner found malware in an upload.\"\"\"

        status = 422
        kind = "upload-infected"
        message = Text(de="Die Datei enthält Schadsoftware.", en="The file contains malware.")

    raise UploadInfected(fields=[FieldError("files[0]", Text(de="...", en="..."))])

Raise it from a service; never catch it in a view. The handlers registered by `init_app`
answer it:

- under `/api` with `application/problem+json` (RFC 9457): `type` (PROBLEM_TYPE_BASE +
  `kind`), `title`, `status`, `detail` (the message in the request's Accept-Language),
  `instance`, `errors` (`[{"path", "message"}]`, one per field error) and `extra`;
- on pages, a conflict (409) or refused input (422) after a form POST whose blueprint told
  `way_back` where to return: the message is flashed and the browser is sent back there
  (303), so the person sees the fresh page and the reason; otherwise (403, 404, 503, ...)
  the error page with the status and the message.

`headers` (e.g. `Retry-After`) go on both answers. Errors of code that must not import
this module (the engine, SQLAlchemy) are mapped with `@adapt(ExceptionType)`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, ClassVar, TypeVar

from flask import Flask, Response, flash, redirect, render_template, request
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from service.engine.types import Text
from service.extensions import db
from service.i18n import DEFAULT_LANGUAGE, LANGUAGES

log = logging.getLogger(__name__)

__all__ = ["AppError", "DatabaseUnavailable", "FieldError", "Text", "adapt", "way_back"]

API_PREFIX = "/api"
PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE_BASE = "https://amtsweg.example/problems/"

#: Seconds a client should wait before retrying when a dependency is unavailable.
RETRY_AFTER_SECONDS = 5


@dataclass(frozen=True)
class FieldError:
    """One refused field: `path` as in the request (`persons[2].birth_date`), and why."""

    path: str
    message: Text | str

    def text(self, lang: str) -> str:
        """Return the message in `lang`."""
        return self.message if isinstance(self.message, str) else self.message.get(lang)


class AppError(Exception):
    """Base of every error a client or a person can cause or act on (see the module docs).

    Subclasses set the class attributes; an instance may override `message` and add field
    errors, response headers and extra members of the problem document. `page_back` False
    makes a page show the error page even for a 409 or 422.
    """

    status: ClassVar[int] = 400
    kind: ClassVar[str | None] = None
    message: Text = Text(de="Die Anfrage ist ungültig.", en="The request is invalid.")
    page_back: ClassVar[bool] = True

    def __init__(
        self,
        detail: str | None = None,
        *,
        message: Text | None = None,
        fields: Sequence[FieldError] = (),
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
        status: int | None = None,
        kind: str | None = None,
    ) -> None:
        if message is not None:
            self.message = message
        # English in str() so logs read the same whatever the user's language.
        super().__init__(detail or self.message.en or self.message.de)
        self.fields = list(fields)
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})
        if status is not None:
            self.status = status  # type: ignore[misc]
        if kind is not None:
            self.kind = kind  # type: ignore[misc]


class DatabaseUnavailable(AppError):
    """The database is locked by another writer or cannot be reached: try again shortly."""

    status = 503
    kind = "database-unavailable"
    message = Text(
        de="Der Dienst ist gerade überlastet oder nicht erreichbar. "
        "Bitte versuchen Sie es in einigen Sekunden noch einmal.",
        en="The service is busy or unreachable right now. Please try again in a few seconds.",
    )
    page_back = False

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


# --- adapters for errors of code that does not know this module ------------------------

E = TypeVar("E", bound=BaseException)
_ADAPTERS: dict[type[BaseException], Callable[[Any], AppError]] = {}


def adapt(kind: type[E]) -> Callable[[Callable[[E], AppError]], Callable[[E], AppError]]:
    """Register a function that turns an exception of `kind` into an `AppError`."""

    def register(func: Callable[[E], AppError]) -> Callable[[E], AppError]:
        _ADAPTERS[kind] = func
        return func

    return register


def as_app_error(exc: BaseException) -> AppError | None:
    """Return `exc` as an `AppError`, or None when it is no error a client can cause."""
    if isinstance(exc, AppError):
        return exc
    for cls in type(exc).__mro__:
        adapter = _ADAPTERS.get(cls)
        if adapter is not None:
            return adapter(exc)
    return None


@adapt(OperationalError)
def _database_error(exc: OperationalError) -> AppError:
    log.warning("database unavailable: %s", exc.orig)
    return DatabaseUnavailable(str(exc.orig))


@adapt(PoolTimeout)
def _pool_timeout(exc: PoolTimeout) -> AppError:
    log.warning("database connection pool exhausted: %s", exc)
    return DatabaseUnavailable(str(exc))


# --- rendering ---------------------------------------------------------------------------


def is_api_request() -> bool:
    """Return True when the current request is addressed to the API."""
    return is_api_path(request.path)


def is_api_path(path: str) -> bool:
    """Return True when `path` (a request's) is addressed to the API."""
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


#: Endpoints outside /api that machines call (OAuth token endpoints): problems, not pages.
_PROBLEM_ENDPOINTS: set[str] = set()


def answer_with_problems(*endpoints: str) -> None:
    """Answer the errors of these endpoints (outside /api) with problem documents too."""
    _PROBLEM_ENDPOINTS.update(endpoints)


def wants_problem() -> bool:
    """Return True when the current request's errors are answered with a problem document."""
    return is_api_request() or request.endpoint in _PROBLEM_ENDPOINTS


def api_language() -> str:
    """Return the language of API messages: Accept-Language, German by default."""
    best = request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)
    return best or DEFAULT_LANGUAGE


def problem_response(
    status: int,
    detail: str | None = None,
    *,
    kind: str | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Response:
    """Build an `application/problem+json` response (RFC 9457)."""
    phrase = HTTPStatus(status).phrase
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + kind if kind else "about:blank",
        "title": phrase,
        "status": status,
        "detail": detail or phrase,
        "instance": request.path,
    }
    if errors is not None:
        body["errors"] = errors
    body.update(extra or {})
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def problem_for(error: AppError) -> Response:
    """Answer `error` with a problem document in the request's language."""
    lang = api_language()
    errors = [{"path": f.path, "message": f.text(lang)} for f in error.fields] or None
    return problem_response(
        error.status,
        error.message.get(lang),
        kind=error.kind,
        errors=errors,
        headers=error.headers,
        extra=error.extra,
    )


#: Blueprint name -> function returning the URL a refused form POST goes back to.
_WAYS_BACK: dict[str, Callable[[], str | None]] = {}


def way_back(blueprint: str, func: Callable[[], str | None]) -> None:
    """Tell the page handler where a refused form POST of `blueprint` returns to."""
    _WAYS_BACK[blueprint] = func


def page_for(error: AppError) -> Any:
    """Answer `error` on a page: flash and go back after a form POST, else the error page."""
    from service.web import current_lang

    lang = current_lang()
    text = error.message.get(lang)
    find_back = _WAYS_BACK.get(request.blueprint or "")
    go_back = error.page_back and error.status in (409, 422) and request.method == "POST"
    back = find_back() if find_back and go_back else None
    if back:
        flash(text, "error")
        for field in error.fields:
            flash(field.text(lang), "error")
        response = redirect(back, code=303)
    else:
        body = render_template(
            "errors/problem.html", status=error.status, message=text, fields=error.fields, lang=lang
        )
        response = Response(body, status=error.status, mimetype="text/html")
    for name, value in error.headers.items():
        response.headers[name] = value
    return response


def response_for(exc: BaseException) -> Response | None:
    """Return the answer to `exc` when it is an error a client can cause, else None."""
    error = as_app_error(exc)
    if error is None:
        return None
    # A refused request changes nothing, even when its answer is a redirect (303) that the
    # request boundary would otherwise commit.
    db.session.rollback()
    return problem_for(error) if wants_problem() else page_for(error)


def handle(exc: Exception) -> Any:
    """Flask error handler: answer an `AppError` (or an adapted error); re-raise others."""
    response = response_for(exc)
    if response is None:
        raise exc
    return response


def init_app(app: Flask) -> None:
    """Answer every typed error of the app through this module.

    The handler is registered for `Exception` so that adapters registered after this call
    count too; anything else is re-raised and ends as the usual 500.
    """
    app.register_error_handler(Exception, handle)
