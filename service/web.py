"""What every HTML page shares: locale, CSRF, security headers, error pages, formats.

The portal and the back office render through `templates/base.html`; this module sets up
what that layout needs. German is the default; a person's explicit choice (stored in the
session by `/lang/<code>`) wins over the browser's Accept-Language.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

from service.config import is_production
from service.contexts import unproxied
from service.extensions import babel, csrf
from service.i18n import DEFAULT_LANGUAGE, LANGUAGES, TRANSLATIONS_DIR

bp = Blueprint("web", __name__)

#: Session key of the language a person chose explicitly.
LANG_SESSION_KEY = "lang"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)

#: A host[:port] that may stand in a CSP source list (nothing that could end the directive).
ORIGIN_HOST = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")

#: Error pages this module renders (templates/errors/<code>.html).
ERROR_CODES = (400, 401, 403, 404, 405, 413, 500)


def select_locale() -> str:
    """Return the language of this request: the explicit choice, the browser's, or German."""
    chosen = session.get(LANG_SESSION_KEY)
    if chosen in LANGUAGES:
        return str(chosen)
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def current_lang() -> str:
    """Return the language code ("de" or "en") the current request is rendered in."""
    locale = get_locale()
    lang = locale.language if locale is not None else DEFAULT_LANGUAGE
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def safe_next(target: str | None, fallback: str = "/") -> str:
    """Return `target` when it is a path on this site, else `fallback` (no open redirect)."""
    from service.auth.services import safe_next as local_path

    return local_path(target) or fallback


@bp.post("/lang/<code>")
def choose_language(code: str) -> BaseResponse:
    """Remember the chosen language and go back to the page the person was on."""
    if code not in LANGUAGES:
        abort(404)
    session[LANG_SESSION_KEY] = code
    return redirect(safe_next(request.form.get("next")), code=303)


def _format_date(value: date | datetime | None, style: str = "medium") -> str:
    if value is None:
        return ""
    return format_date(value, style)


def _format_datetime(value: datetime | None, style: str = "medium") -> str:
    if value is None:
        return ""
    return format_datetime(value, style)


def _format_number(value: Any) -> str:
    if value is None or value == "":
        return ""
    return format_decimal(value)


def _format_size(value: int | None) -> str:
    if value is None:
        return ""
    if value < 1024:
        return _("%(n)s bytes", n=format_decimal(value))
    if value < 1024 * 1024:
        return _("%(n)s KB", n=format_decimal(round(value / 1024, 1)))
    return _("%(n)s MB", n=format_decimal(round(value / (1024 * 1024), 1)))


def _other_languages() -> list[tuple[str, str]]:
    """Return (code, name in that language) of the languages one can switch to."""
    names = {"de": "Deutsch", "en": "English"}
    here = current_lang()
    return [(code, names[code]) for code in LANGUAGES if code != here]


def _endpoint_url(*candidates: str, fallback: str) -> str:
    """Return the URL of the first endpoint that exists (features are built in parallel)."""
    for endpoint in candidates:
        if endpoint in current_app.view_functions:
            return url_for(endpoint)
    return fallback


def _layout_context() -> dict[str, Any]:
    return {
        "current_lang": current_lang(),
        "other_languages": _other_languages(),
        "login_url": _endpoint_url("auth.login", fallback="/login"),
        "logout_url": _endpoint_url("auth.logout", fallback="/logout"),
        "layout_user": _layout_user(),
    }


def _layout_user() -> Any:
    """Return the logged-in user for the header, or None."""
    if session.get("user_id") is None:
        return None
    try:
        from service.auth.services import current_user

        return current_user()
    except Exception:  # a broken session must not break the error page that shows it
        return None


@lru_cache(maxsize=8)
def _policy_for(issuer: str) -> str:
    """Return the page's CSP: forms may also go to the OpenID provider `issuer`.

    Logging out posts a form whose answer redirects to the provider's end-session
    endpoint; browsers check `form-action` along that redirect, so the provider's
    origin must be allowed or the logout silently stops here. Built once per provider.
    """
    parts = urlsplit(issuer)
    if parts.scheme not in ("http", "https") or not ORIGIN_HOST.fullmatch(parts.netloc):
        return CSP
    origin = f"{parts.scheme}://{parts.netloc}"
    return CSP.replace("form-action 'self'", f"form-action 'self' {origin}")


@lru_cache(maxsize=16)
def _default_headers(issuer: str, production: bool) -> tuple[tuple[str, str, str], ...]:
    """Return (lowercased name, name, value) of each security header, in the order sent."""
    headers = [
        ("Content-Security-Policy", _policy_for(issuer)),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("X-Frame-Options", "DENY"),
    ]
    if production:
        headers.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    return tuple((name.lower(), name, value) for name, value in headers)


def _security_headers(response: Response) -> Response:
    headers = response.headers
    # The app and the session themselves, not their proxies (see service.contexts).
    config = unproxied(current_app).config
    # Each header unless the view set its own: one pass over the headers, where
    # `setdefault` looked each name up (and raised a KeyError) one by one.
    present = {name.lower() for name, _ in headers}
    defaults = _default_headers(str(config.get("OIDC_ISSUER") or ""), is_production(config))
    for lowered, name, value in defaults:
        if lowered not in present:
            headers.add(name, value)
    # Pages of a logged-in person may show personal data: never keep them in any cache.
    user_id = unproxied(session).get("user_id")
    if user_id is not None and response.mimetype == "text/html":
        headers["Cache-Control"] = "no-store"
        headers.add("Vary", "Cookie")
    return response


def _fresh_request_globals() -> None:
    """Start every request with an empty `g`.

    A request reuses an application context that is already pushed (tests, CLI tools),
    and with it `g`: the logged-in user or the CSRF token cached there by an earlier
    request must never carry over to the next one.
    """
    state = unproxied(g)
    state.__dict__.clear()  # what popping each name does, in one call


def _wants_html() -> bool:
    return not request.path.startswith("/api/")


def _error_page(code: int, description: str | None = None) -> tuple[str, int]:
    return render_template(f"errors/{code}.html", description=description), code


def init_app(app: Flask) -> None:
    """Set up Babel, CSRF, security headers, error pages and locale-aware filters."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Europe/Berlin")
    babel.init_app(
        app,
        default_locale=DEFAULT_LANGUAGE,
        default_translation_directories=str(TRANSLATIONS_DIR),
        default_timezone="Europe/Berlin",
        locale_selector=select_locale,
    )
    csrf.init_app(app)
    app.register_blueprint(bp)
    # First of all before-request hooks, so nothing of an earlier request is seen.
    app.before_request_funcs.setdefault(None, []).insert(0, _fresh_request_globals)
    app.after_request(_security_headers)
    app.context_processor(_layout_context)
    app.add_template_filter(_format_date, "format_date")
    app.add_template_filter(_format_datetime, "format_datetime")
    app.add_template_filter(_format_number, "format_number")
    app.add_template_filter(_format_size, "format_size")

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError) -> Any:
        if not _wants_html():
            return exc
        return _error_page(400, _("The form has expired or was not sent from this site."))

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        code = exc.code or 500
        if not _wants_html() or code not in ERROR_CODES:
            return exc
        return _error_page(code)

    @app.errorhandler(500)
    def _server_error(exc: Exception) -> Any:
        if not _wants_html():
            return exc
        return _error_page(500)
