"""The screen shown instead of the job list when the local store cannot be used.

It says in plain words what happened (fieldapp/store_health.py found it) and what to
do, and offers the recovery: save what can be read of the work not yet synced to a
file for support (sync/rescue.py), then keep the damaged file aside under a timestamped
name and start again with a fresh store (enroll, then the first sync brings the jobs
back). The damaged file is never changed nor deleted. A folder that cannot be used
(read-only, or a file) can only be fixed outside the app: the screen offers to check
again. Reading and writing run in the back (ui/common/tasks.py).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QHBoxLayout, QMainWindow, QVBoxLayout, QWidget

from fieldapp.store_health import ProblemKind, StoreProblem, set_aside
from sync.rescue import write_rescue
from sync.token_store import forget_token
from ui.common.tasks import TaskManager, tasks
from ui.common.widgets import Card, ErrorLabel, button, styled_label

log = logging.getLogger(__name__)


def problem_texts(problem: StoreProblem) -> tuple[str, str]:
    """The title and the explanation (what happened, what to do) of a problem."""
    kind = problem.kind
    if kind is ProblemKind.FOLDER_IS_FILE:
        title = QCoreApplication.translate("StoreProblemPage", "The app's data folder is a file")
        text = QCoreApplication.translate(
            "StoreProblemPage",
            "The app keeps its data in %1, but that is a file, not a folder. Nothing was "
            "changed. Ask IT to move that file away, then press Check again.",
        )
    elif kind is ProblemKind.FOLDER_NOT_WRITABLE:
        title = QCoreApplication.translate(
            "StoreProblemPage", "The app cannot write to its data folder"
        )
        text = QCoreApplication.translate(
            "StoreProblemPage",
            "The app keeps its data in %1, but it may not write there. Nothing was "
            "changed. Ask IT to give your account write access to this folder, then "
            "press Check again.",
        )
    elif kind is ProblemKind.STORE_MISSING:
        title = QCoreApplication.translate("StoreProblemPage", "This device's data is missing")
        text = QCoreApplication.translate(
            "StoreProblemPage",
            "This device is connected to HQ, but its data file %1 is missing or empty: "
            "work that was not yet synced cannot be found. Nothing was changed. If you "
            "have a copy of the file, quit and put it back, or ask support. Otherwise start "
            "again: connect to HQ with a new code and your jobs come back from HQ.",
        )
    elif kind is ProblemKind.NEWER_SCHEMA:
        title = QCoreApplication.translate(
            "StoreProblemPage", "This data was made by a newer version of the app"
        )
        text = QCoreApplication.translate(
            "StoreProblemPage",
            "The data file %1 was made by a newer version of the app. It was not used or "
            "changed. Install the newer version again. If you cannot, save your work not "
            "yet synced to a file for support, and start again.",
        )
    elif kind is ProblemKind.NOT_A_STORE:
        title = QCoreApplication.translate(
            "StoreProblemPage", "The data file belongs to another program"
        )
        text = QCoreApplication.translate(
            "StoreProblemPage",
            "The file %1 is not this app's data. It was not used or changed. Save what "
            "can be read to a file for support, then start again: the file is kept aside "
            "and your jobs come back from HQ.",
        )
    else:
        title = QCoreApplication.translate("StoreProblemPage", "This device's data is damaged")
        text = QCoreApplication.translate(
            "StoreProblemPage",
            "The data file %1 is damaged. It was not used or changed, and nothing was "
            "synced. Save your work not yet synced to a file for support, then start again: "
            "the damaged file is kept aside and your jobs come back from HQ.",
        )
    return title, text.replace("%1", str(problem.path))


def rescue_name(now: datetime | None = None) -> str:
    return f"fieldapp-rescue-{(now or datetime.now(UTC)).strftime('%Y%m%d-%H%M%S')}.json"


def start_again(data_dir: Path, problem: StoreProblem, rescue_to: Path | None) -> dict[str, Any]:
    """Save what can be read (when there is a store to read), keep the damaged file
    aside, forget the token: the next start is a fresh device. In the back."""
    answer: dict[str, Any] = {"rescue": None, "changes": 0}
    if problem.rescuable and rescue_to is not None:
        content = write_rescue(data_dir, rescue_to)
        answer.update(rescue=rescue_to, changes=len(content["mutations"]))
    answer["kept"] = set_aside(data_dir)
    forget_token(data_dir)
    return answer


class StoreProblemPage(QWidget):
    """What happened, what to do, and the buttons that do it."""

    fresh_start = Signal()  # the damaged store is aside: open the app on a new one
    check_again = Signal()  # the folder may have been fixed
    quit_app = Signal()

    def __init__(
        self,
        data_dir: Path,
        problem: StoreProblem,
        task_manager: TaskManager | None = None,
        rescue_dir: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("store_problem")
        self.data_dir = data_dir
        self.problem = problem
        self.tasks = task_manager or tasks()
        self.rescue_dir = rescue_dir or data_dir
        self.rescued: Path | None = None
        title, text = problem_texts(problem)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        card = Card(title)
        # A fixed width: the wrapped text then gets the height it needs at that width.
        card.setFixedWidth(960)
        self.explanation = styled_label(text)
        self.explanation.setObjectName("explanation")
        card.body.addWidget(self.explanation)
        card.body.addWidget(
            styled_label(self.tr("For support: %1").replace("%1", problem.detail), "muted")
        )
        self.save_button = button(self.tr("Save my unsynced work to a file"))
        self.save_button.setObjectName("save_rescue")
        self.save_button.clicked.connect(self.save_rescue)
        self.start_button = button(
            self.tr("Keep this file aside and start again"), primary=True
        )
        self.start_button.setObjectName("start_again")
        self.start_button.clicked.connect(self.start_again)
        self.check_button = button(self.tr("Check again"), primary=True)
        self.check_button.setObjectName("check_again")
        self.check_button.clicked.connect(self.check_again.emit)
        self.quit_button = button(self.tr("Quit"))
        self.quit_button.setObjectName("quit")
        self.quit_button.clicked.connect(self.quit_app.emit)
        folder = problem.kind in {ProblemKind.FOLDER_IS_FILE, ProblemKind.FOLDER_NOT_WRITABLE}
        self.save_button.setVisible(problem.rescuable)
        self.start_button.setVisible(not folder)
        self.check_button.setVisible(folder)
        for widget in (self.save_button, self.start_button, self.check_button, self.quit_button):
            card.body.addWidget(widget)
        self.status = ErrorLabel()
        self.status.setObjectName("status")
        card.body.addWidget(self.status)
        # Centred by stretches, not by an alignment flag: an aligned item gets its size
        # hint, not the height its wrapped text needs.
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

    def _busy(self, busy: bool) -> None:
        for widget in (self.save_button, self.start_button, self.quit_button):
            widget.setEnabled(not busy)

    def save_rescue(self) -> None:
        target = self.rescue_dir / rescue_name()
        self._busy(True)
        self.status.show_message(self.tr("Saving…"), "muted")
        self.tasks.run(
            write_rescue,
            self.data_dir,
            target,
            on_done=lambda content: self._saved(target, content),
            on_error=self._failed,
            owner=self,
        )

    def _saved(self, target: Path, content: dict[str, Any]) -> None:
        self._busy(False)
        self.rescued = target
        changes = len(content["mutations"])
        lost = int(content["unreadable_entries"])
        message = (
            self.tr("Saved to %1 (changes not yet synced: %2). Send this file to support.")
            .replace("%1", str(target))
            .replace("%2", str(changes))
        )
        if lost:
            message += " " + self.tr("Changes that could not be read: %1.").replace(
                "%1", str(lost)
            )
        self.status.show_message(message, "muted")

    def _failed(self, error: BaseException) -> None:
        self._busy(False)
        log.error("Store recovery failed: %s", error)
        self.status.show_message(
            self.tr("That did not work: %1. Nothing was changed.").replace("%1", str(error))
        )

    def start_again(self) -> None:
        rescue_to = None
        if self.problem.rescuable and self.rescued is None:
            rescue_to = self.rescue_dir / rescue_name()  # nothing is lost by starting again
        self._busy(True)
        self.status.show_message(self.tr("Keeping the file aside…"), "muted")
        self.tasks.run(
            start_again,
            self.data_dir,
            self.problem,
            rescue_to,
            on_done=self._started,
            on_error=self._failed,
            owner=self,
        )

    def _started(self, answer: dict[str, Any]) -> None:
        self.kept: Path = answer["kept"]
        if answer["rescue"] is not None:
            self.rescued = answer["rescue"]
        log.info("Store kept aside as %s; starting with a fresh store", self.kept)
        self.fresh_start.emit()


class StoreProblemWindow(QMainWindow):
    """The window while the store cannot be used (in place of the main window)."""

    def __init__(
        self,
        data_dir: Path,
        problem: StoreProblem,
        task_manager: TaskManager | None = None,
        rescue_dir: Path | None = None,
    ) -> None:
        super().__init__()
        self.setWindowTitle(self.tr("fieldapp — service jobs"))
        self.page = StoreProblemPage(data_dir, problem, task_manager, rescue_dir)
        self.setCentralWidget(self.page)
        self.page.quit_app.connect(self.close)
        self.resize(1280, 800)
