"""Every screen renders, in Chinese and in English, at the tablet's 1280×800: the
script that makes the pictures to look at runs without an error or a Qt warning."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

import tests.ui_support  # noqa: F401  (offscreen Qt)
from ui import screens


def test_every_screen_renders_in_both_languages(tmp_path: Path) -> None:
    out = tmp_path / "screens"
    assert screens.main(["--out", str(out), "--work", str(tmp_path / "work")]) == 0
    pictures = sorted(out.glob("*.png"))
    zh = [p for p in pictures if p.name.startswith("zh-")]
    en = [p for p in pictures if p.name.startswith("en-")]
    assert len(zh) == len(en) >= 25
    assert {p.name[3:] for p in zh} == {p.name[3:] for p in en}
    # The supervisor's and the office's desks, page by page, in both languages.
    for desk, least in (("supervisor", 12), ("office", 4)):
        zh_desk = {p.name[len(desk) + 4 :] for p in pictures if p.name.startswith(f"{desk}-zh-")}
        en_desk = {p.name[len(desk) + 4 :] for p in pictures if p.name.startswith(f"{desk}-en-")}
        assert zh_desk == en_desk and len(zh_desk) >= least, desk
    windows = [p for p in pictures if "dialog" not in p.name and "preview" not in p.name]
    for picture in windows:
        with Image.open(picture) as image:
            assert image.size == (1280, 800), picture.name
            # Not a blank grab: a rendered window has text and frames in it.
            assert len(image.convert("L").getcolors(256 * 256) or []) > 8, picture.name
