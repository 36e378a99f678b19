"""PDFs for the scanning tests, built with pikepdf."""

from __future__ import annotations

import io
from collections.abc import Callable

import pikepdf


def pdf_bytes(change: Callable[[pikepdf.Pdf], None] | None = None) -> bytes:
    """Return a one-page PDF built by pikepdf, after `change` was applied to it."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    if change is not None:
        change(pdf)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()
