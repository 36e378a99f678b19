"""The administrators' page about the audit log: newest checkpoint, witnesses, nightly check.

`views.py` registers it on the back office blueprint; the page only reads `audit.services`.
"""

from __future__ import annotations

from flask import Blueprint, abort, g, render_template
from flask.typing import ResponseReturnValue

from service.audit import services as audit
from service.backoffice import services


def audit_page() -> ResponseReturnValue:
    """Show the log's size, the newest sealed checkpoint, the last witness fetch and verify."""
    # Other staff do not learn that the page exists (as with the webhook pages).
    if not services.may_manage_integrations(g.staff):
        abort(404)
    return render_template("backoffice/audit.html", overview=audit.overview())


def register(bp: Blueprint) -> None:
    """Add the page to the back office blueprint (behind its staff log-in check)."""
    bp.add_url_rule("/audit", "audit", audit_page, methods=["GET"])
