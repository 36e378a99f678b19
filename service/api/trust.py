"""What a client may do on behalf of others: whose cases it opens, which files it names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service.attachments.services import Owner, bind_to_case, file_lookup
from service.auth.services import applicant_issuers, client_namespace
from service.cases.models import Case
from service.cases.services import service_for
from service.definitions.services import current_registry
from service.definitions.types import FieldDefinition, ServiceDefinition
from service.forms.constants import FieldType
from service.forms.files import FileAnswer, file_answers
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
    answers = file_answers(form, case.data or {})  # walks the file questions only
    if answers:
        bind_to_case(answers, Owner.client(cid), case.id)


def input_file_field(
    service: ServiceDefinition, transition: str, name: str
) -> FieldDefinition | None:
    """Return the transition's `file` input `name` as a field, or None when there is none."""
    try:
        specs = service.workflow.transition(transition).inputs
    except KeyError:
        return None
    for spec in specs:
        if spec.name == name and spec.type == FieldType.FILE:
            return spec.field if isinstance(spec.field, FieldDefinition) else None
    return None


def bind_input_files(case: Case, transition: str, inputs: Mapping[str, Any], cid: str) -> None:
    """Bind the client's uploads a fired transition's `file` inputs name to the case."""
    specs = service_for(case).workflow.transition(transition).inputs
    answers = [
        answer
        for spec in specs
        if spec.type == FieldType.FILE
        and (answer := FileAnswer.from_value(spec.name, inputs.get(spec.name))) is not None
    ]
    if answers:
        bind_to_case(answers, Owner.client(cid), case.id)
