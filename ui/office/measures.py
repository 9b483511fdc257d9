"""The month's measures on the desk (issue 12 item 4): the month picker, the table per
engineer with the team's row, the charts, the quality feedback, what was left out and
why; a tap on a figure lists the jobs it counts (a tap on a job opens it). A supervisor
closes the month: the figures are frozen as counted, and what changed since shows
under "Changes", never silently.

Everything is counted by :func:`fieldapp.services.measures.month_measures` in the
background; the CSV and the PDF (``ui.office.measures_export``) are made from the same
figures.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QSizePolicy,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from fieldapp.clock import as_utc
from fieldapp.models import User
from fieldapp.models.enums import Role
from fieldapp.services import measures as m
from fieldapp.services import month_close
from fieldapp.store import Store
from ui.common import theme
from ui.common.charts import ChartWidget
from ui.common.context import AppContext
from ui.common.labels import error_text
from ui.common.widgets import ErrorLabel, button, styled_label
from ui.office import measures_export as export

log = logging.getLogger(__name__)

ROW_HEIGHT = theme.TOUCH
JOB_ROLE = Qt.ItemDataRole.UserRole


@dataclass(frozen=True)
class Counted:
    """What the background count brings back."""

    measures: m.MonthMeasures
    close: export.CloseInfo | None
    differences: list[month_close.Difference]


def count_month(store: Store, month: str, team_id: str | None, now: datetime) -> Counted:
    """The month's measures and, if it was closed, the close and what changed since."""
    with store.reader() as session:
        measures = m.month_measures(session, month, team_id=team_id, now=now)
        close = month_close.latest_close(session, month, team_id)
        if close is None:
            return Counted(measures, None, [])
        frozen = month_close.snapshot(close)
        found = month_close.differences(frozen, measures)
        closer = session.get(User, close.closed_by_id)
        info = export.CloseInfo(closer.display_name if closer else "", close.closed_at, found)
        return Counted(measures, info, found)


def previous_month(moment: datetime) -> str:
    local = as_utc(moment).astimezone(m.BUSINESS_TZ)
    year, month = (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
    return m.month_text(year, month)


def shift_month(month: str, step: int) -> str:
    year, number = m.parse_month(month)
    index = year * 12 + number - 1 + step
    return m.month_text(index // 12, index % 12 + 1)


def _table_widget(name: str) -> QTableWidget:
    table = QTableWidget()
    table.setObjectName(name)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
    table.horizontalHeader().setMinimumHeight(ROW_HEIGHT)
    table.setWordWrap(False)
    return table


def _fill(table: QTableWidget, head: list[str], rows: list[list[str]]) -> None:
    table.clear()
    table.setColumnCount(len(head))
    table.setRowCount(len(rows))
    table.setHorizontalHeaderLabels(head)
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            item = QTableWidgetItem(value)
            if c and export.numeric(value):
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)
    table.resizeColumnsToContents()


class MeasuresPage(QWidget):
    """A desk page (supervisor and office): the month's measures."""

    changed = Signal()
    open_job = Signal(str)
    counted = Signal()  # the figures on the screen were (re)counted

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.month = previous_month(ctx.now())
        self.result: Counted | None = None
        self.words = export.words_for(ctx.language)
        self._busy = False
        self._again = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        # The month picker and the actions.
        bar = QHBoxLayout()
        self.earlier = button("◀")
        self.earlier.setObjectName("measures_earlier")
        self.earlier.setToolTip(self.tr("Month before"))
        self.later = button("▶")
        self.later.setObjectName("measures_later")
        self.later.setToolTip(self.tr("Month after"))
        self.month_label = styled_label("", "title")
        self.month_label.setObjectName("measures_month")
        self.month_label.setWordWrap(False)
        self.earlier.clicked.connect(lambda: self.set_month(shift_month(self.month, -1)))
        self.later.clicked.connect(lambda: self.set_month(shift_month(self.month, 1)))
        bar.addWidget(self.earlier)
        bar.addWidget(self.month_label)
        bar.addWidget(self.later)
        bar.addStretch(1)
        self.close_button = button(self.tr("Close month"), primary=True)
        self.close_button.setObjectName("measures_close")
        self.close_button.clicked.connect(self.close_month)
        self.csv_button = button(self.tr("CSV"))
        self.csv_button.setObjectName("measures_csv")
        self.csv_button.setToolTip(self.tr("Save every table as CSV"))
        self.csv_button.clicked.connect(self._ask_csv)
        self.pdf_language = QComboBox()
        self.pdf_language.setObjectName("measures_pdf_language")
        self.pdf_language.addItem("中文", "zh_CN")
        self.pdf_language.addItem("English", "en")
        self.pdf_language.setCurrentIndex(0 if ctx.chinese else 1)
        self.pdf_button = button(self.tr("PDF"))
        self.pdf_button.setObjectName("measures_pdf")
        self.pdf_button.setToolTip(self.tr("Save the month's report as PDF"))
        self.pdf_button.clicked.connect(self._ask_pdf)
        for widget in (self.close_button, self.csv_button, self.pdf_language, self.pdf_button):
            bar.addWidget(widget)
        layout.addLayout(bar)
        self.status = styled_label("")
        self.status.setObjectName("measures_status")
        layout.addWidget(self.status)
        self.error = ErrorLabel()
        layout.addWidget(self.error)
        # The tabs, and the jobs of the figure tapped under them.
        split = QSplitter(Qt.Orientation.Vertical)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("measures_tabs")
        self.engineers = _table_widget("measures_engineers")
        self.engineers.cellClicked.connect(self._figure_tapped)
        self.tabs.addTab(self.engineers, self.tr("Engineers"))
        chart_page = QWidget()
        grid = QGridLayout(chart_page)
        self.charts: dict[str, ChartWidget] = {}
        for number, key in enumerate(("score", "on_time", "rates", "jobs_by_type")):
            widget = ChartWidget()
            widget.setObjectName(f"chart_{key}")
            widget.category_tapped.connect(lambda index, key=key: self._chart_tapped(key, index))
            grid.addWidget(widget, number // 2, number % 2)
            self.charts[key] = widget
        self.tabs.addTab(chart_page, self.tr("Charts"))
        quality = QWidget()
        quality_layout = QVBoxLayout(quality)
        self.pareto = ChartWidget()
        self.pareto.setObjectName("chart_pareto")
        self.pareto.category_tapped.connect(self._pareto_tapped)
        quality_layout.addWidget(self.pareto, 3)
        lower = QHBoxLayout()
        self.repeats = _table_widget("measures_repeats")
        self.repeats.cellClicked.connect(lambda row, _c: self._table_row("repeat_repairs", row))
        self.hours = _table_widget("measures_hours")
        lower.addWidget(self.repeats)
        lower.addWidget(self.hours)
        quality_layout.addLayout(lower, 2)
        self.tabs.addTab(quality, self.tr("Quality"))
        self.other = _table_widget("measures_tables")
        self.other.cellClicked.connect(self._other_tapped)
        self.other_choice = QComboBox()
        self.other_choice.setObjectName("measures_table_choice")
        for name in ("jobs_by_type", "parts_used", "pareto", "exclusions"):
            self.other_choice.addItem(self.words.measures(export.TABLES[name]), name)
        self.other_choice.currentIndexChanged.connect(lambda _i: self._show_other())
        other_page = QWidget()
        other_layout = QVBoxLayout(other_page)
        other_layout.addWidget(self.other_choice)
        other_layout.addWidget(self.other)
        self.tabs.addTab(other_page, self.tr("Tables"))
        self.changes = _table_widget("measures_changes")
        self.tabs.addTab(self.changes, self.tr("Changes"))
        split.addWidget(self.tabs)
        drill = QWidget()
        drill_layout = QVBoxLayout(drill)
        drill_layout.setContentsMargins(0, 0, 0, 0)
        self.drill_title = styled_label("", "section")
        self.drill_title.setObjectName("measures_drill_title")
        drill_layout.addWidget(self.drill_title)
        self.drill = _table_widget("measures_drill")
        self.drill.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.drill.cellClicked.connect(self._drill_tapped)
        drill_layout.addWidget(self.drill)
        # The jobs' list takes what the figures leave: its own size hint is ignored.
        drill.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
        drill.setMinimumHeight(ROW_HEIGHT * 3)
        split.addWidget(drill)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([560, 170])  # the figures first; the jobs of a tap below
        self.drill_title.setText(self.tr("Tap a figure to see the jobs it counts."))
        layout.addWidget(split, 1)
        self._show_month_label()
        self._update_buttons()

    def title(self) -> str:
        return self.tr("Measures")

    # --- counting ------------------------------------------------------------------------

    def team_id(self) -> str | None:
        """A supervisor sees their team; the office and HQ's admins the whole company."""
        try:
            user = self.ctx.user()
        except LookupError:
            return None
        return user.team_id if Role(user.role) == Role.SUPERVISOR else None

    def set_month(self, month: str) -> None:
        self.month = month
        self._show_month_label()
        self.refresh()

    def refresh(self) -> None:
        if self._busy:
            self._again = True  # counted again once the count under way is in
            return
        self._busy = True
        self.status.setText(self.tr("Counting…"))
        self.ctx.task_manager.run(
            count_month,
            self.ctx.store,
            self.month,
            self.team_id(),
            self.ctx.now(),
            on_done=self._counted,
            on_error=self._failed,
            owner=self,
        )

    def _failed(self, error: BaseException) -> None:
        self._busy = False
        self.error.show_message(error_text(error))
        self._maybe_again()

    def _maybe_again(self) -> bool:
        if self._again:
            self._again = False
            self.refresh()
            return True
        return False

    def _counted(self, result: Counted) -> None:
        self._busy = False
        if self._maybe_again() or result.measures.month != self.month:
            return
        self.result = result
        self.error.clear_message()
        self._show()
        self.counted.emit()

    # --- showing -------------------------------------------------------------------------

    def _show_month_label(self) -> None:
        self.month_label.setText(self.month)

    def _update_buttons(self) -> None:
        try:
            user = self.ctx.user()
            may_close = Role(user.role) == Role.SUPERVISOR and user.team_id is not None
        except LookupError:
            may_close = False
        self.close_button.setVisible(may_close)
        ready = self.result is not None
        self.close_button.setEnabled(ready)
        self.csv_button.setEnabled(ready)
        self.pdf_button.setEnabled(ready)

    def _show(self) -> None:
        assert self.result is not None
        measures = self.result.measures
        words = self.words
        table = m.engineer_table(measures)
        rows = export.text_rows(words, table)
        rows[-1][0] = ""
        rows[-1][1] = words.text("team_row") + (
            f" · {measures.team_name}" if measures.team_name else ""
        )
        head = [words.column(c) for c in table.columns]
        shown = [1, *range(2, len(head))]  # the name, then the figures (login is for files)
        _fill(self.engineers, [head[i] for i in shown], [[r[i] for i in shown] for r in rows])
        bold = self.engineers.font()
        bold.setBold(True)
        for c in range(self.engineers.columnCount()):
            item = self.engineers.item(self.engineers.rowCount() - 1, c)
            if item is not None:
                item.setFont(bold)
        # The team's row is bold: its name gets the room bold text needs.
        wide = QFontMetrics(bold).horizontalAdvance(rows[-1][1]) + 24
        self.engineers.setColumnWidth(0, max(self.engineers.columnWidth(0), wide))
        specs = export.chart_specs(measures, words)
        for key, widget in self.charts.items():
            widget.set_spec(specs[key])
        self.pareto.set_spec(specs["pareto"])
        for widget, name in (
            (self.repeats, "repeat_repairs"),
            (self.hours, "hours_between_faults"),
        ):
            data = measures.tables.get(name)
            if data is not None:
                _fill(widget, export.headers(words, data), export.text_rows(words, data))
        self._show_other()
        self._show_changes()
        self._show_status()
        self._update_buttons()

    def _show_status(self) -> None:
        assert self.result is not None
        close = self.result.close
        if close is None:
            self.status.setText(
                self.tr("Not closed yet. Counted at %1.").replace(
                    "%1", _local(self.result.measures.computed_at)
                )
            )
            self.status.setProperty("role", "")
        else:
            text = (
                self.tr("Closed by %1 at %2.")
                .replace("%1", close.closed_by)
                .replace("%2", _local(close.closed_at))
            )
            if self.result.differences:
                text += " " + self.tr("%1 changes since: see Changes.").replace(
                    "%1", str(len(self.result.differences))
                )
                self.status.setProperty("role", "warning")
            else:
                text += " " + self.tr("Nothing changed since.")
                self.status.setProperty("role", "")
            self.status.setText(text)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        index = self.tabs.indexOf(self.changes)
        count = len(self.result.differences)
        label = self.tr("Changes") + (f" ({count})" if count else "")
        self.tabs.setTabText(index, label)

    def _show_other(self) -> None:
        if self.result is None:
            return
        name = self.other_choice.currentData()
        data = self._named_table(name)
        _fill(self.other, export.headers(self.words, data), export.text_rows(self.words, data))

    def _named_table(self, name: str) -> m.Table:
        assert self.result is not None
        if name == "exclusions":
            return m.exclusions_table(self.result.measures)
        return self.result.measures.tables[name]

    def _show_changes(self) -> None:
        assert self.result is not None
        words = self.words
        numbers = self.result.measures.job_numbers
        rows = []
        for d in self.result.differences:
            where = d.where or words.text("team_row")
            if d.where.startswith("table:"):
                where = words.measures(export.TABLES.get(d.where[6:], d.where[6:]))
            what = words.figure(d.key) if d.key in export.FIGURES else d.key
            rows.append(
                [
                    where,
                    what,
                    _value(d.key, d.before),
                    _value(d.key, d.after),
                    ", ".join(numbers.get(i, i) for i in d.added),
                    ", ".join(numbers.get(i, i) for i in d.removed),
                ]
            )
        _fill(
            self.changes,
            [
                self.tr("Where"),
                self.tr("Figure"),
                self.tr("When closed"),
                self.tr("Now"),
                self.tr("Jobs added"),
                self.tr("Jobs gone"),
            ],
            rows,
        )

    # --- drill-down ----------------------------------------------------------------------

    def _figure_tapped(self, row: int, column: int) -> None:
        if self.result is None:
            return
        measures = self.result.measures
        keys = list(m.FIGURE_KEYS)
        key = keys[column - 1] if column >= 1 else "jobs"
        if row < len(measures.engineers):
            engineer = measures.engineers[row]
            figure, who = engineer.figures[key], engineer.name
        else:
            figure, who = measures.team[key], self.words.text("team_row")
        self.show_figure(figure, who)

    def show_figure(self, figure: m.Figure, who: str) -> None:
        """The drill-down: the jobs a figure counts and those it left out, and why."""
        assert self.result is not None
        numbers = self.result.measures.job_numbers
        counted = self.tr("Counted")
        hits = set(figure.hits)
        met, missed = self.tr("Yes"), self.tr("No")
        rows = [
            (
                i,
                [
                    numbers.get(i, i),
                    (met if i in hits else missed)
                    if figure.hits or figure.key in m.RATE_KEYS
                    else counted,
                    "",
                ],
            )
            for i in figure.ids
        ]
        rows += [
            (e.id, [numbers.get(e.id, e.id), self.tr("Left out"), self.words.reason(e.reason)])
            for e in figure.excluded
        ]
        self.drill_title.setText(
            self.tr("%1 · %2: %3 counted, %4 left out")
            .replace("%1", who)
            .replace("%2", self.words.figure(figure.key))
            .replace("%3", str(len(figure.ids)))
            .replace("%4", str(len(figure.excluded)))
        )
        self._fill_drill(rows)

    def _fill_drill(self, rows: list[tuple[str, list[str]]]) -> None:
        _fill(
            self.drill,
            [self.tr("Job"), self.tr("Counted"), self.tr("Why left out")],
            [r for _, r in rows],
        )
        for number, (job_id, _) in enumerate(rows):
            item = self.drill.item(number, 0)
            if item is not None:
                item.setData(JOB_ROLE, job_id)
        self.drill.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)

    def _chart_tapped(self, key: str, index: int) -> None:
        if self.result is None:
            return
        measures = self.result.measures
        if key == "jobs_by_type":
            self._table_row("jobs_by_type", index)
            return
        figure_key = {"score": "score", "on_time": "on_site_on_time", "rates": "first_time_fix"}[
            key
        ]
        engineer = measures.engineers[index]
        self.show_figure(engineer.figures[figure_key], engineer.name)

    def _pareto_tapped(self, index: int) -> None:
        if self.result is not None and index < min(
            len(self.result.measures.tables["pareto"].rows), export.PARETO_TOP
        ):
            self._table_row("pareto", index)

    def _other_tapped(self, row: int, _column: int) -> None:
        name = self.other_choice.currentData()
        if name != "exclusions":
            self._table_row(name, row)

    def _table_row(self, name: str, row: int) -> None:
        """The jobs of one row of a table (a job type, a part, a fault group)."""
        data = self._named_table(name)
        if row >= len(data.ids):
            return
        assert self.result is not None
        numbers = self.result.measures.job_numbers
        label = " / ".join(
            export.cell(self.words, data, c, v)
            for c, v in zip(data.columns[: data.key_columns], data.rows[row], strict=False)
        )
        self.drill_title.setText(
            self.tr("%1: %2 jobs").replace("%1", label).replace("%2", str(len(data.ids[row])))
        )
        self._fill_drill([(i, [numbers.get(i, i), self.tr("Counted"), ""]) for i in data.ids[row]])

    def _drill_tapped(self, row: int, _column: int) -> None:
        item = self.drill.item(row, 0)
        job_id = item.data(JOB_ROLE) if item is not None else None
        if job_id and self.result is not None and job_id in self.result.measures.job_numbers:
            self.open_job.emit(str(job_id))

    # --- actions -------------------------------------------------------------------------

    def close_month(self) -> None:
        """Freeze the month as it stands on the screen (serialised and written in a
        worker thread: a company's month is a few megabytes of figures and job ids)."""
        if self.result is None:
            return
        self.close_button.setEnabled(False)
        self.ctx.task_manager.run(
            freeze_month,
            self.ctx.store,
            self.result.measures,
            self.ctx.user_id,
            self.ctx.now(),
            on_done=self._month_closed,
            on_error=self._close_refused,
            owner=self,
        )

    def _month_closed(self, _close: object) -> None:
        self.close_button.setEnabled(True)
        self.changed.emit()
        self.refresh()

    def _close_refused(self, error: BaseException) -> None:
        # A refusal of the rules, said in plain words; the month stays open.
        log.warning("Closing %s refused: %s", self.month, error)
        self.close_button.setEnabled(True)
        self.error.show_message(error_text(error))

    def _ask_csv(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Save the tables in"))
        if folder:
            self.export_csv(Path(folder))

    def _ask_pdf(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save the month's report"), f"measures-{self.month}.pdf", "PDF (*.pdf)"
        )
        if name:
            self.export_pdf(Path(name))

    def export_csv(self, folder: Path) -> None:
        assert self.result is not None
        self.ctx.task_manager.run(
            export.export_csv,
            self.result.measures,
            folder,
            self.ctx.language,
            on_done=lambda paths: self.status.setText(
                self.tr("%1 tables saved.").replace("%1", str(len(paths)))
            ),
            on_error=self._failed_export,
            owner=self,
        )

    def export_pdf(self, path: Path) -> None:
        assert self.result is not None
        language = str(self.pdf_language.currentData())
        self.ctx.task_manager.run(
            export.render_month_pdf,
            self.result.measures,
            path,
            language=language,
            close=self.result.close,
            on_done=lambda written: self.status.setText(
                self.tr("Saved %1.").replace("%1", str(written))
            ),
            on_error=self._failed_export,
            owner=self,
        )

    def _failed_export(self, error: BaseException) -> None:
        self.error.show_message(error_text(error))


def _local(moment: datetime) -> str:
    return as_utc(moment).astimezone(m.BUSINESS_TZ).strftime("%Y-%m-%d %H:%M")


def _value(key: str, value: Any) -> str:
    if isinstance(value, list):
        return " / ".join(str(v) for v in value)
    return (
        m.cell_text(key, value) if key in export.FIGURES else ("—" if value is None else str(value))
    )


__all__ = ["MeasuresPage", "count_month"]


def freeze_month(store: Store, measures: m.MonthMeasures, user_id: str, now: datetime) -> object:
    """Close the month in the store (runs in a worker thread); the close row."""
    with store.action() as session:
        user = session.get(User, user_id)
        if user is None:
            raise LookupError("The device's user is not in the local store yet.")
        return month_close.close_month(session, measures, user, now)
