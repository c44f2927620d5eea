"""A partner's picture, as a researcher uploads it: checked to be a small PNG, JPEG, GIF or
WebP image by its first bytes (never by its name or the browser's word), and stored once
under its SHA-256, so that a condition's design names the exact picture and a new picture
is a new file (nothing is overwritten)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from django.conf import settings

MAX_BYTES = 512 * 1024
KINDS = {  # first bytes -> extension, content type
    b"\x89PNG\r\n\x1a\n": ("png", "image/png"),
    b"\xff\xd8\xff": ("jpg", "image/jpeg"),
    b"GIF87a": ("gif", "image/gif"),
    b"GIF89a": ("gif", "image/gif"),
}
NAME = re.compile(r"partners/([0-9a-f]{64})\.(png|jpg|gif|webp)")
TYPES = {"png": "image/png", "jpg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}


class PictureError(ValueError):
    pass


def kind_of(data: bytes) -> str:
    """The picture's extension from its first bytes; PictureError for anything else."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    for magic, (extension, _type) in KINDS.items():
        if data.startswith(magic):
            return extension
    raise PictureError("The picture must be a PNG, JPEG, GIF or WebP image.")


def picture_store(upload) -> str:
    """Keep an uploaded picture; its name as a condition records it (partners/<sha>.<ext>)."""
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise PictureError(f"The picture can be at most {MAX_BYTES // 1024} KiB.")
    name = f"partners/{hashlib.sha256(data).hexdigest()}.{kind_of(data)}"
    path = Path(settings.MEDIA_ROOT) / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(path)
    return name


def picture_file(name: str) -> tuple[Path, str] | None:
    """The stored picture's path and content type, or None for a name that is not one."""
    found = NAME.fullmatch(name)
    if not found:
        return None
    path = Path(settings.MEDIA_ROOT) / name
    return (path, TYPES[found[2]]) if path.is_file() else None
