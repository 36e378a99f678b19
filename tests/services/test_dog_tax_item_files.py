"""A file question inside the dogs group: the answers beside it keep their types.

Regression: with an upload in a group item, the portal stored that page's answers as
posted ("yes" instead of true) and the check page showed a dog tax of 0,00 €. Looking up
the person's uploads flushed the draft, and the typed answers, written into the same
dict, compared equal to what was flushed and were never saved.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from service_walk import fill_pages, logged_in, shown
from sqlalchemy import select
from test_dog_tax import FEE, FROZEN, PAGES, SERVICE

from service.drafts.models import Draft
from service.extensions import db
from tests.conftest import running
from tests.group_files import definitions_with
from tests.portal.portal_helpers import PDF_BYTES

#: A copy of the keeping permit for a listed dog, inserted after the insurer question.
CERTIFICATE = """\
      - key: permit_copy
        type: file
        label: {de: Kopie der Erlaubnis, en: Copy of the permit}
        accept: [application/pdf]
        max_size: 10485760
        visible_if: 'listed_breed == true'
        required: true
"""
ANCHOR = "\n  # --- payment"


@pytest.fixture
def app(make_app: Any, tmp_path: Path) -> Iterator[Flask]:
    """The app serving a dog tax form that asks for a permit copy per listed dog."""
    root = definitions_with(tmp_path, "dog_tax", ANCHOR, CERTIFICATE)
    with running(make_app(DEFINITIONS_ROOT=str(root))) as application:
        yield application


@pytest.mark.frozen(FROZEN)
def test_answers_beside_a_dogs_upload_are_kept_typed_and_the_fee_is_shown(
    app: Flask, make_user: Any, login: Any
) -> None:
    portal = logged_in(app, login, make_user("Max Mustermann"))
    upload = {"dogs-1-permit_copy": (io.BytesIO(PDF_BYTES), "erlaubnis.pdf")}
    pages = [(page, {**fields, **upload} if page == "dogs" else fields) for page, fields in PAGES]

    check = fill_pages(portal, SERVICE, pages)

    assert shown(FEE, "750,00\xa0€") in check  # 150 € for Bello, 600 € for Rocky
    draft = db.session.scalar(select(Draft))
    assert draft is not None
    bello, rocky = draft.data["dogs"]
    assert bello["listed_breed"] is False and rocky["listed_breed"] is True
    assert rocky["permit_copy"]["name"] == "erlaubnis.pdf"
