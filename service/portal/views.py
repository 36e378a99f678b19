"""Resident pages: catalogue, start page, form pages, check answers, submit, my cases.

Views only read the request, call `service.portal.services` and render; the request
boundary commits. Anything that is not the logged-in resident's own is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    abort,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response as BaseResponse

from service import errors
from service.auth.services import current_user, login_required
from service.cases.models import Case
from service.cases.services import get_case_for_applicant
from service.definitions.services import current_registry
from service.engine.errors import InputsInvalid, TransitionNotAllowed
from service.extensions import db
from service.forms.services import ValidationFailed, page_view, summary
from service.portal import services
from service.portal.constants import (
    ACTION_CONTINUE,
    ACTION_SAVE,
    RETURN_TO_CHECK,
)
from service.web import current_lang

bp = Blueprint("portal", __name__)


def _user() -> Any:
    user = current_user()
    if user is None:  # login_required ran first; this keeps mypy and readers sure
        abort(404)
    return user


def _service_or_404(service_key: str) -> tuple[Any, Any]:
    pair = services.service_and_form(service_key)
    if pair is None or not services.may_see(pair[0], current_user()):
        abort(404)
    return pair


def _case_or_404(case_id: int) -> Case:
    case = get_case_for_applicant(case_id, _user().id)
    if case is None:
        abort(404)
    return case


def field_id(path: str) -> str:
    """Return the HTML id of the field at error path `path` (as the forms package names it)."""
    return "f-" + path.replace("[", "-").replace("].", "-")


# --- catalogue and start page ---------------------------------------------------------------


@bp.get("/")
def catalogue() -> str:
    """List the services a resident can apply for."""
    return render_template(
        "portal/catalogue.html", services=current_registry().published(), lang=current_lang()
    )


@bp.get("/services/<service_key>")
def start(service_key: str) -> str:
    """Say what a service is, what one needs and how long it takes."""
    service, form = _service_or_404(service_key)
    user = current_user()
    draft = services.get_draft(user.id, service.key) if user is not None else None
    return render_template(
        "portal/start.html", service=service, form=form, draft=draft, lang=current_lang()
    )


# --- the form, page by page -----------------------------------------------------------------


@bp.get("/services/<service_key>/apply")
@login_required
def apply(service_key: str) -> BaseResponse:
    """Continue the resident's draft where they left off, or begin at the first page."""
    service, form = _service_or_404(service_key)
    draft = services.get_draft(_user().id, service.key)
    data = draft.data if draft is not None else {}
    page_key = draft.current_page if draft is not None and draft.current_page else None
    if page_key is None and draft is not None and draft.data:
        return redirect(url_for(".check", service_key=service.key))
    if page_key is None or not services.is_page_shown(form, page_key, data):
        page_key = services.first_page_key(form, data)
    return redirect(url_for(".page", service_key=service.key, page_key=page_key))


@bp.route("/services/<service_key>/apply/<page_key>", methods=["GET", "POST"])
@login_required
def page(service_key: str, page_key: str) -> Any:
    """Show one page of the form; on POST save it and move on, or show what to correct."""
    service, form = _service_or_404(service_key)
    if services.find_page(form, page_key) is None:
        abort(404)
    user, lang = _user(), current_lang()
    returning = request.values.get("return") == RETURN_TO_CHECK
    if request.method == "GET":
        draft = services.get_draft(user.id, service.key)
        data = draft.data if draft is not None else {}
        if not services.is_page_shown(form, page_key, data):
            return redirect(url_for(".apply", service_key=service.key))
        return _render_page(service, form, page_key, data, {}, returning)
    draft = services.start_draft(user.id, service, form)
    if not services.is_page_shown(form, page_key, draft.data):
        return redirect(url_for(".apply", service_key=service.key))
    action = request.form.get("action") or ACTION_CONTINUE
    outcome = services.answer_page(
        draft,
        service,
        form,
        page_key,
        request.form.to_dict(flat=False),
        request.files,
        action,
        lang,
    )
    if outcome.next is None:
        if outcome.anchor and not outcome.errors:
            # Post/redirect/get, landing on the new item so keyboard users are where they were.
            target = url_for(".page", service_key=service.key, page_key=page_key)
            query = f"?return={RETURN_TO_CHECK}" if returning else ""
            return redirect(f"{target}{query}#{outcome.anchor}", code=303)
        saved = draft.expires_at if action == ACTION_SAVE and not outcome.errors else None
        return _render_page(
            service, form, page_key, outcome.data, outcome.errors, returning, saved_until=saved
        )
    if returning or outcome.next == "check":
        return redirect(url_for(".check", service_key=service.key), code=303)
    return redirect(url_for(".page", service_key=service.key, page_key=outcome.next), code=303)


def _render_page(
    service: Any,
    form: Any,
    page_key: str,
    data: dict[str, Any],
    errors: dict[str, list[str]],
    returning: bool,
    saved_until: datetime | None = None,
) -> str:
    lang = current_lang()
    view = page_view(form, page_key, data, errors, lang)
    linked = {link.href for link in view.errors}
    summary_links: list[tuple[str | None, str]] = [
        (link.href, link.message) for link in view.errors
    ]
    # Errors of rules that name no field of this page still belong in the summary.
    for path, messages in errors.items():
        if f"#{field_id(path)}" not in linked:
            summary_links.extend((None, m) for m in messages)
    pages = services.visible_pages_of(form, data)
    keys = [p.key for p in pages]
    index = keys.index(page_key) if page_key in keys else 0
    if returning:
        back = url_for(".check", service_key=service.key)
    elif index > 0:
        back = url_for(".page", service_key=service.key, page_key=keys[index - 1])
    else:
        back = url_for(".start", service_key=service.key)
    return render_template(
        "portal/page.html",
        service=service,
        form=form,
        view=view,
        error_links=summary_links,
        back_url=back,
        step=index + 1,
        steps=len(keys),
        returning=returning,
        file_limits=_file_limits(form),
        saved_until=saved_until,
        lang=lang,
    )


def _file_limits(form: Any) -> dict[str, int | None]:
    limits: dict[str, int | None] = {}
    for f in form.fields:
        for candidate in (f, *f.fields):
            if candidate.type == "file":
                limits[candidate.key] = candidate.max_size
    return limits


# --- check answers, submit, confirmation ----------------------------------------------------


@bp.get("/services/<service_key>/check")
@login_required
def check(service_key: str) -> Any:
    """Show every answer with a link to change it, and the button to submit."""
    service, form = _service_or_404(service_key)
    draft = services.get_draft(_user().id, service.key)
    if draft is None:
        return redirect(url_for(".apply", service_key=service.key))
    errors = services.check_answers(draft, form, current_lang())
    return _render_check(service, form, draft, errors)


def _render_check(service: Any, form: Any, draft: Any, errors: dict[str, list[str]]) -> str:
    lang = current_lang()
    links: list[tuple[str | None, str]] = []
    for path, messages in errors.items():
        page_key = services.page_of_path(form, path)
        href = None
        if page_key is not None:
            target = url_for(".page", service_key=service.key, page_key=page_key)
            href = f"{target}?return={RETURN_TO_CHECK}#{field_id(path)}"
        links.extend((href, m) for m in messages)
    return render_template(
        "portal/check.html",
        service=service,
        form=form,
        draft=draft,
        sections=summary(form, draft.data, lang),
        error_links=links,
        lang=lang,
    )


@bp.post("/services/<service_key>/submit")
@login_required
def submit(service_key: str) -> Any:
    """Open the case once; sending the same page again shows the same confirmation."""
    service, form = _service_or_404(service_key)
    user, lang = _user(), current_lang()
    token = request.form.get("submit_token", "")
    draft = services.get_draft(user.id, service.key)
    if draft is None or draft.submit_token != token:
        done = services.submitted_draft(user.id, token) if token else None
        if done is not None and done.case_id is not None:
            return redirect(url_for(".confirmation", case_id=done.case_id), code=303)
        return redirect(url_for(".check", service_key=service.key), code=303)
    g.check_page = (service, form, draft)  # for `_submit_refused`: the check page again
    try:
        case = services.submit_draft(draft, services.actor_of(user), token, lang)
    except services.StaleSubmission:
        return redirect(url_for(".check", service_key=service.key), code=303)
    return redirect(url_for(".confirmation", case_id=case.id), code=303)


def _submit_refused(exc: Exception) -> Any:
    """Show the check page again with the refused answers, each linked to its question."""
    if not isinstance(exc, ValidationFailed) or "check_page" not in g:
        return None
    db.session.rollback()
    service, form, draft = g.check_page
    return _render_check(service, form, draft, exc.errors)


@bp.get("/cases/<int:case_id>/confirmation")
@login_required
def confirmation(case_id: int) -> str:
    """Confirm the submission with the case reference."""
    case = _case_or_404(case_id)
    service = services.service_for_case(case)
    return render_template(
        "portal/confirmation.html", case=case, service=service, lang=current_lang()
    )


@bp.post("/drafts/<int:draft_id>/delete")
@login_required
def delete_draft(draft_id: int) -> BaseResponse:
    """Discard one of the resident's drafts."""
    draft = services.get_draft_by_id(draft_id, _user().id)
    if draft is None:
        abort(404)
    services.delete_draft(draft)
    return redirect(url_for(".my_cases"), code=303)


# --- my cases -------------------------------------------------------------------------------


@bp.get("/cases")
@login_required
def my_cases() -> str:
    """List the resident's cases and open drafts."""
    user, lang = _user(), current_lang()
    cases = services.cases_of(user.id)
    rows = [(c, services.state_title(c, lang), services.service_for_case(c)) for c in cases]
    drafts = [(d, services.service_and_form(d.service_key)) for d in services.open_drafts(user.id)]
    return render_template(
        "portal/cases.html",
        rows=rows,
        drafts=[(d, pair[0]) for d, pair in drafts if pair is not None],
        lang=lang,
    )


@bp.get("/cases/<int:case_id>")
@login_required
def case_detail(case_id: int) -> str:
    """Show one case: its state, timeline, documents and what the resident can do."""
    case = _case_or_404(case_id)
    user, lang = _user(), current_lang()
    return render_template(
        "portal/case.html",
        case=case,
        service=services.service_for_case(case),
        **services.case_status(case, lang),
        timeline=services.timeline(case, lang),
        request_message=services.open_request(case),
        actions=services.applicant_transitions(case, services.actor_of(user)),
        documents=[_document_link(d, case, lang) for d in services.documents_of(case)],
        # The resident's own files only: the office's (a decision's file input) are not
        # theirs to download.
        uploads=[u for u in services.uploads_for_case(case.id) if u.owner_id == user.id],
        answers=services.submitted_answers(case, lang),
        lang=lang,
    )


def _document_link(document: Any, case: Case, lang: str) -> tuple[str, str]:
    """Return (title, download URL) of a document of the case."""
    from service.documents.services import document_title

    url = url_for("documents.download", case_id=case.id, document_id=document.id)
    return document_title(document, lang), url


#: Endpoint -> how a refused POST of that page shows its form again: a function of the
#: typed error that answers it, or None to leave it to the one error map.
FORMS_AGAIN: dict[str, Callable[[Exception], Any]] = {"portal.submit": _submit_refused}

#: The typed errors a portal form is shown again for (answers, inputs, the workflow).
FORM_REFUSALS = (ValidationFailed, InputsInvalid, TransitionNotAllowed)


def _form_again(exc: Exception) -> Any:
    """Blueprint error handler: the page's own form again, else the one error map."""
    again = FORMS_AGAIN.get(request.endpoint or "")
    answer = again(exc) if again is not None else None
    return errors.handle(exc) if answer is None else answer


for _refusal in FORM_REFUSALS:
    bp.register_error_handler(_refusal, _form_again)


def way_back() -> str:
    """Return where a refused form goes back to: the resident's case, else the same page."""
    case_id = (request.view_args or {}).get("case_id")
    if case_id is not None:
        return url_for(".case_detail", case_id=case_id)
    return request.path
