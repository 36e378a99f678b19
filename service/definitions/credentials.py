"""The `credentials:` section of a workflow: wallet credentials a case makes available.

A credential is declared next to the documents: its key (also the last part of its
`vct` type URL), titles, the transitions that make it available and those that revoke
it, how long it is valid, and its claims, each a CEL expression with the names of every
other expression (the answers and computed values by key) and `case` (its reference and
the day it was submitted). A claim is
selectively disclosable (`disclosable: true`), always shown (`false`, the default), or a
list whose items are disclosable one by one (`items`).

The types and the reader live here; the checks against the workflow and the form are in
`credential_checks`, which may use everything the types are built into.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import isodate

from service.definitions import schemas
from service.engine.types import Text

#: How a claim may be disclosed.
DISCLOSURE = ("never", "always", "items")
#: Claim names the SD-JWT VC format keeps for itself.
RESERVED_CLAIMS = frozenset(
    {"iss", "nbf", "exp", "iat", "cnf", "vct", "status", "sub", "jti", "_sd", "_sd_alg"}
)


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
    for line, item in r.items(doc, "credentials", "workflow", required=False):
        if not r.keys(item, "credential", schemas.CREDENTIAL, line):
            continue
        key = r.name(item, "key", "credential")
        what = f"credential '{key}'"
        claims = []
        for cl, claim in r.items(item, "claims", what):
            if not r.keys(claim, f"claim of {what}", schemas.CLAIM, cl):
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
