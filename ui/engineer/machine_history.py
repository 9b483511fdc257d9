"""The machine's history on the job page: its warranty and what is still covered, the
hour meter over time (a small chart and the readings), and the faults found and the
parts fitted on earlier visits of this serial. Read when the section is opened."""

from __future__ import annotations

from datetime import date
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QVBoxLayout, QWidget

from fieldapp.clock import as_utc
from fieldapp.models import HourMeterReading
from fieldapp.rules.warranty import WarrantyAssessment
from fieldapp.views import JobView, MachineHistory, Work, machine_history
from ui.common.labels import label
from ui.common.widgets import LazyTab, local_time, styled_label

if TYPE_CHECKING:
    from ui.engineer.jobpage import JobPage

VISITS_SHOWN = 12
READINGS_LISTED = 6


class HourChart(QWidget):
    """Hour-meter readings over time: a line from the first reading to the last."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.points: list[tuple[date, float]] = []
        self.setMinimumHeight(160)

    def set_readings(self, readings: list[HourMeterReading]) -> None:
        self.points = [(as_utc(r.read_at).astimezone().date(), r.hours) for r in readings]
        self.setVisible(len(self.points) >= 2)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        if len(self.points) < 2:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        metrics = painter.fontMetrics()
        left = metrics.horizontalAdvance("000000 h") + 8
        plot = QRectF(left, 8, self.width() - left - 16, self.height() - metrics.height() - 20)
        first, last = self.points[0][0], self.points[-1][0]
        days = max((last - first).days, 1)
        low = min(h for _d, h in self.points)
        high = max(h for _d, h in self.points)
        span = max(high - low, 1.0)

        def at(day: date, hours: float) -> QPointF:
            x = plot.left() + plot.width() * (day - first).days / days
            y = plot.bottom() - plot.height() * (hours - low) / span
            return QPointF(x, y)

        painter.setPen(QPen(palette.placeholderText().color(), 1))
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        painter.drawLine(plot.bottomLeft(), plot.topLeft())
        painter.setPen(palette.text().color())
        for hours, y in ((high, plot.top()), (low, plot.bottom())):
            painter.drawText(
                QRectF(0, y - metrics.height() / 2, left - 6, metrics.height()),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                f"{hours:g} h",
            )
        baseline = plot.bottom() + 4
        painter.drawText(
            QRectF(plot.left(), baseline, plot.width(), metrics.height()),
            Qt.AlignmentFlag.AlignLeft,
            first.isoformat(),
        )
        painter.drawText(
            QRectF(plot.left(), baseline, plot.width(), metrics.height()),
            Qt.AlignmentFlag.AlignRight,
            last.isoformat(),
        )
        pen = QPen(palette.highlight().color(), 3)
        painter.setPen(pen)
        points = [at(d, h) for d, h in self.points]
        painter.drawPolyline(points)
        painter.setBrush(palette.highlight())
        for point in points:
            painter.drawEllipse(point, 4, 4)
        painter.end()


class MachineHistorySection(LazyTab):
    """Shown under the machine card when the engineer opens it; reads the store then,
    and again after a write only if it is on screen."""

    def __init__(self, page: JobPage) -> None:
        super().__init__()
        self.page = page
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.coverage = styled_label()
        self.coverage.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.coverage)
        layout.addWidget(styled_label(self.tr("Hour meter over time"), "section"))
        self.chart = HourChart()
        layout.addWidget(self.chart)
        self.readings = styled_label()
        self.readings.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.readings)
        layout.addWidget(styled_label(self.tr("Earlier visits: faults and parts"), "section"))
        self.visits = styled_label()
        self.visits.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.visits)
        self.history: MachineHistory | None = None

    def load(self, view: JobView, work: Work) -> None:
        if view.machine is None:
            self.history = None
            self.coverage.setText(self.tr("No machine on file for this job."))
            self.chart.set_readings([])
            self.readings.setText("")
            self.visits.setText("")
            return
        with self.page.ctx.store.reader() as session:
            history = machine_history(
                session, view.machine.machine.id, self.page.ctx.today(), except_job_id=view.job.id
            )
            session.expunge_all()
        self.history = history
        self._show(history)

    def _show(self, history: MachineHistory) -> None:
        self.coverage.setText(self.coverage_text(history.machine.warranty, self.page.ctx.today()))
        self.chart.set_readings(history.readings)
        rows = [
            f"{local_time(r.read_at)[:10]} · <b>{r.hours:g} h</b> · "
            + escape(label("reading_source", r.source))
            for r in reversed(history.readings[-READINGS_LISTED:])
        ]
        self.readings.setText("<br>".join(rows) or self.tr("No hour-meter readings on file."))
        chinese = self.page.ctx.chinese
        visits = []
        for visit in history.visits[:VISITS_SHOWN]:
            job = visit.job
            lines = [
                f"<b>{local_time(job.completed_at or job.received_at)[:10]}</b> "
                f"{escape(job.number)} · {escape(label('job_type', job.job_type))}"
            ]
            for fault in visit.faults:
                text = (
                    self.tr("Fault: %1: %2")
                    .replace("%1", escape(label("assembly", fault.assembly)))
                    .replace("%2", escape(fault.symptom))
                )
                if fault.cause:
                    text += " — " + escape(fault.cause)
                lines.append("&nbsp;&nbsp;" + text)
            for used in visit.parts:
                part = used.part
                name = part.name_zh if chinese else (part.name_en or part.name_zh)
                fitted = f"{escape(part.part_no)} {escape(name)} × {used.usage.quantity}"
                lines.append("&nbsp;&nbsp;" + self.tr("Part: %1").replace("%1", fitted))
            visits.append("<br>".join(lines))
        more = len(history.visits) - VISITS_SHOWN
        if more > 0:
            visits.append(self.tr("Older visits not shown: %1").replace("%1", str(more)))
        self.visits.setText("<br>".join(visits) or self.tr("No earlier visits of this machine."))

    def coverage_text(self, warranty: WarrantyAssessment, today: date) -> str:
        status = "<b>" + escape(label("warranty", warranty.status)) + "</b>"
        lines = [status]
        if warranty.can_return and warranty.return_until:
            lines.append(self.tr("Return until %1").replace("%1", str(warranty.return_until)))
        if warranty.can_exchange and warranty.exchange_until:
            lines.append(self.tr("Exchange until %1").replace("%1", str(warranty.exchange_until)))
        if warranty.warranty_until:
            left = warranty.days_left(today) or 0
            if warranty.free_repair:
                lines.append(
                    self.tr("Free repair of parts and labour until %1 (days left: %2)")
                    .replace("%1", str(warranty.warranty_until))
                    .replace("%2", str(left))
                )
            else:
                lines.append(
                    self.tr("Free repair ended on %1").replace("%1", str(warranty.warranty_until))
                )
        lines.append(self.tr("On-site service for the machine's life"))
        return "<br>".join(lines)
