"""PDFs are checked by what they contain: scripts, actions, launches, attachments, HTML."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pikepdf
import pytest
from scanning_helpers import pdf_bytes
from sqlalchemy import func, select

from service.attachments.models import Upload
from service.extensions import db
from service.scanning.pdf import active_content
from tests.portal.portal_helpers import BASE, post_form

Name, Dictionary, Array, String = pikepdf.Name, pikepdf.Dictionary, pikepdf.Array, pikepdf.String


def javascript_on_open(pdf: pikepdf.Pdf) -> None:
    pdf.Root.OpenAction = Dictionary(S=Name.JavaScript, JS=String("app.alert('hi')"))


def javascript_name_tree(pdf: pikepdf.Pdf) -> None:
    script = pdf.make_indirect(Dictionary(S=Name.JavaScript, JS=String("this.print()")))
    pdf.Root.Names = Dictionary(JavaScript=Dictionary(Names=Array([String("x"), script])))


def page_automatic_action(pdf: pikepdf.Pdf) -> None:
    pdf.pages[0].obj.AA = Dictionary(O=Dictionary(S=Name.URI, URI=String("https://evil.test")))


def launch_link(pdf: pikepdf.Pdf) -> None:
    action = Dictionary(S=Name.Launch, F=String("cmd.exe"))
    link = Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=Array([0, 0, 99, 99]), A=action)
    pdf.pages[0].obj.Annots = pdf.make_indirect(Array([pdf.make_indirect(link)]))


def embedded_file(pdf: pikepdf.Pdf) -> None:
    pdf.attachments["invoice.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ\x90\x00 not really")


def submit_form_on_open(pdf: pikepdf.Pdf) -> None:
    pdf.Root.OpenAction = Dictionary(S=Name.SubmitForm, F=String("https://evil.test/"))


ACTIVE: dict[str, Callable[[pikepdf.Pdf], None]] = {
    "javascript on open": javascript_on_open,
    "javascript name tree": javascript_name_tree,
    "automatic action of a page": page_automatic_action,
    "launch link": launch_link,
    "embedded file": embedded_file,
    "form submission on open": submit_form_on_open,
}


@pytest.mark.parametrize("change", ACTIVE.values(), ids=ACTIVE.keys())
def test_pdf_with_active_content_is_found(change: Callable[[pikepdf.Pdf], None]) -> None:
    assert active_content(pdf_bytes(change)) != []


def test_pdf_that_is_also_an_html_page_with_javascript_is_found() -> None:
    polyglot = pdf_bytes() + b"<html><body><script>fetch('/cases')</script></body></html>\n"
    found = [t.en for t in active_content(polyglot)]
    assert "HTML (a PDF that is also a web page)" in found


def test_plain_pdf_and_one_opening_at_a_page_are_plain() -> None:
    def open_at_first_page(pdf: pikepdf.Pdf) -> None:
        pdf.Root.OpenAction = Array([pdf.pages[0].obj, Name.Fit])

    def link_to_a_web_page(pdf: pikepdf.Pdf) -> None:
        action = Dictionary(S=Name.URI, URI=String("https://www.stadt.example/"))
        link = Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=Array([0, 0, 9, 9]), A=action)
        pdf.pages[0].obj.Annots = Array([link])

    assert active_content(pdf_bytes()) == []
    assert active_content(pdf_bytes(open_at_first_page)) == []
    assert active_content(pdf_bytes(link_to_a_web_page)) == []


def test_file_that_only_starts_like_a_pdf_is_not_readable() -> None:
    assert [t.en for t in active_content(b"%PDF-1.7\nnothing else")] == ["not a readable PDF"]


def test_portal_refuses_a_pdf_web_page_with_javascript_naming_the_field(
    client: Any, make_user: Any, login: Any
) -> None:
    login(make_user())
    polyglot = pdf_bytes(javascript_on_open) + b"<html><script>alert(document.cookie)</script>\n"
    upload = {
        "landlord_confirmation_kind": "upload",
        "landlord_confirmation_file": (io.BytesIO(polyglot), "bestaetigung.pdf"),
        "action": "save",
    }
    response = post_form(client, f"{BASE}/apply/landlord", upload)
    html = response.get_data(as_text=True)
    assert 'href="#f-landlord_confirmation_file"' in html
    assert "enthält aktive Inhalte (HTML" in html and "JavaScript" in html
    assert db.session.scalar(select(func.count()).select_from(Upload)) == 0
