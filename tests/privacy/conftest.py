"""Closed residence registrations with an upload, a document and a note."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from factories import person, residence_registration_data
from flask import Flask
from privacy_data import CLOSED_AT  # type: ignore[import-not-found]

from service.cases.models import Case, CaseNote
from service.cases.services import fire_transition, submit_case
from service.extensions import db
from service.storage.services import get_storage, sha256
from tests.conftest import actor_for, add_upload


@pytest.fixture
def officer(make_user: Callable[..., Any]) -> Any:
    return make_user("Olga Officer", roles=["registration_officer"])


@pytest.fixture
def make_draft(app: Flask) -> Callable[..., Any]:
    """Add a draft of `owner` with the given answers; `kw` sets further columns. Flushes."""
    from service.definitions.services import current_registry
    from service.drafts.models import Draft

    def factory(owner: Any, service_key: str, data: dict[str, Any], **kw: Any) -> Draft:
        draft = Draft(
            owner_id=owner.id,
            service_key=service_key,
            workflow_version=current_registry().current_services[service_key],
            form_version=current_registry()
            .form(current_registry().service(service_key).form_key)
            .version,
            data=data,
            submit_token="t",
            **kw,
        )
        db.session.add(draft)
        db.session.flush()
        return draft

    return factory


@pytest.fixture
def closed_case(app: Flask, make_user: Callable[..., Any], officer: Any) -> Callable[..., Case]:
    """Return a factory of approved cases with an uploaded landlord confirmation."""
    from service.documents.models import Document

    def factory(resident: Any | None = None, n: int = 1) -> Case:
        resident = resident or make_user("Erika Mustermann")
        storage = get_storage()
        upload = add_upload(
            resident,
            b"%PDF-1.4 landlord confirmation of Erika Mustermann",
            "wohnungsgeberbestaetigung-mustermann.pdf",
            f"up{n:08d}abcdefghijklmnop"[:32],
        )
        data = residence_registration_data(persons=[person(family_name=f"Mustermann{n}")])
        for key in list(data):
            if key.startswith("landlord_"):
                del data[key]
        data["landlord_confirmation_kind"] = "upload"
        data["landlord_confirmation_file"] = upload.as_answer()
        case = submit_case(
            "residence_registration", data, resident.id, actor_for(resident), now=CLOSED_AT
        ).case
        upload.case_id = case.id
        fire_transition(case, "start_review", actor_for(officer), now=CLOSED_AT)
        fire_transition(case, "approve", actor_for(officer), now=CLOSED_AT)
        pdf = b"%PDF-1.7 Meldebestaetigung"
        db.session.add(
            Document(
                case_id=case.id,
                document="meldebestaetigung",
                event_seq=3,
                status="rendered",
                storage_key=storage.put(pdf, ".pdf"),
                sha256=sha256(pdf),
                size=len(pdf),
                verification_code=f"CODE{case.id:020d}",
                issued_at=CLOSED_AT,
            )
        )
        db.session.add(
            CaseNote(
                case_id=case.id,
                author_id=officer.id,
                text="Called Ms Mustermann about her ID card.",
            )
        )
        db.session.commit()
        return case

    return factory
