"""The resident's data export: /account/data.json."""

from __future__ import annotations

import json

from flask import Blueprint, Flask, Response
from flask.typing import ResponseReturnValue

from service.auth.services import current_user, login_required
from service.privacy.services import export_for

bp = Blueprint("privacy", __name__)


@bp.get("/account/data.json")
@login_required
def data_export() -> ResponseReturnValue:
    """Download everything held about the logged-in resident as JSON."""
    user = current_user()
    assert user is not None  # login_required
    body = json.dumps(export_for(user), ensure_ascii=False, indent=2, default=str)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="amtsweg-data.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """Register the data export page and the `retention` commands."""
    from service.privacy import cli

    app.register_blueprint(bp)
    app.cli.add_command(cli.retention_cli)
