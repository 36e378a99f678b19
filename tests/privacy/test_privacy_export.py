"""A resident downloads everything held about them, and nothing about anyone else."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from factories import CaseFactory, person, residence_registration_data
from flask import Flask
from flask.testing import FlaskClient

from service.cases.models import Case
from service.cases.services import submit_case
from service.extensions import db
from tests.conftest import actor_for


def test_resident_downloads_their_profile_drafts_cases_and_files(
    app: Flask,
    client: FlaskClient,
    login: Callable[..., None],
    make_user: Callable[..., Any],
    closed_case: Callable[..., Case],
    make_draft: Callable[..., Any],
) -> None:
    erika = make_user("Erika Mustermann", email="erika@example.org")
    other = make_user("Max Muster", email="max@example.org")
    case = closed_case(erika)
    stranger = submit_case(
        "residence_registration",
        residence_registration_data(persons=[person(family_name="Mustermann99")]),
        other.id,
        actor_for(other),
    ).case
    make_draft(erika, "parking_permit", {"licence_plate": "D-EM 123"})
    db.session.commit()
    login(erika)

    response = client.get("/account/data.json")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "no-store" in response.headers["Cache-Control"]
    export = json.loads(response.data)
    assert export["profile"]["name"] == "Erika Mustermann"
    assert export["profile"]["email"] == "erika@example.org"
    [exported] = export["cases"]
    assert exported["reference"] == case.reference
    assert exported["data"]["persons"][0]["family_name"] == "Mustermann1"
    assert [e["action"] for e in exported["timeline"]][:1] == ["submitted"]
    assert exported["documents"][0]["document"] == "meldebestaetigung"
    assert export["drafts"][0]["data"] == {"licence_plate": "D-EM 123"}
    assert export["uploads"][0]["name"] == "wohnungsgeberbestaetigung-mustermann.pdf"
    # Nothing about the other resident, and staff are not named.
    body = response.get_data(as_text=True)
    assert stranger.reference not in body and "Mustermann99" not in body and "max@" not in body
    assert "Olga" not in body


def test_data_export_needs_a_login(app: Flask, client: FlaskClient) -> None:
    response = client.get("/account/data.json")
    assert response.status_code in (302, 303, 401)
    assert b"profile" not in response.data


def test_the_export_labels_the_answers_the_form_marks_personal(
    app: Flask,
    client: FlaskClient,
    login: Callable[..., None],
    make_user: Callable[..., Any],
    make_draft: Callable[..., Any],
) -> None:
    # The licence plate is personal (the default); the zone, the period and how the
    # resident relates to the car are marked `personal: false` in the form.
    erika = make_user("Erika Mustermann", email="erika@example.org")
    CaseFactory(service="parking_permit", applicant=erika)
    make_draft(erika, "parking_permit", {"licence_plate": "D-EM 123", "zone": "a"})
    db.session.commit()
    login(erika)

    export = json.loads(client.get("/account/data.json").data)

    [exported] = export["cases"]
    assert exported["data"]["licence_plate"] == "D-AB 1234"  # every answer is still there
    personal = exported["personal_fields"]
    assert {"licence_plate", "family_name", "first_name"} <= set(personal)
    assert not {"zone", "period", "vehicle_relation"} & set(personal)
    assert personal == sorted(personal)
    assert export["drafts"][0]["personal_fields"] == ["licence_plate"]
