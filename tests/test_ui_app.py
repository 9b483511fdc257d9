"""The window's parts against a real store and a real HQ: the lazily paged job list
(checked by Qt's model tester), enrollment by QR picture and by IT's file, the sync
indicator offline and back, the language switch, and the ``fieldapp`` command."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import qrcode
from pytestqt.qtbot import QtBot

from tests.ui_support import open_window, tap  # isort: skip

from PySide6.QtWidgets import QApplication

from fieldapp.models import Job
from fieldapp.queries import JobFilter
from fieldapp.store import Store
from sync.client import SERVER, USER_ID
from sync.hq.cli import enrollment_payload
from sync.preconfig import Preconfig
from tests.conftest import seed_world
from tests.factories import NOW, World, make_world
from tests.sync_support import HQ, serving_hq
from ui.app import Launcher, main
from ui.common.context import AppContext
from ui.common.tasks import TaskManager
from ui.engineer.joblist import PAGE, JobListModel, tab_filter
from ui.enroll import EnrollPage


@pytest.fixture
def hq_sqlite(tmp_path: Path) -> Iterator[tuple[HQ, World]]:
    with serving_hq("sqlite", tmp_path, seed_world) as served:
        yield served


def many_jobs(store: Store, world: World, count: int) -> None:
    with store.action(track=False) as session:
        for n in range(count):
            session.add(
                Job(
                    number=f"FW-2026-{n + 10_000:06d}",
                    job_type="repair",
                    customer_id=world.customer_id,
                    assignee_id=world.engineer_id,
                    status="accepted",
                    received_at=NOW,
                    on_site_due_at=NOW + timedelta(minutes=n),
                    reported_symptom=f"故障{n}",
                )
            )


def test_the_job_list_model_pages_lazily(qtmodeltester: Any, qtbot: QtBot, store: Store) -> None:
    with store.action(track=False) as session:
        world = make_world(session)
    many_jobs(store, world, 3 * PAGE + 7)
    model = JobListModel(store, TaskManager())
    qtmodeltester.check(model, force_py=True)  # watches every signal from here on
    model.set_filter(JobFilter(assignee_id=world.engineer_id, statuses=("accepted",)))
    # Pages are read in the back: one page, the rest when the view scrolls.
    qtbot.waitUntil(lambda: not model.loading)
    assert model.rowCount() == PAGE
    while model.canFetchMore(model.index(-1)) or model.loading:
        if not model.loading:
            model.fetchMore(model.index(-1))
        qtbot.wait(5)
    assert model.rowCount() == 3 * PAGE + 7
    numbers = [row.number for row in model.rows]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    qtmodeltester.check(model, force_py=True)


def test_tabs_cover_the_engineers_day(store: Store) -> None:
    from datetime import datetime

    with store.action(track=False) as session:
        world = make_world(session)
    now = datetime(2026, 11, 23, 10, 0)
    today = tab_filter("today", world.engineer_id, now)
    upcoming = tab_filter("upcoming", world.engineer_id, now)
    assert today.due_before == upcoming.due_after  # no job falls between the two
    assert "new" not in today.statuses and "signed" not in today.statuses
    assert tab_filter("done", world.engineer_id, now).newest_first
    assert tab_filter("waiting", world.engineer_id, now).waiting_for_sync


def qr_png(path: Path, payload: str) -> Path:
    qrcode.make(payload).save(path)
    return path


def test_enrollment_from_a_qr_picture_then_the_jobs(
    qtbot: QtBot, hq_sqlite: tuple[HQ, World], tmp_path: Path
) -> None:
    hq, world = hq_sqlite
    data_dir = tmp_path / "device"
    store = Store.open(data_dir)
    try:
        window = open_window(qtbot, store, data_dir, auto_sync=True)
        page = window.enroll_page
        assert isinstance(page, EnrollPage) and window.job_list is None
        # Someone else's QR code, then no QR code at all: said next to the button.
        assert not page.read_qr(qr_png(tmp_path / "other.png", "https://example.com"))
        assert page.status.text()
        blank = tmp_path / "blank.png"
        qrcode.make("x").resize((10, 10)).save(blank)
        assert not page.read_qr(blank)
        # The picture that `fieldapp-hq enroll --qr` writes.
        good = qr_png(
            tmp_path / "enroll.png", enrollment_payload(hq.base, hq.code_for("zhang.wei"))
        )
        assert page.read_qr(good)
        assert page.server.text() == hq.base and len(page.code.text()) >= 6
        with qtbot.waitSignal(page.enrolled, timeout=30_000):
            tap(qtbot, page.enroll_button)
        assert store.get_setting(USER_ID) == world.engineer_id
        assert window.job_list is not None
        # The first sync starts by itself once enrolled and fills the list.
        qtbot.waitUntil(
            lambda: window.job_list is not None and window.job_list.model.rows != [],
            timeout=60_000,
        )
    finally:
        window.close()
        store.close()


def test_a_wrong_code_is_refused_next_to_the_form(
    qtbot: QtBot, hq_sqlite: tuple[HQ, World], tmp_path: Path
) -> None:
    hq, _ = hq_sqlite
    store = Store.open(tmp_path / "device")
    try:
        window = open_window(qtbot, store, tmp_path / "device")
        page = window.enroll_page
        page.server.setText("not an address")
        tap(qtbot, page.enroll_button)
        assert page.server_error.isVisibleTo(page)
        page.server.setText(hq.base)
        page.code.setText("WRONGCODE123")
        tap(qtbot, page.enroll_button)
        qtbot.waitUntil(lambda: page.enroll_button.isEnabled(), timeout=30_000)
        assert page.status.text() and not store.get_setting(SERVER)
    finally:
        window.close()
        store.close()


def test_it_preconfiguration_fills_the_form(qtbot: QtBot, tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    try:
        ctx = AppContext(store=store, data_dir=tmp_path, task_manager=TaskManager())
        preset = Preconfig(server="https://hq.example.com", code="ABCDEFGHJKLM")
        window = Launcher(ctx, preset, auto_sync=False).open_window("zh_CN")
        qtbot.addWidget(window)
        assert window.enroll_page.server.text() == "https://hq.example.com"
        assert window.enroll_page.code.text() == "ABCDEFGHJKLM"
    finally:
        store.close()


def test_offline_is_said_plainly_and_nothing_is_lost(
    qtbot: QtBot, hq_sqlite: tuple[HQ, World], tmp_path: Path
) -> None:
    hq, world = hq_sqlite
    from tests.sync_support import enroll_device

    device = enroll_device(hq, "zhang.wei", tmp_path / "device")
    window = open_window(qtbot, device.store, device.data_dir, language="en")
    with qtbot.waitSignal(window.sync.finished, timeout=60_000):
        window.sync.sync_now()
    window.open_job(world.job_id)
    assert window.job_page is not None
    tap(qtbot, window.job_page.overview.findChild(type(window.indicator.button), "action_accepted"))
    # The job and its event wait for HQ.
    qtbot.waitUntil(lambda: window.indicator.text.text() == "2 changes waiting.")
    banner = window.indicator.banner
    assert not banner.isVisible()
    hq.stop()  # the network is gone
    with qtbot.waitSignal(window.sync.failed, timeout=90_000):
        window.sync.sync_now()
    # A coloured bar across the window says it, with what waits; the status bar stays short.
    qtbot.waitUntil(banner.isVisible)
    assert banner.text.text() == (
        "Offline — every change is saved on this device and syncs by itself "
        "when HQ can be reached (2 waiting)."
    )
    assert banner.mapTo(window, banner.rect().topLeft()).y() < 120  # at the top
    assert banner.width() >= window.width() - 2
    assert window.indicator.text.text() == "Offline · 2 changes waiting."
    assert device.store.pending_changes()  # kept for later
    hq.start()
    with qtbot.waitSignal(window.sync.finished, timeout=60_000):
        window.sync.sync_now()
    assert device.store.pending_changes() == {}
    qtbot.waitUntil(lambda: window.indicator.text.text().startswith("Up to date"))
    assert not banner.isVisible()


def test_switching_the_language_reopens_the_window(qtbot: QtBot, tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    try:
        with store.action(track=False) as session:
            world = make_world(session)
        store.set_setting(SERVER, "http://127.0.0.1:9")
        store.set_setting(USER_ID, world.engineer_id)
        ctx = AppContext(store=store, data_dir=tmp_path, task_manager=TaskManager())
        launcher = Launcher(ctx, None, auto_sync=False)
        chinese = launcher.open_window("zh_CN")
        qtbot.addWidget(chinese)
        assert chinese.settings_button.text() == "设置"
        english = launcher.open_window("en")
        qtbot.addWidget(english)
        assert english.settings_button.text() == "Settings"
        assert english.job_list is not None and english.job_list.tabs.tabText(0).startswith("Today")
        assert QApplication.instance() is not None
    finally:
        store.close()


def test_the_command_line_stays_headless(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--data-dir", str(tmp_path), "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["sync"]["enrolled"] is False
    assert main(["--data-dir", str(tmp_path), "frobnicate"]) == 2


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("", "Enter HQ's address, such as https://hq.example.com"),
        ("hq.example.com", "The address must start with http:// or https://"),
        ("ftp://hq.example.com", "The address must start with http:// or https://"),
        ("https://", "The address has no host name after https://."),
        ("https://hq example.com", "The address cannot contain spaces."),
        (
            "https://hq.example.com:80a",
            "The port after the colon must be a number from 1 to 65535.",
        ),
    ],
)
def test_a_malformed_address_is_told_what_is_wrong(
    qtbot: QtBot, tmp_path: Path, typed: str, said: str
) -> None:
    store = Store.open(tmp_path)
    try:
        window = open_window(qtbot, store, tmp_path, language="en")
        page = window.enroll_page
        page.server.setText(typed)
        page.code.setText("ABCDEFGHJKLM")
        tap(qtbot, page.enroll_button)
        assert page.server_error.isVisibleTo(page)
        assert page.server_error.text() == said
        assert page.enroll_button.isEnabled() and not store.get_setting(SERVER)
    finally:
        window.close()
        store.close()
