"""A submission's hashes (Idempotency-Key record, case) are exactly those always stored."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from service.api.idempotency import request_hash
from service.cases import store


def _body_hash(body: Any) -> str:
    """The Idempotency-Key record's hash as it was always taken."""
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _case_hash(service: str, data: Any) -> str:
    """The case's hash as it was always taken."""
    text = json.dumps({"service": service, "data": data}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


# Every character but lone surrogates (a body holding one cannot be hashed at all).
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
ANSWERS = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(data=st.dictionaries(TEXT, ANSWERS, max_size=6), service=TEXT)
def test_the_hashes_are_those_always_taken(data: dict[str, Any], service: str) -> None:
    body = {"service": service, "data": data, "lang": "de"}
    assert request_hash(body) == _body_hash(body)
    assert store.request_hash(service, data) == _case_hash(service, data)


def test_values_json_cannot_write_are_hashed_as_their_text() -> None:
    data = {"day": date(2026, 11, 30), "fee": Decimal("12.50"), "town": "Köln\x7f😀"}
    body = {"service": "s", "data": data, "lang": "de"}
    assert request_hash(body) == _body_hash(body)
    assert store.request_hash("s", data) == _case_hash("s", data)
