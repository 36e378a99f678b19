"""Persistence of cases: numbers per dialect, plain INSERTs, the Idempotency-Key look-up.

The write path's one documented fast path lives here. A new case's id and reference are
drawn before its insert (`new_case_identity`), so the case, its first audit event and
its outbox rows go to the database as plain INSERTs with `audit_head` already set and
nothing updating the row just written. Helpers only flush; a failed flush becomes a typed
error (`StaleCase`) and the request boundary rolls back.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import configure_mappers, make_transient_to_detached
from sqlalchemy.orm.exc import StaleDataError

from service.cases.errors import StaleCase
from service.cases.models import (
    CASE_ID_SEQUENCE,
    REFERENCE_SEQUENCE,
    AuditEvent,
    Case,
    ReferenceCounter,
)
from service.extensions import core, db, insert_unless_exists
from service.jobs import services as jobs
from service.jobs.models import OutboxItem
from service.prepared import Prepared

#: A new case's id and reference number, drawn before its insert.
CaseNumbers = tuple[int, int]
_Row = TypeVar("_Row", Case, AuditEvent)


@dataclass(frozen=True)
class IdempotencyClaim:
    """An Idempotency-Key for a submission: the same key and data give the first case again.

    `held`: the caller already holds the key exclusively for this transaction (the API's
    Idempotency-Key record: a second request with the key waits for this one and then
    replays its answer), so no earlier case can have it: no look-up and no savepoint;
    the unique constraint still refuses a duplicate. Nor a request hash on the case: the
    holder's record keeps its own. `numbers`: the new case's id and
    reference number when the caller drew them with its claim (`case_number_columns`,
    PostgreSQL only, one round trip less).
    """

    key: str
    held: bool = False
    numbers: CaseNumbers | None = None


#: `json.dumps` with these arguments builds such an encoder on every call; it keeps no state.
_HASHED = json.JSONEncoder(sort_keys=True, default=str)


def request_hash(service_key: str, data: Mapping[str, Any]) -> str:
    canonical = _HASHED.encode({"service": service_key, "data": data})
    return hashlib.sha256(canonical.encode()).hexdigest()


def case_number_columns() -> tuple[Any, Any]:
    """The SQL expressions drawing a new case's numbers on PostgreSQL (id, reference).

    A caller's own statement can draw them (the API's Idempotency-Key claim returns them,
    saving a round trip) and pass them to `submit_case(numbers=...)`.
    """
    return CASE_ID_SEQUENCE.next_value(), REFERENCE_SEQUENCE.next_value()


_CASE_COLUMNS = tuple(c.key for c in Case.__table__.columns)
_COLUMN_KEYS = {m: frozenset(c.key for c in m.__table__.columns) for m in (Case, AuditEvent)}
_REQUIRED_CASE_COLUMNS = tuple(c.key for c in Case.__table__.columns if not c.nullable)
_EVENT_COLUMNS = tuple(c.key for c in AuditEvent.__table__.columns if c.key != "id")
_OUTBOX_COLUMNS = (
    "kind", "key", "payload", "case_id", "status", "attempts", "available_at", "created_at"
)  # fmt: skip
# Statements of every submission, compiled once and run on the DBAPI cursor
# (`service.prepared`): through `Connection.execute` each costs several times more.
_INSERT_CASE = Prepared(insert(Case), column_keys=_CASE_COLUMNS)
_INSERT_EVENT = Prepared(insert(AuditEvent), column_keys=_EVENT_COLUMNS)
#: SQLite: count the prefix's year up and return the next case id, under the write lock.
_NEXT_NUMBER = Prepared(
    update(ReferenceCounter)
    .where(
        ReferenceCounter.prefix == bindparam("counter_prefix"),
        ReferenceCounter.year == bindparam("counter_year"),
    )
    .values(last=ReferenceCounter.last + 1)
    .returning(
        ReferenceCounter.last, select(func.coalesce(func.max(Case.id), 0) + 1).scalar_subquery()
    )
)


def new_case_identity(
    prefix: str, now: datetime, numbers: CaseNumbers | None = None
) -> tuple[int, str]:
    """Hand out the id and the reference number of a new case, safely under concurrency.

    Knowing the id before the insert lets the case, its first audit event (whose hash
    names the case id) and its outbox rows go to the database in one flush, with the
    case's `audit_head` already set: no update of the row just inserted.

    PostgreSQL draws both from sequences in one round trip, so concurrent submissions never
    wait on each other. SQLite (one writer at a time) counts per prefix and year in a row;
    the same statement takes the database's write lock, and under that lock the next
    row id is the highest one plus one, which is what SQLite itself would choose.
    """
    year = now.year
    if numbers is not None:
        return int(numbers[0]), f"{prefix}-{year}-{numbers[1]:06d}"
    if db.engine.dialect.name == "postgresql":
        case_id, number = core().execute(select(*case_number_columns())).one()
        return int(case_id), f"{prefix}-{year}-{number:06d}"
    for _ in range(3):
        rows = _NEXT_NUMBER.execute({"counter_prefix": prefix, "counter_year": year})
        if rows:
            number, case_id = rows[0]
            return int(case_id), f"{prefix}-{year}-{number:06d}"
        # Whoever creates the counter first, the next round updates it.
        insert_unless_exists(ReferenceCounter(prefix=prefix, year=year, last=0))
    raise RuntimeError("could not allocate a case reference")


def flush_case() -> None:
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise StaleCase("the case was changed by someone else; reload it") from None
    except IntegrityError as exc:
        db.session.rollback()
        if "audit_events" in str(exc.orig):
            raise StaleCase("the case was changed by someone else; reload it") from None
        raise


def unsaved(model: type[_Row], values: Mapping[str, Any]) -> _Row:
    """Return a new `model` object holding the column `values`, for a plain INSERT here.

    The ORM's instrumented constructor records every value as a change for a flush that
    never comes (`insert_new_case` and `insert_event` write the row themselves); the values
    go straight into the object's dict instead, as a load puts them. Later assignments are
    tracked as usual. Unknown keys are refused, as the constructor refuses them.
    """
    unknown = values.keys() - _COLUMN_KEYS[model]
    if unknown:
        raise TypeError(f"{model.__name__} has no columns {', '.join(sorted(unknown))}")
    mapper = model.__mapper__
    if not mapper.configured:
        # The instrumented constructor configures the mappers on first use; so must this
        # (a fresh process may submit before any ORM query ran).
        configure_mappers()
    obj: _Row = mapper.class_manager.new_instance()
    obj.__dict__.update(values)
    return obj


def insert_new_case(
    case: Case, first: AuditEvent | None = None, effects: list[jobs.NewEffect] | None = None
) -> None:
    """Insert a case whose every column is set with one plain INSERT, then attach it.

    Cheaper than the unit of work's flush for a single new row; the object becomes
    persistent as if it had been loaded (`make_transient_to_detached`), so later changes
    are updates with the version check as usual. With its `first` event (not in the
    session) and that event's `effects`, all go in together: on PostgreSQL in one
    statement (data-modifying CTEs, one round trip instead of three; the foreign keys
    are checked at the end of the statement), elsewhere one INSERT each.
    """
    # The state's dict holds every value set (an unset column reads as None, as getattr).
    values = case.__dict__
    row = {key: values.get(key) for key in _CASE_COLUMNS}
    unset = [k for k in _REQUIRED_CASE_COLUMNS if row[k] is None]
    if unset:
        raise RuntimeError(f"a new case needs these columns set: {', '.join(unset)}")
    if first is not None and effects and db.engine.dialect.name == "postgresql":
        _insert_submission(row, event_row(first), jobs.outbox_rows(effects))
        jobs.mark_outbox_dirty()
    else:
        _INSERT_CASE.execute(row)
        if first is not None:
            insert_event(first)
        jobs.enqueue_new(effects or [])
    make_transient_to_detached(case)
    db.session.add(case)


@functools.cache
def _submission_statement(effects: int) -> Prepared:
    """PostgreSQL: the case, its first event and `effects` outbox rows in one statement."""

    def binds(table: Any, columns: tuple[str, ...], prefix: str) -> dict[str, Any]:
        return {c: bindparam(f"{prefix}{c}", type_=table.c[c].type) for c in columns}

    new_case = insert(Case).values(binds(Case.__table__, _CASE_COLUMNS, "c_")).cte("new_case")
    event_values = binds(AuditEvent.__table__, _EVENT_COLUMNS, "e_")
    new_event = insert(AuditEvent).values(event_values).cte("new_event")
    rows = [binds(OutboxItem.__table__, _OUTBOX_COLUMNS, f"o{i}_") for i in range(effects)]
    return Prepared(insert(OutboxItem).values(rows).add_cte(new_case, new_event))


def _insert_submission(
    case: dict[str, Any], event: dict[str, Any], outbox: list[dict[str, Any]]
) -> None:
    values = {f"c_{k}": v for k, v in case.items()}
    values.update({f"e_{k}": v for k, v in event.items()})
    for i, row in enumerate(outbox):
        values.update({f"o{i}_{k}": v for k, v in row.items()})
    _submission_statement(len(outbox)).execute(values)


def event_row(ev: AuditEvent) -> dict[str, Any]:
    """The column values of an event that is not in the session, for a plain INSERT."""
    values = ev.__dict__
    return {key: values.get(key) for key in _EVENT_COLUMNS}


def insert_event(ev: AuditEvent) -> None:
    """Insert an event that is not in the session with one plain INSERT."""
    _INSERT_EVENT.execute(event_row(ev))


def find_by_idempotency_key(applicant_id: int, key: str) -> Case | None:
    return db.session.scalar(
        select(Case).where(Case.applicant_id == applicant_id, Case.idempotency_key == key)
    )
