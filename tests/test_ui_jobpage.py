"""The job page driven through the window: the next step never moves under the finger,
a departure or an arrival tapped by mistake is undone by a correcting event (and HQ
applies it), the work tabs open on site and carry done / missing marks, the dispatch is
read as text until "Edit", the phone and the address open the system's applications,
and the machine's history lists what earlier visits found."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from tests.ui_support import button_named, open_window, tap, type_text  # isort: skip

from PySide6.QtCore import QPoint, QRect, QUrl
from PySide6.QtWidgets import QApplication, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from fieldapp.clock import utcnow
from fieldapp.models import (
    ChecklistTemplate,
    ChecklistTemplateItem,
    Fault,
    HourMeterReading,
    Job,
    JobEvent,
    PartUsage,
    User,
)
from fieldapp.services.common import DomainError
from fieldapp.services.jobs import refresh_deadlines, transition
from fieldapp.store import Store
from sync.client import SERVER, USER_ID
from sync.hq.db import session_scope
from tests.conftest import seed_world
from tests.factories import NOW, World
from tests.sync_support import HQ, enroll_device, serving_hq
from ui.common import contact_links
from ui.common.labels import LABELS
from ui.engineer.jobpage import JobPage
from ui.mainwindow import MainWindow

CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")


def seed_with_checklist(session: Any) -> World:
    world = seed_world(session)
    job = session.get(Job, world.job_id)
    refresh_deadlines(session, job)
    template = ChecklistTemplate(
        code="REPAIR-AFTER", name_zh="维修后检查", name_en="After repair", job_type="repair"
    )
    session.add(template)
    session.flush()
    session.add(
        ChecklistTemplateItem(
            template_id=template.id,
            position=1,
            kind="check",
            label_zh="试机无异响",
            label_en="Test run without noise",
        )
    )
    return world


@pytest.fixture
def hq_world(tmp_path: Path) -> Iterator[tuple[HQ, World]]:
    with serving_hq("sqlite", tmp_path, seed_with_checklist) as served:
        yield served


@dataclass
class Local:
    window: MainWindow
    page: JobPage
    store: Store
    world: World


@pytest.fixture
def local(qtbot: QtBot, tmp_path: Path) -> Iterator[Local]:
    """The window on a device store that holds the small world (no HQ needed)."""
    store = Store.open(tmp_path / "device")
    try:
        with store.action(track=False) as session:
            world = seed_with_checklist(session)
            past = past_job(session, world)
        with store.action(track=False) as session:
            job = session.get(Job, past)
            job.status = "approved"  # signed and approved after the work was recorded
        store.set_setting(SERVER, "http://127.0.0.1:9")
        store.set_setting(USER_ID, world.engineer_id)
        window = open_window(qtbot, store, tmp_path / "device")
        window.open_job(world.job_id)
        assert window.job_page is not None
        yield Local(window, window.job_page, store, world)
    finally:
        store.close()


def past_job(session: Any, world: World) -> str:
    """A repair of the same machine half a year ago: a fault and a part."""
    before = NOW - timedelta(days=180)
    job = Job(
        number="FW-2026-000042",
        job_type="repair",
        urgency="normal",
        status="on_site",
        customer_id=world.customer_id,
        machine_id=world.machine_id,
        assignee_id=world.other_engineer_id,
        received_at=before,
        completed_at=before + timedelta(hours=5),
    )
    session.add(job)
    session.flush()
    session.add(
        Fault(
            job_id=job.id,
            machine_id=world.machine_id,
            assembly="hydraulic_pump",
            symptom="主泵异响",
            cause="吸油滤网堵塞",
            fixed=True,
        )
    )
    session.add(PartUsage(job_id=job.id, part_id=world.filter_id, quantity=2))
    for days, hours in ((300, 400.0), (180, 800.0), (30, 1200.0)):
        session.add(
            HourMeterReading(
                machine_id=world.machine_id, hours=hours, read_at=NOW - timedelta(days=days)
            )
        )
    return job.id


def place(widget: QWidget, window: QWidget) -> QRect:
    """Where a widget is on the window, as the finger sees it."""
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


def events_of(session: Any, job_id: str) -> list[JobEvent]:
    return sorted(
        session.exec(select(JobEvent).where(JobEvent.job_id == job_id)).all(),
        key=lambda e: e.occurred_at,
    )


def sync(qtbot: QtBot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.sync.finished, timeout=60_000):
        window.sync.sync_now()


def test_the_next_step_stays_in_place_and_a_departure_is_undone_through_the_sync(
    qtbot: QtBot, hq_world: tuple[HQ, World], tmp_path: Path
) -> None:
    hq, world = hq_world
    device = enroll_device(hq, "zhang.wei", tmp_path / "device")
    window = open_window(qtbot, device.store, device.data_dir)
    with qtbot.waitSignal(window.sync.finished, timeout=60_000):
        window.sync.sync_now()
    window.open_job(world.job_id)
    page = window.job_page
    assert page is not None
    overview = page.overview

    accept = button_named(overview, "action_accepted")
    qtbot.waitUntil(accept.isVisible)
    where_accept = place(accept, window)
    tap(qtbot, accept)
    depart = button_named(overview, "action_departed")
    qtbot.waitUntil(depart.isVisible)
    # The next step is where accept was, as big; hand back is elsewhere.
    assert place(depart, window) == where_accept
    assert where_accept.height() >= 48 and where_accept.width() >= 300
    hand_back = button_named(overview, "action_handed_back")
    assert hand_back.isVisible()
    assert not place(hand_back, window).intersects(where_accept)

    tap(qtbot, depart)
    assert page.view is not None and page.view.job.status == "en_route"
    sync(qtbot, window)  # HQ has the departure: the undo must correct it there
    with session_scope(hq.db()) as session:
        assert session.get(Job, world.job_id).status == "en_route"  # type: ignore[union-attr]
    arrive = button_named(overview, "action_arrived")
    assert place(arrive, window) == where_accept
    suspend = button_named(overview, "action_suspended")
    assert not place(suspend, window).intersects(where_accept)
    undo = button_named(overview, "action_departure_undone")
    qtbot.waitUntil(undo.isVisible)
    assert "5" in undo.text()  # the time left is shown: 5 minutes
    assert not place(undo, window).intersects(where_accept)
    tap(qtbot, undo)

    assert page.view.job.status == "accepted"
    assert overview.action_error.text() == ""
    with device.store.reader() as session:
        events = events_of(session, world.job_id)
        kinds = [e.kind for e in events]
        assert kinds[-2:] == ["departed", "departure_undone"]
        departed, undone = events[-2], events[-1]
        assert json.loads(undone.data)["corrects"] == departed.id
        assert (undone.from_status, undone.to_status) == ("en_route", "accepted")
        job = session.get(Job, world.job_id)
        assert job is not None and job.arrived_at is None
    assert button_named(overview, "action_departed").isVisible()
    assert not overview.undo_button.isVisible()

    # Depart and arrive for real, undo the arrival: back on the way, no arrival time.
    tap(qtbot, button_named(overview, "action_departed"))
    tap(qtbot, button_named(overview, "action_arrived"))
    assert page.view.job.arrived_at is not None
    sync(qtbot, window)
    tap(qtbot, button_named(overview, "action_arrival_undone"))
    assert page.view.job.status == "en_route" and page.view.job.arrived_at is None

    # HQ applies the corrections from the synced device: same status, every event.
    sync(qtbot, window)
    assert device.store.pending_changes() == {}
    with session_scope(hq.db()) as session:
        job = session.get(Job, world.job_id)
        assert job is not None and job.status == "en_route" and job.arrived_at is None
        kinds = [e.kind for e in events_of(session, world.job_id)]
        assert kinds[-5:] == [
            "departed",
            "departure_undone",
            "departed",
            "arrived",
            "arrival_undone",
        ]


def test_undo_is_not_offered_after_the_window(
    qtbot: QtBot, local: Local, monkeypatch: pytest.MonkeyPatch
) -> None:
    page, overview = local.page, local.page.overview
    start = utcnow()
    monkeypatch.setattr(page.ctx, "now", lambda: start)
    tap(qtbot, button_named(overview, "action_accepted"))
    tap(qtbot, button_named(overview, "action_departed"))
    assert overview.undo_button.isVisible()
    assert overview.undo_timer.isActive()  # the time left counts down

    later = start + timedelta(minutes=5, seconds=1)
    monkeypatch.setattr(page.ctx, "now", lambda: later)
    overview.undo_timer.timeout.emit()
    assert not overview.undo_button.isVisible()
    page.reload()
    assert not overview.undo_button.isVisible()
    # The rules refuse it too, whatever a screen would offer.
    with pytest.raises(DomainError) as refused, local.store.action() as session:
        job = session.get(Job, local.world.job_id)
        user = session.get(User, local.world.engineer_id)
        transition(session, job, "departure_undone", user, now=later)  # type: ignore[arg-type]
    assert refused.value.code == "undo_expired"
    assert page.view is not None and page.view.job.status == "en_route"


def test_work_tabs_open_on_site_and_marks_follow_the_checklist(qtbot: QtBot, local: Local) -> None:
    page = local.page
    work_tabs = range(2, len(page.pages))
    assert page.tabs.isTabEnabled(0) and page.tabs.isTabEnabled(1)
    assert not any(page.tabs.isTabEnabled(i) for i in work_tabs)
    assert page.tabs.tabToolTip(2)  # says why it is closed
    assert "⚠" not in page.tabs.tabText(page._index_of(page.checklists))  # marks come on site
    assert page.overview.next_hint.isVisible()
    for action in ("accepted", "departed"):
        tap(qtbot, button_named(page.overview, f"action_{action}"))
        assert not any(page.tabs.isTabEnabled(i) for i in work_tabs)
    tap(qtbot, button_named(page.overview, "action_arrived"))
    assert all(page.tabs.isTabEnabled(i) for i in work_tabs)

    checklists = page._index_of(page.checklists)
    assert page.tabs.tabText(checklists).endswith("⚠ 1")  # the checklist is not started
    assert "⚠" in page.tabs.tabText(page._index_of(page.time))  # no labour yet
    page.show_tab(page.checklists)
    tap(qtbot, button_named(page.checklists, "start_REPAIR-AFTER"))
    assert page.tabs.tabText(checklists).endswith("⚠ 1")  # started, one item to answer
    tap(qtbot, button_named(page.checklists.row(1), "check_pass"))
    assert page.tabs.tabText(checklists).endswith("✓")
    assert "⚠" not in page.tabs.tabText(checklists)


def test_dispatch_is_read_as_text_until_edit(qtbot: QtBot, local: Local) -> None:
    overview = local.page.overview
    symptom = overview.fields["symptom"]
    assert not symptom.isVisible() and overview.values["symptom"].isVisible()
    assert not overview.save_dispatch.isVisible()
    tap(qtbot, button_named(overview, "edit_dispatch"))
    assert symptom.isVisible() and overview.save_dispatch.isVisible()
    assert not overview.values["symptom"].isVisible()

    # Cancel puts back what the job says.
    symptom.selectAll()
    type_text(qtbot, symptom, "x")
    tap(qtbot, button_named(overview, "cancel_dispatch"))
    assert not symptom.isVisible() and symptom.text() == "动臂提升无力，液压油温高"

    tap(qtbot, button_named(overview, "edit_dispatch"))
    symptom.clear()
    type_text(qtbot, symptom, "动臂提升无力，有异响")
    tap(qtbot, button_named(overview, "save_dispatch"))
    assert not symptom.isVisible()
    assert overview.values["symptom"].text() == "动臂提升无力，有异响"  # type: ignore[attr-defined]
    with local.store.reader() as session:
        job = session.get(Job, local.world.job_id)
        assert job is not None and job.reported_symptom == "动臂提升无力，有异响"


def test_the_nameplate_photo_fills_the_serial(
    qtbot: QtBot, local: Local, tmp_path: Path
) -> None:
    import qrcode
    from PIL import Image

    overview = local.page.overview
    assert not overview.read_nameplate.isVisible()  # only while correcting
    tap(qtbot, button_named(overview, "edit_dispatch"))
    assert overview.read_nameplate.isVisible()
    assert min(overview.read_nameplate.width(), overview.read_nameplate.height()) >= 48

    blank = tmp_path / "blank.png"
    Image.new("RGB", (400, 300), "white").save(blank)
    overview.read_nameplate_from(str(blank))
    error = overview.field_errors["serial"]
    qtbot.waitUntil(lambda: "照片" in error.text() and overview.read_nameplate.isEnabled())
    assert overview.fields["serial"].text() != ""  # what was there stays

    plate = tmp_path / "nameplate.png"
    qrcode.make("ZY210-250777").save(plate)
    overview.read_nameplate_from(str(plate))
    qtbot.waitUntil(lambda: overview.fields["serial"].text() == "ZY210-250777")
    assert not error.isVisible()
    tap(qtbot, button_named(overview, "save_dispatch"))
    with local.store.reader() as session:
        job = session.get(Job, local.world.job_id)
        assert job is not None and job.reported_serial == "ZY210-250777"


class FakeDesktop:
    """Records what the app asked the system to open; ``handled`` says which schemes
    the device has an application for."""

    def __init__(self, handled: set[str]) -> None:
        self.handled = handled
        self.opened: list[str] = []

    def openUrl(self, url: QUrl) -> bool:
        self.opened.append(url.toString())
        return url.scheme() in self.handled


def test_phone_and_address_open_the_systems_applications(
    qtbot: QtBot, local: Local, monkeypatch: pytest.MonkeyPatch
) -> None:
    overview = local.page.overview
    desktop = FakeDesktop({"tel", "sms", "https"})
    monkeypatch.setattr(contact_links, "QDesktopServices", desktop)
    call = overview.phone_links.call
    assert call.height() >= 48 and "13905510001" in call.text()
    tap(qtbot, call)
    tap(qtbot, overview.phone_links.text)
    assert desktop.opened == ["tel:13905510001", "sms:13905510001"]
    assert not overview.phone_links.note.isVisible()

    # No map application: the web map, and the page says so.
    tap(qtbot, overview.address_link.open_map)
    geo, web = desktop.opened[2:]
    assert geo.startswith("geo:0,0?q=") and "688" in QUrl.fromPercentEncoding(geo.encode())
    assert web.startswith("https://") and overview.address_link.note.isVisible()

    # No phone application at all: said next to it, and the number can be copied.
    desktop.handled = set()
    tap(qtbot, call)
    assert overview.phone_links.note.isVisible() and overview.phone_links.copy.isVisible()
    tap(qtbot, overview.phone_links.copy)
    clipboard = QApplication.clipboard()
    assert clipboard is not None and clipboard.text() == "13905510001"

    # The customer file: every contact's number calls.
    desktop.handled = {"tel"}
    local.page.show_tab(local.page.customer)

    def calls() -> list[QPushButton]:
        found = local.page.customer.findChildren(QPushButton, "call")
        return [b for b in found if b.isVisibleTo(local.page)]

    qtbot.waitUntil(lambda: bool(calls()))
    tap(qtbot, calls()[0])
    assert desktop.opened[-1] == "tel:13905510001"


def test_machine_history_lists_the_past_faults_and_parts_of_the_serial(
    qtbot: QtBot, local: Local
) -> None:
    overview = local.page.overview
    history = overview.history
    assert history.history is None  # not read until the section is opened
    tap(qtbot, button_named(overview, "machine_history"))
    qtbot.waitUntil(lambda: history.history is not None)
    assert history.history is not None
    assert [v.job.number for v in history.history.visits] == ["FW-2026-000042"]
    text = history.visits.text()
    assert "主泵异响" in text and "ZY210-6011-03" in text and "× 2" in text
    assert [r.hours for r in history.history.readings] == [400.0, 800.0, 1200.0]
    assert history.chart.isVisible()
    assert "2027-05-31" in history.coverage.text()  # free repair ends two years after purchase


def test_english_labels_hold_no_chinese_and_warranty_words_are_right() -> None:
    for kind, words in LABELS.items():
        for code, text in words.items():
            assert not CJK.search(text), f"{kind}.{code}: {text}"
    warranty = LABELS["warranty"]
    assert "return" in warranty["return_period"].lower()
    assert "exchange" in warranty["exchange_period"].lower()
    assert "free repair" in warranty["in_warranty"]
    assert "chargeable" in warranty["expired"]


def test_the_header_chip_stops_at_the_arrival(
    qtbot: QtBot, local: Local, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = local.page
    for action in ("accepted", "departed", "arrived"):
        tap(qtbot, button_named(page.overview, f"action_{action}"))
    assert page.view is not None and page.view.job.arrived_at is not None
    shown = page.countdown.text()
    monkeypatch.setattr(page.ctx, "now", lambda: utcnow() + timedelta(hours=30))
    page._show_countdown()
    assert page.countdown.text() == shown  # the clock stopped on arrival
    assert page.tabs.geometry().top() <= 64  # the page's header is one compact line


def test_a_returned_report_leads_back_to_the_sign_off_from_the_same_place(
    qtbot: QtBot, local: Local
) -> None:
    page = local.page
    where = place(page.overview.next_button, local.window)
    with local.store.action(track=False) as session:
        job = session.get(Job, local.world.job_id)
        assert job is not None
        job.status = "returned"  # as a supervisor's return arrives by the sync
    page.open_job(local.world.job_id)
    step = button_named(page.overview, "go_sign_off")
    qtbot.waitUntil(step.isVisible)
    assert place(step, local.window) == where
    assert page.tabs.isTabEnabled(page._index_of(page.signoff))
    tap(qtbot, step)
    assert page.tabs.currentIndex() == page._index_of(page.signoff)
