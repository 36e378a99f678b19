"""Errors of upload scanning."""

from __future__ import annotations


class ScannerUnavailable(RuntimeError):
    """The virus scanner could not scan a file; the upload must be refused (503), not stored."""
