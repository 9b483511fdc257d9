"""Helpers for the UI tests: an offscreen Qt, a window on a real device store, and
finger-like input."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QInputMethodEvent, QMouseEvent
from PySide6.QtWidgets import QApplication, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from fieldapp.store import Store
from ui.common import theme
from ui.common.context import AppContext
from ui.common.i18n import INSTALLED
from ui.common.tasks import TaskManager
from ui.mainwindow import MainWindow


def open_window(
    qtbot: QtBot, store: Store, data_dir: Path, language: str = "zh_CN", *, auto_sync: bool = False
) -> MainWindow:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    INSTALLED.install(language)
    theme.apply(app)
    ctx = AppContext(store=store, data_dir=data_dir, task_manager=TaskManager(), language=language)
    window = MainWindow(ctx, auto_sync=auto_sync)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    return window


def tap(qtbot: QtBot, widget: QWidget) -> None:
    """A tap in the middle of a visible, enabled button (a button added to a shown
    page appears at the next turn of the event loop)."""
    qtbot.waitUntil(widget.isVisible, timeout=2000)
    assert widget.isEnabled(), f"{widget.objectName()} is disabled"
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=widget.rect().center())


def button_named(parent: QWidget, name: str) -> QPushButton:
    found = parent.findChild(QPushButton, name)
    assert found is not None, f"no button {name}"
    return found


def stroke(qtbot: QtBot, widget: QWidget, points: list[tuple[float, float]]) -> None:
    """A drawn stroke: press, moves with the button held, release."""
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=QPoint(*map(round, points[0])))
    for x, y in points[1:]:
        QApplication.sendEvent(
            widget,
            QMouseEvent(
                QEvent.Type.MouseMove,
                QPointF(x, y),
                QPointF(widget.mapToGlobal(QPoint(round(x), round(y)))),
                Qt.MouseButton.NoButton,
                Qt.MouseButton.LeftButton,
                Qt.KeyboardModifier.NoModifier,
            ),
        )
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=QPoint(*map(round, points[-1])))


def type_text(qtbot: QtBot, widget: QWidget, text: str) -> None:
    """Typing as an engineer does: ASCII on the keys, Chinese committed by the input
    method (QTest cannot press keys that do not exist on a keyboard)."""
    widget.setFocus()
    if text.isascii():
        qtbot.keyClicks(widget, text)
        return
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)
