"""What the office's pages share: a list on the left (rows a finger can hit) and the
chosen row's detail on the right, scrolled; the chosen row is kept across a refresh.
The store is read in the back (ui/common/tasks.py): a clerk's device holds every job."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ui.common.context import AppContext
from ui.common.labels import error_text
from ui.common.widgets import styled_label

log = logging.getLogger(__name__)

LIST_WIDTH = 440
ROW_HEIGHT = 72  # two lines of text, well above the 48 px of a finger


class ListDetailPage(QWidget):
    """A page of the office desk: subclasses fill :attr:`header`, :attr:`detail` and
    call :meth:`set_rows`; :meth:`show_row` is called with the chosen key."""

    changed = Signal()
    open_job = Signal(str)
    loaded = Signal()  # the rows of a refresh are on screen (tests and screenshots wait)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._generation = 0
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 12)
        self.header = QHBoxLayout()
        self.heading = styled_label("", "title")
        self.header.addWidget(self.heading, 1)
        outer.addLayout(self.header)
        body = QHBoxLayout()
        outer.addLayout(body, 1)
        left = QVBoxLayout()
        self.rows = QListWidget()
        self.rows.setObjectName("rows")
        self.rows.setFixedWidth(LIST_WIDTH)
        self.rows.setWordWrap(True)
        self.rows.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        self.rows.currentItemChanged.connect(self._chosen)
        left.addWidget(self.rows, 1)
        self.empty = QLabel()
        self.empty.setWordWrap(True)
        self.empty.setProperty("role", "muted")
        left.addWidget(self.empty)
        body.addLayout(left)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        holder = QWidget()
        self.detail = QVBoxLayout(holder)
        self.detail.setContentsMargins(12, 0, 0, 0)
        self.scroll.setWidget(holder)
        body.addWidget(self.scroll, 1)

    def load(self, read: Callable[[], Any], show: Callable[[Any], None]) -> None:
        """Run ``read`` in the back and hand its result to ``show``; a newer load makes
        an older result stale (it is dropped)."""
        self._generation += 1
        generation = self._generation

        def done(result: Any) -> None:
            if generation == self._generation:
                show(result)
                self.loaded.emit()

        self.ctx.task_manager.run(read, on_done=done, on_error=self._failed, owner=self)

    def _failed(self, error: BaseException) -> None:
        log.error("The office page could not read the store: %s", error)
        self.empty.setText(error_text(error))
        self.empty.show()

    def set_rows(self, rows: list[tuple[str, str, QColor | None]], empty_text: str) -> None:
        """``(key, text, colour)`` per row; the row chosen before stays chosen."""
        kept = self.current_key()
        self.rows.blockSignals(True)
        self.rows.clear()
        chosen = None
        for key, text, colour in rows:
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setSizeHint(QSize(LIST_WIDTH - 24, ROW_HEIGHT))
            if colour is not None:
                item.setForeground(colour)
            self.rows.addItem(item)
            if key == kept:
                chosen = item
        self.rows.blockSignals(False)
        self.empty.setText(empty_text if not rows else "")
        self.empty.setVisible(not rows)
        if chosen is None and self.rows.count():
            chosen = self.rows.item(0)
        if chosen is not None:
            self.rows.setCurrentItem(chosen)
            self.show_row(str(chosen.data(Qt.ItemDataRole.UserRole)))
        else:
            self.show_row("")

    def current_key(self) -> str:
        item = self.rows.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else ""

    def choose(self, key: str) -> bool:
        for n in range(self.rows.count()):
            if self.rows.item(n).data(Qt.ItemDataRole.UserRole) == key:
                self.rows.setCurrentRow(n)
                return True
        return False

    def _chosen(self, current: QListWidgetItem | None, _previous: object) -> None:
        self.show_row(str(current.data(Qt.ItemDataRole.UserRole)) if current else "")

    def show_row(self, key: str) -> None:
        raise NotImplementedError  # each page shows its own detail
