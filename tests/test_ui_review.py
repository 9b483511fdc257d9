"""The supervisor's review through the windows, against a real HQ on loopback: a report
returned with a comment, corrected by the engineer as a new revision and approved; a
report altered at HQ that fails its verification; a bulk approval of clean reports."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import text
from sqlmodel import select

import tests.ui_support  # noqa: F401  (offscreen Qt before any widget)
from fieldapp.blobs import BlobStore
from fieldapp.clock import utcnow
from fieldapp.models import (
    ChecklistTemplate,
    ChecklistTemplateItem,
    Job,
    JobEvent,
    Part,
    Review,
    SignOff,
    User,
)
from fieldapp.models.enums import JobEventKind, JobStatus
from fieldapp.services.jobs import transition
from fieldapp.services.parts import use_part
from fieldapp.services.work import (
    add_time,
    answer_item,
    save_fault,
    sign_with_signature,
    start_checklist,
)
from sync.hq.db import session_scope
from sync.hq.integrity import rebuild_digests
from tests.factories import World
from tests.sync_support import HQ, DeviceUnderTest, enroll_device, picture
from tests.ui_support import button_named, open_window, stroke, tap, type_text
from ui.common.report import Approval, report_html
from ui.supervisor.review_queue import ReviewQueuePage

CUSTOMER_SIGNATURE = picture("the customer's signature")
SYNC_TIMEOUT = 60_000


def work_and_sign(device: DeviceUnderTest, world: World, job_id: str, *, temperature: float) -> str:
    """What the engineer records on site, then the customer's signature (through the
    services, as ui/screens.py record_work does); returns the report hash."""
    blobs = BlobStore(device.data_dir / "blobs")
    with device.store.action() as session:
        engineer = session.get(User, world.engineer_id)
        job = session.get(Job, job_id)
        assert engineer is not None and job is not None
        now = utcnow()
        if job.status == JobStatus.ASSIGNED:
            for step in (JobEventKind.ACCEPTED, JobEventKind.DEPARTED, JobEventKind.ARRIVED):
                transition(session, job, step, engineer, now=now)
            save_fault(session, job, {"assembly": "engine", "symptom": "冒黑烟", "fixed": True})
            part = session.get(Part, world.filter_id)
            assert part is not None
            use_part(session, job, part, 1, engineer, location_id=world.van_id, now=now)
            add_time(session, job, engineer, "labour", 60, now=now)
        template = session.get(ChecklistTemplate, world.template_id)
        item = session.get(ChecklistTemplateItem, world.item_ids[1])
        assert template is not None and item is not None
        run = start_checklist(session, job, template, now=now)
        session.flush()
        answer_item(session, job, run, item, number=temperature, now=now)
        sign_off = sign_with_signature(
            session, blobs, job, engineer, CUSTOMER_SIGNATURE, signer_name="刘建国", now=now
        )
        return sign_off.report_hash


def sync_window(qtbot: QtBot, window: Any) -> None:
    """A sync through the window's button (F5); nothing refused by HQ."""
    with qtbot.waitSignal(window.sync.finished, timeout=SYNC_TIMEOUT) as done:
        assert window.sync.sync_now()
    report = done.args[0]
    assert report is not None and report.rejected == 0, report


def review_page(qtbot: QtBot, window: Any) -> ReviewQueuePage:
    desk = window.desk
    assert desk is not None, "the supervisor's device opens the supervisor's desk"
    page = desk.page("review")
    assert isinstance(page, ReviewQueuePage)
    qtbot.waitUntil(lambda: desk.stack.currentWidget() is page)
    return page


def wait_rows(qtbot: QtBot, page: ReviewQueuePage, count: int) -> None:
    """Reload the queue from the store and wait for its first page."""
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.refresh()
    assert len(page.model.rows) == count


def open_row(qtbot: QtBot, page: ReviewQueuePage, number: str) -> None:
    """A tap on the report's row; waits for its verification."""
    index = next(i for i, r in enumerate(page.model.rows) if r.job_number == number)
    model_index = page.model.index(index)
    page.view.scrollTo(model_index)
    rect = page.view.visualRect(model_index)
    with qtbot.waitSignal(page.report.loaded, timeout=10_000):
        qtbot.mouseClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert page.stack.currentWidget() is page.report


def sign_on_pad(qtbot: QtBot, pad: Any) -> None:
    qtbot.waitUntil(pad.isVisible)
    stroke(qtbot, pad, [(60 + 6 * i, 80 + (i % 7) * 6) for i in range(60)])
    assert pad.has_valid_signature()


def hq_rows(hq: HQ, model: Any, *conditions: Any) -> list[Any]:
    with session_scope(hq.db()) as session:
        return list(session.exec(select(model).where(*conditions)).all())


def test_return_rework_and_approve_the_second_revision(
    qtbot: QtBot, hq: tuple[HQ, World], tmp_path: Path
) -> None:
    server, world = hq
    engineer = enroll_device(server, "zhang.wei", tmp_path / "engineer")
    engineer.sync()
    first_hash = work_and_sign(engineer, world, world.job_id, temperature=95.0)
    assert engineer.sync().rejected == 0

    # The supervisor's device: its desk opens on the reports to review.
    boss = enroll_device(server, "wang.min", tmp_path / "supervisor")
    window = open_window(qtbot, boss.store, boss.data_dir)
    sync_window(qtbot, window)
    page = review_page(qtbot, window)
    wait_rows(qtbot, page, 1)
    row = page.model.rows[0]
    assert (row.report_hash, row.status) == (first_hash, "waiting")
    assert "out_of_range" in row.flags
    open_row(qtbot, page, "FW-2026-000123")
    report = page.report
    assert report.mark.property("state") == "ok"
    assert "合肥城建集团" in report.browser.toPlainText()  # the customer copy, as signed
    assert report.approve_button.isEnabled()

    # Return it: a comment is required, said next to the field.
    tap(qtbot, button_named(report, "review_return"))
    dialog = report.return_dialog
    assert dialog is not None
    dialog.reason.setCurrentIndex(dialog.reason.findData("incomplete_checklist"))
    tap(qtbot, dialog.confirm)
    assert dialog.error.isVisible() and dialog.isVisible()
    type_text(qtbot, dialog.comment, "油温超限，请复测后重新签字")
    tap(qtbot, dialog.confirm)
    qtbot.waitUntil(lambda: report.current is not None and report.current.job_status == "returned")
    assert not report.approve_button.isEnabled() and not report.return_button.isEnabled()
    assert "油温超限" in report.history.text()
    sync_window(qtbot, window)

    # The engineer's device shows the return and the comment on the job page.
    eng_window = open_window(qtbot, engineer.store, engineer.data_dir)
    sync_window(qtbot, eng_window)
    with engineer.store.reader() as session:
        job = session.get(Job, world.job_id)
        assert job is not None and job.status == JobStatus.RETURNED
    eng_window.open_job(world.job_id)
    job_page = eng_window.job_page
    assert job_page is not None
    job_page.go_to_sign_off()
    signoff_tab = job_page.signoff
    qtbot.waitUntil(lambda: signoff_tab.returned_card.isVisibleTo(job_page))
    assert "油温超限，请复测后重新签字" in signoff_tab.returned_text.text()

    # The correction: measured again, signed again as a new revision.
    second_hash = work_and_sign(engineer, world, world.job_id, temperature=70.0)
    assert second_hash != first_hash
    sync_window(qtbot, eng_window)

    # The supervisor sees the new revision, its differences, and approves it.
    sync_window(qtbot, window)
    page.show_list()
    wait_rows(qtbot, page, 1)
    row = page.model.rows[0]
    assert (row.report_hash, row.status, row.flags) == (second_hash, "resubmitted", frozenset())
    open_row(qtbot, page, "FW-2026-000123")
    assert report.revision_card.isVisibleTo(page)
    assert "95" in report.revision.text() and "70" in report.revision.text()
    assert "fff3b0" in report.revision.text()  # highlighted
    assert report.mark.property("state") == "ok"
    tap(qtbot, button_named(report, "review_approve"))
    signature = report.signature_dialog
    assert signature is not None  # the first approval asks for the signature once
    sign_on_pad(qtbot, signature.pad)
    tap(qtbot, signature.keep)
    qtbot.waitUntil(lambda: report.current is not None and report.current.job_status == "approved")
    assert not report.approve_button.isEnabled()
    sync_window(qtbot, window)

    # HQ holds both revisions and the approval of the second hash, with its signature.
    sign_offs = hq_rows(server, SignOff, SignOff.job_id == world.job_id)
    assert {s.report_hash for s in sign_offs} == {first_hash, second_hash}
    second = next(s for s in sign_offs if s.report_hash == second_hash)
    first = next(s for s in sign_offs if s.report_hash == first_hash)
    assert second.amends_id == first.id
    reviews = {r.decision: r for r in hq_rows(server, Review, Review.job_id == world.job_id)}
    assert reviews["returned"].report_hash == first_hash
    assert reviews["returned"].comment == "油温超限，请复测后重新签字"
    assert reviews["approved"].report_hash == second_hash
    assert reviews["approved"].signoff_id == second.id
    assert reviews["approved"].reviewer_id == world.supervisor_id
    assert reviews["approved"].signature_sha256
    (job,) = hq_rows(server, Job, Job.id == world.job_id)
    assert job.status == JobStatus.APPROVED

    # The engineer's company copy now carries the supervisor's name, time and signature.
    sync_window(qtbot, eng_window)
    eng_window.open_job(world.job_id)
    approval = signoff_tab._approval()
    assert approval is not None and approval.reviewer == "王敏"
    assert approval.signature is not None  # the picture came down with the sync
    company = report_html(
        json.loads(second.content), second_hash, lambda _sha: None, copy="company",
        approval=approval,
    )  # fmt: skip
    assert "王敏" in company


def tamper(server: HQ, job_id: str) -> None:
    """Change a signed report's content in HQ's database, past its freeze triggers
    (dropped or disabled here, in the test only)."""
    engine = server.db()
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE signoff DISABLE TRIGGER hq_frozen_signoff"))
        else:
            connection.execute(text("DROP TRIGGER hq_frozen_signoff_update"))
        changed = connection.execute(
            text(
                "UPDATE signoff SET content = replace(content, '刘建国', '刘建军')"
                " WHERE job_id = :job"
            ),
            {"job": job_id},
        )
        assert changed.rowcount == 1
        # The row log's digests made to agree (a doctored restore): the sync itself sees
        # nothing wrong, only the report's own hash can tell.
        rebuild_digests(connection)


def test_a_report_altered_at_hq_fails_and_cannot_be_approved(
    qtbot: QtBot, hq: tuple[HQ, World], tmp_path: Path
) -> None:
    server, world = hq
    engineer = enroll_device(server, "zhang.wei", tmp_path / "engineer")
    engineer.sync()
    work_and_sign(engineer, world, world.job_id, temperature=60.0)
    assert engineer.sync().rejected == 0
    tamper(server, world.job_id)

    boss = enroll_device(server, "wang.min", tmp_path / "supervisor")
    window = open_window(qtbot, boss.store, boss.data_dir)
    sync_window(qtbot, window)
    page = review_page(qtbot, window)
    wait_rows(qtbot, page, 1)
    open_row(qtbot, page, "FW-2026-000123")
    report = page.report
    assert report.mark.property("state") == "failed"
    assert "✗" in report.mark.text()
    assert report.problems.text()  # what does not match, listed
    assert not report.approve_button.isEnabled()
    assert report.return_button.isEnabled()  # it can still go back to the engineer
    with boss.store.reader() as session:
        assert session.exec(select(Review)).all() == []


def assign_jobs(server: HQ, world: World, count: int) -> list[str]:
    """``count`` more jobs of the customer assigned to the engineer, at HQ."""
    ids = []
    with session_scope(server.db()) as session:
        template = session.get(Job, world.job_id)
        assert template is not None
        for index in range(count):
            job = Job(
                number=f"FW-2026-7{index:05d}",
                job_type="repair",
                urgency="normal",
                status="assigned",
                customer_id=world.customer_id,
                machine_id=world.machine_id,
                team_id=template.team_id,
                assignee_id=world.engineer_id,
                address=template.address,
                reported_model="ZY210",
                received_at=template.received_at,
                on_site_due_at=utcnow() + timedelta(days=1),
            )
            session.add(job)
            session.flush()
            session.add(
                JobEvent(
                    job_id=job.id,
                    kind="assigned",
                    from_status="new",
                    to_status="assigned",
                    occurred_at=template.received_at,
                    data=f'{{"assignee_id": "{world.engineer_id}"}}',
                )
            )
            ids.append(job.id)
    return ids


def test_bulk_approval_of_twenty_clean_reports(
    qtbot: QtBot, hq: tuple[HQ, World], tmp_path: Path
) -> None:
    server, world = hq
    ids = assign_jobs(server, world, 20)
    engineer = enroll_device(server, "zhang.wei", tmp_path / "engineer")
    engineer.sync()
    for job_id in ids:
        work_and_sign(engineer, world, job_id, temperature=60.0)
    work_and_sign(engineer, world, world.job_id, temperature=99.0)  # flagged: left out
    assert engineer.sync().rejected == 0

    boss = enroll_device(server, "wang.min", tmp_path / "supervisor")
    window = open_window(qtbot, boss.store, boss.data_dir)
    sync_window(qtbot, window)
    page = review_page(qtbot, window)
    with qtbot.waitSignal(page.counted, timeout=10_000):
        wait_rows(qtbot, page, 21)
    flags = page.combos["flag"]
    assert flags.itemText(flags.findData("clean")).endswith("(20)")
    assert flags.itemText(flags.findData("out_of_range")).endswith("(1)")
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.set_filter("flag", "out_of_range")  # as a tap in the drop-down does
    assert [r.job_number for r in page.model.rows] == ["FW-2026-000123"]
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.set_filter("flag", None)
    assert len(page.model.rows) == 21
    tap(qtbot, button_named(page, "review_bulk"))
    qtbot.waitUntil(lambda: page.bulk_dialog is not None and page.bulk_dialog.isVisible())
    dialog = page.bulk_dialog
    assert dialog is not None
    assert dialog.selection.count == 20
    with boss.store.reader() as session:
        amounts = session.exec(select(Job.amount_cents).where(Job.id.in_(ids))).all()  # type: ignore[attr-defined]
    assert dialog.selection.total_cents == sum(amounts) > 0
    assert "20" in dialog.message.text()
    tap(qtbot, dialog.confirm)
    signature = page.signature_dialog
    assert signature is not None
    sign_on_pad(qtbot, signature.pad)
    tap(qtbot, signature.keep)

    def approved() -> set[str]:
        with boss.store.reader() as session:
            return set(session.exec(select(Job.id).where(Job.status == "approved")).all())

    assert approved() == set(ids)  # one action, one transaction
    qtbot.waitUntil(lambda: sum(r.status == "approved" for r in page.model.rows) == 20)
    assert page.notice.isVisible() and "20" in page.notice.text()
    sync_window(qtbot, window)
    reviews = hq_rows(server, Review, Review.decision == "approved")
    assert len(reviews) == 20 and {r.job_id for r in reviews} == set(ids)
    assert len({r.signature_sha256 for r in reviews}) == 1  # signed once, reused
    (flagged,) = hq_rows(server, Job, Job.id == world.job_id)
    assert flagged.status == JobStatus.SIGNED


def test_the_approval_is_printed_on_the_company_copy_only() -> None:
    from PySide6.QtWidgets import QApplication

    assert QApplication.instance() is not None or QApplication([])
    content = {"job": {"number": "FW-2026-000123"}, "sign_off": {"signer": "刘建国"}}
    approval = Approval("王敏", datetime(2026, 11, 23, 6, 0, tzinfo=UTC), picture("sig"))
    company = report_html(content, "a" * 64, lambda _sha: None, copy="company", approval=approval)
    customer = report_html(content, "a" * 64, lambda _sha: None, copy="customer", approval=approval)
    plain = report_html(content, "a" * 64, lambda _sha: None, copy="company")
    assert "王敏" in company and "2026-11-23 14:00" in company  # China time
    assert "data:image/png" in company  # the signature picture
    assert "王敏" not in customer and "王敏" not in plain


def test_the_queue_pages_lazily_as_it_scrolls(qtbot: QtBot, tmp_path: Path) -> None:
    """130 reports: the list holds one page, and the next as the view reaches its end."""
    from fieldapp.store import Store
    from sync.client import USER_ID
    from tests.factories import make_world
    from tests.test_review import insert, sign_a_job
    from ui.common.context import AppContext
    from ui.common.tasks import TaskManager
    from ui.supervisor.review_queue import PAGE_SIZE

    store = Store.open(tmp_path)
    with store.action(track=False) as session:
        world = make_world(session)
    signoff_id = sign_a_job(store, world, BlobStore(tmp_path / "blobs"))
    with store.engine.begin() as connection:
        signed = dict(
            connection.execute(text("SELECT * FROM signoff WHERE id = :i"), {"i": signoff_id})
            .mappings()
            .one()
        )
        job = dict(
            connection.execute(text("SELECT * FROM job WHERE id = :i"), {"i": world.job_id})
            .mappings()
            .one()
        )
        for index in range(129):
            copy = {**job, "id": f"job-{index:04d}", "number": f"FW-2026-4{index:05d}"}
            connection.execute(text(insert("job", copy)), copy)
            row = {**signed, "id": f"so-{index:04d}", "job_id": copy["id"]}
            connection.execute(text(insert("signoff", row)), row)
    store.set_setting(USER_ID, world.supervisor_id)
    ctx = AppContext(store=store, data_dir=tmp_path, task_manager=TaskManager())
    page = ReviewQueuePage(ctx)
    qtbot.addWidget(page)
    page.resize(1072, 800)
    page.show()
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.refresh()
    assert len(page.model.rows) == PAGE_SIZE
    bar = page.view.verticalScrollBar()
    for expected in (2 * PAGE_SIZE, 130):
        qtbot.waitUntil(lambda: bar.maximum() > 0 and not page.model.loading)  # laid out
        bar.setValue(bar.maximum())  # a flick to the end: the view asks the model for more
        qtbot.waitUntil(lambda n=expected: len(page.model.rows) == n, timeout=10_000)
    assert len({r.signoff_id for r in page.model.rows}) == 130
    assert not page.model.canFetchMore(page.model.index(-1))
    ctx.task_manager.wait(5000)
    store.close()
