"""Cases that issue documents: a registration and a parking permit, approved and rendered."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import factories
import pytest
from factories import parking_permit_data, residence_registration_data
from flask import Flask

from service.cases.models import Case
from service.cases.services import fire_transition, submit_case
from service.extensions import db
from service.jobs.services import drain
from service.rules.dates import local_today
from tests.conftest import actor_for, running

# The form's "today" is Berlin's: between 23:00 and 24:00 UTC the machine's date is a day behind.
TODAY = local_today()
MOVE_IN = TODAY - timedelta(days=3)


@pytest.fixture
def seal_paths(tmp_path: Path) -> tuple[Path, Path]:
    """Where this test's development seal key and certificate live."""
    return tmp_path / "seal" / "key.pem", tmp_path / "seal" / "cert.pem"


@pytest.fixture
def app(make_app: Callable[..., Flask], seal_paths: tuple[Path, Path]) -> Iterator[Flask]:
    """The app with its own development seal, inside an application context."""
    key, cert = seal_paths
    with running(make_app(SEAL_KEY_PATH=str(key), SEAL_CERT_PATH=str(cert))) as application:
        yield application


def person(**overrides: Any) -> dict[str, Any]:
    """Return a person whose birth place and citizenship must not reach the document.

    The everyday name is the second first name, so that its marking can be told apart.
    """
    details: dict[str, Any] = {
        "everyday_name": "Maria",
        "birth_place": "Wuppertal",
        "citizenship": "AT",
        "id_document_issuing_authority": "Stadt Wuppertal",
    }
    return factories.person(**{**details, **overrides})


def registration_data(
    persons: list[dict[str, Any]] | None = None, **overrides: Any
) -> dict[str, Any]:
    """Return a main residence with an address supplement, moving in from Wuppertal."""
    details: dict[str, Any] = {
        "persons": persons or [person()],
        "street": "Königsallee",
        "house_number": "12a",
        "address_supplement": "3. OG links",
        "postal_code": "40212",
        "residence_kind": "main",
        "move_in_date": MOVE_IN.isoformat(),
        "previous_street": "Hofaue",
        "previous_house_number": "5",
        "previous_postal_code": "42103",
        "previous_town": "Wuppertal",
    }
    return residence_registration_data(**{**details, **overrides})


def parking_data(**overrides: Any) -> dict[str, Any]:
    """Return a two-year permit in zone C that starts today."""
    details: dict[str, Any] = {"zone": "c", "period": "two_years", "start_date": TODAY.isoformat()}
    return parking_permit_data(**{**details, **overrides})


@pytest.fixture
def resident(make_user: Callable[..., Any]) -> Any:
    """The resident who applies."""
    return make_user("Erika Mustermann")


@pytest.fixture
def approved_case(app: Flask, make_user: Callable[..., Any], resident: Any) -> Callable[..., Case]:
    """Submit a case as the resident, approve it as an officer and commit (documents queued)."""
    officers = {
        "residence_registration": ("registration_officer", ["start_review", "approve"]),
        "parking_permit": ("permit_officer", ["start_review", "approve"]),
    }

    def factory(
        service: str = "residence_registration", data: dict[str, Any] | None = None
    ) -> Case:
        if data is None:
            data = registration_data() if service == "residence_registration" else parking_data()
        role, transitions = officers[service]
        officer = make_user("Olga Officer", roles=[role])
        case = submit_case(service, data, resident.id, actor_for(resident)).case
        for transition in transitions:
            fire_transition(case, transition, actor_for(officer))
        db.session.commit()
        return case

    return factory


@pytest.fixture
def issued(approved_case: Callable[..., Case]) -> Callable[..., tuple[Case, Any]]:
    """Approve a case, run the outbox, return the case and its one issued document."""
    from service.documents.services import documents_for_case

    def factory(
        service: str = "residence_registration", data: dict[str, Any] | None = None
    ) -> tuple[Case, Any]:
        case = approved_case(service, data)
        drain()
        documents = documents_for_case(case)
        assert len(documents) == 1
        return case, documents[0]

    return factory


def pdf_text(pdf: bytes) -> str:
    """Return the text of every page of a PDF, whitespace collapsed."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
