"""The customer's signature on the service report, drawn on the screen.

``SignaturePad`` takes strokes from a mouse, a finger (touch) or a pen (tablet, whose
pressure widens the line a little) and draws them as smooth, antialiased curves:
quadratic Bézier segments through the midpoints of the sampled points. The paper stays
light whatever the system theme (dark ink must stay readable, and it is what gets
printed); only the border follows the palette.

Points are kept in pad coordinates: logical pixels from the pad's top-left corner, as
captured. If the pad later shrinks (a tablet turned to portrait), the drawing is scaled
down to fit rather than cut off, and new input is mapped through the same scale.

``to_png()`` renders the ink on white, cropped to the ink plus a margin, for the report.
A stray tap or a tiny scribble is not a signature: see ``has_valid_signature()``."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from itertools import pairwise

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QEvent,
    QIODevice,
    QPointF,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QEventPoint,
    QImage,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
    QPen,
    QPointingDevice,
    QResizeEvent,
    QTabletEvent,
    QTouchEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

Point = tuple[float, float, float]
"""(x, y, pressure): pad coordinates in logical pixels, pressure 0..1."""
Stroke = list[Point]

MIN_WIDTH = 600
MIN_HEIGHT = 220
MIN_INK_LENGTH = 30.0
"""Less ink than this (in logical pixels, all strokes together) is not a signature."""
NOMINAL_PRESSURE = 0.5
"""Pressure recorded for mouse and touch, which do not measure it: the nominal width."""
INK_WIDTH = 2.8
"""Line width at nominal pressure; a pen's pressure makes it 0.7x .. 1.3x this."""
MIN_STEP = 0.75
"""Samples closer than this to the previous one add nothing but noise."""
PNG_MARGIN = 14.0
"""White around the ink in ``to_png()``, in pad pixels (before scaling)."""
PNG_MIN_ASPECT = 2.0
"""``to_png()`` is at least this many times wider than tall."""

PAPER = QColor(252, 252, 249)
INK = QColor(18, 26, 58)
HINT = QColor(150, 150, 150)
BASELINE = QColor(196, 196, 196)

_BASELINE_AT = 0.72  # of the height
_BASELINE_INSET = 28.0
_CORNER_RADIUS = 6.0


def _width_for(pressure: float) -> float:
    """Line width for ``pressure``, rounded so equal widths share one path."""
    pressure = min(max(pressure, 0.0), 1.0)
    return round(INK_WIDTH * (0.7 + 0.6 * pressure), 1)


def _mid(a: Point, b: Point) -> QPointF:
    return QPointF((a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0)


def _ink_pen(width: float) -> QPen:
    pen = QPen(INK, width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def paint_stroke(painter: QPainter, stroke: Sequence[Point]) -> None:
    """Draw one stroke: a dot, a line, or quadratic Béziers through the midpoints, the
    width following the pressure (consecutive segments of one width share one path)."""
    if not stroke:
        return
    if len(stroke) == 1:
        x, y, pressure = stroke[0]
        radius = _width_for(pressure) / 2.0 + 0.8  # a dot a bit fuller than the line
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(INK)
        painter.drawEllipse(QPointF(x, y), radius, radius)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        return
    painter.setBrush(Qt.BrushStyle.NoBrush)
    last = len(stroke) - 1
    start = QPointF(stroke[0][0], stroke[0][1])
    path = QPainterPath(start)
    width = _width_for(stroke[0][2])
    for i in range(1, last + 1):
        point = stroke[i]
        segment_width = _width_for(point[2])
        if segment_width != width:
            painter.setPen(_ink_pen(width))
            painter.drawPath(path)
            path = QPainterPath(path.currentPosition())
            width = segment_width
        if i == last:
            path.lineTo(point[0], point[1])
        elif i == 1:
            # first piece: straight to the first midpoint, then curve as usual
            path.lineTo(_mid(stroke[0], point))
            path.quadTo(QPointF(point[0], point[1]), _mid(point, stroke[i + 1]))
        else:
            path.quadTo(QPointF(point[0], point[1]), _mid(point, stroke[i + 1]))
    painter.setPen(_ink_pen(width))
    painter.drawPath(path)


def ink_bounds(strokes: Iterable[Sequence[Point]]) -> QRectF:
    """The box the ink covers, line width included (an empty QRectF for no ink)."""
    left = top = math.inf
    right = bottom = -math.inf
    for stroke in strokes:
        for x, y, pressure in stroke:
            half = _width_for(pressure) / 2.0 + 0.5
            left = min(left, x - half)
            top = min(top, y - half)
            right = max(right, x + half)
            bottom = max(bottom, y + half)
    if left == math.inf:
        return QRectF()
    return QRectF(left, top, right - left, bottom - top)


def png_box(strokes: Sequence[Sequence[Point]]) -> QRectF:
    """The part of the pad ``to_png()`` shows: the ink plus ``PNG_MARGIN``, widened about
    its centre to at least ``PNG_MIN_ASPECT`` so an upright scribble does not come out as a
    tower many times taller than it is wide (an empty QRectF for no ink)."""
    bounds = ink_bounds(strokes)
    if bounds.isNull():
        return QRectF()
    box = bounds.adjusted(-PNG_MARGIN, -PNG_MARGIN, PNG_MARGIN, PNG_MARGIN)
    least = box.height() * PNG_MIN_ASPECT
    if box.width() < least:
        grow = (least - box.width()) / 2.0
        box.adjust(-grow, 0.0, grow, 0.0)
    return box


def ink_length(strokes: Iterable[Sequence[Point]]) -> float:
    return sum(
        math.hypot(b[0] - a[0], b[1] - a[1]) for stroke in strokes for a, b in pairwise(stroke)
    )


class SignaturePad(QWidget):
    """A signature field: draw with mouse, finger or pen; undo, redo, clear; export PNG."""

    changed = Signal()
    """After a stroke ends, after set_strokes, and after clear, undo or redo when they
    change anything."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._strokes: list[Stroke] = []
        self._redo: list[Stroke] = []
        self._current: Stroke | None = None
        self._source: str | None = None  # "mouse", "touch" or "tablet" while drawing
        self._touch_id: int = -1
        self._read_only = False
        self._fit: float | None = None  # cached display scale, see _scale()
        # The finished strokes as drawn on screen, so that a repaint while drawing costs
        # the stroke being drawn, not the whole signature.
        self._ink_cache: QImage | None = None

        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, True)
        self.setMinimumSize(MIN_WIDTH, MIN_HEIGHT)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.CrossCursor)

    # -- API ----------------------------------------------------------------------

    def sizeHint(self) -> QSize:
        return QSize(720, 260)

    def minimumSizeHint(self) -> QSize:
        return QSize(MIN_WIDTH, MIN_HEIGHT)

    def is_empty(self) -> bool:
        return not self._strokes

    def has_valid_signature(self) -> bool:
        """Enough ink to be a signature: not empty, not a dot, not a stray short flick."""
        return ink_length(self._strokes) >= MIN_INK_LENGTH

    def stroke_count(self) -> int:
        return len(self._strokes)

    def strokes(self) -> list[list[Point]]:
        """A copy of the finished strokes, as (x, y, pressure) points."""
        return [list(stroke) for stroke in self._strokes]

    def set_strokes(self, strokes: Iterable[Iterable[Sequence[float]]]) -> None:
        """Show a captured signature (e.g. read-only, after signing). Clears the redo list."""
        self._cancel_stroke()
        self._strokes = [
            [(float(p[0]), float(p[1]), float(p[2])) for p in stroke] for stroke in strokes
        ]
        self._strokes = [stroke for stroke in self._strokes if stroke]
        self._redo.clear()
        self._ink_changed()

    def clear(self) -> None:
        self._cancel_stroke()
        if not self._strokes and not self._redo:
            return
        self._strokes.clear()
        self._redo.clear()
        self._ink_changed()

    def can_undo(self) -> bool:
        return bool(self._strokes)

    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo(self) -> None:
        """Take back the last stroke."""
        if not self._strokes:
            return
        self._redo.append(self._strokes.pop())
        self._ink_changed()

    def redo(self) -> None:
        """Put back the last stroke undone (a new stroke forgets them)."""
        if not self._redo:
            return
        self._strokes.append(self._redo.pop())
        self._ink_changed()

    def set_read_only(self, read_only: bool) -> None:
        """Show the signature without taking input (a stroke being drawn is dropped)."""
        self._read_only = read_only
        if read_only:
            self._cancel_stroke()
        self.setCursor(Qt.CursorShape.ArrowCursor if read_only else Qt.CursorShape.CrossCursor)
        self.update()

    def is_read_only(self) -> bool:
        return self._read_only

    def to_png(self, width: int = 900) -> bytes:
        """The signature on white, cropped to the ink plus a margin and scaled to ``width``
        pixels wide (aspect kept), as PNG bytes. The same strokes give the same bytes.

        Raises ValueError if there is no ink (check ``has_valid_signature()`` first)."""
        if width < 1:
            raise ValueError(f"width must be positive, not {width}")
        box = png_box(self._strokes)
        if box.isNull():
            raise ValueError("no signature to export")
        scale = width / box.width()
        height = max(1, round(box.height() * scale))
        image = QImage(width, height, QImage.Format.Format_RGB32)
        image.fill(QColor(Qt.GlobalColor.white))
        painter = QPainter(image)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.scale(scale, scale)
            painter.translate(-box.left(), -box.top())
            for stroke in self._strokes:
                paint_stroke(painter, stroke)
        finally:
            painter.end()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        if not image.save(buffer, "PNG"):
            raise RuntimeError("could not encode the signature as PNG")
        buffer.close()
        return bytes(data.data())

    # -- geometry -----------------------------------------------------------------

    def _scale(self) -> float:
        """Display scale: 1, or less when the ink was drawn on a bigger pad than this."""
        if self._fit is None:
            bounds = ink_bounds(self._strokes)
            fit = 1.0
            if not bounds.isNull() and bounds.right() > 0 and bounds.bottom() > 0:
                fit = min(1.0, self.width() / bounds.right(), self.height() / bounds.bottom())
            self._fit = fit
        return self._fit

    def _to_pad(self, pos: QPointF) -> tuple[float, float]:
        """A widget position as pad coordinates, kept on the paper."""
        x = min(max(pos.x(), 1.0), self.width() - 1.0)
        y = min(max(pos.y(), 1.0), self.height() - 1.0)
        scale = self._scale()
        return x / scale, y / scale

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._fit = None
        self._ink_cache = None
        super().resizeEvent(event)

    # -- strokes --------------------------------------------------------------------

    def _begin(self, source: str, pos: QPointF, pressure: float) -> None:
        if self._read_only or self._current is not None:
            return
        x, y = self._to_pad(pos)
        self._current = [(x, y, pressure)]
        self._source = source
        self.update()

    def _extend(self, source: str, pos: QPointF, pressure: float) -> None:
        if self._current is None or self._source != source:
            return
        x, y = self._to_pad(pos)
        last = self._current[-1]
        if math.hypot(x - last[0], y - last[1]) < MIN_STEP:
            return
        self._current.append((x, y, pressure))
        self._update_tail()

    def _finish(self, source: str) -> None:
        if self._current is None or self._source != source:
            return
        stroke = self._current
        self._current = None
        self._source = None
        self._strokes.append(stroke)
        self._redo.clear()
        self._ink_changed()

    def _cancel_stroke(self) -> None:
        if self._current is not None:
            self._current = None
            self._source = None
            self.update()

    def _ink_changed(self) -> None:
        self._fit = None
        self._ink_cache = None
        self.update()
        self.changed.emit()

    def _update_tail(self) -> None:
        """Repaint only around the newest piece of the stroke being drawn."""
        assert self._current is not None
        tail = self._current[-3:]
        scale = self._scale()
        xs = [p[0] * scale for p in tail]
        ys = [p[1] * scale for p in tail]
        pad = INK_WIDTH * 2.0 + 2.0
        self.update(
            QRectF(
                min(xs) - pad,
                min(ys) - pad,
                max(xs) - min(xs) + 2 * pad,
                max(ys) - min(ys) + 2 * pad,
            ).toAlignedRect()
        )

    # -- input ----------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self._read_only or event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        self._begin("mouse", event.position(), NOMINAL_PRESSURE)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._source == "mouse" and event.buttons() & Qt.MouseButton.LeftButton:
            self._extend("mouse", event.position(), NOMINAL_PRESSURE)
            event.accept()
        else:
            event.ignore()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._source == "mouse" and event.button() == Qt.MouseButton.LeftButton:
            self._extend("mouse", event.position(), NOMINAL_PRESSURE)
            self._finish("mouse")
            event.accept()
        else:
            event.ignore()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        # QWidget's default turns it into a second press; the press already came.
        event.accept()

    def tabletEvent(self, event: QTabletEvent) -> None:
        # Accepted even when unused, so Qt does not also send it as a mouse event.
        event.accept()
        if self._read_only or event.pointerType() == QPointingDevice.PointerType.Eraser:
            return
        pressure = min(max(event.pressure(), 0.0), 1.0)
        kind = event.type()
        if kind == QEvent.Type.TabletPress:
            self._begin("tablet", event.position(), pressure)
        elif kind == QEvent.Type.TabletMove:
            if pressure > 0.0:
                self._extend("tablet", event.position(), pressure)
        elif kind == QEvent.Type.TabletRelease:
            self._finish("tablet")

    def event(self, event: QEvent) -> bool:
        kind = event.type()
        if kind in (
            QEvent.Type.TouchBegin,
            QEvent.Type.TouchUpdate,
            QEvent.Type.TouchEnd,
            QEvent.Type.TouchCancel,
        ):
            assert isinstance(event, QTouchEvent)
            self._touch(event)
            event.accept()
            return True
        if kind == QEvent.Type.LanguageChange:
            self.update()  # the hint is translated when painted
        return super().event(event)

    def _touch(self, event: QTouchEvent) -> None:
        """One finger draws (the first one down); other fingers are ignored."""
        kind = event.type()
        if kind == QEvent.Type.TouchCancel:
            if self._source == "touch":
                self._cancel_stroke()
            return
        if self._read_only:
            return
        points = event.points()
        if self._current is None:
            for point in points:
                if point.state() == QEventPoint.State.Pressed:
                    self._begin("touch", point.position(), NOMINAL_PRESSURE)
                    self._touch_id = point.id()
                    break
        if self._source != "touch":
            return
        for point in points:
            if point.id() == self._touch_id:
                self._extend("touch", point.position(), NOMINAL_PRESSURE)
                if point.state() == QEventPoint.State.Released:
                    self._finish("touch")
        if kind == QEvent.Type.TouchEnd:
            self._finish("touch")

    # -- painting -------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
            paper = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
            self._paint_paper(painter, paper)
            painter.save()
            clip = QPainterPath()
            clip.addRoundedRect(paper, _CORNER_RADIUS, _CORNER_RADIUS)
            painter.setClipPath(clip)
            painter.drawImage(QPointF(0.0, 0.0), self._finished_ink())
            if self._current is not None:
                scale = self._scale()
                painter.scale(scale, scale)
                paint_stroke(painter, self._current)
            painter.restore()
            # the border last, over any ink at the edge; it follows the theme
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Mid), 1.0))
            painter.drawRoundedRect(paper, _CORNER_RADIUS, _CORNER_RADIUS)
        finally:
            painter.end()

    def _finished_ink(self) -> QImage:
        """The finished strokes on a transparent image the size of the pad."""
        ratio = self.devicePixelRatioF()
        size = self.size() * ratio
        cache = self._ink_cache
        if cache is None or cache.size() != size or cache.devicePixelRatio() != ratio:
            cache = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
            cache.setDevicePixelRatio(ratio)
            cache.fill(Qt.GlobalColor.transparent)
            painter = QPainter(cache)
            try:
                painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
                scale = self._scale()
                painter.scale(scale, scale)
                for stroke in self._strokes:
                    paint_stroke(painter, stroke)
            finally:
                painter.end()
            self._ink_cache = cache
        return cache

    def _paint_paper(self, painter: QPainter, paper: QRectF) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(PAPER)
        painter.drawRoundedRect(paper, _CORNER_RADIUS, _CORNER_RADIUS)

        baseline_y = round(paper.top() + paper.height() * _BASELINE_AT) + 0.5
        left = paper.left() + _BASELINE_INSET
        right = paper.right() - _BASELINE_INSET
        painter.setPen(QPen(BASELINE, 1.0))
        painter.drawLine(QPointF(left, baseline_y), QPointF(right, baseline_y))
        # the "x" of a signature line, just above its start
        cross = QPen(BASELINE, 1.6)
        cross.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(cross)
        size = 7.0
        x0, y0 = left + 2.0, baseline_y - 10.0 - size
        painter.drawLine(QPointF(x0, y0), QPointF(x0 + size, y0 + size))
        painter.drawLine(QPointF(x0 + size, y0), QPointF(x0, y0 + size))

        if self._read_only or self._strokes or self._current is not None:
            return
        font = self.font()
        font.setPointSizeF(max(font.pointSizeF(), 9.0) * 2.0)
        painter.setFont(font)
        painter.setPen(HINT)
        text_box = QRectF(left, paper.top(), right - left, baseline_y - paper.top() - 12.0)
        painter.drawText(
            text_box,
            int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom),
            self.tr("Sign here"),
        )
