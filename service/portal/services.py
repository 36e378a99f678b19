"""Public API of the portal: page answers, submission (drafts, uploads and cases re-exported).

Every function takes the owner explicitly and returns None (or nothing) for anything the
owner does not own, so each route answers 404 for other people's drafts, cases and files.
Functions here only flush; the request commits.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from service.attachments.services import Owner, bind_to_case
from service.auth.models import User
from service.cases.computed import form_of
from service.cases.models import Case
from service.cases.services import IdempotencyClaim, service_for, submit_case
from service.definitions.services import current_registry
from service.definitions.types import FormDefinition, Page, ServiceDefinition
from service.drafts.models import Draft
from service.drafts.services import (
    delete_draft,
    get_draft,
    get_draft_by_id,
    open_drafts,
    purge_expired_drafts,
    start_draft,
    submitted_draft,
    touch,
)
from service.engine import APPLICANT, Actor
from service.extensions import db
from service.forms.editing import PageResult, apply_page_post, find_page
from service.forms.files import file_answers
from service.forms.services import form_errors, summary, validate, visible_pages
from service.portal.my_cases import (
    TimelineEntry,
    applicant_transitions,
    case_status,
    cases_of,
    closing_decision,
    documents_of,
    open_request,
    reply,
    state_title,
    status_text,
    timeline,
)
from service.portal.pages import store_page_files
from service.portal.uploads import (
    IncomingFile,
    read_upload,
    resident_files,
    safe_file_name,
    store_upload,
    upload_for_owner,
    uploads_for_case,
)

__all__ = [
    "IncomingFile",
    "PageResult",
    "StaleSubmission",
    "TimelineEntry",
    "actor_of",
    "answer_page",
    "applicant_transitions",
    "case_status",
    "cases_of",
    "check_answers",
    "closing_decision",
    "delete_draft",
    "documents_of",
    "find_page",
    "first_page_key",
    "get_draft",
    "get_draft_by_id",
    "may_see",
    "open_drafts",
    "open_request",
    "page_of_path",
    "purge_expired_drafts",
    "read_upload",
    "reply",
    "safe_file_name",
    "service_and_form",
    "service_for_case",
    "start_draft",
    "state_title",
    "status_text",
    "store_upload",
    "submit_draft",
    "submitted_draft",
    "timeline",
    "upload_for_owner",
    "uploads_for_case",
    "visible_pages_of",
]


class StaleSubmission(Exception):
    """The submit token does not belong to the draft (an old page was sent again)."""


# --- drafts -------------------------------------------------------------------------------


def service_and_form(service_key: str) -> tuple[ServiceDefinition, FormDefinition] | None:
    """Return the current service and its form, or None when there is no such service."""
    from service.definitions.registry import UnknownDefinition

    registry = current_registry()
    try:
        service = registry.service(service_key)
        return service, registry.form(service.form_key)
    except UnknownDefinition:
        return None


def may_see(service: ServiceDefinition, user: User | None) -> bool:
    """Say whether `user` may see the service: anyone, or only its staff while a draft."""
    from service.engine.roles import holds_any

    if not service.draft:
        return True
    staff = {role for t in service.workflow.transitions for role in t.roles} - {APPLICANT}
    return user is not None and holds_any(user.roles or (), service.key, staff)


def first_page_key(form: FormDefinition, data: Mapping[str, Any]) -> str:
    """Return the key of the first page shown for `data`."""
    pages = visible_pages(form, data)
    return (pages[0] if pages else form.pages[0]).key


def is_page_shown(form: FormDefinition, page_key: str, data: Mapping[str, Any]) -> bool:
    """Say whether page `page_key` is shown for `data`."""
    return any(p.key == page_key for p in visible_pages(form, data))


def answer_page(
    draft: Draft,
    service: ServiceDefinition,
    form: FormDefinition,
    page_key: str,
    post: Mapping[str, list[str]],
    files: Mapping[str, IncomingFile],
    action: str,
    lang: str,
) -> PageResult:
    """Store the page's uploads, then save what `forms.apply_page_post` keeps into the draft.

    The draft is saved whatever happens, so nothing typed is lost; answers to questions
    hidden by the answers given are never stored.
    """
    lookup = resident_files(draft.owner_id)
    stored = store_page_files(draft, form, page_key, post, files, action, lang, lookup)
    result = apply_page_post(form, page_key, draft.data, post, action, lang=lang, files=stored)
    draft.data = result.data
    draft.current_page = result.current_page
    touch(draft, service)
    db.session.flush()
    return result


def check_answers(draft: Draft, form: FormDefinition, lang: str) -> dict[str, list[str]]:
    """Return the errors of the whole form for the draft's answers (empty when complete)."""
    return form_errors(form, draft.data, lang, files=resident_files(draft.owner_id))


def page_of_path(form: FormDefinition, path: str) -> str | None:
    """Return the key of the page that asks the question at error path `path`."""
    top = path.split("[", 1)[0].split(".", 1)[0]
    for page in form.pages:
        if top in page.fields:
            return page.key
    return None


def submit_draft(draft: Draft, actor: Actor, token: str, lang: str) -> Case:
    """Open the case for a draft exactly once; the same token again returns the same case.

    Raises ValidationFailed when the answers are incomplete and StaleSubmission when
    `token` is not the draft's.
    """
    if draft.case_id is not None:
        case = db.session.get(Case, draft.case_id)
        assert case is not None
        return case
    if not secrets.compare_digest(token, draft.submit_token):
        raise StaleSubmission()
    pair = service_and_form(draft.service_key)
    if pair is None:
        raise StaleSubmission()
    _service, form = pair
    result = validate(form, draft.data, lang, files=resident_files(draft.owner_id))
    submission = submit_case(
        draft.service_key,
        result.data,
        draft.owner_id,
        actor,
        lang=lang,
        idempotency=IdempotencyClaim(f"portal-draft-{draft.id}-{draft.submit_token}"),
    )
    case = submission.case
    bind_to_case(file_answers(form, result.data), Owner.user(draft.owner_id), case.id)
    # The case holds the answers now; the draft only remembers which case it became.
    draft.case_id = case.id
    draft.data = {}
    draft.expires_at = None
    db.session.flush()
    return case


def visible_pages_of(form: FormDefinition, data: Mapping[str, Any]) -> list[Page]:
    """Return the pages shown for `data`, in order."""
    return visible_pages(form, data)


def service_for_case(case: Case) -> ServiceDefinition:
    """Return the workflow version the case is pinned to."""
    return service_for(case)


def actor_of(user: User) -> Actor:
    """Return the engine actor of a logged-in resident."""
    return Actor(**user.as_actor_fields())


def submitted_answers(case: Case, lang: str) -> list[tuple[Page, list[tuple[str, str]]]]:
    """Return what the resident sent, page by page, as check-your-answers showed it."""
    return summary(form_of(case), case.data or {}, lang)
