"""The signed report as a PDF: the three copies, readable text, the QR code, off the UI
thread. Checked on the PDF itself with poppler's tools and a QR decoder."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import hashlib
import html
import io
import json
import re
import shutil
import subprocess
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw
from sqlmodel import Session

from fieldapp import services
from fieldapp.models import (
    Attachment,
    ChecklistAnswer,
    ChecklistRun,
    ChecklistTemplateItem,
    Fault,
    Job,
    Part,
    PreInspectionFinding,
    TimeEntry,
    User,
)
from fieldapp.models.enums import JobEventKind as E
from fieldapp.store import Store
from tests.factories import NOW, World

pytest.importorskip("PySide6.QtGui")

from PySide6.QtWidgets import QApplication

from ui.common import report
from ui.common.i18n import translate_in, translator_for

HAVE_POPPLER = all(shutil.which(tool) for tool in ("pdftotext", "pdfinfo", "pdftoppm"))
needs_poppler = pytest.mark.skipif(
    not HAVE_POPPLER, reason="poppler-utils (pdftotext, pdfinfo, pdftoppm) not installed"
)

JOB_NUMBER = "FW-2026-000123"
CUSTOMER = "合肥城建集团"
COPIES_ZH = ("客户联", "公司联", "存档联")
COPIES_EN = ("Customer copy", "Company copy", "Archive copy")


# --- a signed job, made through the domain ---------------------------------------------


def photo_bytes(seed: int, size: tuple[int, int] = (2400, 1800)) -> bytes:
    """A camera-sized JPEG with some structure (a plain colour would compress to nothing)."""
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(image)
    for i in range(40):
        x = (seed * 97 + i * 131) % size[0]
        y = (seed * 53 + i * 71) % size[1]
        colour = ((seed * 40 + i * 7) % 256, (i * 23) % 256, (seed * 90) % 256)
        draw.ellipse((x, y, x + 300, y + 200), fill=colour, outline=(0, 0, 0), width=8)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def signature_bytes() -> bytes:
    """A signature as the pad gives it: dark strokes on a transparent canvas."""
    image = Image.new("RGBA", (800, 300), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    points = [(60 + i * 12, 150 + int(60 * ((i % 7) - 3) / 3)) for i in range(55)]
    draw.line(points, fill=(20, 20, 60, 255), width=6, joint="curve")
    draw.line([(120, 230), (600, 200)], fill=(20, 20, 60, 255), width=5)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sign_a_full_job(session: Session, world: World, blobs: dict[str, bytes]) -> str:
    """A repair job with every part of the report filled in; returns its sign-off id."""
    job = session.get(Job, world.job_id)
    engineer = session.get(User, world.engineer_id)
    assert job and engineer
    services.transition(session, job, E.ACCEPTED, engineer, now=NOW)
    services.transition(session, job, E.DEPARTED, engineer, now=NOW + timedelta(minutes=10))
    services.transition(session, job, E.ARRIVED, engineer, now=NOW + timedelta(minutes=85))
    on_site = NOW + timedelta(minutes=90)
    session.add(
        PreInspectionFinding(
            job_id=job.id,
            machine_id=world.machine_id,
            component="undercarriage",
            description="左侧履带板磨损严重，链轨节间隙偏大",
            fix_now=False,
            danger_if_not="继续使用可能脱链",
            remaining_life="约 300 小时",
        )
    )
    extra = [
        ChecklistTemplateItem(
            template_id=world.template_id, position=3, kind="check", label_zh="检查动臂油缸密封"
        ),
        ChecklistTemplateItem(
            template_id=world.template_id, position=4, kind="text", label_zh="发动机运转声音"
        ),
    ]
    session.add_all(extra)
    run = ChecklistRun(job_id=job.id, template_id=world.template_id, started_at=on_site)
    session.add(run)
    session.flush()
    session.add_all(
        [
            ChecklistAnswer(
                run_id=run.id, item_id=world.item_ids[0], result="pass", answered_at=on_site
            ),
            ChecklistAnswer(
                run_id=run.id, item_id=world.item_ids[1], number_value=65, answered_at=on_site
            ),
            ChecklistAnswer(
                run_id=run.id,
                item_id=extra[0].id,
                result="fail",
                note="活塞杆处渗油，已告知用户",
                answered_at=on_site,
            ),
            ChecklistAnswer(
                run_id=run.id, item_id=extra[1].id, text_value="正常", answered_at=on_site
            ),
        ]
    )
    pump_fault = Fault(
        job_id=job.id,
        machine_id=world.machine_id,
        assembly="hydraulic_pump",
        fault_code="P0A12",
        symptom="主泵异响，动臂提升无力",
        cause="主泵柱塞磨损",
        action="更换主泵，清洗液压系统",
        fixed=True,
        repair_location="on_site",
    )
    cylinder_fault = Fault(
        job_id=job.id,
        machine_id=world.machine_id,
        assembly="hydraulic_cylinder",
        symptom="动臂油缸渗油",
        cause="密封件老化",
        action="拉回服务站更换密封",
        fixed=False,
        repair_location="workshop",
        loaner_provided=True,
    )
    session.add_all([pump_fault, cylinder_fault])
    session.flush()
    pump = session.get(Part, world.pump_id)
    oil_filter = session.get(Part, world.filter_id)
    assert pump and oil_filter
    pump_line = services.use_part(
        session, job, pump, 1, engineer, location_id=world.van_id, fault=pump_fault, now=NOW
    )
    pump_line.old_part_shown = True
    services.use_part(session, job, oil_filter, 2, engineer, location_id=world.van_id, now=NOW)
    session.add_all(
        [
            TimeEntry(job_id=job.id, user_id=engineer.id, kind="labour", minutes=90, warranty=True),
            TimeEntry(job_id=job.id, user_id=engineer.id, kind="labour", minutes=30),
            TimeEntry(job_id=job.id, user_id=engineer.id, kind="travel", minutes=75),
            TimeEntry(
                job_id=job.id, user_id=engineer.id, kind="waiting", minutes=20, note="等待吊车"
            ),
        ]
    )
    photos = [photo_bytes(seed) for seed in range(5)]
    for data in photos[:4]:  # the fifth was taken on another device: not here
        blobs[sha(data)] = data
    for data in photos:
        session.add(Attachment(sha256=sha(data), kind="photo", size=len(data), job_id=job.id))
    signature = signature_bytes()
    blobs[sha(signature)] = signature
    sign_off = services.sign_job(
        session,
        job,
        engineer,
        signer_name="刘建国",
        signature_sha256=sha(signature),
        opinion="服务及时，工程师讲解清楚。油缸修好后请尽快送回。",
        satisfaction="very_satisfied",
        now=NOW + timedelta(hours=5),
    )
    return sign_off.id


@pytest.fixture
def signed(store: Store, world: World) -> tuple[dict[str, Any], str, Callable[[str], bytes | None]]:
    """(content, report hash, blob) of a signed job, as the app reads them back."""
    from fieldapp.models import SignOff

    blobs: dict[str, bytes] = {}
    with store.action() as session:
        sign_off_id = sign_a_full_job(session, world, blobs)
    with store.reader() as session:
        stored = session.get(SignOff, sign_off_id)
        assert stored
        return json.loads(stored.content), stored.report_hash, blobs.get


def chinese_labels() -> Callable[[str], str]:
    """The report's labels through the app's compiled Chinese translation."""
    translator = translator_for("zh_CN")
    assert translator is not None, "resources/i18n/fieldapp_zh_CN.qm is missing"
    return lambda text: translate_in(translator, "Report", text)


def verify_url(content: dict[str, Any], report_hash: str) -> str:
    return f"http://hq.example/api/v1/verify/{content['job']['number']}/{report_hash}"


# --- reading the PDF back --------------------------------------------------------------


def pdf_text(path: Path) -> str:
    """The PDF's text layer as copy-paste and search see it, in reading order, blanks and
    line breaks (of wrapped table cells) as single spaces."""
    out = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True)
    return re.sub(r"\s+", " ", out.stdout)


def pdf_pages(path: Path) -> int:
    out = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True)
    match = re.search(r"^Pages:\s+(\d+)", out.stdout, re.MULTILINE)
    assert match, out.stdout
    return int(match.group(1))


def qr_codes(path: Path, folder: Path) -> list[str]:
    """Every QR code found on the pages rendered at 150 dpi."""
    zxingcpp = pytest.importorskip("zxingcpp")
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(path), str(folder / "page")], check=True)
    found = []
    for page in sorted(folder.glob("page-*.png")):
        with Image.open(page) as image:
            for code in zxingcpp.read_barcodes(image.convert("L")):
                found.append(code.text)
    return found


# --- the tests -------------------------------------------------------------------------


@needs_poppler
def test_chinese_pdf_has_three_copies_and_the_signed_facts(
    qapp: Any, signed: tuple[dict[str, Any], str, Any], tmp_path: Path
) -> None:
    content, report_hash, blob = signed
    url = verify_url(content, report_hash)
    path = report.render_report_pdf(
        content, report_hash, blob, tmp_path / "zh.pdf", verify_url=url, labels=chinese_labels()
    )
    assert path == tmp_path / "zh.pdf" and not (tmp_path / "zh.pdf.part").exists()
    text = pdf_text(path)
    for expected in (
        JOB_NUMBER,
        CUSTOMER,
        report_hash,
        "ZY210-3101-01",  # the pump (warranty)
        "ZY210-6011-03",  # the filter (chargeable)
        "ZY2102025A0157",
        "刘建国",
        "张伟",
        *COPIES_ZH,
        # Codes as words of the report's language.
        "故障维修",
        "非常满意",
        "液压泵",
        "拉修",
        "不合格",
        "路途时间",
        "（照片不在本设备上）",
        # Amounts: 2 filters at 280.00 + 30 chargeable minutes at 150.00/h.
        "¥560.00",
        "¥635.00",
        "¥45,800.00",  # the pump's unit price, its line at 0
        # Times in China (UTC+8): signed at 01:00Z + 5 h.
        "2026-11-23 14:00",
    ):
        assert expected in text, expected
    for code in ("very_satisfied", "hydraulic_pump", "on_site", "workshop", "repair"):
        assert code not in text, code
    assert text.index("客户联") < text.index("公司联") < text.index("存档联")
    assert pdf_pages(path) >= 3
    assert path.stat().st_size < 1_500_000  # four camera photos, downscaled


@needs_poppler
def test_english_pdf_uses_english_words(
    qapp: Any, signed: tuple[dict[str, Any], str, Any], tmp_path: Path
) -> None:
    content, report_hash, blob = signed
    path = report.render_report_pdf(content, report_hash, blob, tmp_path / "en.pdf", language="en")
    text = pdf_text(path)
    for expected in (
        JOB_NUMBER,
        CUSTOMER,
        report_hash,
        "ZY210-3101-01",
        *COPIES_EN,
        "Repair",
        "Very satisfied",
        "Hydraulic pump",
        "Taken to workshop",
        "Fail",
        "(photo not on this device)",
        "Page 1 of",
    ):
        assert expected in text, expected
    assert "very_satisfied" not in text
    assert pdf_pages(path) >= 3


@needs_poppler
def test_qr_code_on_each_copy_carries_the_verify_url(
    qapp: Any, signed: tuple[dict[str, Any], str, Any], tmp_path: Path
) -> None:
    content, report_hash, blob = signed
    url = verify_url(content, report_hash)
    path = report.render_report_pdf(
        content, report_hash, blob, tmp_path / "qr.pdf", verify_url=url, labels=chinese_labels()
    )
    assert qr_codes(path, tmp_path) == [url, url, url]


@needs_poppler
def test_without_a_url_the_qr_code_carries_the_job_and_hash(
    qapp: Any, signed: tuple[dict[str, Any], str, Any], tmp_path: Path
) -> None:
    content, report_hash, blob = signed
    path = report.render_report_pdf(content, report_hash, blob, tmp_path / "r.pdf", language="en")
    assert set(qr_codes(path, tmp_path)) == {f"FIELDAPP-VERIFY {JOB_NUMBER} {report_hash}"}


@needs_poppler
def test_renders_in_a_plain_thread(
    qapp: Any, signed: tuple[dict[str, Any], str, Any], tmp_path: Path
) -> None:
    content, report_hash, blob = signed
    results: list[Path] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            results.append(
                report.render_report_pdf(
                    content,
                    report_hash,
                    blob,
                    tmp_path / "thread.pdf",
                    verify_url=verify_url(content, report_hash),
                    labels=chinese_labels(),
                )
            )
        except BaseException as error:  # handed to the test thread
            errors.append(error)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(timeout=120)
    assert not worker.is_alive()
    assert not errors, errors
    assert results == [tmp_path / "thread.pdf"]
    assert pdf_pages(results[0]) >= 3
    text = pdf_text(results[0])
    assert JOB_NUMBER in text and "存档联" in text


@needs_poppler
def test_nothing_on_this_device_still_renders(
    qapp: Any, signed: tuple[dict[str, Any], str, Any], tmp_path: Path
) -> None:
    content, report_hash, _blob = signed
    path = report.render_report_pdf(
        content, report_hash, lambda _sha: None, tmp_path / "bare.pdf", labels=chinese_labels()
    )
    text = pdf_text(path)
    assert text.count("（照片不在本设备上）") == 3 * len(content["photos"])
    assert text.count("（签名不在本设备上）") == 3


def test_preview_html_is_one_copy(qapp: Any, signed: tuple[dict[str, Any], str, Any]) -> None:
    content, report_hash, blob = signed
    labels = chinese_labels()
    for copy, title in zip(report.COPIES, COPIES_ZH, strict=True):
        page = report.report_html(content, report_hash, blob, copy=copy, labels=labels)
        assert title in page
        assert all(other not in page for other in COPIES_ZH if other != title)
        assert JOB_NUMBER in page and report_hash in page
        assert page.count("data:image/jpeg;base64,") == 4  # the photos on this device
    with pytest.raises(ValueError, match="copy"):
        report.report_html(content, report_hash, blob, copy="pink", labels=labels)


def test_every_label_has_a_chinese_translation(qapp: QApplication) -> None:
    labels = chinese_labels()
    table = {text: labels(text) for text in report.all_labels()}
    # Texts with no word to translate ("%1 × %2", the product's name) stay as they are.
    untranslated = [
        english
        for english, chinese in table.items()
        if english == chinese and re.search(r"[A-Za-z]{2,}", re.sub(r"%\d|fieldapp", "", english))
    ]
    assert untranslated == []
    for english, chinese in table.items():
        # Qt's %1 placeholders survive the translation.
        assert re.findall(r"%\d", english) == re.findall(r"%\d", chinese), english
    # One English text, one meaning: a word used in two tables would share a translation.
    words = [text for table_ in report.LABEL_TABLES for text in table_.values()]
    assert len(words) == len(set(words))


def test_formats() -> None:
    assert report.format_money(4_580_000) == "¥45,800.00"
    assert report.format_money(7505) == "¥75.05"
    assert report.format_money(0) == "¥0.00"
    assert report.format_number(1200.0) == "1,200"
    assert report.format_number(65.5) == "65.5"
    assert report.format_time("2026-11-23T01:00:00.000000Z") == "2026-11-23 09:00"
    assert report.format_date("2026-11-23T17:00:00.000000Z") == "2026-11-24"


def test_the_engineers_signature_prints_beside_the_customers(
    qapp: Any, store: Store, world: World
) -> None:
    from fieldapp.models import SignOff

    blobs: dict[str, bytes] = {}
    with store.action() as session:
        job = session.get(Job, world.job_id)
        engineer = session.get(User, world.engineer_id)
        assert job and engineer
        services.transition(session, job, E.ACCEPTED, engineer, now=NOW)
        services.transition(session, job, E.DEPARTED, engineer, now=NOW)
        services.transition(session, job, E.ARRIVED, engineer, now=NOW)
        customer, own = signature_bytes(), photo_bytes(7, (600, 200))
        blobs[sha(customer)] = customer
        blobs[sha(own)] = own
        sign_off = services.sign_job(
            session,
            job,
            engineer,
            signer_name="刘建国",
            signature_sha256=sha(customer),
            engineer_signature_sha256=sha(own),
            now=NOW,
        )
        sign_off_id = sign_off.id
    with store.reader() as session:
        stored = session.get(SignOff, sign_off_id)
        assert stored
        content, report_hash = json.loads(stored.content), stored.report_hash
    assert content["engineer"]["signature"] == sha(own)
    page = report.report_html(content, report_hash, blobs.get, copy="customer", language="en")
    # The customer's signature and the engineer's, side by side in one row, then the QR.
    row = next(r for r in page.split("<tr>") if html.escape("Customer's signature") in r)
    assert html.escape("Engineer's signature") in row
    assert row.count("<img ") == 2
    without = report.report_html(
        content, report_hash, lambda _s: None, copy="customer", language="en"
    )
    assert without.count("(signature not on this device)") == 2
