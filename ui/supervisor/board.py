"""The dispatch board (派工看板): one row per engineer of the team, a column per day from
today, each open job a painted block with its countdown, at-risk jobs ringed in red; the
unassigned jobs in a tray on the left, key customers first, then the nearest deadline.

A job is placed by dragging it (mouse, or a finger: Qt turns the touch into mouse
events once the page's scroller lets the block have it) from the tray or from one
engineer onto another engineer's row, or back onto the tray to take it off them. A tap
on a job shows the team ranked for it, each engineer with the reasons and an Assign
button. Every write is local (offline too) and goes up at the next sync.

The board is read in the back (:func:`fieldapp.services.dispatch.board`) and painted, a
row at a time, only where it is on screen, so 200 engineers cost what 20 do."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QObject,
    QPoint,
    QPointF,
    QRect,
    QSize,
    Qt,
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
    QScrollPrepareEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from fieldapp.clock import as_utc
from fieldapp.models import Job, Part, User
from fieldapp.rules.assignment import Candidate, Reason, ReasonCode, RiskState, UsualParts
from fieldapp.rules.kpi import LicenceLevel
from fieldapp.services import dispatch
from fieldapp.services.common import DomainError
from ui.common import theme
from ui.common.context import AppContext
from ui.common.labels import error_text, label
from ui.common.widgets import (
    Card,
    ErrorLabel,
    button,
    clear_layout,
    deadline_chip,
    minutes_left,
    styled_label,
)

log = logging.getLogger(__name__)

DAYS = 5  # today and the next four: what fits 1280 px beside the tray
NAME_W = 140  # the engineers' names
BLOCK_H = 56  # a block: two lines, and a finger's target (48 px and more)
GAP = 4
TRAY_W = 310
TRAY_BLOCK_H = 64


def licence_text(level: LicenceLevel) -> str:
    words = {
        LicenceLevel.MODEL: QCoreApplication.translate("BoardPage", "Model licence"),
        LicenceLevel.NORMAL: QCoreApplication.translate("BoardPage", "Normal licence"),
        LicenceLevel.WARNING: QCoreApplication.translate("BoardPage", "Warning: fewer jobs"),
        LicenceLevel.REVOKED: QCoreApplication.translate("BoardPage", "Licence revoked"),
    }
    return words[level]


def reason_text(reason: Reason) -> str:
    """One reason of the ranking in plain words."""
    n, total = str(reason.count), str(reason.total)
    words = {
        ReasonCode.LOAD: QCoreApplication.translate("BoardPage", "%1 open jobs").replace("%1", n),
        ReasonCode.OVER_CAPACITY: QCoreApplication.translate(
            "BoardPage", "over the limit of %1 jobs"
        ).replace("%1", n),
        ReasonCode.HOME_REGION: QCoreApplication.translate("BoardPage", "home region"),
        ReasonCode.AWAY_REGION: QCoreApplication.translate("BoardPage", "outside home region"),
        ReasonCode.MODEL_KNOWN: QCoreApplication.translate(
            "BoardPage", "serviced this model %1 times"
        ).replace("%1", n),
        ReasonCode.MODEL_NEW: QCoreApplication.translate("BoardPage", "never serviced this model"),
        ReasonCode.LICENCE: licence_text(LicenceLevel(reason.level or "normal")),
        ReasonCode.PARTS_IN_VAN: QCoreApplication.translate(
            "BoardPage", "van holds all %1 usual parts"
        ).replace("%1", total),
        ReasonCode.PARTS_MISSING: QCoreApplication.translate(
            "BoardPage", "van holds %1 of %2 usual parts"
        )
        .replace("%1", n)
        .replace("%2", total),
        ReasonCode.SLA_RISK: (
            QCoreApplication.translate(
                "BoardPage", "may miss the deadline: %1 jobs before"
            ).replace("%1", n)
            if reason.count
            else QCoreApplication.translate("BoardPage", "may miss the deadline")
        ),
        ReasonCode.SLA_OK: QCoreApplication.translate("BoardPage", "can make the deadline"),
        ReasonCode.REVOKED: QCoreApplication.translate(
            "BoardPage", "licence revoked: retraining first"
        ),
        ReasonCode.CURRENT: QCoreApplication.translate("BoardPage", "holds the job now"),
    }
    text = words[reason.code]
    if reason.points:
        text += f"  {reason.points:+d}"
    return text


# --- painting one job ----------------------------------------------------------------------


def block_colour(job: dispatch.BoardJob, now: datetime) -> QColor:
    if job.risk == RiskState.OVERDUE:
        return QColor("#c62828")
    if job.risk == RiskState.AT_RISK:
        return QColor("#e65100")
    return theme.urgency_colour(minutes_left(job.on_site_due_at, now))


def short_countdown(due: datetime | None, now: datetime) -> str:
    """The countdown in a day's column: "3 h", "2 days", "−40 min" when late."""
    left = minutes_left(due, now)
    if left is None:
        return ""
    whole = abs(int(left))
    if whole >= 48 * 60:
        span = QCoreApplication.translate("Widgets", "%1 days").replace("%1", str(whole // 1440))
    elif whole >= 60:
        span = QCoreApplication.translate("Widgets", "%1 h").replace("%1", str(whole // 60))
    else:
        span = QCoreApplication.translate("Widgets", "%1 min").replace("%1", str(whole))
    return f"−{span}" if left <= -1 else span


def _elide(painter: QPainter, rect: QRect, text: str) -> None:
    elided = QFontMetrics(painter.font()).elidedText(
        text, Qt.TextElideMode.ElideRight, max(0, rect.width())
    )
    painter.drawText(rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, elided)


def paint_block(
    widget: QWidget,
    painter: QPainter,
    rect: QRect,
    job: dispatch.BoardJob,
    now: datetime,
    *,
    pressed: bool = False,
    with_day: bool = False,
) -> None:
    """A job: the customer (★ for a key customer), then when it is planned and its
    countdown (and in the wide tray its model and number); the stripe coloured by
    urgency, an at-risk job ringed and tinted."""
    palette = widget.palette()
    colour = block_colour(job, now)
    fill = QColor(colour)
    fill.setAlpha(90 if pressed else (55 if job.at_risk else 30))
    painter.setPen(colour)
    painter.setBrush(fill)
    if job.at_risk:
        pen = painter.pen()
        pen.setWidth(3)
        painter.setPen(pen)
    painter.drawRoundedRect(rect.adjusted(1, 1, -1, -1), 6, 6)
    painter.fillRect(QRect(rect.left(), rect.top(), 6, rect.height()), colour)
    inner = rect.adjusted(12, 4, -6, -4)
    line = inner.height() // 2
    bold = QFont(widget.font())
    bold.setBold(True)
    painter.setFont(bold)
    painter.setPen(palette.color(QPalette.ColorRole.Text))
    star = "★" if job.is_key_account else ""
    _elide(painter, QRect(inner.left(), inner.top(), inner.width(), line), star + job.customer_name)
    painter.setFont(widget.font())
    when = ""
    if job.planned_at is not None:
        local = as_utc(job.planned_at).astimezone()
        when = local.strftime("%m-%d %H:%M" if with_day or job.earlier else "%H:%M")
    chip, chip_colour = deadline_chip(job.on_site_due_at, job.arrived_at, now)
    painter.setPen(
        chip_colour if chip_colour.lightness() < 160 else palette.color(QPalette.ColorRole.Text)
    )
    if not with_day and job.arrived_at is None:
        # A day's column is narrow: the short countdown, a little smaller.
        chip = short_countdown(job.on_site_due_at, now)
        small = QFont(widget.font())
        small.setPointSize(max(9, small.pointSize() - 2))
        painter.setFont(small)
    parts = (when, chip, job.model, job.number) if with_day else (when, chip)
    tail = " ".join(p for p in parts if p)
    if not with_day and QFontMetrics(painter.font()).horizontalAdvance(tail) > inner.width():
        tail = chip or when  # the countdown before the time, when both do not fit
    _elide(painter, QRect(inner.left(), inner.top() + line, inner.width(), line), tail)


# --- the drag --------------------------------------------------------------------------------


@dataclass
class Drag:
    job_id: str
    start: QPointF  # global
    source: str  # "tray" or the engineer's id
    active: bool = False


class BlockGrip(QObject):
    """On the scroll area's viewport: a finger put down on a job drags the job; put
    down anywhere else, it scrolls the board (ui/common/touch.py)."""

    def __init__(self, view: JobCanvas) -> None:
        super().__init__(view)
        self.view = view

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ScrollPrepare and isinstance(watched, QWidget):
            assert isinstance(event, QScrollPrepareEvent)
            point = self.view.mapFromGlobal(watched.mapToGlobal(event.startPos().toPoint()))
            if self.view.job_at(point) is not None:
                event.ignore()
                return True
        return False


class JobCanvas(QWidget):
    """What the tray and the board share: blocks under the finger, and the drag
    handed to the page, whichever widget the events reach."""

    def __init__(self, page: BoardPage) -> None:
        super().__init__()
        self.page = page
        self.pressed: str | None = None
        self.setMouseTracking(False)

    def job_at(self, point: QPoint) -> dispatch.BoardJob | None:
        raise NotImplementedError  # each canvas knows where its blocks are

    def source_of(self, job: dispatch.BoardJob) -> str:
        return job.assignee_id or "tray"

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        job = self.job_at(event.position().toPoint())
        if job is None:
            event.ignore()
            return
        self.pressed = job.id
        self.page.drag_press(job.id, self.source_of(job), event.globalPosition())
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self.page.drag_move(event.globalPosition())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self.pressed = None
        self.update()
        self.page.drag_release(event.globalPosition())


class TrayView(JobCanvas):
    """The unassigned jobs, one under the other."""

    def __init__(self, page: BoardPage) -> None:
        super().__init__(page)
        self.jobs: tuple[dispatch.BoardJob, ...] = ()
        self.now = datetime.now().astimezone()
        self.highlight = False

    def set_jobs(self, jobs: tuple[dispatch.BoardJob, ...], now: datetime) -> None:
        self.jobs, self.now = jobs, now
        self.setMinimumHeight(max(1, len(jobs)) * (TRAY_BLOCK_H + GAP) + GAP)
        self.update()

    def rect_of(self, index: int) -> QRect:
        return QRect(GAP, GAP + index * (TRAY_BLOCK_H + GAP), self.width() - 2 * GAP, TRAY_BLOCK_H)

    def job_at(self, point: QPoint) -> dispatch.BoardJob | None:
        index = (point.y() - GAP) // (TRAY_BLOCK_H + GAP)
        if 0 <= index < len(self.jobs) and self.rect_of(index).contains(point):
            return self.jobs[index]
        return None

    def job_rect(self, job_id: str) -> QRect | None:
        for n, job in enumerate(self.jobs):
            if job.id == job_id:
                return self.rect_of(n)
        return None

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        base = self.palette().color(QPalette.ColorRole.Base)
        painter.fillRect(self.rect(), base)
        if self.highlight:
            mark = QColor(self.palette().color(QPalette.ColorRole.Highlight))
            mark.setAlpha(40)
            painter.fillRect(self.rect(), mark)
        if not self.jobs:
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(
                self.rect().adjusted(12, 12, -12, -12),
                Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
                QCoreApplication.translate(
                    "BoardPage",
                    "Every job is assigned. Drop a job here to take it off its engineer.",
                ),
            )
        first = max(0, (event.rect().top() - GAP) // (TRAY_BLOCK_H + GAP))
        last = min(len(self.jobs), event.rect().bottom() // (TRAY_BLOCK_H + GAP) + 1)
        for n in range(first, last):
            job = self.jobs[n]
            paint_block(
                self,
                painter,
                self.rect_of(n),
                job,
                self.now,
                pressed=self.pressed == job.id,
                with_day=True,
            )
        painter.end()


class BoardView(JobCanvas):
    """The engineers' rows and the days' columns; each day's jobs stacked in the row."""

    def __init__(self, page: BoardPage) -> None:
        super().__init__(page)
        self.board: dispatch.Board | None = None
        self.tops: list[int] = []  # the top of each row, and the bottom of the last
        self.target: str | None = None  # the row a drag is over
        self.setMinimumWidth(NAME_W + DAYS * 90)

    def set_board(self, board: dispatch.Board) -> None:
        self.board = board
        self.tops = [0]
        for row in board.rows:
            per_day = [0] * board.days
            for job in row.jobs:
                per_day[job.day] += 1
            stack = max([1, *per_day])
            self.tops.append(self.tops[-1] + stack * (BLOCK_H + GAP) + GAP + 1)
        self.setMinimumHeight(self.tops[-1] if board.rows else 120)
        self.update()

    @property
    def days(self) -> int:
        return self.board.days if self.board else DAYS

    def day_width(self) -> int:
        return max(60, (self.width() - NAME_W) // self.days)

    def row_at(self, y: int) -> int | None:
        if self.board is None or not self.board.rows or y < 0 or y >= self.tops[-1]:
            return None
        low, high = 0, len(self.board.rows) - 1
        while low < high:  # the rows differ in height: a binary search over their tops
            middle = (low + high + 1) // 2
            if self.tops[middle] <= y:
                low = middle
            else:
                high = middle - 1
        return low

    def engineer_at(self, point: QPoint) -> str | None:
        index = self.row_at(point.y())
        if index is None or self.board is None:
            return None
        return self.board.rows[index].engineer_id

    def row_top(self, engineer_id: str) -> int | None:
        if self.board is None:
            return None
        for n, row in enumerate(self.board.rows):
            if row.engineer_id == engineer_id:
                return self.tops[n]
        return None

    def _blocks(self, index: int) -> list[tuple[QRect, dispatch.BoardJob]]:
        assert self.board is not None
        row = self.board.rows[index]
        width = self.day_width()
        placed: list[tuple[QRect, dispatch.BoardJob]] = []
        per_day = [0] * self.board.days
        for job in row.jobs:
            slot = per_day[job.day]
            per_day[job.day] += 1
            x = NAME_W + job.day * width + GAP
            y = self.tops[index] + GAP + slot * (BLOCK_H + GAP)
            placed.append((QRect(x, y, width - 2 * GAP, BLOCK_H), job))
        return placed

    def job_at(self, point: QPoint) -> dispatch.BoardJob | None:
        index = self.row_at(point.y())
        if index is None:
            return None
        for rect, job in self._blocks(index):
            if rect.contains(point):
                return job
        return None

    def job_rect(self, job_id: str) -> QRect | None:
        if self.board is None:
            return None
        for n, row in enumerate(self.board.rows):
            if any(j.id == job_id for j in row.jobs):
                for rect, job in self._blocks(n):
                    if job.id == job_id:
                        return rect
        return None

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        painter.fillRect(event.rect(), palette.color(QPalette.ColorRole.Base))
        board = self.board
        if board is None:
            painter.end()
            return
        grid = palette.color(QPalette.ColorRole.Mid)
        text = palette.color(QPalette.ColorRole.Text)
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        width = self.day_width()
        bold = QFont(self.font())
        bold.setBold(True)
        first = self.row_at(max(0, event.rect().top())) or 0
        last = self.row_at(min(event.rect().bottom(), self.tops[-1] - 1))
        last = len(board.rows) - 1 if last is None else last
        for index in range(first, last + 1):
            row = board.rows[index]
            top, bottom = self.tops[index], self.tops[index + 1]
            if row.engineer_id == self.target:
                mark = QColor(palette.color(QPalette.ColorRole.Highlight))
                mark.setAlpha(50)
                painter.fillRect(QRect(0, top, self.width(), bottom - top), mark)
            elif index % 2:
                painter.fillRect(
                    QRect(0, top, self.width(), bottom - top),
                    palette.color(QPalette.ColorRole.AlternateBase),
                )
            painter.setPen(grid)
            painter.drawLine(0, bottom - 1, self.width(), bottom - 1)
            for day in range(1, board.days + 1):
                x = NAME_W + (day - 1) * width
                painter.drawLine(x, top, x, bottom)
            name_rect = QRect(8, top + GAP, NAME_W - 14, 26)
            painter.setFont(bold)
            painter.setPen(text)
            _elide(painter, name_rect, row.name)
            painter.setFont(self.font())
            warning = row.licence in {LicenceLevel.WARNING, LicenceLevel.REVOKED}
            painter.setPen(theme.warning_colour() if warning else muted)
            load = QCoreApplication.translate("BoardPage", "%1 open").replace(
                "%1", str(row.open_load)
            )
            if row.later:
                load += " · " + QCoreApplication.translate("BoardPage", "%1 later").replace(
                    "%1", str(row.later)
                )
            _elide(painter, QRect(8, top + GAP + 26, NAME_W - 14, 24), load)
            if warning:
                _elide(
                    painter, QRect(8, top + GAP + 50, NAME_W - 14, 24), licence_text(row.licence)
                )
            for rect, job in self._blocks(index):
                paint_block(self, painter, rect, job, board.now, pressed=self.pressed == job.id)
        painter.end()


class DayHeader(QWidget):
    """The days over the board's columns (today first)."""

    def __init__(self, view: BoardView) -> None:
        super().__init__()
        self.view = view
        self.first_day = date.today()
        self.setFixedHeight(52)  # the day's name over its date

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Window))
        bold = QFont(self.font())
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        width = self.view.day_width()
        painter.drawText(
            QRect(8, 0, NAME_W - 8, self.height()),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            QCoreApplication.translate("BoardPage", "Engineer"),
        )
        weekdays = [
            QCoreApplication.translate("BoardPage", "Mon"),
            QCoreApplication.translate("BoardPage", "Tue"),
            QCoreApplication.translate("BoardPage", "Wed"),
            QCoreApplication.translate("BoardPage", "Thu"),
            QCoreApplication.translate("BoardPage", "Fri"),
            QCoreApplication.translate("BoardPage", "Sat"),
            QCoreApplication.translate("BoardPage", "Sun"),
        ]
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        half = self.height() // 2
        for n in range(self.view.days):
            day = self.first_day + timedelta(days=n)
            name = (
                QCoreApplication.translate("BoardPage", "Today")
                if day == date.today()
                else weekdays[day.weekday()]
            )
            left = NAME_W + n * width + 8
            painter.setFont(bold)
            painter.setPen(palette.color(QPalette.ColorRole.Text))
            _elide(painter, QRect(left, 0, width - 12, half), name)
            painter.setFont(self.font())
            painter.setPen(muted)
            _elide(painter, QRect(left, half, width - 12, half), f"{day.month}/{day.day}")
        painter.end()


# --- the ranked engineers for one job --------------------------------------------------------


class CandidatePanel(QWidget):
    """The job tapped: what it is, and the team ranked for it with the reasons and an
    Assign button each."""

    assign_to = Signal(str, str)  # job id, engineer id
    unassign = Signal(str)
    back = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job_id = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.back_button = button(self.tr("Back"))
        self.back_button.setObjectName("candidates_back")
        self.back_button.clicked.connect(self.back)
        top.addWidget(self.back_button)
        self.unassign_button = button(self.tr("Unassign"), danger=True)
        self.unassign_button.setObjectName("unassign")
        self.unassign_button.clicked.connect(lambda: self.unassign.emit(self.job_id))
        top.addWidget(self.unassign_button)
        top.addStretch(1)
        layout.addLayout(top)
        self.heading = styled_label("", "section")
        layout.addWidget(self.heading)
        self.detail = styled_label("", "muted")
        layout.addWidget(self.detail)
        self.error = ErrorLabel()
        layout.addWidget(self.error)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        holder = QWidget()
        self.list = QVBoxLayout(holder)
        self.list.setContentsMargins(0, 0, 0, 0)
        self.list.setSpacing(6)
        self.scroll.setWidget(holder)
        layout.addWidget(self.scroll, 1)

    def show_ranking(
        self, job: dispatch.BoardJob, ranking: dispatch.Ranking, parts: list[str], now: datetime
    ) -> None:
        self.job_id = job.id
        self.error.clear_message()
        star = "★ " if job.is_key_account else ""
        self.heading.setText(f"{job.number}  {star}{job.customer_name}")
        chip, _ = deadline_chip(job.on_site_due_at, job.arrived_at, now)
        lines = [" · ".join(p for p in (job.model, label("status", job.status), chip) if p)]
        if job.symptom:
            lines.append(job.symptom)
        if parts:
            lines.append(self.tr("Usually needs: %1").replace("%1", "、".join(parts)))
        self.detail.setText("\n".join(lines))
        self.unassign_button.setVisible(job.assignee_id is not None)
        clear_layout(self.list)
        for candidate in ranking.candidates:
            self.list.addWidget(self._card(candidate))
        self.list.addStretch(1)

    def _card(self, candidate: Candidate) -> QWidget:
        card = Card()
        card.setObjectName(f"candidate_{candidate.engineer_id}")
        head = QHBoxLayout()
        name = styled_label(f"{candidate.name}  {candidate.score:+d}", "section")
        head.addWidget(name, 1)
        pick = button(self.tr("Assign"), primary=candidate.eligible and not candidate.current)
        pick.setObjectName(f"assign_{candidate.engineer_id}")
        pick.setEnabled(candidate.eligible and not candidate.current)
        pick.clicked.connect(
            lambda _=False, e=candidate.engineer_id: self.assign_to.emit(self.job_id, e)
        )
        head.addWidget(pick)
        card.body.addLayout(head)
        reasons = styled_label("\n".join(reason_text(r) for r in candidate.reasons))
        if candidate.sla_risk or not candidate.eligible:
            reasons.setProperty("role", "warning")
        card.body.addWidget(reasons)
        return card


# --- the page --------------------------------------------------------------------------------


class BoardPage(QWidget):
    changed = Signal()
    open_job = Signal(str)
    loaded = Signal()  # the board on screen is the store's (tests wait for it)
    candidates_shown = Signal(str)  # the ranking of a job is on screen

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, days: int = DAYS) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.days = days
        self.first_day = ctx.today()
        self.board: dispatch.Board | None = None
        self.drag: Drag | None = None
        self.generation = 0
        self.selected: str | None = None  # the job whose candidates are shown

        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 8, 12, 8)
        top = QHBoxLayout()
        self.heading = styled_label(self.title(), "title")
        self.heading.setWordWrap(False)
        top.addWidget(self.heading)
        self.risk_label = styled_label("", "warning")
        self.risk_label.setWordWrap(False)
        top.addWidget(self.risk_label)
        top.addStretch(1)
        self.earlier = button("◀")
        self.earlier.setObjectName("board_earlier")
        self.earlier.setToolTip(self.tr("Earlier days"))
        self.earlier.clicked.connect(lambda: self.move_days(-self.days))
        self.today_button = button(self.tr("Today"))
        self.today_button.setObjectName("board_today")
        self.today_button.clicked.connect(self.go_today)
        self.later = button("▶")
        self.later.setObjectName("board_later")
        self.later.setToolTip(self.tr("Later days"))
        self.later.clicked.connect(lambda: self.move_days(self.days))
        self.new_button = button(self.tr("New job"), primary=True)
        self.new_button.setObjectName("new_job")
        self.new_button.clicked.connect(self.new_job)
        for widget in (self.earlier, self.today_button, self.later, self.new_button):
            top.addWidget(widget)
        outer.addLayout(top)
        self.message = ErrorLabel()
        outer.addWidget(self.message)

        body = QHBoxLayout()
        body.setSpacing(12)
        self.side = QStackedWidget()
        self.side.setFixedWidth(TRAY_W)
        tray_page = QWidget()
        tray_layout = QVBoxLayout(tray_page)
        tray_layout.setContentsMargins(0, 0, 0, 0)
        self.tray_title = styled_label("", "section")
        tray_layout.addWidget(self.tray_title)
        self.tray = TrayView(self)
        self.tray.setObjectName("board_tray")
        self.tray_area = self._scroll(self.tray)
        tray_layout.addWidget(self.tray_area, 1)
        self.side.addWidget(tray_page)
        self.candidates = CandidatePanel()
        self.candidates.assign_to.connect(self.assign)
        self.candidates.unassign.connect(self.unassign)
        self.candidates.back.connect(self.show_tray)
        self.side.addWidget(self.candidates)
        body.addWidget(self.side)

        grid = QVBoxLayout()
        grid.setSpacing(0)
        self.view = BoardView(self)
        self.view.setObjectName("board_view")
        self.header = DayHeader(self.view)
        grid.addWidget(self.header)
        self.area = self._scroll(self.view)
        grid.addWidget(self.area, 1)
        body.addLayout(grid, 1)
        outer.addLayout(body, 1)

        self.ghost = QLabel(self)
        self.ghost.setObjectName("drag_ghost")
        self.ghost.setStyleSheet(
            "background: palette(highlight); color: palette(highlighted-text);"
            " border-radius: 6px; padding: 8px; font-weight: bold;"
        )
        self.ghost.hide()

    def _scroll(self, canvas: JobCanvas) -> QScrollArea:
        area = QScrollArea()
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        area.setWidget(canvas)
        area.viewport().installEventFilter(BlockGrip(canvas))
        return area

    def title(self) -> str:
        return self.tr("Dispatch board")

    # --- reading ------------------------------------------------------------------------

    def refresh(self) -> None:
        try:
            team_id = self.ctx.user().team_id
        except LookupError:
            team_id = None
        if team_id is None:
            self.message.show_message(
                self.tr("Your team is not on this device yet: sync first."), "warning"
            )
            return
        self.generation += 1
        generation = self.generation
        first, days, now = self.first_day, self.days, self.ctx.now()

        def read() -> dispatch.Board:
            with self.ctx.store.reader() as session:
                return dispatch.board(session, team_id, first, days, now)

        self.ctx.task_manager.run(
            read,
            on_done=lambda board: self._show(board, generation),
            on_error=lambda error: self.message.show_message(error_text(error)),
            owner=self,
        )

    def _show(self, board: dispatch.Board, generation: int) -> None:
        if generation != self.generation:
            return  # a newer read is on its way
        self.board = board
        self.message.clear_message()
        self.view.set_board(board)
        self.tray.set_jobs(board.unassigned, board.now)
        self.header.first_day = board.first_day
        self.header.update()
        self.tray_title.setText(self.tr("Unassigned: %1").replace("%1", str(len(board.unassigned))))
        risky = board.at_risk
        self.risk_label.setText(self.tr("%1 at risk").replace("%1", str(risky)) if risky else "")
        if self.selected is not None:
            job = board.jobs.get(self.selected)
            if job is None:
                self.show_tray()
            else:
                self.show_candidates(job.id)
        self.loaded.emit()

    def move_days(self, days: int) -> None:
        self.first_day += timedelta(days=days)
        self.refresh()

    def go_today(self) -> None:
        self.first_day = self.ctx.today()
        self.refresh()

    def job(self, job_id: str) -> dispatch.BoardJob | None:
        return self.board.jobs.get(job_id) if self.board else None

    # --- the drag -------------------------------------------------------------------------

    def drag_press(self, job_id: str, source: str, at: QPointF) -> None:
        self.drag = Drag(job_id, QPointF(at), source)

    def drag_move(self, at: QPointF) -> None:
        drag = self.drag
        if drag is None:
            return
        if not drag.active:
            if (at - drag.start).manhattanLength() < QApplication.startDragDistance():
                return
            drag.active = True
            job = self.job(drag.job_id)
            self.ghost.setText(f"{job.number} {job.customer_name}" if job else "")
            self.ghost.adjustSize()
            self.ghost.show()
            self.ghost.raise_()
        local = self.mapFromGlobal(at.toPoint())
        self.ghost.move(local + QPoint(16, 16))
        self._autoscroll(at)
        target = self._target(at)
        self.view.target = target if target not in (None, "tray") else None
        self.tray.highlight = target == "tray"
        self.view.update()
        self.tray.update()

    def _autoscroll(self, at: QPointF) -> None:
        viewport = self.area.viewport()
        point = viewport.mapFromGlobal(at.toPoint())
        if not 0 <= point.x() < viewport.width():
            return
        bar = self.area.verticalScrollBar()
        if point.y() < 40:
            bar.setValue(bar.value() - 24)
        elif point.y() > viewport.height() - 40:
            bar.setValue(bar.value() + 24)

    def _target(self, at: QPointF) -> str | None:
        """ "tray", an engineer's id, or None: where a drop at ``at`` lands."""
        for area in (self.tray_area, self.area):
            viewport = area.viewport()
            if self.side.currentIndex() != 0 and area is self.tray_area:
                continue
            if viewport.rect().contains(viewport.mapFromGlobal(at.toPoint())):
                if area is self.tray_area:
                    return "tray"
                return self.view.engineer_at(self.view.mapFromGlobal(at.toPoint()))
        return None

    def drag_release(self, at: QPointF) -> None:
        drag, self.drag = self.drag, None
        self.ghost.hide()
        self.view.target = None
        self.tray.highlight = False
        self.view.update()
        self.tray.update()
        if drag is None:
            return
        if not drag.active:
            self.show_candidates(drag.job_id)  # a tap
            return
        target = self._target(at)
        if target is None or target == drag.source:
            return
        if target == "tray":
            self.unassign(drag.job_id)
        else:
            self.assign(drag.job_id, target)

    # --- the candidates -------------------------------------------------------------------

    def show_candidates(self, job_id: str) -> None:
        job = self.job(job_id)
        if job is None:
            return
        self.selected = job_id
        now = self.ctx.now()

        def read() -> tuple[dispatch.Ranking, list[str]]:
            with self.ctx.store.reader() as session:
                row = session.get(Job, job_id)
                if row is None:
                    return dispatch.Ranking((), UsualParts(None, (), 0)), []
                ranking = dispatch.rank_engineers(session, row, now)
                names = []
                for part_id in ranking.usual.part_ids:
                    part = session.get(Part, part_id)
                    if part is not None:
                        names.append(
                            part.name_zh if self.ctx.chinese else part.name_en or part.name_zh
                        )
                return ranking, names

        def shown(result: tuple[dispatch.Ranking, list[str]]) -> None:
            if self.selected != job_id:
                return
            self.candidates.show_ranking(job, result[0], result[1], now)
            self.side.setCurrentWidget(self.candidates)
            self.candidates_shown.emit(job_id)

        self.ctx.task_manager.run(read, on_done=shown, owner=self)

    def show_tray(self) -> None:
        self.selected = None
        self.side.setCurrentIndex(0)

    # --- writing --------------------------------------------------------------------------

    def _write(self, action: Any) -> bool:
        try:
            with self.ctx.store.action() as session:
                actor = session.get(User, self.ctx.user_id)
                if actor is None:
                    raise LookupError("The device's user is not in the store.")
                action(session, actor)
        except DomainError as error:
            self.message.show_message(error_text(error))
            if self.side.currentWidget() is self.candidates:
                self.candidates.error.show_message(error_text(error))
            return False
        self.message.clear_message()
        self.changed.emit()
        self.refresh()
        return True

    def assign(self, job_id: str, engineer_id: str) -> bool:
        now, device = self.ctx.now(), self.ctx.device_id

        def write(session: Any, actor: User) -> None:
            job = session.get(Job, job_id)
            engineer = session.get(User, engineer_id)
            if job is None or engineer is None:
                raise DomainError("row_unknown", "That job or engineer is gone.")
            dispatch.assign(session, job, engineer, actor, now=now, device_id=device)
            log.info("Job %s assigned to %s on the board", job.number, engineer.login)

        return self._write(write)

    def unassign(self, job_id: str) -> bool:
        now, device = self.ctx.now(), self.ctx.device_id

        def write(session: Any, actor: User) -> None:
            job = session.get(Job, job_id)
            if job is None:
                raise DomainError("row_unknown", "That job is gone.")
            dispatch.unassign(session, job, actor, now=now, device_id=device)

        return self._write(write)

    def new_job(self) -> None:
        from ui.supervisor.new_job import NewJobDialog

        dialog = NewJobDialog(self.ctx, self)
        dialog.saved.connect(self._job_saved)
        self.dialog = dialog
        dialog.open()

    def _job_saved(self, job_id: str) -> None:
        """A new job: on the board, and its candidates offered at once."""
        self.changed.emit()
        self.selected = job_id
        self.refresh()

    def sizeHint(self) -> QSize:
        return QSize(1072, 760)
