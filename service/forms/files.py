"""File answers: which uploads a form's answers name, found by the form's file fields.

An answer is recognised as a file by the field it answers (`type: file`), never by the
shape of a dict, so every caller (portal, API, back office, privacy) agrees on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from service.definitions.types import FieldDefinition, FormDefinition
from service.forms.constants import FieldType
from service.forms.typed_fields import fields_of_type


@dataclass(frozen=True)
class FileAnswer:
    """The answer to a file field: the upload it names and where in the answers it stands.

    `path` is the field's path as validation errors name it: `landlord_confirmation`,
    or `persons[1].passport` inside a repeating group.
    """

    path: str
    upload_id: str
    name: str = ""
    content_type: str = ""
    size: int = 0

    @classmethod
    def from_value(cls, path: str, value: Any) -> FileAnswer | None:
        """Return the file answer stored as `value`, or None when it names no upload."""
        if not isinstance(value, Mapping):
            return None
        upload_id = value.get("id")
        if not isinstance(upload_id, str) or not upload_id:
            return None
        size = value.get("size")
        return cls(
            path=path,
            upload_id=upload_id,
            name=str(value.get("name") or ""),
            content_type=str(value.get("content_type") or ""),
            size=size if type(size) is int else 0,
        )

    @classmethod
    def complete(cls, path: str, value: Any) -> FileAnswer | None:
        """Return the file answer when `value` carries all four keys well typed, else None.

        Answers sent by a client (the API) must be complete; `from_value` is lenient with
        what is already stored.
        """
        found = cls.from_value(path, value)
        if found is None:
            return None
        name, content_type, size = value.get("name"), value.get("content_type"), value.get("size")
        if not (isinstance(name, str) and isinstance(content_type, str)):
            return None
        if type(size) is not int or size < 0:  # a bool is no size
            return None
        return found

    def as_value(self) -> dict[str, Any]:
        """Return the answer as stored in a case's or draft's data."""
        return {
            "id": self.upload_id,
            "name": self.name,
            "content_type": self.content_type,
            "size": self.size,
        }


def file_answers(form: FormDefinition, data: Mapping[str, Any]) -> list[FileAnswer]:
    """Return every file answer in `data`, top level and inside repeating groups."""
    # Only the file questions and the groups holding one can name an upload.
    return list(_walk(fields_of_type(form.fields, FieldType.FILE), data, ""))


def upload_ids(answers: Iterable[FileAnswer]) -> set[str]:
    """Return the ids of the uploads the answers name."""
    return {a.upload_id for a in answers}


def _walk(
    fields: Iterable[FieldDefinition], data: Mapping[str, Any], prefix: str
) -> Iterator[FileAnswer]:
    for f in fields:
        value = data.get(f.key)
        if value is None:
            continue
        if f.type == FieldType.FILE:
            found = FileAnswer.from_value(prefix + f.key, value)
            if found is not None:
                yield found
        elif f.type == FieldType.GROUP and isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, Mapping):
                    yield from _walk(f.fields, item, f"{prefix}{f.key}[{index}].")
