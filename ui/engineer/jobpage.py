"""The job page: a header that always shows the job, its countdown and the running
total, and tabs for the customer's file, the dispatch information and actions, and the
work (pre-inspection, checklists, faults, parts, time, photos) up to the signature."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from fieldapp.models import Job, User
from fieldapp.rules import progress
from fieldapp.services.common import DomainError
from fieldapp.services.work import job_runs, report_gaps
from fieldapp.views import JobView, Work, job_view, job_work
from ui.common import theme
from ui.common.context import AppContext
from ui.common.labels import error_text, label
from ui.common.widgets import button, deadline_chip, money, styled_label

log = logging.getLogger(__name__)

Writer = Callable[[Any, Job, User], Any]


class JobTab(Protocol):
    def show_job(self, view: JobView, work: Work) -> None: ...


def scrolling(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setWidget(widget)
    return area


class ElidedLabel(QLabel):
    """One line that ends in "…" when the header has no room for all of it (the whole
    text stays in the tooltip)."""

    def __init__(self, role: str = "") -> None:
        super().__init__()
        if role:
            self.setProperty("role", role)
        self.full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def set_full_text(self, text: str) -> None:
        self.full = text
        self.setToolTip(text)
        self._elide()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        metrics = self.fontMetrics()
        self.setText(metrics.elidedText(self.full, Qt.TextElideMode.ElideRight, self.width()))


class JobPage(QWidget):
    back = Signal()
    changed = Signal()  # something was saved: the list and the sync indicator refresh

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from ui.engineer.job_checklist import ChecklistTab
        from ui.engineer.job_customer import CustomerTab
        from ui.engineer.job_overview import OverviewTab
        from ui.engineer.job_parts import PartsTab
        from ui.engineer.job_signoff import SignOffTab
        from ui.engineer.job_work import FaultsTab, FindingsTab, PhotosTab, TimeTab

        self.ctx = ctx
        self.job_id = ""
        self.view: JobView | None = None
        self.work: Work | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 4, 12, 4)
        layout.setSpacing(4)
        # One compact line: back, the job, its status and machine, the chip, the total.
        header = QHBoxLayout()
        header.setSpacing(12)
        self.back_button = button("‹ " + self.tr("Jobs"))
        self.back_button.clicked.connect(self.back)
        header.addWidget(self.back_button)
        self.title = styled_label("", "section")
        self.title.setWordWrap(False)
        self.title.setContentsMargins(0, 0, 0, 0)
        self.title.setStyleSheet("padding-top: 0px;")
        header.addWidget(self.title)
        self.subtitle = ElidedLabel("muted")
        header.addWidget(self.subtitle, 1)
        self.countdown = QLabel()
        self.countdown.setMinimumWidth(170)
        self.countdown.setAlignment(Qt.AlignmentFlag.AlignCenter)
        header.addWidget(self.countdown)
        self.total = styled_label("", "total")
        self.total.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.total.setMinimumWidth(220)
        header.addWidget(self.total)
        layout.addLayout(header)
        self.message = styled_label("", "error")
        self.message.hide()
        layout.addWidget(self.message)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.overview = OverviewTab(self)
        self.customer = CustomerTab(self)
        self.findings = FindingsTab(self)
        self.checklists = ChecklistTab(self)
        self.faults = FaultsTab(self)
        self.parts = PartsTab(self)
        self.time = TimeTab(self)
        self.photos = PhotosTab(self)
        self.signoff = SignOffTab(self)
        self.pages: list[tuple[QWidget, str]] = [
            (self.overview, self.tr("Job")),
            (self.customer, self.tr("Customer file")),
            (self.findings, self.tr("Pre-inspection")),
            (self.checklists, self.tr("Checklists")),
            (self.faults, self.tr("Faults")),
            (self.parts, self.tr("Parts")),
            (self.time, self.tr("Time")),
            (self.photos, self.tr("Photos")),
            (self.signoff, self.tr("Sign-off")),
        ]
        for widget, title in self.pages:
            self.tabs.addTab(
                scrolling(widget) if getattr(widget, "scrolls", True) else widget, title
            )
        # The work sections, by the name the domain gives them (marks, open or closed).
        self.sections: dict[str, QWidget] = {
            "findings": self.findings,
            "checklists": self.checklists,
            "faults": self.faults,
            "parts": self.parts,
            "time": self.time,
            "photos": self.photos,
            "signoff": self.signoff,
        }
        self.marks: dict[str, progress.SectionMark] = {}
        layout.addWidget(self.tabs, 1)
        self.tabs.currentChanged.connect(self._tab_shown)
        self.tick = QTimer(self)
        self.tick.setInterval(30_000)
        self.tick.timeout.connect(self._show_countdown)
        self.tick.start()

    # --- loading --------------------------------------------------------------------

    def open_job(self, job_id: str) -> None:
        self.job_id = job_id
        self.tabs.setCurrentIndex(0)
        self.message.hide()
        self.overview.editing = False  # another job opens as text, at its top
        self.overview.history_button.setChecked(False)
        self.reload()
        for index in range(self.tabs.count()):
            area = self.tabs.widget(index)
            if isinstance(area, QScrollArea):
                area.verticalScrollBar().setValue(0)

    def reload(self) -> None:
        with self.ctx.store.reader() as session:
            user = session.get(User, self.ctx.user_id)
            assert user is not None
            view = job_view(session, self.job_id, user, self.ctx.today())
            work = job_work(session, view.job)
            session.expunge_all()
        self.view, self.work = view, work
        job = view.job
        self.title.setText(f"{job.number} · {view.customer.name}")
        machine = ""
        if view.machine is not None:
            code = view.machine.model.code if view.machine.model else ""
            machine = f"{code} {view.machine.machine.serial}"
        self.subtitle.set_full_text(
            " · ".join(
                p
                for p in (
                    label("job_type", job.job_type),
                    label("urgency", job.urgency),
                    label("status", job.status),
                    machine.strip(),
                )
                if p
            )
        )
        self._show_countdown()
        self.total.setText(self.tr("Total %1").replace("%1", money(work.charges.total_cents)))
        self.total.setToolTip(
            self.tr("Parts %1 + labour %2; under warranty %3 (not charged)")
            .replace("%1", money(work.charges.parts_cents))
            .replace("%2", money(work.charges.labour_cents))
            .replace("%3", money(work.charges.warranty_cents))
        )
        self._open_work_tabs(view)
        self.refresh_marks()
        for widget, _title in self.pages:
            widget.show_job(view, work)  # type: ignore[attr-defined]

    def _open_work_tabs(self, view: JobView) -> None:
        """The work tabs stay closed until the engineer is on site (the state machine's
        work statuses); after signing they open again to read what was signed."""
        is_open = progress.work_open(
            view.job.status, is_assignee=view.job.assignee_id == self.ctx.user_id
        )
        hint = "" if is_open else self.tr("Opens once the arrival on site is registered.")
        for widget in self.sections.values():
            index = self._index_of(widget)
            self.tabs.setTabEnabled(index, is_open)
            self.tabs.setTabToolTip(index, hint)
        if not self.tabs.isTabEnabled(self.tabs.currentIndex()):
            self.tabs.setCurrentIndex(0)

    def refresh_marks(self) -> None:
        """Done / missing marks on the work tabs, from what the report would show as
        incomplete; called after every write, also those that do not reload the page."""
        if self.view is None or self.work is None:
            return
        work = self.work
        with self.ctx.store.reader() as session:
            job = session.get(Job, self.job_id)
            if job is None:
                return
            codes = [gap.code for gap in report_gaps(session, job)]
            runs = len(job_runs(session, job))
        recorded = {
            "findings": len(work.findings),
            "checklists": runs,
            "faults": len(work.faults),
            "parts": len(work.parts),
            "time": len(work.times),
            "photos": len(work.photos),
        }
        self.marks = progress.section_marks(codes, recorded, signed=self.view.sign_off is not None)
        for widget, title in self.pages:
            name = next((n for n, w in self.sections.items() if w is widget), None)
            mark = self.marks.get(name) if name else None
            index = self._index_of(widget)
            text = title
            if not self.tabs.isTabEnabled(index):
                mark = None  # closed: what it will miss is for later
            if mark is not None and mark.missing:
                text = f"{title} ⚠ {mark.missing}"
            elif mark is not None and mark.done:
                text = f"{title} ✓"
            self.tabs.setTabText(index, text)

    def _index_of(self, widget: QWidget) -> int:
        for index, (page, _title) in enumerate(self.pages):
            if page is widget:
                return index
        raise LookupError(widget)

    def _tab_shown(self, index: int) -> None:
        # What is incomplete changes as checklists are filled without a full reload.
        if index == len(self.pages) - 1 and self.view is not None:
            self.signoff.refresh_gaps()

    def _show_countdown(self) -> None:
        if self.view is None:
            return
        job = self.view.job
        if self.view.frozen or job.status == "cancelled":
            self.countdown.setText(label("status", job.status))
            colour = theme.ok_colour()
        else:
            # Before arrival a countdown; once on site, on time or how late (it stops).
            text, colour = deadline_chip(job.on_site_due_at, job.arrived_at, self.ctx.now())
            self.countdown.setText(text)
        self.countdown.setStyleSheet(
            f"background:{colour.name()}; color:{theme.text_on(colour).name()}; border-radius:6px;"
            f" padding:8px; font-weight:bold;"
        )

    # --- writing ------------------------------------------------------------------------

    def write(self, change: Writer, *, reload: bool = True) -> str | None:
        """Run ``change(session, job, user)`` in one transaction. Returns None when it is
        saved (committed to disk), else the reason in plain words; nothing is lost on a
        refusal, the form keeps what was typed."""
        try:
            with self.ctx.store.action() as session:
                job = session.get(Job, self.job_id)
                user = session.get(User, self.ctx.user_id)
                assert job is not None and user is not None
                change(session, job, user)
        except (DomainError, ValueError) as error:
            log.info("refused on job %s: %s", self.job_id, error)
            return error_text(error)
        self.changed.emit()
        if reload:
            self.reload()
        else:
            self.refresh_marks()
        return None

    def show_tab(self, widget: QWidget) -> None:
        for index, (page, _title) in enumerate(self.pages):
            if page is widget:
                self.tabs.setCurrentIndex(index)
                return

    def go_to_sign_off(self) -> None:
        self.show_tab(self.signoff)

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))
