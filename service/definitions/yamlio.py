"""Read YAML while keeping the line of every key and item, so mistakes can name it."""

from __future__ import annotations

from typing import Any

import yaml


class Source(str):
    """A text value that remembers where it stands in its file, for mistakes inside it.

    `line` is the 1-based line of its first character, `column` the 0-based column;
    `block` is true for a block scalar (`|` or `>`), whose text starts on the next line.
    """

    line: int = 0
    column: int = 0
    block: bool = False


class LineDict(dict[str, Any]):
    """A mapping that remembers its own line and the line of each key (1-based)."""

    line: int = 0
    lines: dict[str, int]
    sources: dict[str, Source]

    def source(self, key: str) -> Source | None:
        """Return the text value of `key` with its position, or None if it is not text."""
        return getattr(self, "sources", {}).get(key)

    def line_of(self, key: str) -> int:
        """Return the line of `key`, or of the mapping when the key is absent."""
        return self.lines.get(key, self.line)


class LineList(list[Any]):
    """A sequence that remembers its own line and the line of each item (1-based)."""

    line: int = 0
    lines: list[int]
    #: How many leading items a workflow took from shared files (`includes`).
    shared: int = 0

    def line_of(self, index: int) -> int:
        """Return the line of item `index`."""
        return self.lines[index] if index < len(self.lines) else self.line


class DuplicateKey(yaml.MarkedYAMLError):
    """A mapping names the same key twice (PyYAML would silently keep the last)."""


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.lines = {}
    result.sources = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise DuplicateKey(None, None, f"duplicate key '{key}'", key_node.start_mark)
        value = result[key] = loader.construct_object(value_node, deep=True)
        result.lines[str(key)] = key_node.start_mark.line + 1
        if isinstance(value, str) and isinstance(value_node, yaml.ScalarNode):
            result.sources[str(key)] = _source(value, value_node)
    return result


def _source(value: str, node: yaml.ScalarNode) -> Source:
    source = Source(value)
    source.line = node.start_mark.line + 1
    source.column = node.start_mark.column + (1 if node.style in ("'", '"') else 0)
    source.block = node.style in ("|", ">")
    return source


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


class YamlProblem(Exception):
    """The text is not valid YAML; carries the 1-based line and a message."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def load(text: str) -> Any:
    """Parse `text` into LineDict/LineList/scalars, or raise YamlProblem."""
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        message = exc.problem or str(exc)
        if exc.context:
            message = f"{exc.context}: {message}"
        raise YamlProblem(line, f"YAML syntax: {message}") from None
    except yaml.YAMLError as exc:
        raise YamlProblem(1, f"YAML syntax: {exc}") from None


class Line(int):
    """A line number in another file than the one being read: an included (shared) file.

    `Problems.add` reports a mistake at such a line in `path`, with that file's `lines`
    for the caret excerpt, so a mistake in a shared file names the shared file.
    """

    path: str = ""
    lines: list[str]

    def __new__(cls, value: int, path: str = "", lines: list[str] | None = None) -> Line:
        line = super().__new__(cls, value)
        line.path, line.lines = path, lines or []
        return line

    def __reduce__(self) -> tuple[type[Line], tuple[int, str, list[str]]]:
        # Copies and pickles of a definition keep the file (int's own would drop it).
        return (Line, (int(self), self.path, self.lines))
