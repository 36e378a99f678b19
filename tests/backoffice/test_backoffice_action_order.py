"""The order of a case's actions: the workflow's own decision first, the shared review
steps (`workflows/_common/review.yaml`: ask the applicant, reject) after it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from factories import CaseFactory, UserFactory
from flask.testing import FlaskClient


def actions(client: FlaskClient, case: Any) -> list[str]:
    """Return the transitions the case page offers, top to bottom."""
    page = client.get(f"/backoffice/cases/{case.id}").get_data(as_text=True)
    return re.findall(r'<h3 id="t-(\w+)-title">', page)


@pytest.mark.parametrize(
    ("service", "state", "officer", "expected"),
    [
        (
            "parking_permit",
            "in_review",
            "officer",
            [
                "approve",
                "approve_without_waiver",
                "propose_waiver",
                "request_information",
                "reject",
            ],
        ),
        ("dog_tax", "in_review", "tax_officer", ["approve", "request_information", "reject"]),
        (
            "residence_registration",
            "in_review",
            "officer",
            ["approve", "request_information", "reject"],
        ),
        # `reject` is the shared one, changed by the workflow (`override: true`).
        ("special_use_permit", "proposed", "traffic_officer", ["approve", "send_back", "reject"]),
        # Before the review the shared steps are all there is, in the shared file's order.
        ("dog_tax", "submitted", "tax_officer", ["start_review", "request_information", "reject"]),
    ],
)
def test_the_decision_comes_before_asking_and_rejecting(
    client_for: Callable[[Any], FlaskClient],
    service: str,
    state: str,
    officer: str,
    expected: list[str],
) -> None:
    case = CaseFactory(service=service, state=state)
    assert actions(client_for(UserFactory(**{officer: True})), case) == expected
