"""The failure callers of the attachments package act on: a refused file."""

from __future__ import annotations

from service.errors import Text
from service.forms.errors import ValidationFailed


class UploadRefused(ValidationFailed):
    """A file was refused (type by content, size, active content, malware).

    `path` is where the caller's request names the file (`file` in the API, a transition
    input's name in the back office, the field's key by default); each message names the
    field and the file. A page that re-shows its form answers it like any other refused
    answer; the API answers it as a problem with the path as the error's `path`.
    """

    message = Text(de="Die Datei wird nicht angenommen.", en="The file is not accepted.")

    def __init__(self, path: str, messages: list[str]) -> None:
        super().__init__({path: list(messages)})
        self.path = path
