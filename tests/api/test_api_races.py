"""Races through the API: the loser of two concurrent approvals gets 409, never 500; two
submissions with one Idempotency-Key at once give one case and the same answer."""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from service.api.models import IdempotencyRecord
from service.cases.models import Case
from service.extensions import db
from tests.api.api_support import auth, mint, submission

ROUNDS = 20


def _race(
    app: Flask, url: str, bodies: list[dict[str, Any]], headers: list[dict[str, str]]
) -> list[Any]:
    """POST the bodies at the same moment, each from its own thread and client."""
    barrier = threading.Barrier(len(bodies))
    answers: list[Any] = [None] * len(bodies)

    def post(i: int) -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post(url, json=bodies[i], headers=headers[i])
        answers[i] = (response.status_code, response.mimetype, response.get_json(force=True))

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def test_two_concurrent_approvals_give_one_200_and_one_409_problem(
    api_app: Flask, api: FlaskClient, submit: Any
) -> None:
    def officer() -> dict[str, str]:
        # A fresh token per request: a token's jti is accepted once.
        return auth(mint(["cases:transition"], roles=["permit_officer"]))

    outcomes = []
    for _ in range(ROUNDS):
        case_id = submit().json["id"]
        url = f"/api/v1/cases/{case_id}/transitions"
        started = api.post(url, json={"transition": "start_review"}, headers=officer())
        assert started.status_code == 200, started.json
        version = started.json["case"]["version"]
        body = {"transition": "approve", "expected_version": version}

        answers = _race(api_app, url, [body, body], [officer(), officer()])

        outcomes.append(sorted(status for status, _mime, _body in answers))
        losers = [(mime, body) for status, mime, body in answers if status != 200]
        assert all(mime == "application/problem+json" for mime, _body in losers), losers
        db.session.expire_all()
        assert db.session.get(Case, case_id).state == "approved"
    assert outcomes == [[200, 409]] * ROUNDS


def test_two_concurrent_submissions_with_one_key_give_one_case_and_the_same_answer(
    api_app: Flask, api: FlaskClient
) -> None:
    for n in range(ROUNDS):
        body = submission(subject="resident-race")
        headers = [{**auth(mint()), "Idempotency-Key": f"race-{n}"} for _ in range(2)]

        answers = _race(api_app, "/api/v1/cases", [body, body], headers)

        assert [status for status, _mime, _body in answers] == [201, 201], answers
        assert answers[0][2] == answers[1][2]
    db.session.expire_all()
    assert db.session.query(Case).count() == ROUNDS
    assert db.session.query(IdempotencyRecord).count() == ROUNDS
