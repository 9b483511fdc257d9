"""The signed service report as a PDF: the three-part form (三联单).

``render_report_pdf`` writes the customer, company and archive copies (客户联 / 公司联 /
存档联) into one A4 PDF, each copy from a new page; ``report_html`` is one copy's HTML,
also used by the on-screen preview. Both work from the signed content
(``json.loads(SignOff.content)``, see ``fieldapp.services.report.build_report_content``), never
from the live rows, so the paper shows exactly what the customer signed for.

Rendering uses QTextDocument, QPdfWriter and QImage only (no widget, no pixmap of our
own), so it runs in a worker thread (``ui.common.tasks``); a QGuiApplication must exist.

Labels are English in code, marked with ``QT_TRANSLATE_NOOP`` in the context ``Report``
and translated at render time in the report's language, which is the customer's choice
and not necessarily the UI's.
"""

from __future__ import annotations

import base64
import html
import io
import logging
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

import qrcode
import qrcode.constants
from PIL import Image, ImageOps, UnidentifiedImageError
from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QEventLoop,
    QMarginsF,
    QRectF,
    QSizeF,
    Qt,
    QThread,
    QUrl,
)
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QFontDatabase,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QRawFont,
    QTextDocument,
    QTextFormat,
    QTextTable,
)
from qrcode.image.pil import PilImage

from ui.common.i18n import ENGLISH, translate_in, translator_for

log = logging.getLogger(__name__)

CONTEXT = "Report"
Translate = Callable[[str], str]
Blob = Callable[[str], bytes | None]

# Times are stored in UTC and printed in China Standard Time (no daylight saving), the
# time the customer and the engineer read on their watches.
REPORT_TIMEZONE = timezone(timedelta(hours=8))

COPIES: tuple[str, ...] = ("customer", "company", "archive")

# CJK fonts in order of preference; Qt falls back along the list glyph by glyph.
FONT_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Microsoft YaHei",
    "PingFang SC",
    "WenQuanYi Micro Hei",
    "SimSun",
)
MONO_FAMILIES: tuple[str, ...] = ("DejaVu Sans Mono", "Consolas", "Menlo", "Noto Sans Mono")

# Sizes in CSS pixels (1/96 inch); Qt scales them to the PDF's resolution.
PHOTOS_PER_ROW = 6
PHOTO_BOX = (88, 66)
PHOTO_PIXELS = (640, 480)  # about 300 dpi at the printed size
PHOTO_JPEG_QUALITY = 72
SIGNATURE_BOX = (180, 54)
SIGNATURE_PIXELS = (720, 240)
QR_SIZE = 92  # about 24 mm
LOGO_BOX = (150, 44)
LOGO_PIXELS = (600, 176)

PDF_RESOLUTION = 300
PAGE_MARGINS_MM = QMarginsF(12, 8, 12, 8)
FOOTER_MM = 7.0
KEEP_TOGETHER_FRACTION = 0.4  # tables up to this share of a page are not split
FIT_SIZES = (8.5, 8.0, 7.5, 7.0)  # the text's size in pt, smaller to keep a copy on one sheet


def _table(entries: dict[str, object]) -> dict[str, str]:
    """A label table: QT_TRANSLATE_NOOP returns its text, typed ``object`` by PySide."""
    return {key: str(text) for key, text in entries.items()}


# --- the labels (context "Report"; pyside6-lupdate collects them) ---------------------

TEXT = _table(
    {
        "title": QT_TRANSLATE_NOOP("Report", "Field service report"),
        "job_number": QT_TRANSLATE_NOOP("Report", "Job number"),
        "job_type": QT_TRANSLATE_NOOP("Report", "Job type"),
        "engineer": QT_TRANSLATE_NOOP("Report", "Engineer"),
        "customer_machine": QT_TRANSLATE_NOOP("Report", "Customer and machine"),
        "customer_name": QT_TRANSLATE_NOOP("Report", "Customer"),
        "address": QT_TRANSLATE_NOOP("Report", "Address"),
        "contact": QT_TRANSLATE_NOOP("Report", "Contact"),
        "phone": QT_TRANSLATE_NOOP("Report", "Phone"),
        "model": QT_TRANSLATE_NOOP("Report", "Model"),
        "serial": QT_TRANSLATE_NOOP("Report", "Serial number"),
        "hour_meter": QT_TRANSLATE_NOOP("Report", "Hour meter"),
        "symptom_reported": QT_TRANSLATE_NOOP("Report", "Reported symptom"),
        "request": QT_TRANSLATE_NOOP("Report", "Customer's request"),
        "work_done": QT_TRANSLATE_NOOP("Report", "Work done"),
        "event": QT_TRANSLATE_NOOP("Report", "Event"),
        "time": QT_TRANSLATE_NOOP("Report", "Time"),
        "note": QT_TRANSLATE_NOOP("Report", "Note"),
        "findings": QT_TRANSLATE_NOOP("Report", "Pre-inspection findings"),
        "component": QT_TRANSLATE_NOOP("Report", "Component"),
        "finding": QT_TRANSLATE_NOOP("Report", "Finding"),
        "fix_now": QT_TRANSLATE_NOOP("Report", "Fixed now"),
        "danger": QT_TRANSLATE_NOOP("Report", "Danger if not fixed"),
        "remaining_life": QT_TRANSLATE_NOOP("Report", "Remaining life"),
        "checklist": QT_TRANSLATE_NOOP("Report", "Checklist"),
        "revision": QT_TRANSLATE_NOOP("Report", " (rev. %1)"),
        "item": QT_TRANSLATE_NOOP("Report", "Item"),
        "result": QT_TRANSLATE_NOOP("Report", "Result"),
        "photo_attached": QT_TRANSLATE_NOOP("Report", "photo taken"),
        "faults": QT_TRANSLATE_NOOP("Report", "Faults"),
        "assembly": QT_TRANSLATE_NOOP("Report", "Assembly"),
        "fault_code": QT_TRANSLATE_NOOP("Report", "Fault code"),
        "symptom": QT_TRANSLATE_NOOP("Report", "Symptom"),
        "cause": QT_TRANSLATE_NOOP("Report", "Cause"),
        "action": QT_TRANSLATE_NOOP("Report", "Action"),
        "fixed": QT_TRANSLATE_NOOP("Report", "Fixed"),
        "repair_location": QT_TRANSLATE_NOOP("Report", "Repaired"),
        "loaner": QT_TRANSLATE_NOOP("Report", "Loaner machine"),
        "parts": QT_TRANSLATE_NOOP("Report", "Parts used"),
        "part_no": QT_TRANSLATE_NOOP("Report", "Part number"),
        "part_name": QT_TRANSLATE_NOOP("Report", "Part name"),
        "quantity": QT_TRANSLATE_NOOP("Report", "Qty"),
        "unit_price": QT_TRANSLATE_NOOP("Report", "Unit price"),
        "charge": QT_TRANSLATE_NOOP("Report", "Charge"),
        "warranty": QT_TRANSLATE_NOOP("Report", "Warranty"),
        "chargeable": QT_TRANSLATE_NOOP("Report", "Chargeable"),
        "line_total": QT_TRANSLATE_NOOP("Report", "Amount"),
        "old_part_shown": QT_TRANSLATE_NOOP("Report", "old part shown to the customer"),
        "times": QT_TRANSLATE_NOOP("Report", "Time spent"),
        "kind": QT_TRANSLATE_NOOP("Report", "Kind"),
        "minutes_total": QT_TRANSLATE_NOOP("Report", "Total"),
        "minutes_warranty": QT_TRANSLATE_NOOP("Report", "Under warranty"),
        "minutes": QT_TRANSLATE_NOOP("Report", "%1 min"),
        "hours": QT_TRANSLATE_NOOP("Report", "%1 h"),
        "charges": QT_TRANSLATE_NOOP("Report", "Charges"),
        "parts_total": QT_TRANSLATE_NOOP("Report", "Parts (chargeable)"),
        "labour_total": QT_TRANSLATE_NOOP("Report", "Labour and services"),
        "total_amount": QT_TRANSLATE_NOOP("Report", "Total amount"),
        "photos": QT_TRANSLATE_NOOP("Report", "Photos"),
        "photo_missing": QT_TRANSLATE_NOOP("Report", "(photo not on this device)"),
        "photo_unreadable": QT_TRANSLATE_NOOP("Report", "(photo cannot be shown)"),
        "sign_off": QT_TRANSLATE_NOOP("Report", "Customer confirmation"),
        "statement": QT_TRANSLATE_NOOP(
            "Report", "By signing, the customer confirms the work, parts and charges above."
        ),
        "opinion": QT_TRANSLATE_NOOP("Report", "Customer's opinion"),
        "satisfaction": QT_TRANSLATE_NOOP("Report", "Satisfaction"),
        "signature": QT_TRANSLATE_NOOP("Report", "Customer's signature"),
        "signature_missing": QT_TRANSLATE_NOOP("Report", "(signature not on this device)"),
        "signer": QT_TRANSLATE_NOOP("Report", "Signed by"),
        "signed_at": QT_TRANSLATE_NOOP("Report", "Signed at"),
        "amends": QT_TRANSLATE_NOOP("Report", "Amends report"),
        "hash": QT_TRANSLATE_NOOP("Report", "Report hash (SHA-256)"),
        "approval": QT_TRANSLATE_NOOP("Report", "Supervisor's approval"),
        "approved_by": QT_TRANSLATE_NOOP("Report", "Approved by"),
        "approved_at": QT_TRANSLATE_NOOP("Report", "Approved at"),
        "approval_signature": QT_TRANSLATE_NOOP("Report", "Supervisor's signature"),
        "scan": QT_TRANSLATE_NOOP("Report", "Scan to verify this report"),
        "none": QT_TRANSLATE_NOOP("Report", "None"),
        "yes": QT_TRANSLATE_NOOP("Report", "Yes"),
        "no": QT_TRANSLATE_NOOP("Report", "No"),
        "page": QT_TRANSLATE_NOOP("Report", "Page %1 of %2"),
        "hotline": QT_TRANSLATE_NOOP("Report", "Service hotline"),
        "visit": QT_TRANSLATE_NOOP("Report", "Visit"),
        "left_site": QT_TRANSLATE_NOOP("Report", "Left site"),
        "charged_item": QT_TRANSLATE_NOOP("Report", "Part or service"),
        "rate": QT_TRANSLATE_NOOP("Report", "Quantity × rate"),
        "why": QT_TRANSLATE_NOOP("Report", "Charge basis"),
        "labour_line": QT_TRANSLATE_NOOP("Report", "Labour time"),
        "travel_line": QT_TRANSLATE_NOOP("Report", "Travel time"),
        "pieces_rate": QT_TRANSLATE_NOOP("Report", "%1 × %2"),
        "hours_rate": QT_TRANSLATE_NOOP("Report", "%1 h × %2/h"),
        "covered": QT_TRANSLATE_NOOP("Report", "Covered by the warranty (not charged)"),
        "engineer_signature": QT_TRANSLATE_NOOP("Report", "Engineer's signature"),
        "open_customer": QT_TRANSLATE_NOOP("Report", "Incomplete, seen by the customer"),
        "open_engineer": QT_TRANSLATE_NOOP("Report", "Incomplete, left by the engineer"),
        "engineer_reason": QT_TRANSLATE_NOOP("Report", "Engineer's reason"),
        "open_kind": QT_TRANSLATE_NOOP("Report", "%1 (%2): %3"),
        "version": QT_TRANSLATE_NOOP("Report", "fieldapp %1"),
    }
)

CHARGE_REASONS = _table(
    {
        "warranty": QT_TRANSLATE_NOOP("Report", "Within the warranty period"),
        "out_of_warranty": QT_TRANSLATE_NOOP("Report", "Warranty expired"),
        "consumable": QT_TRANSLATE_NOOP("Report", "Consumable part"),
        "misuse": QT_TRANSLATE_NOOP("Report", "Misuse"),
        "maintenance": QT_TRANSLATE_NOOP("Report", "Scheduled maintenance"),
        "unknown_date": QT_TRANSLATE_NOOP("Report", "Purchase date not known"),
        "not_charged": QT_TRANSLATE_NOOP("Report", "Not charged"),
    }
)

GAP_KINDS = _table(
    {
        "checklist_missing": QT_TRANSLATE_NOOP("Report", "Checklist not filled in"),
        "unanswered": QT_TRANSLATE_NOOP("Report", "Item not checked"),
        "photo_missing": QT_TRANSLATE_NOOP("Report", "No photo"),
        "out_of_range": QT_TRANSLATE_NOOP("Report", "Value out of range"),
        "failed": QT_TRANSLATE_NOOP("Report", "Check not passed"),
        "not_a_number": QT_TRANSLATE_NOOP("Report", "Not a number"),
        "fault_not_fixed": QT_TRANSLATE_NOOP("Report", "Fault not fixed"),
        "no_fault": QT_TRANSLATE_NOOP("Report", "No fault recorded"),
        "no_labour": QT_TRANSLATE_NOOP("Report", "No labour time recorded"),
    }
)

COPY_TITLES = _table(
    {
        "customer": QT_TRANSLATE_NOOP("Report", "Customer copy"),
        "company": QT_TRANSLATE_NOOP("Report", "Company copy"),
        "archive": QT_TRANSLATE_NOOP("Report", "Archive copy"),
    }
)

JOB_TYPES = _table(
    {
        "installation": QT_TRANSLATE_NOOP("Report", "Installation and commissioning"),
        "repair": QT_TRANSLATE_NOOP("Report", "Repair"),
        "maintenance": QT_TRANSLATE_NOOP("Report", "Periodic maintenance"),
        "inspection": QT_TRANSLATE_NOOP("Report", "Inspection"),
        "warranty": QT_TRANSLATE_NOOP("Report", "Warranty claim"),
        "training": QT_TRANSLATE_NOOP("Report", "Training"),
        "return_visit": QT_TRANSLATE_NOOP("Report", "Return visit"),
    }
)

EVENT_KINDS = _table(
    {
        "departed": QT_TRANSLATE_NOOP("Report", "Departed"),
        "arrived": QT_TRANSLATE_NOOP("Report", "Arrived on site"),
        "suspended": QT_TRANSLATE_NOOP("Report", "Left site unfinished"),
    }
)

ASSEMBLIES = _table(
    {
        "engine": QT_TRANSLATE_NOOP("Report", "Engine"),
        "hydraulic_pump": QT_TRANSLATE_NOOP("Report", "Hydraulic pump"),
        "hydraulic_valve": QT_TRANSLATE_NOOP("Report", "Hydraulic valve"),
        "hydraulic_cylinder": QT_TRANSLATE_NOOP("Report", "Hydraulic cylinder"),
        "slewing": QT_TRANSLATE_NOOP("Report", "Slewing"),
        "travel": QT_TRANSLATE_NOOP("Report", "Travel system"),
        "drive_axle": QT_TRANSLATE_NOOP("Report", "Drive axle"),
        "gearbox": QT_TRANSLATE_NOOP("Report", "Gearbox"),
        "undercarriage": QT_TRANSLATE_NOOP("Report", "Undercarriage"),
        "electrics": QT_TRANSLATE_NOOP("Report", "Electrics"),
        "cab": QT_TRANSLATE_NOOP("Report", "Cab"),
        "work_equipment": QT_TRANSLATE_NOOP("Report", "Work equipment"),
        "boom_crane": QT_TRANSLATE_NOOP("Report", "Boom and winch"),
        "other": QT_TRANSLATE_NOOP("Report", "Other"),
    }
)

REPAIR_LOCATIONS = _table(
    {
        "on_site": QT_TRANSLATE_NOOP("Report", "On site"),
        "workshop": QT_TRANSLATE_NOOP("Report", "Taken to workshop"),
    }
)

CHECK_RESULTS = _table(
    {
        "pass": QT_TRANSLATE_NOOP("Report", "Pass"),
        "fail": QT_TRANSLATE_NOOP("Report", "Fail"),
        "na": QT_TRANSLATE_NOOP("Report", "N/A"),
    }
)

TIME_KINDS = _table(
    {
        "labour": QT_TRANSLATE_NOOP("Report", "Labour"),
        "travel": QT_TRANSLATE_NOOP("Report", "Travel"),
        "waiting": QT_TRANSLATE_NOOP("Report", "Waiting"),
    }
)

SATISFACTION = _table(
    {
        "very_satisfied": QT_TRANSLATE_NOOP("Report", "Very satisfied"),
        "highly_satisfied": QT_TRANSLATE_NOOP("Report", "Highly satisfied"),
        "satisfied": QT_TRANSLATE_NOOP("Report", "Satisfied"),
        "dissatisfied": QT_TRANSLATE_NOOP("Report", "Dissatisfied"),
    }
)

LABEL_TABLES: tuple[dict[str, str], ...] = (
    TEXT,
    CHARGE_REASONS,
    GAP_KINDS,
    COPY_TITLES,
    JOB_TYPES,
    EVENT_KINDS,
    ASSEMBLIES,
    REPAIR_LOCATIONS,
    CHECK_RESULTS,
    TIME_KINDS,
    SATISFACTION,
)


def all_labels() -> list[str]:
    """Every English text the report translates (for checks of the translations)."""
    return sorted({text for table in LABEL_TABLES for text in table.values()})


def translation_for(language: str, labels: Translate | None = None) -> Translate:
    """``labels`` if given, else the app's Qt translator for ``language`` (English is the
    source text)."""
    if labels is not None:
        return labels
    if language == ENGLISH:
        return lambda text: text
    translator = translator_for(language)

    def translate(text: str) -> str:
        return translate_in(translator, CONTEXT, text)

    return translate


# --- pictures --------------------------------------------------------------------------


@dataclass(frozen=True)
class Picture:
    """An image ready for the report: encoded bytes and its printed size in CSS px."""

    data: bytes
    mime: str
    width: int
    height: int


@dataclass(frozen=True)
class Pictures:
    """The report's images, made once for all copies. Where an image cannot be shown
    (not on this device, or not decodable) it is the key of the text shown instead."""

    qr: Picture
    signature: Picture | str
    photos: dict[str, Picture | str]
    engineer_signature: Picture | str | None = None  # None: the engineer did not sign
    logo: Picture | None = None


@dataclass(frozen=True)
class Approval:
    """The supervisor's approval of one signed revision, printed on the company copy
    only (seed 001: it takes effect once the department manager signed it). Not part of
    the signed content: it comes from the review that names the report's hash."""

    reviewer: str
    approved_at: datetime
    signature: bytes | None  # the reviewer's signature picture, if it is on this device


def _fit(width: int, height: int, box: tuple[int, int]) -> tuple[int, int]:
    scale = min(box[0] / width, box[1] / height, 1.0) if width and height else 1.0
    return max(1, round(width * scale)), max(1, round(height * scale))


def _open_image(data: bytes) -> Image.Image | None:
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
        return ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        log.warning("Cannot decode an image of the report: %s", error)
        return None


def photo_picture(data: bytes) -> Picture | None:
    """A photo as a small JPEG thumbnail (the PDF stays small whatever the camera)."""
    image = _open_image(data)
    if image is None:
        return None
    image = image.convert("RGB")
    image.thumbnail(PHOTO_PIXELS, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=PHOTO_JPEG_QUALITY, optimize=True)
    width, height = _fit(image.width, image.height, PHOTO_BOX)
    return Picture(out.getvalue(), "image/jpeg", width, height)


def signature_picture(data: bytes) -> Picture | None:
    """The signature drawn on the screen, its transparency kept, as a PNG."""
    image = _open_image(data)
    if image is None:
        return None
    image = image.convert("RGBA")
    bbox = image.getchannel("A").getbbox()  # trim the empty canvas around the strokes
    if bbox:
        image = image.crop(bbox)
    image.thumbnail(SIGNATURE_PIXELS, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    width, height = _fit(image.width, image.height, SIGNATURE_BOX)
    return Picture(out.getvalue(), "image/png", width, height)


def logo_picture(data: bytes) -> Picture | None:
    """The company's logo, transparency kept, scaled into the letterhead's box."""
    image = _open_image(data)
    if image is None:
        return None
    image = image.convert("RGBA")
    image.thumbnail(LOGO_PIXELS, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    width, height = _fit(image.width, image.height, LOGO_BOX)
    return Picture(out.getvalue(), "image/png", width, height)


def qr_picture(text: str) -> Picture:
    """A QR code of ``text`` as a black-and-white PNG, sharp at any print size. Qt's PDF
    writer stores it as a JPEG; 8-pixel modules on a 4-module border fall on the JPEG's
    8x8 blocks, each block one flat colour, so the code stays crisp."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=4)
    code.add_data(text)
    code.make(fit=True)
    image = code.make_image(image_factory=PilImage).get_image().convert("1")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return Picture(out.getvalue(), "image/png", QR_SIZE, QR_SIZE)


def qr_text(content: dict[str, Any], report_hash: str, verify_url: str = "") -> str:
    """What the QR code carries: the verify URL, or the job number and hash."""
    if verify_url:
        return verify_url
    number = (content.get("job") or {}).get("number") or ""
    return f"FIELDAPP-VERIFY {number} {report_hash}"


def make_pictures(
    content: dict[str, Any], report_hash: str, blob: Blob, verify_url: str = ""
) -> Pictures:
    def load(
        sha: str, make: Callable[[bytes], Picture | None], missing: str, unreadable: str
    ) -> Picture | str:
        data = blob(sha) if sha else None
        if data is None:
            return missing
        return make(data) or unreadable

    signature_sha = (content.get("sign_off") or {}).get("signature") or ""
    engineer_sha = (content.get("engineer") or {}).get("signature") or ""
    logo_sha = {
        head.get("logo_sha256") or ""
        for head in (content.get("letterhead") or {}).values()
        if isinstance(head, dict)
    } - {""}
    logo_data = blob(sorted(logo_sha)[0]) if logo_sha else None
    return Pictures(
        qr=qr_picture(qr_text(content, report_hash, verify_url)),
        signature=load(signature_sha, signature_picture, "signature_missing", "signature_missing"),
        photos={
            sha: load(sha, photo_picture, "photo_missing", "photo_unreadable")
            for sha in content.get("photos") or []
        },
        engineer_signature=(
            load(engineer_sha, signature_picture, "signature_missing", "signature_missing")
            if engineer_sha
            else None
        ),
        logo=logo_picture(logo_data) if logo_data else None,
    )


# --- formatting ------------------------------------------------------------------------


def _e(value: object, empty: str = "") -> str:
    """Content text as HTML: escaped, line breaks kept."""
    if value is None or value == "":
        return empty
    return html.escape(str(value)).replace("\n", "<br>")


def _instant(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        log.warning("Not an instant in the report: %r", value)
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(REPORT_TIMEZONE)


def format_time(value: object) -> str:
    moment = _instant(value)
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


def format_date(value: object) -> str:
    moment = _instant(value)
    return moment.strftime("%Y-%m-%d") if moment else ""


def format_money(cents: object) -> str:
    """Yuan with 2 decimals: ``¥1,234.50``."""
    amount = int(cents) if isinstance(cents, int | float) else 0
    sign = "-" if amount < 0 else ""
    yuan, fen = divmod(abs(amount), 100)
    return f"{sign}¥{yuan:,}.{fen:02d}"


def format_number(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "" if value is None else str(value)
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _arg(template: str, *values: str) -> str:
    """Qt's ``%1``-style placeholders, as in the .ts files."""
    for index, value in reversed(list(enumerate(values, start=1))):
        template = template.replace(f"%{index}", value)
    return template


def _word(tr: Translate, table: dict[str, str], code: object) -> str:
    """An enum value as a word of the report's language (unknown codes as they are)."""
    if code is None or code == "":
        return ""
    text = table.get(str(code))
    return tr(text) if text else str(code)


# --- HTML ------------------------------------------------------------------------------

STYLE = """
body { color: #1c1c1c; }
td, th { padding: 1px 4px 1px 4px; vertical-align: top; }
th { background-color: #eef1f4; font-weight: bold; text-align: left; color: #333333; }
td.title { background-color: #d9e1ea; font-weight: bold; font-size: 9pt; color: #1f3247; }
td.label { background-color: #f5f6f8; color: #444444; }
td.num, th.num { text-align: right; }
td.center, th.center { text-align: center; }
td.muted, span.muted { color: #6b6b6b; }
td.bad, span.bad { color: #b3261e; font-weight: bold; }
tr.bad td { background-color: #fdeceb; }
td.total { font-weight: bold; font-size: 10pt; }
td.photo { text-align: center; vertical-align: middle; }
td.placeholder { font-size: 6.5pt; }
p.gap { font-size: 2.5pt; margin: 0px; }
.hash { font-size: 7.5pt; }
"""


# Qt's HTML takes thin, single-line borders from the inline style only.
FORM_TABLE = (
    '<table class="form" width="100%" cellspacing="0" cellpadding="0" style="'
    'border-collapse: collapse; border-width: 0.6px; border-style: solid; border-color: #8a939c;">'
)


@dataclass(frozen=True)
class Column:
    label: str
    width: int  # percent
    cls: str = ""


def _cell(content: str, cls: str = "", extra: str = "") -> str:
    attrs = f' class="{cls}"' if cls else ""
    return f"<td{attrs}{extra}>{content}</td>"


def _section(title: str, columns: Sequence[Column], rows: Sequence[str], none: str) -> str:
    """A bordered table whose title and column heads repeat on every page it spans."""
    head = "".join(
        f'<th width="{c.width}%"{f" class={chr(34)}{c.cls}{chr(34)}" if c.cls else ""}>'
        f"{html.escape(c.label)}</th>"
        for c in columns
    )
    body = list(rows) or [
        f'<tr><td colspan="{len(columns)}" class="muted">{html.escape(none)}</td></tr>'
    ]
    return (
        FORM_TABLE
        + f'<thead><tr><td class="title" colspan="{len(columns)}">{html.escape(title)}</td></tr>'
        f"<tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def _pairs_table(title: str, rows: Sequence[tuple[str, str, str | None, str]]) -> str:
    """A bordered label/value table in two pairs of columns; a row whose second label is
    None has its value span the whole width."""
    body = []
    for label_a, value_a, label_b, value_b in rows:
        if label_b is not None:
            body.append(
                "<tr>"
                + _cell(html.escape(label_a), "label", ' width="16%"')
                + _cell(value_a, "", ' width="36%"')
                + _cell(html.escape(label_b), "label", ' width="14%"')
                + _cell(value_b, "", ' width="34%"')
                + "</tr>"
            )
        else:
            body.append(
                "<tr>"
                + _cell(html.escape(label_a), "label", ' width="16%"')
                + _cell(value_a, "", ' colspan="3"')
                + "</tr>"
            )
    head = (
        f'<thead><tr><td class="title" colspan="4">{html.escape(title)}</td></tr></thead>'
        if title
        else ""
    )
    return FORM_TABLE + f"{head}<tbody>{''.join(body)}</tbody></table>"


GAP = '<p class="gap">&nbsp;</p>'


def _img(src: str, picture: Picture) -> str:
    return f'<img src="{src}" width="{picture.width}" height="{picture.height}">'


def data_uri(picture: Picture) -> str:
    return f"data:{picture.mime};base64,{base64.b64encode(picture.data).decode('ascii')}"


Source = Callable[[str, Picture], str]  # (key, picture) -> the <img> src


@dataclass(frozen=True)
class Words:
    """The report's language: its translation, and whether it is English (content that
    carries both languages, e.g. part names, is printed in this one)."""

    tr: Translate
    english: bool

    def pick(self, zh: object, en: object) -> str:
        """The English text in an English report when there is one, else the Chinese."""
        chinese, english = str(zh or ""), str(en or "")
        return (english or chinese) if self.english else (chinese or english)


def _letterhead(content: dict[str, Any], words: Words, pictures: Pictures, src: Source) -> str:
    """The company's logo, name, address, service hotline, e-mail and website as frozen
    into the report when it was signed; empty without a company profile."""
    heads = content.get("letterhead") or {}
    head = heads.get("en" if words.english else "zh") or {}
    if not any(head.get(key) for key in ("name", "address", "hotline", "email", "website")):
        return ""
    tr = words.tr
    hotline_label = html.escape(tr(TEXT["hotline"]))
    hotline = f"{hotline_label} <b>{_e(head.get('hotline'))}</b>" if head.get("hotline") else ""
    reach = (hotline, _e(head.get("email")), _e(head.get("website")))
    lines = [
        f'<span style="font-size: 11pt; font-weight: bold; color: #1f3247;">'
        f"{_e(head.get('name'))}</span>",
        f'<span style="font-size: 7pt;">{_e(head.get("address"))}</span>',
        f'<span style="font-size: 7pt;">{" · ".join(p for p in reach if p)}</span>',
    ]
    logo = (
        f'<td width="{pictures.logo.width + 8}" '
        'style="vertical-align: middle; padding: 0px 8px 0px 0px;">'
        f"{_img(src('logo', pictures.logo), pictures.logo)}</td>"
        if pictures.logo is not None
        else ""
    )
    return (
        '<table class="plain" border="0" cellspacing="0" cellpadding="0"><tr>'
        + logo
        + '<td style="vertical-align: middle;">'
        + "<br>".join(line for line in lines if not line.endswith('"></span>'))
        + "</td></tr></table>"
    )


def _header(
    content: dict[str, Any], words: Words, copy: str, pictures: Pictures, src: Source
) -> str:
    """The letterhead on the left, the form's title and the copy on the right (the title
    alone on the left without a letterhead), then the job's number and type (the date,
    the engineer and the customer's signatures are in the sign-off at the end)."""
    tr = words.tr
    job = content.get("job") or {}
    letterhead = _letterhead(content, words, pictures, src)
    title = (
        f'<span style="font-size: 14pt; font-weight: bold; color: #1f3247; white-space: nowrap;">'
        f"{html.escape(tr(TEXT['title']))}</span>"
    )
    badge = (
        '<table cellspacing="0" cellpadding="0" align="right" style="border-collapse: collapse; '
        'border-width: 1.2px; border-style: solid; border-color: #1f3247;"><tr>'
        '<td style="padding: 2px 10px 2px 10px; font-size: 12pt; font-weight: bold; '
        f'color: #1f3247;">{html.escape(tr(COPY_TITLES[copy]))}</td></tr></table>'
    )
    if letterhead:
        left, right = letterhead, f'<p align="right" style="margin: 0px;">{title}</p>{badge}'
    else:
        left, right = title, badge
    head = (
        '<table class="plain" width="100%" border="0" cellspacing="0" cellpadding="0"><tr>'
        f'<td width="68%" style="vertical-align: bottom;">{left}</td>'
        f'<td width="32%" align="right" style="vertical-align: bottom;">{right}</td>'
        "</tr></table>"
    )
    facts = _pairs_table(
        "",
        [
            (
                tr(TEXT["job_number"]),
                f"<b>{_e(job.get('number'))}</b>",
                tr(TEXT["job_type"]),
                html.escape(_word(tr, JOB_TYPES, job.get("type"))),
            ),
        ],
    )
    return head + GAP + facts


def _visit(content: dict[str, Any], tr: Translate) -> str:
    """The register of the visit on one line: departed, arrived, left the site (the time
    of signing), and any time the engineer left unfinished, with its note."""
    steps = []
    for event in content.get("events") or []:
        text = f"{html.escape(_word(tr, EVENT_KINDS, event.get('kind')))} " + _e(
            format_time(event.get("at"))
        )
        if event.get("note"):
            text += f" ({_e(event.get('note'))})"
        steps.append(text)
    left = content.get("left_site_at") or (content.get("sign_off") or {}).get("signed_at")
    if left:
        steps.append(f"{html.escape(tr(TEXT['left_site']))} {_e(format_time(left))}")
    return " → ".join(steps)


def _customer_machine(content: dict[str, Any], tr: Translate) -> str:
    job = content.get("job") or {}
    customer = content.get("customer") or {}
    machine = content.get("machine") or {}
    hours = machine.get("hour_meter")
    hour_text = _arg(tr(TEXT["hours"]), format_number(hours)) if hours is not None else ""
    contact = " ".join(
        _e(value) for value in (customer.get("contact"), customer.get("phone")) if value
    )
    rows: list[tuple[str, str, str | None, str]] = [
        (
            tr(TEXT["customer_name"]),
            _e(customer.get("name")),
            tr(TEXT["model"]),
            _e(machine.get("model")),
        ),
        (
            tr(TEXT["address"]),
            _e(customer.get("address")),
            tr(TEXT["serial"]),
            _e(machine.get("serial")),
        ),
        (tr(TEXT["contact"]), contact, tr(TEXT["hour_meter"]), html.escape(hour_text)),
        (tr(TEXT["symptom_reported"]), _e(job.get("symptom")), None, ""),
    ]
    if job.get("request"):
        rows.append((tr(TEXT["request"]), _e(job.get("request")), None, ""))
    visit = _visit(content, tr)
    if visit:
        rows.append((tr(TEXT["visit"]), visit, None, ""))
    return _pairs_table(tr(TEXT["customer_machine"]), rows)


def _findings(content: dict[str, Any], tr: Translate) -> str:
    findings = content.get("findings") or []
    if not findings:
        return ""
    rows = []
    for finding in findings:
        fix_now = bool(finding.get("fix_now"))
        rows.append(
            "<tr>"
            + _cell(html.escape(_word(tr, ASSEMBLIES, finding.get("component"))))
            + _cell(_e(finding.get("description")))
            + _cell(
                html.escape(tr(TEXT["yes" if fix_now else "no"])),
                "center" if fix_now else "center bad",
            )
            + _cell(_e(finding.get("danger")))
            + _cell(_e(finding.get("remaining_life")))
            + "</tr>"
        )
    return _section(
        tr(TEXT["findings"]),
        [
            Column(tr(TEXT["component"]), 14),
            Column(tr(TEXT["finding"]), 34),
            Column(tr(TEXT["fix_now"]), 10, "center"),
            Column(tr(TEXT["danger"]), 26),
            Column(tr(TEXT["remaining_life"]), 16),
        ],
        rows,
        tr(TEXT["none"]),
    )


# Check items the screen answers with yes / no instead of pass / fail (ItemKind.YES_NO),
# and how an answer of theirs recorded as pass / fail reads.
YES_NO_KINDS = frozenset({"yes_no"})
YES_NO_RESULTS = {"pass": "yes", "fail": "no", "yes": "yes", "no": "no"}


def _choice_text(choice: str, words: Words) -> str:
    """A checklist choice in the report's language: choices are kept as "中文/English"."""
    chinese, _slash, english = choice.partition("/")
    return words.pick(chinese.strip(), english.strip()) if _slash else choice


def _answer_value(answer: dict[str, Any], words: Words) -> tuple[str, bool]:
    """The shown result of a checklist answer, as the screen showed it, and whether it
    failed."""
    tr = words.tr
    values = []
    result = answer.get("result")
    yes_no = answer.get("kind") in YES_NO_KINDS or result in ("yes", "no")
    if result:
        if yes_no and result in YES_NO_RESULTS:
            values.append(tr(TEXT[YES_NO_RESULTS[result]]))
        else:
            values.append(_word(tr, CHECK_RESULTS, result))
    number = answer.get("number")
    if number is not None and number != "":
        unit = str(answer.get("unit") or "")
        values.append(f"{format_number(number)} {unit}".strip())
    if answer.get("choice"):
        values.append(_choice_text(str(answer["choice"]), words))
    if answer.get("text"):
        values.append(str(answer["text"]))
    if answer.get("photo"):
        values.append(tr(TEXT["photo_attached"]))
    return " · ".join(values), result in ("fail", "no")


def shown_checklists(content: dict[str, Any], copy: str) -> list[dict[str, Any]]:
    """The checklists printed on ``copy``: the company's own (internal) ones only on the
    company copy."""
    return [
        checklist
        for checklist in content.get("checklists") or []
        if copy == "company" or not checklist.get("internal")
    ]


def _checklists(content: dict[str, Any], words: Words, copy: str) -> str:
    tr = words.tr
    tables = []
    for checklist in shown_checklists(content, copy):
        name = words.pick(checklist.get("name"), checklist.get("name_en"))
        title = name or tr(TEXT["checklist"])
        if checklist.get("revision") is not None:
            # The space before the bracket is part of the text: Chinese has none.
            title += _arg(tr(TEXT["revision"]), str(checklist["revision"]))
        rows = []
        for number, answer in enumerate(checklist.get("answers") or [], start=1):
            value, failed = _answer_value(answer, words)
            rows.append(
                f"<tr{' class=' + chr(34) + 'bad' + chr(34) if failed else ''}>"
                + _cell(str(number), "center")
                + _cell(_e(words.pick(answer.get("item"), answer.get("item_en"))))
                + _cell(_e(value), "bad" if failed else "")
                + _cell(_e(answer.get("note")))
                + "</tr>"
            )
        tables.append(
            _section(
                title,
                [
                    Column("#", 5, "center"),
                    Column(tr(TEXT["item"]), 45),
                    Column(tr(TEXT["result"]), 20),
                    Column(tr(TEXT["note"]), 30),
                ],
                rows,
                tr(TEXT["none"]),
            )
        )
    return GAP.join(tables)


def _faults(content: dict[str, Any], tr: Translate) -> str:
    faults = content.get("faults") or []
    if not faults:
        return ""
    rows = []
    for fault in faults:
        fixed = bool(fault.get("fixed"))
        loaner = bool(fault.get("loaner"))
        rows.append(
            "<tr>"
            + _cell(html.escape(_word(tr, ASSEMBLIES, fault.get("assembly"))))
            + _cell(_e(fault.get("code")))
            + _cell(_e(fault.get("symptom")))
            + _cell(_e(fault.get("cause")))
            + _cell(_e(fault.get("action")))
            + _cell(
                html.escape(tr(TEXT["yes" if fixed else "no"])), "center" if fixed else "center bad"
            )
            + _cell(html.escape(_word(tr, REPAIR_LOCATIONS, fault.get("repair_location"))))
            + _cell(html.escape(tr(TEXT["yes" if loaner else "no"])), "center")
            + "</tr>"
        )
    return _section(
        tr(TEXT["faults"]),
        [
            Column(tr(TEXT["assembly"]), 11),
            Column(tr(TEXT["fault_code"]), 10),
            Column(tr(TEXT["symptom"]), 16),
            Column(tr(TEXT["cause"]), 16),
            Column(tr(TEXT["action"]), 16),
            Column(tr(TEXT["fixed"]), 6, "center"),
            Column(tr(TEXT["repair_location"]), 10),
            Column(tr(TEXT["loaner"]), 15, "center"),
        ],
        rows,
        tr(TEXT["none"]),
    )


# --- what the customer pays for ---------------------------------------------------------


def legacy_charge_lines(content: dict[str, Any]) -> list[dict[str, Any]]:
    """The charged lines of a report signed before they were part of the content, made
    from its parts and time (the same arithmetic as ``fieldapp.services.billing.charges``)."""
    rate = 15000
    lines: list[dict[str, Any]] = []
    for part in content.get("parts") or []:
        value = int(part.get("quantity") or 0) * int(part.get("unit_price_cents") or 0)
        free = bool(part.get("warranty"))
        lines.append(
            {
                "kind": "part",
                "part_no": part.get("part_no") or "",
                "name": part.get("name") or "",
                "name_en": part.get("name_en") or "",
                "quantity": part.get("quantity") or 0,
                "unit_price_cents": part.get("unit_price_cents") or 0,
                "value_cents": value,
                "amount_cents": 0 if free else value,
                "reason": "overridden" if part.get("override_reason") else "",
                "override_reason": part.get("override_reason") or "",
            }
        )
    entries = content.get("time") or []
    for free in (False, True):
        minutes = sum(
            int(t.get("minutes") or 0)
            for t in entries
            if t.get("kind") == "labour" and bool(t.get("warranty")) == free
        )
        if minutes:
            value = round(minutes * rate / 60)
            lines.append(
                {
                    "kind": "labour",
                    "quantity": round(minutes / 60, 2),
                    "unit_price_cents": rate,
                    "value_cents": value,
                    "amount_cents": 0 if free else value,
                    "reason": "warranty" if free else "",
                }
            )
    travel = sum(int(t.get("minutes") or 0) for t in entries if t.get("kind") == "travel")
    if travel:
        lines.append(
            {
                "kind": "travel",
                "quantity": round(travel / 60, 2),
                "unit_price_cents": 0,
                "value_cents": 0,
                "amount_cents": 0,
                "reason": "not_charged",
            }
        )
    return lines


@dataclass(frozen=True)
class ChargeRow:
    """One charged line as printed and as shown on the sign-off screen."""

    number: int
    item: str  # plain text
    detail: str  # plain text under the item: the part's notes
    rate: str  # "1 × ¥126.00", "2.5 h × ¥150.00/h"
    why: str  # "Chargeable", or why it is free
    amount: str
    free: bool


def charge_rows(
    lines: Sequence[dict[str, Any]], words: Words, parts: Sequence[dict[str, Any]] = ()
) -> list[ChargeRow]:
    """The lines of ``charge_lines`` (as dicts: ``ChargeLine.as_content()`` or the signed
    content's ``charges.lines``) in words of the report's language."""
    tr = words.tr
    shown = {p.get("part_no"): p for p in parts if p.get("old_part_shown")}
    rows = []
    for number, line in enumerate(lines, start=1):
        kind = line.get("kind")
        value = int(line.get("value_cents") or 0)
        amount = int(line.get("amount_cents") or 0)
        free = amount == 0
        if kind == "part":
            item = " ".join(
                p
                for p in (line.get("part_no"), words.pick(line.get("name"), line.get("name_en")))
                if p
            )
            rate = _arg(
                tr(TEXT["pieces_rate"]),
                format_number(line.get("quantity")),
                format_money(line.get("unit_price_cents")),
            )
        else:
            item = tr(TEXT["labour_line" if kind == "labour" else "travel_line"])
            hours = format_number(line.get("quantity"))
            rate = (
                _arg(tr(TEXT["hours_rate"]), hours, format_money(line.get("unit_price_cents")))
                if line.get("unit_price_cents")
                else _arg(tr(TEXT["hours"]), hours)
            )
        if line.get("override_reason"):
            why = str(line["override_reason"])
        elif free and value:
            why = tr(CHARGE_REASONS.get(str(line.get("reason") or "warranty"), TEXT["warranty"]))
        elif free:
            why = tr(CHARGE_REASONS.get(str(line.get("reason") or "not_charged"), TEXT["none"]))
        elif str(line.get("reason") or "") in CHARGE_REASONS:
            why = tr(CHARGE_REASONS[str(line["reason"])])
        else:
            why = tr(TEXT["chargeable"])
        old_shown = kind == "part" and line.get("part_no") in shown
        detail = tr(TEXT["old_part_shown"]) if old_shown else ""
        rows.append(ChargeRow(number, item, detail, rate, why, format_money(amount), free))
    return rows


def charge_lines_of(content: dict[str, Any]) -> tuple[list[dict[str, Any]], int, int]:
    """The signed lines, the total to pay and what the warranty covers."""
    charges = content.get("charges")
    if isinstance(charges, dict):
        return (
            list(charges.get("lines") or []),
            int(charges.get("total_cents") or 0),
            int(charges.get("warranty_cents") or 0),
        )
    lines = legacy_charge_lines(content)
    covered = sum(int(x["value_cents"]) - int(x["amount_cents"]) for x in lines)
    return lines, int(content.get("amount_cents") or 0), covered


def _charges(content: dict[str, Any], words: Words) -> str:
    tr = words.tr
    lines, total, covered = charge_lines_of(content)
    rows = []
    for row in charge_rows(lines, words, content.get("parts") or []):
        item = html.escape(row.item)
        if row.detail:
            item += f'<br><span class="muted">{html.escape(row.detail)}</span>'
        rows.append(
            "<tr>"
            + _cell(str(row.number), "center")
            + _cell(item)
            + _cell(html.escape(row.rate), "num")
            + _cell(html.escape(row.why), "center muted" if row.free else "center")
            + _cell(html.escape(row.amount), "num")
            + "</tr>"
        )
    if covered:
        rows.append(
            "<tr>"
            + _cell(html.escape(tr(TEXT["covered"])), "label", ' colspan="4"')
            + _cell(format_money(covered), "num muted")
            + "</tr>"
        )
    rows.append(
        "<tr>"
        + _cell(html.escape(tr(TEXT["total_amount"])), "label total", ' colspan="4"')
        + _cell(format_money(total), "num total")
        + "</tr>"
    )
    return _section(
        tr(TEXT["charges"]),
        [
            Column("#", 5, "center"),
            Column(tr(TEXT["charged_item"]), 38),
            Column(tr(TEXT["rate"]), 19, "num"),
            Column(tr(TEXT["why"]), 25, "center"),
            Column(tr(TEXT["line_total"]), 13, "num"),
        ],
        rows,
        tr(TEXT["none"]),
    )


def _times(content: dict[str, Any], tr: Translate) -> str:
    """Every time entry by kind, with the engineer's notes (company and archive copies)."""
    entries = content.get("time") or []
    if not entries:
        return ""
    rows = []
    for kind, label in TIME_KINDS.items():
        of_kind = [t for t in entries if t.get("kind") == kind]
        if not of_kind:
            continue
        total = sum(int(t.get("minutes") or 0) for t in of_kind)
        warranty = sum(int(t.get("minutes") or 0) for t in of_kind if t.get("warranty"))
        notes = "; ".join(str(t["note"]) for t in of_kind if t.get("note"))
        rows.append(
            "<tr>"
            + _cell(html.escape(tr(label)))
            + _cell(html.escape(_arg(tr(TEXT["minutes"]), format_number(total))), "num")
            + _cell(html.escape(_arg(tr(TEXT["minutes"]), format_number(warranty))), "num")
            + _cell(_e(notes))
            + "</tr>"
        )
    return _section(
        tr(TEXT["times"]),
        [
            Column(tr(TEXT["kind"]), 22),
            Column(tr(TEXT["minutes_total"]), 18, "num"),
            Column(tr(TEXT["minutes_warranty"]), 18, "num"),
            Column(tr(TEXT["note"]), 42),
        ],
        rows,
        tr(TEXT["none"]),
    )


def _photos(content: dict[str, Any], tr: Translate, pictures: Pictures, src: Source) -> str:
    shas = list(content.get("photos") or [])
    if not shas:
        return ""
    per_row = PHOTOS_PER_ROW
    widths = [100 // per_row + (1 if i < 100 % per_row else 0) for i in range(per_row)]
    cells = []
    for sha in shas:
        width = f' width="{widths[len(cells) % per_row]}%"'
        picture = pictures.photos.get(sha, "photo_missing")
        if isinstance(picture, Picture):
            cells.append(_cell(_img(src(f"photo-{sha}", picture), picture), "photo", width))
        else:
            cells.append(_cell(html.escape(tr(TEXT[picture])), "photo muted placeholder", width))
    while len(cells) % per_row:
        cells.append(_cell("&nbsp;", "", f' width="{widths[len(cells) % per_row]}%"'))
    rows = [
        "<tr>" + "".join(cells[i : i + per_row]) + "</tr>" for i in range(0, len(cells), per_row)
    ]
    return (
        FORM_TABLE + f'<thead><tr><td class="title" colspan="{per_row}">'
        f"{html.escape(tr(TEXT['photos']))}</td></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )


def _open_items(content: dict[str, Any], words: Words, copy: str) -> list[tuple[str, str]]:
    """What was incomplete when the report was signed, as (label, HTML) rows of the
    sign-off: what the customer saw and accepted (every copy), and what the engineer
    left open and why (the company copy)."""
    tr = words.tr
    items = content.get("open_items") or {}
    sides = [("customer", TEXT["open_customer"])]
    if copy == "company":
        sides.append(("engineer", TEXT["open_engineer"]))
    rows = []
    for side, title in sides:
        gaps = items.get(side) or []
        if not gaps:
            continue
        by_kind: dict[str, list[str]] = {}
        for gap in gaps:
            subject = words.pick(gap.get("subject"), gap.get("subject_en"))
            by_kind.setdefault(str(gap.get("code") or ""), []).append(subject)
        separator = ", " if words.english else "、"
        shown = "<br>".join(
            _arg(
                tr(TEXT["open_kind"]),
                html.escape(_word(tr, GAP_KINDS, code)),
                str(len(subjects)),
                html.escape(separator.join(subjects)),
            )
            for code, subjects in by_kind.items()
        )
        rows.append((tr(title), shown))
        if side == "engineer" and items.get("engineer_reason"):
            rows.append((tr(TEXT["engineer_reason"]), _e(items["engineer_reason"])))
    return rows


def declaration(tr: Translate) -> str:
    """What the customer's signature confirms: the same words on the screen where they
    sign and on the paper they keep."""
    return tr(TEXT["statement"])


def _signature_html(picture: Picture | str | None, key: str, tr: Translate, src: Source) -> str:
    if isinstance(picture, Picture):
        return _img(src(key, picture), picture)
    if picture is None:
        return "—"
    return f'<span class="muted">{html.escape(tr(TEXT[picture]))}</span>'


def _sign_off(
    content: dict[str, Any],
    report_hash: str,
    tr: Translate,
    pictures: Pictures,
    src: Source,
    open_items: Sequence[tuple[str, str]] = (),
) -> str:
    sign_off = content.get("sign_off") or {}
    engineer = content.get("engineer") or {}

    def pair(label_a: str, value_a: str, label_b: str = "", value_b: str = "") -> str:
        if not label_b:
            return (
                "<tr>"
                + _cell(html.escape(label_a), "label", ' width="17%"')
                + _cell(value_a, "", ' colspan="3" style="vertical-align: middle;"')
            )
        return (
            "<tr>"
            + _cell(html.escape(label_a), "label", ' width="17%"')
            + _cell(value_a, "", ' width="25%" style="vertical-align: middle;"')
            + _cell(html.escape(label_b), "label", ' width="17%"')
            + _cell(value_b, "", ' width="23%" style="vertical-align: middle;"')
        )

    rows = [
        *(pair(label, value) for label, value in open_items),
        pair(tr(TEXT["opinion"]), _e(sign_off.get("opinion"), "—")),
        pair(
            tr(TEXT["satisfaction"]),
            html.escape(_word(tr, SATISFACTION, sign_off.get("satisfaction")) or "—"),
            tr(TEXT["signed_at"]),
            _e(format_time(sign_off.get("signed_at"))),
        ),
        pair(
            tr(TEXT["signature"]),
            _signature_html(pictures.signature, "signature", tr, src),
            tr(TEXT["engineer_signature"]),
            _signature_html(pictures.engineer_signature, "engineer-signature", tr, src),
        ),
        pair(
            tr(TEXT["signer"]),
            f"<b>{_e(sign_off.get('signer'))}</b>",
            tr(TEXT["engineer"]),
            _e(engineer.get("name")),
        ),
    ]
    if sign_off.get("amends"):
        rows.append(pair(tr(TEXT["amends"]), f'<span class="hash">{_e(sign_off["amends"])}</span>'))
    qr_cell = (
        f'<td rowspan="{len(rows)}" width="18%" class="center" '
        'style="vertical-align: middle;">'
        f"{_img(src('qr', pictures.qr), pictures.qr)}<br>"
        f'<span class="muted" style="font-size: 7pt;">{html.escape(tr(TEXT["scan"]))}</span></td>'
    )
    body = [f'<tr><td colspan="5" class="muted">{html.escape(declaration(tr))}</td></tr>']
    for index, row in enumerate(rows):
        body.append(row + (qr_cell if index == 0 else "") + "</tr>")
    body.append(
        '<tr><td colspan="5" class="label">'
        f"{html.escape(tr(TEXT['hash']))} "
        f'<span class="hash">{_e(report_hash)}</span></td></tr>'
    )
    return (
        FORM_TABLE
        + f'<thead><tr><td class="title" colspan="5">{html.escape(tr(TEXT["sign_off"]))}</td>'
        f"</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def _approval(approval: Approval, tr: Translate, src: Source) -> str:
    picture = signature_picture(approval.signature) if approval.signature else None
    signature = _signature_html(picture or "signature_missing", "approval-signature", tr, src)
    cells = (
        _cell(html.escape(tr(TEXT["approved_by"])), "label", ' width="17%"')
        + _cell(f"<b>{_e(approval.reviewer)}</b>", "", ' width="25%"')
        + _cell(html.escape(tr(TEXT["approved_at"])), "label", ' width="17%"')
        + _cell(_e(format_time(approval.approved_at.isoformat())), "", ' width="41%"')
    )
    sign = _cell(html.escape(tr(TEXT["approval_signature"])), "label") + _cell(
        signature, "", ' colspan="3"'
    )
    return (
        FORM_TABLE
        + f'<thead><tr><td class="title" colspan="4">{html.escape(tr(TEXT["approval"]))}</td>'
        f"</tr></thead><tbody><tr>{cells}</tr><tr>{sign}</tr></tbody></table>"
    )


def _css_families(families: Sequence[str], generic: str) -> str:
    return ", ".join([*(f"'{family}'" for family in families), generic])


def _html(
    content: dict[str, Any],
    report_hash: str,
    words: Words,
    copy: str,
    pictures: Pictures,
    src: Source,
    size: float = FIT_SIZES[0],
    approval: Approval | None = None,
) -> str:
    if copy not in COPY_TITLES:
        raise ValueError(f"Unknown copy {copy!r}: one of {', '.join(COPIES)}.")
    tr = words.tr
    sections = [
        _header(content, words, copy, pictures, src),
        _customer_machine(content, tr),
        _findings(content, tr),
        _checklists(content, words, copy),
        _faults(content, tr),
        _charges(content, words),
        _times(content, tr) if copy == "company" else "",
        _photos(content, tr, pictures, src),
        _sign_off(content, report_hash, tr, pictures, src, _open_items(content, words, copy)),
        _approval(approval, tr, src) if approval is not None and copy == "company" else "",
    ]
    style = (
        STYLE
        + f"body {{ font-size: {size:g}pt; }}\n"
        + f"body {{ font-family: {_css_families(FONT_FAMILIES, 'sans-serif')}; }}\n"
        + f".hash {{ font-family: {_css_families(MONO_FAMILIES, 'monospace')}; }}\n"
    )
    return (
        f"<html><head><meta charset='utf-8'><style>{style}</style></head><body>"
        + GAP.join(section for section in sections if section)
        + "</body></html>"
    )


def words_for(language: str, labels: Translate | None = None) -> Words:
    return Words(translation_for(language, labels), language == ENGLISH)


def report_html(
    content: dict[str, Any],
    report_hash: str,
    blob: Blob,
    *,
    language: str = "zh_CN",
    copy: str,
    verify_url: str = "",
    labels: Translate | None = None,
    approval: Approval | None = None,
) -> str:
    """One copy (``"customer"``, ``"company"`` or ``"archive"``) as self-contained HTML for
    a QTextDocument (images inline as data URIs). ``approval`` is printed on the company
    copy only."""
    words = words_for(language, labels)
    pictures = make_pictures(content, report_hash, blob, verify_url)
    return _html(
        content,
        report_hash,
        words,
        copy,
        pictures,
        lambda _key, p: data_uri(p),
        approval=approval,
    )


# --- PDF -------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _font_families() -> tuple[str, ...]:
    available = set(QFontDatabase.families())
    found = tuple(family for family in FONT_FAMILIES if family in available)
    if not found:
        log.warning("No CJK font among %s: Chinese text may print as boxes", FONT_FAMILIES)
    return found or FONT_FAMILIES


def report_font() -> QFont:
    """The report's font: a CJK sans-serif, 8.5 pt (a new instance for each caller: a QFont
    is not to be shared between threads). Two OpenType features are off, as they make
    glyphs that Qt's PDF text layer cannot map back to plain characters: ``locl``
    (Noto Sans CJK's Chinese digits: numbers would vanish from copy-paste and search) and
    ``liga`` (fi, fl: "satisﬁed" would not match "satisfied")."""
    font = QFont()
    font.setFamilies(list(_font_families()))
    font.setPointSizeF(8.5)
    for feature in ("locl", "liga"):
        font.setFeature(QFont.Tag(feature), 0)
    return font


@lru_cache(maxsize=1)
def _radical_fixes() -> dict[int, int]:
    """Radical code point -> the ideograph drawn with the same glyph in the report font.

    Qt's PDF text layer maps each glyph back to the lowest code point that uses it, and
    CJK fonts share glyphs between radicals and ideographs: copied or searched text would
    read 客⼾联 for 客户联, 第 1 ⻚ for 第 1 页."""
    raw = QRawFont.fromFont(report_font())
    ideographs = "".join(chr(code) for code in range(0x4E00, 0xA000))
    by_glyph: dict[int, int] = {}
    for char, glyph in zip(ideographs, raw.glyphIndexesForString(ideographs), strict=False):
        if glyph:
            by_glyph.setdefault(glyph, ord(char))
    radicals = "".join(chr(code) for code in range(0x2E80, 0x2FE0))
    return {
        ord(char): by_glyph[glyph]
        for char, glyph in zip(radicals, raw.glyphIndexesForString(radicals), strict=False)
        if glyph in by_glyph
    }


_CMAP = re.compile(rb"begincmap.*?endcmap", re.DOTALL)
_CMAP_ARRAY = re.compile(rb"\[[^\]]*\]")
_CMAP_CODE = re.compile(rb"<([0-9A-Fa-f]{4})>")


def fix_text_layer(pdf: bytes, fixes: dict[int, int]) -> bytes:
    """Point the ToUnicode maps of the PDF's fonts at ideographs instead of radicals.

    Qt writes these maps uncompressed with each character as 4 hex digits; only those
    inside the ``[...]`` arrays of ``bfrange`` are rewritten, same length for same length,
    so the PDF's byte offsets stay valid."""

    def code(match: re.Match[bytes]) -> bytes:
        value = int(match.group(1), 16)
        return b"<%04X>" % fixes.get(value, value)

    def array(match: re.Match[bytes]) -> bytes:
        return _CMAP_CODE.sub(code, match.group(0))

    def cmap(match: re.Match[bytes]) -> bytes:
        return _CMAP_ARRAY.sub(array, match.group(0))

    fixed = _CMAP.sub(cmap, pdf)
    assert len(fixed) == len(pdf)
    return fixed


def _keep_small_tables_together(document: QTextDocument) -> None:
    """Move a short table that would straddle a page break to the next page, so blocks
    like the sign-off are never cut in two; long tables split with their heads repeated."""
    page_height = document.pageSize().height()
    layout = document.documentLayout()
    for frame in document.rootFrame().childFrames():
        layout.documentSize()  # lays the document out up to date
        box = layout.frameBoundingRect(frame)
        if box.height() > page_height * KEEP_TOGETHER_FRACTION:
            continue
        first = int(box.top() // page_height)
        last = int((box.bottom() - 1) // page_height)
        if first != last and isinstance(frame, QTextTable):
            fmt = frame.format()
            fmt.setPageBreakPolicy(QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
            frame.setFormat(fmt)


def _draw_footer(painter: QPainter, area: QRectF, left: str, right: str, font: QFont) -> None:
    painter.save()
    footer_font = QFont(font)
    footer_font.setPointSizeF(7)
    painter.setFont(footer_font)
    painter.setPen(QColor("#8a939c"))
    painter.drawLine(area.topLeft(), area.topRight())
    painter.setPen(QColor("#555555"))
    text_area = area.adjusted(0, area.height() * 0.2, 0, 0)
    painter.drawText(
        text_area, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), left
    )
    painter.drawText(
        text_area, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), right
    )
    painter.restore()


def render_report_pdf(
    content: dict[str, Any],
    report_hash: str,
    blob: Blob,
    path: Path,
    *,
    language: str = "zh_CN",
    verify_url: str = "",
    labels: Translate | None = None,
    copies: Sequence[str] = COPIES,
    approval: Approval | None = None,
) -> Path:
    """Write the copies of the signed report (all three unless ``copies`` says which,
    e.g. the customer's alone to e-mail) into one A4 PDF at ``path``, each from a new
    page.

    Safe in a worker thread. The file appears complete or not at all."""
    unknown = [copy for copy in copies if copy not in COPY_TITLES]
    if unknown or not copies:
        raise ValueError(f"Copies are among {', '.join(COPIES)}, not {unknown}.")
    words = words_for(language, labels)
    pictures = make_pictures(content, report_hash, blob, verify_url)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    # QTextDocument lays long documents out in steps driven by a timer. A plain Python
    # thread has no event dispatcher for it (Qt warns on every step); a QEventLoop gives
    # it one. The layout is forced to the end before drawing, so the timer never matters.
    loop = QEventLoop() if QThread.currentThread().eventDispatcher() is None else None
    try:
        _write_pdf(content, report_hash, words, pictures, partial, tuple(copies), approval)
        partial.write_bytes(fix_text_layer(partial.read_bytes(), _radical_fixes()))
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        del loop  # after the documents, which _write_pdf has let go of
    log.info("Report %s written to %s (%s)", _job_number(content), path, language)
    return path


def _job_number(content: dict[str, Any]) -> str:
    return str((content.get("job") or {}).get("number") or "")


def app_version() -> str:
    try:
        return metadata.version("fieldapp")
    except metadata.PackageNotFoundError:
        return ""


def _write_pdf(
    content: dict[str, Any],
    report_hash: str,
    words: Words,
    pictures: Pictures,
    path: Path,
    copies: tuple[str, ...],
    approval: Approval | None = None,
) -> None:
    tr = words.tr
    # One QImage per picture, shared by the three copies: the PDF holds each image once.
    images: dict[str, QImage] = {}

    def source(key: str, picture: Picture) -> str:
        if key not in images:
            images[key] = QImage.fromData(picture.data)
        return f"report-image:{key}"

    job_number = _job_number(content)
    version = _arg(tr(TEXT["version"]), app_version()) if app_version() else ""
    writer = QPdfWriter(str(path))
    writer.setResolution(PDF_RESOLUTION)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            PAGE_MARGINS_MM,
            QPageLayout.Unit.Millimeter,
        )
    )
    writer.setTitle(f"{tr(TEXT['title'])} {job_number}".strip())
    writer.setCreator("fieldapp")
    page = QRectF(writer.pageLayout().paintRectPixels(PDF_RESOLUTION))
    footer_height = FOOTER_MM / 25.4 * PDF_RESOLUTION
    body = QSizeF(page.width(), page.height() - footer_height)
    footer = QRectF(0, body.height() + footer_height * 0.25, body.width(), footer_height * 0.75)
    font = report_font()
    painter = QPainter()
    if not painter.begin(writer):
        raise OSError(f"Cannot write the report to {path}")
    try:
        for index, copy in enumerate(copies):

            def laid_out(size: float, copy: str = copy) -> QTextDocument:
                html_text = _html(
                    content, report_hash, words, copy, pictures, source, size, approval
                )
                document = QTextDocument()
                document.setDefaultFont(font)
                document.setDocumentMargin(0)
                document.documentLayout().setPaintDevice(writer)
                for key, image in images.items():
                    document.addResource(
                        QTextDocument.ResourceType.ImageResource,
                        QUrl(f"report-image:{key}"),
                        image,
                    )
                document.setHtml(html_text)
                document.setPageSize(body)
                _keep_small_tables_together(document)
                return document

            # The customer keeps one sheet: a copy that runs a little over is set a
            # little smaller (never below FIT_SIZES' last), as a printer fits a page.
            sizes = FIT_SIZES if copy == "customer" else FIT_SIZES[:1]
            for size in sizes:
                document = laid_out(size)
                if document.pageCount() == 1:
                    break
            pages = document.pageCount()
            for number in range(pages):
                if index or number:
                    writer.newPage()
                painter.save()
                painter.translate(0, -number * body.height())
                context = QAbstractTextDocumentLayout.PaintContext()
                context.clip = QRectF(0, number * body.height(), body.width(), body.height())
                painter.setClipRect(context.clip)
                document.documentLayout().draw(painter, context)
                painter.restore()
                _draw_footer(
                    painter,
                    footer,
                    " · ".join(
                        part for part in (tr(COPY_TITLES[copy]), job_number, version) if part
                    ),
                    _arg(tr(TEXT["page"]), str(number + 1), str(pages)),
                    font,
                )
    finally:
        painter.end()


__all__ = [
    "COPIES",
    "Approval",
    "all_labels",
    "render_report_pdf",
    "report_html",
    "translation_for",
]
