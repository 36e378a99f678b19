"""Find what a JPEG or PNG carries besides its picture: markup, scripts, trailing data.

An image that is also a web page (a polyglot) runs its script in our origin when a browser
takes it for HTML or SVG, and trailing data after the image's end is where such pages (and
archives) hide. Such images are refused, not re-encoded: a re-encoded file differs from the
one the resident holds, and the message tells them to save the picture again.

The markup search covers every byte a browser could read as text: the metadata segments
(JPEG APPn and comments, PNG chunks) and anything after the end. The compressed picture
data is skipped, so a photo is not refused because its compressed bytes happen to spell
`<svg `. Pillow checks that the file is an image of the claimed type at all. Further
pictures after a JPEG's end (the multi-picture format of phone cameras: depth maps, HDR
gain maps) are allowed, each checked the same way.
"""

from __future__ import annotations

import io
import re
import struct
import warnings
from collections.abc import Iterator

from PIL import Image, UnidentifiedImageError

from service.engine.types import Text

MARKUP = Text(de="HTML oder Skript", en="HTML or script")
TRAILING = Text(de="Daten nach dem Bildende", en="data after the end of the picture")
UNREADABLE = Text(de="keine lesbare Bilddatei", en="not a readable image")

#: Markup or a script link that makes a browser run something when it reads the bytes.
_MARKUP = re.compile(
    rb"<(?:!doctype\s+html|html|head|body|script|iframe|object|embed|svg|meta|img|link|style)"
    rb"[\s>/]|javascript:|vbscript:",
    re.IGNORECASE,
)
_PILLOW_FORMATS = {"image/jpeg": {"JPEG", "MPO"}, "image/png": {"PNG"}}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: JPEG markers without a length: restart markers, TEM and SOI.
_STANDALONE = {0x01, *range(0xD0, 0xD8), 0xD8}
_EOI, _SOS = 0xD9, 0xDA


class _Unreadable(Exception):
    """The structure of the file is broken."""


def active_content(content: bytes, content_type: str) -> list[Text]:
    """Return what the image carries besides its picture (empty for a plain image).

    JPEG and PNG are taken apart; any other image type is searched as a whole for markup.
    """
    if content_type not in _PILLOW_FORMATS:
        return [MARKUP] if _MARKUP.search(content) else []
    if not _pillow_reads(content, _PILLOW_FORMATS[content_type]):
        return [UNREADABLE]
    try:
        if content_type == "image/png":
            text, trailing = _png_parts(content)
        else:
            text, trailing = _jpeg_parts(content)
    except _Unreadable:
        return [UNREADABLE]
    found = []
    if any(_MARKUP.search(part) for part in [*text, trailing]):
        found.append(MARKUP)
    if trailing:
        found.append(TRAILING)
    return found


def _pillow_reads(content: bytes, formats: set[str]) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                kind = image.format
                image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, struct.error):
        return False
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return False
    return kind in formats


def _png_parts(content: bytes) -> tuple[list[bytes], bytes]:
    """Return the PNG's chunks other than picture data, and what follows IEND."""
    if not content.startswith(_PNG_SIGNATURE):
        raise _Unreadable
    parts: list[bytes] = []
    pos = len(_PNG_SIGNATURE)
    while pos + 8 <= len(content):
        (length,) = struct.unpack(">I", content[pos : pos + 4])
        kind = content[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > len(content):
            raise _Unreadable
        if kind not in (b"IDAT", b"fdAT"):
            # The chunk's type too: a chunk of one's own may be named like a tag.
            parts.append(content[pos + 4 : end - 4])
        pos = end
        if kind == b"IEND":
            return parts, content[pos:]
    raise _Unreadable


def _jpeg_parts(content: bytes) -> tuple[list[bytes], bytes]:
    """Return a JPEG's segments other than coded picture data, and what follows its end.

    Further JPEGs right after the end (multi-picture format) are taken apart too.
    """
    parts: list[bytes] = []
    pos = 0
    while True:
        end = _jpeg_segments(content, pos, parts)
        rest = content[end:]
        if not rest.strip(b"\x00"):
            return parts, b""
        following = _next_picture(content, end)
        if following is None:
            return parts, rest
        parts.append(content[end:following])
        pos = following


def _next_picture(content: bytes, end: int) -> int | None:
    """Return where the next JPEG starts after `end` when only padding lies between."""
    start = content.find(b"\xff\xd8\xff", end)
    if start < 0 or content[end:start].strip(b"\x00"):
        return None
    return start


def _jpeg_segments(content: bytes, pos: int, parts: list[bytes]) -> int:
    """Walk one JPEG from its SOI at `pos`; collect its segments; return the end after EOI."""
    if content[pos : pos + 2] != b"\xff\xd8":
        raise _Unreadable
    pos += 2
    for marker, start in _markers(content, pos):
        if marker == _EOI:
            return start
        if marker in _STANDALONE:
            continue
        (length,) = struct.unpack(">H", content[start : start + 2])
        parts.append(content[start : start + length])
    raise _Unreadable


def _markers(content: bytes, pos: int) -> Iterator[tuple[int, int]]:
    """Yield each marker and the position after it; skip coded data after SOS."""
    size = len(content)
    while pos < size:
        if content[pos] != 0xFF:
            raise _Unreadable
        while pos < size and content[pos] == 0xFF:
            pos += 1
        if pos >= size:
            break
        marker, pos = content[pos], pos + 1
        yield marker, pos
        if marker == _EOI:
            return
        if marker in _STANDALONE:
            continue
        if pos + 2 > size:
            break
        (length,) = struct.unpack(">H", content[pos : pos + 2])
        pos += length
        if marker == _SOS:
            pos = _after_coded_data(content, pos)
    raise _Unreadable


def _after_coded_data(content: bytes, pos: int) -> int:
    """Return the position of the first marker after entropy-coded data starting at `pos`."""
    while True:
        pos = content.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= len(content):
            raise _Unreadable
        following = content[pos + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            pos += 1 if following == 0xFF else 2
            continue
        return pos
