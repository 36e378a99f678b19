"""Names used by the ops package."""

from __future__ import annotations

import re

REQUEST_ID_HEADER = "X-Request-ID"
#: A request id taken from a proxy must look like one: no spaces, no markup, bounded.
VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
#: Log keys whose values are personal data or secrets; the redactor drops them.
REDACTED_KEYS = frozenset({
    "authorization", "password", "passwd", "token", "access_token", "refresh_token",
    "id_token", "secret", "client_secret", "api_key", "cookie", "set-cookie", "session",
    "email", "e_mail", "name", "data", "query_string",
})  # fmt: skip
#: Answers are redacted by their field's `personal` flag (see `logs.redact_personal`),
#: not by a list of names: a new service's personal fields are redacted without code.
