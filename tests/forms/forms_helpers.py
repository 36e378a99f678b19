"""Helpers for building form definitions in tests (imported by conftest and tests)."""

from __future__ import annotations

from typing import Any

from service.definitions.types import FieldDefinition
from service.engine.types import Text

#: A Monday morning in the town hall; all date tests run at this moment.
FROZEN_NOW = "2026-03-02 09:00:00"


def text(de: str, en: str | None = None) -> Text:
    """Return a text in both languages (English defaults to the German)."""
    return Text(de=de, en=en or de)


def field(
    key: str, type: str = "text", de: str | None = None, en: str | None = None, **options: Any
) -> FieldDefinition:
    """Return a field whose label defaults to its key."""
    return FieldDefinition(key=key, type=type, label=text(de or key, en), **options)
