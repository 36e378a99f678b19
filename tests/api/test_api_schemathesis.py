"""schemathesis: generated requests find no server error and nothing the document denies.

The operations are driven one by one with Hypothesis (schemathesis's pytest plugin does
not work with the pytest version we use); the checks are schemathesis's own, run by
`call_and_validate`: no 5xx, status codes, content types, headers and bodies as
documented, invalid input refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.api.api_support import ALL_SCOPES, api_config, auth, mint

EXAMPLES = 6
#: The document describes shapes; a well-shaped request may still break a business rule
#: (form validation, an unknown cursor or transition) and is then rightly answered 422.
EXCLUDED = [positive_data_acceptance]


def test_api_conforms_to_its_openapi_document(make_app: Callable[..., Flask]) -> None:
    app = make_app(**api_config())
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    token = mint(ALL_SCOPES, roles=["permit_officer", "registration_officer"])
    headers = {**auth(token), "Idempotency-Key": "schemathesis"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def check(case: Any) -> None:
                case.call_and_validate(headers=headers, excluded_checks=EXCLUDED)

            try:
                check()
            except Unsatisfiable:
                # Nothing to make invalid: the operation takes no parameters.
                assert mode == GenerationMode.NEGATIVE
