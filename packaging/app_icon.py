"""The app's icon, drawn here so no binary art is kept in the repository: a dark-blue
tile with an excavator-yellow checkmark (a job done on site)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

BLUE = (31, 50, 71, 255)
YELLOW = (245, 180, 0, 255)
ICO_SIZES = [(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)]


def draw(size: int = 256) -> Image.Image:
    scale = 4  # drawn large, then downscaled: smooth edges
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=big // 5, fill=BLUE)
    tick = [(0.24, 0.52), (0.43, 0.71), (0.77, 0.31)]
    pen.line([(x * big, y * big) for x, y in tick], fill=YELLOW, width=big // 9, joint="curve")
    return image.resize((size, size), Image.Resampling.LANCZOS)


def write_png(path: Path, size: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    draw(size).save(path, format="PNG")
    return path


def write_ico(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    draw(256).save(path, format="ICO", sizes=ICO_SIZES)
    return path
