"""The job page: a header that always shows the job, its countdown and the running
total, and tabs for the customer's file, the dispatch information and actions, and the
work (pre-inspection, checklists, faults, parts, time, photos) up to the signature."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from fieldapp.models import Job, User
from fieldapp.services import DomainError
from fieldapp.views import JobView, Work, job_view, job_work
from ui import theme
from ui.context import AppContext
from ui.labels import error_text, label
from ui.widgets import button, countdown_text, minutes_left, money, styled_label

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


class JobPage(QWidget):
    back = Signal()
    changed = Signal()  # something was saved: the list and the sync indicator refresh

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from ui.job_checklist import ChecklistTab
        from ui.job_customer import CustomerTab
        from ui.job_overview import OverviewTab
        from ui.job_parts import PartsTab
        from ui.job_signoff import SignOffTab
        from ui.job_work import FaultsTab, FindingsTab, PhotosTab, TimeTab

        self.ctx = ctx
        self.job_id = ""
        self.view: JobView | None = None
        self.work: Work | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        header = QHBoxLayout()
        self.back_button = button("‹ " + self.tr("Jobs"))
        self.back_button.clicked.connect(self.back)
        header.addWidget(self.back_button)
        titles = QVBoxLayout()
        self.title = styled_label("", "title")
        self.subtitle = styled_label("", "muted")
        titles.addWidget(self.title)
        titles.addWidget(self.subtitle)
        header.addLayout(titles, 1)
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
        self.reload()

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
        self.subtitle.setText(
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
        for widget, _title in self.pages:
            widget.show_job(view, work)  # type: ignore[attr-defined]

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
            now = self.ctx.now()
            self.countdown.setText(countdown_text(job.on_site_due_at, now))
            colour = theme.urgency_colour(minutes_left(job.on_site_due_at, now))
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
