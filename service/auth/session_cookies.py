"""What the server-side session writes into a response: its cookie and `Vary: Cookie`.

Kept apart from `service.auth.sessions` (the interface and its stores), which is at the
module size budget.
"""

from __future__ import annotations

from flask import Flask, Response
from flask.sessions import SessionInterface

VARY = "Vary"
COOKIE = "Cookie"


def vary_on_cookie(response: Response) -> None:
    """Add `Cookie` to the response's Vary header: the same headers `response.vary.add`.

    A hand-written fast path, and why: werkzeug's `response.vary` reads the header with
    `Headers.get`, which raises and catches a `BadRequestKeyError` when there is none;
    with parsing the (missing) header into a `HeaderSet` and writing it back, that was
    about 60,000 of a bearer API submission's instructions, on every answer that read
    the session. Without a Vary header, werkzeug appends one `Vary: Cookie` at the end,
    which is what `Headers.add` does here; with one, werkzeug merges it (case-insensitive,
    one header) as before.
    """
    headers = response.headers
    if headers.getlist(VARY):
        response.vary.add(COOKIE)
    else:
        headers.add(VARY, COOKIE)


def set_cookie(interface: SessionInterface, app: Flask, response: Response, token: str) -> None:
    """Send the session's cookie, with `Vary: Cookie`.

    No expiry: the browser forgets the cookie when it closes; the server ends the
    session after the idle or absolute time-out in any case.
    """
    response.set_cookie(
        interface.get_cookie_name(app),
        token,
        domain=interface.get_cookie_domain(app),
        path=interface.get_cookie_path(app),
        secure=interface.get_cookie_secure(app),
        httponly=interface.get_cookie_httponly(app),
        samesite=interface.get_cookie_samesite(app),
    )
    vary_on_cookie(response)


def forget_cookie(interface: SessionInterface, app: Flask, response: Response) -> None:
    """Tell the browser to drop the session's cookie (same name, domain, path, flags)."""
    response.delete_cookie(
        interface.get_cookie_name(app),
        domain=interface.get_cookie_domain(app),
        path=interface.get_cookie_path(app),
        secure=interface.get_cookie_secure(app),
        httponly=interface.get_cookie_httponly(app),
        samesite=interface.get_cookie_samesite(app),
    )
