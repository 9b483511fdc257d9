"""The supervisor's and the office's screens for ``python -m ui.screens``: the demo's
supervisor (王敏) and clerk (陈静) each enrolled on a device of their own after the
engineer's signed report reached HQ, their desks photographed page by page, with the
states a user meets (a report open, a ranking shown, a dialog), in Chinese and English.
File names start with ``supervisor-`` and ``office-``."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop, QTimer, SignalInstance
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from fieldapp.store import Store
from sync.demo import enroll_demo_device, local_hq
from ui.app import Launcher
from ui.common.context import AppContext
from ui.common.i18n import CHINESE, ENGLISH
from ui.mainwindow import MainWindow
from ui.supervisor.review_queue import QueueModel
from ui.sync_panel import run_sync

log = logging.getLogger(__name__)
SIZE = (1280, 800)
SUPERVISOR = "wang.min"
CLERK = "chen.jing"


def wait_for(signal: SignalInstance | None, ms: int = 5000) -> None:
    """Let the page's read in the back land (its ``loaded`` signal), then settle."""
    loop = QEventLoop()
    if signal is not None:
        signal.connect(loop.quit)
    QTimer.singleShot(ms, loop.quit)
    loop.exec()
    if signal is not None:
        with contextlib.suppress(RuntimeError, TypeError):
            signal.disconnect(loop.quit)
    settle()


def settle(ms: int = 200) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def shoot(widget: QWidget, path: Path) -> None:
    settle()
    widget.grab().save(str(path))
    log.info("wrote %s", path)


def shoot_dialog(
    dialog: QDialog, path: Path, prepare: Callable[[QDialog], None] | None = None
) -> None:
    dialog.show()
    if prepare is not None:
        prepare(dialog)
    shoot(dialog, path)
    dialog.reject()


def enroll_desks(
    url: str, work: Path, engineer: tuple[Store, Path]
) -> dict[str, tuple[Store, Path]]:
    """The engineer's signed work up to HQ, then the supervisor's and the clerk's devices
    enrolled and synced."""
    devices: dict[str, tuple[Store, Path]] = {}
    with local_hq(url) as base:
        store, folder = engineer
        enroll_demo_device(url, base, store, folder)  # HQ's new port
        run_sync(store, folder)
        for login in (SUPERVISOR, CLERK):
            folder = work / f"device-{login}"
            store = Store.open(folder)
            enroll_demo_device(url, base, store, folder, login)
            run_sync(store, folder)
            devices[login] = (store, folder)
    return devices


def _window(store: Store, folder: Path, language: str) -> MainWindow:
    ctx = AppContext(store=store, data_dir=folder, language=language)
    window = Launcher(ctx, None, auto_sync=False).open_window(language)
    window.resize(*SIZE)
    window.show()
    return window


def _page(window: MainWindow, key: str) -> Any:
    assert window.desk is not None
    page = window.desk.show_page(key)
    wait_for(getattr(page, "loaded", None))
    return page


def render_supervisor(store: Store, folder: Path, out: Path, language: str, tag: str) -> None:
    window = _window(store, folder, language)
    name = lambda n, what: out / f"supervisor-{tag}-{n:02d}-{what}.png"  # noqa: E731
    review = _page(window, "review")
    shoot(window, name(1, "review-queue"))
    rows = review.model.rowCount()
    if rows:
        first = review.model.index(0, 0).data(QueueModel.RowRole)
        review.open_report(first.signoff_id)
        wait_for(review.report.loaded)
        shoot(window, name(2, "review-report"))
        from ui.supervisor.report_review import ReturnDialog

        shoot_dialog(ReturnDialog(window), name(3, "review-return-dialog"))
        review.show_list()
        settle()
    from fieldapp.services import review as review_service
    from ui.supervisor.review_queue import BulkApproveDialog

    with window.ctx.store.reader() as session:
        user = window.ctx.user()
        selection = review_service.clean_reports(session, user, review.filters)
    shoot_dialog(BulkApproveDialog(selection, window), name(4, "review-bulk-dialog"))
    board = _page(window, "board")
    shoot(window, name(10, "board"))
    if board.board is not None and board.board.unassigned:
        board.show_candidates(board.board.unassigned[0].id)
        wait_for(board.candidates_shown)
        shoot(window, name(11, "board-candidates"))
    from ui.supervisor.new_job import NewJobDialog

    shoot_dialog(NewJobDialog(window.ctx, window), name(12, "new-job-dialog"))
    parts = _page(window, "parts")
    shoot(window, name(20, "parts-requests"))
    if parts.list.count():
        parts.list.setCurrentRow(0)
        shoot(window, name(21, "parts-request-open"))
    from ui.supervisor.parts_requests import ShipDialog

    shoot_dialog(ShipDialog(window), name(22, "parts-ship-dialog"))
    for n, key in enumerate(("follow_ups", "complaints", "reminders", "measures"), start=30):
        _page(window, key)
        shoot(window, name(n, key.replace("_", "-")))
    window.close()


def render_office(store: Store, folder: Path, out: Path, language: str, tag: str) -> None:
    window = _window(store, folder, language)
    name = lambda n, what: out / f"office-{tag}-{n:02d}-{what}.png"  # noqa: E731
    for n, key in enumerate(("follow_ups", "complaints", "reminders", "measures"), start=1):
        page = _page(window, key)
        shoot(window, name(n * 10, key.replace("_", "-")))
        rows = getattr(page, "rows", None)
        if rows is not None and rows.count():
            rows.setCurrentRow(0)
            settle(400)
            shoot(window, name(n * 10 + 1, key.replace("_", "-") + "-open"))
    window.close()


def render_desks(
    app: QApplication, url: str, work: Path, out: Path, engineer: tuple[Store, Path]
) -> None:
    devices = enroll_desks(url, work, engineer)
    for language, tag in ((CHINESE, "zh"), (ENGLISH, "en")):
        render_supervisor(*devices[SUPERVISOR], out, language, tag)
        render_office(*devices[CLERK], out, language, tag)
    for store, _folder in devices.values():
        store.close()
