"""The barcode reader: a part's label (Code 128, QR, Data Matrix…) read from a photo of
it. zxing-cpp reads; Pillow turns the photo upright and small enough to read fast. It
holds no Qt and runs in the back (``ctx.task_manager``)."""

from __future__ import annotations

import io
import logging
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

log = logging.getLogger(__name__)

MAX_SIDE = 2400  # a label photographed from 30 cm stays readable; a 48 MP photo is fast


def read_code_from_image(path_or_bytes: Path | str | bytes) -> str | None:
    """The text of the first barcode or QR code in a picture, or None when there is no
    code it can read (or the file is not a picture)."""
    import zxingcpp  # its library loads on first use, not at the app's start

    try:
        raw = (
            path_or_bytes if isinstance(path_or_bytes, bytes) else Path(path_or_bytes).read_bytes()
        )
        with Image.open(io.BytesIO(raw)) as opened:
            opened.draft("L", (MAX_SIDE, MAX_SIDE))
            image = ImageOps.exif_transpose(opened).convert("L")
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError) as error:
        log.info("No picture to read a code from: %s", error)
        return None
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    for candidate in (image, ImageOps.autocontrast(image)):
        for code in zxingcpp.read_barcodes(candidate):
            text = str(code.text).strip()
            if text:
                return text
    return None
