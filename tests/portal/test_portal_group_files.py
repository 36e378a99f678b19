"""A file question inside a repeating group: one ID document copy per person, JS-free."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from factories import PDF
from flask import Flask
from portal_helpers import BASE, person, post_form
from sqlalchemy import select

import tests.portal.test_portal_application as flow
from service.attachments.models import Upload
from service.cases.models import Case
from service.drafts.models import Draft
from service.extensions import db
from tests.backoffice.backoffice_support import FreshContextClient
from tests.conftest import running
from tests.group_files import group_files_root

PEOPLE = f"{BASE}/apply/people"


@pytest.fixture
def app(make_app: Any, tmp_path: Path) -> Iterator[Flask]:
    """The app serving a residence registration that asks for an ID copy per person."""
    with running(make_app(DEFINITIONS_ROOT=str(group_files_root(tmp_path)))) as application:
        yield application


def _people(client: Any, files: dict[str, Any], **extra: Any) -> Any:
    answers = {**person(0, "Mustermann", "Erika Maria"), **person(1, "Mustermann", "Max")}
    return post_form(client, PEOPLE, {**answers, **files, "action": "continue", **extra})


def _draft_persons() -> list[dict[str, Any]]:
    db.session.expire_all()
    draft = db.session.scalar(select(Draft))
    assert draft is not None
    return list(draft.data["persons"])


def test_each_person_gets_their_own_upload_and_keeps_it(
    client: Any, make_user: Any, login: Any
) -> None:
    user = make_user("Erika Mustermann")
    login(user)
    client.get(f"{BASE}/apply")
    html = client.get(PEOPLE).get_data(as_text=True)
    assert 'type="file" id="f-persons-0-id_document_copy"' in html

    response = _people(client, {"persons-1-id_document_copy": (io.BytesIO(PDF), "ausweis-max.pdf")})
    assert response.status_code == 303, response.get_data(as_text=True)
    persons = _draft_persons()
    assert persons[0].get("id_document_copy") is None
    stored = persons[1]["id_document_copy"]
    assert stored["name"] == "ausweis-max.pdf" and stored["size"] == len(PDF)
    upload = db.session.get(Upload, stored["id"])
    assert upload is not None and upload.owner_id == user.id

    # The page shows the file with the person and posts it back without a new upload.
    shown = client.get(PEOPLE).get_data(as_text=True)
    assert "ausweis-max.pdf" in shown
    kept = re.search(
        r'<input type="hidden" name="persons-1-id_document_copy" value="([^"]+)"', shown
    )
    assert kept and kept[1] == stored["id"]
    assert _people(client, {"persons-1-id_document_copy": kept[1]}).status_code == 303
    assert _draft_persons()[1]["id_document_copy"] == stored

    # Removing it is a button of its own, no script needed.
    removed = _people(
        client,
        {"persons-1-id_document_copy": kept[1]},
        action="remove-file:persons-1-id_document_copy",
    )
    assert removed.status_code == 200
    assert _draft_persons()[1].get("id_document_copy") is None


def test_an_item_cannot_name_someone_elses_upload(
    app: Flask, client: Any, make_user: Any, login: Any
) -> None:
    other = FreshContextClient(app, app.response_class, use_cookies=True)
    login(make_user("Max Fremd"), on=other)
    other.get(f"{BASE}/apply")
    _people(other, {"persons-0-id_document_copy": (io.BytesIO(PDF), "fremd.pdf")})
    foreign = db.session.scalar(select(Upload))
    assert foreign is not None

    login(make_user("Erika Mustermann"))
    client.get(f"{BASE}/apply")
    assert _people(client, {"persons-0-id_document_copy": foreign.id}).status_code == 303
    mine = db.session.scalar(select(Draft).where(Draft.owner_id != foreign.owner_id))
    assert mine is not None and mine.data["persons"][0].get("id_document_copy") is None


def test_a_refused_item_upload_is_named_on_that_person(
    client: Any, make_user: Any, login: Any
) -> None:
    login(make_user())
    client.get(f"{BASE}/apply")
    html = _people(
        client, {"persons-1-id_document_copy": (io.BytesIO(b"just text"), "ausweis.pdf")}
    ).get_data(as_text=True)
    assert 'href="#f-persons-1-id_document_copy"' in html  # the summary leads to person 2
    assert _draft_persons()[1].get("id_document_copy") is None


def test_the_case_binds_the_item_upload(client: Any, make_user: Any, login: Any) -> None:
    login(make_user())
    flow.fill_until_check(client)
    response = _people(
        client, {"persons-0-id_document_copy": (io.BytesIO(PDF), "ausweis-erika.pdf")}
    )
    assert response.status_code == 303
    submitted, _html, _token = flow.submit(client)
    assert submitted.status_code == 303
    case = db.session.scalar(select(Case))
    assert case is not None
    answer = case.data["persons"][0]["id_document_copy"]
    upload = db.session.get(Upload, answer["id"])
    assert upload is not None and upload.case_id == case.id
    detail = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "ausweis-erika.pdf" in detail


def test_back_office_lists_each_persons_file_in_that_persons_row(
    app: Flask,
    client: Any,
    make_user: Any,
    login: Any,
) -> None:
    login(make_user("Erika Mustermann"))
    flow.fill_until_check(client)
    answers = {**person(0, "Mustermann", "Erika Maria"), **person(1, "Mustermann", "Max")}
    upload = {"persons-1-id_document_copy": (io.BytesIO(PDF), "ausweis-max.pdf")}
    assert post_form(client, PEOPLE, {**answers, **upload, "action": "continue"}).status_code == 303
    assert flow.submit(client)[0].status_code == 303
    case = db.session.scalar(select(Case))
    assert case is not None
    upload_id = case.data["persons"][1]["id_document_copy"]["id"]

    officer = FreshContextClient(app, app.response_class, use_cookies=True)
    login(make_user("Olga Meldebehörde", roles=["registration_officer"]), on=officer)
    html = officer.get(f"/backoffice/cases/{case.id}").get_data(as_text=True)

    rows = re.findall(r"<tr[^>]*>.*?</tr>", html, re.S)
    max_row = next(r for r in rows if ">Max<" in r or "Max</td>" in r)
    link = f'href="/backoffice/cases/{case.id}/files/{upload_id}"'
    assert link in max_row and "ausweis-max.pdf" in max_row
    erika_row = next(r for r in rows if "Erika Maria" in r)
    assert "/files/" not in erika_row
    assert officer.get(f"/backoffice/cases/{case.id}/files/{upload_id}").data == PDF


def test_removing_a_person_does_not_keep_the_file_chosen_for_them(
    client: Any, make_user: Any, login: Any
) -> None:
    login(make_user())
    client.get(f"{BASE}/apply")
    chosen = {"persons-1-id_document_copy": (io.BytesIO(PDF), "ausweis-max.pdf")}
    assert _people(client, chosen, action="remove:persons:1").status_code == 200
    persons = _draft_persons()
    assert [p["first_names"] for p in persons] == ["Erika Maria"]
    assert db.session.scalar(select(Upload)) is None
