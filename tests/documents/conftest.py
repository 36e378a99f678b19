"""Cases that issue documents: a registration and a parking permit, approved and rendered."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from service.cases.models import Case
from service.cases.services import fire_transition, submit_case
from service.extensions import db
from service.jobs.services import drain
from tests.conftest import actor_for

TODAY = date.today()
MOVE_IN = TODAY - timedelta(days=3)


@pytest.fixture
def seal_paths(tmp_path: Path) -> tuple[Path, Path]:
    """Where this test's development seal key and certificate live."""
    return tmp_path / "seal" / "key.pem", tmp_path / "seal" / "cert.pem"


@pytest.fixture
def app(make_app: Callable[..., Flask], seal_paths: tuple[Path, Path]) -> Iterator[Flask]:
    """The app with its own development seal, inside an application context."""
    key, cert = seal_paths
    application = make_app(SEAL_KEY_PATH=str(key), SEAL_CERT_PATH=str(cert))
    with application.app_context():
        from service.transactions import ensure_definitions_synced

        ensure_definitions_synced()
        yield application
        db.session.remove()


def person(**overrides: Any) -> dict[str, Any]:
    """Return one valid person of a residence registration."""
    data: dict[str, Any] = {
        "family_name": "Mustermann",
        "first_names": "Erika Maria",
        "everyday_name": "Maria",
        "doctorate": "Dr.",
        "birth_date": "1984-08-12",
        "birth_place": "Wuppertal",
        "birth_country": "DE",
        "sex": "female",
        "citizenship": "AT",
        "religious_community": "none",
        "marital_status": "single",
        "id_document_kind": "id_card",
        "id_document_number": "L01X00T47",
        "id_document_issuing_authority": "Stadt Wuppertal",
        "id_document_issue_date": "2020-01-15",
        "id_document_expiry_date": "2030-01-14",
    }
    data.update(overrides)
    return data


def registration_data(
    persons: list[dict[str, Any]] | None = None, **overrides: Any
) -> dict[str, Any]:
    """Return valid answers of the residence registration form."""
    data: dict[str, Any] = {
        "persons": persons or [person()],
        "street": "Königsallee",
        "house_number": "12a",
        "address_supplement": "3. OG links",
        "postal_code": "40212",
        "town": "Düsseldorf",
        "move_in_date": MOVE_IN.isoformat(),
        "residence_kind": "main",
        "arriving_from_abroad": False,
        "previous_street": "Hofaue",
        "previous_house_number": "5",
        "previous_postal_code": "42103",
        "previous_town": "Wuppertal",
        "landlord_confirmation_kind": "owner",
        "email": "erika@example.org",
    }
    data.update(overrides)
    return data


def parking_data(**overrides: Any) -> dict[str, Any]:
    """Return valid answers of the parking permit form."""
    data: dict[str, Any] = {
        "first_name": "Erika",
        "family_name": "Mustermann",
        "street": "Kasernenstraße",
        "house_number": "1",
        "postal_code": "40213",
        "town": "Düsseldorf",
        "licence_plate": "D-AB 1234",
        "vehicle_relation": "keeper",
        "vehicle_registration": {
            "id": "f" * 32,
            "name": "schein.pdf",
            "content_type": "application/pdf",
            "size": 1000,
        },
        "zone": "c",
        "period": "two_years",
        "start_date": TODAY.isoformat(),
        "fee_waiver_requested": False,
    }
    data.update(overrides)
    return data


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
