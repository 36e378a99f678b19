"""The case page: answers, files, documents, transitions, timeline, notes, assignment.

A transition's refused inputs come back through the `InputsInvalid` and `UploadRefused`
error handlers below (the form again, each message beside its input; a refused file is
raised under its input's name); every other typed error goes through
the one error map (`service.errors`), which sends a refused form back to the case.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from service.attachments.errors import UploadRefused
from service.auth.models import User
from service.backoffice import file_inputs, services
from service.backoffice.blueprint import back, bp, case_or_abort, staff
from service.cases.errors import InputsInvalid
from service.cases.models import Case
from service.cases.services import available_transitions, fire_transition, service_for
from service.extensions import db, utcnow

#: Uploads a browser may show inline; anything else is only offered for download.
INLINE_TYPES = {"application/pdf", "image/png", "image/jpeg"}


def _render_case(
    case: Case,
    status: int = 200,
    *,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, str]] | None = None,
    message: str | None = None,
    message_kind: str = "error",
) -> ResponseReturnValue:
    user, lang, now = staff(), g.lang, utcnow()
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
    case = case_or_abort(case_id)
    services.record_view(case, staff())
    return _render_case(case)


@bp.post("/cases/<int:case_id>/transitions/<name>")
def fire(case_id: int, name: str) -> ResponseReturnValue:
    """Fire a transition on the case version the staff member saw."""
    case = case_or_abort(case_id)
    user = staff()
    raw_version = request.form.get("version", "")
    expected = int(raw_version) if raw_version.isdigit() else -1
    inputs = _inputs_of(case, name)
    with file_inputs.stored(case, name, user, g.lang) as uploads:
        inputs.update(uploads.values)
        decision = fire_transition(
            case,
            name,
            services.actor_for(user),
            inputs,
            expected_version=expected,
            files=uploads.lookup,
        )
        uploads.link(decision)
    service = service_for(case)
    title = services.transition_title(service, name).get(g.lang)
    if decision.completed:
        flash(_("Done: %(action)s.", action=title), "success")
    else:
        flash(_("Your approval was recorded; another person must approve as well."), "success")
    return redirect(url_for("backoffice.case_page", case_id=case.id))


def _inputs_of(case: Case, transition: str) -> dict[str, Any]:
    """Return the transition's inputs as posted; a `checkboxes` input as the list of the
    boxes ticked (the post repeats its name once per box)."""
    prefix = f"{transition}-"
    try:
        specs = service_for(case).workflow.transition(transition).inputs
    except KeyError:
        specs = ()
    lists = {spec.name for spec in specs if spec.type == "checkboxes"}
    inputs: dict[str, Any] = {}
    for key in request.form:
        if key.startswith(prefix):
            name = key[len(prefix) :]
            values = request.form.getlist(key)
            inputs[name] = [v for v in values if v] if name in lists else values[0]
    return inputs


@bp.errorhandler(InputsInvalid)
def _inputs_invalid(exc: InputsInvalid) -> ResponseReturnValue:
    """Show the transition's form again, each refused input's message beside it."""
    return _inputs_again({k: v.get(g.lang) for k, v in exc.errors.items()})


@bp.errorhandler(UploadRefused)
def _file_refused(exc: UploadRefused) -> ResponseReturnValue:
    """Show the transition's form again, the refused file's reasons beside its input."""
    return _inputs_again({path: " ".join(messages) for path, messages in exc.errors.items()})


def _inputs_again(errors: dict[str, str]) -> ResponseReturnValue:
    view_args = request.view_args or {}
    name = view_args.get("name", "")
    case = case_or_abort(view_args.get("case_id", -1))
    return _render_case(
        case,
        422,
        errors={name: errors},
        values={name: _inputs_of(case, name)},
        message=_("Please check your entries."),
    )


def way_back() -> str:
    """Return where a refused form goes back to: the case it was about, else the inbox."""
    case_id = (request.view_args or {}).get("case_id")
    if case_id is not None:
        return url_for("backoffice.case_page", case_id=case_id)
    return back(url_for("backoffice.inbox"))


@bp.post("/cases/<int:case_id>/assign")
def assign(case_id: int) -> ResponseReturnValue:
    """Claim, assign or unassign one case."""
    case = case_or_abort(case_id)
    user = staff()
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
    return redirect(back(url_for("backoffice.case_page", case_id=case.id)))


@bp.post("/cases/<int:case_id>/notes")
def add_note(case_id: int) -> ResponseReturnValue:
    """Add an internal note."""
    case = case_or_abort(case_id)
    text = request.form.get("text", "")
    if not text.strip():
        return _render_case(
            case,
            422,
            errors={"note": {"text": _("Write a note first.")}},
            message=_("Write a note first."),
        )
    services.add_note(case, staff(), text)
    flash(_("Note saved."), "success")
    return redirect(url_for("backoffice.case_page", case_id=case.id) + "#notes")


@bp.get("/cases/<int:case_id>/files/<file_id>")
def case_file(case_id: int, file_id: str) -> ResponseReturnValue:
    """Serve an upload of this case (inline preview for safe types, else download)."""
    case = case_or_abort(case_id)
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
    case = case_or_abort(case_id)
    name, data = services.document_pdf(case, document_id)
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/cases/<int:case_id>/documents/<int:document_id>/retry")
def retry_document(case_id: int, document_id: int) -> ResponseReturnValue:
    """Queue a failed document render again."""
    case = case_or_abort(case_id)
    if services.retry_document(case, document_id):
        flash(_("The document will be rendered again."), "success")
    else:
        flash(_("There is nothing to retry for this document."), "error")
    return redirect(url_for("backoffice.case_page", case_id=case.id) + "#documents")
