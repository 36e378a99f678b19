"""Fixtures of the walk-through tests of the shipped services: the API app and its client."""

from tests.api.api_support import api, api_app

__all__ = ["api", "api_app"]
