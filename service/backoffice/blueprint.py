"""The back office's blueprint and what every page of it shares.

The staff-only guard, the layout's context, the case look-up with its access check and
the safe way back. The pages add themselves to `bp` in `inbox_views`, `case_views`,
`webhook_views` and `dashboard_views`; `views.init_app` wires them into the app.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, redirect, request
from flask.typing import ResponseReturnValue

from service.auth.models import User
from service.backoffice import services
from service.cases.models import Case
from service.extensions import db

bp = Blueprint(
    "backoffice",
    __name__,
    url_prefix="/backoffice",
    static_folder="static",
    static_url_path="/static",
)


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
def require_staff() -> ResponseReturnValue | None:
    """Send a visitor to the log-in, refuse anyone who is not staff (403)."""
    user = _current_user()
    if user is None:
        from service.auth.services import login_url

        return redirect(login_url(request.full_path.rstrip("?")))
    if not services.is_staff(user):
        abort(403)
    g.staff = user
    g.lang = _lang()
    return None


def staff() -> User:
    """Return the staff member of this request (set by `require_staff`)."""
    user: User = g.staff
    return user


@bp.context_processor
def layout() -> dict[str, Any]:
    """Give every back-office page the navigation's services, the admin flag, the language."""
    user = g.get("staff")
    return {
        "bo_services": services.visible_services(user) if user is not None else [],
        "bo_admin": user is not None and services.may_manage_integrations(user),
        "lang": g.get("lang", "de"),
    }


@bp.app_template_filter("title_of")
def title_of(state: str, workflow: Any, lang: str) -> str:
    try:
        return str(workflow.state(state).title.get(lang))
    except KeyError:
        return state


def case_or_abort(case_id: int) -> Case:
    """Return the case if the staff member may see it; 404 if there is none, else 403."""
    case = db.session.get(Case, case_id)
    if case is None:
        abort(404)
    if not services.can_see_case(staff(), case):
        abort(403)
    return case


def back(default: str) -> str:
    """Return the `next` of the posted form if it is a back-office page, else `default`."""
    target = request.form.get("next") or ""
    # Only back into the back office: never an open redirect.
    if target.startswith("/backoffice") and not target.startswith("//"):
        return target
    return default
