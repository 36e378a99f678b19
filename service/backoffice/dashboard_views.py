"""A service's dashboard: figures of the last weeks, open cases per state, the workflow."""

from __future__ import annotations

from flask import abort, g, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from service.backoffice import services
from service.backoffice.blueprint import bp, staff
from service.backoffice.charts import Series, bar_chart, workflow_diagram


@bp.get("/services/<key>")
def service_dashboard(key: str) -> ResponseReturnValue:
    """Show a service's figures and its workflow as a diagram."""
    user, lang = staff(), g.lang
    if key not in services.roles_by_service():
        abort(404)
    if key not in services.visible_service_keys(user):
        abort(403)
    figures = services.dashboard(key)
    weeks = [
        w.start.strftime("%d.%m.") if lang != "en" else w.start.strftime("%m-%d")
        for w in figures.weeks
    ]
    weekly = bar_chart(
        "chart-weekly",
        _("Cases received and closed per week"),
        _("Bar chart of the last 12 weeks; the table below lists the same figures."),
        weeks,
        [
            Series(_("Received"), [w.received for w in figures.weeks]),
            Series(_("Closed"), [w.closed for w in figures.weeks]),
        ],
    )
    by_state = bar_chart(
        "chart-states",
        _("Open cases per state"),
        _("Bar chart; the table below lists the same figures."),
        [title.get(lang) for _name, title, _n in figures.open_by_state],
        [Series(_("Open cases"), [n for _name, _title, n in figures.open_by_state])],
        height=220,
    )
    workflow = figures.service.workflow
    return render_template(
        "backoffice/service.html",
        figures=figures,
        weekly_chart=weekly,
        states_chart=by_state,
        diagram=workflow_diagram(workflow, lang),
        workflow=workflow,
        median_days=(
            round(figures.median_processing.total_seconds() / 86400, 1)
            if figures.median_processing is not None
            else None
        ),
        lang=lang,
    )
