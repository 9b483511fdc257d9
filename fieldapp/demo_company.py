"""The demo company's letterhead (``resources/demo/company.json``) and its logo, drawn
with Pillow when the demo is built (no picture is kept in the source tree)."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import datetime
from pathlib import Path

from PIL import Image, ImageDraw
from sqlmodel import Session

from fieldapp.company import PROFILE_TEXT_FIELDS
from fieldapp.models.company import COMPANY_PROFILE_ID, CompanyProfile

LOGO_SIDE = 256
ORANGE = (232, 119, 16)
WHITE = (255, 255, 255)
DARK = (38, 38, 38)


def demo_logo_png() -> bytes:
    """A small square logo: an excavator's boom, arm and bucket on an orange tile.
    The same bytes every time (PNG without time stamps), so its SHA-256 is stable."""
    scale = 4  # drawn large and scaled down: smooth edges
    side = LOGO_SIDE * scale
    image = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, side - 1, side - 1), radius=side // 6, fill=ORANGE)

    def at(x: float, y: float) -> tuple[int, int]:
        return round(x * side), round(y * side)

    # Tracks and the upper body.
    draw.rounded_rectangle((*at(0.12, 0.74), *at(0.58, 0.86)), radius=side // 16, fill=DARK)
    draw.rectangle((*at(0.16, 0.56), *at(0.50, 0.74)), fill=WHITE)
    draw.rectangle((*at(0.36, 0.46), *at(0.50, 0.58)), fill=WHITE)  # the cab
    # Boom up and out, arm down, the bucket at its end.
    width = round(0.075 * side)
    draw.line([at(0.46, 0.58), at(0.66, 0.22), at(0.84, 0.30)], fill=WHITE, width=width)
    draw.line([at(0.84, 0.30), at(0.86, 0.62)], fill=WHITE, width=width)
    draw.polygon(
        [at(0.80, 0.58), at(0.93, 0.60), at(0.91, 0.74), at(0.84, 0.78), at(0.74, 0.70)],
        fill=WHITE,
    )
    for x, y in ((0.66, 0.22), (0.84, 0.30)):
        cx, cy = at(x, y)
        r = width // 2
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=WHITE)
    logo = image.resize((LOGO_SIDE, LOGO_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    logo.save(out, format="PNG", optimize=True)
    return out.getvalue()


def load_demo_company(session: Session, folder: Path, stamp: datetime) -> CompanyProfile | None:
    """Add the demo's letterhead under HQ's fixed id, its logo named by SHA-256 (the
    caller keeps the logo's bytes where blobs live: :func:`demo_logo_png`). A letterhead
    HQ already has is its own and is kept: None then."""
    if session.get(CompanyProfile, COMPANY_PROFILE_ID) is not None:
        return None
    data = json.loads((folder / "company.json").read_text(encoding="utf-8"))
    values = {name: str(data.get(name, "")) for name in PROFILE_TEXT_FIELDS}
    profile = CompanyProfile(
        id=COMPANY_PROFILE_ID,
        created_at=stamp,
        updated_at=stamp,
        logo_sha256=hashlib.sha256(demo_logo_png()).hexdigest(),
        **values,
    )
    session.add(profile)
    return profile


def demo_signature_png() -> bytes:
    """The demo customers' signature on their reports: a pen stroke, the same bytes
    every time (its SHA-256 is named in the demo's signed reports)."""
    image = Image.new("RGB", (600, 200), WHITE)
    draw = ImageDraw.Draw(image)
    points = [(40, 140), (110, 60), (150, 150), (230, 50), (290, 140), (380, 80), (460, 130)]
    draw.line(points, fill=DARK, width=5, joint="curve")
    draw.line([(300, 165), (560, 150)], fill=DARK, width=3)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False)
    return out.getvalue()
