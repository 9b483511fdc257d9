"""The dispatch board driven as a supervisor would: drag a job from the tray onto an
engineer, from one engineer onto another, back onto the tray; tap a job for the ranked
engineers and assign from there; a new job from a call, its flags and deadlines as it
is typed. Against a real HQ: a job created on the supervisor's device while HQ is down
and dragged onto 张伟 reaches his device after both sync; a job dragged away from 张伟
leaves his device only once the fault he recorded offline on it is at HQ."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from tests.ui_support import button_named, tap, type_text  # isort: skip

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QScrollPrepareEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QListWidget, QPlainTextEdit, QWidget
from pytestqt.qtbot import QtBot
from sqlmodel import select

from fieldapp.clock import utcnow
from fieldapp.models import Customer, Fault, Job, JobEvent, User
from fieldapp.models.enums import JobEventKind
from fieldapp.numbering import is_provisional
from fieldapp.services.jobs import transition
from fieldapp.services.work import save_fault
from fieldapp.store import Store
from sync.client import DEVICE_ID, USER_ID
from sync.hq.db import session_scope
from tests.factories import World
from tests.sync_support import HQ, DeviceUnderTest, enroll_device
from ui.common import theme
from ui.common.context import AppContext
from ui.common.i18n import INSTALLED
from ui.common.tasks import TaskManager
from ui.supervisor.board import NAME_W, BlockGrip, BoardPage, JobCanvas
from ui.supervisor.new_job import NewJobDialog

DEVICE = "5c1d2e3f-0a9b-4c8d-8e7f-6a5b4c3d2e1f"


def open_board(qtbot: QtBot, store: Store, data_dir: Path, language: str = "zh_CN") -> BoardPage:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    INSTALLED.install(language)
    theme.apply(app)
    ctx = AppContext(store=store, data_dir=data_dir, task_manager=TaskManager(), language=language)
    page = BoardPage(ctx)
    qtbot.addWidget(page)
    page.resize(1280 - 208, 800)  # beside the desk's rail
    page.show()
    qtbot.waitExposed(page)
    reload(qtbot, page)
    return page


def reload(qtbot: QtBot, page: BoardPage) -> None:
    with qtbot.waitSignal(page.loaded, timeout=5000):
        page.refresh()


def drag(qtbot: QtBot, source: QWidget, start: QPoint, target: QWidget, end: QPoint) -> None:
    """Press on a block, move with the button held in steps, release over the target."""
    qtbot.mousePress(source, Qt.MouseButton.LeftButton, pos=start)
    begin, finish = source.mapToGlobal(start), target.mapToGlobal(end)
    for step in range(1, 9):
        point = begin + (finish - begin) * step / 8
        qtbot.mouseMove(target, target.mapFromGlobal(point))
    qtbot.mouseRelease(target, Qt.MouseButton.LeftButton, pos=end)


def block_centre(canvas: JobCanvas, job_id: str) -> QPoint:
    rect = canvas.job_rect(job_id)  # type: ignore[attr-defined]
    assert rect is not None, f"job {job_id} is not on {canvas.objectName()}"
    return rect.center()


def row_point(page: BoardPage, engineer_id: str, day: int = 1) -> QPoint:
    top = page.view.row_top(engineer_id)
    assert top is not None
    return QPoint(NAME_W + day * page.view.day_width() + 20, top + 20)


def job_of(store: Store, job_id: str) -> Job:
    with store.reader() as session:
        job = session.get(Job, job_id)
        assert job is not None
        session.expunge(job)
        return job


@pytest.fixture
def desk(store: Store, world: World, tmp_path: Path) -> tuple[Store, World, str]:
    """The small world on a supervisor's device (王敏), with an unassigned job."""
    with store.action(track=False) as session:
        base = session.get(Job, world.job_id)
        assert base is not None
        base.on_site_due_at = utcnow() + timedelta(hours=1)
        loose = Job(
            number="FW-2026-000124",
            job_type="repair",
            customer_id=world.customer_id,
            machine_id=world.machine_id,
            team_id=base.team_id,
            reported_symptom="回转异响",
            received_at=utcnow(),
            on_site_due_at=utcnow() + timedelta(days=1),
        )
        session.add(loose)
        session.flush()
        loose_id = loose.id
    store.set_setting(USER_ID, world.supervisor_id)
    store.set_setting(DEVICE_ID, DEVICE)
    return store, world, loose_id


def test_drag_assigns_reassigns_and_takes_back(
    qtbot: QtBot, desk: tuple[Store, World, str], tmp_path: Path
) -> None:
    store, world, loose_id = desk
    page = open_board(qtbot, store, tmp_path)
    assert [r.name for r in page.board.rows] == ["张伟", "李强"]  # type: ignore[union-attr]
    assert [j.id for j in page.tray.jobs] == [loose_id]
    # From the tray onto 李强.
    with qtbot.waitSignal(page.loaded, timeout=5000):
        drag(
            qtbot,
            page.tray,
            block_centre(page.tray, loose_id),
            page.view,
            row_point(page, world.other_engineer_id),
        )
    job = job_of(store, loose_id)
    assert job.assignee_id == world.other_engineer_id and job.status == "assigned"
    assert page.tray.jobs == ()
    assert block_centre(page.view, loose_id).y() > page.view.row_top(world.other_engineer_id)  # type: ignore[operator]
    # From 李强 onto 张伟.
    with qtbot.waitSignal(page.loaded, timeout=5000):
        drag(
            qtbot,
            page.view,
            block_centre(page.view, loose_id),
            page.view,
            row_point(page, world.engineer_id, day=3),
        )
    assert job_of(store, loose_id).assignee_id == world.engineer_id
    with store.reader() as session:
        events = session.exec(
            select(JobEvent).where(JobEvent.job_id == loose_id, JobEvent.kind == "assigned")
        ).all()
        assert sorted(json.loads(e.data)["assignee_id"] for e in events) == sorted(
            [world.other_engineer_id, world.engineer_id]
        )
        assert all(e.device_id == DEVICE for e in events)
    # Back onto the tray: unassigned again.
    with qtbot.waitSignal(page.loaded, timeout=5000):
        drag(
            qtbot,
            page.view,
            block_centre(page.view, loose_id),
            page.tray,
            QPoint(40, page.tray.height() // 2),
        )
    job = job_of(store, loose_id)
    assert job.assignee_id is None and job.status == "new"
    # A drop on nothing (the name column header area) changes nothing.
    before = job_of(store, world.job_id).assignee_id
    drag(qtbot, page.view, block_centre(page.view, world.job_id), page.header, QPoint(20, 10))
    assert job_of(store, world.job_id).assignee_id == before


def test_a_tap_shows_the_ranking_and_assign_places_the_job(
    qtbot: QtBot, desk: tuple[Store, World, str], tmp_path: Path
) -> None:
    store, world, loose_id = desk
    page = open_board(qtbot, store, tmp_path)
    start = block_centre(page.tray, loose_id)
    with qtbot.waitSignal(page.candidates_shown, timeout=5000):
        qtbot.mouseClick(page.tray, Qt.MouseButton.LeftButton, pos=start)
    panel = page.candidates
    assert panel.isVisible() and "FW-2026-000124" in panel.heading.text()
    zhang = panel.findChild(QWidget, f"candidate_{world.engineer_id}")
    assert zhang is not None
    texts = " ".join(w.text() for w in zhang.findChildren(type(panel.heading)))
    # The reasons are written out (in the page's words): his load, his home region.
    assert "1" in texts and "+20" in texts
    with qtbot.waitSignal(page.loaded, timeout=5000):
        tap(qtbot, button_named(panel, f"assign_{world.other_engineer_id}"))
    assert job_of(store, loose_id).assignee_id == world.other_engineer_id
    # The ranking follows: 李强 now holds it, his button is off.
    qtbot.waitUntil(
        lambda: not button_named(panel, f"assign_{world.other_engineer_id}").isEnabled()
    )
    with qtbot.waitSignal(page.loaded, timeout=5000):
        tap(qtbot, button_named(panel, "unassign"))
    assert job_of(store, loose_id).assignee_id is None


def test_a_finger_drags_a_block_and_scrolls_elsewhere(
    qtbot: QtBot, desk: tuple[Store, World, str], tmp_path: Path
) -> None:
    """Qt makes mouse events of a finger once the scroller lets the block have it: a
    finger put down on a block keeps the page from scrolling, anywhere else it scrolls."""
    store, world, loose_id = desk
    page = open_board(qtbot, store, tmp_path)
    for canvas, area, point, nothing in (
        (page.tray, page.tray_area, block_centre(page.tray, loose_id), QPoint(20, 200)),
        (page.view, page.area, block_centre(page.view, world.job_id), QPoint(NAME_W - 10, 5)),
    ):
        assert canvas.job_at(nothing) is None
        viewport = area.viewport()
        grip = canvas.findChild(BlockGrip)
        assert grip is not None
        on_block = QScrollPrepareEvent(QPointF(canvas.mapTo(viewport, point)))
        on_block.accept()
        assert grip.eventFilter(viewport, on_block) and not on_block.isAccepted()
        empty = QScrollPrepareEvent(QPointF(canvas.mapTo(viewport, nothing)))
        empty.accept()
        assert not grip.eventFilter(viewport, empty) and empty.isAccepted()
        # And the page's own event path (the style's guard, then the grip) agrees.
        sent = QScrollPrepareEvent(QPointF(canvas.mapTo(viewport, point)))
        sent.accept()
        QApplication.sendEvent(viewport, sent)
        assert not sent.isAccepted()


def test_a_new_job_from_a_call_with_flags_and_deadlines(
    qtbot: QtBot, desk: tuple[Store, World, str], tmp_path: Path
) -> None:
    store, world, _ = desk
    page = open_board(qtbot, store, tmp_path, language="en")
    tap(qtbot, button_named(page, "new_job"))
    dialog = page.findChild(NewJobDialog)
    assert dialog is not None
    qtbot.waitExposed(dialog)
    search = dialog.findChild(QLineEdit, "customer_search")
    type_text(qtbot, search, "13905")
    results = dialog.findChild(QListWidget, "customer_results")
    qtbot.waitUntil(lambda: results.count() == 1)
    item = results.item(0)
    qtbot.mouseClick(
        results.viewport(), Qt.MouseButton.LeftButton, pos=results.visualItemRect(item).center()
    )
    assert dialog.customer is not None and dialog.customer.id == world.customer_id
    # Flags as typed: no symptom yet, then one too short, then a good one.
    flag = dialog.flags["symptom"]
    assert flag.isVisible() and "missing" in flag.text()
    symptom = dialog.findChild(QPlainTextEdit, "symptom")
    type_text(qtbot, symptom, "响")
    assert "too short" in flag.text()
    type_text(qtbot, symptom, "回转时有异响，越来越大")
    assert not flag.isVisible()
    assert dialog.flags["request"].isVisible()
    type_text(qtbot, dialog.findChild(QLineEdit, "request"), "明天上午")
    assert not dialog.flags["request"].isVisible()
    # Urgent in the home region: on site within two hours of the call.
    before = dialog.deadlines.text()
    dialog.urgency.setCurrentIndex(dialog.urgency.findData("urgent"))
    assert dialog.deadlines.text() != before
    due = (dialog.received_at + timedelta(hours=2)).astimezone().strftime("%H:%M")
    assert due in dialog.deadlines.text()
    with qtbot.waitSignal(page.candidates_shown, timeout=5000):
        tap(qtbot, button_named(dialog, "save_job"))
    with store.reader() as session:
        job = session.exec(
            select(Job).where(Job.reported_symptom == "响回转时有异响，越来越大")
        ).one()
        assert job.urgency == "urgent" and job.status == "new"
        assert job.on_site_due_at is not None
        assert job.customer_request == "明天上午" and job.machine_id == world.machine_id
    # The board offers the engineers for the new job at once.
    assert job.number in page.candidates.heading.text()
    assert button_named(page.candidates, f"assign_{world.engineer_id}").isEnabled()


def test_a_new_customer_needs_a_name(
    qtbot: QtBot, desk: tuple[Store, World, str], tmp_path: Path
) -> None:
    store, world, _ = desk
    page = open_board(qtbot, store, tmp_path)
    tap(qtbot, button_named(page, "new_job"))
    dialog = page.findChild(NewJobDialog)
    assert dialog is not None
    dialog.new_customer.setChecked(True)
    tap(qtbot, button_named(dialog, "save_job"))
    assert dialog.error.isVisible() and dialog.isVisible()
    type_text(qtbot, dialog.customer_name, "巢湖砂石厂")
    type_text(qtbot, dialog.customer_phone, "13812345678")
    # A new customer's machine is new too: its serial is asked for.
    assert dialog.machine.currentData() == "__new__" and dialog.machine_form.isVisible()
    tap(qtbot, button_named(dialog, "save_job"))
    assert dialog.isVisible() and dialog.error.isVisible()
    with store.reader() as session:  # nothing half-written: the action rolled back
        assert session.exec(select(Customer).where(Customer.name == "巢湖砂石厂")).first() is None
    type_text(qtbot, dialog.serial, "ZY2102026B0009")
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        tap(qtbot, button_named(dialog, "save_job"))
    with store.reader() as session:
        customer = session.exec(select(Customer).where(Customer.name == "巢湖砂石厂")).one()
        assert customer.region_id == world.region_id  # the team's region by default
        job = session.exec(select(Job).where(Job.customer_id == customer.id)).one()
        assert job.reported_serial == "ZY2102026B0009" and job.contact_phone == "13812345678"


# --- against a real HQ -------------------------------------------------------------------------


def devices(hq: HQ, tmp_path: Path) -> tuple[DeviceUnderTest, DeviceUnderTest]:
    supervisor = enroll_device(hq, "wang.min", tmp_path / "wang")
    engineer = enroll_device(hq, "zhang.wei", tmp_path / "zhang")
    for device in (supervisor, engineer):
        synced(device)
    return supervisor, engineer


def synced(device: DeviceUnderTest) -> None:
    """One sync that went through, with nothing refused."""
    report = device.sync()
    assert report.rejected == 0, report


def test_a_job_made_offline_on_the_board_reaches_the_engineer(
    qtbot: QtBot, hq: tuple[HQ, World], tmp_path: Path
) -> None:
    server, world = hq
    supervisor, engineer = devices(server, tmp_path)
    server.stop()  # no network at the supervisor's desk
    page = open_board(qtbot, supervisor.store, supervisor.data_dir)
    tap(qtbot, button_named(page, "new_job"))
    dialog = page.findChild(NewJobDialog)
    assert dialog is not None
    type_text(qtbot, dialog.findChild(QLineEdit, "customer_search"), "C001")
    results = dialog.results
    qtbot.waitUntil(lambda: results.count() == 1)
    qtbot.mouseClick(
        results.viewport(),
        Qt.MouseButton.LeftButton,
        pos=results.visualItemRect(results.item(0)).center(),
    )
    type_text(qtbot, dialog.symptom, "行走跑偏，左侧无力")
    type_text(qtbot, dialog.findChild(QLineEdit, "request"), "周四前修好")
    with qtbot.waitSignal(dialog.saved, timeout=5000) as saved:
        tap(qtbot, button_named(dialog, "save_job"))
    job_id = saved.args[0]
    qtbot.waitUntil(lambda: any(j.id == job_id for j in page.tray.jobs), timeout=5000)
    with qtbot.waitSignal(page.loaded, timeout=5000):
        drag(
            qtbot,
            page.tray,
            block_centre(page.tray, job_id),
            page.view,
            row_point(page, world.engineer_id, day=2),
        )
    local = job_of(supervisor.store, job_id)
    assert local.assignee_id == world.engineer_id and local.version == 0
    server.start()
    synced(supervisor)
    synced(engineer)
    with session_scope(server.db()) as session:
        at_hq = session.get(Job, job_id)
        assert at_hq is not None and at_hq.assignee_id == world.engineer_id
        number = at_hq.number
        assert not is_provisional(number)
        assigned = session.exec(
            select(JobEvent).where(JobEvent.job_id == job_id, JobEvent.kind == "assigned")
        ).one()
        assert json.loads(assigned.data) == {"assignee_id": world.engineer_id}
    mine = job_of(engineer.store, job_id)
    assert mine.assignee_id == world.engineer_id and mine.number == number
    assert mine.reported_symptom == "行走跑偏，左侧无力"
    synced(supervisor)
    assert job_of(supervisor.store, job_id).number == number


def test_a_job_dragged_away_leaves_the_engineer_after_his_work_is_up(
    qtbot: QtBot, hq: tuple[HQ, World], tmp_path: Path
) -> None:
    server, world = hq
    supervisor, engineer = devices(server, tmp_path)
    # 张伟 offline at the site: on his way, there, a fault recorded, nothing synced.
    with engineer.store.action() as session:
        job = session.get(Job, world.job_id)
        me = session.get(User, world.engineer_id)
        assert job is not None and me is not None
        for action in (JobEventKind.ACCEPTED, JobEventKind.DEPARTED, JobEventKind.ARRIVED):
            transition(session, job, action, me)
        fault = save_fault(
            session, job, {"assembly": "hydraulic_pump", "symptom": "主泵压力低", "cause": "磨损"}
        )
        fault_id = fault.id
    # The supervisor sees him still "assigned" and drags the job to 李强.
    page = open_board(qtbot, supervisor.store, supervisor.data_dir)
    with qtbot.waitSignal(page.loaded, timeout=5000):
        drag(
            qtbot,
            page.view,
            block_centre(page.view, world.job_id),
            page.view,
            row_point(page, world.other_engineer_id),
        )
    assert job_of(supervisor.store, world.job_id).assignee_id == world.other_engineer_id
    synced(supervisor)
    with engineer.store.reader() as session:
        assert session.get(Job, world.job_id) is not None  # not before his sync
    synced(engineer)
    with session_scope(server.db()) as session:
        kept = session.get(Fault, fault_id)
        assert kept is not None and kept.symptom == "主泵压力低"  # his work is at HQ
        at_hq = session.get(Job, world.job_id)
        assert at_hq is not None
        assert at_hq.assignee_id == world.other_engineer_id and at_hq.needs_attention
    with engineer.store.reader() as session:
        assert session.get(Job, world.job_id) is None  # and the job left his device
        assert session.get(Fault, fault_id) is None
