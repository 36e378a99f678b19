"""Fixtures for back-office tests: submitted cases, staff users, logged-in clients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from backoffice_support import ROLES, FreshContextClient, permit_data, registration_data
from factories import CaseFactory
from flask import Flask
from flask.testing import FlaskClient

from service.cases.models import Case


@pytest.fixture
def resident(make_user: Callable[..., Any]) -> Any:
    """A resident who submits cases."""
    return make_user("Erika Mustermann")


@pytest.fixture
def make_case(app: Flask, resident: Any) -> Callable[..., Case]:
    """Submit a valid case: `make_case("parking_permit", waiver=True)`; commits."""

    def factory(service: str = "residence_registration", **kw: Any) -> Case:
        applicant = kw.pop("applicant", resident)
        now = kw.pop("now", None)
        state = kw.pop("state", "submitted")
        data = permit_data(**kw) if service == "parking_permit" else registration_data(**kw)
        case: Case = CaseFactory(
            service=service, data=data, applicant=applicant, now=now, state=state
        )
        return case

    return factory


@pytest.fixture
def staff(make_user: Callable[..., Any]) -> Callable[[str], Any]:
    """Create a user holding one of the demo roles: `staff("permit_officer")`."""

    def factory(role: str, name: str | None = None) -> Any:
        return make_user(name or f"{role.replace('_', ' ').title()}", roles=list(ROLES[role]))

    return factory


@pytest.fixture
def client_for(app: Flask, login: Callable[..., None]) -> Callable[[Any], FlaskClient]:
    """Return a new test client logged in as `user`."""

    def factory(user: Any) -> FlaskClient:
        c = FreshContextClient(app, app.response_class, use_cookies=True)
        login(user, on=c)
        return c

    return factory
