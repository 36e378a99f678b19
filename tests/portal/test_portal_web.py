"""Pages in German and English, security headers, error pages."""

from __future__ import annotations

from typing import Any

from portal_helpers import BASE, csrf_token, post_form

from tests.conftest import production_settings

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


def test_german_by_default_english_from_browser_or_choice(client: Any) -> None:
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="de">' in html and "Zum Inhalt springen" in html
    english = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in english and "Skip to main content" in english
    response = client.post(
        "/lang/en",
        data={"csrf_token": csrf_token(html), "next": "/services/residence_registration"},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/services/residence_registration"
    page = client.get("/services/residence_registration").get_data(as_text=True)
    assert '<html lang="en">' in page and "about 15 minutes" in page
    # The choice wins over the browser; and the switch never redirects off-site.
    again = client.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<html lang="en">' in again
    away = client.post(
        "/lang/de", data={"csrf_token": csrf_token(again), "next": "//evil.example/"}
    )
    assert away.headers["Location"] == "/"


def test_error_summary_links_to_each_field_in_german_and_english(
    client: Any, make_user: Any, login: Any
) -> None:
    login(make_user())
    html = post_form(client, f"{BASE}/apply/new_flat", {"action": "continue"}).get_data(
        as_text=True
    )
    assert 'role="alert"' in html and "Es gibt ein Problem" in html
    assert '<a href="#f-street">„Straße“: Bitte machen Sie eine Angabe.</a>' in html
    assert 'id="f-street"' in html and 'aria-describedby="f-street-error"' in html
    assert "<title>Fehler:" in html

    token = csrf_token(html)
    client.post("/lang/en", data={"csrf_token": token, "next": "/"})
    sent = {"street": "Königsallee", "postal_code": "1234", "action": "continue"}
    html = post_form(client, f"{BASE}/apply/new_flat", sent).get_data(as_text=True)
    assert "There is a problem" in html
    assert 'href="#f-house_number"' in html and "House number" in html
    assert 'href="#f-postal_code"' in html
    assert 'value="Königsallee"' in html and 'value="1234"' in html  # input kept


def test_security_headers_on_every_page(client: Any, make_user: Any, login: Any) -> None:
    anonymous = client.get("/")
    assert anonymous.headers["Content-Security-Policy"] == CSP
    assert anonymous.headers["X-Content-Type-Options"] == "nosniff"
    assert anonymous.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in anonymous.headers  # development runs on http
    assert "no-store" not in anonymous.headers.get("Cache-Control", "")
    login(make_user())
    personal = client.get("/cases")
    assert personal.headers["Cache-Control"] == "no-store"
    assert personal.headers["Content-Security-Policy"] == CSP
    assert "<script>" not in personal.get_data(as_text=True)
    assert " style=" not in personal.get_data(as_text=True)


def test_a_view_keeps_its_own_security_headers(make_app: Any) -> None:
    app = make_app()

    @app.get("/framed")
    def framed() -> tuple[str, int, dict[str, str]]:
        own = {"x-frame-options": "SAMEORIGIN", "Content-Security-Policy": "default-src 'none'"}
        return "framed", 200, own

    response = app.test_client().get("/framed")
    assert response.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert response.headers.getlist("Content-Security-Policy") == ["default-src 'none'"]
    assert response.headers.getlist("X-Content-Type-Options") == ["nosniff"]
    assert response.headers.getlist("Referrer-Policy") == ["strict-origin-when-cross-origin"]
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_outside_development(make_app: Any, tmp_path: Any) -> None:
    app = make_app(**{**production_settings(tmp_path), "AMTSWEG_ENV": "staging"})
    response = app.test_client().get("/")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_error_pages_in_both_languages(client: Any) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404 and "Seite nicht gefunden" in response.get_data(as_text=True)
    english = client.get("/no/such/page", headers={"Accept-Language": "en"})
    assert "Page not found" in english.get_data(as_text=True)
    assert english.headers["Content-Security-Policy"] == CSP


def test_server_error_page(make_app: Any) -> None:
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Leider ist ein Fehler aufgetreten" in response.get_data(as_text=True)
