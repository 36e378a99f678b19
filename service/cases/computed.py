"""What a case computes from its answers: fees and the like, and the values guards read.

Computed values are worked out from the answers with the case's own form version.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service.cases.models import Case
from service.definitions.registry import UnknownDefinition
from service.definitions.services import current_registry
from service.definitions.types import FormDefinition, ServiceDefinition


def form_of(case: Case) -> FormDefinition:
    """Return the form version the case was submitted with."""
    registry = current_registry()
    service = registry.service(case.service_key, case.workflow_version)
    return registry.form(service.form_key, case.form_version)


def computed_of(case: Case, lang: str) -> list[Any]:
    """Return the case's computed values (fees and the like) with labels in `lang`."""
    from service.forms.services import computed_values

    form = form_of(case)
    return computed_values(form, case.data or {}, lang) if form.computed else []


def guard_data(case: Case, service: ServiceDefinition | None = None) -> Mapping[str, Any]:
    """Return the answers as guards read them: typed like in every other expression.

    `service` is the case's workflow version when the caller has it.
    """
    try:
        if service is None:
            service = current_registry().service(case.service_key, case.workflow_version)
        if not service.workflow.has_guards:
            return case.data
        form = current_registry().form(service.form_key, case.form_version)
    except UnknownDefinition:
        return case.data
    return _values(form, case)


def expression_context(case: Case) -> dict[str, Any]:
    """Return the names every expression reads of a case: typed answers, computed values.

    `data` (the stored answers) is there too, for versions stored before bare names.
    """
    return {**_values(form_of(case), case), "data": case.data}


def _values(form: FormDefinition, case: Case) -> dict[str, Any]:
    from service.forms.services import compute, expression_values

    values = expression_values(form, case.data or {})
    return {**values, **compute(form, case.data or {})} if form.computed else values
