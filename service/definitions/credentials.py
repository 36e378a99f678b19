"""The `credentials:` section of a workflow: wallet credentials a case makes available.

A credential is declared next to the documents: its key (also the last part of its
`vct` type URL), titles, the transitions that make it available and those that revoke
it, how long it is valid, and its claims, each a CEL expression with the names of every
other expression (the answers and computed values by key) and `case` (its reference and
the day it was submitted). A claim is
selectively disclosable (`disclosable: true`), always shown (`false`, the default), or a
list whose items are disclosable one by one (`items`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import isodate

from service.definitions.errors import Problems
from service.engine.types import Text

if TYPE_CHECKING:
    from service.definitions.types import ServiceDefinition
    from service.rules.typecheck import CelType

#: How a claim may be disclosed.
DISCLOSURE = ("never", "always", "items")
#: Claim names the SD-JWT VC format keeps for itself.
RESERVED_CLAIMS = frozenset(
    {"iss", "nbf", "exp", "iat", "cnf", "vct", "status", "sub", "jti", "_sd", "_sd_alg"}
)

_CREDENTIAL_KEYS = {
    "key", "title", "description", "issued_by", "revoked_by", "valid_from", "valid_for",
    "claims",
}  # fmt: skip
_CLAIM_KEYS = {"name", "label", "value", "disclosable"}


@dataclass(frozen=True)
class ClaimDefinition:
    """One claim of a credential: its name, label and the expression giving its value."""

    name: str
    label: Text
    value: str
    #: "never" (always shown), "always" (selectively disclosable), "items" (each item).
    disclosable: str = "never"
    line: int = 0


@dataclass(frozen=True)
class CredentialDefinition:
    """A credential a workflow issues to a wallet as an SD-JWT VC."""

    key: str
    title: Text
    issued_by: tuple[str, ...]
    claims: tuple[ClaimDefinition, ...]
    #: An ISO 8601 duration (P1Y) or an expression giving one.
    valid_for: str
    description: Text | None = None
    revoked_by: tuple[str, ...] = ()
    #: An expression giving the first valid day (ISO date); the issuance day when None.
    valid_from: str | None = None
    line: int = 0


def parse_credentials(r: Any, doc: Any) -> tuple[CredentialDefinition, ...]:
    """Read the workflow's `credentials:` list with the loader's reader `r`."""
    credentials = []
    for _line, item in r.items(doc, "credentials", "workflow", required=False):
        if not r.keys(
            item, "credential", _CREDENTIAL_KEYS, {"key", "title", "issued_by", "claims"}
        ):
            continue
        key = r.name(item, "key", "credential")
        what = f"credential '{key}'"
        claims = []
        for _cl, claim in r.items(item, "claims", what):
            if not r.keys(claim, f"claim of {what}", _CLAIM_KEYS, {"name", "label", "value"}):
                continue
            name = r.name(claim, "name", what)
            disclosable = claim.get("disclosable", False)
            mode = {False: "never", True: "always", "items": "items"}.get(disclosable)
            if mode is None:
                r.problems.add(
                    claim.line_of("disclosable"),
                    f"{what}: claim '{name}': 'disclosable' must be true, false or items",
                )
            claims.append(
                ClaimDefinition(
                    name=name,
                    label=r.text(claim, "label", f"{what}: claim '{name}'") or Text(name),
                    value=r.expression(claim, "value", f"{what}: claim '{name}'") or "",
                    disclosable=mode or "never",
                    line=claim.line,
                )
            )
        credentials.append(
            CredentialDefinition(
                key=key,
                title=r.text(item, "title", what) or Text(key),
                description=r.text(item, "description", what, required=False),
                issued_by=r.names(item, "issued_by", what),
                revoked_by=r.names(item, "revoked_by", what),
                valid_from=r.expression(item, "valid_from", what),
                valid_for=r.expression(item, "valid_for", what) or "P1Y",
                claims=tuple(claims),
                line=item.line,
            )
        )
    return tuple(credentials)


def is_duration(text: str) -> bool:
    """Say whether `text` is an ISO 8601 duration literal rather than an expression."""
    try:
        isodate.parse_duration(text)
    except (isodate.ISO8601Error, ValueError):
        return False
    return True


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
            from service.definitions.scope import credential_scope

            _check_expressions(cred, problems, credential_scope(scope), bounds)


def _check_expressions(
    cred: CredentialDefinition,
    problems: Problems,
    scope: dict[str, CelType],
    bounds: Mapping[str, int],
) -> None:
    """Type-check the validity and the claims of `cred`: a date, a duration text, values."""
    from service.definitions.expressions import check

    what = f"credential '{cred.key}'"
    check(problems, cred.line, f"{what}: valid_from", cred.valid_from, scope, "timestamp", bounds)
    if not is_duration(cred.valid_for):
        check(problems, cred.line, f"{what}: valid_for", cred.valid_for, scope, "string", bounds)
    for claim in cred.claims:
        check(
            problems, claim.line, f"{what}: claim '{claim.name}'", claim.value, scope, None, bounds
        )
