"""Images that are also web pages (polyglots) are refused; plain photos and scans pass."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from sqlalchemy import func, select

from service.attachments.models import Upload
from service.extensions import db
from service.scanning.images import active_content
from tests.api.api_support import api_config, auth, mint
from tests.conftest import running
from tests.portal.portal_helpers import BASE, post_form


def picture(size: tuple[int, int] = (64, 48)) -> Image.Image:
    """A small photo-like picture: a gradient, so the encoders have real data to code."""
    image = Image.new("RGB", size)
    image.putdata(
        [(x * 4 % 256, y * 5 % 256, (x + y) % 256) for y in range(size[1]) for x in range(size[0])]
    )
    return image


def jpeg_bytes(**options: Any) -> bytes:
    out = io.BytesIO()
    picture().save(out, "JPEG", quality=85, **options)
    return out.getvalue()


def png_bytes(text: dict[str, str] | None = None) -> bytes:
    info = PngInfo()
    for key, value in (text or {}).items():
        info.add_itxt(key, value)
    out = io.BytesIO()
    picture().save(out, "PNG", pnginfo=info)
    return out.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def with_chunk_before_end(png: bytes, chunk: bytes) -> bytes:
    end = png.rindex(b"IEND") - 4
    return png[:end] + chunk + png[end:]


def multi_picture_jpeg() -> bytes:
    """A JPEG with a second picture after the first (MPF), as phone cameras write them."""
    out = io.BytesIO()
    first, second = picture(), picture((32, 24))
    first.save(out, "MPO", save_all=True, append_images=[second])
    return out.getvalue()


SCRIPT = b"<html><body><script>fetch('/cases').then(r=>r.text()).then(alert)</script></body></html>"

POLYGLOTS: dict[str, Callable[[], bytes]] = {
    "jpeg comment with a page": lambda: jpeg_bytes(comment=SCRIPT),
    "jpeg comment with svg": lambda: jpeg_bytes(comment=b'<svg onload="alert(1)"/>'),
    "jpeg with a page after its end": lambda: jpeg_bytes() + SCRIPT,
    "jpeg with a zip after its end": lambda: jpeg_bytes() + b"PK\x03\x04" + b"\x00" * 40,
    "png text with a script": lambda: png_bytes({"Comment": "<script>alert(1)</script>"}),
    "png text with a javascript link": lambda: png_bytes({"URL": "javascript:alert(1)"}),
    "png chunk of its own with a page": lambda: with_chunk_before_end(
        png_bytes(), png_chunk(b"htMl", SCRIPT)
    ),
    "png with a page after its end": lambda: png_bytes() + SCRIPT,
}


@pytest.mark.parametrize("make", POLYGLOTS.values(), ids=POLYGLOTS.keys())
def test_an_image_that_also_carries_a_page_or_script_is_found(make: Callable[[], bytes]) -> None:
    content = make()
    content_type = "image/png" if content.startswith(b"\x89PNG") else "image/jpeg"
    assert active_content(content, content_type)


@pytest.mark.parametrize(
    "make",
    [
        jpeg_bytes,
        lambda: jpeg_bytes(comment=b"Scan 2026-03-02, Canon LiDE 400"),
        lambda: jpeg_bytes(progressive=True),
        lambda: jpeg_bytes(exif=Image.Exif().tobytes()),
        multi_picture_jpeg,
        png_bytes,
        lambda: png_bytes({"Software": "Scanner <3 & co", "Title": "Mietvertrag Seite 1"}),
    ],
    ids=["jpeg", "jpeg comment", "progressive", "exif", "multi-picture", "png", "png text"],
)
def test_plain_photos_and_scans_pass(make: Callable[[], bytes]) -> None:
    content = make()
    content_type = "image/png" if content.startswith(b"\x89PNG") else "image/jpeg"
    assert active_content(content, content_type) == []


def test_a_file_that_only_starts_like_an_image_is_not_readable() -> None:
    [reason] = active_content(b"\xff\xd8\xff\xe0" + b"\x00" * 64, "image/jpeg")
    assert reason.en == "not a readable image"
    [reason] = active_content(png_bytes()[:60], "image/png")
    assert reason.en == "not a readable image"


def test_portal_refuses_a_photo_that_is_also_a_web_page_naming_the_field(
    client: Any, make_user: Any, login: Any
) -> None:
    login(make_user())
    upload = {
        "landlord_confirmation_kind": "upload",
        "landlord_confirmation_file": (io.BytesIO(jpeg_bytes() + SCRIPT), "bestaetigung.jpg"),
        "action": "save",
    }
    html = post_form(client, f"{BASE}/apply/landlord", upload).get_data(as_text=True)

    assert 'href="#f-landlord_confirmation_file"' in html
    assert "Bilddatei „bestaetigung.jpg“ enthält außer dem Bild weitere Inhalte" in html
    assert "HTML" in html
    assert db.session.scalar(select(func.count()).select_from(Upload)) == 0


def _api_upload(app: Flask, content: bytes, name: str) -> Any:
    return app.test_client().post(
        "/api/v1/uploads",
        data={
            "service": "parking_permit",
            "field": "vehicle_registration",
            "file": (io.BytesIO(content), name),
        },
        headers={**auth(mint(["cases:write"])), "Accept-Language": "en"},
        content_type="multipart/form-data",
    )


def test_api_refuses_an_image_with_a_script_with_422_naming_the_file(
    make_app: Callable[..., Flask],
) -> None:
    with running(make_app(**api_config())) as app:
        refused = _api_upload(app, POLYGLOTS["png text with a script"](), "schein.png")
        stored_after_refusal = db.session.scalar(select(func.count()).select_from(Upload))
        accepted = _api_upload(app, png_bytes(), "schein.png")

    assert refused.status_code == 422
    assert refused.mimetype == "application/problem+json"
    [error] = refused.json["errors"]
    assert error["path"] == "file"
    assert "the image file “schein.png” contains more than the picture" in error["message"]
    assert stored_after_refusal == 0
    assert accepted.status_code == 201
