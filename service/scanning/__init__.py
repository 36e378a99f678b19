"""Uploads checked before they are stored: a virus scanner (clamd) and active PDF content."""
