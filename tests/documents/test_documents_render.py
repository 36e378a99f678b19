"""What the sealed PDFs say: exactly the allowed fields, escaped, PDF/A, with a verification code."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

from markupsafe import escape
from pypdf import PdfReader

from service.documents.rendering import qr_data_uri
from service.documents.services import document_bytes, document_html
from tests.documents.conftest import MOVE_IN, TODAY, pdf_text, person, registration_data


def _german(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{day}.{month}.{year}"


def _fonts_of_words(pdf: bytes) -> dict[str, set[str]]:
    """Map each word printed on the first page to the fonts it is printed in."""
    fonts: dict[str, set[str]] = {}

    def visit(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        name = str(font.get("/BaseFont", "")) if font else ""
        for word in text.split():
            fonts.setdefault(word, set()).add(name.split("+")[-1])

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    return fonts


def test_meldebestaetigung_shows_every_allowed_field(issued: Callable[..., Any]) -> None:
    case, document = issued()
    text = pdf_text(document_bytes(document))

    assert "Meldebestätigung" in text
    assert "Landeshauptstadt Düsseldorf" in text
    assert "Mustermann" in text
    assert "Erika Maria" in text
    assert "Dr." in text
    assert "12.08.1984" in text
    assert "Königsallee 12a" in text
    assert "3. OG links" in text
    assert "40212 Düsseldorf" in text
    assert "Hauptwohnung" in text
    assert f"Einzugsdatum {MOVE_IN.strftime('%d.%m.%Y')}" in text
    assert f"Datum der Anmeldung {TODAY.strftime('%d.%m.%Y')}" in text
    assert f"Aktenzeichen {case.reference}" in text
    assert f"Ausstellungsdatum {TODAY.strftime('%d.%m.%Y')}" in text


def test_everyday_name_is_marked_in_bold_with_a_legend(issued: Callable[..., Any]) -> None:
    _case, document = issued()
    pdf = document_bytes(document)
    fonts = _fonts_of_words(pdf)

    assert fonts["Maria"] == {"Liberation-Sans-Bold"}
    assert "Liberation-Sans" in fonts["Erika"]
    assert "Rufname ist unterstrichen und fett gedruckt" in pdf_text(pdf)


def test_meldebestaetigung_has_exactly_the_fields_of_section_24_bmg(
    issued: Callable[..., Any],
) -> None:
    case, document = issued()
    html = document_html(case, document, document.issued_at)

    labels = re.findall(r'<th scope="row">([^<]+)</th>', html)
    assert labels == [
        "Aktenzeichen",
        "Ausstellungsdatum",
        "Familienname",
        "Vornamen",
        "Doktorgrad",
        "Geburtsdatum",
        "Straße und Hausnummer",
        "Adresszusatz",
        "Postleitzahl und Ort",
        "Art der Wohnung",
        "Einzugsdatum",
        "Datum der Anmeldung",
    ]


def test_meldebestaetigung_leaves_out_everything_else(issued: Callable[..., Any]) -> None:
    _case, document = issued()
    text = pdf_text(document_bytes(document))

    for forbidden in (
        "Wuppertal",  # birth place, previous address
        "Hofaue",
        "AT",
        "Österreich",
        "weiblich",
        "ledig",
        "L01X00T47",  # identity document
        "erika@example.org",
        "Staatsangehörigkeit",
        "Geburtsort",
        "Religion",
    ):
        assert re.search(rf"\b{re.escape(forbidden)}\b", text) is None, forbidden


def test_every_person_of_the_registration_is_listed(issued: Callable[..., Any]) -> None:
    child = person(
        family_name="Mustermann-Kind",
        first_names="Lena Sophie",
        everyday_name="Lena",
        doctorate=None,
        birth_date="2019-02-03",
        id_document_kind="none",
    )
    for key in ("id_document_number", "id_document_issuing_authority"):
        child.pop(key)
    child.pop("id_document_issue_date")
    child.pop("id_document_expiry_date")
    _case, document = issued(data=registration_data(persons=[person(), child]))
    pdf = document_bytes(document)
    text = pdf_text(pdf)

    assert "Person 1" in text and "Person 2" in text
    assert "Mustermann-Kind" in text
    assert "03.02.2019" in text
    assert _fonts_of_words(pdf)["Lena"] == {"Liberation-Sans-Bold"}


def test_hostile_names_print_as_text(issued: Callable[..., Any]) -> None:
    hostile = person(family_name="<script>alert(1)</script>", first_names="</p><p>X Maria")
    _case, document = issued(data=registration_data(persons=[hostile]))
    text = pdf_text(document_bytes(document))

    assert "<script>alert(1)</script>" in text
    assert "</p><p>X" in text


def test_pdf_is_pdfa_tagged_titled_and_german(issued: Callable[..., Any]) -> None:
    case, document = issued()
    reader = PdfReader(io.BytesIO(document_bytes(document)))
    xmp = reader.xmp_metadata
    assert xmp is not None
    raw = xmp.stream.get_data().decode()

    assert 'pdfaid:part="3"' in raw
    assert 'pdfaid:conformance="B"' in raw
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "de"
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"]
    assert f"Meldebestätigung {case.reference}" in raw


def test_pdf_carries_verification_code_link_and_qr(issued: Callable[..., Any]) -> None:
    case, document = issued()
    pdf = document_bytes(document)
    text = pdf_text(pdf)

    assert len(document.verification_code) >= 20
    assert f"Prüfcode: {document.verification_code}" in text
    assert f"localhost/verify/{document.verification_code}" in text.replace(" ", "")
    # The QR code encodes the verification URL and is drawn into the page.
    html = document_html(case, document, document.issued_at)
    qr = qr_data_uri(f"http://localhost/verify/{document.verification_code}")
    assert f'src="{escape(qr)}"' in html
    assert "/XObject" in PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]


def test_parking_permit_shows_plate_zone_validity_and_number(issued: Callable[..., Any]) -> None:
    case, document = issued("parking_permit")
    text = pdf_text(document_bytes(document))
    start = TODAY
    try:
        end = start.replace(year=start.year + 2)
    except ValueError:
        end = start.replace(year=start.year + 2, day=28)
    from datetime import timedelta

    end -= timedelta(days=1)

    assert "Bewohnerparkausweis" in text
    assert "D-AB 1234" in text
    assert "C \N{EN DASH} Pempelfort" in text
    assert f"gültig vom {start.strftime('%d.%m.%Y')} bis {end.strftime('%d.%m.%Y')}" in text
    assert f"Ausweisnummer {case.reference}" in text
    assert "schein.pdf" not in text
