"""Hot statements, compiled once per dialect and run on the transaction's DBAPI cursor.

A submission runs seven simple statements. Through SQLAlchemy's `Connection.execute`
each costs about 40-50 µs of CPU besides what the driver spends (the compiled cache's
look-up, an execution context, parameter processing, a result object); on the DBAPI
cursor about 9 µs. `Prepared` keeps per dialect what SQLAlchemy would work out on every
call: the SQL text, the order of the parameters and each parameter's bind processor.
The processors are SQLAlchemy's own, so datetimes, JSON and the rest reach the driver
exactly as through `Connection.execute`.

What it leaves out, so use it only for statements that need none of it:

- Python-side column defaults: an INSERT names its columns (`column_keys`) and gets a
  value for each; a column whose default SQLAlchemy would compute is refused when the
  statement is compiled.
- Engine events (`before_cursor_execute` and the like do not see these statements).
- Expanding parameters (`IN` lists) and literal-rendered ones: refused at compile time.

Errors come out as through `Connection.execute`: wrapped in SQLAlchemy's exception
classes (`IntegrityError`, `OperationalError`), and a lost connection is invalidated.
The statement runs in the session's transaction (`extensions.core()`), so it commits or
rolls back with everything else of the request.
"""

from __future__ import annotations

import functools
import operator
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql.base import Executable

from service.extensions import core

_MISSING = object()


@dataclass(frozen=True)
class _Compiled:
    """A statement as one dialect's driver takes it."""

    sql: str
    positional: bool
    #: (name, processor or None, fixed value or _MISSING), in the driver's order.
    binds: tuple[tuple[str, Callable[[Any], Any] | None, Any], ...]
    #: Result processors of the returned columns; None when no column needs one.
    results: tuple[Callable[[Any], Any] | None, ...] | None
    #: Worked out once from `binds` (`__post_init__`), so that a call only looks the
    #: values up (one C call) and runs the processors of the few parameters that have one.
    _names: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _fixed: dict[str, Any] = field(init=False, repr=False, compare=False)
    _getter: Callable[[Mapping[str, Any]], tuple[Any, ...]] = field(
        init=False, repr=False, compare=False
    )
    #: (position, processor) of the parameters whose processor always runs.
    _always: tuple[tuple[int, Callable[[Any], Any]], ...] = field(
        init=False, repr=False, compare=False
    )
    #: (position, processor) of those whose processor turns None into None: not run on None.
    _unless_none: tuple[tuple[int, Callable[[Any], Any]], ...] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        names = tuple(name for name, _p, _f in self.binds)
        always: list[tuple[int, Callable[[Any], Any]]] = []
        unless_none: list[tuple[int, Callable[[Any], Any]]] = []
        for position, (_name, process, _fixed) in enumerate(self.binds):
            if process is not None:
                (unless_none if _keeps_none(process) else always).append((position, process))
        init = functools.partial(object.__setattr__, self)
        init("_names", names)
        init("_fixed", {n: f for n, _p, f in self.binds if f is not _MISSING})
        init("_getter", _tuple_getter(names))
        init("_always", tuple(always))
        init("_unless_none", tuple(unless_none))

    def parameters(self, values: Mapping[str, Any]) -> Any:
        """Return the driver's parameters for `values` (a tuple or a dict)."""
        if self._fixed:
            values = {**self._fixed, **values}
        try:
            found = self._getter(values)
        except KeyError as exc:
            raise KeyError(f"the statement needs a value for {exc.args[0]!r}") from None
        if self._always or self._unless_none:
            converted = list(found)
            for position, process in self._always:
                converted[position] = process(converted[position])
            for position, process in self._unless_none:
                value = converted[position]
                if value is not None:
                    converted[position] = process(value)
            found = tuple(converted)
        if self.positional:
            return found
        return dict(zip(self._names, found, strict=True))

    def rows(self, fetched: Iterable[Sequence[Any]]) -> list[tuple[Any, ...]]:
        """Apply the result processors to the fetched rows."""
        if self.results is None:
            return [tuple(row) for row in fetched]
        processors = self.results
        return [
            tuple(p(v) if p is not None else v for p, v in zip(processors, row, strict=True))
            for row in fetched
        ]


def _tuple_getter(names: tuple[str, ...]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """Return a function looking `names` up in a mapping, always as a tuple."""
    if len(names) > 1:
        return operator.itemgetter(*names)
    if len(names) == 1:
        (name,) = names
        return lambda values: (values[name],)
    return lambda values: ()


def _keeps_none(process: Callable[[Any], Any]) -> bool:
    """Say whether a bind processor turns None into None (most do; JSON's gives 'null').

    Such a processor need not run on None. Processors are pure functions of the value, so
    asking once, when the statement is compiled, answers for every call.
    """
    try:
        return process(None) is None
    except Exception:
        return False


def _compile(
    statement: Executable, dialect: Dialect, column_keys: Sequence[str] | None
) -> _Compiled:
    compiled: Any = statement.compile(  # type: ignore[attr-defined]
        dialect=dialect, column_keys=list(column_keys) if column_keys is not None else None
    )
    prefetched = [*compiled.insert_prefetch, *compiled.update_prefetch]
    if prefetched:
        columns = ", ".join(c.key for c in prefetched)
        raise ValueError(f"give a value for every column with a Python default: {columns}")
    if compiled.literal_execute_params or compiled.post_compile_params:
        raise ValueError("expanding or literal parameters are not supported here")
    by_name = {name: bind for bind, name in compiled.bind_names.items()}
    names = compiled.positiontup if compiled.positional else list(by_name)
    binds = []
    for name in names:
        bind = by_name[name]
        fixed = _MISSING if bind.required else bind.effective_value
        binds.append((name, bind.type.dialect_impl(dialect).bind_processor(dialect), fixed))
    results = tuple(
        entry.type.dialect_impl(dialect).result_processor(dialect, None)
        for entry in compiled._result_columns
    )
    return _Compiled(
        sql=compiled.string,
        positional=bool(compiled.positional),
        binds=tuple(binds),
        results=results if any(p is not None for p in results) else None,
    )


class Prepared:
    """A statement run on the DBAPI cursor of the session's transaction (module docstring).

    `column_keys` names the columns of an INSERT or UPDATE whose values the caller gives
    (as `Connection.execute` would infer them from the parameters).
    """

    def __init__(self, statement: Executable, column_keys: Sequence[str] | None = None) -> None:
        self.statement = statement
        self.column_keys = tuple(column_keys) if column_keys is not None else None
        self._compiled: weakref.WeakKeyDictionary[Dialect, _Compiled] = weakref.WeakKeyDictionary()

    def compiled(self, dialect: Dialect) -> _Compiled:
        """Return the statement compiled for `dialect` (once per engine)."""
        found = self._compiled.get(dialect)
        if found is None:
            found = self._compiled[dialect] = _compile(self.statement, dialect, self.column_keys)
        return found

    def execute(self, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run the statement once with `values`; return the rows it returns (maybe none)."""
        connection = core()
        compiled = self.compiled(connection.dialect)
        parameters = compiled.parameters(values)
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(compiled.sql, parameters)
            fetched = cursor.fetchall() if cursor.description is not None else []
        except Exception as exc:
            _raise_as_sqlalchemy(connection, exc, compiled.sql, parameters, cursor)
        finally:
            cursor.close()
        return compiled.rows(fetched)

    def executemany(self, values: Sequence[Mapping[str, Any]]) -> None:
        """Run the statement once per set of values (no rows returned)."""
        if not values:
            return
        connection = core()
        compiled = self.compiled(connection.dialect)
        parameters = list(map(compiled.parameters, values))
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(compiled.sql, parameters)
        except Exception as exc:
            _raise_as_sqlalchemy(connection, exc, compiled.sql, parameters, cursor)
        finally:
            cursor.close()


def _raise_as_sqlalchemy(
    connection: Connection, exc: Exception, sql: str, parameters: Any, cursor: Any
) -> None:
    """Raise `exc` as `Connection.execute` would: wrapped, the connection invalidated if lost.

    SQLAlchemy's own handler (private, but the one its public `exec_driver_sql` uses), so
    the wrapping, `hide_parameters` and the disconnect check stay exactly SQLAlchemy's.
    """
    connection._handle_dbapi_exception(exc, sql, parameters, cursor, None)
