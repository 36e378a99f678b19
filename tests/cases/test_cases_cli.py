"""Command-line tools an operator uses on cases: list versions, verify the audit trail."""

from __future__ import annotations

from typing import Any

from factories import parking_permit_data

from service.cases import services as cases
from service.cases.models import AuditEvent
from service.engine import Actor
from service.extensions import db


def test_definitions_list_shows_versions_and_open_cases(app: Any, make_user: Any) -> None:
    erika = make_user("Erika Mustermann")
    for _ in range(2):
        cases.submit_case(
            "parking_permit", parking_permit_data(), erika.id, Actor(id=str(erika.id))
        )
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["definitions", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    registry = app.extensions["amtsweg.definitions"]
    permit, residence = (registry.service(k) for k in ("parking_permit", "residence_registration"))
    assert f"workflow parking_permit\tv{permit.version} (current)\t2 open case(s)" in lines
    assert (
        f"workflow residence_registration\tv{residence.version} (current)\t0 open case(s)" in lines
    )
    form = registry.form("parking_permit")
    assert f"form     parking_permit\tv{form.version} (current)\t2 open case(s)" in lines


def test_audit_verify_exits_1_and_names_the_case_when_tampered(app: Any, make_user: Any) -> None:
    erika = make_user("Erika Mustermann")
    clara = make_user("Clara", roles=["case_worker"])
    case = cases.submit_case(
        "parking_permit", parking_permit_data(), erika.id, Actor(id=str(erika.id))
    ).case
    cases.fire_transition(
        case, "reject", Actor(**clara.as_actor_fields()), {"reason": "Zone falsch"}
    )
    db.session.commit()
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "intact" in ok.output
    db.session.execute(
        AuditEvent.__table__.update().where(AuditEvent.seq == 1).values(actor_label="Mallory")
    )
    db.session.commit()
    bad = runner.invoke(args=["audit", "verify"])
    assert bad.exit_code == 1
    assert f"{case.reference}: event 1 was changed after it was written" in bad.output
