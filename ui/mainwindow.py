"""The window: enrollment on the first start, then the job list and the job page,
with the sync indicator in the status bar."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from fieldapp.models import Job
from sync.client import LOGIN
from ui.context import LANGUAGE, AppContext
from ui.enroll import EnrollPage
from ui.i18n import CHINESE, ENGLISH
from ui.joblist import JobListPage
from ui.jobpage import JobPage
from ui.sync_panel import ProblemsDialog, SyncController, SyncIndicator
from ui.widgets import button, styled_label

log = logging.getLogger(__name__)


class SettingsDialog(QDialog):
    def __init__(self, language: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Settings"))
        self.setMinimumWidth(520)
        layout = QFormLayout(self)
        self.language = QComboBox()
        self.language.setObjectName("language")
        self.language.addItem("简体中文", CHINESE)
        self.language.addItem("English", ENGLISH)
        self.language.setCurrentIndex(max(0, self.language.findData(language)))
        layout.addRow(self.tr("Language"), self.language)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addRow(buttons)


class MainWindow(QMainWindow):
    def __init__(
        self,
        ctx: AppContext,
        *,
        on_language: Callable[[str], None] | None = None,
        auto_sync: bool = True,
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.on_language = on_language
        self.auto_sync = auto_sync
        self.setWindowTitle(self.tr("fieldapp — service jobs"))
        self.resize(1280, 800)
        self.setMinimumSize(1024, 640)

        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.setContentsMargins(12, 8, 12, 0)
        self.who = styled_label("", "title")
        top.addWidget(self.who, 1)
        self.settings_button = button(self.tr("Settings"))
        self.settings_button.clicked.connect(self.open_settings)
        top.addWidget(self.settings_button)
        outer.addLayout(top)
        self.stack = QStackedWidget()
        outer.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.sync = SyncController(ctx.store, ctx.data_dir, ctx.task_manager, self)
        self.indicator = SyncIndicator(self.sync)
        self.statusBar().addPermanentWidget(self.indicator, 1)
        self.statusBar().setSizeGripEnabled(False)
        self.indicator.show_problems.connect(self.open_problems)
        self.sync.finished.connect(self._after_sync)

        self.job_list: JobListPage | None = None
        self.job_page: JobPage | None = None
        if ctx.enrolled:
            self.show_jobs()
        else:
            self.enroll_page = EnrollPage(ctx.store, ctx.data_dir, ctx.task_manager)
            self.enroll_page.enrolled.connect(self._enrolled)
            self.stack.addWidget(self.enroll_page)
            self.statusBar().hide()
            self.who.setText(self.tr("Welcome"))

        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.sync.sync_now)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self, self._focus_search)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.back_to_list)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Back), self, self.back_to_list)

    # --- pages ---------------------------------------------------------------------------

    def _enrolled(self) -> None:
        self.statusBar().show()
        self.show_jobs()

    def show_jobs(self) -> None:
        self.show_jobs_title()
        self.job_list = JobListPage(self.ctx.store, self.ctx.task_manager, self.ctx.user_id)
        self.job_list.job_opened.connect(self.open_job)
        self.job_page = JobPage(self.ctx)
        self.job_page.back.connect(self.back_to_list)
        self.job_page.changed.connect(self.indicator.refresh)
        self.stack.addWidget(self.job_list)
        self.stack.addWidget(self.job_page)
        self.stack.setCurrentWidget(self.job_list)
        if self.auto_sync:
            self.sync.start()
        self.indicator.refresh()

    def open_job(self, job_id: str) -> None:
        if self.job_page is None:
            return
        self.job_page.open_job(job_id)
        self.stack.setCurrentWidget(self.job_page)

    def back_to_list(self) -> None:
        if self.job_list is None or self.stack.currentWidget() is self.job_list:
            return
        self.stack.setCurrentWidget(self.job_list)
        self.job_list.refresh()

    def _focus_search(self) -> None:
        if self.job_list is not None:
            self.back_to_list()
            self.job_list.search.setFocus()

    def _after_sync(self, _report: object) -> None:
        if self.job_list is None:
            return
        self.show_jobs_title()
        if self.stack.currentWidget() is self.job_page and self.job_page is not None:
            with self.ctx.store.reader() as session:
                job = session.get(Job, self.job_page.job_id)
            if job is None or job.assignee_id not in (self.ctx.user_id, None):
                # Reassigned or out of scope after the sync: the work was uploaded first.
                self.back_to_list()
                self.statusBar().showMessage(self.tr("That job was reassigned by HQ."), 10_000)
                return
            self.job_page.reload()
        else:
            self.job_list.refresh()

    def show_jobs_title(self) -> None:
        try:
            name = self.ctx.user().display_name
        except LookupError:
            # Enrolled, but the first sync has not brought the user's row yet.
            name = self.ctx.store.get_setting(LOGIN)
        self.who.setText(self.tr("Jobs of %1").replace("%1", name))

    # --- dialogs ----------------------------------------------------------------------------

    def open_settings(self) -> None:
        dialog = SettingsDialog(self.ctx.language, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        language = dialog.language.currentData()
        if language != self.ctx.language:
            self.ctx.store.set_setting(LANGUAGE, language)
            if self.on_language is not None:
                self.on_language(language)

    def open_problems(self) -> None:
        dialog = ProblemsDialog(self.ctx.store, self)
        dialog.open_job.connect(self.open_job)
        dialog.exec()
        self.indicator.refresh()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.sync.timer.stop()
        super().closeEvent(event)
