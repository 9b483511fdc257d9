"""The work tabs driven through the window on a real store: the parts search knows the
machine's model (and says so when nothing matches), a barcode photo fills it; the
travel from the departure register is offered once; the fault form starts from the
reported symptom with the family's assemblies and no default; a yes/no checklist item
is answered 是 and stored as yes; a declined finding asks for the danger, a fixed one
does not; a camera-folder thumbnail attaches a photo with one tap; the labour timer
survives a restart and writes the right minutes."""

from __future__ import annotations

import io
import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import select

from tests.ui_support import button_named, open_window, tap, type_text  # isort: skip

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QListWidget
from pytestqt.qtbot import QtBot

from fieldapp.models import (
    ChecklistAnswer,
    ChecklistTemplate,
    ChecklistTemplateItem,
    Customer,
    Job,
    Machine,
    Part,
    PartCompatibility,
    PreInspectionFinding,
    ProductModel,
    StockMovement,
    TimeEntry,
    User,
)
from fieldapp.models.enums import JobEventKind
from fieldapp.services.jobs import transition
from fieldapp.store import Store
from sync.client import SERVER, USER_ID
from tests.factories import NOW, World, make_world
from ui.common.camera_roll import CAMERA_FOLDER, PATH_ROLE
from ui.common.labels import label
from ui.engineer.jobpage import JobPage
from ui.mainwindow import MainWindow

DEPARTED = NOW + timedelta(minutes=10)
ARRIVED = DEPARTED + timedelta(minutes=73)  # 1 h 13 min on the road: 75 min offered


def on_site(store: Store, job_id: str, engineer_id: str) -> None:
    with store.action() as session:
        job = session.get(Job, job_id)
        user = session.get(User, engineer_id)
        assert job is not None and user is not None
        transition(session, job, JobEventKind.ACCEPTED, user, now=NOW)
        transition(session, job, JobEventKind.DEPARTED, user, now=DEPARTED)
        transition(session, job, JobEventKind.ARRIVED, user, now=ARRIVED)


def add_catalogue(store: Store, world: World) -> str:
    """Main pumps and filters of three models with their compatibility, a ZY330 and a
    job on a ZY330 excavator; returns that job's id."""
    with store.action(track=False) as session:
        small = session.exec(select(ProductModel).where(ProductModel.code == "ZY150")).one()
        big = ProductModel(code="ZY330", name_zh="ZY330 履带式液压挖掘机", name_en="ZY330")
        tiny = ProductModel(code="ZY16", name_zh="ZY16 履带式液压挖掘机", name_en="ZY16")
        session.add_all([big, tiny])
        session.flush()
        rows = [
            ("ZY150-6011-01", "主泵总成", "Main hydraulic pump assembly", small.id),
            ("ZY16-6011-01", "主泵总成", "Main hydraulic pump assembly", tiny.id),
            ("ZY210-6011-01", "主泵总成", "Main hydraulic pump assembly", world.model_id),
            ("ZY150-6003-01", "液压回油滤芯", "Hydraulic return filter element", small.id),
            ("ZY330-6003-01", "液压回油滤芯", "Hydraulic return filter element", big.id),
        ]
        for part_no, zh, en, model_id in rows:
            part = Part(part_no=part_no, name_zh=zh, name_en=en, price_cents=10000)
            session.add(part)
            session.flush()
            session.add(PartCompatibility(part_id=part.id, model_id=model_id))
            session.add(
                StockMovement(
                    part_id=part.id,
                    location_id=world.van_id,
                    quantity=2,
                    kind="transfer_in",
                    moved_at=NOW,
                )
            )
        customer = session.get(Customer, world.customer_id)
        assert customer is not None
        machine = Machine(customer_id=customer.id, model_id=big.id, serial="ZY3302024B0011")
        session.add(machine)
        session.flush()
        job = Job(
            number="FW-2026-000124",
            job_type="maintenance",
            status="assigned",
            customer_id=customer.id,
            machine_id=machine.id,
            assignee_id=world.engineer_id,
            reported_symptom="保养",
            received_at=NOW,
        )
        session.add(job)
        session.flush()
        return job.id


@pytest.fixture
def world_store(store: Store, tmp_path: Path) -> tuple[Store, World, Path]:
    with store.action(track=False) as session:
        world = make_world(session)
    store.set_setting(SERVER, "http://127.0.0.1:9")  # enrolled; never reached here
    store.set_setting(USER_ID, world.engineer_id)
    on_site(store, world.job_id, world.engineer_id)
    return store, world, tmp_path


def open_job(qtbot: QtBot, store: Store, data_dir: Path, job_id: str, language: str = "zh_CN"):
    window = open_window(qtbot, store, data_dir, language)
    window.open_job(job_id)
    page = window.job_page
    assert page is not None
    return window, page


def label_photo(folder: Path, text: str) -> Path:
    """A photo of a part's label: a Code 128 barcode on a grey background."""
    import zxingcpp

    code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.Code128)
    bars = memoryview(code.to_image(scale=3))
    image = Image.frombuffer("L", (bars.shape[1], bars.shape[0]), bars.tobytes())
    photo = Image.new("RGB", (1600, 1200), (170, 165, 160))
    photo.paste(image.convert("RGB"), (400, 500))
    path = folder / "label.jpg"
    photo.save(path, "JPEG", quality=92)
    return path


def camera_pictures(folder: Path, count: int) -> list[Path]:
    """Pictures in a DCIM-like folder, the last one the newest."""
    (folder / "Camera").mkdir(parents=True)
    paths = []
    for n in range(count):
        path = folder / "Camera" / f"IMG_{n:04d}.jpg"
        out = io.BytesIO()
        Image.new("RGB", (1200, 900), (40 * n % 255, 120, 200)).save(out, "JPEG")
        path.write_bytes(out.getvalue())
        stamp = time.time() - 3600 + n * 60
        os.utime(path, (stamp, stamp))
        paths.append(path)
    return paths


# --- parts --------------------------------------------------------------------------------


def test_parts_for_this_model_come_first_and_others_are_marked(
    qtbot: QtBot, world_store: tuple[Store, World, Path]
) -> None:
    store, world, data_dir = world_store
    add_catalogue(store, world)
    _window, page = open_job(qtbot, store, data_dir, world.job_id)
    parts = page.parts
    page.show_tab(parts)
    type_text(qtbot, parts.search, "zb")
    parts.run_search()
    rows = [parts.model.data(parts.model.index(r)) for r in range(parts.model.rowCount())]
    assert rows[0].startswith("ZY210-6011-01") and "本机型目录未列出" not in rows[0]
    others = {r.split()[0]: r for r in rows[1:]}
    assert {"ZY150-6011-01", "ZY16-6011-01"} <= set(others)
    assert all("本机型目录未列出" in r or "not listed" in r for r in others.values())
    # The best match for this model is chosen already; its name is beside it.
    hit = parts.selected()
    assert hit is not None and hit.part.part_no == "ZY210-6011-01"
    assert "主泵总成" in parts.chosen.text()
    # The scanner's Enter on another model's number picks nothing and says why.
    parts.search.clear()
    type_text(qtbot, parts.search, "ZY16-6011-01")
    qtbot.keyClick(parts.search, Qt.Key.Key_Return)
    assert parts.selected() is None
    assert parts.error.isVisibleTo(page)
    assert "ZY16" not in parts.chosen.text()


def test_a_filter_on_a_zy330_job_preselects_the_zy330_filter(
    qtbot: QtBot, world_store: tuple[Store, World, Path]
) -> None:
    store, world, data_dir = world_store
    job_id = add_catalogue(store, world)
    on_site(store, job_id, world.engineer_id)
    _window, page = open_job(qtbot, store, data_dir, job_id, "en_US")
    parts = page.parts
    page.show_tab(parts)
    type_text(qtbot, parts.search, "滤芯")
    qtbot.keyClick(parts.search, Qt.Key.Key_Return)
    hit = parts.selected()
    assert hit is not None and hit.part.part_no == "ZY330-6003-01"
    # English screens show the catalogue's English names.
    assert "Hydraulic return filter element" in parts.chosen.text()
    assert "液压" not in parts.model.data(parts.model.index(0))
    # Used: the chosen part's name does not stay beside "pick a part".
    tap(qtbot, parts.use_button)
    assert page.work is not None and len(page.work.parts) == 1
    assert parts.selected() is None
    assert "ZY330" not in parts.chosen.text()
    tap(qtbot, parts.use_button)
    assert parts.error.text() and "ZY330" not in parts.chosen.text()


def test_no_hits_says_so(qtbot: QtBot, world_store: tuple[Store, World, Path]) -> None:
    store, world, data_dir = world_store
    _window, page = open_job(qtbot, store, data_dir, world.job_id)
    parts = page.parts
    page.show_tab(parts)
    type_text(qtbot, parts.search, "齿轮箱总成")
    parts.run_search()
    assert parts.no_hits.isVisibleTo(page) and not parts.results.isVisibleTo(page)
    assert "齿轮箱总成" in parts.no_hits.text()
    parts.search.clear()
    type_text(qtbot, parts.search, "滤芯")
    parts.run_search()
    assert parts.results.isVisibleTo(page) and not parts.no_hits.isVisibleTo(page)


def test_a_barcode_photo_fills_the_parts_search(
    qtbot: QtBot, world_store: tuple[Store, World, Path]
) -> None:
    store, world, data_dir = world_store
    folder = data_dir / "DCIM"
    folder.mkdir()
    label_photo(folder, "ZY210-3101-01")
    store.set_setting(CAMERA_FOLDER, str(folder))
    _window, page = open_job(qtbot, store, data_dir, world.job_id)
    parts = page.parts
    page.show_tab(parts)
    tap(qtbot, button_named(parts, "read_label"))
    picker = parts.picker
    assert picker is not None
    grid = picker.roll.grid
    qtbot.waitUntil(lambda: grid.count() == 1, timeout=10_000)
    tap_item(qtbot, grid, 0)
    qtbot.waitUntil(lambda: parts.search.text() == "ZY210-3101-01", timeout=10_000)
    hit = parts.selected()
    assert hit is not None and hit.part.part_no == "ZY210-3101-01"


def test_read_code_from_image_reads_a_qr_and_refuses_a_blank(tmp_path: Path) -> None:
    import qrcode

    from ui.common.barcode import read_code_from_image

    out = io.BytesIO()
    qrcode.make("ZY210-6011-03").save(out)
    assert read_code_from_image(out.getvalue()) == "ZY210-6011-03"
    blank = tmp_path / "blank.png"
    Image.new("RGB", (400, 300), "white").save(blank)
    assert read_code_from_image(blank) is None
    assert read_code_from_image(b"not a picture") is None


def tap_item(qtbot: QtBot, grid: QListWidget, row: int) -> None:
    rect = grid.visualItemRect(grid.item(row))
    assert rect.width() >= 160 and rect.height() >= 160  # a thumbnail a finger hits
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


# --- time ---------------------------------------------------------------------------------


def test_travel_is_offered_from_the_register_and_recorded_once(
    qtbot: QtBot, world_store: tuple[Store, World, Path]
) -> None:
    store, world, data_dir = world_store
    _window, page = open_job(qtbot, store, data_dir, world.job_id)
    time_tab = page.time
    page.show_tab(time_tab)
    assert time_tab.travel_card.isVisibleTo(page)
    assert "1小时15分钟" in time_tab.travel_button.text().replace(" ", "")
    tap(qtbot, button_named(time_tab, "record_travel"))
    assert page.work is not None and page.work.travel_minutes == 75
    assert not time_tab.travel_card.isVisibleTo(page)  # not offered twice
    page.reload()
    assert not time_tab.travel_card.isVisibleTo(page)
    with store.reader() as session:
        travel = session.exec(select(TimeEntry).where(TimeEntry.kind == "travel")).all()
    assert [(t.minutes, t.started_at) for t in travel] == [(75, DEPARTED)]


def test_the_labour_timer_survives_a_restart(
    qtbot: QtBot, world_store: tuple[Store, World, Path]
) -> None:
    store, world, data_dir = world_store
    window, page = open_job(qtbot, store, data_dir, world.job_id)
    clock = {"now": ARRIVED + timedelta(minutes=5)}
    page.ctx.now = lambda: clock["now"]  # type: ignore[method-assign]
    page.show_tab(page.time)
    tap(qtbot, button_named(page.time, "timer_start"))
    clock["now"] += timedelta(minutes=20)
    tap(qtbot, button_named(page.time, "timer_pause"))
    clock["now"] += timedelta(minutes=30)  # a lunch break does not count
    tap(qtbot, button_named(page.time, "timer_start"))
    clock["now"] += timedelta(minutes=17, seconds=40)
    window.close()

    # The app restarts: a new window on the same store finds the timer running.
    window2, page2 = open_job(qtbot, store, data_dir, world.job_id)
    page2.ctx.now = lambda: clock["now"]  # type: ignore[method-assign]
    page2.show_tab(page2.time)
    assert page2.time.pause_button.isVisibleTo(page2) and not page2.time.start_button.isVisibleTo(
        page2
    )
    assert page2.time.elapsed.text() == "0:37:40"
    tap(qtbot, button_named(page2.time, "timer_stop"))
    with store.reader() as session:
        labour = session.exec(select(TimeEntry).where(TimeEntry.kind == "labour")).all()
    assert [(t.minutes, t.started_at) for t in labour] == [(38, ARRIVED + timedelta(minutes=5))]
    assert not page2.time.stop_button.isEnabled()
    window2.close()


# --- faults -------------------------------------------------------------------------------


def test_the_fault_form_starts_from_the_reported_symptom_and_the_family(
    qtbot: QtBot, world_store: tuple[Store, World, Path]
) -> None:
    store, world, data_dir = world_store
    other = add_catalogue(store, world)
    on_site(store, other, world.engineer_id)
    window, page = open_job(qtbot, store, data_dir, other)
    faults = page.faults
    page.show_tab(faults)
    assert faults.symptom.text() == "保养"
    window.open_job(world.job_id)  # another job: its own symptom, not the last one's
    page.show_tab(faults)
    assert faults.symptom.text() == "动臂提升无力，液压油温高"
    offered = [faults.assembly.itemData(i) for i in range(faults.assembly.count())]
    assert offered[0] is None  # nothing chosen for the engineer
    assert "boom_crane" not in offered and "work_equipment" in offered
    tap(qtbot, button_named(faults, "save_fault"))
    assert faults.assembly_error.isVisibleTo(page) and faults.assembly_error.text()
    assert page.work is not None and not page.work.faults
    faults.assembly.setCurrentIndex(faults.assembly.findData("hydraulic_pump"))
    tap(qtbot, button_named(faults, "save_fault"))
    assert page.work is not None and [f.symptom for f in page.work.faults] == [
        "动臂提升无力，液压油温高"
    ]


def test_a_crane_offers_the_crane_assemblies(
    qtbot: QtBot, world_store: tuple[Store, World, Path]
) -> None:
    store, world, data_dir = world_store
    with store.action(track=False) as session:
        model = session.get(ProductModel, world.model_id)
        assert model is not None
        model.family = "crawler_crane"
    _window, page = open_job(qtbot, store, data_dir, world.job_id)
    page.show_tab(page.faults)
    offered = [page.faults.assembly.itemData(i) for i in range(page.faults.assembly.count())]
    assert "boom_crane" in offered and "work_equipment" not in offered


# --- checklists ---------------------------------------------------------------------------


def test_a_yes_no_item_is_answered_yes_and_stored_as_yes(
    qtbot: QtBot, world_store: tuple[Store, World, Path]
) -> None:
    store, world, data_dir = world_store
    with store.action(track=False) as session:
        template = ChecklistTemplate(code="CONDUCT", name_zh="现场服务规范", job_type="repair")
        session.add(template)
        session.flush()
        session.add(
            ChecklistTemplateItem(
                template_id=template.id,
                position=1,
                kind="yes_no",
                label_zh="穿着统一工作服，佩戴上岗证",
                required=True,
            )
        )
    _window, page = open_job(qtbot, store, data_dir, world.job_id)
    page.show_tab(page.checklists)
    tap(qtbot, button_named(page.checklists, "start_CONDUCT"))
    row = page.checklists.row(1)
    yes = button_named(row, "check_yes")
    # 是 / 否 once translated (the lead's lupdate): the item's own words, not 正常 / 异常.
    assert yes.text() == label("check", "yes") != label("check", "pass")
    assert button_named(row, "check_no").text() == label("check", "no")
    assert row.findChild(type(yes), "check_pass") is None
    assert yes.height() >= 48
    tap(qtbot, yes)
    with store.reader() as session:
        answers = session.exec(select(ChecklistAnswer)).all()
    assert [a.result for a in answers] == ["yes"]
    assert not row.problem.isVisibleTo(page)


# --- pre-inspection -----------------------------------------------------------------------


def test_a_declined_finding_asks_for_the_danger_and_fix_now_does_not(
    qtbot: QtBot, world_store: tuple[Store, World, Path]
) -> None:
    store, world, data_dir = world_store
    _window, page = open_job(qtbot, store, data_dir, world.job_id)
    findings = page.findings
    page.show_tab(findings)
    assert not findings.danger.isVisibleTo(page) and not findings.remind.isVisibleTo(page)
    type_text(qtbot, findings.component, "斗齿")
    type_text(qtbot, findings.description, "斗齿磨损")
    tap(qtbot, button_named(findings, "add_finding"))
    assert page.work is not None and len(page.work.findings) == 1

    tap(qtbot, button_named(findings, "choice_declined"))
    assert findings.danger.isVisibleTo(page) and findings.remind.isVisibleTo(page)
    type_text(qtbot, findings.component, "履带")
    type_text(qtbot, findings.description, "履带板松动")
    tap(qtbot, button_named(findings, "add_finding"))
    assert findings.danger_error.isVisibleTo(page)
    assert len(page.work.findings) == 1
    type_text(qtbot, findings.danger, "履带脱落")
    findings.remind.setDate(QDate.currentDate().addDays(14))
    tap(qtbot, button_named(findings, "add_finding"))
    assert len(page.work.findings) == 2
    with store.reader() as session:
        rows = {f.component: f for f in session.exec(select(PreInspectionFinding)).all()}
    assert (
        rows["斗齿"].fix_now and rows["斗齿"].remind_on is None and not rows["斗齿"].danger_if_not
    )
    assert not rows["履带"].fix_now and rows["履带"].danger_if_not == "履带脱落"
    assert rows["履带"].remind_on == QDate.currentDate().addDays(14).toPython()
    assert not findings.danger.isVisibleTo(page)  # back to "fix now" for the next one


def test_empty_tabs_say_what_to_do(qtbot: QtBot, world_store: tuple[Store, World, Path]) -> None:
    store, world, data_dir = world_store
    _window, page = open_job(qtbot, store, data_dir, world.job_id)
    for tab in (page.findings, page.faults, page.time):
        page.show_tab(tab)
        state = tab.entries.body.itemAt(0).widget()
        assert state.objectName() == "empty_state" and state.isVisibleTo(page)
        assert state.alignment() & Qt.AlignmentFlag.AlignHCenter
        assert state.height() >= 100 and "\n" in state.text()


# --- photos -------------------------------------------------------------------------------


def test_a_camera_thumbnail_attaches_a_photo_with_one_tap(
    qtbot: QtBot, world_store: tuple[Store, World, Path]
) -> None:
    store, world, data_dir = world_store
    folder = data_dir / "DCIM"
    pictures = camera_pictures(folder, 3)
    store.set_setting(CAMERA_FOLDER, str(folder))
    window, page = open_job(qtbot, store, data_dir, world.job_id)
    photos = page.photos
    page.show_tab(photos)
    grid = photos.roll.grid
    qtbot.waitUntil(lambda: grid.count() == 3, timeout=10_000)
    assert grid.item(0).data(PATH_ROLE) == str(pictures[-1])  # the newest first
    assert photos.no_photos.isVisibleTo(page)
    tap_item(qtbot, grid, 0)
    qtbot.waitUntil(lambda: page.work is not None and len(page.work.photos) == 1, timeout=20_000)
    assert not photos.no_photos.isVisibleTo(page) and photos.grid.count() == 1
    assert isinstance(window, MainWindow) and isinstance(page, JobPage)


def test_a_checklist_photo_is_picked_from_the_camera_folder(
    qtbot: QtBot, world_store: tuple[Store, World, Path]
) -> None:
    store, world, data_dir = world_store
    folder = data_dir / "DCIM"
    camera_pictures(folder, 2)
    store.set_setting(CAMERA_FOLDER, str(folder))
    with store.action(track=False) as session:
        template = ChecklistTemplate(code="NAMEPLATE", name_zh="铭牌", job_type="repair")
        session.add(template)
        session.flush()
        session.add(
            ChecklistTemplateItem(
                template_id=template.id, position=1, kind="photo", label_zh="铭牌照片"
            )
        )
    _window, page = open_job(qtbot, store, data_dir, world.job_id)
    page.show_tab(page.checklists)
    tap(qtbot, button_named(page.checklists, "start_NAMEPLATE"))
    row = page.checklists.row(1)
    tap(qtbot, button_named(row, "photo"))
    picker = row.picker
    assert picker is not None and picker.isVisible()
    qtbot.waitUntil(lambda: picker.roll.grid.count() == 2, timeout=10_000)
    tap_item(qtbot, picker.roll.grid, 0)
    assert not picker.isVisible()

    def answered() -> bool:
        with store.reader() as session:
            return any(a.attachment_id for a in session.exec(select(ChecklistAnswer)).all())

    qtbot.waitUntil(answered, timeout=20_000)
