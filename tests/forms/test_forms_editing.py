"""Answering one page of a form: which answers are kept, which errors name which field,
where the resident goes next. `apply_page_post` is pure, so no app and no database."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from forms_helpers import field, text

from service.definitions.types import FormDefinition, Page
from service.forms.editing import CHECK, PageFiles, apply_page_post, file_slots
from service.forms.files import FileAnswer, file_answers, upload_ids

PASSPORT = {"id": "up-1", "name": "pass.pdf", "content_type": "application/pdf", "size": 900}
LEASE = {"id": "up-2", "name": "lease.pdf", "content_type": "application/pdf", "size": 1200}


def _form() -> FormDefinition:
    pdf = {"accept": ("application/pdf",), "max_size": 10_000}
    persons = field(
        "persons",
        "group",
        min_items=1,
        max_items=3,
        item_label=text("Person {n}"),
        fields=(field("name", required=True), field("passport", "file", **pdf)),
    )
    fields = (
        field("applicant", required=True),
        field("has_pets", "yesno", required=True),
        field("pet_name", required=True, visible_if="has_pets == true"),
        persons,
        field("lease", "file", required=True, **pdf),
    )
    pages = (
        Page("about", text("Über Sie"), ("applicant", "has_pets", "pet_name")),
        Page("people", text("Personen"), ("persons",)),
        Page("lease", text("Mietvertrag"), ("lease",)),
    )
    return FormDefinition(key="moving", version=1, title=text("Umzug"), pages=pages, fields=fields)


def _files(**stored: dict[str, Any]) -> PageFiles:
    """The resident's uploads are PASSPORT and LEASE; `stored` were sent with this post."""
    own = {u["id"]: u for u in (PASSPORT, LEASE)}
    answers = {name: FileAnswer.from_value(name, value) for name, value in stored.items()}
    return PageFiles({k: a for k, a in answers.items() if a}, {}, own.get)


def _post(action: str = "continue", **values: str) -> dict[str, list[str]]:
    return {"action": [action], **{k.replace("__", "-"): [v] for k, v in values.items()}}


def test_a_complete_page_goes_on_to_the_next_shown_page():
    result = apply_page_post(
        _form(), "about", {}, _post(applicant="Ada", has_pets="no"), "continue", lang="en"
    )
    assert result.errors == {}
    assert result.next == "people"
    assert result.data["applicant"] == "Ada" and result.data["has_pets"] is False


def test_the_last_page_goes_on_to_check_your_answers():
    data = {"applicant": "Ada", "has_pets": False, "persons": [{"name": "Ada"}]}
    post = _post()
    result = apply_page_post(
        _form(), "lease", data, post, "continue", lang="en", files=_files(lease=LEASE)
    )
    assert result.errors == {}
    assert result.next == CHECK and result.current_page is None
    assert result.data["lease"] == LEASE


def test_a_missing_answer_is_named_and_what_was_typed_is_kept():
    result = apply_page_post(_form(), "about", {}, _post(has_pets="no"), "continue", lang="en")
    assert result.next is None and result.current_page == "about"
    assert list(result.errors) == ["applicant"]
    assert result.errors["applicant"] == ["applicant: enter an answer."]
    assert result.data["has_pets"] == "no"


def test_saving_keeps_an_incomplete_page_without_errors():
    result = apply_page_post(
        _form(), "about", {}, _post("save", applicant="Ada"), "save", lang="en"
    )
    assert result.errors == {} and result.next is None
    assert result.data["applicant"] == "Ada"


def test_an_answer_to_a_hidden_question_is_dropped():
    post = _post(applicant="Ada", has_pets="no", pet_name="Rex")
    result = apply_page_post(_form(), "about", {}, post, "continue", lang="en")
    assert "pet_name" not in result.data
    assert result.next == "people"


def test_a_question_revealed_by_this_post_is_asked_without_an_error():
    post = {**_post(applicant="Ada", has_pets="yes"), "_shown": [""]}
    result = apply_page_post(_form(), "about", {}, post, "continue", lang="en")
    assert result.errors == {} and result.next is None and result.current_page == "about"


def test_a_question_the_page_showed_gets_its_error():
    post = {**_post(applicant="Ada", has_pets="yes"), "_shown": ["pet_name"]}
    result = apply_page_post(_form(), "about", {}, post, "continue", lang="en")
    assert list(result.errors) == ["pet_name"] and result.next is None


def test_add_another_appends_an_empty_item_and_points_at_it():
    post = _post("add:persons", persons__0__name="Ada")
    result = apply_page_post(_form(), "people", {}, post, "add:persons", lang="en")
    first, new = result.data["persons"]
    assert first["name"] == "Ada" and new == {}
    assert result.anchor == "f-persons-1"
    assert result.errors == {} and result.next is None


def test_removing_an_item_renumbers_the_others_with_their_files():
    post = _post(
        "remove:persons:0",
        persons__0__name="Ada",
        persons__1__name="Bob",
        persons__1__passport="up-1",
    )
    result = apply_page_post(
        _form(), "people", {}, post, "remove:persons:0", lang="en", files=_files()
    )
    assert result.data["persons"] == [{"name": "Bob", "passport": PASSPORT}]


def test_an_item_file_sent_with_the_post_is_kept_with_its_stored_details():
    post = _post(persons__0__name="Ada")
    files = _files(**{"persons-0-passport": PASSPORT})
    result = apply_page_post(_form(), "people", {}, post, "continue", lang="en", files=files)
    assert result.errors == {} and result.next == "lease"
    assert result.data["persons"] == [{"name": "Ada", "passport": PASSPORT}]


def test_an_upload_that_is_not_the_persons_own_is_dropped():
    post = _post("save", persons__0__name="Ada", persons__0__passport="someone-elses")
    result = apply_page_post(_form(), "people", {}, post, "save", lang="en", files=_files())
    assert result.data["persons"] == [{"name": "Ada"}]


def test_a_refused_upload_names_its_item_and_keeps_the_page():
    refused = PageFiles(errors={"persons[1].passport": ["Passport: upload a PDF."]})
    post = _post(persons__0__name="Ada", persons__1__name="Bob")
    result = apply_page_post(_form(), "people", {}, post, "continue", lang="en", files=refused)
    assert result.errors == {"persons[1].passport": ["Passport: upload a PDF."]}
    assert result.next is None
    assert [p["name"] for p in result.data["persons"]] == ["Ada", "Bob"]


def test_remove_file_takes_the_upload_out_of_the_answers():
    result = apply_page_post(
        _form(), "lease", {"lease": LEASE}, _post(), "remove-file:lease", lang="en"
    )
    assert "lease" not in result.data
    post = _post(persons__0__name="Ada", persons__0__passport="up-1")
    name = "remove-file:persons-0-passport"
    result = apply_page_post(_form(), "people", {}, post, name, lang="en", files=_files())
    assert file_answers(_form(), result.data) == []
    assert result.data["persons"][0]["name"] == "Ada"


def test_a_group_with_a_minimum_keeps_one_item_to_name_its_questions():
    result = apply_page_post(_form(), "people", {}, _post(), "continue", lang="en")
    assert list(result.errors) == ["persons[0].name"]
    assert result.data["persons"] == [{}]


def test_the_answers_handed_in_are_left_unchanged():
    data = {"applicant": "Ada", "persons": [{"name": "Ada", "passport": PASSPORT}]}
    before = copy.deepcopy(data)
    post = _post("add:persons", persons__0__name="Eve", persons__0__passport="up-2")
    apply_page_post(_form(), "people", data, post, "add:persons", lang="en", files=_files())
    assert data == before


def test_an_unknown_page_is_refused():
    with pytest.raises(KeyError):
        apply_page_post(_form(), "nowhere", {}, {}, "continue", lang="en")


def test_file_slots_are_the_pages_file_inputs_less_what_the_action_removes():
    names = ["persons-0-name", "persons-0-passport", "persons-1-passport", "other"]
    slots = file_slots(_form(), "people", names, "remove:persons:1")
    assert [(s.name, s.path) for s in slots] == [("persons-0-passport", "persons[0].passport")]
    slots = file_slots(_form(), "people", names, "remove-file:persons-0-passport")
    assert [s.name for s in slots] == ["persons-1-passport"]
    assert [s.path for s in file_slots(_form(), "lease", [], "continue")] == ["lease"]


def test_file_answers_are_found_by_the_forms_file_questions_not_by_shape():
    data = {
        "applicant": {"id": "looks-like-a-file"},
        "persons": [{"name": "Ada", "passport": PASSPORT}, {"name": "Bob"}],
        "lease": LEASE,
    }
    answers = file_answers(_form(), data)
    assert [(a.path, a.upload_id) for a in answers] == [
        ("persons[0].passport", "up-1"),
        ("lease", "up-2"),
    ]
    assert upload_ids(answers) == {"up-1", "up-2"}
    assert answers[1].as_value() == LEASE


def test_a_value_without_an_upload_id_is_no_file_answer():
    assert FileAnswer.from_value("lease", {"name": "x.pdf"}) is None
    assert FileAnswer.from_value("lease", "up-1") is None
    assert FileAnswer.from_value("lease", {"id": "up-1"}) == FileAnswer("lease", "up-1")


def test_a_client_must_send_a_file_answer_complete():
    assert FileAnswer.complete("lease", LEASE) == FileAnswer(
        "lease", "up-2", "lease.pdf", "application/pdf", 1200
    )
    assert FileAnswer.complete("lease", {"id": "up-2"}) is None
    assert FileAnswer.complete("lease", {**LEASE, "size": True}) is None
    assert FileAnswer.complete("lease", {**LEASE, "size": -1}) is None
