"""A resident registers two people at a secondary residence in a real browser, in German
and in English; axe-core checks every page, each also in its error state."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from browser_support import Checker, LiveServer, axe_source, browser, live_server, login_via_dev_idp
from factories import PDF

from service.rules.dates import local_today

__all__ = ["axe_source", "browser", "live_server"]

pytestmark = pytest.mark.browser

SERVICE = "residence_registration"


def continue_(page: Any) -> None:
    with page.expect_navigation():
        page.locator("button.button[value=continue]").click()


def expect_errors(page: Any, checker: Checker, label: str) -> None:
    summary = page.locator("[data-error-summary]")
    assert summary.is_visible(), f"no error summary on {label}"
    # The JavaScript enhancement moves focus to the summary.
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    first = summary.locator("a").first
    target = first.get_attribute("href")
    assert target and page.locator(target).count() == 1, f"{target} does not name one field"
    checker.check(f"{label} (errors)")


def fill(page: Any, answers: dict[str, str]) -> None:
    """Type each answer into the field of that name (dates into their three boxes)."""
    for name, value in answers.items():
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            fill_date(page, f"#f-{name}", value)
        else:
            page.fill(f"#f-{name}", value)


def fill_date(page: Any, field: str, iso: str) -> None:
    """Type an ISO date as a person does: day, month and year in their own boxes."""
    year, month, day = iso.split("-")
    page.fill(field, day.lstrip("0"))
    page.fill(f"{field}-month", month.lstrip("0"))
    page.fill(f"{field}-year", year)


def fill_person(page: Any, index: int, family: str, first: str) -> None:
    p = f"#f-persons-{index}-"
    page.fill(p + "family_name", family)
    page.fill(p + "first_names", first)
    page.fill(p + "everyday_name", first.split()[0])
    fill_date(page, p + "birth_date", "1988-04-12")
    page.fill(p + "birth_place", "Köln")
    page.select_option(p + "birth_country", "DE")
    page.select_option(p + "sex", "female" if index == 0 else "male")
    page.select_option(p + "citizenship", "DE")
    page.select_option(p + "religious_community", "none")
    page.select_option(p + "marital_status", "single")
    page.select_option(p + "id_document_kind", "id_card")


def fill_id_document(page: Any, index: int) -> None:
    p = f"persons-{index}-"
    fill(
        page,
        {
            p + "id_document_number": f"L01X00T4{index}",
            p + "id_document_issuing_authority": "Stadt Köln",
            p + "id_document_issue_date": "2020-01-15",
            p + "id_document_expiry_date": "2030-01-14",
        },
    )


def address_in_koeln(prefix: str) -> dict[str, str]:
    """Return the answers of an address in Köln, field names starting with `prefix`."""
    return {
        prefix + "street": "Hohe Straße",
        prefix + "house_number": "5",
        prefix + "postal_code": "50667",
        prefix + "town": "Köln",
    }


@pytest.mark.parametrize("lang", ["de", "en"])
def test_resident_registers_two_people_at_a_secondary_residence(
    browser: Any, live_server: LiveServer, axe_source: str, tmp_path: Path, lang: str
) -> None:
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    page.set_default_timeout(15_000)
    checker = Checker(page, axe_source)
    base = live_server.url
    words = {
        "de": {"start": "Jetzt starten", "submitted": "Antrag gesendet", "state": "Eingegangen"},
        "en": {"start": "Start now", "submitted": "Application submitted", "state": "Submitted"},
    }[lang]

    login_via_dev_idp(page, live_server, "erika")
    page.goto(f"{base}/")
    if lang == "en":
        with page.expect_navigation():
            page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == lang
    checker.check("catalogue")
    page.goto(f"{base}/services/{SERVICE}")
    checker.check("start page")
    with page.expect_navigation():
        page.get_by_role("link", name=words["start"]).click()

    # People: two persons; the identity document's details appear once its kind is known.
    assert page.url.endswith("/apply/people")
    checker.check("people")
    continue_(page)
    expect_errors(page, checker, "people")
    fill_person(page, 0, "Mustermann", "Erika Maria")
    with page.expect_navigation():
        page.locator("button[value='add:persons']").click()
    fill_person(page, 1, "Mustermann", "Max")
    continue_(page)
    expect_errors(page, checker, "people, identity documents")
    fill_id_document(page, 0)
    fill_id_document(page, 1)
    continue_(page)

    # New flat: a secondary residence needs the main residence's address.
    assert page.url.endswith("/apply/new_flat"), page.url
    checker.check("new flat")
    continue_(page)
    expect_errors(page, checker, "new flat")
    fill(
        page,
        {
            "street": "Königsallee",
            "house_number": "12a",
            "postal_code": "40212",
            "town": "Düsseldorf",
            "move_in_date": (local_today() - timedelta(days=3)).isoformat(),
        },
    )
    page.check("input[name=residence_kind][value=secondary]")
    continue_(page)
    expect_errors(page, checker, "new flat, main residence")
    fill(page, address_in_koeln("main_"))
    continue_(page)

    assert page.url.endswith("/apply/previous_flat"), page.url
    checker.check("previous flat")
    continue_(page)
    expect_errors(page, checker, "previous flat")
    page.check("input[name=arriving_from_abroad][value=no]")
    continue_(page)
    expect_errors(page, checker, "previous flat, address")
    fill(page, address_in_koeln("previous_"))
    continue_(page)

    # Landlord's confirmation: uploaded as a PDF.
    assert page.url.endswith("/apply/landlord"), page.url
    checker.check("landlord")
    continue_(page)
    expect_errors(page, checker, "landlord")
    page.check("input[name=landlord_confirmation_kind][value=upload]")
    continue_(page)
    expect_errors(page, checker, "landlord, upload")
    confirmation = tmp_path / "Wohnungsgeberbestätigung.pdf"
    confirmation.write_bytes(PDF)
    page.set_input_files("#f-landlord_confirmation_file", str(confirmation))
    continue_(page)

    assert page.url.endswith("/apply/objections"), page.url
    checker.check("objections")
    page.check("input[name=transfer_objections][value=address_books]")
    continue_(page)

    assert page.url.endswith("/apply/contact"), page.url
    checker.check("contact")
    page.fill("#f-email", "not an e-mail address")
    continue_(page)
    expect_errors(page, checker, "contact")
    page.fill("#f-email", "erika@example.org")
    continue_(page)

    assert page.url.endswith("/check"), page.url
    checker.check("check your answers")
    body = page.locator("main").inner_text()
    assert "Erika Maria" in body and "Max" in body and "Wohnungsgeberbestätigung.pdf" in body
    with page.expect_navigation():
        page.locator("form[action$='/submit'] button").click()

    assert words["submitted"] in page.locator("h1").inner_text()
    reference = page.locator(".reference").inner_text()
    assert reference.startswith("WA-")
    checker.check("confirmation")
    page.goto(f"{base}/cases")
    checker.check("my applications")
    with page.expect_navigation():
        page.get_by_role("link", name=reference).click()
    assert words["state"] in page.locator("main").inner_text()
    checker.check("application")
    assert checker.csp_violations == []
    assert len(checker.checked) >= 20
    context.close()


def test_axe_check_reports_an_unlabelled_input(browser: Any, axe_source: str) -> None:
    """The checker itself works: a page with an input without a label fails it."""
    page = browser.new_page()
    page.set_content('<html lang="en"><title>t</title><main><input type="text"></main></html>')
    with pytest.raises(AssertionError, match="label"):
        Checker(page, axe_source).check("unlabelled input")
    page.close()


def test_every_form_page_of_every_service_is_accessible_empty_and_with_errors(
    browser: Any, live_server: LiveServer, axe_source: str
) -> None:
    from service.definitions.services import current_registry

    page = browser.new_page()
    checker = Checker(page, axe_source)
    login_via_dev_idp(page, live_server, "max")
    with live_server.app.app_context():
        registry = current_registry()
        forms = [(s.key, registry.form(s.form_key)) for s in registry.current()]
    for service_key, form in forms:
        for form_page in form.pages:
            page.goto(f"{live_server.url}/services/{service_key}/apply/{form_page.key}")
            if not page.url.endswith(f"/apply/{form_page.key}"):
                continue  # hidden for empty answers
            checker.check(f"{service_key}/{form_page.key}")
            continue_(page)
            if page.url.endswith(f"/apply/{form_page.key}"):
                checker.check(f"{service_key}/{form_page.key} (after continue)")
    assert checker.csp_violations == []
    page.close()


def test_reply_page_is_accessible_with_and_without_errors(
    browser: Any, live_server: LiveServer, axe_source: str, tmp_path: Path
) -> None:
    from sqlalchemy import select

    from service.auth.models import User
    from service.cases.models import Case
    from service.cases.services import fire_transition
    from service.engine import Actor
    from service.extensions import db
    from tests.portal.portal_helpers import open_case

    page = browser.new_page()
    checker = Checker(page, axe_source)
    login_via_dev_idp(page, live_server, "erika")
    with live_server.app.app_context():
        erika = db.session.scalar(select(User).where(User.name == "Erika Mustermann"))
        assert erika is not None
        case = open_case(erika)
        worker = Actor(id="staff-1", roles=frozenset({"case_worker"}), label="Clara")
        fire_transition(case, "request_information", worker, {"message": "Bitte Vertrag senden."})
        db.session.commit()
        case_id = db.session.scalar(select(Case.id))
    page.goto(f"{live_server.url}/cases/{case_id}")
    checker.check("application waiting for a reply")
    with page.expect_navigation():
        page.locator(f"a[href='/cases/{case_id}/actions/provide_information']").click()
    checker.check("reply")
    text_file = tmp_path / "vertrag.pdf"
    text_file.write_text("not a PDF")
    page.set_input_files("#f-files", str(text_file))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.locator("[data-error-summary]").is_visible()
    checker.check("reply (errors)")
    page.close()
