"""An integrator sees nothing of the cases staff opened to try a draft service (`draft: true`).

Such a case is test data of people writing the service: it is not listed, not found by
id or reference (404, like a case of another client), its documents are not reachable
and no webhook tells of it. Cases of published services are shown as always.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.documents.models import Document
from service.extensions import db
from service.jobs.services import drain
from tests.api.api_support import Receiver, api_config, auth, mint
from tests.conftest import running
from tests.definitions.test_definitions_draft import copy_definitions
from tests.factories import CaseFactory, UserFactory

#: A client working in both services, holding every scope.
TOKEN_ROLES = ["parking_permit:permit_officer", "residence_registration:registration_officer"]
EVENTS = ["case.submitted", "case.transitioned", "case.document_ready", "case.approved"]


@pytest.fixture
def draft_api(make_app: Callable[..., Flask], tmp_path: Path) -> Iterator[FlaskClient]:
    """The API of an app in which parking_permit is a draft service."""
    root = copy_definitions(tmp_path / "defs")
    with running(make_app(DEFINITIONS_ROOT=str(root), **api_config())) as application:
        yield application.test_client()


def headers() -> dict[str, str]:
    return auth(mint(roles=TOKEN_ROLES))


def staff_trial() -> Any:
    """A parking permit staff submitted to try the draft and approved (its permit issued)."""
    officer = UserFactory(officer=True)
    case = CaseFactory(service="parking_permit", applicant=officer, approved=True)
    drain()
    assert db.session.scalar(db.select(Document).where(Document.case_id == case.id))
    return case


def test_the_cases_of_a_draft_trial_are_not_listed(draft_api: FlaskClient) -> None:
    trial = staff_trial()
    published = CaseFactory(approved=True)  # residence_registration

    listed = draft_api.get("/api/v1/cases", headers=headers())
    only_trials = draft_api.get("/api/v1/cases?service=parking_permit", headers=headers())

    assert listed.status_code == 200, listed.json
    assert [c["id"] for c in listed.json["items"]] == [published.id]
    assert trial.id not in [c["id"] for c in listed.json["items"]]
    assert only_trials.json == {"items": [], "next": None}


def test_a_case_of_a_draft_trial_is_not_found(draft_api: FlaskClient) -> None:
    trial = staff_trial()
    doc = db.session.scalar(db.select(Document).where(Document.case_id == trial.id))
    case_urls = [f"/api/v1/cases/{trial.id}", f"/api/v1/cases/{trial.reference}"]

    answers = [draft_api.get(url, headers=headers()) for url in case_urls]
    answers += [
        draft_api.get(f"/api/v1/cases/{trial.id}/documents", headers=headers()),
        draft_api.get(f"/api/v1/cases/{trial.id}/documents/{doc.id}/content", headers=headers()),
        draft_api.post(
            f"/api/v1/cases/{trial.id}/transitions",
            json={"transition": "revoke", "inputs": {"reason": "Test beendet."}},
            headers=headers(),
        ),
    ]

    assert [a.status_code for a in answers] == [404] * 5, [a.json for a in answers]
    assert {a.mimetype for a in answers} == {"application/problem+json"}
    db.session.expire_all()
    assert trial.state == "approved"  # the refused transition changed nothing
    published = CaseFactory()
    assert draft_api.get(f"/api/v1/cases/{published.id}", headers=headers()).status_code == 200


def test_no_webhook_tells_of_a_draft_trial(draft_api: FlaskClient, receiver: Receiver) -> None:
    subscribed = draft_api.post(
        "/api/v1/webhooks",
        json={"url": receiver.url, "event_types": EVENTS},
        headers=auth(mint(["webhooks:manage"])),
    )
    assert subscribed.status_code == 201, subscribed.json

    staff_trial()
    published = CaseFactory()
    drain()

    told = [(r.json()["type"], r.json()["data"]["service"]) for r in receiver.requests]
    assert told == [("case.submitted", "residence_registration")]
    assert all(r.json()["data"]["case_id"] == published.id for r in receiver.requests)
