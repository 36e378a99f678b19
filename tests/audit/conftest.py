"""Cases and documents whose events reach the audit log, and checkpoints sealed over them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from factories import parking_permit_data

from service.cases.models import Case
from service.cases.services import fire_transition, submit_case
from service.extensions import db
from tests.conftest import actor_for
from tests.documents.conftest import (  # noqa: F401 - fixtures shared with the documents tests
    app,
    approved_case,
    issued,
    resident,
    seal_paths,
)


@pytest.fixture
def rejected_case(make_user: Callable[..., Any]) -> Callable[..., Case]:
    """Submit a parking permit and ask the resident with a message (three events), committed.

    No document is issued (a rejection would issue a notice), so every leaf is an event.
    """

    def factory(name: str = "Erika Mustermann") -> Case:
        applicant = make_user(name)
        officer = make_user("Olga Officer", roles=["permit_officer"])
        case = submit_case(
            "parking_permit", parking_permit_data(), applicant.id, actor_for(applicant)
        ).case
        fire_transition(case, "start_review", actor_for(officer))
        fire_transition(
            case, "request_information", actor_for(officer), {"message": "Zone C gilt nicht"}
        )
        db.session.commit()
        return case

    return factory
