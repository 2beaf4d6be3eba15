"""Visit photos: what is accepted is decided by the file's content, never by its name or the
type the browser claims. Pillow is not a dependency, so images are not re-encoded: a file is
taken only when its first bytes are a JPEG, PNG, WebP or HEIC/HEIF signature, it is stored
under a random name with the extension of the type found, and it is served only through the
access-checked view with that type, ``nosniff`` and a sandboxing CSP (``views.photo``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Type code -> (extension, media type).
TYPES = {
    "jpeg": ("jpg", "image/jpeg"),
    "png": ("png", "image/png"),
    "webp": ("webp", "image/webp"),
    "heic": ("heic", "image/heic"),
}
# ISO base media brands of HEIC/HEIF still images (ftyp box).
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif"}


def sniff(head: bytes) -> str | None:
    """The image type the first bytes say, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return "heic"
    return None


def max_bytes() -> int:
    return int(settings.TANDEM_CHECKIN_PHOTO_MAX_MB) * 1024 * 1024


def check(upload: Any, field: str = "photo") -> str:
    """The type of an uploaded photo, or a ValidationError on ``field`` saying what is wrong."""
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes():
        raise ValidationError(
            {field: [_("The photo is larger than %(mb)s MB.") % {"mb": settings.TANDEM_CHECKIN_PHOTO_MAX_MB}]}
        )
    if not size:
        raise ValidationError({field: [_("The photo is empty.")]})
    upload.seek(0)
    head = upload.read(32)
    upload.seek(0)
    kind = sniff(head)
    if kind is None:
        raise ValidationError({field: [_("Upload a JPEG, PNG, WebP or HEIC photo.")]})
    return kind
