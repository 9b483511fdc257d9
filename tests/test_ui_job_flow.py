"""Whole jobs driven through the window as an engineer would, against a real HQ on
loopback. The first: open it, accept, depart, arrive, fill a checklist (a value out of
range, then corrected; one item left open), fill the company's conduct checklist,
record a fault, use two parts (one under warranty), add labour and a photo; the customer
sees the item left open and signs anyway (the tick survives a sync that reloads the
page), the engineer signs too; the PDF holds the job number, the customer, the hash and
every charged line; after the sync HQ holds the signed report and its hash verifies
there. The second: an inspection whose open items are all the engineer's (the conduct
checklist, the labour time), settled from the sign-off's to-do list, then signed."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from PIL import Image
from sqlmodel import select

from tests.ui_support import button_named, open_window, stroke, tap, type_text  # isort: skip

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from fieldapp.models import (
    Attachment,
    ChecklistTemplate,
    ChecklistTemplateItem,
    Job,
    PartUsage,
    SignOff,
)
from fieldapp.rules.report_hash import verify_report
from fieldapp.services.jobs import refresh_deadlines
from sync.hq.db import session_scope
from tests.conftest import seed_world
from tests.factories import World
from tests.sync_support import HQ, enroll_device, serving_hq


@pytest.fixture
def hq_world(tmp_path: Path) -> Iterator[tuple[HQ, World]]:
    """HQ on SQLite (the sync itself is tested on both backends) with the small world
    and a checklist for repair jobs."""

    def seed(session: Any) -> World:
        world = seed_world(session)
        job = session.get(Job, world.job_id)
        refresh_deadlines(session, job)  # as HQ does when it takes the call
        template = ChecklistTemplate(
            code="REPAIR-AFTER", name_zh="维修后检查", name_en="After repair", job_type="repair"
        )
        session.add(template)
        session.flush()
        for job_type in ("repair", "inspection"):  # the company's own: never the customer's
            conduct = ChecklistTemplate(
                code=f"CONDUCT-{job_type}",
                name_zh="现场服务规范",
                name_en="On-site conduct",
                job_type=job_type,
                internal=True,
            )
            session.add(conduct)
            session.flush()
            session.add_all(
                [
                    ChecklistTemplateItem(
                        template_id=conduct.id,
                        position=1,
                        kind="check",
                        label_zh="穿着统一工作服",
                        label_en="Uniform worn",
                    ),
                    ChecklistTemplateItem(
                        template_id=conduct.id,
                        position=2,
                        kind="check",
                        label_zh="不接受用户吃请和礼品",
                        label_en="No meals or gifts accepted",
                    ),
                ]
            )
        inspection = Job(
            number="FW-2026-000124",
            job_type="inspection",
            urgency="normal",
            status="assigned",
            customer_id=job.customer_id,
            machine_id=job.machine_id,
            team_id=job.team_id,
            assignee_id=job.assignee_id,
            contact_name=job.contact_name,
            contact_phone=job.contact_phone,
            address=job.address,
            reported_model=job.reported_model,
            reported_serial=job.reported_serial,
            reported_purchase_date=job.reported_purchase_date,
            reported_symptom="例行检查",
            received_at=job.received_at,
        )
        session.add(inspection)
        session.flush()
        refresh_deadlines(session, inspection)
        session.add_all(
            [
                ChecklistTemplateItem(
                    template_id=template.id,
                    position=1,
                    kind="check",
                    label_zh="试机无异响",
                    label_en="Test run without noise",
                ),
                ChecklistTemplateItem(
                    template_id=template.id,
                    position=2,
                    kind="number",
                    label_zh="液压油温",
                    label_en="Hydraulic oil temperature",
                    unit="°C",
                    min_value=30,
                    max_value=80,
                ),
            ]
        )
        return world

    with serving_hq("sqlite", tmp_path, seed) as served:
        yield served


def photo_file(folder: Path) -> Path:
    """A camera picture lying on its side (EXIF orientation 6)."""
    image = Image.new("RGB", (3000, 2000), (40, 120, 200))
    exif = Image.Exif()
    exif[0x0112] = 6
    path = folder / "camera.jpg"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    path.write_bytes(out.getvalue())
    return path


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def open_job(qtbot: QtBot, window: Any, number: str) -> Any:
    job_list = window.job_list
    assert job_list is not None
    index = next(i for i, r in enumerate(job_list.model.rows) if r.number == number)
    job_list.view.scrollTo(job_list.model.index(index))
    rect = job_list.view.visualRect(job_list.model.index(index))
    qtbot.mouseClick(job_list.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    page = window.job_page
    assert page is not None and window.stack.currentWidget() is page
    return page


def arrive(qtbot: QtBot, page: Any) -> None:
    for action in ("accepted", "departed", "arrived"):
        tap(qtbot, button_named(page.overview, f"action_{action}"))
        assert page.overview.action_error.text() == ""
    assert page.view.job.status == "on_site"


def rows_of(page: Any, code: str) -> list[Any]:
    """The item rows of one checklist, in order."""
    with page.ctx.store.reader() as session:
        template = session.exec(
            select(ChecklistTemplate).where(ChecklistTemplate.code == code)
        ).one()
    return sorted(
        (r for r in page.checklists.rows if r.item.template_id == template.id),
        key=lambda r: r.item.position,
    )


def fill_conduct(qtbot: QtBot, page: Any, code: str) -> None:
    page.show_tab(page.checklists)
    tap(qtbot, button_named(page.checklists, f"start_{code}"))
    for row in rows_of(page, code):
        tap(qtbot, button_named(row, "check_pass"))


def sign_pad(qtbot: QtBot, page: Any, pad: Any) -> None:
    page.tabs.currentWidget().ensureWidgetVisible(pad)  # type: ignore[attr-defined]
    stroke(qtbot, pad, [(60 + 6 * i, 120 + (i % 7) * 6 - 40) for i in range(60)])
    assert pad.has_valid_signature()


def in_view(widget: Any, area: Any) -> bool:
    """The widget is on screen inside its scroll area."""
    top_left = widget.mapTo(area.viewport(), QPoint(0, 0))
    return area.viewport().rect().intersects(QRect(top_left, widget.size()))


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) missing")
def test_a_whole_job_from_the_list_to_the_signed_report(
    qtbot: QtBot, hq_world: tuple[HQ, World], tmp_path: Path
) -> None:
    hq, world = hq_world
    device = enroll_device(hq, "zhang.wei", tmp_path / "device")
    window = open_window(qtbot, device.store, device.data_dir)
    with qtbot.waitSignal(window.sync.finished, timeout=60_000):
        window.sync.sync_now()

    # The job list: the urgent job of the key customer first, today.
    job_list = window.job_list
    assert job_list is not None
    qtbot.waitUntil(lambda: len(job_list.model.rows) == 2)
    row = next(r for r in job_list.model.rows if r.number == "FW-2026-000123")
    assert (row.customer_name, row.is_key_account) == ("合肥城建集团", True)
    page = open_job(qtbot, window, "FW-2026-000123")
    assert page.view is not None and page.view.job.id == world.job_id
    arrive(qtbot, page)

    # The checklist: 95 °C is out of range and flagged; corrected to 65 °C. The test run
    # is not answered: the customer will be shown that.
    page.show_tab(page.checklists)
    tap(qtbot, button_named(page.checklists, "start_REPAIR-AFTER"))
    temperature = rows_of(page, "REPAIR-AFTER")[1]
    field = temperature.findChild(QLineEdit, "number")
    assert field is not None
    qtbot.waitUntil(field.isVisible)  # rows added to a shown page appear at the next turn
    field.setFocus()
    type_text(qtbot, field, "95")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert temperature.problem.isVisibleTo(page) and "30–80" in temperature.problem.text()
    field.selectAll()
    type_text(qtbot, field, "65")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert not temperature.problem.isVisibleTo(page)

    # A fault.
    faults = page.faults
    page.show_tab(faults)
    faults.assembly.setCurrentIndex(faults.assembly.findData("hydraulic_pump"))
    type_text(qtbot, faults.symptom, "动臂提升无力")
    type_text(qtbot, faults.cause, "主泵内泄")
    type_text(qtbot, faults.action, "更换主泵")
    faults.fixed.setChecked(True)
    tap(qtbot, button_named(faults, "save_fault"))
    assert page.work is not None and len(page.work.faults) == 1
    assert faults.error.text() == ""

    # Two parts: the main pump by a scanned number (warranty), the oil filter by its
    # Chinese name (a consumable: chargeable).
    parts = page.parts
    page.show_tab(parts)
    parts.search.setFocus()
    type_text(qtbot, parts.search, "ZY210-3101-01")
    qtbot.keyClick(parts.search, Qt.Key.Key_Return)
    assert parts.selected() is not None and parts.selected().part.part_no == "ZY210-3101-01"
    tap(qtbot, parts.use_button)
    parts.search.clear()
    type_text(qtbot, parts.search, "液压油滤芯")
    qtbot.keyClick(parts.search, Qt.Key.Key_Return)
    assert parts.selected() is not None and parts.selected().part.part_no == "ZY210-6011-03"
    tap(qtbot, parts.use_button)
    assert page.work is not None
    used = {u.part.part_no: u.usage for u in page.work.parts}
    assert used["ZY210-3101-01"].warranty is True
    assert used["ZY210-6011-03"].warranty is False
    assert page.work.charges.parts_cents == 28000

    # Labour time. The machine is in warranty: labour is free, the customer pays only
    # the consumable filter, and the header shows it.
    page.show_tab(page.time)
    page.time.minutes.setValue(90)
    tap(qtbot, button_named(page.time, "add_time"))
    assert page.work.labour_minutes == 90
    assert "¥280.00" in page.total.text()

    # A photo from the camera: turned upright and downscaled in the back.
    page.show_tab(page.photos)
    page.photos.add_file(str(photo_file(tmp_path)))
    qtbot.waitUntil(lambda: page.work is not None and len(page.work.photos) == 1, timeout=20_000)
    photo = page.work.photos[0]
    assert (photo.width, photo.height) == (1365, 2048)  # portrait now, longest side 2048

    # The sign-off. The conduct checklist is the engineer's, not the customer's: a to-do.
    page.go_to_sign_off()
    signoff = page.signoff
    assert signoff.todo_card.isVisibleTo(page) and not signoff.gaps_card.isHidden()
    assert "不接受用户吃请和礼品" not in signoff.gaps_text.text()
    tap(qtbot, button_named(signoff, "settle_checklists"))
    assert page.tabs.currentIndex() == 3  # the checklists
    fill_conduct(qtbot, page, "CONDUCT-repair")
    page.go_to_sign_off()
    assert not signoff.todo_card.isVisibleTo(page)

    # What the customer pays for: every line with its rate, the warranty ones at ¥0 and
    # why, the total, and the words they sign.
    charges = signoff.charges_view.text()
    for expected in ("ZY210-3101-01", "1 × ¥45,800.00", "ZY210-6011-03", "1 × ¥280.00"):
        assert expected in charges, expected
    assert "1.5 小时 × ¥150.00/时" in charges and "¥280.00" in charges
    assert signoff.declaration.text()

    # The customer is shown the item left open.
    assert signoff.gaps_card.isVisibleTo(page) and "试机无异响" in signoff.gaps_text.text()
    assert signoff.signer.text() == "刘建国"
    tap(qtbot, button_named(signoff, "rating_very_satisfied"))
    type_text(qtbot, signoff.opinion, "服务及时，满意")
    sign_pad(qtbot, page, signoff.pad)
    sign_pad(qtbot, page, signoff.engineer_pad)
    area = page.tabs.currentWidget()
    tap(qtbot, button_named(signoff, "sign"))  # not ticked: refused, next to the box
    assert page.view.job.status == "on_site"
    assert signoff.ack_error.isVisibleTo(page) and signoff.ack_error.text()
    assert in_view(signoff.acknowledge, area)
    signoff.acknowledge.setChecked(True)

    # A sync reloads the page: the tick, the name, the opinion and the signatures stay.
    with qtbot.waitSignal(window.sync.finished, timeout=60_000):
        window.sync.sync_now()
    assert signoff.acknowledge.isChecked()
    assert signoff.opinion.toPlainText() == "服务及时，满意"
    assert signoff.pad.has_valid_signature() and signoff.engineer_pad.has_valid_signature()

    area.ensureWidgetVisible(signoff.sign_button)
    with qtbot.waitSignal(signoff.report_ready, timeout=60_000) as ready:
        tap(qtbot, button_named(signoff, "sign"))
    assert page.view.job.status == "signed"
    sign_off = page.view.sign_off
    assert sign_off is not None
    content = json.loads(sign_off.content)
    assert content["charges"]["total_cents"] == content["amount_cents"] == 28000
    assert [i["subject"] for i in content["open_items"]["customer"]] == ["试机无异响"]
    assert content["open_items"]["engineer"] == []
    assert content["engineer"]["signature"] and content["sign_off"]["signature"]
    pdf = Path(ready.args[0])
    text = pdf_text(pdf)
    assert "FW-2026-000123" in text
    assert "合肥城建集团" in text
    assert sign_off.report_hash in text.replace(" ", "").replace("\n", "")
    assert "¥45,800.00" in text and "¥280.00" in text

    # The sync: HQ holds the signed report and its hash verifies there.
    with qtbot.waitSignal(window.sync.finished, timeout=60_000):
        tap(qtbot, window.indicator.button)
    assert device.store.pending_changes() == {}
    with session_scope(hq.db()) as session:
        job = session.get(Job, world.job_id)
        assert job is not None and job.status == "signed"
        stored = session.exec(select(SignOff).where(SignOff.job_id == world.job_id)).one()
        assert stored.report_hash == sign_off.report_hash
        assert verify_report(stored.content, stored.report_hash)
        content = json.loads(stored.content)
        assert {p["part_no"] for p in content["parts"]} == {"ZY210-3101-01", "ZY210-6011-03"}
        assert len(content["photos"]) == 1
        assert len(session.exec(select(PartUsage).where(PartUsage.job_id == job.id)).all()) == 2
        signatures = {
            a.sha256
            for a in session.exec(
                select(Attachment).where(
                    Attachment.job_id == job.id, Attachment.kind == "signature"
                )
            ).all()
        }
        assert signatures == {content["sign_off"]["signature"], content["engineer"]["signature"]}
    answer = requests.get(
        f"{hq.base}/api/v1/verify/FW-2026-000123/{sign_off.report_hash}", timeout=10
    ).json()
    assert answer["matches"] is True
    assert window.indicator.text.text()  # the status bar says where things stand

    # The second job: everything open is the engineer's own, settled from the to-do list.
    window.back_to_list()
    page = open_job(qtbot, window, "FW-2026-000124")
    arrive(qtbot, page)
    page.go_to_sign_off()
    signoff = page.signoff
    assert signoff.todo_card.isVisibleTo(page) and not signoff.gaps_card.isVisibleTo(page)
    assert signoff.opinion.toPlainText() == ""  # nothing typed for the other job stays
    sign_pad(qtbot, page, signoff.pad)
    sign_pad(qtbot, page, signoff.engineer_pad)
    page.tabs.currentWidget().ensureWidgetVisible(signoff.sign_button)
    tap(qtbot, button_named(signoff, "sign"))
    assert page.view.job.status == "on_site" and signoff.todo_error.isVisibleTo(page)
    tap(qtbot, button_named(signoff, "settle_checklists"))
    fill_conduct(qtbot, page, "CONDUCT-inspection")
    page.go_to_sign_off()
    tap(qtbot, button_named(signoff, "settle_time"))
    page.time.minutes.setValue(30)
    tap(qtbot, button_named(page.time, "add_time"))
    page.go_to_sign_off()
    assert not signoff.todo_card.isVisibleTo(page) and not signoff.gaps_card.isVisibleTo(page)
    page.tabs.currentWidget().ensureWidgetVisible(signoff.sign_button)
    with qtbot.waitSignal(signoff.report_ready, timeout=60_000):
        tap(qtbot, button_named(signoff, "sign"))
    assert page.view.job.status == "signed" and page.view.sign_off is not None
    content = json.loads(page.view.sign_off.content)
    assert content["open_items"] == {"customer": [], "engineer": [], "engineer_reason": ""}
