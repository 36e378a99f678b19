"""Scopes, media types and limits of the integrator API."""

from __future__ import annotations

from enum import StrEnum


class Scope(StrEnum):
    """OAuth2 scopes an integrator client can be granted."""

    CASES_READ = "cases:read"
    CASES_WRITE = "cases:write"
    CASES_TRANSITION = "cases:transition"
    WEBHOOKS_MANAGE = "webhooks:manage"


SCOPE_DESCRIPTIONS = {
    Scope.CASES_READ: "Read cases, their data and documents",
    Scope.CASES_WRITE: "Submit cases on behalf of residents",
    Scope.CASES_TRANSITION: "Fire transitions on cases (with the client's workflow roles)",
    Scope.WEBHOOKS_MANAGE: "Manage the client's webhook subscriptions",
}

PROBLEM_JSON = "application/problem+json"
#: Prefix of problem `type` URIs; the path names the kind of problem.
PROBLEM_TYPE_BASE = "https://amtsweg.example/problems/"
API_PREFIX = "/api/v1"
SECURITY_SCHEME = "oauth2"
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
#: Seconds the issuer's JWKS is cached before it is fetched again.
JWKS_TTL_SECONDS = 300
#: Least seconds between two fetches of the JWKS for a token signed with an unknown key.
JWKS_REFETCH_SECONDS = 30
