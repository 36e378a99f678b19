"""A resident applies through the form pages: drafts, uploads, checking answers, submitting."""

from __future__ import annotations

import io
import re
from typing import Any

from factories import PDF
from portal_helpers import (
    BASE,
    PREVIOUS_FLAT,
    SERVICE,
    csrf_token,
    new_flat,
    person,
    post_form,
)
from sqlalchemy import func, select

from service.attachments.models import Upload
from service.cases.models import Case
from service.drafts.models import Draft
from service.extensions import db


def page(name: str) -> str:
    return f"{BASE}/apply/{name}"


def fill_until_check(client: Any) -> None:
    """Walk through every page: two persons, a secondary residence, an uploaded PDF."""
    response = post_form(
        client, page("people"), {**person(0, "Mustermann", "Erika Maria"), "action": "add:persons"}
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("#f-persons-1")
    people = {
        **person(0, "Mustermann", "Erika Maria"),
        **person(1, "Mustermann", "Max", married=True),
    }
    response = post_form(client, page("people"), {**people, "action": "continue"})
    assert response.headers["Location"].endswith(page("new_flat")), response.get_data(as_text=True)
    response = post_form(client, page("new_flat"), {**new_flat("secondary"), "action": "continue"})
    assert response.headers["Location"].endswith(page("previous_flat")), response.get_data(
        as_text=True
    )
    response = post_form(client, page("previous_flat"), {**PREVIOUS_FLAT, "action": "continue"})
    assert response.headers["Location"].endswith(page("landlord"))
    upload = {
        "landlord_confirmation_kind": "upload",
        "landlord_confirmation_file": (io.BytesIO(PDF), "Wohnungsgeberbestätigung.pdf"),
        "action": "continue",
    }
    response = post_form(client, page("landlord"), upload)
    assert response.headers["Location"].endswith(page("objections")), response.get_data(
        as_text=True
    )
    response = post_form(
        client,
        page("objections"),
        {"transfer_objections": ["elections", "address_books"], "action": "continue"},
    )
    assert response.headers["Location"].endswith(page("contact"))
    response = post_form(
        client, page("contact"), {"email": "erika@example.org", "action": "continue"}
    )
    assert response.headers["Location"].endswith(f"{BASE}/check")


def submit(client: Any) -> Any:
    html = client.get(f"{BASE}/check").get_data(as_text=True)
    token = re.search(r'name="submit_token" value="([^"]+)"', html)
    assert token
    return (
        client.post(
            f"{BASE}/submit", data={"csrf_token": csrf_token(html), "submit_token": token[1]}
        ),
        html,
        token[1],
    )


def test_catalogue_and_start_page_describe_the_service(client: Any) -> None:
    html = client.get("/").get_data(as_text=True)
    assert "Wohnsitzanmeldung" in html and "Bewohnerpark" in html
    start = client.get(f"/services/{SERVICE}").get_data(as_text=True)
    assert "etwa 15 Minuten" in start
    assert "Bundesmeldegesetz" in start and "gebührenfrei" in start
    assert f'href="{BASE}/apply"' in start
    assert client.get("/services/no_such_service").status_code == 404


def test_full_residence_registration_ends_in_a_case_with_the_answers(
    client: Any, make_user: Any, login: Any
) -> None:
    user = make_user("Erika Mustermann")
    login(user)
    assert client.get(f"{BASE}/apply").headers["Location"].endswith(page("people"))
    fill_until_check(client)

    response, check_html, _token = submit(client)
    assert "Königsallee" in check_html and "Wohnungsgeberbestätigung.pdf" in check_html
    assert response.status_code == 303
    confirmation = client.get(response.headers["Location"]).get_data(as_text=True)
    case = db.session.scalar(select(Case))
    assert case is not None and case.reference in confirmation
    assert case.applicant_id == user.id and case.state == "submitted"
    data = case.data
    assert [p["first_names"] for p in data["persons"]] == ["Erika Maria", "Max"]
    assert data["persons"][1]["marriage_date"] == "2015-06-20"
    assert "marriage_date" not in data["persons"][0]
    assert data["residence_kind"] == "secondary" and data["main_town"] == "Köln"
    assert data["transfer_objections"] == ["elections", "address_books"]
    stored = data["landlord_confirmation_file"]
    assert (
        stored["content_type"] == "application/pdf"
        and stored["name"] == "Wohnungsgeberbestätigung.pdf"
    )
    upload = db.session.get(Upload, stored["id"])
    assert upload is not None and upload.case_id == case.id and upload.owner_id == user.id
    assert upload.storage_key != upload.original_name and upload.size == len(PDF)

    listing = client.get("/cases").get_data(as_text=True)
    assert case.reference in listing and "Eingegangen" in listing
    detail = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Eingegangen" in detail and "Wohnungsgeberbestätigung.pdf" in detail
    download = client.get(f"/uploads/{upload.id}")
    assert download.data == PDF and "attachment" in download.headers["Content-Disposition"]


def test_double_submit_creates_exactly_one_case(client: Any, make_user: Any, login: Any) -> None:
    login(make_user())
    fill_until_check(client)
    first, check_html, token = submit(client)
    again = client.post(
        f"{BASE}/submit", data={"csrf_token": csrf_token(check_html), "submit_token": token}
    )
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1


def test_hidden_question_value_is_never_stored(client: Any, make_user: Any, login: Any) -> None:
    user = make_user()
    login(user)
    post_form(client, page("people"), {**person(0, "Mustermann", "Erika"), "action": "continue"})
    # A main-residence address sent for a sole residence is hidden, so it is dropped.
    flat = {**new_flat("secondary"), "residence_kind": "sole", "action": "continue"}
    response = post_form(client, page("new_flat"), flat)
    assert response.status_code == 303
    draft = db.session.scalar(select(Draft).where(Draft.owner_id == user.id))
    assert draft is not None
    assert draft.data["residence_kind"] == "sole"
    assert not {"main_street", "main_town", "main_postal_code"} & set(draft.data)
    # Also when the page is only saved, and inside a group item (single: no marriage date).
    married_fields = person(0, "Mustermann", "Erika", married=True)
    married_fields["persons-0-marital_status"] = "single"
    post_form(client, page("people"), {**married_fields, "action": "save"})
    db.session.refresh(draft)
    assert "marriage_date" not in draft.data["persons"][0]


def test_draft_is_resumed_after_logout_and_login_on_another_device(
    app: Any, client: Any, make_user: Any, login: Any
) -> None:
    user = make_user()
    login(user)
    post_form(client, page("people"), {**person(0, "Mustermann", "Erika"), "action": "continue"})
    post_form(client, page("new_flat"), {"street": "Königsallee", "action": "save"})

    other_device = app.test_client()
    assert other_device.get(f"{BASE}/apply").status_code == 302  # not logged in: to the login
    login(user, on=other_device)
    response = other_device.get(f"{BASE}/apply")
    assert response.headers["Location"].endswith(page("new_flat"))
    html = other_device.get(page("new_flat")).get_data(as_text=True)
    assert 'value="Königsallee"' in html
    people = other_device.get(page("people")).get_data(as_text=True)
    assert 'value="Erika"' in people


def test_expired_draft_is_gone(client: Any, make_user: Any, login: Any) -> None:
    from datetime import timedelta

    from service.extensions import utcnow

    user = make_user()
    login(user)
    post_form(client, page("people"), {**person(0, "Mustermann", "Erika"), "action": "save"})
    draft = db.session.scalar(select(Draft))
    assert draft is not None and draft.expires_at is not None
    assert draft.expires_at - utcnow() > timedelta(days=29)
    draft.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    html = client.get(page("people")).get_data(as_text=True)
    assert 'value="Erika"' not in html
    assert db.session.scalar(select(func.count()).select_from(Draft)) == 0


def test_remove_button_removes_that_person(client: Any, make_user: Any, login: Any) -> None:
    user = make_user()
    login(user)
    people = {
        **person(0, "Mustermann", "Erika"),
        **person(1, "Musterfrau", "Lena"),
        **person(2, "Muster", "Tom"),
    }
    response = post_form(client, page("people"), {**people, "action": "remove:persons:1"})
    assert response.status_code == 200
    draft = db.session.scalar(select(Draft))
    assert draft is not None
    assert [p["family_name"] for p in draft.data["persons"]] == ["Mustermann", "Muster"]


def test_upload_with_pdf_name_but_text_content_is_refused(
    client: Any, make_user: Any, login: Any
) -> None:
    login(make_user())
    forged = {
        "landlord_confirmation_kind": "upload",
        "landlord_confirmation_file": (io.BytesIO(b"just some text, not a PDF\n"), "scan.pdf"),
        "action": "continue",
    }
    response = post_form(client, page("landlord"), forged)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'href="#f-landlord_confirmation_file"' in html
    assert "PDF, JPEG" in html
    message = (
        "„Wohnungsgeberbestätigung“: Bitte laden Sie eine Datei vom Typ PDF, JPEG oder PNG hoch."
    )
    assert f'<a href="#f-landlord_confirmation_file">{message}</a>' in html
    assert db.session.scalar(select(func.count()).select_from(Upload)) == 0
    # The page is saved beside the refusal: the choice stays, the resident stays here.
    draft = db.session.scalar(select(Draft))
    assert draft is not None and draft.current_page == "landlord"
    assert draft.data.get("landlord_confirmation_kind") == "upload"
    assert "landlord_confirmation_file" not in draft.data


def test_expired_drafts_and_their_files_are_purged_by_the_command(
    app: Any, client: Any, make_user: Any, login: Any
) -> None:
    from datetime import timedelta

    from service.extensions import utcnow
    from service.storage.services import get_storage

    login(make_user())
    upload = {
        "landlord_confirmation_kind": "upload",
        "landlord_confirmation_file": (io.BytesIO(PDF), "scan.pdf"),
        "action": "save",
    }
    post_form(client, page("landlord"), upload)
    draft = db.session.scalar(select(Draft))
    stored = db.session.scalar(select(Upload))
    assert draft is not None and stored is not None
    key = stored.storage_key
    result = app.test_cli_runner().invoke(args=["portal", "purge-drafts"])
    assert "0 expired" in result.output
    draft.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["portal", "purge-drafts"])
    assert "1 expired" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Draft)) == 0
    assert db.session.scalar(select(func.count()).select_from(Upload)) == 0
    assert not get_storage().exists(key)


def test_change_link_returns_to_check_your_answers(client: Any, make_user: Any, login: Any) -> None:
    login(make_user())
    fill_until_check(client)
    check = client.get(f"{BASE}/check").get_data(as_text=True)
    change = f"{BASE}/apply/new_flat?return=check"
    assert f'href="{change}"' in check
    form = client.get(change).get_data(as_text=True)
    assert 'name="return" value="check"' in form and f'href="{BASE}/check"' in form
    sent = {**new_flat("sole"), "return": "check", "action": "continue"}
    response = post_form(client, page("new_flat"), sent, page=change)
    assert response.headers["Location"].endswith(f"{BASE}/check")
    check = client.get(f"{BASE}/check").get_data(as_text=True)
    assert "alleinige Wohnung" in check and "Hohe Straße" not in check.split("Bisherige Wohnung")[0]


def test_every_page_of_every_service_renders_empty_and_with_errors(
    client: Any, make_user: Any, login: Any
) -> None:
    from service.definitions.services import current_registry

    login(make_user())
    registry = current_registry()
    for service in registry.current():
        form = registry.form(service.form_key)
        for form_page in form.pages:
            path = f"/services/{service.key}/apply/{form_page.key}"
            shown = client.get(path)
            if shown.status_code == 302:  # a page hidden by the (empty) answers
                continue
            assert shown.status_code == 200, path
            html = post_form(client, path, {"action": "continue"}).get_data(as_text=True)
            assert "<h1>" in html, path


def test_dates_are_typed_into_day_month_and_year_boxes(
    client: Any, make_user: Any, login: Any
) -> None:
    login(make_user("Erika Mustermann"))
    client.get(f"{BASE}/apply")
    answers = person(0, "Mustermann", "Erika Maria")
    del answers["persons-0-birth_date"]
    boxes = {"persons-0-birth_date-day": "31", "persons-0-birth_date-month": "2"}
    wrong = post_form(
        client,
        page("people"),
        {**answers, **boxes, "persons-0-birth_date-year": "1988", "action": "continue"},
    )
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 200 and "error-summary" in html  # the page again, with errors
    assert 'href="#f-persons-0-birth_date"' in html  # the summary leads to the day box
    day = re.search(r'<input[^>]*id="f-persons-0-birth_date"[^>]*>', html)
    assert day and 'name="persons-0-birth_date-day"' in day[0] and 'value="31"' in day[0]
    assert re.search(r'id="f-persons-0-birth_date-month"[^>]*value="2"', html)

    right = post_form(
        client,
        page("people"),
        {**answers, "persons-0-birth_date-day": "7", "persons-0-birth_date-month": "4",
         "persons-0-birth_date-year": "1988", "action": "continue"},
    )  # fmt: skip
    assert right.status_code == 303
    draft = db.session.scalar(select(Draft))
    assert draft is not None and draft.data["persons"][0]["birth_date"] == "1988-04-07"
    again = client.get(page("people")).get_data(as_text=True)
    assert re.search(r'id="f-persons-0-birth_date"[^>]*value="7"', again)
    assert re.search(r'id="f-persons-0-birth_date-year"[^>]*value="1988"', again)


def test_submitting_unfinished_answers_shows_the_check_page_with_links_to_the_questions(
    client: Any, make_user: Any, login: Any
) -> None:
    login(make_user())
    answered = post_form(
        client, page("people"), {**person(0, "Mustermann", "Erika Maria"), "action": "continue"}
    )
    assert answered.headers["Location"].endswith(page("new_flat"))

    response, _, _ = submit(client)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'href="{page("new_flat")}?return=check#f-' in html
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0


def test_the_check_page_lists_what_is_still_missing_each_linked_to_its_question(
    client: Any, make_user: Any, login: Any
) -> None:
    login(make_user())
    post_form(client, page("people"), {**person(0, "Mustermann", "Erika Maria"), "action": "save"})

    html = client.get(f"{BASE}/check").get_data(as_text=True)

    assert "<title>Fehler:" in html
    change = f'href="{page("new_flat")}?return=check'
    for question in ("street", "house_number", "postal_code", "town", "move_in_date"):
        assert f'{change}#f-{question}"' in html
    assert "„Straße“: Bitte machen Sie eine Angabe." in html
    assert f'href="{page("landlord")}?return=check#f-landlord_confirmation_kind"' in html
    assert f'href="{page("people")}?return=check#' not in html  # the page answered is fine
