"""The office's desk pages driven like a clerk does, on a device enrolled to a real HQ:
a follow-up call that raises a complaint, the complaint answered and closed with a
licence proposal, a reminder turned into a job — each synced to HQ."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
)
from pytestqt.qtbot import QtBot
from sqlmodel import Session, select

import tests.ui_support  # noqa: F401  (offscreen Qt before any widget)
from fieldapp.models import Complaint, FollowUp, Job, JobEvent, ReminderDismissal
from fieldapp.store import Store
from sync.hq.db import session_scope
from tests.conftest import BACKENDS, seed_world
from tests.factories import NOW, World
from tests.sync_support import HQ, enroll_device, serving_hq
from tests.test_follow_up import add_clerk
from tests.test_reminders import seed_reminders
from tests.ui_support import button_named, tap, type_text
from ui.common import theme
from ui.common.context import AppContext
from ui.common.i18n import INSTALLED
from ui.common.tasks import TaskManager
from ui.office.complaints import ComplaintsPage
from ui.office.follow_ups import FollowUpQueuePage
from ui.office.reminders import RemindersPage


def seed_office(session: Session) -> World:
    world = seed_world(session)
    add_clerk(session)
    seed_reminders(session, world)
    job = session.get(Job, world.job_id)
    assert job is not None
    job.status, job.completed_at, job.amount_cents = "approved", NOW, 256_000
    return world


@pytest.fixture(params=BACKENDS)
def office_hq(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[HQ, World]]:
    with serving_hq(request.param, tmp_path, seed_office) as served:
        yield served


def context(store: Store, data_dir: Path) -> AppContext:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    INSTALLED.install("zh_CN")
    theme.apply(app)
    ctx = AppContext(store=store, data_dir=data_dir, task_manager=TaskManager(), language="zh_CN")
    ctx.now = lambda: NOW + timedelta(days=1)  # type: ignore[method-assign]
    ctx.today = lambda: (NOW + timedelta(days=1)).date()  # type: ignore[method-assign]
    return ctx


def tick(qtbot: QtBot, box: QCheckBox) -> None:
    """A tap on a check box's square (its hit area is the square and the words)."""
    qtbot.waitUntil(box.isVisible, timeout=2000)
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(12, box.height() // 2))


def shown(qtbot: QtBot, page: object) -> None:
    qtbot.addWidget(page)
    page.resize(1280, 800)  # type: ignore[attr-defined]
    page.show()  # type: ignore[attr-defined]
    qtbot.waitExposed(page)
    with qtbot.waitSignal(page.loaded):  # type: ignore[attr-defined]
        page.refresh()  # type: ignore[attr-defined]


def test_a_call_to_a_complaint_to_its_closure_and_a_reminder_to_a_job(
    qtbot: QtBot, office_hq: tuple[HQ, World], tmp_path: Path
) -> None:
    hq, world = office_hq
    device = enroll_device(hq, "chen.jing", tmp_path / "clerk")
    device.sync()
    ctx = context(device.store, tmp_path / "clerk")

    # The follow-up call: reached, 不满意, a complaint.
    calls = FollowUpQueuePage(ctx)
    shown(qtbot, calls)
    assert calls.rows.count() == 1 and "FW-2026-000123" in calls.rows.item(0).text()
    save = button_named(calls, "save_call")
    assert not save.isEnabled()  # nothing chosen yet
    tap(qtbot, button_named(calls, "reached"))
    tap(qtbot, button_named(calls, "sat_dissatisfied"))
    type_text(qtbot, calls.findChild(QLineEdit, "comment"), "工程师迟到")
    tick(qtbot, calls.findChild(QCheckBox, "has_complaint"))
    assert not save.isEnabled()  # a complaint needs its words
    type_text(qtbot, calls.findChild(QPlainTextEdit, "complaint_text"), "约好九点，十二点才到")
    with qtbot.waitSignals([calls.changed, calls.loaded]):
        tap(qtbot, save)
    assert calls.rows.count() == 0

    # The complaint: answered, a licence proposal, closed.
    complaints = ComplaintsPage(ctx)
    shown(qtbot, complaints)
    assert complaints.rows.count() == 1
    assert "约好九点" in complaints.rows.item(0).text()
    assert complaints.countdown.text()  # the 4-hour countdown is shown
    type_text(qtbot, complaints.findChild(QLineEdit, "answer_text"), "已致歉，明天回复处理")
    with qtbot.waitSignals([complaints.changed, complaints.loaded]):
        tap(qtbot, button_named(complaints, "answer"))
    kinds = complaints.findChild(QComboBox, "complaint_licence_kind")
    kinds.setCurrentIndex(kinds.findData("broken_promise"))
    type_text(qtbot, complaints.findChild(QLineEdit, "complaint_licence_reason"), "迟到三小时")
    with qtbot.waitSignals([complaints.changed, complaints.loaded]):
        tap(qtbot, button_named(complaints, "licence"))
    assert complaints.proposal_card.isVisibleTo(complaints)  # waiting for the supervisor
    type_text(qtbot, complaints.findChild(QLineEdit, "resolution"), "工程师上门道歉并减免工时费")
    with qtbot.waitSignals([complaints.changed, complaints.loaded]):
        tap(qtbot, button_named(complaints, "close_complaint"))
    assert complaints.rows.count() == 0  # closed ones are hidden
    with qtbot.waitSignal(complaints.loaded):
        tick(qtbot, complaints.findChild(QCheckBox, "show_closed"))
    assert complaints.rows.count() == 1

    # A reminder turned into a job.
    reminders = RemindersPage(ctx)
    shown(qtbot, reminders)
    texts = [reminders.rows.item(n).text() for n in range(reminders.rows.count())]
    assert len(texts) == 2 and any("1250" in t for t in texts), texts
    assert reminders.choose(
        next(i.reminder.key for i in reminders.items if "service" in i.reminder.key)
    )
    with qtbot.waitSignals([reminders.changed, reminders.loaded]):
        tap(qtbot, button_named(reminders, "make_job"))
    assert reminders.rows.count() == 1
    type_text(qtbot, reminders.findChild(QLineEdit, "dismiss_reason"), "客户已自行更换斗齿")
    with qtbot.waitSignals([reminders.changed, reminders.loaded]):
        tap(qtbot, button_named(reminders, "dismiss"))
    assert reminders.rows.count() == 0

    report = device.sync()
    assert report.rejected == 0, report
    with session_scope(hq.db()) as session:
        job = session.get(Job, world.job_id)
        assert job is not None and job.status == "closed"
        call = session.exec(select(FollowUp)).one()
        assert (call.satisfaction, call.engineer_id) == ("dissatisfied", world.engineer_id)
        complaint = session.exec(select(Complaint)).one()
        assert complaint.follow_up_id == call.id and complaint.status == "closed"
        assert complaint.resolution == "已致歉，明天回复处理\n工程师上门道歉并减免工时费"
        proposal = session.exec(select(JobEvent).where(JobEvent.kind == "licence_proposed")).one()
        assert json.loads(proposal.data)["licence_kind"] == "broken_promise"
        new = session.exec(select(Job).where(Job.status == "new")).one()
        assert new.job_type == "maintenance" and new.assignee_id is None
        dismissed = session.exec(select(ReminderDismissal)).one()
        assert dismissed.reason == "客户已自行更换斗齿"
        assert dismissed.reminder_key.startswith("declined_repair:")
    device.store.close()


def test_a_direct_complaint_and_a_supervisor_confirming_the_clerks_proposal(
    qtbot: QtBot, store: Store, tmp_path: Path
) -> None:
    from fieldapp.models import LicenceEvent, User
    from fieldapp.models.enums import LicenceEventKind
    from fieldapp.services.complaints import record_licence
    from sync.client import USER_ID
    from tests.factories import make_world

    with store.action() as session:
        world = make_world(session)
        clerk = add_clerk(session)
        job = session.get(Job, world.job_id)
        assert job is not None
        record_licence(
            session,
            clerk,
            job=job,
            kind=LicenceEventKind.REPEAT_REPAIR,
            reason="三次修同一处",
            now=NOW,
        )
    store.set_setting(USER_ID, clerk.id)
    ctx = context(store, tmp_path)
    page = ComplaintsPage(ctx)
    shown(qtbot, page)
    assert page.rows.count() == 0
    assert not page.findChildren(type(button_named(page, "new_complaint")), "confirm_proposal_0")
    tap(qtbot, button_named(page, "new_complaint"))
    combo = page.findChild(QComboBox, "complaint_customer")
    assert combo.count() == 1 and "合肥城建集团" in combo.currentText()
    type_text(qtbot, page.findChild(QPlainTextEdit, "new_complaint_text"), "热线无人接听")
    with qtbot.waitSignals([page.changed, page.loaded]):
        tap(qtbot, button_named(page, "open_complaint"))
    assert page.rows.count() == 1 and "热线无人接听" in page.rows.item(0).text()

    # The supervisor's device: the same page decides the clerk's proposal.
    store.set_setting(USER_ID, world.supervisor_id)
    supervisor_ctx = context(store, tmp_path)
    desk = ComplaintsPage(supervisor_ctx)
    shown(qtbot, desk)
    with qtbot.waitSignals([desk.changed, desk.loaded]):
        tap(qtbot, button_named(desk, "confirm_proposal_0"))
    assert not desk.proposal_card.isVisibleTo(desk)
    with store.reader() as session:
        [licence] = session.exec(select(LicenceEvent)).all()
        assert (licence.kind, licence.engineer_id) == ("repeat_repair", world.engineer_id)
        assert session.get(User, world.supervisor_id) is not None


def test_the_clerk_sets_the_companys_sample_rate_and_the_queue_follows(
    qtbot: QtBot, store: Store, tmp_path: Path
) -> None:
    from fieldapp.models import OutboxEntry, User
    from fieldapp.models.company import COMPANY_PROFILE_ID, CompanyProfile
    from sync.client import USER_ID
    from tests.factories import make_world
    from tests.test_follow_up import add_profile, grade_c_jobs

    with store.action(track=False) as session:
        world = make_world(session)
        clerk = add_clerk(session)
        jobs = {j.id for j in grade_c_jobs(session, world, 12)}
    store.set_setting(USER_ID, clerk.id)
    ctx = context(store, tmp_path)
    page = FollowUpQueuePage(ctx)
    shown(qtbot, page)
    spin = page.findChild(QSpinBox, "sample_percent")
    set_rate = button_named(page, "set_sample_percent")
    # No company profile from HQ yet: the default rate, nothing to set.
    assert spin.value() == 20 and not spin.isEnabled() and not set_rate.isEnabled()
    with store.action(track=False) as session:
        add_profile(session)
    with qtbot.waitSignal(page.loaded):
        page.refresh()
    assert spin.isEnabled() and not set_rate.isEnabled()  # nothing changed yet
    due_before = page.rows.count()
    assert due_before < len(jobs)
    spin.setValue(100)
    assert set_rate.isEnabled()
    with qtbot.waitSignals([page.changed, page.loaded]):
        tap(qtbot, set_rate)
    assert page.rows.count() == len(jobs) and not set_rate.isEnabled()
    with store.reader() as session:
        profile = session.get(CompanyProfile, COMPANY_PROFILE_ID)
        assert profile is not None and profile.follow_up_sample_percent == 100
        [entry] = session.exec(
            select(OutboxEntry).where(OutboxEntry.table_name == "companyprofile")
        ).all()
        assert json.loads(entry.fields) == {"follow_up_sample_percent": 100}
        assert session.get(User, clerk.id) is not None
