"""Wires the resident portal into the app: every module that adds pages to `views.bp`.

`views` holds the blueprint and the main pages; `downloads`, `replies` and `wallet` add
theirs to the same blueprint and import `views`, so the wiring lives here, above them, and the
package has no import cycle (the `no-cycles-inside` contract checks it).
"""

from __future__ import annotations

from flask import Flask

from service import errors
from service.portal import cli, downloads, replies, views, wallet

#: The modules that add pages or template helpers to the portal blueprint.
PAGES = (views, downloads, replies, wallet)


def init_app(app: Flask) -> None:
    """Register the resident pages and the `flask portal` commands."""
    app.register_blueprint(views.bp)
    errors.way_back(views.bp.name, views.way_back)
    cli.init_app(app)
