"""Sync in the window: when the network comes back, every few minutes, and on the
button. The status bar says where things stand in plain words; rejected changes and
conflicts are listed where the engineer can act on them. The sync runs in the task
pool and never freezes the window."""

from __future__ import annotations

import gc
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtNetwork import QNetworkInformation
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select

from fieldapp.clock import as_utc, utcnow
from fieldapp.models import RejectedChange, SyncConflict
from fieldapp.store import Store
from sync.client import SyncClient, SyncFailed, SyncReport, sync_status
from ui.common.tasks import TaskManager
from ui.common.widgets import Card, button, clear_layout, local_time, styled_label

log = logging.getLogger(__name__)

AUTO_SYNC_MS = 5 * 60 * 1000


@contextmanager
def quiet_collector() -> Iterator[None]:
    """No full garbage collection while the sync runs. A full sweep walks every Python
    object and holds the interpreter lock meanwhile (117–171 ms measured with 5,000
    jobs: the window froze); the young generations are swept after each page instead,
    which takes a few milliseconds."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def run_sync(store: Store, data_dir: Path, progress: Any = None) -> SyncReport:
    """One whole sync, in a worker thread."""

    def step(phase: str, done: int, total: int) -> None:
        gc.collect(1)
        if progress is not None:
            progress(phase, done, total)

    with quiet_collector():
        client = SyncClient(store, data_dir, progress=step)
        try:
            return client.sync()
        finally:
            client.close()


class SyncController(QObject):
    started = Signal()
    progressed = Signal(str, int, int)
    finished = Signal(object)  # SyncReport
    failed = Signal(str, str)  # code, message
    state_changed = Signal()

    def __init__(
        self, store: Store, data_dir: Path, tasks: TaskManager, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.data_dir = data_dir
        self.tasks = tasks
        self.running = False
        self.online: bool | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(AUTO_SYNC_MS)
        self.timer.timeout.connect(self.sync_now)
        self.network: QNetworkInformation | None = None

    def start(self) -> None:
        """Watch the network and sync now and then."""
        self.timer.start()
        if QNetworkInformation.loadDefaultBackend():
            self.network = QNetworkInformation.instance()
        if self.network is not None:
            self.network.reachabilityChanged.connect(self._reachability)
            self._reachability(self.network.reachability(), first=True)
        self.sync_now()

    def _reachability(
        self, reachability: QNetworkInformation.Reachability, first: bool = False
    ) -> None:
        was = self.online
        self.online = reachability in (
            QNetworkInformation.Reachability.Online,
            QNetworkInformation.Reachability.Site,
            QNetworkInformation.Reachability.Local,
            QNetworkInformation.Reachability.Unknown,
        )
        log.info("network reachability %s", reachability)
        self.state_changed.emit()
        if self.online and was is False and not first:
            self.sync_now()  # the network came back

    def sync_now(self) -> bool:
        if self.running:
            return False
        self.running = True
        self.started.emit()
        self.tasks.run(
            run_sync,
            self.store,
            self.data_dir,
            on_done=self._done,
            on_error=self._failed,
            on_progress=self.progressed.emit,
        )
        return True

    def _done(self, report: SyncReport) -> None:
        self.running = False
        log.info("sync done: %s", report)
        self.finished.emit(report)

    def _failed(self, error: BaseException) -> None:
        self.running = False
        if isinstance(error, SyncFailed):
            self.failed.emit(error.code, error.message)
        else:
            self.failed.emit("internal", str(error))

    def status(self) -> dict[str, Any]:
        return sync_status(self.store)


class SyncIndicator(QWidget):
    """The status bar's part: offline / syncing n% / up to date / n changes waiting /
    an error in plain words; a Sync button; a link to what HQ refused."""

    show_problems = Signal()

    def __init__(self, controller: SyncController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.text = QLabel()
        self.text.setObjectName("sync_state")
        layout.addWidget(self.text)
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(180)
        self.bar.setTextVisible(False)
        self.bar.hide()
        layout.addWidget(self.bar)
        layout.addStretch(1)
        # HQ tells which version IT deploys now; IT installs it, the app never does.
        self.update_note = QLabel(self.tr("An update is available"))
        self.update_note.setObjectName("update_available")
        self.update_note.hide()
        layout.addWidget(self.update_note)
        self.problems = QPushButton()
        self.problems.setObjectName("sync_problems")
        self.problems.clicked.connect(self.show_problems)
        self.problems.hide()
        layout.addWidget(self.problems)
        self.button = button(self.tr("Sync now"))
        self.button.setObjectName("sync_now")
        self.button.clicked.connect(controller.sync_now)
        layout.addWidget(self.button)
        self.error: tuple[str, str] | None = None
        self.banner = OfflineBanner()
        controller.started.connect(self._started)
        controller.progressed.connect(self._progress)
        controller.finished.connect(self._finished)
        controller.failed.connect(self._failed)
        controller.state_changed.connect(self.refresh)
        self.refresh()

    def _started(self) -> None:
        self.error = None
        self.button.setEnabled(False)
        self.bar.setRange(0, 0)
        self.bar.show()
        self.text.setText(self.tr("Syncing…"))

    def _progress(self, phase: str, done: int, total: int) -> None:
        names = {
            "push": self.tr("Sending changes"),
            "pull": self.tr("Receiving"),
            "upload": self.tr("Sending photos"),
            "download": self.tr("Receiving photos"),
            "verify": self.tr("Checking"),
            # A new device's first sync: the catalogue and the org as one file.
            "snapshot": self.tr("Receiving the parts catalogue"),
        }
        name = names.get(phase) or self.tr("Syncing…")
        if phase == "snapshot" and total > 0:
            # Bytes: shown as a share, the bar in per mille (a QProgressBar is 32-bit).
            self.bar.setRange(0, 1000)
            self.bar.setValue(min(1000, done * 1000 // total))
            self.text.setText(f"{name} {min(100, done * 100 // total)} %")
        elif total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
            self.text.setText(f"{name} {done}/{total}")
        else:
            self.text.setText(name)

    def _finished(self, _report: SyncReport) -> None:
        self.error = None
        self.refresh()

    def _failed(self, code: str, message: str) -> None:
        self.error = (code, message)
        self.refresh()

    def error_text(self, code: str, message: str) -> str:
        if code == "network":
            return self.tr("Offline: HQ cannot be reached. Your work is kept on this device.")
        if code == "update_required":
            return self.tr("This app is too old for HQ: ask IT for the update.")
        if code in {"device_revoked", "token_invalid", "token_missing", "user_inactive"}:
            return self.tr("HQ no longer accepts this device: ask your supervisor.")
        if code == "not_enrolled":
            return self.tr("This device is not enrolled with HQ.")
        if code == "certificate":
            return self.tr("HQ's certificate is not the expected one: nothing was sent. Ask IT.")
        return self.tr("Sync failed: %1").replace("%1", message)

    def refresh(self) -> None:
        """Read the sync's state in the back, then show it."""
        if self.controller.running:
            return
        self.controller.tasks.run(self.controller.status, on_done=self.show_status, owner=self)

    def waiting_text(self, pending: int) -> str:
        if pending == 1:
            return self.tr("%n change waiting.", "", pending)
        return self.tr("%n changes waiting.", "", pending)

    def is_offline(self) -> bool:
        """HQ cannot be reached: the network is down, or the last sync could not get
        through to HQ."""
        if self.error is not None:
            return self.error[0] == "network"
        return self.controller.online is False

    def show_status(self, status: dict[str, Any]) -> None:
        if self.controller.running:
            return
        self.button.setEnabled(True)
        self.bar.hide()
        pending = status["pending"]
        offline = self.is_offline()
        if offline:
            # The banner across the window says it all; the status bar stays short.
            text = self.tr("Offline")
            if pending:
                text += " · " + self.waiting_text(pending)
        elif self.error is not None:
            text = self.error_text(*self.error)
            if pending:
                text += " " + self.waiting_text(pending)
        elif pending:
            text = self.waiting_text(pending)
        elif status["last_sync"]:
            when = as_utc(datetime.fromisoformat(status["last_sync"]))
            text = self.tr("Up to date (%1)").replace("%1", local_time(when)[11:])
        else:
            text = self.tr("Never synced")
        self.text.setText(text)
        self.banner.show_offline(offline, pending)
        newer = status.get("current_app_version")
        self.update_note.setVisible(bool(status.get("update_available")))
        tip = self.tr("Ask IT to install version %1.")
        self.update_note.setToolTip(tip.replace("%1", newer or ""))
        problems = status["rejected_changes"] + status["conflicts"]
        self.problems.setText(self.tr("%n to look at", "", problems))
        self.problems.setVisible(problems > 0)


class OfflineBanner(QFrame):
    """A coloured bar across the window while HQ cannot be reached: the engineer sees
    at a glance that the work is safe on the device and will go by itself."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("offline_banner")
        self.setProperty("role", "banner")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 8, 16, 8)
        self.text = QLabel()
        self.text.setObjectName("offline_text")
        self.text.setWordWrap(True)
        layout.addWidget(self.text, 1)
        self.hide()

    def show_offline(self, offline: bool, pending: int) -> None:
        if offline:
            if pending:
                text = self.tr(
                    "Offline — every change is saved on this device and syncs by itself "
                    "when HQ can be reached (%n waiting).",
                    "",
                    pending,
                )
            else:
                text = self.tr(
                    "Offline — every change is saved on this device and syncs by itself "
                    "when HQ can be reached."
                )
            self.text.setText(text)
        self.setVisible(offline)


class ProblemsDialog(QDialog):
    """Changes HQ refused and conflicts HQ resolved: what happened, in plain words, and
    what the engineer can do (open the job, mark as read)."""

    open_job = Signal(str)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle(self.tr("Sync: to look at"))
        self.resize(900, 600)
        self.body = QVBoxLayout(self)
        self.content = QVBoxLayout()
        self.body.addLayout(self.content)
        self.body.addStretch(1)
        close = button(self.tr("Close"))
        close.clicked.connect(self.accept)
        self.body.addWidget(close)
        self.load()

    def load(self) -> None:
        clear_layout(self.content)
        with self.store.reader() as session:
            rejected = list(
                session.execute(
                    select(RejectedChange).where(RejectedChange.dismissed_at.is_(None))  # type: ignore[union-attr]
                ).scalars()
            )
            conflicts = list(
                session.execute(
                    select(SyncConflict).where(SyncConflict.resolved_at.is_(None))  # type: ignore[union-attr]
                ).scalars()
            )
            session.expunge_all()
        card = Card(self.tr("Changes HQ refused"))
        for change in rejected:
            fields = json.loads(change.fields or "{}")
            job_id = change.row_id if change.table_name == "job" else fields.get("job_id")
            row = QHBoxLayout()
            row.addWidget(
                styled_label(
                    f"<b>{escape(change.reason or change.code)}</b><br>"
                    f"{escape(change.table_name)} · {local_time(change.rejected_at)}"
                ),
                1,
            )
            if job_id:
                opener = button(self.tr("Open job"))
                opener.clicked.connect(
                    lambda _c=False, j=job_id: (self.open_job.emit(j), self.accept())
                )
                row.addWidget(opener)
            dismiss = button(self.tr("Mark as read"))
            dismiss.clicked.connect(lambda _c=False, m=change.mutation_id: self._dismiss(m))
            row.addWidget(dismiss)
            card.body.addLayout(row)
        if not rejected:
            card.body.addWidget(styled_label(self.tr("Nothing refused."), "muted"))
        self.content.addWidget(card)
        card = Card(self.tr("Conflicts resolved by HQ"))
        for conflict in conflicts:
            kept = (
                self.tr("your value was kept")
                if conflict.kept == "device"
                else self.tr("HQ's value was kept")
            )
            card.body.addWidget(
                styled_label(
                    f"<b>{escape(conflict.table_name)}.{escape(conflict.field_name)}</b>:"
                    f" {kept}<br>"
                    + self.tr("Yours: %1 · HQ: %2")
                    .replace("%1", escape(conflict.device_value))
                    .replace("%2", escape(conflict.server_value))
                )
            )
        if not conflicts:
            card.body.addWidget(styled_label(self.tr("No conflicts."), "muted"))
        self.content.addWidget(card)

    def _dismiss(self, mutation_id: str) -> None:
        with self.store.action(track=False) as session:
            change = session.get(RejectedChange, mutation_id)
            if change is not None:
                change.dismissed_at = utcnow()
        self.load()
