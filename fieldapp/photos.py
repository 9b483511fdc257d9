"""Photos from a camera or a file, made ready for the report and the sync: turned
upright by their EXIF orientation, downscaled, re-encoded as JPEG, with a thumbnail."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from fieldapp.clock import as_utc

MAX_SIDE = 2048  # enough to read a nameplate, small enough to sync on a weak link
THUMB_SIDE = 320
JPEG_QUALITY = 85
EXIF_DATETIME_ORIGINAL = 36867
EXIF_IFD = 0x8769
MAX_INPUT_PIXELS = 80_000_000  # refuse decompression bombs, not big camera pictures


class PhotoError(ValueError):
    """The file is not a picture the app can read."""


@dataclass(frozen=True)
class Photo:
    data: bytes  # JPEG
    width: int
    height: int
    taken_at: datetime | None


def _open(raw: bytes, draft: int | None = None) -> Image.Image:
    Image.MAX_IMAGE_PIXELS = MAX_INPUT_PIXELS
    try:
        image = Image.open(io.BytesIO(raw))
        if draft is not None and image.format == "JPEG":
            image.draft("RGB", (draft, draft))  # decoded at a fraction of its size: fast
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise PhotoError(str(error)) from error
    return image


def _taken_at(image: Image.Image) -> datetime | None:
    stamp = image.getexif().get_ifd(EXIF_IFD).get(EXIF_DATETIME_ORIGINAL)
    if not isinstance(stamp, str):
        return None
    try:
        # EXIF has no time zone: the camera's local time, taken as the device's.
        return as_utc(datetime.strptime(stamp.strip(), "%Y:%m:%d %H:%M:%S").astimezone())
    except ValueError:
        return None


def _jpeg(image: Image.Image) -> bytes:
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def prepare_photo(raw: bytes, max_side: int = MAX_SIDE) -> Photo:
    image = _open(raw)
    taken_at = _taken_at(image)
    upright = ImageOps.exif_transpose(image)
    upright.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return Photo(_jpeg(upright), upright.width, upright.height, taken_at)


def prepare_photo_file(path: Path | str) -> Photo:
    """A photo read from a file (a camera app's picture, a scan), made ready."""
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise PhotoError(str(error)) from error
    return prepare_photo(raw)


def thumbnail(data: bytes, side: int = THUMB_SIDE) -> bytes:
    image = ImageOps.exif_transpose(_open(data))
    image.thumbnail((side, side), Image.Resampling.LANCZOS)
    return _jpeg(image)


PICTURE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".heic"})


def newest_pictures(folder: Path | str, limit: int = 24, depth: int = 2) -> list[Path]:
    """The newest pictures of a camera folder (DCIM keeps them a level or two down:
    DCIM/Camera, DCIM/100MEDIA), newest first. A folder that is missing or cannot be
    read gives none."""
    found: list[tuple[float, Path]] = []

    def walk(directory: Path, level: int) -> None:
        try:
            entries = list(os.scandir(directory))
        except OSError:
            return
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    if level < depth and not entry.name.startswith("."):
                        walk(Path(entry.path), level + 1)
                elif Path(entry.name).suffix.lower() in PICTURE_SUFFIXES:
                    found.append((entry.stat().st_mtime, Path(entry.path)))
            except OSError:
                continue

    walk(Path(folder), 0)
    found.sort(key=lambda pair: (pair[0], pair[1].name), reverse=True)
    return [path for _, path in found[:limit]]


def thumbnail_file(path: Path | str, side: int = THUMB_SIDE) -> bytes:
    """A JPEG thumbnail of a picture file, turned upright (for the pick-a-photo grid)."""
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise PhotoError(str(error)) from error
    image = ImageOps.exif_transpose(_open(raw, draft=side * 2))
    image.thumbnail((side, side), Image.Resampling.LANCZOS)
    return _jpeg(image)
