"""Fixtures for upload tests: a submitted case to bind files to."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from factories import parking_permit_data
from flask import Flask

from service.cases.models import Case
from service.cases.services import submit_case
from service.engine import Actor
from service.extensions import db


@pytest.fixture
def make_case(app: Flask, make_user: Callable[..., Any]) -> Callable[..., Case]:
    """Submit a valid parking permit case for a new resident; commits."""

    def factory(service: str = "parking_permit") -> Case:
        applicant = make_user("Jupp Schmitz")
        actor = Actor(id=str(applicant.id), kind="user", label=applicant.name)
        case = submit_case(service, parking_permit_data(), applicant.id, actor).case
        db.session.commit()
        return case

    return factory
