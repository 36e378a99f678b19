"""People and their sessions, for administrators in the back office.

An administrator finds a person, sees where they are logged in (when each session began
and was last used), ends one session or all of them, and disables or enables an account
(disabling ends every session at once). Other staff get 404: they do not learn that the
pages exist. Their own blueprint under /backoffice/people, guarded and laid out like the
rest of the back office.
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from service.auth import accounts as auth
from service.auth.models import User
from service.backoffice import blueprint, services
from service.extensions import db

bp = Blueprint("backoffice_people", __name__, url_prefix="/backoffice/people")
# The same guard (staff only, else login or 403) and layout as every back-office page.
bp.before_request(blueprint.require_staff)
bp.context_processor(blueprint.layout)


def _require_admin() -> User:
    admin = blueprint.staff()
    if not services.may_manage_integrations(admin):
        abort(404)
    return admin


def _person(user_id: int) -> User:
    person = db.session.get(User, user_id)
    if person is None:
        abort(404)
    return person


def _back(person: User) -> ResponseReturnValue:
    return redirect(url_for("backoffice_people.person", user_id=person.id), code=303)


@bp.get("")
def people() -> ResponseReturnValue:
    """Find people by name or e-mail; without a search, list the staff."""
    _require_admin()
    query = request.args.get("q", "")[:100]
    return render_template("backoffice/people.html", people=auth.find_people(query), query=query)


@bp.get("/<int:user_id>")
def person(user_id: int) -> ResponseReturnValue:
    """Show a person's account and live sessions."""
    _require_admin()
    found = _person(user_id)
    return render_template("backoffice/person.html", person=found, sessions=auth.sessions_of(found))


@bp.post("/<int:user_id>/sessions/<key_hash>/end")
def end_session(user_id: int, key_hash: str) -> ResponseReturnValue:
    """End one session of a person."""
    _require_admin()
    found = _person(user_id)
    if auth.end_session(found, key_hash):
        flash(_("The session has been ended."), "success")
    else:
        flash(_("This session had already ended."), "error")
    return _back(found)


@bp.post("/<int:user_id>/sessions/end")
def end_all_sessions(user_id: int) -> ResponseReturnValue:
    """End every session of a person."""
    _require_admin()
    found = _person(user_id)
    count = auth.end_sessions(found)
    flash(_("%(n)s session(s) ended.", n=count), "success")
    return _back(found)


@bp.post("/<int:user_id>/disable")
def disable(user_id: int) -> ResponseReturnValue:
    """Disable an account (it cannot log in; its sessions end) or enable it again."""
    admin = _require_admin()
    found = _person(user_id)
    enable = request.form.get("action") == "enable"
    if not enable and found.id == admin.id:
        flash(_("You cannot disable your own account."), "error")
        return _back(found)
    auth.set_disabled(found, not enable)
    if enable:
        flash(_("The account has been enabled."), "success")
    else:
        flash(_("The account has been disabled and all its sessions ended."), "success")
    return _back(found)


def init_app(app: Flask) -> None:
    """Register the people pages."""
    app.register_blueprint(bp)
