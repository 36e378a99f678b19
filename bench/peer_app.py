"""The hand-written peer: what a team would write for residence registrations without amtsweg.

Flask, the form as a marshmallow schema written by hand (the same fields, required
answers, lengths, choices, conditions and cross-field rules as forms/residence_registration
.yaml), the bearer token checked against the same key, then one ORM insert of the case and
one of an audit row in one transaction. No outbox, no Idempotency-Key, no hash chain, no
definition versions: the figure amtsweg should at least match.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Flask, jsonify, request
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from bench.submit_app import AUDIENCE, ISSUER, JWKS_ENV
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


def _text(max_length: int, required: bool = False) -> fields.String:
    return fields.String(required=required, validate=validate.Length(max=max_length))


def _not_future(value: date) -> None:
    if value > date.today():
        raise ValidationError("must not be in the future")


def _past_date(required: bool = False) -> fields.Date:
    return fields.Date(required=required, validate=_not_future)


COUNTRY = re.compile(r"^[A-Z]{2}$")
POSTAL = re.compile(r"^[0-9]{5}$")
DOCUMENTS = ("id_card", "passport", "child_passport", "passport_substitute")


def _country(required: bool = False) -> fields.String:
    return fields.String(required=required, validate=validate.Regexp(COUNTRY))


def _postal(required: bool = False) -> fields.String:
    return fields.String(required=required, validate=validate.Regexp(POSTAL))


def _require(data: dict[str, Any], keys: tuple[str, ...], errors: dict[str, Any]) -> None:
    for key in keys:
        if data.get(key) in (None, ""):
            errors[key] = ["required"]


class PersonSchema(Schema):
    family_name = _text(120, required=True)
    previous_names = _text(200)
    first_names = _text(120, required=True)
    everyday_name = _text(60, required=True)
    doctorate = _text(40)
    religious_or_artist_name = _text(120)
    birth_date = _past_date(required=True)
    birth_place = _text(120, required=True)
    birth_country = _country(required=True)
    sex = fields.String(
        required=True, validate=validate.OneOf(["female", "male", "diverse", "unspecified"])
    )
    citizenship = _country(required=True)
    further_citizenship = _country()
    religious_community = fields.String(
        required=True, validate=validate.OneOf(["none", "rk", "ev", "ak", "jd", "other"])
    )
    marital_status = fields.String(
        required=True,
        validate=validate.OneOf([
            "single", "married", "civil_partnership", "divorced", "widowed",
            "marriage_annulled", "civil_partnership_dissolved", "civil_partner_deceased",
        ]),
    )  # fmt: skip
    marriage_date = _past_date()
    marriage_place = _text(120)
    legal_representative_name = _text(200)
    legal_representative_address = _text(300)
    legal_representative_birth_date = _past_date()
    id_document_kind = fields.String(required=True, validate=validate.OneOf([*DOCUMENTS, "none"]))
    id_document_number = _text(30)
    id_document_issuing_authority = _text(120)
    id_document_issue_date = _past_date()
    id_document_expiry_date = fields.Date()

    @validates_schema
    def _conditions(self, data: dict[str, Any], **_kw: Any) -> None:
        errors: dict[str, Any] = {}
        if data["marital_status"] in ("married", "civil_partnership"):
            _require(data, ("marriage_date", "marriage_place"), errors)
        if data["id_document_kind"] in DOCUMENTS:
            _require(data, (
                "id_document_number", "id_document_issuing_authority",
                "id_document_issue_date", "id_document_expiry_date",
            ), errors)  # fmt: skip
        if f" {data['everyday_name']} " not in f" {data['first_names']} ":
            errors["everyday_name"] = ["must be one of the first names"]
        if errors:
            raise ValidationError(errors)


class RegistrationSchema(Schema):
    persons = fields.List(
        fields.Nested(PersonSchema), required=True, validate=validate.Length(min=1, max=10)
    )
    street = _text(100, required=True)
    house_number = _text(12, required=True)
    address_supplement = _text(100)
    postal_code = _postal(required=True)
    town = _text(60, required=True)
    move_in_date = _past_date(required=True)
    residence_kind = fields.String(
        required=True, validate=validate.OneOf(["sole", "main", "secondary"])
    )
    main_street = _text(100)
    main_house_number = _text(12)
    main_postal_code = _postal()
    main_town = _text(60)
    arriving_from_abroad = fields.Boolean(required=True)
    previous_street = _text(100)
    previous_house_number = _text(12)
    previous_postal_code = _postal()
    previous_town = _text(60)
    previous_country = _country()
    last_german_address = _text(300)
    landlord_confirmation_kind = fields.String(
        required=True,
        validate=validate.OneOf(["owner", "electronic", "upload", "landlord_details"]),
    )
    landlord_confirmation_code = _text(60)
    landlord_name = _text(200)
    landlord_street = _text(100)
    landlord_house_number = _text(12)
    landlord_postal_code = _postal()
    landlord_town = _text(60)
    owner_name = _text(300)
    landlord_confirmation_missing_reason = _text(1000)
    transfer_objections = fields.List(
        fields.String(
            validate=validate.OneOf([
                "elections", "anniversaries", "address_books", "armed_forces",
                "religious_communities",
            ])
        )
    )  # fmt: skip
    email = fields.Email()
    phone = fields.String(validate=validate.Regexp(r"^\+?[0-9 ()/-]{6,30}$"))

    @validates_schema
    def _conditions(self, data: dict[str, Any], **_kw: Any) -> None:
        errors: dict[str, Any] = {}
        if data["residence_kind"] == "secondary":
            _require(
                data, ("main_street", "main_house_number", "main_postal_code", "main_town"), errors
            )
        if data["arriving_from_abroad"]:
            _require(data, ("previous_country",), errors)
        else:
            _require(data, (
                "previous_street", "previous_house_number", "previous_postal_code",
                "previous_town",
            ), errors)  # fmt: skip
        if data["landlord_confirmation_kind"] == "electronic":
            _require(data, ("landlord_confirmation_code",), errors)
        if data["landlord_confirmation_kind"] == "landlord_details":
            _require(data, (
                "landlord_name", "landlord_street", "landlord_house_number",
                "landlord_postal_code", "landlord_town",
            ), errors)  # fmt: skip
        if not "40210" <= data["postal_code"] <= "40629":
            errors["postal_code"] = ["not in Düsseldorf"]
        if errors:
            raise ValidationError(errors)


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
