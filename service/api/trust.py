"""What a client may do on behalf of others: whose cases it opens, which files it names."""

from __future__ import annotations

from service.attachments.services import Owner, bind_to_case, file_lookup
from service.auth.services import applicant_issuers, client_namespace
from service.cases.models import Case
from service.cases.services import service_for
from service.definitions.services import current_registry
from service.forms.files import file_answers
from service.forms.services import FileLookup


def applicant_issuer(cid: str, requested: str | None) -> str | None:
    """Return the issuer to file the applicant under, or None when the client may not.

    Without an issuer the applicant belongs to the client's own namespace; any other
    issuer must be one the client was registered with (`api-clients create --issuers`).
    """
    if not requested:
        return client_namespace(cid)
    requested = requested.rstrip("/")
    return requested if requested in applicant_issuers(cid) else None


def client_files(cid: str) -> FileLookup:
    """Return the upload lookup for a client's submission: its own unbound uploads only."""
    return file_lookup(Owner.client(cid))


def bind_case_files(case: Case, cid: str) -> None:
    """Bind the client's uploads named in the new case's answers to the case."""
    form = current_registry().form(service_for(case).form_key, case.form_version)
    answers = file_answers(form, case.data or {})
    if answers:
        bind_to_case(answers, Owner.client(cid), case.id)
