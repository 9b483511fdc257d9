"""Imports from a call centre or an ERP: the parts catalogue and jobs, from CSV.

All or nothing: every line is checked first, every bad line is reported with its
number and the reason, and nothing is written unless every line is good.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlmodel import Session, col, select

from fieldapp.clock import as_utc, utcnow
from fieldapp.models import Customer, Job, Machine, Part, PartCompatibility, ProductModel, User
from fieldapp.models.enums import JobEventKind, JobStatus, JobType, Urgency
from fieldapp.services.common import DomainError
from fieldapp.services.jobs import record_event, refresh_deadlines
from sync.hq.numbers import claim_job_number, next_job_number

#: The catalogue's one format, for export and import alike (resources/demo/parts.csv is
#: in it): prices in fen, yes/no as 1/0, the models a part fits space-separated.
CATALOGUE_FORMAT = (
    "part_no",
    "name_zh",
    "name_en",
    "category",
    "unit",
    "price_cents",
    "labour_minutes",
    "warranty_eligible",
    "superseded_by",
    "models",
)
CATALOGUE_COLUMNS = ("part_no", "name_zh", "name_en", "unit", "labour_minutes")
#: One of these gives the price: fen (the format above) or yuan (an ERP's export).
PRICE_COLUMNS = ("price_cents", "price")
JOBS_COLUMNS = ("customer_code", "job_type", "reported_symptom")


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    encoding: str = "utf-8"

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportRejected(Exception):
    def __init__(self, report: ImportReport) -> None:
        super().__init__(f"{len(report.errors)} bad lines")
        self.report = report


def decode_csv(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and its encoding: UTF-8 (with or without BOM), else the
    encoding charset-normalizer finds for a file that has no UTF-8 in it at all (GBK
    from Excel). A UTF-8 file with some lines of other bytes is refused, naming each
    such line and its first bad byte: guessing would change the good lines too."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    bad: list[tuple[int, str]] = []
    utf8_lines = 0
    for number, line in enumerate(data.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as error:
            bad.append(
                (
                    number,
                    f"byte {error.start + 1} of the line (0x{line[error.start]:02X}) is not "
                    "UTF-8: save the file as CSV UTF-8",
                )
            )
        else:
            utf8_lines += not line.isascii()
    if not utf8_lines:
        # No line is UTF-8 with Chinese in it: a file from Excel on Chinese Windows is
        # GBK (GB18030 is its superset), which short files are too small to tell from
        # Big5 by statistics; anything else is what charset-normalizer recognises.
        try:
            return data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError:
            pass
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is not None:
            try:
                return data.decode(best.encoding), best.encoding
            except (UnicodeDecodeError, LookupError):
                pass
    report = ImportReport(errors=bad)
    raise ImportRejected(report)


Rows = list[tuple[int, dict[str, str]]]


def read_csv(path: Path, report: ImportReport) -> tuple[list[str], Rows]:
    """Rows with their line numbers (the header is line 1). A line with fewer or more
    fields than the header is reported in ``report`` and left out of the rows."""
    text, report.encoding = decode_csv(path.read_bytes())
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        report.errors.append((1, "the file is empty"))
        raise ImportRejected(report) from None
    except csv.Error as error:
        report.errors.append((1, f"not a CSV file: {error}"))
        raise ImportRejected(report) from None
    rows: list[tuple[int, dict[str, str]]] = []
    while True:
        start = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            report.errors.append((start, f"not a CSV line: {error}"))
            continue
        if not fields or not any(f.strip() for f in fields):
            continue  # a blank line
        if len(fields) != len(header):
            report.errors.append(
                (
                    start,
                    f"{len(fields)} fields where the header has {len(header)} "
                    "(a missing or extra comma?)",
                )
            )
            continue
        rows.append((start, {k: v.strip() for k, v in zip(header, fields, strict=True) if k}))
    return header, rows


def check_lengths(model: type[Any], values: dict[str, Any]) -> None:
    """Every text value fits its column (PostgreSQL refuses a longer one mid-write)."""
    columns = model.__table__.columns  # type: ignore[attr-defined]
    for name, value in values.items():
        if not isinstance(value, str) or name not in columns:
            continue
        limit = getattr(columns[name].type, "length", None)
        if limit is not None and len(value) > limit:
            raise ValueError(f"{name} is {len(value)} characters long; at most {limit}")


def _missing_columns(header: Iterable[str], required: Iterable[str]) -> list[str]:
    return [c for c in required if c not in set(header)]


def _yuan_to_fen(text: str) -> int:
    value = float(text)
    if not math.isfinite(value) or value > 100_000_000:
        raise ValueError(f"price {text!r} is not a real price")
    if value < 0:
        raise ValueError("negative price")
    return round(value * 100)


def _fen(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"price_cents {text!r} is not a whole number of fen") from None
    if value < 0:
        raise ValueError("negative price")
    if value > 10_000_000_000:
        raise ValueError(f"price_cents {text!r} is not a real price")
    return value


def _bool(text: str, default: bool) -> bool:
    if not text:
        return default
    lowered = text.lower()
    if lowered in {"1", "true", "yes", "y", "是"}:
        return True
    if lowered in {"0", "false", "no", "n", "否"}:
        return False
    raise ValueError(f"not yes/no: {text!r}")


def import_catalogue(session: Session, path: Path) -> ImportReport:
    """The catalogue in :data:`CATALOGUE_FORMAT` (``price_cents``), or with ``price``
    in yuan instead; category, warranty_eligible, superseded_by and models optional.
    Every bad line is reported, and nothing is written unless all are good."""
    report = ImportReport()
    header, rows = read_csv(path, report)
    missing = _missing_columns(header, CATALOGUE_COLUMNS)
    if not any(c in header for c in PRICE_COLUMNS):
        missing.append("price_cents (or price in yuan)")
    if missing:
        report.errors.insert(0, (1, f"missing columns: {', '.join(missing)}"))
        raise ImportRejected(report)
    models = {m.code: m.id for m in session.exec(select(ProductModel)).all()}
    seen: set[str] = set()
    parsed: list[tuple[int, dict[str, Any], list[str]]] = []
    for line, row in rows:
        try:
            part_no = row["part_no"].upper()
            if not part_no:
                raise ValueError("part_no is empty")
            if part_no in seen:
                raise ValueError(f"part_no {part_no} appears twice")
            seen.add(part_no)
            if not row["name_zh"]:
                raise ValueError("name_zh is empty")
            codes = row.get("models", "").split()
            unknown = [c for c in codes if c not in models]
            if unknown:
                raise ValueError(f"unknown models: {' '.join(unknown)}")
            try:
                minutes = int(row["labour_minutes"] or 0)
            except ValueError:
                raise ValueError(
                    f"labour_minutes {row['labour_minutes']!r} is not a whole number"
                ) from None
            if not 0 <= minutes <= 100_000:
                raise ValueError(f"labour_minutes {minutes} is out of range")
            if "price_cents" in row:
                price = _fen(row["price_cents"] or "0")
            else:
                price = _yuan_to_fen(row["price"] or "0")
            values = {
                "part_no": part_no,
                "name_zh": row["name_zh"],
                "name_en": row["name_en"],
                "unit": row["unit"] or "件",
                "price_cents": price,
                "labour_minutes": minutes,
                "category": row.get("category", ""),
                "warranty_eligible": _bool(row.get("warranty_eligible", ""), True),
                "superseded_by": row.get("superseded_by", "").upper() or None,
            }
            check_lengths(Part, values)
            parsed.append((line, values, codes))
        except (ValueError, KeyError) as error:
            report.errors.append((line, str(error)))
    known = {p.part_no: p for p in session.exec(select(Part)).all()}
    for line, values, _codes in parsed:
        target = values["superseded_by"]
        if target and target not in seen and target not in known:
            report.errors.append((line, f"superseded_by {target} is not a known part"))
    if report.errors:
        report.errors.sort()
        raise ImportRejected(report)
    for _line, values, codes in parsed:
        part = known.get(values["part_no"])
        if part is None:
            part = Part(**values)
            session.add(part)
            report.created += 1
        else:
            for name, value in values.items():
                setattr(part, name, value)
            session.add(part)
            report.updated += 1
        session.flush()
        links = {
            link.model_id: link
            for link in session.exec(
                select(PartCompatibility).where(PartCompatibility.part_id == part.id)
            ).all()
        }
        wanted = {models[code] for code in codes}
        for model_id in wanted:
            link = links.get(model_id)
            if link is None:
                session.add(PartCompatibility(part_id=part.id, model_id=model_id))
            elif link.deleted_at is not None:
                link.deleted_at = None  # listed again
                session.add(link)
        for model_id, link in links.items():
            if model_id not in wanted and link.deleted_at is None:
                link.deleted_at = utcnow()  # no longer fits this part
                session.add(link)
    return report


def export_catalogue(session: Session, out: IO[str]) -> int:
    """Write the live catalogue in :data:`CATALOGUE_FORMAT`, the format
    :func:`import_catalogue` reads; answers the number of parts written."""
    model_codes = {m.id: m.code for m in session.exec(select(ProductModel)).all()}
    fits: dict[str, list[str]] = {}
    for link in session.exec(
        select(PartCompatibility).where(col(PartCompatibility.deleted_at).is_(None))
    ).all():
        code = model_codes.get(link.model_id)
        if code is not None:
            fits.setdefault(link.part_id, []).append(code)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CATALOGUE_FORMAT)
    written = 0
    for part in session.exec(
        select(Part).where(col(Part.deleted_at).is_(None)).order_by(col(Part.part_no))
    ).all():
        writer.writerow(
            [
                part.part_no,
                part.name_zh,
                part.name_en,
                part.category,
                part.unit,
                part.price_cents,
                part.labour_minutes,
                int(part.warranty_eligible),
                part.superseded_by or "",
                " ".join(sorted(fits.get(part.id, []))),
            ]
        )
        written += 1
    return written


def create_job_from_fields(session: Session, values: dict[str, Any], actor: User | None) -> Job:
    """A new job from another system's fields; its deadlines start now."""
    customer = session.exec(
        select(Customer).where(Customer.code == values["customer_code"])
    ).first()
    if customer is None:
        raise DomainError("customer_unknown", f"No customer {values['customer_code']}.")
    machine = None
    if values.get("machine_serial"):
        machine = session.exec(
            select(Machine).where(Machine.serial == values["machine_serial"])
        ).first()
        if machine is None or machine.customer_id != customer.id:
            raise DomainError(
                "machine_unknown",
                f"{values['machine_serial']} is not a machine of {customer.code}.",
            )
    model = session.get(ProductModel, machine.model_id) if machine else None
    now = utcnow()
    # From the year's counter, never a number reserved for a device (sync/hq/numbers.py);
    # a number given by hand moves the counter past it.
    number = values.get("number")
    if number:
        claim_job_number(session, number)
    else:
        number = next_job_number(session, now.year)
    if session.exec(select(Job.id).where(Job.number == number)).first():
        raise DomainError("number_taken", f"Job {number} exists already.")
    requested = values.get("requested_at")
    job = Job(
        number=number,
        job_type=JobType(values["job_type"]).value,
        urgency=Urgency(values.get("urgency") or "normal").value,
        status=JobStatus.NEW,
        customer_id=customer.id,
        machine_id=machine.id if machine else None,
        contact_name=values.get("contact_name") or customer.contact_name,
        contact_phone=values.get("contact_phone") or customer.phone,
        address=values.get("address") or customer.address,
        reported_model=model.code if model else "",
        reported_serial=machine.serial if machine else "",
        reported_purchase_date=machine.purchase_date if machine else None,
        reported_symptom=values.get("reported_symptom", ""),
        customer_request=values.get("customer_request", ""),
        received_at=now,
        requested_at=as_utc(requested) if requested else None,
    )
    with session.no_autoflush:  # one version: the job and its deadlines together
        refresh_deadlines(session, job)
    session.add(job)
    session.flush()
    record_event(session, job, JobEventKind.CREATED, actor=actor, now=now, to_status=JobStatus.NEW)
    return job


def import_jobs(session: Session, path: Path) -> ImportReport:
    """Columns: customer_code, job_type, reported_symptom and optionally urgency,
    customer_request, contact_name, contact_phone, address, machine_serial, requested_at
    (ISO 8601), number."""
    report = ImportReport()
    header, rows = read_csv(path, report)
    missing = _missing_columns(header, JOBS_COLUMNS)
    if missing:
        report.errors.insert(0, (1, f"missing columns: {', '.join(missing)}"))
        raise ImportRejected(report)
    customers = {c.code for c in session.exec(select(Customer)).all()}
    checked: list[dict[str, Any]] = []
    numbers: set[str] = set()
    for line, row in rows:
        try:
            if row["customer_code"] not in customers:
                raise ValueError(f"unknown customer {row['customer_code']!r}")
            JobType(row["job_type"])
            if row.get("urgency"):
                Urgency(row["urgency"])
            requested = row.get("requested_at")
            values: dict[str, Any] = dict(row)
            values["requested_at"] = datetime.fromisoformat(requested) if requested else None
            check_lengths(Job, values)
            if row.get("number"):
                if row["number"] in numbers:
                    raise ValueError(f"job number {row['number']} appears twice")
                numbers.add(row["number"])
            checked.append(values)
        except ValueError as error:
            report.errors.append((line, str(error)))
    if report.errors:
        report.errors.sort()
        raise ImportRejected(report)
    for line, values in zip((line for line, _ in rows), checked, strict=True):
        try:
            with session.begin_nested():
                create_job_from_fields(session, values, None)
            report.created += 1
        except DomainError as error:
            report.errors.append((line, str(error)))
    if report.errors:
        raise ImportRejected(report)
    return report
