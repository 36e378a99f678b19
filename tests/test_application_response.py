"""`application.Response`: the same WSGI headers as werkzeug's, `Location` converted less."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Response as FlaskResponse
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.urls import iri_to_uri
from werkzeug.wrappers import Response as WerkzeugResponse

from service.application import PLAIN_URI, App, Response

LOCATIONS = [
    "http://127.0.0.1:5000/api/v1/cases/1",
    "https://amt.example.de/api/v1/cases/AN-2026-000001",
    "https://amt.example.de",
    "https://Amt.Example.de/x",
    "HTTPS://amt.example.de/x",
    "https://amt.example.de:0443/x",
    "https://amt.example.de:99999/x",
    "https://amt..example.de/x",
    "https://user:secret@amt.example.de/x",
    "https://amt.example.de/x?",
    "https://amt.example.de/x?a=b c",
    "https://amt.example.de/x#",
    "https://amt.example.de/p\u00e5th",
    "https://b\u00fccher.example/x",
    "https://[::1]:8080/x",
    "https://amt.example.de/a b",
    "https://amt.example.de/%zz/%41",
    "/api/v1/cases/1",
    "//evil.example/x",
    "",
]


def _response(cls: type[WerkzeugResponse], **options: Any) -> WerkzeugResponse:
    headers = options.pop("headers", {})
    body = options.pop("body", b'{"id": 1}')
    response = cls(body, status=options.pop("status", 201), headers=headers)
    for name, value in options.items():
        setattr(response, name, value)
    return response


CASES: dict[str, dict[str, Any]] = {
    **{f"location {loc!r}": {"headers": {"Location": loc}} for loc in LOCATIONS},
    "no location": {},
    "two locations": {"headers": [("Location", "/a"), ("X-A", "1"), ("location", "/b")]},
    "content location": {"headers": {"Content-Location": "https://amt.example.de/p\u00e5th"}},
    "content length given": {"headers": {"Content-Length": "3"}},
    "204": {"status": 204, "body": b"", "headers": {"Content-Length": "0"}},
    "101": {"status": 101, "body": b""},
    "304": {"status": 304, "headers": {"ETag": '"x"', "Content-Type": "text/plain"}},
    "streamed body": {"body": iter([b"a", b"b"])},
    "autocorrected location": {
        "headers": {"Location": "/api/v1/cases/1"},
        "autocorrect_location_header": True,
    },
    "no automatic length": {"automatically_set_content_length": False},
}


@pytest.mark.parametrize("case", list(CASES))
def test_wsgi_headers_are_werkzeugs(case: str) -> None:
    environ = {
        "wsgi.url_scheme": "https",
        "HTTP_HOST": "amt.example.de",
        "SERVER_NAME": "amt.example.de",
        "SERVER_PORT": "443",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/api/v1/cases",
        "QUERY_STRING": "",
    }

    def headers(cls: type[WerkzeugResponse]) -> Any:
        try:
            return _response(cls, **dict(CASES[case])).get_wsgi_headers(environ).to_wsgi_list()
        except ValueError as exc:  # an impossible port or host name: refused alike
            return type(exc)

    assert headers(Response) == headers(FlaskResponse)


@given(
    st.text(
        alphabet=st.sampled_from("aZ09.-_~!$&'()*+,;=:@%/?#[] \u00e5\u00fc\t:Hh"), max_size=30
    ).map(lambda tail: f"https://amt.example.de{tail}")
    | st.text(alphabet=st.sampled_from("aZ09.-:/@%\u00fc"), max_size=40).map(
        lambda tail: f"http://{tail}"
    )
)
def test_a_plain_uri_is_what_iri_to_uri_makes_of_it(location: str) -> None:
    try:
        converted = iri_to_uri(location)
    except ValueError:  # an impossible port or host: never taken as plain
        assert not PLAIN_URI.fullmatch(location)
        return
    if PLAIN_URI.fullmatch(location):
        assert converted == location


def test_the_app_answers_with_this_response_class() -> None:
    app = App(__name__)

    @app.post("/cases")
    def create() -> Any:
        return {"id": 1}, 201, {"Location": "https://amt.example.de/cases/1"}

    answer = app.test_client().post("/cases")

    assert isinstance(app.make_response("x"), Response)
    assert answer.headers["Location"] == "https://amt.example.de/cases/1"
