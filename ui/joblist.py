"""The job list: tabs (today, upcoming, waiting for sync, returned, done), search and a
key-customer filter over a lazily paged model, so 100,000 jobs scroll without a stutter.
Each row: countdown to the deadline coloured by urgency, customer, machine, symptom,
key-customer and missing-information flags."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from fieldapp.clock import as_utc, utcnow
from fieldapp.models.enums import JobStatus
from fieldapp.queries import JobFilter, JobRow, job_count, job_page, jobs_missing_information
from fieldapp.rules.jobflow import OPEN_STATUSES
from fieldapp.store import Store
from ui import theme
from ui.labels import label
from ui.tasks import TaskManager
from ui.widgets import countdown_text, minutes_left, styled_label

PAGE = 50
ROW_HEIGHT = 104
JobRole = Qt.ItemDataRole.UserRole + 1
FlagRole = Qt.ItemDataRole.UserRole + 2

WORKING = sorted(s.value for s in OPEN_STATUSES if s != JobStatus.NEW)
DONE = [JobStatus.SIGNED.value, JobStatus.APPROVED.value, JobStatus.CLOSED.value]
TABS = ("today", "upcoming", "waiting", "returned", "done")


def tab_filter(tab: str, assignee_id: str, now_local: datetime) -> JobFilter:
    """The filter behind each tab, for the engineer's own jobs."""
    end_of_today = as_utc(
        datetime.combine(now_local.date() + timedelta(days=1), time()).astimezone()
    )
    base = JobFilter(assignee_id=assignee_id)
    if tab == "today":
        return replace(base, statuses=WORKING, due_before=end_of_today)
    if tab == "upcoming":
        return replace(base, statuses=WORKING, due_after=end_of_today)
    if tab == "waiting":
        return replace(base, waiting_for_sync=True)
    if tab == "returned":
        return replace(base, statuses=[JobStatus.RETURNED.value])
    return replace(base, statuses=DONE, newest_first=True)


class JobListModel(QAbstractListModel):
    """Rows are read a page at a time, by key, as the view scrolls."""

    def __init__(self, store: Store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.filter = JobFilter(assignee_id="")
        self.rows: list[JobRow] = []
        self.flagged: set[str] = set()
        self.exhausted = True

    def set_filter(self, flt: JobFilter) -> None:
        self.beginResetModel()
        self.filter = flt
        self.rows = []
        self.flagged = set()
        self.exhausted = False
        self.endResetModel()
        if self.canFetchMore(QModelIndex()):
            self.fetchMore(QModelIndex())

    def reload(self) -> None:
        self.set_filter(self.filter)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> bool:
        return not parent.isValid() and not self.exhausted

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> None:
        if parent.isValid() or self.exhausted:
            return
        after = self.rows[-1] if self.rows else None
        with self.store.reader() as session:
            page = job_page(session, self.filter, after=after, limit=PAGE)
            open_ids = [r.id for r in page if r.status in WORKING]
            flagged = jobs_missing_information(session, open_ids, datetime.now().date())
        if len(page) < PAGE:
            self.exhausted = True
        if not page:
            return
        self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(page) - 1)
        self.rows.extend(page)
        self.flagged |= flagged
        self.endInsertRows()

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{row.number} {row.customer_name}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{row.number}, {row.customer_name}, {row.model} {row.serial}, {row.symptom}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.symptom
        if role == JobRole:
            return row
        if role == FlagRole:
            return row.id in self.flagged
        return None

    def row_index(self, job_id: str) -> int:
        for n, row in enumerate(self.rows):
            if row.id == job_id:
                return n
        return -1


class JobDelegate(QStyledItemDelegate):
    """Paints one job as a card of three lines, tall enough for a finger."""

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(option.rect.width(), ROW_HEIGHT)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        row: JobRow | None = index.data(JobRole)
        if row is None:
            return
        painter.save()
        palette = option.palette
        rect = option.rect.adjusted(8, 4, -8, -4)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        background = palette.color(
            QPalette.ColorRole.Highlight if selected else QPalette.ColorRole.Base
        )
        text_colour = palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(palette.color(QPalette.ColorRole.Mid))
        painter.setBrush(background)
        painter.drawRoundedRect(rect, 8, 8)

        base_font = QFont(option.font)
        small = QFont(base_font)
        small.setPointSizeF(base_font.pointSizeF() * 0.9)
        bold = QFont(base_font)
        bold.setBold(True)
        bold.setPointSizeF(base_font.pointSizeF() * 1.1)

        # Left: the countdown chip, coloured by how late or near the deadline is.
        now = utcnow()
        done = row.status in DONE
        chip = QRect(rect.left() + 10, rect.top() + 10, 150, rect.height() - 20)
        if done:
            chip_colour = theme.ok_colour()
            chip_text = label("status", row.status)
        else:
            chip_colour = theme.urgency_colour(minutes_left(row.on_site_due_at, now))
            chip_text = countdown_text(row.on_site_due_at, now)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(chip_colour)
        painter.drawRoundedRect(chip, 6, 6)
        painter.setPen(theme.text_on(chip_colour))
        painter.setFont(bold)
        painter.drawText(
            chip.adjusted(6, 4, -6, -4),
            Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
            chip_text,
        )

        left = chip.right() + 16
        right = rect.right() - 12
        line_h = (rect.height() - 12) // 3
        top = rect.top() + 6

        # Flags on the right of the first line.
        flags: list[tuple[str, Any]] = []
        if row.urgency == "urgent":
            flags.append((label("urgency", "urgent"), theme.error_colour()))
        if row.is_key_account:
            flags.append(
                (
                    "★ " + QCoreApplication.translate("JobListPage", "Key customer"),
                    theme.warning_colour(),
                )
            )
        if index.data(FlagRole):
            flags.append(
                (
                    "⚠ " + QCoreApplication.translate("JobListPage", "Information missing"),
                    theme.error_colour(),
                )
            )
        if row.needs_attention:
            flags.append(
                (
                    "! " + QCoreApplication.translate("JobListPage", "Needs attention"),
                    theme.error_colour(),
                )
            )
        painter.setFont(small)
        metrics = QFontMetrics(small)
        x = right
        for text, colour in flags:
            width = metrics.horizontalAdvance(text) + 16
            box = QRect(x - width, top + 2, width, line_h - 4)
            painter.setPen(colour)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(box, 4, 4)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
            x -= width + 8

        painter.setPen(text_colour)
        first = f"{row.number} · {label('job_type', row.job_type)} · {label('status', row.status)}"
        painter.drawText(
            QRect(left, top, x - left - 8, line_h), Qt.AlignmentFlag.AlignVCenter, first
        )
        painter.setFont(bold)
        customer = QFontMetrics(bold).elidedText(
            row.customer_name, Qt.TextElideMode.ElideRight, right - left
        )
        painter.drawText(
            QRect(left, top + line_h, right - left, line_h), Qt.AlignmentFlag.AlignVCenter, customer
        )
        painter.setFont(base_font)
        machine = " ".join(p for p in (row.model, row.serial) if p)
        third = f"{machine} — {row.symptom}" if machine else row.symptom
        third = QFontMetrics(base_font).elidedText(third, Qt.TextElideMode.ElideRight, right - left)
        painter.drawText(
            QRect(left, top + 2 * line_h, right - left, line_h),
            Qt.AlignmentFlag.AlignVCenter,
            third,
        )
        painter.restore()


class JobListPage(QWidget):
    job_opened = Signal(str)

    def __init__(
        self, store: Store, tasks: TaskManager, assignee_id: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.tasks = tasks
        self.assignee_id = assignee_id
        self.tab = "today"

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        self.tabs = QTabBar()
        self.tabs.setExpanding(True)
        self.tabs.setDrawBase(False)
        for _ in TABS:
            self.tabs.addTab("")
        self.tabs.currentChanged.connect(self._tab_changed)
        layout.addWidget(self.tabs)

        bar = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(
            self.tr("Search: job number, customer, serial number, symptom")
        )
        self.search.textChanged.connect(lambda _text: self.search_timer.start())
        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(250)
        self.search_timer.timeout.connect(self.refresh)
        bar.addWidget(self.search, 1)
        self.key_only = QCheckBox(self.tr("Key customers only"))
        self.key_only.toggled.connect(lambda _on: self.refresh())
        bar.addWidget(self.key_only)
        layout.addLayout(bar)

        self.model = JobListModel(store, self)
        self.view = QListView()
        self.view.setModel(self.model)
        self.view.setItemDelegate(JobDelegate(self.view))
        self.view.setUniformItemSizes(True)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.activated.connect(self._open)
        self.view.clicked.connect(self._open)
        layout.addWidget(self.view, 1)
        self.empty = styled_label("", "muted")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.empty)

        # The countdowns move: repaint them every half minute.
        self.tick = QTimer(self)
        self.tick.setInterval(30_000)
        self.tick.timeout.connect(self.view.viewport().update)
        self.tick.start()
        self._titles()
        self.refresh()

    def _titles(self, counts: dict[str, int] | None = None) -> None:
        names = {
            "today": self.tr("Today"),
            "upcoming": self.tr("Upcoming"),
            "waiting": self.tr("Waiting for sync"),
            "returned": self.tr("Returned for rework"),
            "done": self.tr("Done"),
        }
        for n, tab in enumerate(TABS):
            title = names[tab]
            if counts is not None and tab in counts:
                title = f"{title} ({counts[tab]})"
            self.tabs.setTabText(n, title)

    def _tab_changed(self, index: int) -> None:
        self.tab = TABS[index]
        self.refresh()

    def current_filter(self) -> JobFilter:
        flt = tab_filter(self.tab, self.assignee_id, datetime.now())
        return replace(
            flt, text=self.search.text().strip(), key_accounts_only=self.key_only.isChecked()
        )

    def refresh(self) -> None:
        """Reload the list (after a sync or a change) and recount the tabs in the back."""
        self.model.set_filter(self.current_filter())
        self.empty.setText(self.tr("No jobs here.") if not self.model.rows else "")
        self.empty.setVisible(not self.model.rows)
        self.count_tabs()

    def count_tabs(self) -> None:
        now_local = datetime.now()
        filters = {tab: tab_filter(tab, self.assignee_id, now_local) for tab in TABS}

        def count() -> dict[str, int]:
            with self.store.reader() as session:
                return {tab: job_count(session, flt) for tab, flt in filters.items()}

        self.tasks.run(count, on_done=self._titles, owner=self)

    def _open(self, index: QModelIndex) -> None:
        row: JobRow | None = index.data(JobRole)
        if row is not None:
            self.job_opened.emit(row.id)

    def select_tab(self, tab: str) -> None:
        self.tabs.setCurrentIndex(TABS.index(tab))


__all__ = ["JobListModel", "JobListPage", "QLabel", "tab_filter"]
