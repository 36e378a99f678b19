"""Valid answers for the shipped services, to build cases in tests.

`residence_registration_data()`, `parking_permit_data()`, `deregistration_data()` (and one
such function per shipped service, listed in `DATA`) return data that passes the current forms; pass keyword overrides to change single answers. `UserFactory` and
`CaseFactory` (factory_boy, with traits) build users and cases in any state.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from factory.alchemy import SQLAlchemyModelFactory

from service.auth.models import User
from service.cases import services as cases
from service.cases.models import Case
from service.engine import Actor
from service.extensions import db
from service.rules.dates import local_today

#: A minimal one-page PDF for uploads (the content checks open it; a PDF without pages is
#: refused).
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Count 1/Kids[3 0 R]>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def person(**overrides: Any) -> dict[str, Any]:
    """Return one person moving in; the everyday name follows changed first names."""
    data: dict[str, Any] = {
        "family_name": "Mustermann",
        "first_names": "Erika Maria",
        "everyday_name": "Erika",
        "doctorate": "Dr.",
        "birth_date": "1984-08-12",
        "birth_place": "Köln",
        "birth_country": "DE",
        "sex": "female",
        "citizenship": "DE",
        "religious_community": "none",
        "marital_status": "single",
        "id_document_kind": "id_card",
        "id_document_number": "L01X00T47",
        "id_document_issuing_authority": "Stadt Köln",
        "id_document_issue_date": "2020-03-01",
        "id_document_expiry_date": "2030-02-28",
    }
    if "first_names" in overrides:
        data["everyday_name"] = overrides["first_names"].split()[0]
    data.update(overrides)
    return data


def residence_registration_data(**overrides: Any) -> dict[str, Any]:
    """Return a complete residence registration for one person moving into a rented flat."""
    data: dict[str, Any] = {
        "persons": [person()],
        "street": "Marktplatz",
        "house_number": "2",
        "postal_code": "40213",
        "town": "Düsseldorf",
        "move_in_date": (local_today() - timedelta(days=3)).isoformat(),
        "residence_kind": "sole",
        "arriving_from_abroad": False,
        "previous_street": "Domkloster",
        "previous_house_number": "4",
        "previous_postal_code": "50667",
        "previous_town": "Köln",
        "landlord_confirmation_kind": "landlord_details",
        "landlord_name": "Wohnbau Rhein GmbH",
        "landlord_street": "Königsallee",
        "landlord_house_number": "1",
        "landlord_postal_code": "40212",
        "landlord_town": "Düsseldorf",
        "email": "erika@example.org",
    }
    data.update(overrides)
    return data


#: Max Mustermann's name and address in Düsseldorf, as the parking permit and the dog tax ask.
MAX_MUSTERMANN: dict[str, str] = {
    "first_name": "Max",
    "family_name": "Mustermann",
    "street": "Bilker Allee",
    "house_number": "12",
    "postal_code": "40219",
    "town": "Düsseldorf",
}


def parking_permit_data(**overrides: Any) -> dict[str, Any]:
    """Return a complete resident parking permit application without a fee waiver."""
    data: dict[str, Any] = {
        **MAX_MUSTERMANN,
        "licence_plate": "D-AB 1234",
        "vehicle_relation": "keeper",
        "vehicle_registration": {
            "id": "upload-1",
            "name": "fahrzeugschein.pdf",
            "content_type": "application/pdf",
            "size": 1200,
        },
        "zone": "a",
        "period": "one_year",
        "start_date": (local_today() + timedelta(days=7)).isoformat(),
        "fee_waiver_requested": False,
    }
    data.update(overrides)
    return data


def deregistration_data(**overrides: Any) -> dict[str, Any]:
    """Return a complete deregistration of one person moving from Düsseldorf to Vienna."""
    data: dict[str, Any] = {
        "persons": [
            {
                "family_name": "Mustermann",
                "first_names": "Erika Maria",
                "doctorate": "Dr.",
                "birth_date": "1984-08-12",
            }
        ],
        "street": "Marktplatz",
        "house_number": "2",
        "postal_code": "40213",
        "town": "Düsseldorf",
        "move_out_date": (local_today() - timedelta(days=3)).isoformat(),
        "new_flat_in_germany": False,
        "new_country": "AT",
        "new_address": "Stephansplatz 1\nTop 4",
        "new_postal_code": "1010",
        "new_town": "Wien",
        "email": "erika@example.org",
    }
    data.update(overrides)
    return data


def dog(**overrides: Any) -> dict[str, Any]:
    """Return one dog of no listed breed; `listed_dog()` returns one of a listed breed."""
    data: dict[str, Any] = {
        "dog_name": "Bello",
        "chip_number": "276098106543210",
        "breed": "Labrador-Mischling",
        "kept_since": (local_today() - timedelta(days=10)).isoformat(),
        "listed_breed": False,
    }
    data.update(overrides)
    return data


def listed_dog(**overrides: Any) -> dict[str, Any]:
    """Return a dog under § 3 LHundG NRW with permit, proof of competence and insurance."""
    data = dog(
        dog_name="Rocky",
        chip_number="276098106549999",
        breed="American Staffordshire Terrier",
        listed_breed=True,
        listed_breed_kind="amstaff",
        keeping_permit="granted",
        permit_number="32/1-2026-17",
        competence_proof=True,
        liability_insurance=True,
        insurer="Rheinische Versicherung, HV-123456",
    )
    data.update(overrides)
    return data


def dog_tax_data(**overrides: Any) -> dict[str, Any]:
    """Return a complete dog tax registration of one dog (150 € a year), paid by transfer."""
    data: dict[str, Any] = {
        **MAX_MUSTERMANN,
        "dogs": [dog()],
        "direct_debit": False,
        "email": "max@example.org",
    }
    data.update(overrides)
    return data


def special_use_permit_data(**overrides: Any) -> dict[str, Any]:
    """Return a 15 m no-parking zone for two days, starting in ten days (60 € fee)."""
    start = local_today() + timedelta(days=10)
    data: dict[str, Any] = {
        "first_name": "Erika",
        "family_name": "Mustermann",
        "email": "erika@example.org",
        "phone": "+492111234567",
        "street": "Kaiserstraße",
        "house_number": "5",
        "postal_code": "40479",
        "town": "Düsseldorf",
        "length_m": 15,
        "site_sketch": {
            "id": "upload-1",
            "name": "lageskizze.pdf",
            "content_type": "application/pdf",
            "size": 1200,
        },
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=1)).isoformat(),
    }
    data.update(overrides)
    return data


# ----------------------------------------------------------------------- model factories
# factory_boy factories that build real rows through the service layer: a case in any
# state is submitted and moved there by real transitions, so its audit chain and outbox
# rows are what production would have written.


def _session() -> Any:
    return db.session


class UserFactory(SQLAlchemyModelFactory):
    """A user: `UserFactory()` a resident, `UserFactory(officer=True)` a registration officer."""

    class Meta:
        model = User
        sqlalchemy_session_factory = _session
        sqlalchemy_session_persistence = "commit"

    class Params:
        case_worker = factory.Trait(name="Clara Sachbearbeiterin", roles=["case_worker"])
        officer = factory.Trait(
            name="Olaf Meldebehörde", roles=["registration_officer", "permit_officer"]
        )
        second_officer = factory.Trait(
            name="Petra Zweitprüferin", roles=["registration_officer", "permit_officer"]
        )
        admin = factory.Trait(name="Anna Admin", roles=["admin"])
        tax_officer = factory.Trait(name="Hanna Hundesteuer", roles=["dog_tax:tax_officer"])
        traffic_officer = factory.Trait(
            name="Tom Verkehrsbehörde", roles=["special_use_permit:traffic_officer"]
        )

    issuer = "https://idp.test"
    subject = factory.Sequence(lambda n: f"sub-{n}")
    name = "Erika Mustermann"
    email = factory.Sequence(lambda n: f"user{n}@example.org")
    roles: Any = factory.LazyFunction(list)


def actor_of(user: User) -> Actor:
    """Return the engine actor of `user`."""
    return Actor(**user.as_actor_fields())


def _paths(question: str, reason: str, approver: str = "officer") -> dict[str, Any]:
    """Return the paths of a workflow with the usual review, question, decision and withdrawal."""
    return {
        "submitted": [],
        "in_review": [("start_review", "case_worker", {})],
        "waiting_for_resident": [("request_information", "case_worker", {"message": question})],
        "approved": [("start_review", "case_worker", {}), ("approve", approver, {})],
        "rejected": [("reject", "case_worker", {"reason": reason})],
        "withdrawn": [("withdraw", "applicant", {})],
    }


#: How a case gets from "submitted" to each state: (transition, who fires it, inputs).
#: "officer" and "second_officer" are two different officers (four eyes).
PATHS: dict[str, dict[str, list[tuple[str, str, dict[str, str]]]]] = {
    "residence_registration": _paths("Bitte Ausweis.", "Adresse existiert nicht."),
    "parking_permit": {
        **_paths("Bitte Fahrzeugschein.", "Keine Zone."),
        "waiver_proposed": [
            ("start_review", "case_worker", {}),
            ("propose_waiver", "officer", {"reason": "Bürgergeld nachgewiesen."}),
        ],
    },
    "deregistration": _paths("Bitte Anschrift prüfen.", "Nicht in Düsseldorf gemeldet."),
    "dog_tax": _paths("Bitte Chipnummer prüfen.", "Hund bereits angemeldet.", "tax_officer"),
    "special_use_permit": {
        "submitted": [],
        "in_review": [("start_review", "case_worker", {})],
        "proposed": [("start_review", "case_worker", {}), ("propose_approval", "case_worker", {})],
        "approved": [
            ("start_review", "case_worker", {}),
            ("propose_approval", "case_worker", {}),
            ("approve", "traffic_officer", {"conditions": "Gehweg freihalten."}),
        ],
        "rejected": [("reject", "case_worker", {"reason": "Baustelle an dieser Stelle."})],
        "withdrawn": [("withdraw", "applicant", {})],
    },
}

#: Valid answers of each shipped service, for `CaseFactory(service=...)`.
DATA: dict[str, Any] = {
    "residence_registration": residence_registration_data,
    "parking_permit": parking_permit_data,
    "deregistration": deregistration_data,
    "dog_tax": dog_tax_data,
    "special_use_permit": special_use_permit_data,
}


class CaseFactory(factory.Factory):
    """A case submitted through `submit_case` and moved to `state` by real transitions.

    `CaseFactory()` is a submitted residence registration of a new resident;
    `CaseFactory(state="approved")` or `CaseFactory(approved=True)` an approved one;
    `CaseFactory(service="parking_permit", waiver=True)` asks for a fee waiver;
    `CaseFactory(service="deregistration")` any other shipped service with its `DATA`.
    Commits, like a request would.
    """

    class Meta:
        model = Case

    class Params:
        in_review = factory.Trait(state="in_review")
        approved = factory.Trait(state="approved")
        rejected = factory.Trait(state="rejected")
        withdrawn = factory.Trait(state="withdrawn")
        waiting = factory.Trait(state="waiting_for_resident")
        waiver = False

    service = "residence_registration"
    applicant = factory.SubFactory(UserFactory)
    state = "submitted"
    now = None
    data = factory.LazyAttribute(
        lambda o: parking_permit_data(
            **({"fee_waiver_requested": True, "fee_waiver_reason": "Ich beziehe Bürgergeld."}
               if o.waiver or o.state == "waiver_proposed" else {})
        )
        if o.service == "parking_permit"
        else DATA[o.service]()
    )  # fmt: skip

    @classmethod
    def _create(cls, model_class: type[Case], **kw: Any) -> Case:
        applicant: User = kw["applicant"]
        case = cases.submit_case(
            kw["service"], kw["data"], applicant.id, actor_of(applicant), now=kw["now"]
        ).case
        staff: dict[str, User] = {}
        for transition, who, inputs in PATHS[kw["service"]][kw["state"]]:
            if who == "applicant":
                by = applicant
            else:
                by = staff.get(who) or UserFactory(**{who: True})
                staff[who] = by
            cases.fire_transition(case, transition, actor_of(by), inputs, now=kw["now"])
        db.session.commit()
        return case

    @classmethod
    def _build(cls, model_class: type[Case], **kw: Any) -> Case:
        raise TypeError("a case only exists once submitted: use CaseFactory(), not .build()")
