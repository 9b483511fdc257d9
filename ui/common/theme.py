"""Look and feel for gloves and sunlight: big touch targets (48 px and more: steppers,
drop-down rows, check boxes, scroll bars a finger can hold), large text, strong
contrast, the OS's light or dark scheme respected. The engineer's settings add a
high-contrast scheme (black on white, thick borders, no grey text) and a text size;
``apply`` puts them in force at once in every open window. Finger input (kinetic
scrolling, fields the wheel does not change) is ``ui/common/touch.py``'s, installed here with
the style."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

TOUCH = 48  # minimum height and width of anything the finger must hit
FONT_PT = 13
CJK_FAMILIES = ["Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC"]

# The engineer's text size (settings): points of the body text.
TEXT_SIZES = {"normal": FONT_PT, "large": FONT_PT + 3, "extra_large": FONT_PT + 6}


@dataclass(frozen=True)
class Look:
    """What the engineer chose in the settings for sunlight and reading."""

    high_contrast: bool = False
    text_size: str = "normal"

    @property
    def points(self) -> int:
        return TEXT_SIZES.get(self.text_size, FONT_PT)


_look = Look()
_applied: tuple[Look, bool, str] | None = None
_contrast_palette = False


def current_look() -> Look:
    return _look


def is_dark() -> bool:
    if _look.high_contrast:
        return False  # black on white, whatever the OS says
    hints = QGuiApplication.styleHints()
    if hints.colorScheme() == Qt.ColorScheme.Dark:
        return True
    window = QGuiApplication.palette().color(QPalette.ColorRole.Window)
    return window.lightness() < 128


def luminance(colour: QColor) -> float:
    """Relative luminance (WCAG 2)."""

    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(colour.redF())
        + 0.7152 * channel(colour.greenF())
        + 0.0722 * channel(colour.blueF())
    )


def contrast(a: QColor, b: QColor) -> float:
    """The WCAG contrast ratio of two colours, 1 to 21 (text wants 4.5 and more)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def urgency_colour(minutes_left: float | None) -> QColor:
    """The countdown chip: red when late, orange within two hours, amber within a day,
    else green. Chips are filled, so they keep their strong colours in dark mode too (a
    late job is a strong red with white text, never a pale salmon)."""
    if minutes_left is None:
        return QColor("#616161")
    if minutes_left < 0:
        return QColor("#c62828")
    if minutes_left < 120:
        return QColor("#e65100")
    if minutes_left < 24 * 60:
        return QColor("#8d6e00")
    return QColor("#2e7d32")


def text_on(background: QColor) -> QColor:
    """Black or white, whichever contrasts more with ``background`` (chips)."""
    black, white = QColor("black"), QColor("white")
    return black if contrast(background, black) > contrast(background, white) else white


def warning_colour() -> QColor:
    if _look.high_contrast:
        return QColor("#7a3e00")
    return QColor("#ffb74d" if is_dark() else "#b35c00")


def error_colour() -> QColor:
    """Error text (and small red marks); light on a dark window, dark on a light one."""
    if _look.high_contrast:
        return QColor("#b00000")
    return QColor("#ff8a80" if is_dark() else "#c62828")


def ok_colour() -> QColor:
    if _look.high_contrast:
        return QColor("#1b5e20")
    return QColor("#81c784" if is_dark() else "#2e7d32")


def high_contrast_palette() -> QPalette:
    """Black on white, blue selection: for the sun on the screen."""
    palette = QPalette()
    black, white = QColor("black"), QColor("white")
    for role, colour in (
        (QPalette.ColorRole.Window, white),
        (QPalette.ColorRole.WindowText, black),
        (QPalette.ColorRole.Base, white),
        (QPalette.ColorRole.AlternateBase, QColor("#f0f0f0")),
        (QPalette.ColorRole.Text, black),
        (QPalette.ColorRole.Button, white),
        (QPalette.ColorRole.ButtonText, black),
        (QPalette.ColorRole.BrightText, black),
        (QPalette.ColorRole.Highlight, QColor("#0037a6")),
        (QPalette.ColorRole.HighlightedText, white),
        (QPalette.ColorRole.PlaceholderText, QColor("#333333")),
        (QPalette.ColorRole.ToolTipBase, white),
        (QPalette.ColorRole.ToolTipText, black),
        (QPalette.ColorRole.Light, white),
        (QPalette.ColorRole.Midlight, QColor("#e0e0e0")),
        (QPalette.ColorRole.Mid, black),
        (QPalette.ColorRole.Dark, black),
        (QPalette.ColorRole.Shadow, black),
        (QPalette.ColorRole.Link, QColor("#0037a6")),
    ):
        palette.setColor(role, colour)
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#555555"))
    return palette


STYLE = """
QWidget { font-size: %(pt)dpt; }
QPushButton, QToolButton {
    min-height: %(touch)dpx; min-width: %(touch)dpx; padding: 0 16px; border-radius: 6px;
    border: 1px solid palette(dark); background: palette(button); color: palette(button-text);
}
QPushButton:hover { border-color: palette(highlight); }
QPushButton:pressed { background: palette(mid); }
QPushButton:checked {
    background: palette(highlight); color: palette(highlighted-text);
    border-color: palette(highlight);
}
QPushButton:disabled { color: palette(placeholder-text); border-color: palette(mid); }
QPushButton:focus { border: 2px solid palette(highlight); }
QPushButton[primary="true"] {
    background: palette(highlight); color: palette(highlighted-text); font-weight: bold;
    border-color: palette(highlight);
}
QPushButton[danger="true"] { color: %(error)s; }
QPushButton[primary="true"]:disabled {
    background: palette(button); color: palette(placeholder-text); border-color: palette(mid);
    font-weight: normal;
}
QLineEdit, QComboBox, QAbstractSpinBox { min-height: %(touch)dpx; padding: 0 8px; }
QAbstractSpinBox {
    padding: 0 %(stepper)dpx; border: %(border)dpx solid palette(dark); border-radius: 6px;
    background: palette(base);
}
QAbstractSpinBox::up-button, QAbstractSpinBox::down-button {
    subcontrol-origin: border; position: absolute; top: 0; bottom: 0; width: %(touch)dpx;
    border: 0 solid palette(dark); background: palette(button);
}
QAbstractSpinBox::up-button { subcontrol-position: right; border-left-width: %(border)dpx;
    border-top-right-radius: 6px; border-bottom-right-radius: 6px; }
QAbstractSpinBox::down-button { subcontrol-position: left; border-right-width: %(border)dpx;
    border-top-left-radius: 6px; border-bottom-left-radius: 6px; }
QAbstractSpinBox::up-button:pressed, QAbstractSpinBox::down-button:pressed {
    background: palette(mid);
}
QAbstractSpinBox::up-arrow { image: url("%(plus)s"); width: 24px; height: 24px; }
QAbstractSpinBox::down-arrow { image: url("%(minus)s"); width: 24px; height: 24px; }
QAbstractSpinBox::up-arrow:disabled, QAbstractSpinBox::up-arrow:off {
    image: url("%(plus_off)s");
}
QAbstractSpinBox::down-arrow:disabled, QAbstractSpinBox::down-arrow:off {
    image: url("%(minus_off)s");
}
QAbstractSpinBox QLineEdit {
    min-height: 0; padding: 0; border: 0; background: transparent;
}
QDateEdit[calendarPopup="true"], QDateTimeEdit[calendarPopup="true"] {
    padding-left: 8px; padding-right: %(stepper)dpx;
}
QDateEdit::drop-down, QDateTimeEdit::drop-down, QComboBox::drop-down {
    subcontrol-origin: border; subcontrol-position: right; width: %(touch)dpx;
    position: absolute; top: 0; bottom: 0; border: 0;
    border-left: %(border)dpx solid palette(dark);
}
QDateEdit::down-arrow, QDateTimeEdit::down-arrow, QComboBox::down-arrow {
    image: url("%(chevron)s"); width: 24px; height: 24px;
}
QComboBox {
    combobox-popup: 0; padding-right: %(stepper)dpx; border: %(border)dpx solid palette(dark);
    border-radius: 6px; background: palette(base); color: palette(text);
}
QComboBox:editable { background: palette(base); }
QComboBox QAbstractItemView {
    border: %(border)dpx solid palette(dark); background: palette(base);
    selection-background-color: palette(highlight); selection-color: palette(highlighted-text);
}
QComboBox QAbstractItemView::item, QFileDialog QAbstractItemView::item {
    min-height: %(touch)dpx; padding: 0 8px;
}
QPlainTextEdit, QTextEdit { padding: 6px; }
QCheckBox, QRadioButton { min-height: %(touch)dpx; spacing: 12px; }
QCheckBox::indicator, QRadioButton::indicator { width: %(indicator)dpx; height: %(indicator)dpx; }
QTabBar::tab { min-height: %(touch)dpx; min-width: 96px; padding: 0 14px; }
QScrollBar:vertical { width: %(bar)dpx; background: palette(window); margin: 0; border: 0; }
QScrollBar:horizontal { height: %(bar)dpx; background: palette(window); margin: 0; border: 0; }
QScrollBar::handle:vertical { min-height: 64px; margin: 4px 6px; }
QScrollBar::handle:horizontal { min-width: 64px; margin: 6px 4px; }
QScrollBar::handle {
    background: palette(mid); border-radius: 6px; border: %(border)dpx solid palette(dark);
}
QScrollBar::handle:pressed { background: palette(highlight); }
QScrollBar::add-line, QScrollBar::sub-line { width: 0; height: 0; border: 0; }
QScrollBar::add-page, QScrollBar::sub-page { background: none; }
QLabel[role="title"] { font-size: %(title)dpt; font-weight: bold; }
QLabel[role="section"] { font-size: %(section)dpt; font-weight: bold; padding-top: 8px; }
QLabel[role="error"] { color: %(error)s; }
QLabel[role="warning"] { color: %(warning)s; }
QLabel[role="muted"] { color: palette(placeholder-text); }
QLabel[role="total"] { font-size: %(section)dpt; font-weight: bold; }
QFrame[role="card"] {
    border: 1px solid palette(mid); border-radius: 8px; background: palette(base);
}
QStatusBar QLabel { padding: 0 8px; }
QFrame[role="banner"] { background: #8a4b00; border: 0; }
QFrame[role="banner"] QLabel { color: white; font-weight: bold; }
QFrame[role="topbar"] { border: 0; border-bottom: %(border)dpx solid palette(mid); }
QFrame[role="rail"] { border: 0; border-right: %(border)dpx solid palette(mid); }
QFrame[role="rail"] QPushButton { text-align: left; padding-left: 16px; }
"""


HIGH_CONTRAST_STYLE = """
QWidget { color: palette(text); }
QPushButton, QToolButton, QLineEdit, QComboBox, QPlainTextEdit, QTextEdit, QTabBar::tab {
    border: %(border)dpx solid black;
}
QPushButton:focus, QLineEdit:focus, QComboBox:focus, QAbstractSpinBox:focus {
    border: 4px solid palette(highlight);
}
QPushButton:disabled { color: #555555; border-color: #555555; }
QTabBar::tab:selected { background: black; color: white; }
QLabel[role="muted"] { color: palette(text); }
QFrame[role="card"] { border: %(border)dpx solid black; }
QFrame[role="banner"] { background: black; }
QCheckBox::indicator { border: %(border)dpx solid black; background: white; }
QCheckBox::indicator:checked { image: url("%(tick)s"); }
QCheckBox::indicator:disabled { border-color: #555555; }
"""

SIGN_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="48" height="48" viewBox="0 0 48 48">'
    '<path d="%(path)s" stroke="%(colour)s" stroke-width="6" fill="none"'
    ' stroke-linecap="round" stroke-linejoin="round"/></svg>'
)
SIGNS = {
    "plus": "M8 24H40M24 8V40",
    "minus": "M8 24H40",
    "chevron": "M10 18L24 32L38 18",
    "tick": "M9 25L20 36L39 12",
}


def sign_icon(name: str, colour: QColor) -> str:
    """The path of a + or − picture for the steppers, in ``colour`` (made once)."""
    folder = (
        Path(
            QStandardPaths.writableLocation(QStandardPaths.StandardLocation.CacheLocation)
            or tempfile.gettempdir()
        )
        / "stepper-icons"
    )
    path = folder / f"{name}-{colour.name()[1:]}.svg"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        text = SIGN_SVG % {"path": SIGNS[name], "colour": colour.name()}
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)
    return path.as_posix()


def style_sheet(look: Look, palette: QPalette) -> str:
    pt = look.points
    border = 3 if look.high_contrast else 1
    ink = palette.color(QPalette.ColorRole.ButtonText)
    faint = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText)
    values = {
        "pt": pt,
        "title": pt + 5,
        "section": pt + 2,
        "touch": TOUCH,
        "stepper": TOUCH + 4,
        "indicator": 36,
        "bar": 40,
        "border": border,
        "error": error_colour().name(),
        "warning": warning_colour().name(),
        "plus": sign_icon("plus", ink),
        "minus": sign_icon("minus", ink),
        "plus_off": sign_icon("plus", faint),
        "minus_off": sign_icon("minus", faint),
        "tick": sign_icon("tick", QColor("black")),
        "chevron": sign_icon("chevron", palette.color(QPalette.ColorRole.Text)),
    }
    sheet = STYLE % values
    if look.high_contrast:
        sheet += HIGH_CONTRAST_STYLE % values
    return sheet


def apply(app: QApplication, look: Look | None = None) -> None:
    """The style, fonts, palette and style sheet of ``look`` (by default the one in
    use); call again when the OS switches light/dark or the engineer changes the
    settings: every open window follows at once."""
    from ui.common.touch import TouchStyle

    global _look, _applied, _contrast_palette
    if look is not None:
        _look = look
    if not isinstance(app.style(), TouchStyle):
        app.setStyle(TouchStyle())
    if _look.high_contrast:
        app.setPalette(high_contrast_palette())
        _contrast_palette = True
    elif _contrast_palette:
        app.setPalette(app.style().standardPalette())  # the OS's scheme again
        _contrast_palette = False
    sheet = style_sheet(_look, app.palette())
    key = (_look, is_dark(), sheet)
    if key == _applied and app.styleSheet() == sheet:
        return
    _applied = key
    font = QFont()
    font.setFamilies([*CJK_FAMILIES, font.family()])
    font.setPointSize(_look.points)
    app.setFont(font)
    app.setStyleSheet(sheet)


def follow_colour_scheme(app: QApplication) -> None:
    QGuiApplication.styleHints().colorSchemeChanged.connect(lambda _scheme: apply(app))
