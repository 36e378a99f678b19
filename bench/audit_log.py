"""CPU cost of the audit log per submission: appending the submission's leaf (through the
outbox, as in production) against the submission itself, in-process on SQLite."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench.common import Figure, micro, print_table
from bench.samples import residence_registration

ROOT = Path(__file__).resolve().parent.parent
SUBMISSIONS = 200


def measure() -> list[Figure]:
    """Submit cases, then append their leaves; compare CPU per submission."""
    from service import create_app
    from service.audit import log
    from service.audit.services import seal_checkpoint
    from service.auth.models import User
    from service.cases.constants import Effect
    from service.cases.services import submit_case
    from service.engine import Actor
    from service.extensions import db
    from service.jobs.services import drain
    from service.transactions import ensure_definitions_synced

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "TESTING": True,
                "AMTSWEG_ENV": "test",
                "SECRET_KEY": "bench",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db",
                "INSTANCE_DIR": f"{tmp}/instance",
                "STORAGE_URL": f"file://{tmp}/files",
                "DEFINITIONS_ROOT": str(ROOT),
                "JOBS_MODE": "manual",
                "AUDIT_KEY": "bench:" + "b" * 40,
            }
        )
        with app.app_context():
            db.create_all()
            ensure_definitions_synced()
            user = User(issuer="https://idp", subject="s", name="Erika", email="e@x.org", roles=[])
            db.session.add(user)
            db.session.commit()
            actor = Actor(id=str(user.id), kind="user", label="Erika")
            data = residence_registration()
            submit_case("residence_registration", data, user.id, actor)
            db.session.commit()
            drain(kinds=[Effect.AUDIT_LEAF])
            start = time.process_time()
            for _ in range(SUBMISSIONS):
                submit_case("residence_registration", data, user.id, actor)
                db.session.commit()
            submission = (time.process_time() - start) / SUBMISSIONS
            start = time.process_time()
            drain(kinds=[Effect.AUDIT_LEAF])
            leaf = (time.process_time() - start) / SUBMISSIONS
            start = time.process_time()
            seal_checkpoint(force=True)
            db.session.commit()
            checkpoint = time.process_time() - start
            size = log.size()
            db.session.remove()
    share = leaf / submission
    figures = [
        Figure("submission (CPU, in-process, SQLite)", micro(submission)),
        Figure(
            "audit log append per submission (CPU, outbox item included)",
            micro(leaf),
            f"{share:.1%} of a submission",
            "< 5 %",
            share < 0.05,
        ),
        Figure(f"sealing a checkpoint of {size} leaves (CPU)", micro(checkpoint)),
    ]
    print_table("Audit log", figures)
    return figures


def main() -> list[Figure]:
    """Run the audit log benchmark."""
    return measure()
