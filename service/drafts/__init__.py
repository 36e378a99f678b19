"""Residents' drafts of an application: the portal writes them, privacy deletes them."""
