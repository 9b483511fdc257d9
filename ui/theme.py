"""Look and feel for gloves and sunlight: big touch targets (48 px and more), large
text, strong contrast, the OS's light or dark scheme respected."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

TOUCH = 48  # minimum height and width of anything the finger must hit
FONT_PT = 13
CJK_FAMILIES = ["Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC"]


def is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    if hints.colorScheme() == Qt.ColorScheme.Dark:
        return True
    window = QGuiApplication.palette().color(QPalette.ColorRole.Window)
    return window.lightness() < 128


def urgency_colour(minutes_left: float | None) -> QColor:
    """Red when late, orange within two hours, amber within a day, else green."""
    dark = is_dark()
    if minutes_left is None:
        return QColor("#9e9e9e")
    if minutes_left < 0:
        return QColor("#ff6b6b" if dark else "#c62828")
    if minutes_left < 120:
        return QColor("#ffa040" if dark else "#e65100")
    if minutes_left < 24 * 60:
        return QColor("#ffd54f" if dark else "#8d6e00")
    return QColor("#81c784" if dark else "#2e7d32")


def text_on(background: QColor) -> QColor:
    """Black or white, whichever reads better on ``background`` (countdown chips)."""
    return QColor("black" if background.lightness() > 140 else "white")


def warning_colour() -> QColor:
    return QColor("#ffb74d" if is_dark() else "#b35c00")


def error_colour() -> QColor:
    return QColor("#ff8a80" if is_dark() else "#c62828")


def ok_colour() -> QColor:
    return QColor("#81c784" if is_dark() else "#2e7d32")


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
QLineEdit, QComboBox, QSpinBox, QDoubleSpinBox, QDateTimeEdit, QDateEdit {
    min-height: %(touch)dpx; padding: 0 8px;
}
QPlainTextEdit, QTextEdit { padding: 6px; }
QCheckBox, QRadioButton { min-height: %(touch)dpx; spacing: 12px; }
QCheckBox::indicator, QRadioButton::indicator { width: 28px; height: 28px; }
QTabBar::tab { min-height: %(touch)dpx; min-width: 96px; padding: 0 14px; }
QScrollBar:vertical { width: 22px; }
QScrollBar:horizontal { height: 22px; }
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
"""


def apply(app: QApplication) -> None:
    """Fonts and the style sheet; call again when the OS switches light/dark."""
    app.setStyle("Fusion")
    font = QFont()
    font.setFamilies([*CJK_FAMILIES, font.family()])
    font.setPointSize(FONT_PT)
    app.setFont(font)
    app.setStyleSheet(
        STYLE
        % {
            "pt": FONT_PT,
            "title": FONT_PT + 5,
            "section": FONT_PT + 2,
            "touch": TOUCH,
            "error": error_colour().name(),
            "warning": warning_colour().name(),
        }
    )


def follow_colour_scheme(app: QApplication) -> None:
    QGuiApplication.styleHints().colorSchemeChanged.connect(lambda _scheme: apply(app))
