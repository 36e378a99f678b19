"""Fixtures for credentials: an approved parking permit and a wallet holding its credential."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from credentials_support import Holder, nonce, offer_code, request_credential, token
from factories import parking_permit_data

from service.cases import services as cases
from service.cases.models import Case
from service.engine import Actor
from service.extensions import db
from service.rules.dates import local_today


@pytest.fixture
def people(make_user: Callable[..., Any]) -> dict[str, Any]:
    return {
        "max": make_user("Max Mustermann"),
        "clara": make_user("Clara Sachbearbeiterin", roles=["case_worker"]),
        "olaf": make_user("Olaf Bewohnerparken", roles=["permit_officer"]),
        "vera": make_user("Vera Verkehrsüberwachung", roles=["credential_verifier"]),
    }


def act(user: Any) -> Actor:
    return Actor(**user.as_actor_fields())


@pytest.fixture
def approved_permit(app: Any, people: dict[str, Any]) -> Callable[..., Case]:
    """Return a factory of approved parking permits of Max, valid from `start` (today)."""

    def make(start: date | None = None, **answers: Any) -> Case:
        data = parking_permit_data(start_date=local_today().isoformat(), **answers)
        case = cases.submit_case("parking_permit", data, people["max"].id, act(people["max"])).case
        if start is not None:
            # A permit that began long ago (the form only takes dates from today on).
            case.data = {**case.data, "start_date": start.isoformat()}
        cases.fire_transition(case, "start_review", act(people["clara"]))
        cases.fire_transition(case, "approve", act(people["olaf"]))
        db.session.commit()
        return case

    return make


@pytest.fixture
def offer(app: Any) -> Callable[[Case], tuple[str, str]]:
    """Make an offer of the case's parking permit; return (pre-authorized code, PIN)."""
    from service.credentials import services as credentials

    def make(case: Case) -> tuple[str, str]:
        new = credentials.create_offer(case, "parking_permit")
        db.session.commit()
        return offer_code(new.uri), new.tx_code

    return make


@pytest.fixture
def issued(
    client: Any, approved_permit: Any, offer: Any
) -> Callable[..., tuple[Holder, str, Case]]:
    """Return a factory: a holder with a parking permit credential, and its case."""

    def make(**kw: Any) -> tuple[Holder, str, Case]:
        case = approved_permit(**kw)
        code, pin = offer(case)
        access = token(client, code, pin).get_json()["access_token"]
        holder = Holder()
        answer = request_credential(client, access, holder.proof(nonce(client)))
        assert answer.status_code == 200, answer.get_json()
        return holder, answer.get_json()["credentials"][0]["credential"], case

    return make
