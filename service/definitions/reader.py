"""Read typed values from a parsed YAML mapping, reporting what is wrong with its line.

The parser is deliberately strict: unknown keys, missing keys and wrong types are
mistakes with a line number, so a typo never silently does nothing. The keys of each
section are declared by its marshmallow schema in `schemas.py`; `Reader` checks them and
reads each value with its type. It is shared by the form, workflow, credential and city
parsers.
"""

from __future__ import annotations

import re
from typing import Any

import isodate

from service.definitions.constants import KEY_PATTERN
from service.definitions.errors import Problems
from service.definitions.schemas import Section
from service.definitions.yamlio import LineDict, LineList
from service.engine.types import Text

_KEY_RE = re.compile(KEY_PATTERN)


class Reader:
    """Helpers that read typed values from a LineDict and report what is wrong."""

    def __init__(self, problems: Problems) -> None:
        self.problems = problems

    def keys(self, obj: Any, what: str, schema: Section, line: int = 1) -> bool:
        """Check the keys of section `obj` against its schema; False if it is no mapping.

        `line` is where `obj` stands when it cannot say itself (a list item that is text).
        """
        if not isinstance(obj, LineDict):
            self.problems.add(getattr(obj, "line", line), f"{what} must be a mapping")
            return False
        for key in schema.validate(obj):
            if key in obj:
                hint = ", ".join(sorted(schema.allowed))
                self.problems.add(
                    obj.line_of(key), f"unknown key '{key}' in {what} (allowed: {hint})"
                )
            else:
                self.problems.add(obj.line, f"{what} is missing '{key}'")
        return True

    def text(self, obj: LineDict, key: str, what: str, required: bool = True) -> Text | None:
        value = obj.get(key)
        if value is None:
            if required and key in obj:
                self.problems.add(obj.line_of(key), f"{what}: '{key}' must not be empty")
            return None
        if isinstance(value, str):
            self.problems.add(
                obj.line_of(key), f"{what}: '{key}' needs both languages: {{de: ..., en: ...}}"
            )
            return Text(de=value, en=value)
        if not isinstance(value, LineDict) or set(value) - {"de", "en"}:
            self.problems.add(obj.line_of(key), f"{what}: '{key}' must be {{de: ..., en: ...}}")
            return None
        de, en = value.get("de"), value.get("en")
        for lang, text in (("de", de), ("en", en)):
            if not isinstance(text, str) or not text.strip():
                self.problems.add(value.line, f"{what}: '{key}' is missing its '{lang}' text")
        return Text(de=str(de or ""), en=str(en or ""))

    def name(self, obj: LineDict, key: str, what: str) -> str:
        value = obj.get(key)
        if not isinstance(value, str) or not _KEY_RE.fullmatch(value):
            self.problems.add(
                obj.line_of(key),
                f"{what}: '{key}' must be a name of a-z, 0-9 and _ (got {value!r})",
            )
            return str(value)
        return value

    def integer(self, obj: LineDict, key: str, what: str, minimum: int = 0) -> int | None:
        value = obj.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.problems.add(
                obj.line_of(key), f"{what}: '{key}' must be a whole number >= {minimum}"
            )
            return None
        return value

    def boolean(self, obj: LineDict, key: str, what: str) -> bool:
        value = obj.get(key, False)
        if not isinstance(value, bool):
            self.problems.add(obj.line_of(key), f"{what}: '{key}' must be true or false")
            return False
        return value

    def string(self, obj: LineDict, key: str, what: str) -> str | None:
        value = obj.get(key)
        if value is None:
            return None
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.problems.add(obj.line_of(key), f"{what}: '{key}' must be a string")
            return None
        return str(value)

    def expression(self, obj: LineDict, key: str, what: str) -> str | None:
        """Return the CEL text of `key`, remembering where it stands (for carets)."""
        value = self.string(obj, key, what)
        source = obj.source(key)
        return source if source is not None and value is not None else value

    def names(self, obj: LineDict, key: str, what: str) -> tuple[str, ...]:
        value = obj.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problems.add(obj.line_of(key), f"{what}: '{key}' must be a list of names")
            return ()
        return tuple(value)

    def duration(self, obj: LineDict, key: str, what: str) -> Any:
        value = obj.get(key)
        if value is None:
            return None
        try:
            parsed = isodate.parse_duration(str(value))
        except (isodate.ISO8601Error, ValueError):
            self.problems.add(
                obj.line_of(key),
                f"{what}: '{key}' must be an ISO 8601 duration like P14D (got {value!r})",
            )
            return None
        if isinstance(parsed, isodate.Duration):
            # Months and years: an approximation is enough for deadlines and retention.
            return parsed.totimedelta(start=isodate.parse_date("2000-01-01"))
        return parsed

    def items(
        self, obj: LineDict, key: str, what: str, required: bool = True
    ) -> list[tuple[int, Any]]:
        value = obj.get(key)
        if value is None:
            return []
        if not isinstance(value, LineList):
            self.problems.add(obj.line_of(key), f"{what}: '{key}' must be a list")
            return []
        if required and not value:
            self.problems.add(obj.line_of(key), f"{what}: '{key}' must not be empty")
        return [(value.line_of(i), item) for i, item in enumerate(value)]
