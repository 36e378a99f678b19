"""Fixed values of the resident portal."""

from __future__ import annotations

#: The form page's submit buttons and hidden inputs are the forms package's.
from service.forms.constants import (  # noqa: F401 - the portal's names for them
    ACTION_ADD,
    ACTION_CONTINUE,
    ACTION_REMOVE,
    ACTION_REMOVE_FILE,
    ACTION_SAVE,
    POST_SHOWN,
)

#: Query parameter of a "change" link on check-your-answers: come back there afterwards.
RETURN_TO_CHECK = "check"

#: Files a resident may send with a reply to a question from the city.
REPLY_FILE_ACCEPT = ("application/pdf", "image/jpeg", "image/png")
REPLY_FILE_MAX_SIZE = 10 * 1024 * 1024
REPLY_MAX_FILES = 5
