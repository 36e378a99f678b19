"""amtsweg with a bench-only submission endpoint: POST /bench/cases.

The integrator API (/api/v1/cases) needs OAuth2 tokens from an identity provider; this
endpoint measures the same work without the token check: parse the JSON, validate it
against the form, open the case with its audit event and outbox rows, commit.
"""

from __future__ import annotations

from flask import Blueprint, Flask, jsonify, request
from sqlalchemy import select

BENCH_SUBJECT = "bench-resident"


def create_bench_app() -> Flask:
    """Return amtsweg (from the environment) with /bench/cases added."""
    from service import create_app
    from service.auth.models import User
    from service.cases.services import submit_case
    from service.engine import Actor
    from service.extensions import csrf, db

    app = create_app()
    bp = Blueprint("bench", __name__)

    @bp.post("/bench/cases")
    def submit() -> tuple[object, int]:
        user = db.session.scalar(select(User).where(User.subject == BENCH_SUBJECT))
        assert user is not None
        actor = Actor(**user.as_actor_fields())
        case = submit_case("residence_registration", request.get_json(), user.id, actor).case
        return jsonify(reference=case.reference), 201

    csrf.exempt(bp)
    app.register_blueprint(bp)
    return app


def prepare_database() -> None:
    """Create the tables, store the definitions and the bench resident (run once)."""
    from service import create_app
    from service.auth.models import User
    from service.extensions import db
    from service.transactions import ensure_definitions_synced

    app = create_app()
    with app.app_context():
        db.create_all()
        ensure_definitions_synced()
        if db.session.scalar(select(User).where(User.subject == BENCH_SUBJECT)) is None:
            db.session.add(
                User(
                    issuer="https://bench.invalid",
                    subject=BENCH_SUBJECT,
                    name="Bench Resident",
                    email="bench@example.org",
                )
            )
        db.session.commit()
