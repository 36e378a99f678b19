"""Questions that appear as you answer: without the page script, newly needed questions are
shown on the same page without errors; questions the page showed are checked as usual."""

from __future__ import annotations

import re
from typing import Any

from portal_helpers import BASE, PREVIOUS_FLAT, new_flat, person, post_form

PREVIOUS_ADDRESS = ("previous_street", "previous_house_number", "previous_postal_code")


def page(name: str) -> str:
    return f"{BASE}/apply/{name}"


def shown_input(html: str) -> str:
    match = re.search(r'name="_shown" value="([^"]*)"', html)
    assert match, "the page does not post back the questions it shows"
    return match[1]


def is_hidden(html: str, path: str) -> bool:
    match = re.search(rf'data-reveal="{re.escape(path)}"( hidden)?>', html)
    assert match, f"{path} is not on the page"
    return bool(match[1])


def start(client: Any, make_user: Any, login: Any) -> None:
    login(make_user())
    post_form(client, page("people"), {**person(0, "Mustermann", "Erika"), "action": "continue"})
    post_form(client, page("new_flat"), {**new_flat("sole"), "action": "continue"})


def test_previous_address_appears_without_errors_when_the_page_has_no_script(
    client: Any, make_user: Any, login: Any
) -> None:
    start(client, make_user, login)
    html = client.get(page("previous_flat")).get_data(as_text=True)
    # Every question is on the page; the address ones hidden until "no" is chosen.
    assert all(is_hidden(html, key) for key in PREVIOUS_ADDRESS)
    assert shown_input(html) == ""

    answered = {"arriving_from_abroad": "no", "_shown": shown_input(html), "action": "continue"}
    response = post_form(client, page("previous_flat"), answered)

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "data-error-summary" not in html
    assert "field--error" not in html
    assert not any(is_hidden(html, key) for key in PREVIOUS_ADDRESS)
    assert set(PREVIOUS_ADDRESS) <= set(shown_input(html).split())

    filled = {**PREVIOUS_FLAT, "_shown": shown_input(html), "action": "continue"}
    response = post_form(client, page("previous_flat"), filled)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(page("landlord"))


def test_questions_the_page_showed_are_checked_as_usual(
    client: Any, make_user: Any, login: Any
) -> None:
    start(client, make_user, login)
    shown = " ".join((*PREVIOUS_ADDRESS, "previous_town"))
    answered = {"arriving_from_abroad": "no", "_shown": shown, "action": "continue"}

    response = post_form(client, page("previous_flat"), answered)

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "data-error-summary" in html
    assert 'href="#f-previous_street"' in html


def test_upload_control_appears_before_an_upload_is_asked_for(
    client: Any, make_user: Any, login: Any
) -> None:
    start(client, make_user, login)
    post_form(client, page("previous_flat"), {**PREVIOUS_FLAT, "action": "continue"})
    html = client.get(page("landlord")).get_data(as_text=True)
    assert is_hidden(html, "landlord_confirmation_file")

    answered = {"landlord_confirmation_kind": "upload", "_shown": "", "action": "continue"}
    response = post_form(client, page("landlord"), answered)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Bitte laden Sie eine Datei hoch" not in html
    assert not is_hidden(html, "landlord_confirmation_file")
    assert 'type="file" id="f-landlord_confirmation_file"' in html
