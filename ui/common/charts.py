"""Charts drawn with QPainter alone (no QtCharts: PySide6-Addons is 175 MB): bars,
stacked bars, lines and the Pareto chart (bars with the cumulative share).

:func:`draw_chart` paints a :class:`ChartSpec` into any rectangle of any paint device,
so the screen (:class:`ChartWidget`) and the month's PDF draw the very same picture.
It returns where each category was drawn, for the drill-down under a finger.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

BAR = "bar"
STACKED = "stacked"
LINE = "line"
PARETO = "pareto"
KINDS = (BAR, STACKED, LINE, PARETO)

#: Series colours: distinguishable in print and for the common colour blindnesses.
PALETTE: tuple[str, ...] = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
)
CUMULATIVE_COLOUR = "#d62728"


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float, ...]
    colour: str = ""


@dataclass(frozen=True)
class ChartSpec:
    """What a chart shows. For a Pareto chart the first series holds the counts, sorted
    from the largest; the cumulative share is drawn from them."""

    kind: str
    title: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    value_text: Callable[[float], str] = field(default=lambda v: f"{v:g}")
    y_max: float | None = None  # a fixed top of the axis (1.0 for rates)
    cumulative_label: str = ""  # the right axis of a Pareto chart

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Unknown chart kind {self.kind!r}")
        for series in self.series:
            if len(series.values) != len(self.categories):
                raise ValueError(f"Series {series.name!r} does not match the categories")


@dataclass(frozen=True)
class ChartColours:
    text: QColor
    grid: QColor
    background: QColor | None = None  # None: leave the device's background


PRINT_COLOURS = ChartColours(QColor("#222222"), QColor("#c8c8c8"), QColor("#ffffff"))


def colour_of(spec: ChartSpec, index: int) -> QColor:
    series = spec.series[index]
    return QColor(series.colour or PALETTE[index % len(PALETTE)])


def cumulative_shares(values: Sequence[float]) -> list[float]:
    total = sum(values)
    running = 0.0
    shares = []
    for value in values:
        running += value
        shares.append(running / total if total else 0.0)
    return shares


def _nice_top(value: float, whole: bool) -> float:
    """A round number at or above ``value`` whose quarters are round too (the grid has
    four steps): whole steps for counts, 0.25 steps and up for measures."""
    if value <= 0:
        return 4.0 if whole else 1.0
    power = 10 ** math.floor(math.log10(value))
    steps = (0.4, 0.8, 1.2, 2, 4, 6, 8, 10) if whole else (1, 2, 2.5, 5, 10)
    for step in steps:
        if value <= step * power and (not whole or step * power >= 4):
            return step * power
    return 10 * power


def _values(spec: ChartSpec) -> list[float]:
    return [v for s in spec.series for v in s.values if not math.isnan(v)]


def scale(spec: ChartSpec) -> tuple[float, float, float]:
    """The value axis: (bottom, top, grid step). Negative values (a score below zero) get as many
    grid steps below the zero line as they need."""
    values = _values(spec)
    whole = all(float(v).is_integer() for v in values)
    if spec.kind == STACKED:
        peak = max(
            (sum(s.values[i] for s in spec.series) for i in range(len(spec.categories))), default=0
        )
    else:
        peak = max(values, default=0)
    low = min([0.0, *values])
    if spec.y_max is not None:
        return 0.0, spec.y_max, spec.y_max / 4
    span = _nice_top(max(peak, 0) - low, whole)
    if low >= 0:
        return 0.0, span, span / 4
    quarter = span / 4
    below = math.ceil(-low / quarter)
    bottom = -below * quarter
    top = bottom + span
    while top < peak:  # the steps below zero took room from the top
        top += quarter
    return bottom, top, quarter


def draw_chart(
    painter: QPainter,
    rect: QRectF,
    spec: ChartSpec,
    font: QFont,
    colours: ChartColours = PRINT_COLOURS,
) -> list[QRectF]:
    """Paint ``spec`` into ``rect``; return each category's rectangle (the drill-down's
    targets). Sizes follow the font, so a 300-dpi PDF and a screen look alike."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    if colours.background is not None:
        painter.fillRect(rect, colours.background)
    small = QFont(font)
    small.setPointSizeF(max(font.pointSizeF() * 0.8, 4.0))
    title_font = QFont(font)
    title_font.setBold(True)
    metrics = QFontMetricsF(small, painter.device())
    line = metrics.height()
    painter.setPen(colours.text)
    painter.setFont(title_font)
    title_box = QRectF(rect.left(), rect.top(), rect.width(), line * 1.6)
    painter.drawText(
        title_box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, spec.title
    )
    painter.setFont(small)
    legend = spec.kind in {STACKED, LINE} or (spec.kind == BAR and len(spec.series) > 1)
    bottom, top, step = scale(spec)
    steps = max(1, round((top - bottom) / step))
    ticks = [bottom + (top - bottom) * i / steps for i in range(steps + 1)]
    left_axis = max(metrics.horizontalAdvance(spec.value_text(t)) for t in ticks) + line * 0.6
    right_axis = (
        metrics.horizontalAdvance("100%") + line * 0.6 if spec.kind == PARETO else line * 0.5
    )
    count = max(len(spec.categories), 1)
    longest = max((metrics.horizontalAdvance(c) for c in spec.categories), default=0.0)
    plot_width = rect.width() - left_axis - right_axis
    slot = plot_width / count
    slanted = longest > slot * 0.95
    label_height = (min(longest, line * 9) * 0.72 + line) if slanted else line * 1.4
    legend_rows = _legend_rows(spec, metrics, plot_width, line) if legend else []
    legend_height = line * 1.3 * len(legend_rows) + (line * 0.2 if legend_rows else 0.0)
    plot = QRectF(
        rect.left() + left_axis,
        title_box.bottom() + line * 0.6,
        plot_width,
        rect.height() - title_box.height() - line * 0.6 - label_height - legend_height,
    )
    if plot.height() <= line or plot.width() <= line:
        painter.restore()
        return []

    def y_of(value: float) -> float:
        share = (value - bottom) / (top - bottom) if top > bottom else 0.0
        return plot.bottom() - plot.height() * min(max(share, 0.0), 1.0)

    # Grid and the value axis.
    grid = QPen(colours.grid)
    grid.setWidthF(max(line / 20, 0.5))
    for number, value in enumerate(ticks):
        y = y_of(value)
        painter.setPen(grid)
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        painter.setPen(colours.text)
        painter.drawText(
            QRectF(rect.left(), y - line / 2, left_axis - line * 0.3, line),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            spec.value_text(value),
        )
        if spec.kind == PARETO:
            painter.drawText(
                QRectF(plot.right() + line * 0.3, y - line / 2, right_axis, line),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                f"{number * 100 // steps}%",
            )
    zero = y_of(0.0)

    boxes: list[QRectF] = []
    painter.setPen(Qt.PenStyle.NoPen)
    bar_series = spec.series[:1] if spec.kind == PARETO else spec.series
    for index in range(len(spec.categories)):
        x = plot.left() + slot * index
        boxes.append(QRectF(x, plot.top(), slot, plot.height() + label_height))
        if spec.kind in {BAR, PARETO}:
            width = slot * 0.7 / max(len(bar_series), 1)
            for number, series in enumerate(bar_series):
                value = series.values[index]
                if math.isnan(value):
                    continue
                bar = QRectF(
                    x + slot * 0.15 + width * number,
                    min(y_of(value), zero),
                    width,
                    abs(zero - y_of(value)),
                )
                painter.fillRect(bar, colour_of(spec, number))
        elif spec.kind == STACKED:
            base = 0.0
            for number, series in enumerate(spec.series):
                value = series.values[index]
                bar = QRectF(
                    x + slot * 0.15, y_of(base + value), slot * 0.7, y_of(base) - y_of(base + value)
                )
                painter.fillRect(bar, colour_of(spec, number))
                base += value
    if spec.kind == LINE:
        for number, series in enumerate(spec.series):
            pen = QPen(colour_of(spec, number))
            pen.setWidthF(max(line / 7, 1.0))
            painter.setPen(pen)
            # A value that does not exist (no repairs, no calls) is a gap, never a zero.
            runs: list[list[QPointF]] = [[]]
            for i, v in enumerate(series.values):
                if math.isnan(v):
                    runs.append([])
                else:
                    runs[-1].append(QPointF(plot.left() + slot * (i + 0.5), y_of(v)))
            for run in runs:
                if len(run) > 1:
                    painter.drawPolyline(run)
            for point in (p for run in runs for p in run):
                painter.setBrush(colour_of(spec, number))
                painter.drawEllipse(point, line / 5, line / 5)
    if spec.kind == PARETO and spec.series:
        shares = cumulative_shares(spec.series[0].values)
        pen = QPen(QColor(CUMULATIVE_COLOUR))
        pen.setWidthF(max(line / 7, 1.0))
        painter.setPen(pen)
        points = [
            QPointF(plot.left() + slot * (i + 0.5), plot.bottom() - plot.height() * s)
            for i, s in enumerate(shares)
        ]
        painter.drawPolyline(points)
        painter.setBrush(QColor(CUMULATIVE_COLOUR))
        for point in points:
            painter.drawEllipse(point, line / 5, line / 5)
        # The 80 % line: the few causes worth most of the faults sit left of it.
        dashed = QPen(QColor(CUMULATIVE_COLOUR))
        dashed.setStyle(Qt.PenStyle.DashLine)
        dashed.setWidthF(max(line / 14, 0.5))
        painter.setPen(dashed)
        y80 = plot.bottom() - plot.height() * 0.8
        painter.drawLine(QPointF(plot.left(), y80), QPointF(plot.right(), y80))
    # The axis line and the category labels.
    axis = QPen(colours.text)
    axis.setWidthF(max(line / 14, 0.6))
    painter.setPen(axis)
    painter.drawLine(QPointF(plot.left(), zero), QPointF(plot.right(), zero))
    painter.setPen(colours.text)
    for index, category in enumerate(spec.categories):
        centre = plot.left() + slot * (index + 0.5)
        if slanted:
            painter.save()
            painter.translate(centre, plot.bottom() + line * 0.4)
            painter.rotate(-45)
            text = metrics.elidedText(category, Qt.TextElideMode.ElideRight, line * 9)
            width = metrics.horizontalAdvance(text)
            painter.drawText(
                QRectF(-width, -line / 2, width, line), Qt.AlignmentFlag.AlignRight, text
            )
            painter.restore()
        else:
            painter.drawText(
                QRectF(centre - slot / 2, plot.bottom() + line * 0.2, slot, line),
                Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                metrics.elidedText(category, Qt.TextElideMode.ElideRight, slot),
            )
    y = rect.bottom() - legend_height + line * 0.2
    for row in legend_rows:
        x = plot.left()
        for number in row:
            name = spec.series[number].name
            painter.fillRect(
                QRectF(x, y + line * 0.2, line * 0.8, line * 0.6), colour_of(spec, number)
            )
            x += line
            width = metrics.horizontalAdvance(name)
            painter.drawText(QRectF(x, y, width + 2, line), Qt.AlignmentFlag.AlignLeft, name)
            x += width + line
        y += line * 1.3
    painter.restore()
    return boxes


def _legend_rows(
    spec: ChartSpec, metrics: QFontMetricsF, width: float, line: float
) -> list[list[int]]:
    """The series' legend entries wrapped into rows that fit ``width``."""
    rows: list[list[int]] = [[]]
    used = 0.0
    for number, series in enumerate(spec.series):
        need = line + metrics.horizontalAdvance(series.name) + line
        if rows[-1] and used + need > width:
            rows.append([])
            used = 0.0
        rows[-1].append(number)
        used += need
    return rows


class ChartWidget(QWidget):
    """A chart on the screen. A tap on a category emits its index (the drill-down)."""

    category_tapped = Signal(int)

    def __init__(self, spec: ChartSpec | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.boxes: list[QRectF] = []
        self.setMinimumSize(QSize(240, 160))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_spec(self, spec: ChartSpec | None) -> None:
        self.spec = spec
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        colours = ChartColours(
            palette.color(palette.ColorRole.WindowText), palette.color(palette.ColorRole.Mid)
        )
        if self.spec is not None and self.spec.categories:
            self.boxes = draw_chart(
                painter, QRectF(self.rect()).adjusted(8, 8, -8, -8), self.spec, self.font(), colours
            )
        else:
            self.boxes = []
        painter.end()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        for index, box in enumerate(self.boxes):
            if box.contains(event.position()):
                self.category_tapped.emit(index)
                return
        super().mouseReleaseEvent(event)
