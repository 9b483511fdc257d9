"""Parts requests and follow-up jobs through the windows, against a real HQ on loopback:
an engineer requests a warranty part, the supervisor's device approves it by the rule
and records the shipment, the engineer sees carrier and tracking number and taps
Received, and the van stock and HQ hold the movement; an engineer offline opens a
follow-up job from the job page, which settles the sign-off's "fault not fixed" and
reaches the supervisor's board."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QLabel, QPushButton
from pytestqt.qtbot import QtBot
from sqlmodel import select

import tests.ui_support  # noqa: F401  (offscreen Qt before any widget)
from fieldapp.models import Job, PartsRequest, PartsRequestLine, StockMovement
from fieldapp.services.parts import stock_on_hand
from sync.hq.db import session_scope
from tests.factories import World
from tests.sync_support import HQ, enroll_device
from tests.test_ui_job_flow import arrive, open_job
from tests.test_ui_review import sync_window
from tests.ui_support import button_named, open_window, tap, type_text
from ui.engineer.follow_up import NeedsAnotherVisitDialog
from ui.supervisor.board import BoardPage
from ui.supervisor.parts_requests import PartsRequestsPage, ShipDialog

PUMP = "ZY210-3101-01"
NUMBER = "FW-2026-000123"


def open_the_job(qtbot: QtBot, window: Any) -> Any:
    """The engineer's job, from the job list (its rows are read in the back)."""
    job_list = window.job_list
    assert job_list is not None
    qtbot.waitUntil(lambda: any(r.number == NUMBER for r in job_list.model.rows))
    return open_job(qtbot, window, NUMBER)


def parts_page(qtbot: QtBot, window: Any) -> PartsRequestsPage:
    desk = window.desk
    assert desk is not None, "the supervisor's device opens the supervisor's desk"
    tap(qtbot, desk.buttons["parts"])
    page = desk.page("parts")
    assert isinstance(page, PartsRequestsPage)
    assert desk.stack.currentWidget() is page
    return page


def test_request_auto_approved_shipped_and_received_into_the_van(
    qtbot: QtBot, hq: tuple[HQ, World], tmp_path: Path
) -> None:
    server, world = hq
    engineer = enroll_device(server, "zhang.wei", tmp_path / "engineer")
    window = open_window(qtbot, engineer.store, engineer.data_dir)
    sync_window(qtbot, window)
    page = open_the_job(qtbot, window)
    arrive(qtbot, page)

    # The engineer asks for one main pump (a warranty repair, a normal quantity).
    parts = page.parts
    page.show_tab(parts)
    parts.search.setFocus()
    type_text(qtbot, parts.search, PUMP)
    parts.run_search()
    assert parts.selected() is not None and parts.selected().part.part_no == PUMP
    tap(qtbot, parts.request_button)
    assert page.work is not None and len(page.work.requests) == 1
    request_id = page.work.requests[0][0].id
    assert page.work.requests[0][0].warranty
    sync_window(qtbot, window)

    # The supervisor's device: the rule approves it as the page loads after the sync.
    boss = enroll_device(server, "wang.min", tmp_path / "supervisor")
    desk_window = open_window(qtbot, boss.store, boss.data_dir)
    sync_window(qtbot, desk_window)
    # The rule runs in a worker thread after the sync.
    qtbot.waitUntil(lambda: desk_window.ctx.task_manager.busy == 0, timeout=10_000)
    requests = parts_page(qtbot, desk_window)
    requests.set_filter("status", None)
    assert [r.request.id for r in requests.rows] == [request_id]
    row = requests.rows[0]
    assert row.request.status == "approved" and row.request.auto_approved
    assert "×" in requests.list.item(0).text()
    requests.select(request_id)
    assert requests.ship_button.isVisible() and not requests.approve_button.isVisible()

    # The shipment: carrier, tracking number, date.
    tap(qtbot, requests.ship_button)
    dialog = requests.dialog
    assert isinstance(dialog, ShipDialog)
    qtbot.waitExposed(dialog)
    tap(qtbot, dialog.confirm)
    assert dialog.error.isVisible()  # nothing typed: refused next to the fields
    type_text(qtbot, dialog.carrier, "顺丰速运")
    type_text(qtbot, dialog.tracking, "SF1234567890")
    dialog.date.setDate(QDate(2026, 11, 24))
    tap(qtbot, dialog.confirm)
    assert requests.rows[0].request.status == "shipped"
    assert "SF1234567890" in requests.detail_text.text()
    sync_window(qtbot, desk_window)

    # The engineer's device shows the shipment and receives it into the van.
    sync_window(qtbot, window)
    page.reload()
    received = button_named(page.parts, f"receive_{request_id}")
    shown = " ".join(label.text() for label in page.parts.requests.findChildren(QLabel))
    assert "顺丰速运" in shown and "SF1234567890" in shown
    with engineer.store.reader() as session:
        before = stock_on_hand(session, world.van_id).get(world.pump_id, 0)
    tap(qtbot, received)
    with engineer.store.reader() as session:
        assert stock_on_hand(session, world.van_id)[world.pump_id] == before + 1
        request = session.get(PartsRequest, request_id)
        assert request is not None and request.status == "received"
    assert page.parts.findChild(QPushButton, f"receive_{request_id}") is None
    sync_window(qtbot, window)

    with session_scope(server.db()) as session:
        held = session.get(PartsRequest, request_id)
        assert held is not None and (held.status, held.carrier) == ("received", "顺丰速运")
        moves = session.exec(
            select(StockMovement).where(StockMovement.transfer_id == request_id)
        ).all()
        assert [(m.part_id, m.quantity, m.kind) for m in moves] == [
            (world.pump_id, 1, "transfer_in")
        ]


def test_a_follow_up_created_offline_reaches_the_supervisors_board(
    qtbot: QtBot, hq: tuple[HQ, World], tmp_path: Path
) -> None:
    server, world = hq
    engineer = enroll_device(server, "zhang.wei", tmp_path / "engineer")
    window = open_window(qtbot, engineer.store, engineer.data_dir)
    sync_window(qtbot, window)
    page = open_the_job(qtbot, window)
    arrive(qtbot, page)
    server.stop()  # no network from here on

    # A fault that is not fixed today.
    faults = page.faults
    page.show_tab(faults)
    faults.assembly.setCurrentIndex(faults.assembly.findData("hydraulic_pump"))
    type_text(qtbot, faults.symptom, "主泵异响")
    faults.fixed.setChecked(False)
    tap(qtbot, button_named(faults, "save_fault"))
    page.go_to_sign_off()
    signoff = page.signoff
    assert "fault_not_fixed" in [g.code for g in signoff.gaps]
    assert signoff.follow_up_button.isVisibleTo(page)

    # "Needs another visit" among the job page's secondary actions.
    page.show_tab(page.overview)
    tap(qtbot, button_named(page.overview, "action_follow_up"))
    dialog = page.follow_up_dialog
    assert isinstance(dialog, NeedsAnotherVisitDialog)
    qtbot.waitExposed(dialog)
    tap(qtbot, dialog.create)
    assert dialog.error.isVisible()  # a reason is required
    type_text(qtbot, dialog.reason, "主泵需更换，等配件")
    type_text(qtbot, dialog.search, PUMP)
    dialog.run_search()
    tap(qtbot, dialog.add_part)
    assert dialog.parts() == [(world.pump_id, 1)]
    tap(qtbot, dialog.create)
    assert "总部" in page.overview.action_error.text()  # "HQ gets it at the next sync"

    with engineer.store.reader() as session:
        follow = session.exec(select(Job).where(Job.parent_job_id == world.job_id)).one()
        follow_id, number = follow.id, follow.number
        assert (follow.status, follow.assignee_id) == ("new", None)
        request = session.exec(select(PartsRequest).where(PartsRequest.job_id == follow_id)).one()
        line = session.exec(
            select(PartsRequestLine).where(PartsRequestLine.request_id == request.id)
        ).one()
        assert (line.part_id, line.quantity) == (world.pump_id, 1)
    # Offline, from the block HQ reserved for this device (or provisional without one).
    assert number.startswith(("FW-", "~"))

    # The sign-off's "fault not fixed" is settled by the follow-up.
    page.go_to_sign_off()
    assert "fault_not_fixed" not in [g.code for g in signoff.gaps]
    assert not signoff.follow_up_button.isVisibleTo(page)

    server.start()
    sync_window(qtbot, window)
    page.go_to_sign_off()
    assert "fault_not_fixed" not in [g.code for g in page.signoff.gaps]  # still, after sync

    boss = enroll_device(server, "wang.min", tmp_path / "supervisor")
    desk_window = open_window(qtbot, boss.store, boss.data_dir)
    sync_window(qtbot, desk_window)
    desk = desk_window.desk
    assert desk is not None
    board = desk.page("board")
    assert isinstance(board, BoardPage)
    with qtbot.waitSignal(board.loaded, timeout=10_000):
        tap(qtbot, desk.buttons["board"])
    assert follow_id in [j.id for j in board.tray.jobs]  # unassigned, on the board's tray
    with boss.store.reader() as session:
        seen = session.get(Job, follow_id)
        assert seen is not None and seen.parent_job_id == world.job_id
        assert seen.number == number or number.startswith("~")
        assert not seen.number.startswith("~")  # a number of the series
