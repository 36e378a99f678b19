"""Abandoned drafts are deleted with their uploads when they expire."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask

from service.extensions import db, utcnow
from service.privacy.services import expire_drafts
from service.storage.services import get_storage, sha256


def test_expired_drafts_and_their_files_are_deleted_fresh_ones_kept(
    app: Flask, make_user: Callable[..., Any]
) -> None:
    from service.portal.models import Draft, Upload

    erika = make_user("Erika Mustermann")
    now = utcnow()

    def draft(**kw: Any) -> Draft:
        d = Draft(
            owner_id=erika.id,
            service_key="residence_registration",
            workflow_version=1,
            form_version=1,
            data={"street": "Marktplatz"},
            submit_token="t",
            **kw,
        )
        db.session.add(d)
        db.session.flush()
        return d

    expired = draft(expires_at=now - timedelta(minutes=1), updated_at=now - timedelta(days=31))
    untouched = draft(expires_at=None, updated_at=now - timedelta(days=31))  # draft_ttl P30D
    fresh = draft(expires_at=now + timedelta(days=29), updated_at=now - timedelta(days=1))
    content = b"%PDF-1.4 draft upload"
    key = get_storage().put(content, ".pdf")
    db.session.add(
        Upload(
            id="u" * 32,
            owner_id=erika.id,
            storage_key=key,
            original_name="a.pdf",
            content_type="application/pdf",
            size=len(content),
            sha256=sha256(content),
            draft_id=expired.id,
        )
    )
    db.session.commit()
    expired_id, untouched_id, fresh_id = expired.id, untouched.id, fresh.id

    assert expire_drafts(now) == 2
    db.session.commit()

    assert db.session.get(Draft, expired_id) is None
    assert db.session.get(Draft, untouched_id) is None
    assert db.session.get(Draft, fresh_id) is not None
    assert db.session.get(Upload, "u" * 32) is None
    assert not get_storage().exists(key)
