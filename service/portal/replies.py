"""The resident's replies to their case: answer a question (with files) or withdraw.

The view only calls `services.reply`; a refused reply (a file, an input, the workflow)
comes back through the portal's error handler (`views.FORMS_AGAIN`) to `_reply_refused`,
which shows the form again with each message beside its field.
"""

from __future__ import annotations

from typing import Any

from flask import abort, g, redirect, render_template, request, url_for

from service.auth.services import login_required
from service.cases.models import Case
from service.engine.errors import InputsInvalid, TransitionNotAllowed
from service.extensions import db
from service.forms.errors import ValidationFailed
from service.portal import services
from service.portal.constants import REPLY_FILE_ACCEPT, REPLY_FILE_MAX_SIZE, REPLY_MAX_FILES
from service.portal.views import FORMS_AGAIN, _case_or_404, _user, bp, field_id
from service.web import current_lang


def _chosen_action(case: Case, transition: str) -> Any:
    """Return the transition `transition` if the resident may fire it now, else 404."""
    allowed = {t.name: t for t in services.applicant_transitions(case, services.actor_of(_user()))}
    chosen = allowed.get(transition)
    if chosen is None:
        abort(404)
    return chosen


def _action_values(chosen: Any) -> dict[str, str]:
    # Only the transition's own inputs are read: state or owner in the body are ignored.
    return {spec.name: request.form.get(spec.name, "") for spec in chosen.inputs}


@bp.route("/cases/<int:case_id>/actions/<transition>", methods=["GET", "POST"])
@login_required
def case_action(case_id: int, transition: str) -> Any:
    """Let the resident reply to a question (with files) or withdraw, as the workflow allows.

    A refused reply comes back through `_reply_refused` (the form again, with the reasons).
    """
    case = _case_or_404(case_id)
    chosen = _chosen_action(case, transition)
    if request.method == "POST":
        g.reply = (case, chosen)  # for `_reply_refused`, whatever the case's state is then
        values, files = _action_values(chosen), request.files.getlist("files")
        services.reply(case, chosen, services.actor_of(_user()), values, files, current_lang())
        return redirect(url_for(".case_detail", case_id=case.id), code=303)
    return _render_action(case, chosen, {}, {})


def _render_action(
    case: Case, chosen: Any, refusals: dict[str, list[str]], values: dict[str, str]
) -> str:
    return render_template(
        "portal/action.html",
        case=case,
        service=services.service_for_case(case),
        transition=chosen,
        request_message=services.open_request(case),
        errors=refusals,
        values=values,
        accept=REPLY_FILE_ACCEPT,
        max_size=REPLY_FILE_MAX_SIZE,
        max_files=REPLY_MAX_FILES,
        lang=current_lang(),
    )


def _reply_errors(exc: Exception, lang: str) -> dict[str, list[str]]:
    """Return the refusal as {HTML id of the field: messages}; "" for the whole form."""
    if isinstance(exc, ValidationFailed):
        return {field_id(k): v for k, v in exc.errors.items()}
    if isinstance(exc, InputsInvalid):
        return {field_id(k): [t.get(lang)] for k, t in exc.errors.items()}
    assert isinstance(exc, TransitionNotAllowed)
    return {"": [exc.message.get(lang)]}


def _reply_refused(exc: Exception) -> Any:
    """Show a refused reply's form again: each message beside its field, linked from the summary.

    Called by the portal's error handler (`views.FORMS_AGAIN`); None leaves the error to
    the one error map. Nothing of the reply stays.
    """
    if "reply" not in g:
        return None
    db.session.rollback()
    case, chosen = g.reply
    return _render_action(case, chosen, _reply_errors(exc, current_lang()), _action_values(chosen))


FORMS_AGAIN["portal.case_action"] = _reply_refused
