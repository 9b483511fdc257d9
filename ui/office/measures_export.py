"""The month's measures on paper and in files: a CSV for every table (UTF-8 with a BOM,
so Excel opens Chinese right) and the month's PDF in Chinese or English — the cover,
the per-engineer table, the charts and the quality pack for engineering.

The numbers are written by :func:`fieldapp.services.measures.cell_text`, as on the
screen; the charts by :func:`ui.common.charts.draw_chart`, as on the screen. Labels are
English in code (context ``Measures``) and translated in the file's language, which need
not be the UI's. Everything here runs in a worker thread (QPdfWriter, QPainter, QFont:
no widget).
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QMarginsF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPageLayout, QPageSize, QPainter, QPdfWriter

from fieldapp.clock import as_utc
from fieldapp.services import measures as m
from fieldapp.services.month_close import Difference
from ui.common import charts
from ui.common.i18n import translate_in, translator_for
from ui.common.labels import LABELS
from ui.common.report import _radical_fixes, fix_text_layer, report_font

log = logging.getLogger(__name__)

CONTEXT = "Measures"
Translate = Callable[[str], str]


def _table(entries: dict[str, object]) -> dict[str, str]:
    return {key: str(text) for key, text in entries.items()}


FIGURES = _table(
    {
        "jobs": QT_TRANSLATE_NOOP("Measures", "Jobs"),
        "follow_ups": QT_TRANSLATE_NOOP("Measures", "Calls"),
        "very_satisfied_share": QT_TRANSLATE_NOOP("Measures", "Very satisfied"),
        "dissatisfied": QT_TRANSLATE_NOOP("Measures", "Dissatisfied"),
        "praise": QT_TRANSLATE_NOOP("Measures", "Praise"),
        "score": QT_TRANSLATE_NOOP("Measures", "Score"),
        "bonus_cents": QT_TRANSLATE_NOOP("Measures", "Bonus (¥)"),
        "licence_points": QT_TRANSLATE_NOOP("Measures", "Licence points"),
        "answer_on_time": QT_TRANSLATE_NOOP("Measures", "Answered in 4 h"),
        "on_site_on_time": QT_TRANSLATE_NOOP("Measures", "On site in time"),
        "complaint_answer_on_time": QT_TRANSLATE_NOOP("Measures", "Complaints answered in 4 h"),
        "first_time_fix": QT_TRANSLATE_NOOP("Measures", "Fixed first time"),
        "return_repairs": QT_TRANSLATE_NOOP("Measures", "Return repairs"),
        "complaints": QT_TRANSLATE_NOOP("Measures", "Complaints"),
        "complaint_ppm": QT_TRANSLATE_NOOP("Measures", "Complaint PPM"),
        "dissatisfaction_ppm": QT_TRANSLATE_NOOP("Measures", "Dissatisfaction PPM"),
        "omission_ppm": QT_TRANSLATE_NOOP("Measures", "Omission PPM"),
        "warranty_cost_cents": QT_TRANSLATE_NOOP("Measures", "Warranty cost (¥)"),
        "parts_used": QT_TRANSLATE_NOOP("Measures", "Parts used"),
    }
)
COLUMNS = _table(
    {
        "login": QT_TRANSLATE_NOOP("Measures", "Login"),
        "name": QT_TRANSLATE_NOOP("Measures", "Engineer"),
        "job_type": QT_TRANSLATE_NOOP("Measures", "Job type"),
        "part_no": QT_TRANSLATE_NOOP("Measures", "Part number"),
        "name_zh": QT_TRANSLATE_NOOP("Measures", "Name (Chinese)"),
        "name_en": QT_TRANSLATE_NOOP("Measures", "Name (English)"),
        "quantity": QT_TRANSLATE_NOOP("Measures", "Quantity"),
        "warranty_quantity": QT_TRANSLATE_NOOP("Measures", "Under warranty"),
        "value_cents": QT_TRANSLATE_NOOP("Measures", "Value (¥)"),
        "model": QT_TRANSLATE_NOOP("Measures", "Model"),
        "assembly": QT_TRANSLATE_NOOP("Measures", "Component"),
        "faults": QT_TRANSLATE_NOOP("Measures", "Faults"),
        "share": QT_TRANSLATE_NOOP("Measures", "Share"),
        "cumulative_share": QT_TRANSLATE_NOOP("Measures", "Cumulative share"),
        "serial": QT_TRANSLATE_NOOP("Measures", "Serial number"),
        "repairs": QT_TRANSLATE_NOOP("Measures", "Repairs"),
        "machines": QT_TRANSLATE_NOOP("Measures", "Machines"),
        "hours": QT_TRANSLATE_NOOP("Measures", "Hours"),
        "mean_hours": QT_TRANSLATE_NOOP("Measures", "Mean hours between faults"),
        "machines_without_reading": QT_TRANSLATE_NOOP("Measures", "Machines without reading"),
        "faults_without_reading": QT_TRANSLATE_NOOP("Measures", "Their faults"),
        "figure": QT_TRANSLATE_NOOP("Measures", "Figure"),
        "job": QT_TRANSLATE_NOOP("Measures", "Job"),
        "reason": QT_TRANSLATE_NOOP("Measures", "Why left out"),
    }
)
TABLES = _table(
    {
        "engineers": QT_TRANSLATE_NOOP("Measures", "Engineers"),
        "jobs_by_type": QT_TRANSLATE_NOOP("Measures", "Jobs by type"),
        "parts_used": QT_TRANSLATE_NOOP("Measures", "Parts used"),
        "pareto": QT_TRANSLATE_NOOP("Measures", "Faults by model and component"),
        "repeat_repairs": QT_TRANSLATE_NOOP("Measures", "Repeat repairs of a component"),
        "hours_between_faults": QT_TRANSLATE_NOOP("Measures", "Hours between faults by model"),
        "exclusions": QT_TRANSLATE_NOOP("Measures", "Left out, and why"),
    }
)
REASONS = _table(
    {
        m.NOT_REACHED: QT_TRANSLATE_NOOP("Measures", "Customer not reached"),
        m.NO_SATISFACTION: QT_TRANSLATE_NOOP("Measures", "No satisfaction recorded"),
        m.SUPERSEDED: QT_TRANSLATE_NOOP("Measures", "A later call counts"),
        m.DISSATISFIED: QT_TRANSLATE_NOOP("Measures", "Dissatisfied: bonus withheld"),
        m.NOT_CALLED_YET: QT_TRANSLATE_NOOP("Measures", "No follow-up call yet"),
        m.NO_ANSWER_TIME: QT_TRANSLATE_NOOP("Measures", "No answer time"),
        m.NO_ARRIVAL_TIME: QT_TRANSLATE_NOOP("Measures", "No arrival time"),
        m.NO_FAULT: QT_TRANSLATE_NOOP("Measures", "No fault recorded"),
        m.NO_MACHINE: QT_TRANSLATE_NOOP("Measures", "No machine"),
        m.NO_COMPLETION: QT_TRANSLATE_NOOP("Measures", "No completion time"),
        m.NO_MODEL: QT_TRANSLATE_NOOP("Measures", "No model"),
        m.MISUSE: QT_TRANSLATE_NOOP("Measures", "Operator misuse"),
        m.NO_READING: QT_TRANSLATE_NOOP("Measures", "No hour meter reading"),
        m.NO_JOB: QT_TRANSLATE_NOOP("Measures", "No job"),
        m.CANCELLED: QT_TRANSLATE_NOOP("Measures", "Cancelled after approval"),
        m.DELETED: QT_TRANSLATE_NOOP("Measures", "Deleted"),
        m.FAULT_NOT_HANDLED: QT_TRANSLATE_NOOP("Measures", "Fault neither fixed nor followed up"),
        m.CALL_MISSING: QT_TRANSLATE_NOOP("Measures", "Due for a call, none made"),
    }
)
LEVELS = _table(
    {
        "model": QT_TRANSLATE_NOOP("Measures", "Model"),
        "normal": QT_TRANSLATE_NOOP("Measures", "Normal"),
        "warning": QT_TRANSLATE_NOOP("Measures", "Warning"),
        "revoked": QT_TRANSLATE_NOOP("Measures", "Revoked"),
    }
)
TEXT = _table(
    {
        "title": QT_TRANSLATE_NOOP("Measures", "Service measures"),
        "month": QT_TRANSLATE_NOOP("Measures", "Month"),
        "team": QT_TRANSLATE_NOOP("Measures", "Team"),
        "all_teams": QT_TRANSLATE_NOOP("Measures", "All teams"),
        "counted_at": QT_TRANSLATE_NOOP("Measures", "Counted at"),
        "closed": QT_TRANSLATE_NOOP("Measures", "Closed by %1 at %2"),
        "open": QT_TRANSLATE_NOOP("Measures", "Not closed yet"),
        "differences": QT_TRANSLATE_NOOP("Measures", "Changes since the month was closed: %1"),
        "team_row": QT_TRANSLATE_NOOP("Measures", "Team"),
        "summary": QT_TRANSLATE_NOOP("Measures", "The month in figures"),
        "score_chart": QT_TRANSLATE_NOOP("Measures", "Follow-up score by engineer"),
        "on_time_chart": QT_TRANSLATE_NOOP("Measures", "Arrivals by engineer"),
        "met": QT_TRANSLATE_NOOP("Measures", "On time"),
        "missed": QT_TRANSLATE_NOOP("Measures", "Late"),
        "left_out": QT_TRANSLATE_NOOP("Measures", "Left out"),
        "rates_chart": QT_TRANSLATE_NOOP("Measures", "Rates by engineer"),
        "others": QT_TRANSLATE_NOOP("Measures", "Others"),
        "cumulative": QT_TRANSLATE_NOOP("Measures", "Cumulative share"),
        "quality": QT_TRANSLATE_NOOP("Measures", "Quality feedback for engineering"),
        "page": QT_TRANSLATE_NOOP("Measures", "Page %1"),
        "none": QT_TRANSLATE_NOOP("Measures", "None"),
        "formula": QT_TRANSLATE_NOOP("Measures", "%1 of %2"),
    }
)
#: Columns whose values are codes: written as words of the file's language.
CODE_COLUMNS = {"job_type": "job_type", "assembly": "assembly"}
PARETO_TOP = 12


def all_labels() -> list[str]:
    return [
        *FIGURES.values(),
        *COLUMNS.values(),
        *TABLES.values(),
        *REASONS.values(),
        *LEVELS.values(),
        *TEXT.values(),
    ]


@dataclass(frozen=True)
class Words:
    """The labels of one language (the UI's for the screen, the file's for a file)."""

    language: str
    measures: Translate
    labels: Translate

    def figure(self, key: str) -> str:
        return self.measures(FIGURES.get(key, key))

    def column(self, key: str) -> str:
        if key in FIGURES:
            return self.figure(key)
        return self.measures(COLUMNS.get(key, key))

    def reason(self, code: str) -> str:
        return self.measures(REASONS.get(code, code))

    def text(self, key: str, *values: str) -> str:
        out = self.measures(TEXT[key])
        for number, value in enumerate(values, 1):
            out = out.replace(f"%{number}", value)
        return out

    def code(self, kind: str, value: str) -> str:
        source = LABELS.get(kind, {}).get(value)
        return self.labels(source) if source else value


def words_for(language: str) -> Words:
    translator = translator_for(language)
    return Words(
        language,
        lambda text: translate_in(translator, CONTEXT, text),
        lambda text: translate_in(translator, "Labels", text),
    )


def cell(words: Words, table: m.Table, column: str, value: Any) -> str:
    """A cell as the screen, the CSV and the PDF write it."""
    if column in CODE_COLUMNS and isinstance(value, str):
        return words.code(CODE_COLUMNS[column], value)
    if table.name == "exclusions" and column == "figure":
        return (
            words.column(str(value))
            if value in FIGURES
            else words.measures(TABLES.get(value, value))
        )
    if table.name == "exclusions" and column == "reason":
        return words.reason(str(value))
    if column == "licence_points" and value is None:
        return "—"
    return m.cell_text(column, value)


def headers(words: Words, table: m.Table) -> list[str]:
    return [words.column(c) for c in table.columns]


def text_rows(words: Words, table: m.Table) -> list[list[str]]:
    return [
        [cell(words, table, c, v) for c, v in zip(table.columns, row, strict=True)]
        for row in table.rows
    ]


def tables_of(measures: m.MonthMeasures) -> list[m.Table]:
    return m.all_tables(measures)


def csv_of(words: Words, table: m.Table) -> str:
    """One table as CSV text (with its BOM), headers and code words in ``words``'
    language, numbers as on the screen."""
    shown = m.Table(table.name, table.columns, tuple(tuple(r) for r in text_rows(words, table)))
    return m.csv_text(shown, headers(words, table))


def export_csv(measures: m.MonthMeasures, folder: Path, language: str) -> list[Path]:
    """Every table of the month as ``measures-YYYY-MM-<table>.csv`` in ``folder``."""
    words = words_for(language)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table in tables_of(measures):
        path = folder / f"measures-{measures.month}-{table.name}.csv"
        _atomic_write(path, csv_of(words, table).encode("utf-8"))
        written.append(path)
    log.info("Measures of %s exported as CSV to %s", measures.month, folder)
    return written


def _atomic_write(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(data)
    os.replace(partial, path)


# --- the charts (the screen draws the same specs) ------------------------------------------


def _or_gap(value: float | None) -> float:
    """A rate that does not exist (no calls, no repairs) is a gap in the line."""
    return math.nan if value is None else float(value)


def _percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def chart_specs(measures: m.MonthMeasures, words: Words) -> dict[str, charts.ChartSpec]:
    """The month's charts: the score by engineer, arrivals on time (stacked), the rates
    by engineer (lines), jobs by type, and the faults' Pareto."""
    names = tuple(e.name for e in measures.engineers)
    figures = [e.figures for e in measures.engineers]
    on_site = [f["on_site_on_time"] for f in figures]
    by_type = measures.tables["jobs_by_type"]
    specs = {
        "score": charts.ChartSpec(
            charts.BAR,
            words.text("score_chart"),
            names,
            (
                charts.Series(
                    words.figure("score"), tuple(float(f["score"].value or 0) for f in figures)
                ),
            ),
        ),
        "on_time": charts.ChartSpec(
            charts.STACKED,
            words.text("on_time_chart"),
            names,
            (
                charts.Series(
                    words.text("met"), tuple(float(f.numerator or 0) for f in on_site), "#2ca02c"
                ),
                charts.Series(
                    words.text("missed"),
                    tuple(float((f.denominator or 0) - (f.numerator or 0)) for f in on_site),
                    "#d62728",
                ),
                charts.Series(
                    words.text("left_out"),
                    tuple(float(len(f.excluded)) for f in on_site),
                    "#9e9e9e",
                ),
            ),
        ),
        "rates": charts.ChartSpec(
            charts.LINE,
            words.text("rates_chart"),
            names,
            tuple(
                charts.Series(words.figure(key), tuple(_or_gap(f[key].value) for f in figures))
                for key in (
                    "very_satisfied_share",
                    "answer_on_time",
                    "on_site_on_time",
                    "first_time_fix",
                )
            ),
            value_text=_percent,
            y_max=1.0,
        ),
        "jobs_by_type": charts.ChartSpec(
            charts.BAR,
            words.measures(TABLES["jobs_by_type"]),
            tuple(words.code("job_type", r[0]) for r in by_type.rows),
            (charts.Series(words.figure("jobs"), tuple(float(r[1]) for r in by_type.rows)),),
        ),
        "pareto": pareto_spec(measures.tables["pareto"], words),
    }
    return specs


def pareto_spec(table: m.Table, words: Words, top: int = PARETO_TOP) -> charts.ChartSpec:
    """The Pareto chart of faults by model and component: the ``top`` groups, then the
    rest as one bar, so the cumulative line still ends at 100 %."""
    rows = list(table.rows)
    shown = rows[:top]
    categories = [f"{r[0]} {words.code('assembly', r[1])}" for r in shown]
    values = [float(r[2]) for r in shown]
    if len(rows) > top:
        categories.append(words.text("others"))
        values.append(float(sum(r[2] for r in rows[top:])))
    return charts.ChartSpec(
        charts.PARETO,
        words.measures(TABLES["pareto"]),
        tuple(categories),
        (charts.Series(words.column("faults"), tuple(values)),),
        cumulative_label=words.text("cumulative"),
    )


# --- the PDF ------------------------------------------------------------------------------

PDF_RESOLUTION = 300
MARGINS_MM = QMarginsF(12, 10, 12, 10)


@dataclass(frozen=True)
class CloseInfo:
    """How the month stands: who closed it and when, and what changed since."""

    closed_by: str
    closed_at: datetime
    differences: Sequence[Difference] = ()


class _Pages:
    """A cursor down A4 landscape pages: text lines and tables that continue on the
    next page, a footer with the page number."""

    def __init__(self, writer: QPdfWriter, painter: QPainter, words: Words, footer: str) -> None:
        self.writer = writer
        self.painter = painter
        self.words = words
        self.footer = footer
        self.page = QRectF(writer.pageLayout().paintRectPixels(PDF_RESOLUTION))
        self.font = report_font()
        self.font.setPointSizeF(8.0)
        self.metrics = QFontMetricsF(self.font, writer)
        self.line = self.metrics.height() * 1.35
        self.bottom = self.page.height() - self.line * 1.5
        self.y = 0.0
        self.number = 1

    def new_page(self) -> None:
        self._draw_footer()
        self.writer.newPage()
        self.number += 1
        self.y = 0.0

    def finish(self) -> None:
        self._draw_footer()

    def _draw_footer(self) -> None:
        self.painter.setFont(self.font)
        self.painter.setPen(QColor("#555555"))
        box = QRectF(0, self.page.height() - self.line, self.page.width(), self.line)
        self.painter.drawText(box, Qt.AlignmentFlag.AlignLeft, self.footer)
        self.painter.drawText(
            box, Qt.AlignmentFlag.AlignRight, self.words.text("page", str(self.number))
        )

    def room(self, height: float) -> None:
        if self.y + height > self.bottom:
            self.new_page()

    def text(self, value: str, *, size: float = 8.0, bold: bool = False, gap: float = 0.2) -> None:
        font = QFont(self.font)
        font.setPointSizeF(size)
        font.setBold(bold)
        height = QFontMetricsF(font, self.writer).height() * 1.3
        self.room(height)
        self.painter.setFont(font)
        self.painter.setPen(QColor("#1f3247") if bold else QColor("#222222"))
        self.painter.drawText(
            QRectF(0, self.y, self.page.width(), height),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            value,
        )
        self.y += height + self.line * gap

    def table(
        self,
        head: Sequence[str],
        rows: Sequence[Sequence[str]],
        weights: Sequence[float] | None = None,
    ) -> None:
        """A grid with its header repeated on each page it runs onto."""
        count = len(head)
        weights = list(weights or [1.0] * count)
        total = sum(weights)
        widths = [self.page.width() * w / total for w in weights]
        small = QFont(self.font)
        small.setPointSizeF(7.0)
        bold = QFont(small)
        bold.setBold(True)
        metrics = QFontMetricsF(bold, self.writer)
        pad = self.line * 0.15

        def lines_of(text: str, width: float) -> int:
            return max(1, int(metrics.horizontalAdvance(text) // max(width - 2 * pad, 1)) + 1)

        head_height = (
            max(lines_of(h, w) for h, w in zip(head, widths, strict=True)) * metrics.height()
            + 2 * pad
        )
        row_height = metrics.height() + 2 * pad

        def draw_row(
            values: Sequence[str], height: float, font: QFont, fill: QColor | None
        ) -> None:
            x = 0.0
            self.painter.setFont(font)
            for number, (value, width) in enumerate(zip(values, widths, strict=True)):
                box = QRectF(x, self.y, width, height)
                if fill is not None:
                    self.painter.fillRect(box, fill)
                self.painter.setPen(QColor("#c8c8c8"))
                self.painter.drawRect(box)
                self.painter.setPen(QColor("#222222"))
                align = Qt.AlignmentFlag.AlignVCenter | (
                    Qt.AlignmentFlag.AlignLeft
                    if number == 0 or not numeric(value)
                    else Qt.AlignmentFlag.AlignRight
                )
                inner = box.adjusted(pad, 0, -pad, 0)
                if font is bold:
                    self.painter.drawText(inner, int(align | Qt.TextFlag.TextWordWrap), value)
                else:
                    self.painter.drawText(
                        inner,
                        align,
                        QFontMetricsF(font, self.writer).elidedText(
                            value, Qt.TextElideMode.ElideRight, inner.width()
                        ),
                    )
                x += width
            self.y += height

        self.room(head_height + row_height)
        draw_row(head, head_height, bold, QColor("#eef1f4"))
        if not rows:
            draw_row([self.words.text("none"), *[""] * (count - 1)], row_height, small, None)
        for values in rows:
            if self.y + row_height > self.bottom:
                self.new_page()
                draw_row(head, head_height, bold, QColor("#eef1f4"))
            draw_row(values, row_height, small, None)
        self.y += self.line * 0.6

    def charts(
        self, specs: Sequence[charts.ChartSpec], columns: int = 2, height: float | None = None
    ) -> None:
        width = self.page.width() / columns
        height = height or (self.bottom - self.y) / max(1, -(-len(specs) // columns)) - self.line
        for start in range(0, len(specs), columns):
            self.room(height)
            for number, spec in enumerate(specs[start : start + columns]):
                box = QRectF(width * number, self.y, width - self.line, height)
                charts.draw_chart(self.painter, box, spec, self.font)
            self.y += height + self.line * 0.5


def numeric(text: str) -> bool:
    stripped = text.replace(".", "").replace("%", "").replace("-", "").replace("—", "")
    return stripped.isdigit()


def _local(moment: datetime) -> str:
    return as_utc(moment).astimezone(m.BUSINESS_TZ).strftime("%Y-%m-%d %H:%M")


def engineer_parts(table: m.Table) -> list[tuple[int, ...]]:
    """The per-engineer table's columns in two halves that fit a landscape page: the
    follow-up score and bonus; the service and quality figures."""
    keys = list(table.columns)
    first = keys.index("licence_points") + 1
    return [tuple(range(first)), (0, 1, *range(first, len(keys)))]


def render_month_pdf(
    measures: m.MonthMeasures,
    path: Path,
    *,
    language: str = "zh_CN",
    close: CloseInfo | None = None,
) -> Path:
    """Write the month's PDF at ``path`` (complete or not at all). A QGuiApplication
    must exist; safe in a worker thread."""
    words = words_for(language)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    try:
        _write_pdf(measures, words, partial, close)
        partial.write_bytes(fix_text_layer(partial.read_bytes(), _radical_fixes()))
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    log.info("Measures of %s written to %s (%s)", measures.month, path, language)
    return path


def _write_pdf(
    measures: m.MonthMeasures, words: Words, path: Path, close: CloseInfo | None
) -> None:
    writer = QPdfWriter(str(path))
    writer.setResolution(PDF_RESOLUTION)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Landscape,
            MARGINS_MM,
            QPageLayout.Unit.Millimeter,
        )
    )
    team = measures.team_name or words.text("all_teams")
    writer.setTitle(f"{words.text('title')} {measures.month} {team}")
    writer.setCreator("fieldapp")
    painter = QPainter()
    if not painter.begin(writer):
        raise OSError(f"Cannot write the measures to {path}")
    try:
        pages = _Pages(writer, painter, words, f"{words.text('title')} · {measures.month} · {team}")
        # The cover.
        pages.text(words.text("title"), size=20, bold=True, gap=0.5)
        pages.text(f"{words.text('month')}: {measures.month}", size=12)
        pages.text(f"{words.text('team')}: {team}", size=12)
        pages.text(f"{words.text('counted_at')}: {_local(measures.computed_at)}", size=10)
        if close is not None:
            pages.text(words.text("closed", close.closed_by, _local(close.closed_at)), size=10)
            pages.text(words.text("differences", str(len(close.differences))), size=10, gap=0.8)
        else:
            pages.text(words.text("open"), size=10, gap=0.8)
        pages.text(words.text("summary"), size=11, bold=True)
        summary = []
        for key in m.FIGURE_KEYS:
            figure = measures.team[key]
            if key == "licence_points":
                continue
            ratio = ""
            if figure.denominator is not None:
                ratio = words.text("formula", str(figure.numerator or 0), str(figure.denominator))
            summary.append(
                [
                    words.figure(key),
                    cell(words, m.engineer_table(measures), key, m.figure_cell(figure)),
                    ratio,
                    str(len(figure.excluded)),
                ]
            )
        pages.table(
            [words.column("figure"), words.text("team_row"), "", words.text("left_out")],
            summary,
            [3, 1.5, 1.5, 1],
        )
        # The per-engineer table, in two halves.
        pages.new_page()
        table = m.engineer_table(measures)
        rows = text_rows(words, table)
        rows[-1][0] = words.text("team_row")
        for part in engineer_parts(table):
            pages.text(words.measures(TABLES["engineers"]), size=11, bold=True)
            pages.table(
                [words.column(table.columns[i]) for i in part], [[r[i] for i in part] for r in rows]
            )
        # The charts.
        pages.new_page()
        specs = chart_specs(measures, words)
        pages.charts([specs["score"], specs["on_time"], specs["rates"], specs["jobs_by_type"]])
        # The quality pack.
        pages.new_page()
        pages.text(words.text("quality"), size=12, bold=True)
        pages.charts([specs["pareto"]], columns=1, height=(pages.bottom - pages.y) * 0.5)
        for name in ("pareto", "repeat_repairs", "hours_between_faults"):
            if name not in measures.tables:
                continue
            shown = measures.tables[name]
            pages.text(words.measures(TABLES[name]), size=10, bold=True)
            pages.table(headers(words, shown), text_rows(words, shown))
        exclusions = m.exclusions_table(measures)
        pages.text(words.measures(TABLES["exclusions"]), size=10, bold=True)
        shown_rows = text_rows(words, exclusions)
        pages.table(headers(words, exclusions), shown_rows, [2, 2, 3])
        pages.finish()
    finally:
        painter.end()
