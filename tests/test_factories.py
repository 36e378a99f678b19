"""The test factories build what production would: real transitions, a sound audit chain."""

from __future__ import annotations

import pytest
from factories import PATHS, CaseFactory, UserFactory
from flask import Flask
from sqlalchemy import select

from service.cases.models import AuditEvent
from service.cases.services import verify_audit_chain
from service.extensions import db

STATES = [(service, state) for service, paths in PATHS.items() for state in paths]


@pytest.mark.parametrize(("service", "state"), STATES)
def test_a_case_factory_reaches_its_state_by_real_transitions(
    app: Flask, service: str, state: str
) -> None:
    case = CaseFactory(service=service, state=state)
    db.session.expire_all()
    assert case.state == state and case.service_key == service
    transitions = list(
        db.session.scalars(
            select(AuditEvent.transition)
            .where(AuditEvent.case_id == case.id)
            .order_by(AuditEvent.seq)
        )
    )
    assert transitions == ["submit", *(t for t, _who, _inputs in PATHS[service][state])]
    assert verify_audit_chain(case.id) == []


def test_traits_say_the_same_as_the_state(app: Flask) -> None:
    assert CaseFactory(approved=True).state == CaseFactory(state="approved").state == "approved"
    assert CaseFactory(service="parking_permit", waiver=True).data["fee_waiver_requested"] is True
    assert UserFactory(officer=True).roles == ["registration_officer", "permit_officer"]
