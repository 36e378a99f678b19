"""The inbox: every case a staff member may see, filtered, sorted, a page at a time.

The search term lives in the session (names stay out of URLs, logs and browser
history); the other filters are URL arguments. Bulk claim, assign and unassign.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from flask import flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from service.backoffice import services
from service.backoffice.blueprint import back, bp, staff
from service.backoffice.constants import AssigneeFilter, Sort, StatusFilter
from service.extensions import utcnow


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
    user, now = staff(), utcnow()
    if request.args.get("reset") == "1":
        session.pop(SEARCH_SESSION_KEY, None)
        return redirect(url_for("backoffice.inbox"))
    query = _inbox_query(request.args, session.get(SEARCH_SESSION_KEY, ""))
    page = services.inbox_page(query, user, now)
    counts = services.inbox_counts(query, user, now)
    return render_template(
        "backoffice/inbox.html",
        query=query,
        page=page,
        counts=counts,
        services_visible=services.visible_services(user),
        colleagues=services.colleagues_for(user),
        filter_args=lambda **changes: _filter_args(query, **changes),
        url_with=lambda **changes: url_for("backoffice.inbox") + qs(_filter_args(query, **changes)),
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
    return redirect(url_for("backoffice.inbox") + qs(_filter_args(query)), code=303)


def qs(args: dict[str, str]) -> str:
    return "?" + urlencode(args) if args else ""


@bp.post("/assign")
def bulk_assign() -> ResponseReturnValue:
    """Claim, assign or unassign the cases ticked in the inbox."""
    user = staff()
    ids = [int(i) for i in request.form.getlist("case_id") if i.isdigit()]
    action = request.form.get("action")
    if not ids:
        flash(_("Select at least one case."), "error")
        return redirect(back(url_for("backoffice.inbox")))
    assignee_id: int | None
    if action == "claim":
        assignee_id = user.id
    elif action == "unassign":
        assignee_id = None
    elif action == "assign" and (request.form.get("assignee") or "").isdigit():
        assignee_id = int(request.form["assignee"])
    else:
        flash(_("Choose a colleague to assign the cases to."), "error")
        return redirect(back(url_for("backoffice.inbox")))
    changed = services.bulk_assign(ids, assignee_id, user)
    flash(_("%(count)s case(s) changed.", count=changed), "success")
    return redirect(back(url_for("backoffice.inbox")))
