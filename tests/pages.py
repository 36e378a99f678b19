"""Read pages the way a browser does: the CSRF token a page's forms carry."""

from __future__ import annotations

import re

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(html: str, where: str = "the page") -> str:
    """Return the CSRF token of the first form in `html`."""
    match = _TOKEN.search(html)
    assert match, f"no CSRF token on {where}"
    return match.group(1)
