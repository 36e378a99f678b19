"""The back office's "Nachweis prüfen": a role of its own, a request, the result in words."""

from __future__ import annotations

import re
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pages import csrf_token


def test_verifier_requests_zone_and_sees_the_answer_in_words(
    client: Any, login: Any, people: Any, issued: Any
) -> None:
    holder, credential, _case = issued()
    login(people["vera"])
    start = client.get("/backoffice/verify/")
    assert start.status_code == 200 and "Nachweis prüfen" in start.get_data(as_text=True)
    made = client.post(
        "/backoffice/verify/parking_permit",
        data={"csrf_token": csrf_token(start.get_data(as_text=True)), "claims": ["zone"]},
    )
    assert made.status_code == 303
    page = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "Angefordert: Bewohnerparkzone und die Gültigkeit." in page
    link = unescape(re.search(r'id="request-link" href="([^"]+)"', page).group(1))
    params = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    presentation = holder.present(credential, {"zone": True}, params["nonce"], params["client_id"])
    import json

    posted = client.post(
        urlsplit(params["response_uri"]).path,
        data={"vp_token": json.dumps({"parking_permit": [presentation]}), "state": params["state"]},
    )
    assert posted.status_code == 200
    result = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "Der Nachweis ist gültig." in result
    assert "Bewohnerparkzone" in result and "Max Mustermann" not in result


def test_verifier_must_choose_a_detail_and_others_may_not_verify(
    client: Any, login: Any, people: Any
) -> None:
    login(people["vera"])
    start = client.get("/backoffice/verify/").get_data(as_text=True)
    refused = client.post(
        "/backoffice/verify/parking_permit", data={"csrf_token": csrf_token(start)}
    )
    assert refused.status_code == 400
    assert "Wählen Sie mindestens eine Angabe" in refused.get_data(as_text=True)
    login(people["clara"])
    assert client.get("/backoffice/verify/").status_code == 403
    login(people["max"])
    assert client.get("/backoffice/verify/").status_code == 403
