"""The `credentials:` section of a workflow: wallet credentials a case makes available.

A credential is declared next to the documents: its key (also the last part of its
`vct` type URL), titles, the transitions that make it available and those that revoke
it, how long it is valid, and its claims, each a CEL expression over the case
(`data` are the answers, `case` the reference and decision date). A claim is
selectively disclosable (`disclosable: true`), always shown (`false`, the default), or a
list whose items are disclosable one by one (`items`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import isodate

from service.definitions.errors import Problems
from service.engine.types import Text

if TYPE_CHECKING:
    from service.definitions.types import ServiceDefinition

#: The names a claim, validity or `valid_from` expression may read.
CLAIM_NAMES = frozenset({"data", "case"})
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
_DATA_REF = re.compile(r"\bdata\.([A-Za-z_][A-Za-z0-9_]*)")


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
                    value=r.string(claim, "value", f"{what}: claim '{name}'") or "",
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
                valid_from=r.string(item, "valid_from", what),
                valid_for=r.string(item, "valid_for", what) or "P1Y",
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


def check_credentials(service: ServiceDefinition, problems: Problems, fields: set[str]) -> None:
    """Check transitions, expressions and claim names of every declared credential."""
    from service.rules.services import compile_expression

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
        expressions = [("valid_from", cred.valid_from, cred.line)]
        if not is_duration(cred.valid_for):
            expressions.append(("valid_for", cred.valid_for, cred.line))
        claim_names: set[str] = set()
        for claim in cred.claims:
            if claim.name in RESERVED_CLAIMS:
                problems.add(claim.line, f"{what}: claim name '{claim.name}' is reserved")
            if claim.name in claim_names:
                problems.add(claim.line, f"{what}: duplicate claim '{claim.name}'")
            claim_names.add(claim.name)
            expressions.append((f"claim '{claim.name}'", claim.value, claim.line))
        for label, source, line in expressions:
            if source is None:
                continue
            try:
                compile_expression(source, names=CLAIM_NAMES)
            except Exception as exc:
                problems.add(line, f"{what}: {label}: {exc}")
                continue
            if fields:
                for name in _DATA_REF.findall(source):
                    if name not in fields:
                        problems.add(
                            line,
                            f"{what}: {label} names field '{name}' but the form does not define it",
                        )
