"""The administrators' webhook pages: subscriptions, their delivery log, redelivery.

Other staff get 404: they do not learn that the pages exist.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from service.backoffice import services
from service.backoffice.blueprint import bp, staff


def _require_admin() -> None:
    # Other staff do not learn that the page exists.
    if not services.may_manage_integrations(staff()):
        abort(404)


@bp.get("/webhooks")
def webhooks() -> ResponseReturnValue:
    """List every webhook subscription with how its deliveries stand."""
    _require_admin()
    return render_template("backoffice/webhooks.html", rows=services.subscription_rows())


@bp.get("/webhooks/<int:subscription_id>")
def webhook_log(subscription_id: int) -> ResponseReturnValue:
    """Show a subscription's delivery log, newest first, a page at a time."""
    _require_admin()
    before = request.args.get("before", type=int)
    page = services.delivery_log(subscription_id, before)
    if page is None:
        abort(404)
    return render_template("backoffice/webhook_log.html", page=page)


@bp.post("/webhooks/<int:subscription_id>/deliveries/<int:delivery_id>/redeliver")
def webhook_redeliver(subscription_id: int, delivery_id: int) -> ResponseReturnValue:
    """Send a delivery again now, with the same webhook-id."""
    _require_admin()
    if not services.redeliver(subscription_id, delivery_id):
        abort(404)
    flash(_("The delivery will be sent again."), "success")
    return redirect(url_for("backoffice.webhook_log", subscription_id=subscription_id))
