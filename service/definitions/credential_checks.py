"""Checks of a workflow's `credentials:`: transitions named, claim names, typed expressions."""

from __future__ import annotations

from collections.abc import Mapping

from service.definitions.credentials import RESERVED_CLAIMS, CredentialDefinition, is_duration
from service.definitions.errors import Problems
from service.definitions.expressions import check
from service.definitions.scope import credential_scope
from service.definitions.types import ServiceDefinition
from service.rules.typecheck import CelType


def check_credentials(
    service: ServiceDefinition,
    problems: Problems,
    scope: dict[str, CelType] | None,
    bounds: Mapping[str, int],
) -> None:
    """Check transitions, expressions and claim names of every declared credential.

    `scope` holds the names of the workflow's form (None when the form is missing: its
    expressions are then not checked).
    """
    transitions = {t.name for t in service.workflow.transitions}
    seen: set[str] = set()
    for cred in service.credentials:
        what = f"credential '{cred.key}'"
        if cred.key in seen:
            problems.add(cred.line, f"duplicate credential '{cred.key}'")
        seen.add(cred.key)
        if not cred.issued_by:
            problems.add(cred.line, f"{what}: 'issued_by' must name at least one transition")
        for kind, names in (("issued_by", cred.issued_by), ("revoked_by", cred.revoked_by)):
            for name in names:
                if name not in transitions:
                    problems.add(cred.line, f"{what}: {kind} names unknown transition '{name}'")
        claim_names: set[str] = set()
        for claim in cred.claims:
            if claim.name in RESERVED_CLAIMS:
                problems.add(claim.line, f"{what}: claim name '{claim.name}' is reserved")
            if claim.name in claim_names:
                problems.add(claim.line, f"{what}: duplicate claim '{claim.name}'")
            claim_names.add(claim.name)
        if scope is not None:
            _check_expressions(cred, problems, credential_scope(scope), bounds)


def _check_expressions(
    cred: CredentialDefinition,
    problems: Problems,
    scope: dict[str, CelType],
    bounds: Mapping[str, int],
) -> None:
    """Type-check the validity and the claims of `cred`: a date, a duration text, values."""
    what = f"credential '{cred.key}'"
    check(problems, cred.line, f"{what}: valid_from", cred.valid_from, scope, "timestamp", bounds)
    if not is_duration(cred.valid_for):
        check(problems, cred.line, f"{what}: valid_for", cred.valid_for, scope, "string", bounds)
    for claim in cred.claims:
        check(
            problems, claim.line, f"{what}: claim '{claim.name}'", claim.value, scope, None, bounds
        )
