"""The bare stack limit: a minimal Flask endpoint that parses the JSON and inserts one row.

Same gunicorn, same database driver, engine options and SQLite settings as amtsweg;
nothing else.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from flask import Flask, jsonify, request
from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, Table, create_engine, insert

from service import sqlite

metadata = MetaData()
submissions = Table(
    "bare_submissions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("data", JSON),
    Column("created_at", DateTime(timezone=True)),
)


def prepare_bare_database() -> None:
    """Create the table once, before the workers start (they would race to create it)."""
    engine = create_engine(os.environ["AMTSWEG_DATABASE_URL"])
    metadata.create_all(engine)
    engine.dispose()


def create_bare_app() -> Flask:
    """Return the bare app on AMTSWEG_DATABASE_URL."""
    app = Flask(__name__)
    url = os.environ["AMTSWEG_DATABASE_URL"]
    # The same engine options and SQLite settings as amtsweg (WAL, `synchronous`, the
    # write gate): see service/sqlite.py.
    engine = create_engine(url, **sqlite.engine_options(url, {"pool_pre_ping": True}))
    sqlite.init_engine(engine, os.environ.get("AMTSWEG_SQLITE_SYNCHRONOUS", "NORMAL"))

    @app.post("/bare")
    def bare() -> tuple[object, int]:
        data = request.get_json()
        with engine.begin() as conn:
            row_id = conn.execute(
                insert(submissions).values(data=data, created_at=datetime.now(UTC))
            ).inserted_primary_key[0]
        return jsonify(id=row_id), 201

    return app
