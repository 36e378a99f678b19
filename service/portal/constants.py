"""Fixed values of the resident portal."""

from __future__ import annotations

#: Values of the form's submit buttons (name="action"): "continue", "add:persons",
#: "remove:persons:1", "remove-file:landlord_confirmation_file".
ACTION_CONTINUE = "continue"
ACTION_SAVE = "save"
ACTION_ADD = "add"
ACTION_REMOVE = "remove"
ACTION_REMOVE_FILE = "remove-file"

#: Query parameter of a "change" link on check-your-answers: come back there afterwards.
RETURN_TO_CHECK = "check"

#: Files a resident may send with a reply to a question from the city.
REPLY_FILE_ACCEPT = ("application/pdf", "image/jpeg", "image/png")
REPLY_FILE_MAX_SIZE = 10 * 1024 * 1024
REPLY_MAX_FILES = 5
#: Hidden input: the conditional questions a page showed when it was sent.
POST_SHOWN = "_shown"
