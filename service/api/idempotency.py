"""Idempotent submission: a client's Idempotency-Key is claimed once, its answer replayed.

Re-exported by `service.api.services`, the API's public module.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Text, bindparam, cast, delete, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from service.api.models import IdempotencyRecord
from service.cases.errors import IdempotencyConflict
from service.cases.services import CaseNumbers, case_number_columns
from service.extensions import core, db, insert_unless_exists, utcnow
from service.jobs import services as jobs
from service.prepared import Prepared

#: INSERT … ON CONFLICT DO NOTHING by dialect; others look the key up, then insert.
_UPSERT_INSERTS: dict[str, Any] = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}


#: `json.dumps` with these arguments builds such an encoder on every call; it keeps no state.
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str)


def request_hash(body: Mapping[str, Any]) -> str:
    """Hash a request body canonically, so key order and spacing do not matter."""
    return hashlib.sha256(_CANONICAL.encode(body).encode()).hexdigest()


@dataclass(frozen=True)
class KeyClaim:
    """The outcome of `claim_idempotency_key`.

    Either this request now holds the key (`record_id`, answer with
    `store_idempotent_response`), or `earlier` is the committed record of the first
    request with the same key and body, to be replayed.
    """

    record_id: int | None = None
    earlier: IdempotencyRecord | None = None
    #: On PostgreSQL the claim also draws the new case's id and reference number.
    case_numbers: CaseNumbers | None = None


# Statements of every submission, compiled once and run on the DBAPI cursor
# (`service.prepared`): through `Connection.execute` each costs several times more.


@functools.cache
def _store_response_statement(dialect: str) -> Prepared:
    # The answer comes as JSON text, serialized once for the response too; the column's
    # JSON type would serialize it a second time. SQLite keeps JSON as that text;
    # PostgreSQL parses it into JSONB, as it did the JSON the driver sent before.
    text = bindparam("response", type_=Text())
    return Prepared(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.id == bindparam("record_id"))
        .values(
            status_code=bindparam("status_code"),
            response=cast(text, JSONB) if dialect == "postgresql" else text,
        )
    )


@functools.cache
def _claim_statement(dialect: str) -> Prepared:
    # On PostgreSQL the new case's numbers come with the claim: one round trip less, and
    # RETURNING is evaluated for an inserted row only, so a replay draws nothing.
    numbers = case_number_columns() if dialect == "postgresql" else ()
    return Prepared(
        _UPSERT_INSERTS[dialect](IdempotencyRecord)
        .values(
            client_id=bindparam("client_id"),
            key=bindparam("key"),
            request_hash=bindparam("request_hash"),
            created_at=bindparam("created_at"),
        )
        .on_conflict_do_nothing(index_elements=["client_id", "key"])
        .returning(IdempotencyRecord.id, *numbers)
    )


def claim_idempotency_key(client_id: str, key: str, body_hash: str) -> KeyClaim:
    """Reserve the key for this request, or return the earlier record for a replay.

    Raise IdempotencyConflict when the key was used with a different body.
    """
    insert = _UPSERT_INSERTS.get(db.engine.dialect.name)
    for _attempt in range(2):
        if insert is not None:
            # One statement: a concurrent request with the same key makes it a no-op
            # (PostgreSQL waits for that request to commit or roll back first).
            rows = _claim_statement(db.engine.dialect.name).execute(
                {
                    "client_id": client_id,
                    "key": key,
                    "request_hash": body_hash,
                    "created_at": utcnow(),
                }
            )
            if rows:
                claimed = rows[0]
                numbers = (claimed[1], claimed[2]) if len(claimed) == 3 else None
                return KeyClaim(record_id=claimed[0], case_numbers=numbers)
        existing = earlier_answer(client_id, key, body_hash)
        if existing is not None:
            return KeyClaim(earlier=existing)
        if insert is not None:
            continue  # the conflicting request rolled back; claim the key again
        record = IdempotencyRecord(client_id=client_id, key=key, request_hash=body_hash)
        if insert_unless_exists(record):
            return KeyClaim(record_id=record.id)
        # else a concurrent request with the same key committed first: look again
    raise IdempotencyConflict("Idempotency-Key is in use by a concurrent request")


def store_idempotent_response(record_id: int, status_code: int, response_json: str) -> None:
    """Keep the answer to the request that holds the key, for replays (same transaction).

    `response_json` is the answer's body as JSON text (a JSON object); a replay reads it
    back as a dict (`IdempotencyRecord.response`).
    """
    _store_response_statement(db.engine.dialect.name).execute(
        {"record_id": record_id, "status_code": status_code, "response": response_json}
    )


@jobs.periodic("idempotency", every=timedelta(hours=1))
def prune_idempotency_keys(now: datetime) -> int:
    """Delete Idempotency-Key records past AMTSWEG_API_IDEMPOTENCY_HOURS (run hourly)."""
    hours = current_app.config.get("API_IDEMPOTENCY_HOURS", 24)
    return prune_idempotency_records(now, timedelta(hours=hours))


def prune_idempotency_records(now: datetime, keep: timedelta) -> int:
    """Delete Idempotency-Key records older than `keep`; return how many went.

    A record holds a copy of its answer, which can carry the case's data, so it must not
    outlive the time a client may retry (24 hours by default, as most APIs keep keys).
    A key used again after that opens a new case.
    """
    result = core().execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at < now - keep)
    )
    return int(result.rowcount or 0)


def earlier_answer(client_id: str, key: str, body_hash: str) -> IdempotencyRecord | None:
    """Return the committed record of an earlier request with this key to replay, if any.

    Raise IdempotencyConflict when that request had another body (or is still running).
    Takes no lock: `claim_idempotency_key` is the one that reserves a key.
    """
    existing = db.session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.client_id == client_id, IdempotencyRecord.key == key
        )
    )
    if existing is None:
        return None
    if existing.request_hash != body_hash:
        raise IdempotencyConflict("Idempotency-Key reused with a different request")
    if existing.status_code is None or existing.response is None:
        raise IdempotencyConflict("Idempotency-Key is in use by a concurrent request")
    return existing
