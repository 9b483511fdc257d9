"""Small pieces the screens share: big buttons, a field with its error next to it,
cards, money and countdown text."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QColor, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QLabel,
    QLayout,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldapp.clock import as_utc

# The pictures a camera app or a scanner saves (HEIC only where Qt's plugin reads it).
IMAGE_FILTER = "Images (*.jpg *.jpeg *.png *.webp *.bmp *.tif *.tiff)"


def money(cents: int) -> str:
    return f"¥{cents / 100:,.2f}"


def minutes_text(minutes: int) -> str:
    hours, rest = divmod(abs(minutes), 60)
    if hours and rest:
        return (
            QCoreApplication.translate("Widgets", "%1 h %2 min")
            .replace("%1", str(hours))
            .replace("%2", str(rest))
        )
    if hours:
        return QCoreApplication.translate("Widgets", "%1 h").replace("%1", str(hours))
    return QCoreApplication.translate("Widgets", "%1 min").replace("%1", str(rest))


def minutes_left(due: datetime | None, now: datetime) -> float | None:
    if due is None:
        return None
    return (as_utc(due) - as_utc(now)).total_seconds() / 60


def countdown_text(due: datetime | None, now: datetime) -> str:
    left = minutes_left(due, now)
    if left is None:
        return QCoreApplication.translate("Widgets", "no deadline")
    whole = int(left)
    if abs(whole) >= 48 * 60:
        days = abs(whole) // (24 * 60)
        span = QCoreApplication.translate("Widgets", "%1 days").replace("%1", str(days))
    else:
        span = minutes_text(whole)
    if whole < 0:
        return QCoreApplication.translate("Widgets", "%1 late").replace("%1", span)
    return QCoreApplication.translate("Widgets", "%1 left").replace("%1", span)


def deadline_chip(
    due: datetime | None, arrived_at: datetime | None, now: datetime
) -> tuple[str, QColor]:
    """The chip of a job not yet done: before arrival a countdown to the on-site
    deadline coloured by urgency; once on site, whether the arrival was on time or how
    late it was (the clock stops at the arrival)."""
    from ui.common import theme

    if arrived_at is None:
        return countdown_text(due, now), theme.urgency_colour(minutes_left(due, now))
    late = -(minutes_left(due, arrived_at) or 0)
    if late <= 0:
        return QCoreApplication.translate("Widgets", "arrived on time"), theme.ok_colour()
    return (
        QCoreApplication.translate("Widgets", "arrived %1 late").replace(
            "%1", minutes_text(int(late))
        ),
        theme.warning_colour(),
    )


def local_time(value: datetime | None) -> str:
    if value is None:
        return "—"
    return as_utc(value).astimezone().strftime("%Y-%m-%d %H:%M")


def clear_layout(layout: QLayout) -> None:
    """Empty a layout that is filled again: its widgets leave at once (a test or a
    screen reader never finds a stale one) and are deleted when Qt is ready."""
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget()
        if widget is not None:
            widget.hide()
            widget.setParent(None)  # type: ignore[call-overload]
            widget.deleteLater()
        elif item.layout() is not None:
            clear_layout(item.layout())


def button(text: str, *, primary: bool = False, danger: bool = False) -> QPushButton:
    widget = QPushButton(text)
    widget.setProperty("primary", primary)
    widget.setProperty("danger", danger)
    widget.setCursor(Qt.CursorShape.PointingHandCursor)
    return widget


def styled_label(text: str = "", role: str = "") -> QLabel:
    widget = QLabel(text)
    if role:
        widget.setProperty("role", role)
    widget.setWordWrap(True)
    # Not selectable by mouse: a finger dragging over the text scrolls (ui/common/touch.py).
    return widget


class ErrorLabel(QLabel):
    """The message next to a field; hidden while there is nothing to say."""

    def __init__(self) -> None:
        super().__init__()
        self.setProperty("role", "error")
        self.setWordWrap(True)
        self.hide()

    def show_message(self, text: str, role: str = "error") -> None:
        self.setProperty("role", role)
        self.style().unpolish(self)
        self.style().polish(self)
        self.setText(text)
        self.setVisible(bool(text))

    def clear_message(self) -> None:
        self.setText("")
        self.hide()


class LazyTab(QWidget):
    """A tab that reads the store only when it is on screen: a write elsewhere on the
    job marks it out of date, and it catches up when the engineer opens it."""

    def __init__(self) -> None:
        super().__init__()
        self._pending: tuple[Any, Any] | None = None

    def show_job(self, view: Any, work: Any) -> None:
        self._pending = (view, work)
        if self.isVisible():
            self._catch_up()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._catch_up()

    def _catch_up(self) -> None:
        if self._pending is not None:
            view, work = self._pending
            self._pending = None
            self.load(view, work)

    def load(self, view: Any, work: Any) -> None:
        raise NotImplementedError  # each tab reads what it shows


class Card(QFrame):
    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "card")
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(16, 12, 16, 12)
        if title:
            self.body.addWidget(styled_label(title, "section"))


class ReasonDialog(QDialog):
    """Asks for a reason (hand back, leave unfinished, override a charge); refuses an
    empty one with a message next to the field."""

    def __init__(self, title: str, prompt: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        layout.addWidget(styled_label(prompt))
        self.text = QPlainTextEdit()
        self.text.setMinimumHeight(120)
        layout.addWidget(self.text)
        self.error = ErrorLabel()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _check(self) -> None:
        if not self.text.toPlainText().strip():
            self.error.show_message(QCoreApplication.translate("Widgets", "Please give a reason."))
            return
        self.accept()

    def reason(self) -> str:
        return self.text.toPlainText().strip()
