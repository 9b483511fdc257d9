"""What HQ accepts as a blob: a photo, a signature or a logo that decodes as an image,
or a report PDF; no larger than the configured size. Checked when the last chunk of an
upload arrives (in a worker thread, never on the server's event loop)."""

from __future__ import annotations

import io
import os
import warnings

from PIL import Image

MAX_BYTES_ENV = "FIELDAPP_HQ_MAX_BLOB_BYTES"
MAX_PIXELS_ENV = "FIELDAPP_HQ_MAX_IMAGE_PIXELS"
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
DEFAULT_MAX_PIXELS = 60_000_000  # a 60-megapixel photo; the app sends far smaller ones
IMAGE_FORMATS = ("JPEG", "PNG", "WEBP")
PDF_MAGIC = b"%PDF-"


class BlobRefused(Exception):
    """A blob HQ does not store: ``status`` 413 (too large) or 415 (not an image/PDF)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def max_bytes() -> int:
    return int(os.environ.get(MAX_BYTES_ENV) or DEFAULT_MAX_BYTES)


def check_size(total: int) -> None:
    limit = max_bytes()
    if total > limit:
        raise BlobRefused(
            413, "blob_too_large", f"A blob may be at most {limit} bytes; this one is {total}."
        )


def kind_of(content: bytes) -> str:
    """``"pdf"`` or ``"image"``; raises :class:`BlobRefused` for anything else."""
    check_size(len(content))
    if content.startswith(PDF_MAGIC):
        return "pdf"
    max_pixels = int(os.environ.get(MAX_PIXELS_ENV) or DEFAULT_MAX_PIXELS)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content), formats=IMAGE_FORMATS) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise BlobRefused(
                        413,
                        "image_too_large",
                        f"The image has {width}×{height} pixels; at most {max_pixels} are taken.",
                    )
                image.load()  # decodes every pixel: a truncated or corrupt file fails here
    except BlobRefused:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Warning) as error:
        raise BlobRefused(
            415,
            "unsupported_blob",
            "HQ stores photos and signatures as JPEG, PNG or WebP images and reports as "
            f"PDF; this blob is neither ({type(error).__name__}).",
        ) from None
    return "image"
