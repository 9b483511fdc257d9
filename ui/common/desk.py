"""A desk: a rail of big buttons on the left and the page it names on the right. The
supervisor's and the office's desks are made of it; each page is a widget with a
``title()``, a ``refresh()`` (when shown, and after every sync) and a ``changed`` signal
(after every local write, so the sync indicator counts it)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, cast

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ui.common.context import AppContext

log = logging.getLogger(__name__)

RAIL_WIDTH = 208  # px: the longest Chinese page name in one line at the large text size
RAIL_BUTTON_HEIGHT = 64  # px: a gloved finger finds it without looking


class DeskPage(Protocol):
    """What a desk expects of its pages (they are QWidgets)."""

    def title(self) -> str: ...

    def refresh(self) -> None: ...


@dataclass(frozen=True)
class PageSpec:
    key: str
    title: Callable[[], str]  # translated when the rail is drawn
    make: Callable[[AppContext], QWidget]


class Desk(QWidget):
    """The rail and the pages; a page is built the first time it is shown, so the desk
    opens as fast as its first page."""

    changed = Signal()
    open_job = Signal(str)
    page_shown = Signal(str)

    def __init__(
        self, ctx: AppContext, pages: list[PageSpec], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.specs = {spec.key: spec for spec in pages}
        self.pages: dict[str, QWidget] = {}
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.rail = QFrame()
        self.rail.setObjectName("desk_rail")
        self.rail.setProperty("role", "rail")
        self.rail.setFixedWidth(RAIL_WIDTH)
        rail = QVBoxLayout(self.rail)
        rail.setContentsMargins(8, 8, 8, 8)
        rail.setSpacing(6)
        self.buttons: dict[str, QPushButton] = {}
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        for spec in pages:
            choice = QPushButton(spec.title())
            choice.setObjectName(f"desk_{spec.key}")
            choice.setCheckable(True)
            choice.setMinimumHeight(RAIL_BUTTON_HEIGHT)
            choice.clicked.connect(lambda _=False, key=spec.key: self.show_page(key))
            self.group.addButton(choice)
            self.buttons[spec.key] = choice
            rail.addWidget(choice)
        rail.addStretch(1)
        outer.addWidget(self.rail)
        self.stack = QStackedWidget()
        outer.addWidget(self.stack, 1)
        if pages:
            self.show_page(pages[0].key)

    def page(self, key: str) -> QWidget:
        """The page of ``key``, built on first use."""
        if key not in self.pages:
            widget = self.specs[key].make(self.ctx)
            widget.setObjectName(f"page_{key}")
            changed = getattr(widget, "changed", None)
            if changed is not None:
                changed.connect(self.changed)
            opened = getattr(widget, "open_job", None)
            if opened is not None:
                opened.connect(self.open_job)
            self.pages[key] = widget
            self.stack.addWidget(widget)
        return self.pages[key]

    def current_key(self) -> str:
        for key, widget in self.pages.items():
            if widget is self.stack.currentWidget():
                return key
        return ""

    def show_page(self, key: str) -> QWidget:
        widget = self.page(key)
        self.buttons[key].setChecked(True)
        if self.stack.currentWidget() is not widget:
            self.stack.setCurrentWidget(widget)
        cast(DeskPage, widget).refresh()
        self.page_shown.emit(key)
        return widget

    def refresh(self) -> None:
        """After a sync: the page on screen reloads; the others when next shown."""
        current = self.stack.currentWidget()
        if current is not None:
            cast(DeskPage, current).refresh()
