"""Scopes, media types and limits of the integrator API."""

from __future__ import annotations

from enum import StrEnum

from service.errors import PROBLEM_JSON as PROBLEM_JSON  # one definition, re-exported
from service.errors import PROBLEM_TYPE_BASE as PROBLEM_TYPE_BASE


class Scope(StrEnum):
    """OAuth2 scopes an integrator client can be granted."""

    CASES_READ = "cases:read"
    CASES_WRITE = "cases:write"
    CASES_TRANSITION = "cases:transition"
    WEBHOOKS_MANAGE = "webhooks:manage"
    CREDENTIALS_VERIFY = "credentials:verify"


SCOPE_DESCRIPTIONS = {
    Scope.CASES_READ: "Read cases, their data and documents",
    Scope.CASES_WRITE: "Submit cases on behalf of residents",
    Scope.CASES_TRANSITION: "Fire transitions on cases (with the client's workflow roles)",
    Scope.WEBHOOKS_MANAGE: "Manage the client's webhook subscriptions",
    Scope.CREDENTIALS_VERIFY: "Check residents' wallet credentials (OpenID4VP)",
}

API_PREFIX = "/api/v1"
SECURITY_SCHEME = "oauth2"
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
#: Seconds the issuer's JWKS is cached before it is fetched again.
JWKS_TTL_SECONDS = 300
#: Least seconds between two fetches of the JWKS for a token signed with an unknown key.
JWKS_REFETCH_SECONDS = 30
#: The header naming a submission, and the longest key a client may send in it.
IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX = 200
