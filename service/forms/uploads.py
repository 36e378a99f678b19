"""Check uploaded files: their type by content (not by name) and their size."""

from __future__ import annotations

import filetype

from service.definitions.types import FieldDefinition
from service.forms.display import format_size, format_types, labelled
from service.forms.errors import ValidationFailed
from service.i18n import gettext_for

#: What an upload whose content matches no known signature counts as.
UNKNOWN_TYPE = "application/octet-stream"


def accepts(accept: tuple[str, ...], content_type: str) -> bool:
    """Say whether `content_type` is one of `accept` ("image/*" allowed; empty: anything)."""
    if not accept:
        return True
    major = content_type.split("/", 1)[0]
    return any(t == content_type or t == f"{major}/*" for t in accept)


def file_problems(field: FieldDefinition, content_type: str, size: int, lang: str) -> list[str]:
    """Return what is wrong with a file of this type and size (messages without label)."""
    _ = gettext_for(lang).gettext
    problems = []
    if not accepts(field.accept, content_type):
        types = format_types(field.accept, lang)
        problems.append(_("upload a file of type {types}.").format(types=types))
    if field.max_size is not None and size > field.max_size:
        limit = format_size(field.max_size, lang)
        problems.append(_("upload a file of at most {size}.").format(size=limit))
    return problems


def sniff_type(content: bytes) -> str:
    """Return the MIME type the content's signature shows."""
    kind = filetype.guess(content)
    return kind.mime if kind is not None else UNKNOWN_TYPE


def check_upload(field: FieldDefinition, content: bytes, filename: str, lang: str) -> str:
    """Return the sniffed MIME type of an upload, or raise ValidationFailed.

    The file name and the browser's content type are not trusted: a text file called
    `scan.pdf` is refused for a field that accepts PDF.
    """
    content_type, problems = upload_problems(field, content, filename, lang)
    if problems:
        raise ValidationFailed({field.key: problems})
    return content_type


def upload_problems(
    field: FieldDefinition, content: bytes, filename: str, lang: str
) -> tuple[str, list[str]]:
    """Return the sniffed MIME type of an upload and what is wrong with it (labelled).

    No problems means the field accepts the file (`check_upload` raises them instead).
    """
    label = field.label.get(lang)
    if not content:
        _ = gettext_for(lang).gettext
        message = _("the file “{name}” is empty.").format(name=filename)
        return UNKNOWN_TYPE, [labelled(lang, label, message)]
    content_type = sniff_type(content)
    problems = file_problems(field, content_type, len(content), lang)
    return content_type, [labelled(lang, label, p) for p in problems]
