"""A new case and its first event are written with plain INSERTs exactly as built."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from factories import UserFactory, residence_registration_data
from sqlalchemy import select

from service.cases import services as cases
from service.cases import store
from service.cases.models import AuditEvent, Case
from service.engine import Actor
from service.extensions import core, db


def _submitted(user: Any, **kw: Any) -> cases.Submission:
    applicant = Actor(id=str(user.id), kind="user", label=user.name)
    return cases.submit_case(
        "residence_registration", residence_registration_data(), user.id, applicant, **kw
    )


@pytest.mark.parametrize("held", [True, False])
def test_the_rows_hold_every_value_of_the_new_case_and_its_first_event(
    app: Any, held: bool
) -> None:
    """Both the plain INSERT and the savepoint's flush (a key nobody holds yet)."""
    user = UserFactory()
    submission = _submitted(user, idempotency=cases.IdempotencyClaim("k-1", held=held))
    case = submission.case
    built = {c.key: getattr(case, c.key) for c in Case.__table__.columns}
    db.session.commit()
    row = core().execute(select(Case.__table__).where(Case.id == case.id)).one()._asdict()
    assert row == built
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id))
    assert case.audit_head == event.hash == event.compute_hash()
    assert event.personal_fields_intact() and event.seq == 1 and event.inputs == {}


def test_a_new_case_changes_later_with_the_version_check(app: Any) -> None:
    user = UserFactory()
    case = _submitted(user).case
    case.applicant_name = "Erika Musterfrau"
    db.session.commit()
    db.session.expire_all()
    assert (case.version, case.applicant_name) == (2, "Erika Musterfrau")


def test_an_unsaved_row_refuses_unknown_columns(app: Any) -> None:
    with pytest.raises(TypeError, match="no columns colour"):
        store.unsaved(Case, {"reference": "X", "colour": "blue"})


def test_an_unsaved_row_works_before_any_orm_query_ran() -> None:
    """A fresh process may submit before anything configured the mappers."""
    script = (
        "from service import create_app\n"
        "from service.cases import store\n"
        "from service.cases.models import AuditEvent\n"
        "app = create_app({'TESTING': True, 'SQLALCHEMY_DATABASE_URI': 'sqlite://'})\n"
        "with app.app_context():\n"
        "    ev = store.unsaved(AuditEvent, {'seq': 1})\n"
        "    ev.key_id = 'k'\n"
        "    print(ev.seq, ev.key_id)\n"
    )
    env = {**os.environ, "AMTSWEG_ENV": "development"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "k"]
