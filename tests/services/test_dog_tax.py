"""Dog tax (Hundesteuer), walked by a resident, the tax office and the API.

The service is data only (workflows/, forms/, templates/pdf/hundesteuerbescheid/); the
yearly tax is the form's computed `fee`: 150 € for the first dog, 180 € for each further
dog, 600 € for each dog under § 3 LHundG NRW.
"""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from factories import MAX_MUSTERMANN, PDF, dog, dog_tax_data, listed_dog
from flask import Flask
from flask.testing import FlaskClient
from service_walk import (
    api_case,
    api_documents,
    api_fire,
    api_submit,
    computed_of,
    fill_pages,
    fire,
    logged_in,
    pdf_text,
    portal_document,
    shown,
    submit_check_page,
)
from sqlalchemy import select

from service.attachments.models import Upload
from service.auth import people
from service.cases import services as cases
from service.cases.models import Case
from service.documents.models import Document
from service.documents.services import document_html
from service.engine import Actor
from service.engine.roles import holds
from service.extensions import db
from service.jobs.services import drain
from service.transactions import ensure_definitions_synced
from tests.api.api_support import api_upload
from tests.factories import UserFactory

SERVICE = "dog_tax"
FROZEN = "2026-03-02 09:00"
FEE = "Hundesteuer im Jahr"
DASH = "\N{EN DASH}"

PAGES: list[tuple[str, dict[str, Any]]] = [
    ("holder", dict(MAX_MUSTERMANN)),
    (
        "dogs",
        {
            "dogs-0-dog_name": "Bello",
            "dogs-0-chip_number": "276098106543210",
            "dogs-0-breed": "Labrador-Mischling",
            "dogs-0-kept_since": "2026-02-15",
            "dogs-0-listed_breed": "no",
            "dogs-1-dog_name": "Rocky",
            "dogs-1-chip_number": "276098106549999",
            "dogs-1-breed": "American Staffordshire Terrier",
            "dogs-1-kept_since": "2026-02-20",
            "dogs-1-listed_breed": "yes",
            "dogs-1-listed_breed_kind": "amstaff",
            "dogs-1-keeping_permit": "granted",
            "dogs-1-permit_number": "32/1-2026-17",
            "dogs-1-permit_copy": (io.BytesIO(PDF), "erlaubnis.pdf"),
            "dogs-1-competence_proof": "yes",
            "dogs-1-liability_insurance": "yes",
            "dogs-1-insurer": "Rheinische Versicherung, HV-123456",
        },
    ),
    (
        "payment",
        {
            "direct_debit": "yes",
            "iban": "DE89 3704 0044 0532 0130 00",
            "account_holder": "Max Mustermann",
        },
    ),
    ("contact", {"email": "max@example.org"}),
]


@pytest.mark.frozen(FROZEN)
def test_resident_registers_two_dogs_and_gets_the_tax_notice_with_the_fee(
    app: Flask, make_user: Any, login: Any
) -> None:
    resident = make_user("Max Mustermann")
    officer = make_user("Hanna Hundesteuer", roles=["dog_tax:tax_officer"])
    portal = logged_in(app, login, resident)

    check = fill_pages(portal, SERVICE, PAGES)
    assert shown(FEE, "750,00\xa0€") in check  # 150 € for Bello, 600 € for Rocky
    confirmation = submit_check_page(portal, SERVICE, check)
    case = db.session.scalar(select(Case).where(Case.service_key == SERVICE))
    assert case is not None and case.reference.startswith("HS-") and case.reference in confirmation
    assert [d["dog_name"] for d in case.data["dogs"]] == ["Bello", "Rocky"]
    assert "listed_breed_kind" not in case.data["dogs"][0]  # a hidden follow-up is not kept
    assert case.data["iban"] == "DE89370400440532013000"
    assert case.data["dogs"][1]["permit_copy"]["name"] == "erlaubnis.pdf"
    assert "permit_copy" not in case.data["dogs"][0]  # Bello is of no listed breed
    assert shown(FEE, "750,00\xa0€") in portal.get(f"/cases/{case.id}").get_data(as_text=True)

    tax_office = logged_in(app, login, officer)
    staff_page = tax_office.get(f"/backoffice/cases/{case.id}").get_data(as_text=True)
    assert shown(FEE, "750,00\xa0€") in staff_page
    upload = db.session.scalar(select(Upload).where(Upload.case_id == case.id))
    assert upload is not None and upload.original_name == "erlaubnis.pdf"
    rocky_row = staff_page.split("Rocky", 1)[1]
    assert f'href="/backoffice/cases/{case.id}/files/{upload.id}"' in rocky_row
    assert "/files/" not in staff_page.split("Rocky", 1)[0]  # none in Bello's row
    assert tax_office.get(f"/backoffice/cases/{case.id}/files/{upload.id}").data == PDF
    assert fire(tax_office, case.id, "start_review").status_code == 302
    assert fire(tax_office, case.id, "approve").status_code == 302
    drain()

    page = portal.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Angemeldet" in page and "Hundesteuerbescheid" in page
    text = pdf_text(portal_document(portal, case.id))
    assert "Hundesteuerbescheid" in text and "750,00 €" in text
    assert f"Bello {DASH} Steuermarke {case.reference}-1" in text
    assert f"Rocky {DASH} Steuermarke {case.reference}-2" in text
    assert "276098106543210" in text and "276098106549999" in text
    assert "ja (American Staffordshire Terrier)" in text
    assert "IBAN …3000" in text and "DE8937" not in text
    assert f"Festgesetzt am 02.03.2026 {DASH} Steueramt {DASH} Hundesteuer" in text


@pytest.mark.frozen(FROZEN)
def test_dog_tax_through_the_api_with_three_dogs(api: FlaskClient) -> None:
    dogs = [
        dog(),
        dog(dog_name="Luna", chip_number="276098106543211"),
        dog(dog_name="Fips", chip_number="276098106543212"),
    ]
    created = api_submit(api, SERVICE, dog_tax_data(dogs=dogs))
    assert created.status_code == 201, created.json
    case_id = created.json["id"]

    fee = computed_of(api_case(api, case_id))["fee"]
    assert (fee["type"], fee["value"], fee["currency"]) == ("fee", 51000, "EUR")
    assert fee["label"] == {"de": "Hundesteuer im Jahr", "en": "Dog tax per year"}

    for transition in ("start_review", "approve"):
        fired = api_fire(api, case_id, transition, ["dog_tax:tax_officer"], "tax-register")
        assert fired.status_code == 200, fired.json
    assert api_case(api, case_id)["state"] == "approved"
    [(document, pdf)] = api_documents(api, case_id)
    assert document["status"] == "issued"
    text = pdf_text(pdf)
    assert "510,00 €" in text and "Luna" in text and "Überweisung" in text


def _upload_permit(api: FlaskClient, client_id: str = "register-system") -> dict[str, Any]:
    """Upload a permit copy for a dog through the API as `client_id`; return its answer."""
    return api_upload(api, SERVICE, "permit_copy", "erlaubnis.pdf", client_id)


@pytest.mark.frozen(FROZEN)
def test_a_listed_dog_with_a_permit_needs_its_copy_through_the_api(api: FlaskClient) -> None:
    missing = api_submit(api, SERVICE, dog_tax_data(dogs=[dog(), listed_dog()]), "k-1")
    foreign = _upload_permit(api, client_id="another-client")
    stranger = api_submit(
        api, SERVICE, dog_tax_data(dogs=[dog(), listed_dog(permit_copy=foreign)]), "k-2"
    )
    permit = _upload_permit(api)
    created = api_submit(
        api, SERVICE, dog_tax_data(dogs=[dog(), listed_dog(permit_copy=permit)]), "k-3"
    )

    assert missing.status_code == 422
    assert [e["path"] for e in missing.json["errors"]] == ["dogs[1].permit_copy"]
    assert stranger.status_code == 422
    assert [e["path"] for e in stranger.json["errors"]] == ["dogs[1].permit_copy"]
    assert created.status_code == 201, created.json
    view = api_case(api, created.json["id"])
    assert view["data"]["dogs"][1]["permit_copy"]["name"] == "erlaubnis.pdf"
    assert "permit_copy" not in view["data"]["dogs"][0]
    upload = db.session.get(Upload, permit["id"])
    assert upload is not None and upload.case_id == created.json["id"]


@pytest.mark.frozen(FROZEN)
def test_chip_numbers_and_listed_dogs_are_checked(api: FlaskClient) -> None:
    twins = api_submit(api, SERVICE, dog_tax_data(dogs=[dog(), dog(dog_name="Luna")]), "k-1")
    short = api_submit(api, SERVICE, dog_tax_data(dogs=[dog(chip_number="27609810654321")]), "k-2")
    uninsured = listed_dog(liability_insurance=False, permit_copy=_upload_permit(api))
    uninsured = api_submit(api, SERVICE, dog_tax_data(dogs=[uninsured]), "k-3")

    assert twins.status_code == 422
    assert "dieselbe" in twins.json["errors"][0]["message"]
    assert [e["path"] for e in short.json["errors"]] == ["dogs[0].chip_number"]
    assert "15 Ziffern" in short.json["errors"][0]["message"]
    assert uninsured.status_code == 422
    assert "Haftpflichtversicherung" in uninsured.json["errors"][0]["message"]


@pytest.mark.frozen(FROZEN)
def test_a_listed_dog_with_a_pending_permit_is_accepted_and_flagged(api: FlaskClient) -> None:
    pending = listed_dog(keeping_permit="applied", competence_proof=False)
    del pending["permit_number"]
    created = api_submit(api, SERVICE, dog_tax_data(dogs=[pending]))
    assert created.status_code == 201, created.json
    view = api_case(api, created.json["id"])
    assert [f["key"] for f in view["flags"]] == [
        "listed_dog_permit_pending",
        "listed_dog_competence",
    ]
    assert computed_of(view)["fee"]["value"] == 60000


def test_the_demo_tax_officer_may_assess_dog_tax_and_nothing_else(app: Flask) -> None:
    hanna = people.person("hanna")
    assert hanna is not None and holds(hanna.roles, SERVICE, "tax_officer")
    assert not holds(hanna.roles, "residence_registration", "registration_officer")
    olaf = people.person("olaf")
    assert olaf is not None and not holds(olaf.roles, SERVICE, "tax_officer")


@pytest.mark.frozen(FROZEN)
def test_the_tax_notice_names_the_permit_of_each_listed_dog(api: FlaskClient) -> None:
    """Its reference (`permit_number`) and copy, only for a dog whose permit is granted."""
    permit = _upload_permit(api)  # sent as "erlaubnis.pdf"
    luna = listed_dog(dog_name="Luna", chip_number="276098106541111", keeping_permit="applied")
    del luna["permit_number"]  # hidden while the permit is only applied for
    dogs = [dog(), listed_dog(permit_copy=permit), luna]
    created = api_submit(api, SERVICE, dog_tax_data(dogs=dogs))
    assert created.status_code == 201, created.json
    for transition in ("start_review", "approve"):
        fired = api_fire(api, created.json["id"], transition, ["dog_tax:tax_officer"], "tax")
        assert fired.status_code == 200, fired.json

    [(_document, pdf)] = api_documents(api, created.json["id"])
    bello, rocky = pdf_text(pdf).split("Rocky", 1)
    rocky, luna = rocky.split("Luna", 1)

    assert "Aktenzeichen der Erlaubnis 32/1-2026-17" in rocky
    assert "Kopie der Erlaubnis eingereicht: erlaubnis.pdf" in rocky
    for other in (bello, luna):  # no listed breed; a permit only applied for
        assert "Aktenzeichen der Erlaubnis" not in other and "Kopie der Erlaubnis" not in other


ROOT = Path(__file__).resolve().parents[2]
#: The notice's rows added with a raised workflow version each, the latest first.
PERMIT_NUMBER_ROW = """    {% if dog.permit_number %}
    <tr><th scope="row">Aktenzeichen der Erlaubnis</th><td>{{ dog.permit_number }}</td></tr>
    {% endif %}
"""
PERMIT_COPY_ROW = """    {% if dog.permit_copy %}
    <tr><th scope="row">Kopie der Erlaubnis</th><td>eingereicht: {{ dog.permit_copy.name }}</td></tr>
    {% endif %}
"""


def _definitions_before(root: Path, rows: list[str]) -> int:
    """Copy the shipped definitions to `root` as they were before the notice printed
    `rows`: without them, one workflow version lower for each. Return that version."""
    for folder in ("forms", "workflows", "templates"):
        shutil.copytree(ROOT / folder, root / folder)
    shutil.copy(ROOT / "city.yaml", root / "city.yaml")
    template = root / "templates" / "pdf" / "hundesteuerbescheid" / "document.html"
    for row in rows:
        assert row in template.read_text()
        template.write_text(template.read_text().replace(row, ""))
    workflow = root / "workflows" / "dog_tax.yaml"
    found = re.search(r"^version: (\d+)$", workflow.read_text(), flags=re.M)
    assert found is not None
    old = int(found[1]) - len(rows)
    workflow.write_text(workflow.read_text().replace(found[0], f"version: {old}"))
    return old


def _notice_html(case: Case) -> str:
    document = Document(case_id=case.id, document="hundesteuerbescheid", verification_code="ABCD")
    return document_html(case, document, datetime.now(UTC))


def _register_listed_dog() -> Case:
    keeper = UserFactory(name="Max Mustermann", roles=[])
    copy = {"id": "u1", "name": "erlaubnis.pdf", "content_type": "application/pdf", "size": 9}
    data = dog_tax_data(dogs=[listed_dog(permit_copy=copy)])
    case = cases.submit_case(SERVICE, data, keeper.id, Actor(**keeper.as_actor_fields())).case
    db.session.commit()
    return case


@pytest.mark.parametrize(
    ("rows", "kept"),
    [
        ([PERMIT_NUMBER_ROW], "Kopie der Erlaubnis</th><td>eingereicht: erlaubnis.pdf"),
        ([PERMIT_NUMBER_ROW, PERMIT_COPY_ROW], "Rocky"),
    ],
    ids=["version 5: the copy, no reference", "version 4: neither"],
)
def test_a_case_opened_before_a_permit_row_keeps_its_notice_without_it(
    make_app: Callable[..., Flask], tmp_path: Path, rows: list[str], kept: str
) -> None:
    old_version = _definitions_before(tmp_path / "defs", rows)
    with make_app(DEFINITIONS_ROOT=str(tmp_path / "defs")).app_context():
        ensure_definitions_synced()
        old_id = _register_listed_dog().id
        db.session.remove()

    # The shipped files on the same database: accepted (the version was raised).
    with make_app(DEFINITIONS_ROOT=str(ROOT)).app_context():
        ensure_definitions_synced()
        old_case = db.session.get(Case, old_id)
        assert old_case is not None and old_case.workflow_version == old_version
        new_case = _register_listed_dog()
        assert new_case.workflow_version == old_version + len(rows)
        old_html, new_html = _notice_html(old_case), _notice_html(new_case)
        db.session.remove()

    assert kept in old_html and "Aktenzeichen der Erlaubnis" not in old_html
    if PERMIT_COPY_ROW in rows:
        assert "Kopie der Erlaubnis" not in old_html
    assert "Aktenzeichen der Erlaubnis</th><td>32/1-2026-17" in new_html
    assert "Kopie der Erlaubnis</th><td>eingereicht: erlaubnis.pdf" in new_html
