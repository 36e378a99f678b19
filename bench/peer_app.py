"""The hand-written peer: what a team would write for residence registrations without amtsweg.

Flask; the form as a marshmallow schema written by hand (the one bench/validation.py
measures: the same fields, required answers, lengths, choices, conditions and cross-field
rules as forms/residence_registration.yaml); the bearer token checked against the same
key; then one ORM insert of the case and one of an audit row in one transaction. No
outbox, no Idempotency-Key, no hash chain, no definition versions: the figure amtsweg
should at least match.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, jsonify, request
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from bench.submit_app import AUDIENCE, ISSUER, JWKS_ENV
from bench.validation import RegistrationSchema
from service import sqlite


class Base(DeclarativeBase):
    pass


class PeerCase(Base):
    __tablename__ = "peer_cases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service: Mapped[str] = mapped_column(String(64))
    applicant: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PeerAudit(Base):
    __tablename__ = "peer_audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("peer_cases.id"))
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(255))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SubmissionSchema(Schema):
    service = fields.String(required=True, validate=validate.Equal("residence_registration"))
    applicant = fields.Dict(required=True)
    data = fields.Nested(RegistrationSchema, required=True)
    lang = fields.String(validate=validate.OneOf(["de", "en"]))


def prepare_peer_database() -> None:
    """Create the peer's tables once, before the workers start."""
    engine = create_engine(os.environ["AMTSWEG_DATABASE_URL"])
    Base.metadata.create_all(engine)
    engine.dispose()


def create_peer_app() -> Flask:
    """Return the hand-written peer on AMTSWEG_DATABASE_URL, trusting the bench's key."""
    app = Flask(__name__)
    url = os.environ["AMTSWEG_DATABASE_URL"]
    engine = create_engine(url, **sqlite.engine_options(url, {"pool_pre_ping": True}))
    sqlite.init_engine(engine, os.environ.get("AMTSWEG_SQLITE_SYNCHRONOUS", "NORMAL"))
    keys = KeySet.import_key_set(json.loads(os.environ[JWKS_ENV]))
    schema = SubmissionSchema()
    claims_rules = jwt.JWTClaimsRegistry(iss={"essential": True, "value": ISSUER})

    @app.post("/peer/cases")
    def submit() -> tuple[Any, int]:
        header = request.headers.get("Authorization", "")
        try:
            token = jwt.decode(header.removeprefix("Bearer "), keys, algorithms=["RS256"])
            claims_rules.validate(token.claims)
        except (JoseError, ValueError):
            return jsonify(error="unauthorized"), 401
        if token.claims.get("aud") != AUDIENCE or "cases:write" not in token.claims["scope"]:
            return jsonify(error="forbidden"), 403
        try:
            body = schema.load(request.get_json())
        except ValidationError as exc:
            return jsonify(errors=exc.messages), 422
        now = datetime.now(UTC)
        with Session(engine) as session, session.begin():
            case = PeerCase(
                service=body["service"],
                applicant=body["applicant"].get("subject", ""),
                state="submitted",
                data=request.get_json(),
                created_at=now,
            )
            session.add(case)
            session.flush()
            session.add(
                PeerAudit(case_id=case.id, action="submitted", actor=token.claims["sub"], at=now)
            )
            case_id = case.id
        return jsonify(
            id=case_id, state="submitted", due=(now + timedelta(days=14)).isoformat()
        ), 201

    return app
