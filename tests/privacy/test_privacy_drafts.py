"""Abandoned drafts are deleted with their uploads when they expire."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask

from service.extensions import db, utcnow
from service.privacy.services import expire_drafts
from service.storage.services import get_storage
from tests.conftest import add_upload


def test_expired_drafts_and_their_files_are_deleted_fresh_ones_kept(
    app: Flask, make_user: Callable[..., Any], make_draft: Callable[..., Any]
) -> None:
    from service.attachments.models import Upload
    from service.drafts.models import Draft

    erika = make_user("Erika Mustermann")
    now = utcnow()

    def draft(**kw: Any) -> Any:
        return make_draft(erika, "residence_registration", {"street": "Marktplatz"}, **kw)

    expired = draft(expires_at=now - timedelta(minutes=1), updated_at=now - timedelta(days=31))
    untouched = draft(expires_at=None, updated_at=now - timedelta(days=31))  # draft_ttl P30D
    fresh = draft(expires_at=now + timedelta(days=29), updated_at=now - timedelta(days=1))
    upload = add_upload(erika, b"%PDF-1.4 draft upload", "a.pdf", "u" * 32, draft_id=expired.id)
    key = upload.storage_key
    db.session.commit()
    expired_id, untouched_id, fresh_id = expired.id, untouched.id, fresh.id

    assert expire_drafts(now) == 2
    db.session.commit()

    assert db.session.get(Draft, expired_id) is None
    assert db.session.get(Draft, untouched_id) is None
    assert db.session.get(Draft, fresh_id) is not None
    assert db.session.get(Upload, "u" * 32) is None
    assert not get_storage().exists(key)
