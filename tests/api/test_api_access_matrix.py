"""Who may do what through the API: scopes and workflow roles against a case in review."""

from __future__ import annotations

import pytest
from factories import CaseFactory
from flask.testing import FlaskClient

from service.cases.models import Case
from service.extensions import db
from tests.api.api_support import auth, mint

READ, TRANSITION = "cases:read", "cases:transition"


@pytest.mark.parametrize(
    ("scopes", "roles", "read", "approve"),
    [
        # Scope missing: 403. Case not visible to this client (neither submitted by it nor
        # in a service its roles work in): 404, so ids cannot be probed. Wrong role: 403.
        ([], [], 403, 403),
        ([READ], [], 404, 403),
        ([TRANSITION], [], 403, 404),
        ([READ], ["case_worker"], 200, 403),
        ([READ, TRANSITION], ["case_worker"], 200, 403),
        ([READ, TRANSITION], ["registration_officer"], 200, 200),
        ([READ, TRANSITION], ["permit_officer"], 404, 404),
        # Roles per service: a role given in one service counts there only.
        ([READ, TRANSITION], ["residence_registration:registration_officer"], 200, 200),
        ([READ, TRANSITION], ["parking_permit:registration_officer"], 404, 404),
        ([READ, TRANSITION], ["parking_permit:permit_officer"], 404, 404),
        ([READ, TRANSITION], ["residence_registration:case_worker"], 200, 403),
        (
            [READ, TRANSITION],
            ["parking_permit:permit_officer", "residence_registration:registration_officer"],
            200,
            200,
        ),
    ],
)
def test_api_access_matrix(
    api: FlaskClient, scopes: list[str], roles: list[str], read: int, approve: int
) -> None:
    case = CaseFactory(in_review=True)
    headers = auth(mint(scopes, roles=roles))
    got_read = api.get(f"/api/v1/cases/{case.id}", headers=headers).status_code
    got_approve = api.post(
        f"/api/v1/cases/{case.id}/transitions", json={"transition": "approve"}, headers=headers
    ).status_code
    assert (got_read, got_approve) == (read, approve)
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == ("approved" if approve == 200 else "in_review")
