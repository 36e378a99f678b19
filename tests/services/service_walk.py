"""Walking a shipped service like its users: a resident in the portal, staff in the back
office, an integrator through the API. Real HTTP requests to the app, real PDFs.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pages
from flask import Flask
from flask.testing import FlaskClient

from service.jobs.services import drain
from tests.api.api_support import auth, mint
from tests.backoffice.backoffice_support import FreshContextClient, case_version, csrf_token
from tests.portal.portal_helpers import post_form

READ_WRITE = ["cases:write", "cases:read"]
TRANSITION = ["cases:transition", "cases:read"]


def logged_in(app: Flask, login: Any, user: Any) -> FlaskClient:
    """Return a new client (its own app context per request) logged in as `user`."""
    client = FreshContextClient(app, app.response_class, use_cookies=True)
    login(user, on=client)
    return client


def fill_pages(client: FlaskClient, service: str, pages: list[tuple[str, dict[str, Any]]]) -> str:
    """Post each page with "continue" and follow on; return the check-your-answers page."""
    base = f"/services/{service}"
    for page, fields in pages:
        url = f"{base}/apply/{page}"
        for _attempt in range(2):
            # Questions that a post reveals are asked first: the page comes back once.
            sent = {k: _fresh(v) for k, v in fields.items()}
            response = post_form(client, url, {**sent, "action": "continue"})
            assert response.status_code == 303, (page, response.get_data(as_text=True)[-3000:])
            if not response.headers["Location"].split("#")[0].endswith(url):
                break
    assert response.headers["Location"].endswith(f"{base}/check"), response.headers["Location"]
    return client.get(f"{base}/check").get_data(as_text=True)


def _fresh(value: Any) -> Any:
    """Return a posted value; a file (BytesIO, name) is sent again from its start."""
    if isinstance(value, tuple) and isinstance(value[0], io.BytesIO):
        return (io.BytesIO(value[0].getvalue()), value[1])
    return value


def submit_check_page(client: FlaskClient, service: str, check_html: str) -> str:
    """Submit from the check page; return the confirmation page."""
    token = re.search(r'name="submit_token" value="([^"]+)"', check_html)
    assert token, check_html[-2000:]
    response = client.post(
        f"/services/{service}/submit",
        data={"csrf_token": pages.csrf_token(check_html), "submit_token": token[1]},
    )
    assert response.status_code == 303, response.get_data(as_text=True)[-2000:]
    return client.get(response.headers["Location"]).get_data(as_text=True)


def fire(client: FlaskClient, case_id: int, transition: str, **inputs: str) -> Any:
    """Fire a transition from the back office case page, as its form posts it."""
    token = csrf_token(client, f"/backoffice/cases/{case_id}")
    form = {"csrf_token": token, "version": str(case_version(case_id))}
    form.update({f"{transition}-{k}": v for k, v in inputs.items()})
    return client.post(f"/backoffice/cases/{case_id}/transitions/{transition}", data=form)


def api_submit(api: FlaskClient, service: str, data: dict[str, Any], key: str = "k-1") -> Any:
    """Submit a case through the API as the register client; return the response."""
    body = {
        "service": service,
        "applicant": {"subject": "resident-1", "name": "Erika Mustermann"},
        "data": data,
        "lang": "de",
    }
    headers = {**auth(mint(READ_WRITE)), "Idempotency-Key": key}
    return api.post("/api/v1/cases", json=body, headers=headers)


def api_fire(
    api: FlaskClient, case_id: int, transition: str, roles: list[str], client_id: str, **inputs: Any
) -> Any:
    """Fire a transition through the API as client `client_id` holding `roles`."""
    headers = auth(mint(TRANSITION, roles=roles, client_id=client_id))
    body = {"transition": transition, "inputs": inputs}
    return api.post(f"/api/v1/cases/{case_id}/transitions", json=body, headers=headers)


def api_case(api: FlaskClient, case_id: int) -> dict[str, Any]:
    """Return the API case view as the submitting client reads it."""
    response = api.get(f"/api/v1/cases/{case_id}", headers=auth(mint(["cases:read"])))
    assert response.status_code == 200, response.json
    return dict(response.json)


def api_documents(api: FlaskClient, case_id: int) -> list[tuple[dict[str, Any], bytes]]:
    """Run the outbox, then return each issued document of the case with its PDF."""
    drain()
    headers = auth(mint(["cases:read"]))
    listing = api.get(f"/api/v1/cases/{case_id}/documents", headers=headers)
    assert listing.status_code == 200, listing.json
    documents = []
    for item in listing.json["items"]:
        content = api.get(
            f"/api/v1/cases/{case_id}/documents/{item['id']}/content", headers=headers
        )
        assert content.status_code == 200, content.get_data(as_text=True)
        documents.append((item, content.data))
    return documents


def computed_of(view: dict[str, Any]) -> dict[str, Any]:
    """Return the API view's computed values by key."""
    return {c["key"]: c for c in view["computed"]}


def portal_document(client: FlaskClient, case_id: int) -> bytes:
    """Download the first document the resident's case page offers."""
    html = client.get(f"/cases/{case_id}").get_data(as_text=True)
    link = html.split(f'href="/cases/{case_id}/documents/', 1)[1].split('"', 1)[0]
    pdf = client.get(f"/cases/{case_id}/documents/{link}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    return bytes(pdf.data)


def pdf_text(pdf: bytes) -> str:
    """Return the text of every page of a PDF, whitespace collapsed."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def shown(label: str, value: str) -> str:
    """Return how a computed value is shown in the portal and the back office."""
    return f"<dt>{label}</dt><dd>{value}</dd>"


def client_upload(service: str, field: str, name: str, client_id: str = "register-system") -> Any:
    """Store a PDF as the API client's upload for `field` of `service`; return its answer."""
    from factories import PDF

    from service.attachments.services import Owner, store_upload
    from service.definitions.services import current_registry
    from service.extensions import db
    from service.forms.services import upload_field

    definition = upload_field(current_registry().form(service), field)
    upload = store_upload(Owner.client(client_id), definition, PDF, name, "de")
    db.session.commit()
    return upload.as_answer()
