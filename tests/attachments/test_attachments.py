"""Uploads: one owner each (a resident or an API client), named only by their owner."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from factories import PDF
from flask import Flask

from service.attachments.services import (
    Owner,
    bind_to_case,
    case_upload,
    file_lookup,
    read_upload,
    store_upload,
    upload_for,
)
from service.definitions.services import current_registry
from service.definitions.types import FieldDefinition
from service.engine.types import Text
from service.forms.errors import ValidationFailed
from service.forms.files import FileAnswer, file_answers

FIELD = FieldDefinition(
    key="evidence",
    type="file",
    label=Text(de="Nachweis", en="Evidence"),
    accept=("application/pdf",),
    max_size=1024,
)


def test_a_client_upload_is_seen_by_that_client_only(
    app: Flask, make_user: Callable[..., Any]
) -> None:
    erika = make_user("Erika Mustermann")
    upload = store_upload(Owner.client("register"), FIELD, PDF, "../bescheid.pdf", "de")

    assert upload.owner_client == "register" and upload.owner_id is None
    assert upload.original_name == "bescheid.pdf"
    assert upload_for(upload.id, Owner.client("register")) is upload
    assert read_upload(upload) == PDF
    assert upload_for(upload.id, Owner.client("other")) is None
    assert upload_for(upload.id, Owner.user(erika.id)) is None


def test_a_resident_upload_is_not_a_client_upload_of_the_same_id(
    app: Flask, make_user: Callable[..., Any]
) -> None:
    erika = make_user("Erika Mustermann")
    upload = store_upload(Owner.user(erika.id), FIELD, PDF, "a.pdf", "de")

    assert upload_for(upload.id, Owner.user(erika.id)) is upload
    assert upload_for(upload.id, Owner.client(str(erika.id))) is None


def test_the_same_content_check_refuses_a_text_file_called_pdf(app: Flask) -> None:
    with pytest.raises(ValidationFailed) as refused:
        store_upload(Owner.client("register"), FIELD, b"just text", "scan.pdf", "en")
    assert list(refused.value.errors) == ["evidence"]


def test_an_upload_bound_to_a_case_can_be_named_by_no_other_case(
    app: Flask, make_user: Callable[..., Any], make_case: Callable[..., Any]
) -> None:
    erika = make_user("Erika Mustermann")
    owner = Owner.user(erika.id)
    upload = store_upload(owner, FIELD, PDF, "a.pdf", "de")
    lookup = file_lookup(owner)
    assert lookup(upload.id) == upload.as_answer()

    case = make_case("parking_permit")
    bind_to_case([FileAnswer("evidence", upload.id)], owner, case.id)

    assert case_upload(case.id, upload.id) is upload
    assert lookup(upload.id) is None  # already the evidence of another case


def test_binding_ignores_uploads_of_someone_else(
    app: Flask, make_user: Callable[..., Any], make_case: Callable[..., Any]
) -> None:
    erika, max_ = make_user("Erika Mustermann"), make_user("Max Mustermann")
    upload = store_upload(Owner.user(erika.id), FIELD, PDF, "a.pdf", "de")
    case = make_case("parking_permit")

    bind_to_case([FileAnswer("evidence", upload.id)], Owner.user(max_.id), case.id)

    assert upload.case_id is None
    assert case_upload(case.id, upload.id) is None


def test_file_answers_are_found_by_the_form_s_file_fields_not_by_shape(app: Flask) -> None:
    form = current_registry().form("parking_permit")
    shaped_like_a_file = {"id": "c" * 32, "name": "x", "content_type": "application/pdf"}
    data = {
        "vehicle_registration": {
            "id": "a" * 32,
            "name": "schein.pdf",
            "content_type": "application/pdf",
            "size": 10,
        },
        "keeper_confirmation": {"id": "b" * 32},
        "not_a_field": shaped_like_a_file,
        "plate": shaped_like_a_file,
    }

    found = file_answers(form, data)

    assert {(a.path, a.upload_id) for a in found} == {
        ("vehicle_registration", "a" * 32),
        ("keeper_confirmation", "b" * 32),
    }
    assert (
        found[0].as_value() == data["vehicle_registration"]
        or found[1].as_value() == (data["vehicle_registration"])
    )
