"""Confirmation documents: sealed, verifiable PDFs rendered from templates after commit."""
