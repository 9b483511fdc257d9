"""The window: enrollment on the first start, then the job list and the job page,
with the sync indicator in the status bar."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from fieldapp.models import Job, User
from fieldapp.models.enums import Role
from fieldapp.store import Store
from sync.client import LOGIN, ROLE
from ui.common import theme
from ui.common.context import LANGUAGE, AppContext
from ui.common.desk import Desk
from ui.common.i18n import CHINESE, ENGLISH
from ui.common.widgets import button, styled_label
from ui.engineer.joblist import JobListPage
from ui.engineer.jobpage import JobPage
from ui.enroll import EnrollPage
from ui.sync_panel import ProblemsDialog, SyncController, SyncIndicator

log = logging.getLogger(__name__)

TOP_BAR = 56  # px: the bar above every page, no taller than a button and its margins


HIGH_CONTRAST = "ui.high_contrast"
TEXT_SIZE = "ui.text_size"


def stored_look(store: Store) -> theme.Look:
    """The engineer's sunlight and reading settings, as kept in the store."""
    size = store.get_setting(TEXT_SIZE) or "normal"
    return theme.Look(
        high_contrast=store.get_setting(HIGH_CONTRAST) == "1",
        text_size=size if size in theme.TEXT_SIZES else "normal",
    )


def keep_look(store: Store, look: theme.Look) -> None:
    store.set_setting(HIGH_CONTRAST, "1" if look.high_contrast else "0")
    store.set_setting(TEXT_SIZE, look.text_size)


class SettingsDialog(QDialog):
    def __init__(
        self, language: str, parent: QWidget | None = None, look: theme.Look | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Settings"))
        self.setMinimumWidth(560)
        look = look or theme.current_look()
        layout = QFormLayout(self)
        layout.setVerticalSpacing(16)
        layout.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.language = QComboBox()
        self.language.setObjectName("language")
        self.language.addItem("简体中文", CHINESE)
        self.language.addItem("English", ENGLISH)
        self.language.setCurrentIndex(max(0, self.language.findData(language)))
        layout.addRow(self.tr("Language"), self.language)
        self.text_size = QComboBox()
        self.text_size.setObjectName("text_size")
        self.text_size.addItem(self.tr("Normal"), "normal")
        self.text_size.addItem(self.tr("Large"), "large")
        self.text_size.addItem(self.tr("Extra large"), "extra_large")
        self.text_size.setCurrentIndex(max(0, self.text_size.findData(look.text_size)))
        layout.addRow(self.tr("Text size"), self.text_size)
        self.high_contrast = QCheckBox(self.tr("High contrast for sunlight (black on white)"))
        self.high_contrast.setObjectName("high_contrast")
        self.high_contrast.setChecked(look.high_contrast)
        layout.addRow(self.tr("Screen"), self.high_contrast)
        # The installed version (from the package's metadata, as in the report footer):
        # what IT and support ask first.
        from ui.common.report import app_version

        self.version = QLabel(app_version() or "-")
        self.version.setObjectName("version")
        self.version.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addRow(self.tr("Version"), self.version)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addRow(buttons)

    def look(self) -> theme.Look:
        return theme.Look(
            high_contrast=self.high_contrast.isChecked(),
            text_size=str(self.text_size.currentData()),
        )


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
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply(app, stored_look(ctx.store))
        self.on_language = on_language
        self.auto_sync = auto_sync
        self.setWindowTitle(self.tr("fieldapp — service jobs"))
        self.resize(1280, 800)
        self.setMinimumSize(1024, 640)

        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        # A slim bar: whose jobs, and the settings (the job page has its own header).
        self.top_bar = QFrame()
        self.top_bar.setObjectName("top_bar")
        self.top_bar.setProperty("role", "topbar")
        self.top_bar.setMaximumHeight(TOP_BAR)
        top = QHBoxLayout(self.top_bar)
        top.setContentsMargins(12, 2, 12, 2)
        self.who = styled_label("", "section")
        self.who.setWordWrap(False)
        self.who.setStyleSheet("padding-top: 0;")
        top.addWidget(self.who, 1)
        self.settings_button = button(self.tr("Settings"))
        self.settings_button.setObjectName("settings")
        self.settings_button.clicked.connect(self.open_settings)
        top.addWidget(self.settings_button)
        outer.addWidget(self.top_bar)
        self.sync = SyncController(ctx.store, ctx.data_dir, ctx.task_manager, self)
        self.indicator = SyncIndicator(self.sync)
        outer.addWidget(self.indicator.banner)
        self.stack = QStackedWidget()
        outer.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.statusBar().addPermanentWidget(self.indicator, 1)
        self.statusBar().setSizeGripEnabled(False)
        self.indicator.show_problems.connect(self.open_problems)
        self.sync.finished.connect(self._after_sync)

        self.job_list: JobListPage | None = None
        self.job_page: JobPage | None = None
        self.desk: Desk | None = None
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

    def role(self) -> str:
        """The role HQ gave this device at enrollment: it decides the desk."""
        return self.ctx.store.get_setting(ROLE) or Role.ENGINEER.value

    def show_jobs(self) -> None:
        if self.role() in (Role.SUPERVISOR, Role.ADMIN, Role.CLERK):
            self.show_desk()
            return
        self.show_jobs_title()
        self.job_list = JobListPage(
            self.ctx.store,
            self.ctx.task_manager,
            self.ctx.user_id,
            clock=self.ctx.now,
            device_id=self.ctx.device_id,
        )
        self.job_list.job_opened.connect(self.open_job)
        self.job_list.sign_requested.connect(self.open_job_to_sign)
        self.job_list.problems_requested.connect(self.open_problems)
        self.job_list.changed.connect(self.indicator.refresh)
        self.stack.addWidget(self.job_list)
        self.stack.setCurrentWidget(self.job_list)
        if self.auto_sync:
            self.sync.start()
        self.indicator.refresh()

    def show_desk(self) -> None:
        """The supervisor's desk (supervisors, administrators) or the office's (clerks)."""
        if self.role() == Role.CLERK:
            from ui.office.desk import OfficeDesk

            self.desk = OfficeDesk(self.ctx)
        else:
            from ui.supervisor.desk import SupervisorDesk

            self.desk = SupervisorDesk(self.ctx)
        self.desk.open_job.connect(self.open_job)
        self.desk.changed.connect(self.indicator.refresh)
        self.stack.addWidget(self.desk)
        self.stack.setCurrentWidget(self.desk)
        self.show_jobs_title()
        if self.auto_sync:
            self.sync.start()
        self.indicator.refresh()

    def home(self) -> QWidget | None:
        """The page the window comes back to: the desk, or the engineer's job list."""
        return self.desk if self.desk is not None else self.job_list

    def open_job(self, job_id: str) -> None:
        if self.home() is None:
            return
        if self.job_page is None:
            self.job_page = JobPage(self.ctx)
            self.job_page.back.connect(self.back_to_list)
            self.job_page.changed.connect(self.indicator.refresh)
            self.stack.addWidget(self.job_page)
        self.job_page.open_job(job_id)
        self.stack.setCurrentWidget(self.job_page)

    def open_job_to_sign(self, job_id: str) -> None:
        """The list card's "sign off": the job, on its sign-off tab."""
        self.open_job(job_id)
        if self.job_page is not None:
            self.job_page.go_to_sign_off()

    def back_to_list(self) -> None:
        home = self.home()
        if home is None or self.stack.currentWidget() is home:
            return
        self.stack.setCurrentWidget(home)
        if self.desk is not None:
            self.desk.refresh()
        elif self.job_list is not None:
            self.job_list.refresh()

    def _focus_search(self) -> None:
        if self.job_list is not None:
            self.back_to_list()
            self.job_list.search.setFocus()

    def _after_sync(self, _report: object) -> None:
        if self.home() is None:
            return
        self.show_jobs_title()
        if self.desk is not None:
            self._approve_by_rule()
            if self.stack.currentWidget() is self.job_page and self.job_page is not None:
                self.job_page.reload()
            else:
                self.desk.refresh()
            return
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

    def _approve_by_rule(self) -> None:
        """The parts requests the sync brought that the approval rule allows (a warranty
        repair, normal quantities) are approved at once on the supervisor's device, as
        if the supervisor had; they go up at the next sync. In a worker thread: the
        rule reads every open request of the team."""
        if self.role() not in (Role.SUPERVISOR, Role.ADMIN):
            return
        try:
            user = self.ctx.user()
        except LookupError:
            return
        self.ctx.task_manager.run(
            approve_parts_by_rule,
            self.ctx.store,
            user.id,
            self.ctx.now(),
            on_done=self._approved_by_rule,
            on_error=lambda error: log.error("The approval rule failed: %s", error),
            owner=self,
        )

    def _approved_by_rule(self, approved: int) -> None:
        if not approved:
            return
        log.info("%d parts requests approved by the rule", approved)
        self.indicator.refresh()
        if self.desk is not None and self.stack.currentWidget() is not self.job_page:
            self.desk.refresh()

    def show_jobs_title(self) -> None:
        try:
            name = self.ctx.user().display_name
        except LookupError:
            # Enrolled, but the first sync has not brought the user's row yet.
            name = self.ctx.store.get_setting(LOGIN)
        if self.desk is None:
            self.who.setText(self.tr("%1's jobs").replace("%1", name))
        elif self.role() == Role.CLERK:
            self.who.setText(self.tr("%1 — office").replace("%1", name))
        else:
            self.who.setText(self.tr("%1 — supervisor's desk").replace("%1", name))

    # --- dialogs ----------------------------------------------------------------------------

    def open_settings(self) -> None:
        dialog = SettingsDialog(self.ctx.language, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.apply_settings(dialog)

    def apply_settings(self, dialog: SettingsDialog) -> None:
        """What the engineer chose, kept in the store and in force at once."""
        look = dialog.look()
        if look != theme.current_look():
            keep_look(self.ctx.store, look)
            app = QApplication.instance()
            assert isinstance(app, QApplication)
            theme.apply(app, look)
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


def approve_parts_by_rule(store: Store, user_id: str, now: datetime) -> int:
    """Apply the parts approval rule as this supervisor (runs in a worker thread); how
    many requests it approved."""
    from fieldapp.services.parts_requests import auto_approve_new

    with store.action() as session:
        user = session.get(User, user_id)
        if user is None:
            return 0
        return len(auto_approve_new(session, user, now=now))
