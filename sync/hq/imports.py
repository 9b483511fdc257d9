"""Imports from a call centre or an ERP: the parts catalogue and jobs, from CSV.

All or nothing: every line is checked first, every bad line is reported with its
number and the reason, and nothing is written unless every line is good.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from fieldapp.clock import as_utc, utcnow
from fieldapp.models import Customer, Job, Machine, Part, PartCompatibility, ProductModel, User
from fieldapp.models.enums import JobEventKind, JobStatus, JobType, Urgency
from fieldapp.services import DomainError, record_event, refresh_deadlines

CATALOGUE_COLUMNS = ("part_no", "name_zh", "name_en", "unit", "price", "labour_minutes")
JOBS_COLUMNS = ("customer_code", "job_type", "reported_symptom")


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportRejected(Exception):
    def __init__(self, report: ImportReport) -> None:
        super().__init__(f"{len(report.errors)} bad lines")
        self.report = report


def read_csv(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Rows with their line numbers (the header is line 1). UTF-8, with or without BOM."""
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    return header, [
        (reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}) for row in reader
    ]


def _missing_columns(header: Iterable[str], required: Iterable[str]) -> list[str]:
    return [c for c in required if c not in set(header)]


def _yuan_to_fen(text: str) -> int:
    value = float(text)
    if not math.isfinite(value) or value > 100_000_000:
        raise ValueError(f"price {text!r} is not a real price")
    if value < 0:
        raise ValueError("negative price")
    return round(value * 100)


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
    """Columns: part_no, name_zh, name_en, unit, price (yuan), labour_minutes and
    optionally category, warranty_eligible, superseded_by, models (space-separated)."""
    header, rows = read_csv(path)
    report = ImportReport()
    missing = _missing_columns(header, CATALOGUE_COLUMNS)
    if missing:
        report.errors.append((1, f"missing columns: {', '.join(missing)}"))
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
            minutes = int(row["labour_minutes"] or 0)
            if minutes < 0:
                raise ValueError("labour_minutes is negative")
            values = {
                "part_no": part_no,
                "name_zh": row["name_zh"],
                "name_en": row["name_en"],
                "unit": row["unit"] or "件",
                "price_cents": _yuan_to_fen(row["price"] or "0"),
                "labour_minutes": minutes,
                "category": row.get("category", ""),
                "warranty_eligible": _bool(row.get("warranty_eligible", ""), True),
                "superseded_by": row.get("superseded_by", "").upper() or None,
            }
            parsed.append((line, values, codes))
        except (ValueError, KeyError) as error:
            report.errors.append((line, str(error)))
    known = {p.part_no: p for p in session.exec(select(Part)).all()}
    for line, values, _codes in parsed:
        target = values["superseded_by"]
        if target and target not in seen and target not in known:
            report.errors.append((line, f"superseded_by {target} is not a known part"))
    if report.errors:
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


def next_job_number(session: Session, year: int) -> str:
    prefix = f"FW-{year}-"
    last = session.exec(
        select(func.max(Job.number)).where(col(Job.number).like(f"{prefix}%"))
    ).one()
    counter = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{counter:06d}"


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
    number = values.get("number") or next_job_number(session, now.year)
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
    header, rows = read_csv(path)
    report = ImportReport()
    missing = _missing_columns(header, JOBS_COLUMNS)
    if missing:
        report.errors.append((1, f"missing columns: {', '.join(missing)}"))
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
            if row.get("number"):
                if row["number"] in numbers:
                    raise ValueError(f"job number {row['number']} appears twice")
                numbers.add(row["number"])
            checked.append(values)
        except ValueError as error:
            report.errors.append((line, str(error)))
    if report.errors:
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
