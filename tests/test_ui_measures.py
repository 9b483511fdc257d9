"""The measures page driven like a supervisor: the month counted, a figure tapped down
to its jobs, the month closed, a call recorded afterwards, and the change shown."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from fieldapp.models import FollowUp
from fieldapp.store import Store
from sync.client import USER_ID
from tests import ui_support
from tests.test_measures import AS_OF, EXPECTED_TEAM, EXPECTED_ZHANG, MONTH, cst, seeded_store
from tests.ui_support import tap
from ui.common import theme
from ui.common.context import AppContext
from ui.common.i18n import INSTALLED
from ui.common.tasks import TaskManager
from ui.office.measures import MeasuresPage
from ui.office.measures_export import FIGURES, words_for


def open_page(
    qtbot: QtBot, store: Store, tmp_path: Path, user_id: str, language: str = "zh_CN"
) -> MeasuresPage:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    INSTALLED.install(language)
    theme.apply(app)
    store.set_setting(USER_ID, user_id)
    ctx = AppContext(store=store, data_dir=tmp_path, task_manager=TaskManager(), language=language)
    ctx.now = lambda: AS_OF  # type: ignore[method-assign]
    page = MeasuresPage(ctx)
    qtbot.addWidget(page)
    page.resize(1072, 800)
    page.show()
    qtbot.waitExposed(page)
    with qtbot.waitSignal(page.counted, timeout=10_000):
        page.set_month(MONTH)
    return page


def cell_of(page: MeasuresPage, name: str, key: str) -> str:
    table = page.engineers
    head = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    column = head.index(page.words.figure(key))
    for row in range(table.rowCount()):
        if table.item(row, 0).text() == name:
            return table.item(row, column).text()
    raise AssertionError(f"no row {name}")


def test_a_month_closed_then_changed_shows_the_difference(
    qtbot: QtBot, store: Store, tmp_path: Path
) -> None:
    world, month, _ = seeded_store(store)
    page = open_page(qtbot, store, tmp_path, world.supervisor_id)
    assert {k: cell_of(page, "张伟", k) for k in EXPECTED_ZHANG} == EXPECTED_ZHANG
    team_row = page.engineers.item(page.engineers.rowCount() - 1, 0).text()
    assert {k: cell_of(page, team_row, k) for k in EXPECTED_TEAM} == EXPECTED_TEAM
    # A tap on zhang's on-site figure lists its jobs, X left out with the reason.
    head = [
        page.engineers.horizontalHeaderItem(c).text() for c in range(page.engineers.columnCount())
    ]
    row = next(
        r for r in range(page.engineers.rowCount()) if page.engineers.item(r, 0).text() == "张伟"
    )
    column = head.index(page.words.figure("on_site_on_time"))
    rect = page.engineers.visualItemRect(page.engineers.item(row, column))
    qtbot.mouseClick(
        page.engineers.viewport(), ui_support.Qt.MouseButton.LeftButton, pos=rect.center()
    )
    assert page.drill.rowCount() == 8  # 7 counted + X left out
    reasons = [page.drill.item(r, 2).text() for r in range(page.drill.rowCount())]
    assert page.words.reason("no_arrival_time") in reasons
    opened: list[str] = []
    page.open_job.connect(opened.append)
    rect = page.drill.visualItemRect(page.drill.item(0, 0))
    qtbot.mouseClick(page.drill.viewport(), ui_support.Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened and opened[0] in month.jobs.values()
    # The supervisor closes the month: nothing differs yet.
    assert page.close_button.isVisible()
    with qtbot.waitSignal(page.counted, timeout=10_000):
        tap(qtbot, page.close_button)
    assert page.result is not None and page.result.close is not None
    assert page.result.differences == []
    assert page.changes.rowCount() == 0
    # A 不满意 call on R1 recorded after the close: the page shows what changed.
    with store.action() as session:
        session.add(
            FollowUp(
                job_id=month.jobs["R1"],
                engineer_id=world.engineer_id,
                called_at=cst(11, 24),
                satisfaction="dissatisfied",
            )
        )
    with qtbot.waitSignal(page.counted, timeout=10_000):
        page.refresh()
    assert cell_of(page, "张伟", "score") == "0"
    changes = {
        (page.changes.item(r, 0).text(), page.changes.item(r, 1).text()): (
            page.changes.item(r, 2).text(),
            page.changes.item(r, 3).text(),
        )
        for r in range(page.changes.rowCount())
    }
    assert changes[("zhang.wei", page.words.figure("score"))] == ("20", "0")
    assert page.tabs.tabText(page.tabs.indexOf(page.changes)).endswith(f"({len(changes)})")
    assert page.status.property("role") == "warning"
    page.tabs.setCurrentWidget(page.changes)
    page.grab().save(str(tmp_path / "office-measures-changes.png"))


def test_an_engineer_cannot_close_and_the_clerk_sees_every_team(
    qtbot: QtBot, store: Store, tmp_path: Path
) -> None:
    world, _, _ = seeded_store(store)
    page = open_page(qtbot, store, tmp_path, world.engineer_id, language="en")
    assert not page.close_button.isVisible()
    assert page.team_id() is None
    assert words_for("en").figure("score") == FIGURES["score"]
    # The charts and the Pareto are drawn (a tap on a bar drills down).
    page.tabs.setCurrentIndex(2)
    qtbot.wait(50)
    assert page.pareto.boxes
    box = page.pareto.boxes[0]
    qtbot.mouseClick(page.pareto, ui_support.Qt.MouseButton.LeftButton, pos=box.center().toPoint())
    assert page.drill.rowCount() == 1
