"""Fixtures of the webhook tests, the same as the API tests': an app trusting the test issuer, a client, a receiver, `submit`."""

from tests.api.api_support import api, api_app, receiver, submit

__all__ = ["api", "api_app", "receiver", "submit"]
