"""Names shared across authentication: API scopes and session keys."""

from __future__ import annotations

#: Scopes an API client can be granted.
API_SCOPES = (
    "cases:read", "cases:write", "cases:transition", "webhooks:manage", "credentials:verify",
)  # fmt: skip

# Session keys set by the login (time-outs are the session store's, not these keys').
SESSION_USER_ID = "user_id"
SESSION_AUTH_TIME = "auth_time"
SESSION_ID_TOKEN = "id_token"
SESSION_NEXT = "login_next"
