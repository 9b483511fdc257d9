"""The sign-off and the paper the customer accepts, on the demo's on-site job
(FW-2026-001037 after the work ``ui.screens.record_work`` records): what stays ticked,
typed and drawn while the page reloads; what the customer pays for, line by line; the
engineer's open items kept from the customer; both signatures; the one-page customer
copy with the letterhead, in the report's language only; the e-mail handed over."""

from __future__ import annotations

from tests.ui_support import button_named, open_window, stroke, tap, type_text  # isort: skip

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QPointF, QRect, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlmodel import select

from fieldapp.blobs import BlobStore
from fieldapp.delivery import deliveries_for
from fieldapp.demo import load_demo
from fieldapp.models import Job, Part, SignOff
from fieldapp.models.company import CompanyProfile
from fieldapp.rules.report_hash import verify_report
from fieldapp.services.billing import charge_lines, job_amount_cents
from fieldapp.services.work import customer_gaps, engineer_gaps, report_gaps, run_items
from fieldapp.store import Store
from sync.client import SERVER, USER_ID
from ui.common import report
from ui.engineer.job_signoff import PreviewDialog
from ui.screens import ON_SITE, record_work, sign_job_on_site

needs_poppler = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("pdftotext", "pdfinfo")),
    reason="poppler-utils (pdftotext, pdfinfo) not installed",
)


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[Store, Path]]:
    """The demo device's store with the work on the on-site job recorded, not signed;
    enrolled (to an HQ never reached here) as the job's engineer."""
    store = Store.open(tmp_path)
    with store.action(track=False) as session:
        load_demo(session)
    record_work(store, tmp_path)
    with store.reader() as session:
        job = session.exec(select(Job).where(Job.number == ON_SITE)).one()
        engineer = job.assignee_id
    assert engineer
    store.set_setting(SERVER, "http://127.0.0.1:9")
    store.set_setting(USER_ID, engineer)
    yield store, tmp_path
    store.close()


def the_job(session: Any) -> Job:
    return session.exec(select(Job).where(Job.number == ON_SITE)).one()


def signed_content(store: Store) -> tuple[dict[str, Any], str]:
    with store.reader() as session:
        sign_off = session.exec(select(SignOff).where(SignOff.job_id == the_job(session).id)).one()
        return json.loads(sign_off.content), sign_off.report_hash


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True)
    return re.sub(r"\s+", " ", out.stdout)


def pdf_pages(path: Path) -> int:
    out = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True)
    match = re.search(r"^Pages:\s+(\d+)", out.stdout, re.MULTILINE)
    assert match, out.stdout
    return int(match.group(1))


def render(store: Store, folder: Path, language: str, copies: tuple[str, ...], name: str) -> Path:
    content, report_hash = signed_content(store)
    blobs = BlobStore(folder / "blobs")
    return report.render_report_pdf(
        content,
        report_hash,
        lambda sha: blobs.get(sha) if blobs.has(sha) else None,
        folder / f"{name}.pdf",
        language=language,
        verify_url=f"http://hq.example/api/v1/verify/{ON_SITE}/{report_hash}",
        copies=copies,
    )


# --- the paper ---------------------------------------------------------------------------


@needs_poppler
@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_the_customer_copy_of_the_demo_job_is_one_page(
    qapp: QApplication, demo: tuple[Store, Path], language: str
) -> None:
    store, folder = demo
    sign_job_on_site(store, folder)
    customer = render(store, folder, language, ("customer",), f"customer-{language}")
    assert pdf_pages(customer) == 1
    text = pdf_text(customer)
    for code in ("CONDUCT", "PREINSP", "REPAIR", "检查表", "Checklist CONDUCT"):
        assert code not in text, code
    assert ("现场服务规范" if language == "zh_CN" else "On-site service conduct") not in text
    assert ("1 / 1" in text) or ("第 1 页，共 1 页" in text) or ("Page 1 of 1" in text)
    assert report.app_version() and f"fieldapp {report.app_version()}" in text
    # The company's own conduct checklist is on the company copy.
    company = pdf_text(render(store, folder, language, ("company",), f"company-{language}"))
    assert ("现场服务规范" if language == "zh_CN" else "On-site service conduct") in company


@needs_poppler
def test_values_and_names_in_the_reports_language_only(
    qapp: QApplication, demo: tuple[Store, Path]
) -> None:
    store, folder = demo
    sign_job_on_site(store, folder)
    content, _hash = signed_content(store)
    with store.reader() as session:
        used = [
            session.exec(select(Part).where(Part.part_no == p["part_no"])).one()
            for p in content["parts"]
        ]
    english = pdf_text(render(store, folder, "en", ("customer",), "en"))
    chinese = pdf_text(render(store, folder, "zh_CN", ("customer",), "zh"))
    for part in used:
        assert part.name_en and part.name_en in english, part.name_en
        assert part.name_zh not in english
        assert part.name_zh in chinese
    for both in ("完好/Good", "正常/Normal", "磨损/Worn", "红/Red"):
        assert both not in english and both not in chinese, both
    assert "Good" in english and "完好" in chinese  # the cab glass, as each language says


def test_checklist_items_are_numbered_as_printed_and_yes_no_prints_yes_no() -> None:
    content = {
        "checklists": [
            {
                "name": "现场服务规范",
                "name_en": "On-site conduct",
                "internal": True,
                "revision": 1,
                "answers": [
                    {"item": "穿着统一工作服", "kind": "yes_no", "result": "yes", "position": 3},
                    {
                        "item": "不接受用户吃请和礼品",
                        "kind": "yes_no",
                        "result": "no",
                        "position": 7,
                    },
                    {"item": "驾驶室玻璃", "kind": "choice", "choice": "完好/Good", "position": 9},
                ],
            }
        ]
    }
    words = report.Words(lambda text: text, True)
    html = report._checklists(content, words, "company")
    assert re.findall(r'<td class="center">(\d+)</td>', html) == ["1", "2", "3"]
    assert ">Yes<" in html and ">No<" in html and ">Good<" in html and "完好" not in html
    assert report._checklists(content, words, "customer") == ""  # internal: company only


@needs_poppler
def test_the_letterhead_comes_from_the_company_profile(
    qapp: QApplication, demo: tuple[Store, Path]
) -> None:
    store, folder = demo
    with store.reader() as session:
        profile = session.exec(select(CompanyProfile)).one()
        name, hotline = profile.name_zh, profile.hotline
    assert name and hotline
    sign_job_on_site(store, folder)
    content, _hash = signed_content(store)
    assert content["letterhead"]["zh"]["name"] == name
    text = pdf_text(render(store, folder, "zh_CN", ("customer",), "head"))
    assert name in text and hotline in text


@needs_poppler
def test_without_a_company_profile_the_report_has_no_letterhead(
    qapp: QApplication, demo: tuple[Store, Path]
) -> None:
    store, folder = demo
    with store.action(track=False) as session:
        profile = session.exec(select(CompanyProfile)).one()
        name = profile.name_zh
        session.delete(profile)
    sign_job_on_site(store, folder)
    content, _hash = signed_content(store)
    assert content["letterhead"] is None
    assert name not in pdf_text(render(store, folder, "zh_CN", ("customer",), "bare"))


def test_the_signed_lines_add_up_to_the_amount(demo: tuple[Store, Path]) -> None:
    store, folder = demo
    with store.reader() as session:
        job = the_job(session)
        lines = charge_lines(session, job)
        amount = job_amount_cents(session, job)
    assert sum(line.amount_cents for line in lines) == amount == 64500  # ¥270 + ¥375
    labour = next(line for line in lines if line.kind == "labour")
    assert (labour.quantity, labour.unit_price_cents, labour.amount_cents) == (2.5, 15000, 37500)
    sign_job_on_site(store, folder)
    content, _hash = signed_content(store)
    with store.reader() as session:
        stored = session.exec(select(SignOff).where(SignOff.job_id == the_job(session).id)).one()
        assert verify_report(stored.content, stored.report_hash)
    assert content["charges"]["total_cents"] == content["amount_cents"] == 64500
    assert [line["amount_cents"] for line in content["charges"]["lines"]] == [
        line.amount_cents for line in lines
    ]


# --- the screen ------------------------------------------------------------------------------


def open_sign_off(
    qtbot: QtBot, store: Store, folder: Path, language: str = "zh_CN"
) -> tuple[Any, Any]:
    """(the window, kept alive by the caller, and its job page on the sign-off)."""
    window = open_window(qtbot, store, folder, language)
    with store.reader() as session:
        job_id = the_job(session).id
    window.open_job(job_id)
    page = window.job_page
    assert page is not None
    page.go_to_sign_off()
    return window, page


def draw(qtbot: QtBot, page: Any, pad: Any, wave: int = 7) -> None:
    page.tabs.currentWidget().ensureWidgetVisible(pad)
    stroke(qtbot, pad, [(60 + 6 * i, 80 + (i % wave) * 6) for i in range(60)])
    assert pad.has_valid_signature()


def in_view(widget: Any, page: Any) -> bool:
    area = page.tabs.currentWidget()
    top_left = widget.mapTo(area.viewport(), QPoint(0, 0))
    return area.viewport().rect().intersects(QRect(top_left, widget.size()))


def answer_one_open_customer_item(store: Store) -> None:
    """A customer-facing item answered elsewhere (as the checklist tab would)."""
    from fieldapp.services.work import answer_item, start_checklist, templates_for_job

    with store.action() as session:
        job = the_job(session)
        customer_gap = customer_gaps(report_gaps(session, job))[0]
        template = next(
            t for t in templates_for_job(session, job) if t.code == customer_gap.checklist
        )
        run = start_checklist(session, job, template)
        session.flush()
        state = next(s for s in run_items(session, run) if s.problems)
        answer_item(session, job, run, state.item, result="pass", text="正常", choice="", number=1)


def test_the_tick_holds_while_what_is_open_stays_the_same(
    qtbot: QtBot, demo: tuple[Store, Path]
) -> None:
    store, folder = demo
    _window, page = open_sign_off(qtbot, store, folder)
    signoff = page.signoff
    assert signoff.gaps_card.isVisibleTo(page) and signoff.todo_card.isVisibleTo(page)
    # The company's own business is the engineer's, never put to the customer.
    for internal in ("不接受用户吃请和礼品", "现场服务规范", label_no_labour()):
        assert internal not in signoff.gaps_text.text()
    tap(qtbot, signoff.acknowledge)
    assert signoff.acknowledge.isChecked()
    type_text(qtbot, signoff.opinion, "修得很快")
    tap(qtbot, button_named(signoff, "rating_satisfied"))
    draw(qtbot, page, signoff.pad)
    page.reload()  # what the periodic sync does
    page.signoff.refresh_gaps()  # and what showing the tab does
    assert signoff.acknowledge.isChecked()
    assert signoff.opinion.toPlainText() == "修得很快"
    assert signoff.satisfaction() == "satisfied" and signoff.pad.has_valid_signature()
    # What is open changes: the tick goes, and the box says why.
    answer_one_open_customer_item(store)
    page.reload()
    assert not signoff.acknowledge.isChecked()
    assert signoff.ack_error.isVisibleTo(page) and signoff.ack_error.text()


def label_no_labour() -> str:
    from ui.common.labels import label

    return label("gap", "no_labour")


def test_an_unticked_box_is_said_next_to_it_and_scrolled_to(
    qtbot: QtBot, demo: tuple[Store, Path]
) -> None:
    store, folder = demo
    _window, page = open_sign_off(qtbot, store, folder)
    signoff = page.signoff
    draw(qtbot, page, signoff.pad)
    draw(qtbot, page, signoff.engineer_pad)
    page.tabs.currentWidget().ensureWidgetVisible(signoff.sign_button)
    assert not in_view(signoff.acknowledge, page)
    tap(qtbot, signoff.sign_button)
    assert page.view.job.status == "on_site"
    assert signoff.ack_error.isVisibleTo(page) and signoff.todo_error.isVisibleTo(page)
    qtbot.waitUntil(lambda: in_view(signoff.todo_card, page))


def test_the_engineer_says_why_their_items_stay_open_and_both_sign(
    qtbot: QtBot, demo: tuple[Store, Path]
) -> None:
    store, folder = demo
    with store.reader() as session:
        own = engineer_gaps(report_gaps(session, the_job(session)))
    assert own and all(g.checklist == "CONDUCT" for g in own)
    _window, page = open_sign_off(qtbot, store, folder)
    signoff = page.signoff
    tap(qtbot, button_named(signoff, "record_reason"))
    dialog = signoff.reason_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    dialog.text.setPlainText("用户催促离场，规范项目回站补录")
    dialog._check()
    assert "用户催促离场" in signoff.reason_text.text()
    tap(qtbot, signoff.acknowledge)
    draw(qtbot, page, signoff.pad)
    draw(qtbot, page, signoff.engineer_pad, wave=4)
    page.tabs.currentWidget().ensureWidgetVisible(signoff.sign_button)
    shown_total = signoff.charges_view.text()
    with qtbot.waitSignal(signoff.report_ready, timeout=60_000):
        tap(qtbot, signoff.sign_button)
    assert page.view.job.status == "signed"
    content, _hash = signed_content(store)
    assert content["open_items"]["engineer_reason"] == "用户催促离场，规范项目回站补录"
    assert {g["checklist"] for g in content["open_items"]["engineer"]} == {"CONDUCT"}
    assert content["open_items"]["customer"]
    assert "¥645.00" in shown_total and content["amount_cents"] == 64500
    blobs = BlobStore(folder / "blobs")
    assert blobs.has(content["engineer"]["signature"]) and blobs.has(
        content["sign_off"]["signature"]
    )
    assert content["engineer"]["signature"] != content["sign_off"]["signature"]
    assert content["left_site_at"] == content["sign_off"]["signed_at"]
    if shutil.which("pdfinfo") and shutil.which("pdftotext"):
        # What the customer accepted is on their copy, still one sheet; the engineer's
        # reason on the company's only.
        customer = render(store, folder, "zh_CN", ("customer",), "accepted")
        assert pdf_pages(customer) == 1
        assert "整机四周照片" in pdf_text(customer)
        assert "用户催促离场" not in pdf_text(customer)
        assert "用户催促离场" in pdf_text(render(store, folder, "zh_CN", ("company",), "own"))


def test_the_screen_lists_what_the_customer_pays_for(
    qtbot: QtBot, demo: tuple[Store, Path]
) -> None:
    store, folder = demo
    _window, page = open_sign_off(qtbot, store, folder, "en")
    text = page.signoff.charges_view.text()
    with store.reader() as session:
        lines = charge_lines(session, the_job(session))
    for line in lines:
        if line.kind == "part":
            assert line.part_no in text and line.name_en in text
            assert f"{line.quantity} × ¥{line.unit_price_cents // 100:,}.00" in text
    assert "2.5 h × ¥150.00/h" in text and "¥375.00" in text
    assert "Travel time" in text and "Not charged" in text
    assert "Total amount" in text and "¥645.00" in text
    assert page.signoff.declaration.text() == report.TEXT["statement"]


def test_the_signed_report_is_sent_by_email(qtbot: QtBot, demo: tuple[Store, Path]) -> None:
    store, folder = demo
    sign_job_on_site(store, folder)
    _window, page = open_sign_off(qtbot, store, folder)
    signoff = page.signoff
    assert signoff.signed_card.isVisibleTo(page)
    signoff.email.setText("not an address")
    tap(qtbot, button_named(signoff, "send_email"))
    assert signoff.email_error.isVisibleTo(page) and signoff.email_error.text()
    signoff.email.setText("wang.decai@example.com")
    tap(qtbot, button_named(signoff, "send_email"))
    with store.reader() as session:
        qtbot.waitUntil(lambda: bool(deliveries_for(session, the_job(session))), timeout=60_000)
    with store.reader() as session:
        (delivery,) = deliveries_for(session, the_job(session))
        assert (delivery.email, delivery.language, delivery.status) == (
            "wang.decai@example.com",
            "zh",
            "queued",
        )
        pdf = BlobStore(folder / "blobs").get(delivery.pdf_sha256)
    assert pdf.startswith(b"%PDF")
    qtbot.waitUntil(lambda: "wang.decai@example.com" in signoff.deliveries.text())


def test_the_preview_zooms_with_buttons_a_finger_can_hit(qtbot: QtBot) -> None:
    dialog = PreviewDialog("<p>现场服务报告单</p>")
    qtbot.addWidget(dialog)
    dialog.show()
    before = dialog.view.font().pointSizeF()
    assert dialog.zoom_in.height() >= 48 and dialog.zoom_out.height() >= 48
    tap(qtbot, dialog.zoom_in)
    tap(qtbot, dialog.zoom_in)
    assert dialog.view.font().pointSizeF() > before
    tap(qtbot, dialog.zoom_out)
    assert dialog.view.zoom == 1
    dialog.view.pinch(1.4)  # two fingers apart: two steps larger
    assert dialog.view.zoom == 3
    dialog.view.pinch(0.5)
    assert dialog.view.zoom < 3
    zoom = dialog.view.zoom
    wheel = QWheelEvent(
        QPointF(20, 20),
        QPointF(dialog.view.viewport().mapToGlobal(QPoint(20, 20))),
        QPoint(0, 0),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.ControlModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(dialog.view.viewport(), wheel)
    assert dialog.view.zoom == zoom + 1  # Ctrl and the wheel zoom, never scroll
