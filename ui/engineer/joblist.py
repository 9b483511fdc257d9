"""The job list: tabs (today, upcoming, waiting for sync, returned, done), search and a
key-customer filter over a lazily paged model, so 100,000 jobs scroll without a stutter.
Pages are read in the back (the task pool); a "loading" row stands in while one comes.

Each card says what to do next: a chip with the countdown to the deadline coloured by
urgency (once on site, whether the arrival was on time), the agreed time and the
address, and the next step as a button drawn on the card (accept, depart, arrive: done
at once; sign: opens the job's sign-off; resend: opens what HQ refused), with "I will
be late" beside it before the engineer is on site. The today tab also has a day view:
today's jobs on a timeline, each a block a finger can tap."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPixmap,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QScrollArea,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from fieldapp.clock import as_utc, utcnow
from fieldapp.models import Job, User
from fieldapp.models.enums import JobEventKind, JobStatus
from fieldapp.queries import (
    JobFilter,
    JobRow,
    day_plan,
    job_count,
    job_page,
    jobs_missing_information,
)
from fieldapp.rules.jobflow import DIRECT_STEPS, OPEN_STATUSES, can_reschedule
from fieldapp.store import Store
from ui.common import theme
from ui.common.labels import error_text, label
from ui.common.tasks import TaskManager
from ui.common.widgets import ErrorLabel, button, deadline_chip, minutes_left, styled_label

log = logging.getLogger(__name__)

PAGE = 50
ROW_HEIGHT = 140
CHIP_WIDTH = 172
STEP_WIDTH = 176
CARD_CACHE = 24  # drawn cards kept: two or three screens (about 16 MB at 1280 px)
JobRole = Qt.ItemDataRole.UserRole + 1
FlagRole = Qt.ItemDataRole.UserRole + 2
LoadingRole = Qt.ItemDataRole.UserRole + 3

WORKING = sorted(s.value for s in OPEN_STATUSES if s != JobStatus.NEW)
DONE = [JobStatus.SIGNED.value, JobStatus.APPROVED.value, JobStatus.CLOSED.value]
TABS = ("today", "upcoming", "waiting", "returned", "done")
DAY_START, DAY_END = 6, 22  # the day view's hours

Clock = Callable[[], datetime]


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


# --- words ---------------------------------------------------------------------------------


def weekday_text(weekday: int, clock: str) -> str:
    """The day of the week (0 is Monday) and the time: "Thu 14:00"."""
    names = (
        QCoreApplication.translate("JobListPage", "Mon %1"),
        QCoreApplication.translate("JobListPage", "Tue %1"),
        QCoreApplication.translate("JobListPage", "Wed %1"),
        QCoreApplication.translate("JobListPage", "Thu %1"),
        QCoreApplication.translate("JobListPage", "Fri %1"),
        QCoreApplication.translate("JobListPage", "Sat %1"),
        QCoreApplication.translate("JobListPage", "Sun %1"),
    )
    return names[weekday].replace("%1", clock)


def when_text(moment: datetime | None, now: datetime) -> str:
    """A moment as the engineer says it: "Tomorrow 09:30", "Thu 14:00" within the week,
    then the date ("12-08 14:00"; with the year when it is not this year's)."""
    if moment is None:
        return QCoreApplication.translate("JobListPage", "no time agreed")
    local = as_utc(moment).astimezone()
    today = as_utc(now).astimezone().date()
    clock = local.strftime("%H:%M")
    days = (local.date() - today).days
    if days == 0:
        return QCoreApplication.translate("JobListPage", "Today %1").replace("%1", clock)
    if days == 1:
        return QCoreApplication.translate("JobListPage", "Tomorrow %1").replace("%1", clock)
    if days == -1:
        return QCoreApplication.translate("JobListPage", "Yesterday %1").replace("%1", clock)
    if 1 < days < 7:
        return weekday_text(local.weekday(), clock)
    if local.year == today.year:
        return local.strftime("%m-%d %H:%M")
    return local.strftime("%Y-%m-%d")


def step_text(step: str) -> str:
    if step in DIRECT_STEPS:
        return label("action", step)
    if step == "sign":
        return QCoreApplication.translate("JobListPage", "Sign off")
    return QCoreApplication.translate("JobListPage", "Resend")


def balanced_lines(text: str, metrics: QFontMetrics, width: int) -> list[str] | None:
    """``text`` on one line if it fits in ``width``, else on two lines of about equal
    width, broken between words: at a space, or where Chinese meets a number or Latin
    ("迟到|7小时|10分钟"); only if none of those fits, between two Chinese characters.
    Never inside a number or a Latin word. None when even two lines do not fit."""
    if metrics.horizontalAdvance(text) <= width:
        return [text]
    words: list[int] = []  # breaks between words
    inside: list[int] = []  # breaks between two Chinese characters (inside a word)
    for n in range(1, len(text)):
        before, after = text[n - 1], text[n]
        if after == " " or _closing(after):
            continue
        if before == " " or _wide(before) != _wide(after):
            words.append(n)
        elif _wide(before) and _wide(after):
            inside.append(n)
    for breaks in (words, inside):
        best: tuple[float, list[str]] | None = None
        for n in breaks:
            lines = [text[:n].rstrip(), text[n:].lstrip()]
            widths = [metrics.horizontalAdvance(line) for line in lines]
            if max(widths) > width:
                continue
            # A number stays with its unit ("5 min") where another break fits as well.
            cost = max(widths) + (width if lines[0][-1:].isdigit() else 0)
            if best is None or cost < best[0]:
                best = (cost, lines)
        if best is not None:
            return best[1]
    return None


def _wide(char: str) -> bool:
    return "\u2e80" <= char <= "\u9fff" or "\uff00" <= char <= "\uffef"


def _closing(char: str) -> bool:
    return char in "，。：；）」』、！？"


# --- the model -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """One page as read in the back: the rows, which of them lack information."""

    generation: int
    rows: list[JobRow]
    flagged: set[str]


def read_page(store: Store, flt: JobFilter, after: JobRow | None, generation: int) -> Page:
    """The page query (runs in the task pool, never on the UI thread)."""
    with store.reader() as session:
        page = job_page(session, flt, after=after, limit=PAGE)
        open_ids = [r.id for r in page if r.status in WORKING]
        flagged = jobs_missing_information(session, open_ids, datetime.now().date())
    return Page(generation, page, flagged)


class JobListModel(QAbstractListModel):
    """Rows are read a page at a time, by key, as the view scrolls; each page is read in
    the back and added on the UI thread. While a page comes, a "loading" row ends the
    list. A page of an earlier filter that arrives late is dropped."""

    page_loaded = Signal()

    def __init__(
        self, store: Store, tasks: TaskManager | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.tasks = tasks or TaskManager(max_threads=1)
        self.filter = JobFilter(assignee_id="")
        self.rows: list[JobRow] = []
        self.flagged: set[str] = set()
        self.exhausted = True
        self.loading = False  # a page is being read; the loading row shows
        self.replacing = False  # the first page of a new filter: the old rows stay till then
        self.generation = 0
        self.applying = False  # between the signals of adding a page: no fetch from a view

    def set_filter(self, flt: JobFilter) -> None:
        """Read the first page of ``flt``; the rows shown stay until it comes (no
        flicker on the refresh after each sync), then the model is reset to it."""
        self.generation += 1
        self.filter = flt
        self.exhausted = False
        if self.loading:
            self._drop_loading_row()
        self.replacing = bool(self.rows)
        self._request(None)

    def reload(self) -> None:
        self.set_filter(self.filter)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid():
            return 0
        return len(self.rows) + (1 if self._loading_row_shown() else 0)

    def _loading_row_shown(self) -> bool:
        return self.loading and not self.replacing

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> bool:
        return (
            not parent.isValid() and not self.exhausted and not self.loading and not self.applying
        )

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> None:
        if not self.canFetchMore(parent):
            return
        self._request(self.rows[-1] if self.rows else None)

    def _request(self, after: JobRow | None) -> None:
        self.applying = True  # a view (or a model tester) asks for nothing meanwhile
        try:
            if not self.replacing:
                self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows))
                self.loading = True
                self.endInsertRows()
            else:
                self.loading = True
        finally:
            self.applying = False
        generation = self.generation
        self.tasks.run(
            read_page,
            self.store,
            self.filter,
            after,
            generation,
            on_done=self._apply,
            on_error=lambda error, g=generation: self._failed(error, g),
            owner=self,
        )

    def _drop_loading_row(self) -> None:
        applying, self.applying = self.applying, True
        try:
            if self._loading_row_shown():
                self.beginRemoveRows(QModelIndex(), len(self.rows), len(self.rows))
                self.loading = False
                self.endRemoveRows()
            self.loading = False
        finally:
            self.applying = applying

    def _failed(self, error: BaseException, generation: int) -> None:
        log.warning("a page of the job list could not be read: %s", error)
        if generation == self.generation:
            self._drop_loading_row()
            self.replacing = False
            self.exhausted = True
            self.page_loaded.emit()

    def _apply(self, page: Page) -> None:
        """On the UI thread: add a page read in the back (or drop it if stale)."""
        if page.generation != self.generation:
            return  # asked for under a filter that has changed since
        if len(page.rows) < PAGE:
            self.exhausted = True
        self.applying = True
        try:
            self._add(page)
        finally:
            self.applying = False
        self.page_loaded.emit()

    def _add(self, page: Page) -> None:
        if self.replacing:
            self.beginResetModel()
            self.loading = False
            self.replacing = False
            self.rows = list(page.rows)
            self.flagged = set(page.flagged)
            self.endResetModel()
        else:
            self._drop_loading_row()
            if page.rows:
                first = len(self.rows)
                self.beginInsertRows(QModelIndex(), first, first + len(page.rows) - 1)
                self.rows.extend(page.rows)
                self.flagged |= page.flagged
                self.endInsertRows()

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < self.rowCount():
            return None
        if index.row() == len(self.rows):  # the loading row
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
                return QCoreApplication.translate("JobListPage", "Loading…")
            if role == LoadingRole:
                return True
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
        if role == LoadingRole:
            return False
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if index.isValid() and index.row() == len(self.rows):
            return Qt.ItemFlag.ItemIsEnabled  # the loading row cannot be selected
        return super().flags(index)

    def row_index(self, job_id: str) -> int:
        for n, row in enumerate(self.rows):
            if row.id == job_id:
                return n
        return -1


# --- the card ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardLayout:
    card: QRect
    chip: QRect
    text: QRect  # the lines of text between the chip and the buttons
    step: QRect | None  # the next step's button
    late: QRect | None  # "I will be late"


def card_layout(rect: QRect, row: JobRow) -> CardLayout:
    """Where each part of a card goes (painting and hit-testing use the same)."""
    card = rect.adjusted(8, 4, -8, -4)
    chip = QRect(card.left() + 10, card.top() + 10, CHIP_WIDTH, card.height() - 20)
    buttons_left = card.right() - 12 - STEP_WIDTH
    step = late = None
    if row.next_step is not None:
        step = QRect(buttons_left, card.top() + 10, STEP_WIDTH, 60)
    if can_reschedule(row.status, "engineer", is_assignee=True):
        late = QRect(buttons_left, card.bottom() - 10 - theme.TOUCH, STEP_WIDTH, theme.TOUCH)
    right = buttons_left - 16 if step or late else card.right() - 12
    text = QRect(chip.right() + 16, card.top() + 6, right - chip.right() - 16, card.height() - 12)
    return CardLayout(card, chip, text, step, late)


class JobDelegate(QStyledItemDelegate):
    """Paints one job as a card of four lines with its chip and its buttons, tall
    enough for a finger; taps on the buttons are hit-tested here (no widget per row,
    so 100,000 rows scroll as fast as painted text)."""

    step_tapped = Signal(str, str)  # job id, step
    late_tapped = Signal(str)  # job id

    def __init__(self, parent: QObject | None = None, clock: Clock = utcnow) -> None:
        super().__init__(parent)
        self.clock = clock
        self.tab = "today"
        self.pressed: tuple[str, str] | None = None  # (job id, "step" | "late")
        self.consumed = False  # the last release hit a button: the card does not open
        self._cards: OrderedDict[tuple[Any, ...], QPixmap] = OrderedDict()  # drawn cards

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        # The width follows the viewport (a small hint never widens the list).
        return QSize(theme.TOUCH, ROW_HEIGHT)

    def chip(self, row: JobRow, now: datetime) -> tuple[str, QColor]:
        if row.status in DONE or row.status == JobStatus.RETURNED.value:
            return label("status", row.status), theme.ok_colour()
        if row.arrived_at is None and self.tab == "upcoming":
            colour = theme.urgency_colour(minutes_left(row.on_site_due_at, now))
            return when_text(row.planned_at, now), colour
        return deadline_chip(row.on_site_due_at, row.arrived_at, now)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        palette = option.palette
        if index.data(LoadingRole):
            painter.save()
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(
                option.rect,
                Qt.AlignmentFlag.AlignCenter,
                QCoreApplication.translate("JobListPage", "Loading…"),
            )
            painter.restore()
            return
        row: JobRow | None = index.data(JobRole)
        if row is None:
            return
        # A card is drawn once into a picture and then copied while it stays the same:
        # scrolling costs one copy per card, not some sixty calls into Qt (each of which
        # may wait for the GIL while a sync runs).
        now = self.clock()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        flagged = bool(index.data(FlagRole))
        key = (
            row,
            flagged,
            option.rect.width(),
            option.rect.height(),
            selected,
            self.pressed if self.pressed and self.pressed[0] == row.id else None,
            self.chip(row, now)[0],
            self._where(row),
            palette.cacheKey(),
            option.font.key(),
        )
        picture = self._cards.get(key)
        if picture is None:
            device = painter.device()
            ratio = device.devicePixelRatioF() if device is not None else 1.0
            picture = QPixmap(option.rect.size() * ratio)
            picture.setDevicePixelRatio(ratio)
            picture.fill(Qt.GlobalColor.transparent)
            card = QPainter(picture)
            card.translate(-option.rect.topLeft())
            self._paint_card(card, option, row, selected, flagged)
            card.end()
            self._cards[key] = picture
            while len(self._cards) > CARD_CACHE:
                self._cards.popitem(last=False)
        else:
            self._cards.move_to_end(key)
        painter.drawPixmap(option.rect.topLeft(), picture)

    def _paint_card(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        row: JobRow,
        selected: bool,
        flagged: bool,
    ) -> None:
        palette = option.palette
        painter.save()
        parts = card_layout(option.rect, row)
        background = palette.color(
            QPalette.ColorRole.Highlight if selected else QPalette.ColorRole.Base
        )
        text_colour = palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(palette.color(QPalette.ColorRole.Mid))
        painter.setBrush(background)
        painter.drawRoundedRect(parts.card, 8, 8)

        base_font = QFont(option.font)
        small = QFont(base_font)
        small.setPointSizeF(base_font.pointSizeF() * 0.9)
        bold = QFont(base_font)
        bold.setBold(True)
        bold.setPointSizeF(base_font.pointSizeF() * 1.1)

        self._paint_chip(painter, parts.chip, row, bold)

        text = parts.text
        left, right = text.left(), text.right()
        line_h = text.height() // 4
        top = text.top()

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
        if flagged:
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
        for flag, colour in flags:
            width = metrics.horizontalAdvance(flag) + 16
            if x - width < left + text.width() // 3:
                break  # a narrow card: the flags that fit
            box = QRect(x - width, top + 2, width, line_h - 4)
            painter.setPen(colour)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(box, 4, 4)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, flag)
            x -= width + 8

        painter.setPen(text_colour)
        first = f"{row.number} · {label('job_type', row.job_type)} · {label('status', row.status)}"
        self._line(painter, QRect(left, top, x - left - 8, line_h), first)
        painter.setFont(bold)
        self._line(painter, QRect(left, top + line_h, right - left, line_h), row.customer_name)
        painter.setFont(base_font)
        machine = " ".join(p for p in (row.model, row.serial) if p)
        third = f"{machine} — {row.symptom}" if machine else row.symptom
        self._line(painter, QRect(left, top + 2 * line_h, right - left, line_h), third)
        painter.setPen(muted if not selected else text_colour)
        self._line(painter, QRect(left, top + 3 * line_h, right - left, line_h), self._where(row))

        if parts.step is not None and row.next_step is not None:
            pressed = self.pressed == (row.id, "step")
            self._paint_button(
                painter, palette, parts.step, step_text(row.next_step), True, pressed, bold
            )
        if parts.late is not None:
            pressed = self.pressed == (row.id, "late")
            self._paint_button(
                painter,
                palette,
                parts.late,
                QCoreApplication.translate("JobListPage", "I will be late"),
                False,
                pressed,
                small,
            )
        painter.restore()

    def _where(self, row: JobRow) -> str:
        now = self.clock()
        if row.appointment_at is not None:
            when = QCoreApplication.translate("JobListPage", "Agreed %1").replace(
                "%1", when_text(row.appointment_at, now)
            )
        elif row.on_site_due_at is not None:
            when = QCoreApplication.translate("JobListPage", "On site by %1").replace(
                "%1", when_text(row.on_site_due_at, now)
            )
        else:
            when = QCoreApplication.translate("JobListPage", "no time agreed")
        return f"{when} · {row.address}" if row.address else when

    @staticmethod
    def _line(painter: QPainter, rect: QRect, text: str) -> None:
        elided = QFontMetrics(painter.font()).elidedText(
            text, Qt.TextElideMode.ElideRight, max(0, rect.width())
        )
        painter.drawText(rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, elided)

    def _paint_chip(self, painter: QPainter, chip: QRect, row: JobRow, font: QFont) -> None:
        text, colour = self.chip(row, self.clock())
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawRoundedRect(chip, 6, 6)
        painter.setPen(theme.text_on(colour))
        inner = chip.adjusted(8, 4, -8, -4)
        lines = None
        fitted = QFont(font)
        for scale in (1.0, 0.9, 0.8):  # shrink a little rather than split a word
            fitted.setPointSizeF(font.pointSizeF() * scale)
            lines = balanced_lines(text, QFontMetrics(fitted), inner.width())
            if lines is not None:
                break
        if lines is None:
            lines = [
                QFontMetrics(fitted).elidedText(text, Qt.TextElideMode.ElideRight, inner.width())
            ]
        painter.setFont(fitted)
        painter.drawText(inner, Qt.AlignmentFlag.AlignCenter, "\n".join(lines))

    @staticmethod
    def _paint_button(
        painter: QPainter,
        palette: QPalette,
        rect: QRect,
        text: str,
        primary: bool,
        pressed: bool,
        font: QFont,
    ) -> None:
        fill = palette.color(QPalette.ColorRole.Highlight if primary else QPalette.ColorRole.Button)
        if pressed:
            fill = fill.darker(130)
        painter.setPen(palette.color(QPalette.ColorRole.Dark))
        painter.setBrush(fill)
        painter.drawRoundedRect(rect, 6, 6)
        painter.setPen(
            palette.color(
                QPalette.ColorRole.HighlightedText if primary else QPalette.ColorRole.ButtonText
            )
        )
        painter.setFont(font)
        elided = QFontMetrics(font).elidedText(text, Qt.TextElideMode.ElideRight, rect.width() - 12)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, elided)

    def target_at(self, rect: QRect, row: JobRow, pos: QPoint) -> str | None:
        parts = card_layout(rect, row)
        if parts.step is not None and parts.step.contains(pos):
            return "step"
        if parts.late is not None and parts.late.contains(pos):
            return "late"
        return None

    def editorEvent(
        self,
        event: QEvent,
        model: Any,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> bool:
        row: JobRow | None = index.data(JobRole)
        if row is None or not isinstance(event, QMouseEvent):
            return False
        if event.button() != Qt.MouseButton.LeftButton:
            return False
        target = self.target_at(option.rect, row, event.position().toPoint())
        if event.type() == QEvent.Type.MouseButtonPress:
            self.pressed = (row.id, target) if target else None
            self.consumed = False
            return False  # the view still selects the card
        if event.type() == QEvent.Type.MouseButtonRelease:
            hit = target is not None and self.pressed == (row.id, target)
            self.pressed = None
            self.consumed = hit
            if not hit:
                return False
            if target == "step" and row.next_step is not None:
                self.step_tapped.emit(row.id, row.next_step)
            elif target == "late":
                self.late_tapped.emit(row.id)
            return True
        return False

    def take_consumed(self) -> bool:
        consumed, self.consumed = self.consumed, False
        return consumed


# --- the day view --------------------------------------------------------------------------


class DayModel(QAbstractListModel):
    """Today's jobs in the order the engineer is expected (the domain's day plan), read
    in the back."""

    loaded = Signal()

    def __init__(self, store: Store, tasks: TaskManager, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.tasks = tasks
        self.rows: list[JobRow] = []
        self.generation = 0

    def load(self, flt: JobFilter, since: datetime) -> None:
        """Today's jobs of ``flt`` expected from ``since`` (the start of the day) on."""
        self.generation += 1
        generation = self.generation

        def read() -> list[JobRow]:
            with self.store.reader() as session:
                return day_plan(session, flt, since=since)

        self.tasks.run(read, on_done=lambda rows: self._apply(rows, generation), owner=self)

    def _apply(self, rows: list[JobRow], generation: int) -> None:
        if generation != self.generation:
            return
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()
        self.loaded.emit()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{row.number} {row.customer_name}"
        if role == JobRole:
            return row
        return None


HOUR_PX = 96
GUTTER = 84
BLOCK_H = 88  # a block is at least this tall (a finger's target, two lines of text)


class DayView(QWidget):
    """Today from 06:00 to 22:00: an hour a band, the current time as a red line, each
    job a block at its agreed time (else its deadline); a tap on a block opens the job.
    Jobs planned before 06:00 (or on an earlier day) sit at the top, after 22:00 at the
    bottom; blocks that would overlap share the width side by side."""

    job_tapped = Signal(str)

    def __init__(self, model: DayModel, clock: Clock, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.clock = clock
        self.blocks: list[tuple[QRect, JobRow]] = []
        self.first_hour, self.last_hour = DAY_START, DAY_END
        self.setMinimumHeight((DAY_END - DAY_START) * HOUR_PX + BLOCK_H)
        self.model.modelReset.connect(self._relayout)
        self._pressed: str | None = None

    def _hours(self, day: datetime) -> tuple[int, int]:
        """06:00 to 22:00, widened to the hours of today's jobs planned earlier or
        later than that."""
        first, last = DAY_START, DAY_END
        for row in self.model.rows:
            if row.planned_at is None:
                continue
            local = as_utc(row.planned_at).astimezone().replace(tzinfo=None)
            if local.date() == day.date():
                first = min(first, local.hour)
                last = max(last, min(24, local.hour + 1))
        return first, last

    def y_of(self, moment: datetime) -> int:
        return self._y(moment, self._day())

    def _y(self, moment: datetime, day: datetime) -> int:
        local = as_utc(moment).astimezone().replace(tzinfo=None)
        hours = (local - day).total_seconds() / 3600 - self.first_hour
        hours = min(max(hours, 0.0), float(self.last_hour - self.first_hour))
        return 12 + round(hours * HOUR_PX)

    def _day(self) -> datetime:
        now = as_utc(self.clock()).astimezone().replace(tzinfo=None)
        return datetime.combine(now.date(), time())

    def _relayout(self) -> None:
        day = self._day()
        self.first_hour, self.last_hour = self._hours(day)
        self.setMinimumHeight((self.last_hour - self.first_hour) * HOUR_PX + BLOCK_H + 12)
        placed: list[tuple[int, JobRow]] = []
        for row in self.model.rows:
            top = self._y(row.planned_at, day) if row.planned_at else self._y(day, day)
            placed.append((top, row))
        placed.sort(key=lambda item: item[0])
        # Clusters of blocks that overlap vertically share the width in columns.
        self.blocks = []
        width = max(self.width() - GUTTER - 16, 200)
        cluster: list[tuple[int, JobRow]] = []
        cluster_end = -1

        def flush() -> None:
            columns: list[int] = []  # the bottom of each column
            assigned: list[tuple[int, int, JobRow]] = []
            for top, row in cluster:
                for n, bottom in enumerate(columns):
                    if bottom <= top:
                        columns[n] = top + BLOCK_H
                        assigned.append((n, top, row))
                        break
                else:
                    columns.append(top + BLOCK_H)
                    assigned.append((len(columns) - 1, top, row))
            column_width = width // max(1, len(columns))
            for n, top, row in assigned:
                rect = QRect(GUTTER + n * column_width, top, column_width - 6, BLOCK_H - 6)
                self.blocks.append((rect, row))

        for top, row in placed:
            if cluster and top >= cluster_end:
                flush()
                cluster = []
            cluster.append((top, row))
            cluster_end = max(cluster_end, top + BLOCK_H)
        if cluster:
            flush()
        self.update()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._relayout()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        grid = palette.color(QPalette.ColorRole.Mid)
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        now = self.clock()
        day = self._day()
        local_now = as_utc(now).astimezone().replace(tzinfo=None)
        now_shown = self.first_hour <= (local_now - day).total_seconds() / 3600 <= self.last_hour
        now_y = self._y(now, day) if now_shown else -100
        for hour in range(self.first_hour, self.last_hour + 1):
            y = 12 + (hour - self.first_hour) * HOUR_PX
            painter.setPen(grid)
            painter.drawLine(GUTTER - 8, y, self.width(), y)
            if abs(y - now_y) < 22:
                continue  # the current time's label stands there
            painter.setPen(muted)
            painter.drawText(
                QRect(0, y - 12, GUTTER - 14, 24),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                f"{hour:02d}:00",
            )
        bold = QFont(self.font())
        bold.setBold(True)
        for rect, row in self.blocks:
            text, colour = self._chip(row, now)
            painter.setPen(colour)
            fill = QColor(colour)
            fill.setAlpha(40 if self._pressed != row.id else 90)
            painter.setBrush(fill)
            painter.drawRoundedRect(rect, 6, 6)
            painter.fillRect(QRect(rect.left(), rect.top(), 6, rect.height()), colour)
            inner = rect.adjusted(14, 6, -8, -6)
            line = inner.height() // 3
            painter.setPen(palette.color(QPalette.ColorRole.Text))
            painter.setFont(bold)
            when = as_utc(row.planned_at).astimezone().strftime("%H:%M") if row.planned_at else ""
            head = " · ".join(p for p in (when, row.customer_name) if p)
            self._text(painter, QRect(inner.left(), inner.top(), inner.width(), line), head)
            painter.setFont(self.font())
            machine = " ".join(p for p in (row.model, label("status", row.status)) if p)
            self._text(
                painter, QRect(inner.left(), inner.top() + line, inner.width(), line), machine
            )
            painter.setPen(
                colour if colour.lightness() < 160 else palette.color(QPalette.ColorRole.Text)
            )
            self._text(
                painter, QRect(inner.left(), inner.top() + 2 * line, inner.width(), line), text
            )
        # The current time.
        if now_shown:
            y = now_y
            red = theme.error_colour()
            painter.setPen(red)
            painter.setBrush(red)
            painter.drawEllipse(QPoint(GUTTER - 8, y), 5, 5)
            painter.drawLine(GUTTER - 8, y, self.width(), y)
            painter.setFont(bold)
            painter.drawText(
                QRect(0, y - 12, GUTTER - 16, 24),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                local_now.strftime("%H:%M"),
            )
        painter.end()

    @staticmethod
    def _chip(row: JobRow, now: datetime) -> tuple[str, QColor]:
        return deadline_chip(row.on_site_due_at, row.arrived_at, now)

    @staticmethod
    def _text(painter: QPainter, rect: QRect, text: str) -> None:
        elided = QFontMetrics(painter.font()).elidedText(
            text, Qt.TextElideMode.ElideRight, max(0, rect.width())
        )
        painter.drawText(rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, elided)

    def block_at(self, pos: QPoint) -> JobRow | None:
        for rect, row in reversed(self.blocks):
            if rect.contains(pos):
                return row
        return None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        row = self.block_at(event.position().toPoint())
        self._pressed = row.id if row else None
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        row = self.block_at(event.position().toPoint())
        pressed, self._pressed = self._pressed, None
        self.update()
        if row is not None and row.id == pressed:
            self.job_tapped.emit(row.id)


# --- the page ------------------------------------------------------------------------------


class JobListPage(QWidget):
    job_opened = Signal(str)
    sign_requested = Signal(str)  # open the job on its sign-off tab
    problems_requested = Signal()  # what HQ refused, to look at and send again
    changed = Signal()  # a write from a card (the sync indicator counts it)

    def __init__(
        self,
        store: Store,
        tasks: TaskManager,
        assignee_id: str,
        parent: QWidget | None = None,
        *,
        clock: Clock = utcnow,
        device_id: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.tasks = tasks
        self.assignee_id = assignee_id
        self.device_id = device_id
        self.clock = clock
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
        # The today tab as a list or as the day's timeline.
        self.list_mode = button(self.tr("List"))
        self.day_mode = button(self.tr("Day"))
        self.modes = QButtonGroup(self)
        for n, mode in enumerate((self.list_mode, self.day_mode)):
            mode.setCheckable(True)
            mode.setObjectName(("list_mode", "day_mode")[n])
            self.modes.addButton(mode, n)
            bar.addWidget(mode)
        self.list_mode.setChecked(True)
        self.modes.idToggled.connect(self._mode_toggled)
        layout.addLayout(bar)

        self.message = ErrorLabel()
        layout.addWidget(self.message)

        self.model = JobListModel(store, tasks, self)
        self.model.page_loaded.connect(self._page_loaded)
        self.delegate = JobDelegate(self, clock=lambda: self.clock())
        self.delegate.step_tapped.connect(self.do_step)
        self.delegate.late_tapped.connect(self.report_late)
        self.view = QListView()
        self.view.setObjectName("job_list_view")
        self.view.setModel(self.model)
        self.view.setItemDelegate(self.delegate)
        self.view.setUniformItemSizes(True)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setMouseTracking(False)
        self.view.activated.connect(self._open)
        self.view.clicked.connect(self._open)

        self.day_model = DayModel(store, tasks, self)
        self.day_view = DayView(self.day_model, lambda: self.clock())
        self.day_view.job_tapped.connect(self.job_opened)
        self.day_scroll = QScrollArea()
        self.day_scroll.setObjectName("day_scroll")
        self.day_scroll.setWidgetResizable(True)
        self.day_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.day_scroll.setWidget(self.day_view)
        # What the timeline leaves out: open jobs of earlier days, jobs without a time.
        self.day_note = styled_label("", "muted")
        self.day_note.setObjectName("day_note")
        self.day_page = QWidget()
        day_layout = QVBoxLayout(self.day_page)
        day_layout.setContentsMargins(0, 0, 0, 0)
        day_layout.addWidget(self.day_note)
        day_layout.addWidget(self.day_scroll, 1)
        self.today_count: int | None = None
        self.day_model.loaded.connect(self._day_loaded)
        self.day_loaded = False

        # The list, the day, or what an empty tab says, in the same place.
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.day_page)
        self.empty = styled_label("", "section")
        self.empty.setObjectName("empty_state")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.stack.addWidget(self.empty)
        layout.addWidget(self.stack, 1)

        # The countdowns move: repaint them every half minute.
        self.tick = QTimer(self)
        self.tick.setInterval(30_000)
        self.tick.timeout.connect(self.view.viewport().update)
        self.tick.timeout.connect(self.day_view.update)
        self.tick.start()
        self._titles()
        self._show_modes()
        self.refresh()

    def _titles(self, counts: dict[str, int] | None = None) -> None:
        names = {
            "today": self.tr("Today"),
            "upcoming": self.tr("Upcoming"),
            "waiting": self.tr("Waiting for sync"),
            "returned": self.tr("Returned for rework"),
            "done": self.tr("Done"),
        }
        if counts is not None and "today" in counts:
            self.today_count = counts["today"]
            if self.showing_day():
                self._day_note()
        for n, tab in enumerate(TABS):
            title = names[tab]
            if counts is not None and tab in counts:
                title = self.tr("%1 (%2)").replace("%1", title).replace("%2", str(counts[tab]))
            self.tabs.setTabText(n, title)

    def _tab_changed(self, index: int) -> None:
        self.tab = TABS[index]
        self.delegate.tab = self.tab
        self._show_modes()
        self.refresh()

    def _show_modes(self) -> None:
        today = self.tab == "today"
        self.list_mode.setVisible(today)
        self.day_mode.setVisible(today)
        self._show_current()

    def _show_current(self) -> None:
        """The list or the day, or in their place what an empty tab says."""
        if self.showing_day():
            empty = self.day_loaded and not self.day_model.rows
            text = self.tr("No jobs today.")
            page = self.day_page
            self._day_note()
        else:
            empty = not self.model.rows and not self.model.loading
            text = (
                self.tr("No job matches the search.")
                if self.search.text().strip() or self.key_only.isChecked()
                else self.tr("No jobs here.")
            )
            page = self.view
        self.empty.setText(text if empty else "")
        self.stack.setCurrentWidget(self.empty if empty else page)

    def _mode_toggled(self, _id: int, checked: bool) -> None:
        if not checked:
            return
        if self.showing_day():
            self.day_loaded = False
            self._load_day()
        self._show_current()

    def showing_day(self) -> bool:
        return self.tab == "today" and self.day_mode.isChecked()

    def current_filter(self) -> JobFilter:
        flt = tab_filter(self.tab, self.assignee_id, datetime.now())
        return replace(
            flt, text=self.search.text().strip(), key_accounts_only=self.key_only.isChecked()
        )

    def refresh(self) -> None:
        """Reload the list (after a sync or a change) and recount the tabs, all in the
        back."""
        self.model.set_filter(self.current_filter())
        if self.showing_day():
            self._load_day()
        self.count_tabs()

    def _load_day(self) -> None:
        now = as_utc(self.clock()).astimezone()
        start = datetime.combine(now.date(), time()).astimezone()
        self.day_model.load(self.current_filter(), as_utc(start))

    def _day_note(self) -> None:
        left_out = None
        filtered = self.search.text().strip() or self.key_only.isChecked()
        if self.today_count is not None and self.day_loaded and not filtered:
            left_out = self.today_count - len(self.day_model.rows)
        if left_out:
            self.day_note.setText(
                self.tr("%n job(s) of earlier days or without a time: in the list.", "", left_out)
            )
        self.day_note.setVisible(bool(left_out))

    def _page_loaded(self) -> None:
        self._show_current()

    def _day_loaded(self) -> None:
        self.day_loaded = True
        self._show_current()
        # From the first job (all of them are still to do), or the current time if sooner.
        tops = [rect.top() for rect, _row in self.day_view.blocks]
        target = min([self.day_view.y_of(self.clock()), *tops])
        self.day_scroll.verticalScrollBar().setValue(max(0, target - HOUR_PX // 2))

    def count_tabs(self) -> None:
        now_local = datetime.now()
        filters = {tab: tab_filter(tab, self.assignee_id, now_local) for tab in TABS}

        def count() -> dict[str, int]:
            with self.store.reader() as session:
                return {tab: job_count(session, flt) for tab, flt in filters.items()}

        self.tasks.run(count, on_done=self._titles, owner=self)

    def _open(self, index: QModelIndex) -> None:
        if self.delegate.take_consumed():
            return  # the tap was on one of the card's buttons
        row: JobRow | None = index.data(JobRole)
        if row is not None:
            self.job_opened.emit(row.id)

    def select_tab(self, tab: str) -> None:
        self.tabs.setCurrentIndex(TABS.index(tab))

    def show_day(self, on: bool = True) -> None:
        (self.day_mode if on else self.list_mode).setChecked(True)

    # --- the card's buttons ---------------------------------------------------------------

    def do_step(self, job_id: str, step: str) -> None:
        """The next step from the card: accept, depart, arrive at once (one transaction,
        saved when the card changes); sign and resend open where they are done."""
        if step == "sign":
            self.sign_requested.emit(job_id)
            return
        if step == "resend":
            self.problems_requested.emit()
            return
        from fieldapp.services.jobs import transition

        action = JobEventKind(step)
        self._write(
            job_id,
            lambda session, job, user: transition(
                session, job, action, user, device_id=self.device_id, now=self.clock()
            ),
            self.tr("%1: %2, saved.").replace("%2", label("event", step)),
        )

    def report_late(self, job_id: str) -> None:
        """The card's "I will be late": a new time agreed with the customer, and why."""
        from fieldapp.services.jobs import reschedule
        from ui.engineer.job_overview import RescheduleDialog

        with self.store.reader() as session:
            job = session.get(Job, job_id)
            current = job.appointment_at if job is not None else None
        dialog = RescheduleDialog(current, self)
        dialog.setObjectName("reschedule_dialog")
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        when = as_utc(dialog.chosen())
        reason = dialog.reason.toPlainText()
        self._write(
            job_id,
            lambda session, job, user: reschedule(
                session, job, user, when, reason, now=self.clock()
            ),
            self.tr("%1: new time agreed, saved."),
        )

    def _write(self, job_id: str, change: Callable[[Any, Job, User], Any], saved: str) -> None:
        from fieldapp.services.common import DomainError

        try:
            with self.store.action() as session:
                job = session.get(Job, job_id)
                user = session.get(User, self.assignee_id)
                if job is None or user is None:
                    raise LookupError(job_id)
                number = job.number
                change(session, job, user)
        except (DomainError, ValueError, LookupError) as error:
            log.info("refused on job %s from the list: %s", job_id, error)
            self.message.show_message(error_text(error))
            return
        self.message.show_message(saved.replace("%1", number), "muted")
        self.changed.emit()
        self.refresh()


__all__ = [
    "DayModel",
    "DayView",
    "JobListModel",
    "JobListPage",
    "QLabel",
    "balanced_lines",
    "tab_filter",
    "when_text",
]
