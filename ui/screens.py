"""Render every screen of the app, in Chinese and in English, at 1280×800, to PNG files:
``python -m ui.screens --out DIR``. It builds a fresh demo (local HQ, the demo
engineer's device, one sync), records some work on the job that is on site, signs it,
and photographs each page, dialog and state, light and dark. For looking at, for the
docs, and for catching what a user would stumble on (cut-off text, English leaking
into the Chinese UI)."""

from __future__ import annotations

import argparse
import io
import logging
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image, ImageDraw
from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from sqlmodel import select

from fieldapp.models import Job, Part, User
from fieldapp.models.enums import JobEventKind
from fieldapp.services.jobs import transition
from fieldapp.services.parts import use_part
from fieldapp.services.work import (
    add_finding,
    add_photo,
    add_time,
    save_fault,
    sign_with_signature,
    van_of,
)
from fieldapp.store import Store
from sync.demo import enroll_demo_device, local_hq, prepare_hq
from ui.app import Launcher, qt_application
from ui.common import theme
from ui.common.context import AppContext
from ui.common.i18n import CHINESE, ENGLISH
from ui.common.widgets import ReasonDialog
from ui.desk_screens import render_desks
from ui.engineer.job_overview import RescheduleDialog
from ui.engineer.job_signoff import PreviewDialog
from ui.engineer.joblist import TABS
from ui.engineer.jobpage import JobPage
from ui.mainwindow import SettingsDialog, keep_look
from ui.sync_panel import ProblemsDialog, run_sync

log = logging.getLogger(__name__)
SIZE = (1280, 800)
ON_SITE = "FW-2026-001037"  # the demo job the engineer is working on


def settle(ms: int = 150) -> None:
    """Let queued work (deferred shows, thumbnails, counts) land before a picture."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def shoot(widget: QWidget, path: Path) -> None:
    settle()
    widget.grab().save(str(path))
    log.info("wrote %s", path)


def sample_photo() -> bytes:
    image = Image.new("RGB", (1600, 1200), (70, 90, 80))
    draw = ImageDraw.Draw(image)
    draw.rectangle((300, 300, 1300, 900), fill=(200, 160, 40))
    draw.ellipse((600, 450, 1000, 750), fill=(40, 40, 40))
    out = io.BytesIO()
    image.save(out, "JPEG")
    return out.getvalue()


def sample_signature(engineer: bool = False) -> bytes:
    image = Image.new("RGB", (900, 300), "white")
    draw = ImageDraw.Draw(image)
    points = [(80, 200), (200, 90), (260, 220), (380, 80), (470, 210), (640, 120)]
    if engineer:
        points = [(90, 120), (180, 230), (300, 100), (420, 190), (560, 90), (700, 200)]
    draw.line(points, fill="black", width=6)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def record_work(store: Store, data_dir: Path) -> None:
    """What an engineer records on the demo job on site, through the domain."""
    from fieldapp.blobs import BlobStore

    blobs = BlobStore(data_dir / "blobs")
    with store.action() as session:
        job = session.exec(select(Job).where(Job.number == ON_SITE)).one()
        user = session.get(User, job.assignee_id)
        assert user is not None
        add_finding(
            session,
            job,
            component="斗齿",
            description="斗齿磨损严重",
            fix_now=False,
            danger_if_not="挖掘效率下降，斗体磨损",
            remaining_life="约200小时",
        )
        save_fault(
            session,
            job,
            {
                "assembly": "engine",
                "fault_code": "E-0231",
                "symptom": "发动机冒黑烟，功率不足",
                "cause": "空气滤芯堵塞，喷油器雾化不良",
                "action": "更换空气滤芯，清洗喷油器",
                "fixed": True,
            },
        )
        van = van_of(session, user)
        for part_no in session.exec(
            select(Part.part_no).where(Part.part_no.like("ZY330%")).limit(2)
        ).all():  # type: ignore[attr-defined]
            part = session.exec(select(Part).where(Part.part_no == part_no)).one()
            use_part(session, job, part, 1, user, location_id=van.id if van else None)
        add_time(session, job, user, "travel", 75)
        add_time(session, job, user, "labour", 150, note="更换滤芯及清洗喷油器")
        add_photo(session, blobs, job, sample_photo(), caption="空气滤芯")


def sign_job_on_site(store: Store, data_dir: Path) -> None:
    from fieldapp.blobs import BlobStore

    with store.action() as session:
        job = session.exec(select(Job).where(Job.number == ON_SITE)).one()
        user = session.get(User, job.assignee_id)
        assert user is not None
        sign_with_signature(
            session,
            BlobStore(data_dir / "blobs"),
            job,
            user,
            sample_signature(),
            signer_name=job.contact_name or "汪德才",
            opinion="服务及时，问题已解决",
            satisfaction="very_satisfied",
            engineer_signature_png=sample_signature(engineer=True),
        )


def accept_one(store: Store) -> None:
    """Accept one assigned job, so the list shows one waiting for sync."""
    with store.action() as session:
        job = session.exec(select(Job).where(Job.status == "assigned").order_by(Job.number)).first()
        if job is not None and job.assignee_id:
            user = session.get(User, job.assignee_id)
            assert user is not None
            transition(session, job, JobEventKind.ACCEPTED, user)


def job_id(store: Store, number: str) -> str:
    with store.reader() as session:
        return session.exec(select(Job.id).where(Job.number == number)).one()


def first_with_missing_information(store: Store) -> str:
    from datetime import date

    from fieldapp.services.jobs import dispatch_issues

    with store.reader() as session:
        jobs = session.exec(
            select(Job).where(Job.status.in_(["assigned", "accepted"])).order_by(Job.number)  # type: ignore[attr-defined]
        ).all()
        for job in jobs:
            if dispatch_issues(session, job, date.today()):
                return job.id
        return jobs[0].id


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, colour in (
        (QPalette.ColorRole.Window, "#202124"),
        (QPalette.ColorRole.WindowText, "#e8eaed"),
        (QPalette.ColorRole.Base, "#2b2c2f"),
        (QPalette.ColorRole.AlternateBase, "#303134"),
        (QPalette.ColorRole.Text, "#e8eaed"),
        (QPalette.ColorRole.Button, "#3c4043"),
        (QPalette.ColorRole.ButtonText, "#e8eaed"),
        (QPalette.ColorRole.Highlight, "#8ab4f8"),
        (QPalette.ColorRole.HighlightedText, "#202124"),
        (QPalette.ColorRole.PlaceholderText, "#9aa0a6"),
        (QPalette.ColorRole.Mid, "#5f6368"),
        (QPalette.ColorRole.Dark, "#80868b"),
    ):
        palette.setColor(role, QColor(colour))
    return palette


@contextmanager
def dialog_shot(dialog: QDialog, path: Path) -> Iterator[QDialog]:
    dialog.show()
    yield dialog
    shoot(dialog, path)
    dialog.reject()


def work_tab_shots(ctx: AppContext, page: JobPage, window: QWidget, name: Any) -> None:
    """The work tabs in the states an engineer meets: parts for the machine's model and
    no hit, a declined finding, the labour timer running, a photo picked by touch."""
    from fieldapp.timer import LabourTimer, timer_key
    from ui.common.camera_roll import PhotoPicker

    chinese = ctx.language == CHINESE
    page.show_tab(page.parts)
    page.parts.search.setText("zb")
    page.parts.run_search()
    shoot(window, name("job-parts-model-first"))
    page.parts.search.setText("齿轮箱总成" if chinese else "gearbox housing")
    page.parts.run_search()
    shoot(window, name("job-parts-no-hit"))
    page.parts.search.clear()
    page.parts.run_search()
    page.show_tab(page.findings)
    page.findings.decisions["declined"].click()
    shoot(window, name("job-findings-declined"))
    page.findings.decisions["fix_now"].click()
    page.show_tab(page.time)
    key = timer_key(page.job_id)
    ctx.store.set_setting(key, LabourTimer.started(ctx.now() - timedelta(minutes=42)).to_json())
    page.reload()
    shoot(window, name("job-time-timer"))
    ctx.store.set_setting(key, "")
    page.reload()
    page.show_tab(page.photos)
    settle(600)
    shoot(window, name("job-photos-camera"))
    title = QCoreApplication.translate("PartsTab", "Photo of the part's label")
    picker = PhotoPicker(ctx, title, window)
    settle(600)
    with dialog_shot(picker, name("dialog-photo-picker")):
        pass


def camera_folder_with_pictures(store: Store, folder: Path) -> None:
    """A camera folder with a few pictures, for the pick-by-touch grid."""
    from ui.common.camera_roll import CAMERA_FOLDER

    (folder / "Camera").mkdir(parents=True, exist_ok=True)
    for n in range(7):
        image = Image.new("RGB", (1600, 1200), (60 + 25 * n, 90, 160 - 15 * n))
        draw = ImageDraw.Draw(image)
        draw.rectangle((200 + 40 * n, 300, 1300, 900), fill=(200, 160, 40))
        image.save(folder / "Camera" / f"IMG_2026112{n}.jpg", "JPEG")
    store.set_setting(CAMERA_FOLDER, str(folder))


def render_language(
    app: QApplication, ctx: AppContext, out: Path, language: str, prefix: str
) -> None:
    launcher = Launcher(ctx, None, auto_sync=False)
    window = launcher.open_window(language)
    window.resize(*SIZE)
    n = 0

    def name(what: str) -> Path:
        nonlocal n
        n += 1
        return out / f"{prefix}-{n:02d}-{what}.png"

    assert window.job_list is not None
    for tab in TABS:
        window.job_list.select_tab(tab)
        shoot(window, name(f"list-{tab}"))
    window.job_list.select_tab("today")
    window.job_list.show_day()  # today's jobs on the timeline
    shoot(window, name("list-day"))
    window.job_list.show_day(False)
    window.job_list.search.setText("液压" if language == CHINESE else "ZY")
    settle(400)
    shoot(window, name("list-search"))
    window.job_list.search.clear()

    window.open_job(first_with_missing_information(ctx.store))
    assert window.job_page is not None  # built when the first job opens
    shoot(window, name("job-dispatch-issues"))
    overview = window.job_page.overview
    if overview.edit_dispatch.isVisible():
        overview.edit_dispatch.click()
        shoot(window, name("job-dispatch-edit"))
        overview.cancel_dispatch.click()
    with ctx.store.reader() as session:
        accepted = session.exec(
            select(Job.id).where(Job.status == "accepted").order_by(Job.number)  # type: ignore[arg-type]
        ).first()
    if accepted is not None:
        # The next step in its place; a departure undone again (the register keeps both).
        window.open_job(accepted)
        shoot(window, name("job-accepted"))
        window.job_page.overview.next_button.click()
        shoot(window, name("job-undo-departure"))
        window.job_page.overview.undo_button.click()
    window.open_job(job_id(ctx.store, ON_SITE))
    page = window.job_page
    for index, (_widget, title) in enumerate(page.pages):
        page.tabs.setCurrentIndex(index)
        shoot(window, name(f"job-tab{index}"))
        del title
    for what, part in (
        ("signoff-charges", page.signoff.summary_card),
        ("signoff-signatures", page.signoff.engineer_card),
    ):
        page.go_to_sign_off()
        settle(100)
        page.tabs.currentWidget().ensureWidgetVisible(part)  # type: ignore[attr-defined]
        shoot(window, name(what))
    page.show_tab(page.overview)
    page.overview.history_button.setChecked(True)
    settle(200)
    page.tabs.currentWidget().ensureWidgetVisible(page.overview.history.visits)  # type: ignore[attr-defined]
    shoot(window, name("job-machine-history"))
    page.overview.history_button.setChecked(False)
    page.show_tab(page.parts)
    page.parts.search.setText("滤芯" if language == CHINESE else "filter")
    settle(400)
    page.parts.results.setCurrentIndex(page.parts.model.index(0))
    shoot(window, name("job-parts-search"))
    work_tab_shots(ctx, page, window, name)

    with dialog_shot(RescheduleDialog(None, window), name("dialog-reschedule")):
        pass
    with dialog_shot(
        ReasonDialog(
            QCoreApplication.translate("Labels", "Hand back"),
            QCoreApplication.translate(
                "OverviewTab", "Why do you hand this job back to the dispatcher?"
            ),
            window,
        ),
        name("dialog-hand-back"),
    ):
        pass
    with dialog_shot(SettingsDialog(language, window), name("dialog-settings")):
        pass
    with dialog_shot(ProblemsDialog(ctx.store, window), name("dialog-sync-problems")):
        pass
    window.indicator._failed("network", "HQ cannot be reached (ConnectionError).")
    shoot(window, name("statusbar-offline"))
    window.indicator.error = None
    window.close()


def render_signed(ctx: AppContext, out: Path, language: str, prefix: str) -> None:
    launcher = Launcher(ctx, None, auto_sync=False)
    window = launcher.open_window(language)
    window.resize(*SIZE)
    window.open_job(job_id(ctx.store, ON_SITE))
    assert window.job_page is not None
    window.job_page.go_to_sign_off()
    shoot(window, out / f"{prefix}-30-job-signed.png")
    signoff = window.job_page.signoff
    signoff.email.setText("wang.decai@example.com")
    signoff.send_email()
    for _ in range(100):  # the PDF is made in the back, then the e-mail queued
        settle(100)
        if signoff.deliveries.text():
            break
    shoot(window, out / f"{prefix}-30-job-signed-emailed.png")
    window.job_page.signoff.report_language.setCurrentIndex(0 if language == CHINESE else 1)
    content, report_hash, verify = window.job_page.signoff._report_args()
    from ui.common.report import report_html

    html = report_html(
        content,
        report_hash,
        window.job_page.signoff._blob,
        language=language,
        copy="customer",
        verify_url=verify,
    )
    with dialog_shot(PreviewDialog(html, window), out / f"{prefix}-31-report-preview.png"):
        pass
    window.close()


def render_enrollment(
    app: QApplication, out: Path, language: str, prefix: str, folder: Path
) -> None:
    store = Store.open(folder)
    try:
        ctx = AppContext(store=store, data_dir=folder, language=language)
        window = Launcher(ctx, None, auto_sync=False).open_window(language)
        window.resize(*SIZE)
        shoot(window, out / f"{prefix}-00-enroll.png")
        window.enroll_page.server.setText("hq-example")
        window.enroll_page.submit()
        shoot(window, out / f"{prefix}-00-enroll-error.png")
        window.close()
    finally:
        store.close()


def render_store_problem(out: Path, language: str, prefix: str, folder: Path) -> None:
    """The screen in place of the job list when the store is damaged, or its folder
    cannot be written (ui/store_problem.py)."""
    from fieldapp.store_health import ProblemKind, StoreProblem
    from ui.common.i18n import INSTALLED
    from ui.store_problem import StoreProblemWindow

    INSTALLED.install(language)
    for kind, detail, what in (
        (ProblemKind.DAMAGED, "Page 129: btreeInitPage() returns error code 11", "damaged"),
        (ProblemKind.FOLDER_NOT_WRITABLE, "Permission denied", "folder"),
    ):
        path = folder / "fieldapp.sqlite" if kind is ProblemKind.DAMAGED else folder
        window = StoreProblemWindow(folder, StoreProblem(kind, path, detail))
        window.resize(*SIZE)
        shoot(window, out / f"{prefix}-00-store-{what}.png")
        window.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("screens"))
    parser.add_argument("--work", type=Path, default=None, help="folder for the demo (temporary)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    args.out.mkdir(parents=True, exist_ok=True)
    app = qt_application()
    with tempfile.TemporaryDirectory() as scratch:
        work = args.work or Path(scratch)
        device = work / "device"
        store = Store.open(device)
        url = prepare_hq(work / "hq")
        with local_hq(url) as base:
            enroll_demo_device(url, base, store, device)
            run_sync(store, device)
        record_work(store, device)
        accept_one(store)
        camera_folder_with_pictures(store, work / "DCIM")
        for language, prefix in ((CHINESE, "zh"), (ENGLISH, "en")):
            ctx = AppContext(store=store, data_dir=device, language=language)
            render_enrollment(app, args.out, language, prefix, work / f"fresh-{prefix}")
            render_store_problem(args.out, language, prefix, work / f"damaged-{prefix}")
            render_language(app, ctx, args.out, language, prefix)
        app.setPalette(dark_palette())
        theme.apply(app)
        ctx = AppContext(store=store, data_dir=device, language=CHINESE)
        window = Launcher(ctx, None, auto_sync=False).open_window(CHINESE)
        window.resize(*SIZE)
        shoot(window, args.out / "dark-zh-list.png")
        window.open_job(job_id(store, ON_SITE))
        shoot(window, args.out / "dark-zh-job.png")
        assert window.job_page is not None
        window.job_page.go_to_sign_off()
        shoot(window, args.out / "dark-zh-signoff.png")
        window.close()
        app.setPalette(app.style().standardPalette())
        theme.apply(app)
        # For the sun: high contrast, large text (as kept in the settings).
        keep_look(store, theme.Look(high_contrast=True, text_size="large"))
        window = Launcher(ctx, None, auto_sync=False).open_window(CHINESE)
        window.resize(*SIZE)
        shoot(window, args.out / "contrast-zh-list.png")
        window.open_job(job_id(store, ON_SITE))
        shoot(window, args.out / "contrast-zh-job.png")
        assert window.job_page is not None
        window.job_page.go_to_sign_off()
        shoot(window, args.out / "contrast-zh-signoff.png")
        window.indicator._failed("network", "HQ cannot be reached (ConnectionError).")
        shoot(window, args.out / "contrast-zh-offline.png")
        window.close()
        keep_look(store, theme.Look())
        theme.apply(app, theme.Look())
        sign_job_on_site(store, device)
        for language, prefix in ((CHINESE, "zh"), (ENGLISH, "en")):
            render_signed(
                AppContext(store=store, data_dir=device, language=language),
                args.out,
                language,
                prefix,
            )
        # The supervisor's and the office's desks, once the signed report is at HQ.
        render_desks(app, url, work, args.out, (store, device))
        store.close()
    sys.stderr.write(f"Screens written to {args.out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
