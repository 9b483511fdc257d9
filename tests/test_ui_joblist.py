"""The job list as the engineer uses it, on the real window: the chip stops counting at
the arrival, the upcoming tab says when, no card is cut off, the card's buttons do the
next step (and "I will be late"), the day view, and pages read in the back."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from tests.ui_support import open_window  # isort: skip

from PySide6.QtCore import QCoreApplication, QPoint, Qt, QTimer
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QApplication
from sqlmodel import select

import ui.engineer.joblist
from fieldapp.models import Customer, Job, JobEvent
from fieldapp.store import Store
from sync.client import SERVER, USER_ID
from tests.factories import World, make_world
from ui.common.tasks import TaskManager
from ui.engineer.job_overview import RescheduleDialog
from ui.engineer.joblist import (
    CHIP_WIDTH,
    PAGE,
    JobListModel,
    JobListPage,
    balanced_lines,
    card_layout,
    tab_filter,
)
from ui.mainwindow import MainWindow


def local(day_offset: int, hour: int, minute: int = 0) -> datetime:
    """A local wall-clock time ``day_offset`` days from today, as stored (UTC)."""
    day = datetime.now().date() + timedelta(days=day_offset)
    return datetime.combine(day, time(hour, minute)).astimezone().astimezone(UTC)


@pytest.fixture
def world(store: Store) -> World:
    with store.action(track=False) as session:
        built = make_world(session)
    store.set_setting(SERVER, "http://127.0.0.1:9")
    store.set_setting(USER_ID, built.engineer_id)
    return built


def add_job(store: Store, world: World, number: str, **fields: Any) -> str:
    values: dict[str, Any] = {
        "job_type": "repair",
        "customer_id": world.customer_id,
        "machine_id": world.machine_id,
        "assignee_id": world.engineer_id,
        "status": "accepted",
        "received_at": datetime.now(UTC) - timedelta(hours=3),
        "reported_symptom": "动臂提升无力",
        "address": "安徽省合肥市蜀山区长江西路688号",
    }
    values.update(fields)
    with store.action(track=False) as session:
        job = Job(number=number, **values)
        session.add(job)
        session.flush()
        return job.id


def job_list(window: MainWindow) -> JobListPage:
    assert window.job_list is not None
    return window.job_list


def wait_rows(qtbot: QtBot, page: JobListPage, count: int) -> None:
    qtbot.waitUntil(lambda: len(page.model.rows) == count and not page.model.loading)


def chip_of(page: JobListPage, number: str) -> str:
    row = next(r for r in page.model.rows if r.number == number)
    return page.delegate.chip(row, page.clock())[0]


def test_after_arrival_the_chip_says_how_late_and_stops_counting(
    qtbot: QtBot, store: Store, world: World, tmp_path: Path
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    due = now - timedelta(hours=6)
    add_job(store, world, "FW-T-1", status="on_site", on_site_due_at=due,
            arrived_at=due + timedelta(hours=7, minutes=10))  # fmt: skip
    add_job(store, world, "FW-T-2", status="on_site", on_site_due_at=due,
            arrived_at=due - timedelta(minutes=20))  # fmt: skip
    add_job(store, world, "FW-T-3", status="en_route", on_site_due_at=due)
    window = open_window(qtbot, store, tmp_path, language="en")
    page = job_list(window)
    page.clock = lambda: now
    page.refresh()
    wait_rows(qtbot, page, 4)  # and the world's job without a deadline
    assert chip_of(page, "FW-T-1") == "arrived 7 h 10 min late"
    assert chip_of(page, "FW-T-2") == "arrived on time"
    assert chip_of(page, "FW-T-3") == "6 h late"
    page.clock = lambda: now + timedelta(hours=5)  # the day goes on
    assert chip_of(page, "FW-T-1") == "arrived 7 h 10 min late"  # stopped at the arrival
    assert chip_of(page, "FW-T-2") == "arrived on time"
    assert chip_of(page, "FW-T-3") == "11 h late"  # still on the way: it counts


def test_a_late_chip_fits_on_two_balanced_lines_never_splitting_a_word(
    qtbot: QtBot, store: Store, world: World, tmp_path: Path
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    add_job(store, world, "FW-T-4", on_site_due_at=now - timedelta(hours=7, minutes=10))
    window = open_window(qtbot, store, tmp_path, language="en")
    page = job_list(window)
    page.clock = lambda: now
    wait_rows(qtbot, page, 2)
    text = chip_of(page, "FW-T-4")
    assert text == "7 h 10 min late"
    font = QFont(page.view.font())
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.1)
    lines = balanced_lines(text, QFontMetrics(font), CHIP_WIDTH - 16)
    assert lines is not None and len(lines) <= 2
    assert " ".join(lines).split() == text.split()  # only whole words on each line
    long = "arrived 12 h 59 min late"
    lines = balanced_lines(long, QFontMetrics(font), CHIP_WIDTH - 16)
    assert lines is not None and len(lines) == 2 and " ".join(lines) == long
    widths = [QFontMetrics(font).horizontalAdvance(line) for line in lines]
    assert abs(widths[0] - widths[1]) < max(widths) * 0.6  # balanced, not one word alone
    # Chinese has no spaces: broken where the words meet the numbers, never in 分钟.
    chinese = balanced_lines("到场迟到12小时59分钟", QFontMetrics(font), CHIP_WIDTH - 16)
    assert chinese == ["到场迟到", "12小时59分钟"]


def test_upcoming_cards_show_the_day_and_time(
    qtbot: QtBot, store: Store, world: World, tmp_path: Path
) -> None:
    tomorrow = local(1, 9, 30)
    in_three = local(3, 14, 0)
    in_ten = local(10, 8, 15)
    add_job(store, world, "FW-U-1", on_site_due_at=tomorrow, appointment_at=tomorrow)
    add_job(store, world, "FW-U-2", on_site_due_at=in_three + timedelta(hours=2),
            appointment_at=in_three)  # fmt: skip
    add_job(store, world, "FW-U-3", on_site_due_at=in_ten)
    window = open_window(qtbot, store, tmp_path, language="en")
    page = job_list(window)
    page.select_tab("upcoming")
    wait_rows(qtbot, page, 3)
    weekday = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[in_three.astimezone().weekday()]
    assert chip_of(page, "FW-U-1") == "Tomorrow 09:30"
    assert chip_of(page, "FW-U-2") == f"{weekday} 14:00"
    assert chip_of(page, "FW-U-3") == in_ten.astimezone().strftime("%m-%d %H:%M")
    row = next(r for r in page.model.rows if r.number == "FW-U-2")
    where = page.delegate._where(row)
    assert where.startswith(f"Agreed {weekday} 14:00") and "长江西路688号" in where
    assert row.next_step == "departed"


@pytest.mark.parametrize("size", [(1280, 800), (800, 1280)])
def test_the_done_tab_has_no_horizontal_scroll_bar(
    qtbot: QtBot, store: Store, world: World, tmp_path: Path, size: tuple[int, int]
) -> None:
    with store.action(track=False) as session:
        customer = session.get(Customer, world.customer_id)
        assert customer is not None
        customer.name = "安徽省合肥市蜀山区长江西路工程机械设备租赁与土石方施工有限责任公司" * 2
    for n in range(8):
        add_job(store, world, f"FW-D-{n}", status="closed",
                on_site_due_at=local(-n - 1, 10),
                reported_symptom="动臂提升无力，液压油温高，仪表液压油温报警，" * 6)  # fmt: skip
    window = open_window(qtbot, store, tmp_path, language="en")
    window.setMinimumSize(0, 0)  # the list itself at 800 px wide, a tablet held upright
    window.resize(*size)
    qtbot.waitUntil(lambda: window.width() == size[0])
    page = job_list(window)
    page.select_tab("done")
    wait_rows(qtbot, page, 8)
    qtbot.wait(50)
    view = page.view
    assert view.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    assert view.horizontalScrollBar().maximum() == 0
    for n in range(page.model.rowCount()):
        rect = view.visualRect(page.model.index(n))
        assert rect.left() >= 0 and rect.right() <= view.viewport().width()


def step_point(page: JobListPage, number: str, target: str) -> QPoint:
    n = next(i for i, r in enumerate(page.model.rows) if r.number == number)
    parts = card_layout(page.view.visualRect(page.model.index(n)), page.model.rows[n])
    rect = parts.step if target == "step" else parts.late
    assert rect is not None and rect.height() >= 48 and rect.width() >= 48
    return rect.center()


def test_the_cards_button_accepts_the_job_without_opening_it(
    qtbot: QtBot, store: Store, world: World, tmp_path: Path
) -> None:
    with store.action(track=False) as session:
        job = session.get(Job, world.job_id)
        assert job is not None
        job.on_site_due_at = datetime.now(UTC) + timedelta(hours=1)
    window = open_window(qtbot, store, tmp_path, language="en")
    page = job_list(window)
    wait_rows(qtbot, page, 1)
    assert page.model.rows[0].next_step == "accepted"
    qtbot.mouseClick(
        page.view.viewport(),
        Qt.MouseButton.LeftButton,
        pos=step_point(page, "FW-2026-000123", "step"),
    )
    assert window.stack.currentWidget() is page  # the job did not open
    with store.reader() as session:
        saved = session.get(Job, world.job_id)
        assert saved is not None and saved.status == "accepted"
        kinds = [
            e.kind for e in session.exec(select(JobEvent).where(JobEvent.job_id == world.job_id))
        ]
    assert kinds == ["accepted"]
    assert store.pending_changes().get("job") == 1 and store.pending_changes().get("jobevent") == 1
    # The card now offers the next step in the same place.
    qtbot.waitUntil(lambda: page.model.rows and page.model.rows[0].status == "accepted")
    assert page.model.rows[0].next_step == "departed"
    assert "saved" in page.message.text()


def test_i_will_be_late_on_the_card_records_a_new_time(
    qtbot: QtBot, store: Store, world: World, tmp_path: Path
) -> None:
    add_job(store, world, "FW-L-1", on_site_due_at=datetime.now(UTC) + timedelta(hours=1))
    window = open_window(qtbot, store, tmp_path, language="en")
    page = job_list(window)
    wait_rows(qtbot, page, 2)
    new_time = (datetime.now() + timedelta(hours=5)).replace(second=0, microsecond=0)
    seen: list[RescheduleDialog] = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, RescheduleDialog)
        seen.append(dialog)
        from PySide6.QtCore import QDateTime

        dialog.when.setDateTime(QDateTime(new_time))
        dialog.reason.setPlainText("客户要求下午到场")
        dialog._check()

    QTimer.singleShot(100, answer)
    qtbot.mouseClick(
        page.view.viewport(), Qt.MouseButton.LeftButton, pos=step_point(page, "FW-L-1", "late")
    )
    assert seen, "the dialog did not open"
    assert window.stack.currentWidget() is page
    with store.reader() as session:
        job = session.exec(select(Job).where(Job.number == "FW-L-1")).one()
        assert job.appointment_at is not None
        assert job.appointment_at.astimezone() == new_time.astimezone()
        events = list(session.exec(select(JobEvent).where(JobEvent.job_id == job.id)))
    assert [(e.kind, e.note) for e in events] == [("rescheduled", "客户要求下午到场")]


def test_the_day_view_lists_todays_jobs_in_time_order_and_a_tap_opens_one(
    qtbot: QtBot, store: Store, world: World, tmp_path: Path
) -> None:
    ids = {
        "FW-9": add_job(
            store, world, "FW-9", appointment_at=local(0, 9), on_site_due_at=local(0, 11)
        ),
        "FW-13": add_job(
            store, world, "FW-13", appointment_at=local(0, 13), on_site_due_at=local(0, 14)
        ),
        "FW-11": add_job(store, world, "FW-11", on_site_due_at=local(0, 11)),
    }
    add_job(store, world, "FW-TOMORROW", on_site_due_at=local(1, 10))
    add_job(store, world, "FW-OVERDUE", on_site_due_at=local(-1, 10))  # in the list only
    with store.action(track=False) as session:
        session.delete(session.get(Job, world.job_id))
    window = open_window(qtbot, store, tmp_path, language="zh_CN")
    page = job_list(window)
    wait_rows(qtbot, page, 4)
    page.show_day()
    assert page.showing_day()
    qtbot.waitUntil(lambda: len(page.day_model.rows) == 3)
    assert [r.number for r in page.day_model.rows] == ["FW-9", "FW-11", "FW-13"]
    # The overdue job of yesterday is not on today's timeline: the note says where it is.
    qtbot.waitUntil(lambda: page.day_note.isVisible())
    assert "1" in page.day_note.text()
    tops = {row.number: rect.top() for rect, row in page.day_view.blocks}
    assert tops["FW-9"] < tops["FW-11"] < tops["FW-13"]
    for rect, _row in page.day_view.blocks:
        assert rect.height() >= 48 and rect.width() >= 48
    rect = next(r for r, row in page.day_view.blocks if row.number == "FW-11")
    page.day_scroll.ensureVisible(rect.center().x(), rect.center().y())
    qtbot.mouseClick(page.day_view, Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.job_page is not None and window.stack.currentWidget() is window.job_page
    assert window.job_page.job_id == ids["FW-11"]


def test_pages_are_read_in_the_back_and_stale_ones_dropped(
    qtbot: QtBot,
    qtmodeltester: Any,
    store: Store,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for n in range(2 * PAGE + 7):
        add_job(store, world, f"FW-P-{n:04d}", on_site_due_at=local(0, 0) + timedelta(minutes=n))
    threads: list[str] = []
    original = ui.engineer.joblist.job_page

    def watched(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.current_thread().name)
        return original(*args, **kwargs)

    monkeypatch.setattr(ui.engineer.joblist, "job_page", watched)
    tasks = TaskManager()
    model = JobListModel(store, tasks)
    qtmodeltester.check(model, force_py=True)  # valid through every change from here
    model.set_filter(tab_filter("upcoming", world.engineer_id, datetime.now()))  # nothing
    model.set_filter(tab_filter("today", world.engineer_id, datetime.now()))
    # Nothing read yet on this thread: a loading row stands in.
    assert model.rows == [] and model.rowCount() == 1 and model.loading
    assert model.index(0).data() == QCoreApplication.translate("JobListPage", "Loading…")
    qtbot.waitUntil(lambda: len(model.rows) == PAGE and not model.loading)
    assert model.rowCount() == PAGE
    model.fetchMore(model.index(-1))
    assert model.rowCount() == PAGE + 1
    assert model.index(PAGE).data(ui.engineer.joblist.JobRole) is None
    qtbot.waitUntil(lambda: len(model.rows) == 2 * PAGE and not model.loading)
    model.fetchMore(model.index(-1))
    qtbot.waitUntil(lambda: not model.loading)
    numbers = [r.number for r in model.rows]
    assert len(model.rows) == 2 * PAGE + 8  # the world's own job is due today too
    assert len(set(numbers)) == len(numbers) and not model.canFetchMore(model.index(-1))
    assert threads and threading.main_thread().name not in threads
    tasks.wait(5000)


def test_an_empty_tab_says_so_in_place_of_the_list(
    qtbot: QtBot, store: Store, world: World, tmp_path: Path
) -> None:
    window = open_window(qtbot, store, tmp_path, language="en")
    page = job_list(window)
    wait_rows(qtbot, page, 1)
    assert page.stack.currentWidget() is page.view
    page.select_tab("returned")
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.empty)
    assert page.empty.text() == "No jobs here." and not page.view.isVisible()
    page.select_tab("today")
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.view)
    page.search.setText("nothing like this")
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.empty, timeout=3000)
    assert page.empty.text() == "No job matches the search."
