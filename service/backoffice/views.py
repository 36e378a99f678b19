"""Back-office pages: inbox, case page, service dashboard. Views call services, nothing more."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

import click
from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.cli import AppGroup
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from service import errors
from service.auth.models import User
from service.backoffice import audit_views, copy_views, role_words, services
from service.backoffice.charts import Series, bar_chart, workflow_diagram
from service.backoffice.constants import AssigneeFilter, Sort, StatusFilter
from service.cases.errors import InputsInvalid
from service.cases.models import Case
from service.cases.services import available_transitions, fire_transition, service_for
from service.extensions import db, utcnow

bp = Blueprint(
    "backoffice",
    __name__,
    url_prefix="/backoffice",
    static_folder="static",
    static_url_path="/static",
)
cli = AppGroup("backoffice", help="Back-office jobs (deadlines).")
for part in (audit_views, copy_views, role_words):
    part.register(bp)

#: Uploads a browser may show inline; anything else is only offered for download.
INLINE_TYPES = {"application/pdf", "image/png", "image/jpeg"}


# --- request set-up ------------------------------------------------------------------


def _current_user() -> User | None:
    from service.auth.services import current_user

    return current_user()


def _lang() -> str:
    try:
        from flask_babel import get_locale

        locale = get_locale()
    except Exception:
        return "de"
    return "en" if locale is not None and locale.language == "en" else "de"


@bp.before_request
def _require_staff() -> ResponseReturnValue | None:
    user = _current_user()
    if user is None:
        from service.auth.services import login_url

        return redirect(login_url(request.full_path.rstrip("?")))
    if not services.is_staff(user):
        abort(403)
    g.staff = user
    g.lang = _lang()
    return None


def _staff() -> User:
    user: User = g.staff
    return user


@bp.context_processor
def _layout() -> dict[str, Any]:
    user = g.get("staff")
    return {
        "bo_services": services.visible_services(user) if user is not None else [],
        "bo_admin": user is not None and services.may_manage_integrations(user),
        "lang": g.get("lang", "de"),
    }


@bp.app_template_filter("title_of")
def _title_of(state: str, workflow: Any, lang: str) -> str:
    try:
        return str(workflow.state(state).title.get(lang))
    except KeyError:
        return state


def _case_or_abort(case_id: int) -> Case:
    case = db.session.get(Case, case_id)
    if case is None:
        abort(404)
    if not services.can_see_case(_staff(), case):
        abort(403)
    return case


# --- inbox ---------------------------------------------------------------------------


def _enum(kind: Any, raw: str | None, default: Any) -> Any:
    try:
        return kind(raw) if raw else default
    except ValueError:
        return default


def _date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


#: Session key of the inbox search term: names stay out of URLs, logs and browser history.
SEARCH_SESSION_KEY = "backoffice_search"


def _inbox_query(args: Any, search: str = "") -> services.InboxQuery:
    return services.InboxQuery(
        service=args.get("service") or None,
        state=args.get("state") or None,
        assignee=_enum(AssigneeFilter, args.get("assignee"), AssigneeFilter.ANYONE),
        status=_enum(StatusFilter, args.get("status"), StatusFilter.OPEN),
        overdue=args.get("overdue") == "1",
        submitted_from=_date(args.get("from")),
        submitted_to=_date(args.get("to")),
        search=search[:100],
        sort=_enum(Sort, args.get("sort"), Sort.DUE),
        after=args.get("after") or None,
    )


def _filter_args(query: services.InboxQuery, **changes: Any) -> dict[str, str]:
    """Return the URL arguments of `query` (without the cursor), with `changes` applied."""
    values = {
        "service": query.service or "",
        "state": query.state or "",
        "assignee": query.assignee.value if query.assignee != AssigneeFilter.ANYONE else "",
        "status": query.status.value if query.status != StatusFilter.OPEN else "",
        "overdue": "1" if query.overdue else "",
        "from": query.submitted_from.isoformat() if query.submitted_from else "",
        "to": query.submitted_to.isoformat() if query.submitted_to else "",
        "sort": query.sort.value if query.sort != Sort.DUE else "",
    }
    values.update({k: str(v) for k, v in changes.items()})
    return {k: v for k, v in values.items() if v}


@bp.get("/")
def inbox() -> ResponseReturnValue:
    """Show the inbox: every case the staff member may see, filtered and sorted."""
    user, now = _staff(), utcnow()
    if request.args.get("reset") == "1":
        session.pop(SEARCH_SESSION_KEY, None)
        return redirect(url_for("backoffice.inbox"))
    query = _inbox_query(request.args, session.get(SEARCH_SESSION_KEY, ""))
    try:
        page = services.inbox_page(query, user, now)
    except services.BadCursor:
        abort(400)
    counts = services.inbox_counts(query, user, now)
    return render_template(
        "backoffice/inbox.html",
        query=query,
        page=page,
        counts=counts,
        services_visible=services.visible_services(user),
        colleagues=services.colleagues_for(user),
        filter_args=lambda **changes: _filter_args(query, **changes),
        url_with=lambda **changes: (
            url_for("backoffice.inbox") + _qs(_filter_args(query, **changes))
        ),
        current_url=request.full_path.rstrip("?"),
        lang=g.lang,
    )


@bp.post("/")
def filter_inbox() -> ResponseReturnValue:
    """Apply the filter form: the search term goes to the session, the rest to the URL."""
    search = (request.form.get("q") or "").strip()[:100]
    if search:
        session[SEARCH_SESSION_KEY] = search
    else:
        session.pop(SEARCH_SESSION_KEY, None)
    query = _inbox_query(request.form)
    return redirect(url_for("backoffice.inbox") + _qs(_filter_args(query)), code=303)


def _qs(args: dict[str, str]) -> str:
    return "?" + urlencode(args) if args else ""


def _back(default: str) -> str:
    target = request.form.get("next") or ""
    # Only back into the back office: never an open redirect.
    if target.startswith("/backoffice") and not target.startswith("//"):
        return target
    return default


@bp.post("/assign")
def bulk_assign() -> ResponseReturnValue:
    """Claim, assign or unassign the cases ticked in the inbox."""
    user = _staff()
    ids = [int(i) for i in request.form.getlist("case_id") if i.isdigit()]
    action = request.form.get("action")
    if not ids:
        flash(_("Select at least one case."), "error")
        return redirect(_back(url_for("backoffice.inbox")))
    assignee_id: int | None
    if action == "claim":
        assignee_id = user.id
    elif action == "unassign":
        assignee_id = None
    elif action == "assign" and (request.form.get("assignee") or "").isdigit():
        assignee_id = int(request.form["assignee"])
    else:
        flash(_("Choose a colleague to assign the cases to."), "error")
        return redirect(_back(url_for("backoffice.inbox")))
    changed = services.bulk_assign(ids, assignee_id, user)
    flash(_("%(count)s case(s) changed.", count=changed), "success")
    return redirect(_back(url_for("backoffice.inbox")))


# --- case page -----------------------------------------------------------------------


def _render_case(
    case: Case,
    status: int = 200,
    *,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, str]] | None = None,
    message: str | None = None,
    message_kind: str = "error",
) -> ResponseReturnValue:
    user, lang, now = _staff(), g.lang, utcnow()
    service = service_for(case)
    options = available_transitions(case, services.actor_for(user))
    body = render_template(
        "backoffice/case.html",
        case=case,
        service=service,
        state=services.state_title(service, case.state),
        options=options,
        sections=services.case_sections(case, lang),
        timeline=services.timeline(case, lang),
        notes=services.notes(case),
        viewers=services.viewers(case),
        assignee=db.session.get(User, case.assignee_id) if case.assignee_id else None,
        colleagues=services.assignable_staff(case.service_key),
        overdue=services.case_is_overdue(case, now),
        documents=services.case_documents(case, lang),
        errors=errors or {},
        values=values or {},
        message=message,
        message_kind=message_kind,
        lang=lang,
    )
    return body, status


@bp.get("/cases/<int:case_id>")
def case_page(case_id: int) -> ResponseReturnValue:
    """Show a case: answers, files, transitions, timeline, notes; record the opening."""
    case = _case_or_abort(case_id)
    services.record_view(case, _staff())
    return _render_case(case)


@bp.post("/cases/<int:case_id>/transitions/<name>")
def fire(case_id: int, name: str) -> ResponseReturnValue:
    """Fire a transition on the case version the staff member saw."""
    case = _case_or_abort(case_id)
    user = _staff()
    raw_version = request.form.get("version", "")
    expected = int(raw_version) if raw_version.isdigit() else -1
    inputs = _inputs_of(name)
    decision = fire_transition(
        case, name, services.actor_for(user), inputs, expected_version=expected
    )
    service = service_for(case)
    title = services.transition_title(service, name).get(g.lang)
    if decision.completed:
        flash(_("Done: %(action)s.", action=title), "success")
    else:
        flash(_("Your approval was recorded; another person must approve as well."), "success")
    return redirect(url_for("backoffice.case_page", case_id=case.id))


def _inputs_of(transition: str) -> dict[str, str]:
    prefix = f"{transition}-"
    return {k[len(prefix) :]: v for k, v in request.form.items() if k.startswith(prefix)}


@bp.errorhandler(InputsInvalid)
def _inputs_invalid(exc: InputsInvalid) -> ResponseReturnValue:
    """Show the transition's form again, each refused input's message beside it."""
    view_args = request.view_args or {}
    name = view_args.get("name", "")
    return _render_case(
        _case_or_abort(view_args.get("case_id", -1)),
        422,
        errors={name: {k: v.get(g.lang) for k, v in exc.errors.items()}},
        values={name: _inputs_of(name)},
        message=_("Please check your entries."),
    )


def _way_back() -> str:
    """Return where a refused form goes back to: the case it was about, else the inbox."""
    case_id = (request.view_args or {}).get("case_id")
    if case_id is not None:
        return url_for("backoffice.case_page", case_id=case_id)
    return _back(url_for("backoffice.inbox"))


@bp.post("/cases/<int:case_id>/assign")
def assign(case_id: int) -> ResponseReturnValue:
    """Claim, assign or unassign one case."""
    case = _case_or_abort(case_id)
    user = _staff()
    action = request.form.get("action")
    raw = request.form.get("assignee") or ""
    target: int | None
    if action == "claim":
        target = user.id
    elif action == "unassign":
        target = None
    elif raw.isdigit():
        target = int(raw)
    else:
        flash(_("Choose a colleague to assign the case to."), "error")
        return redirect(url_for("backoffice.case_page", case_id=case.id))
    services.assign(case, target, user)
    flash(_("Assignment saved."), "success")
    return redirect(_back(url_for("backoffice.case_page", case_id=case.id)))


@bp.post("/cases/<int:case_id>/notes")
def add_note(case_id: int) -> ResponseReturnValue:
    """Add an internal note."""
    case = _case_or_abort(case_id)
    text = request.form.get("text", "")
    if not text.strip():
        return _render_case(
            case,
            422,
            errors={"note": {"text": _("Write a note first.")}},
            message=_("Write a note first."),
        )
    services.add_note(case, _staff(), text)
    flash(_("Note saved."), "success")
    return redirect(url_for("backoffice.case_page", case_id=case.id) + "#notes")


@bp.get("/cases/<int:case_id>/files/<file_id>")
def case_file(case_id: int, file_id: str) -> ResponseReturnValue:
    """Serve an upload of this case (inline preview for safe types, else download)."""
    case = _case_or_abort(case_id)
    found = services.read_case_file(case, file_id)
    if found is None:
        abort(404)
    inline = request.args.get("download") != "1" and found.content_type in INLINE_TYPES
    response = Response(found.data, mimetype=found.content_type)
    disposition = "inline" if inline else "attachment"
    from werkzeug.http import dump_options_header

    response.headers["Content-Disposition"] = dump_options_header(
        disposition, {"filename": found.name}
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/cases/<int:case_id>/documents/<int:document_id>")
def document(case_id: int, document_id: int) -> ResponseReturnValue:
    """Download a rendered document of the case."""
    case = _case_or_abort(case_id)
    name, data = services.document_pdf(case, document_id)
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/cases/<int:case_id>/documents/<int:document_id>/retry")
def retry_document(case_id: int, document_id: int) -> ResponseReturnValue:
    """Queue a failed document render again."""
    case = _case_or_abort(case_id)
    if services.retry_document(case, document_id):
        flash(_("The document will be rendered again."), "success")
    else:
        flash(_("There is nothing to retry for this document."), "error")
    return redirect(url_for("backoffice.case_page", case_id=case.id) + "#documents")


# --- integrations (administrators) -----------------------------------------------------


def _require_admin() -> None:
    # Other staff do not learn that the page exists.
    if not services.may_manage_integrations(_staff()):
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


# --- service dashboard ---------------------------------------------------------------


@bp.get("/services/<key>")
def service_dashboard(key: str) -> ResponseReturnValue:
    """Show a service's figures and its workflow as a diagram."""
    user, lang = _staff(), g.lang
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


# --- commands and set-up -------------------------------------------------------------


@cli.command("escalate")
def escalate_command() -> None:
    """Mark overdue open cases as escalated (run daily)."""
    count = services.escalate_overdue()
    db.session.commit()
    click.echo(f"{count} case(s) escalated.")


def init_app(app: Flask) -> None:
    """Register the back office pages and its CLI commands."""
    from service.extensions import babel, csrf

    # The shared web layer binds these; set them up here only when it is not there yet.
    if "babel" not in app.extensions:
        babel.init_app(app, locale_selector=lambda: session.get("lang") or "de")
    if "csrf" not in app.extensions:
        csrf.init_app(app)
    app.register_blueprint(bp)
    errors.way_back(bp.name, _way_back)
    app.cli.add_command(cli)
