"""Missing or suspicious dispatch information (seed 002): when taking a job the engineer
checks the customer's name, address, phone, product model, serial, purchase date, the
fault symptom and the request; anything missing or wrong is checked with the
dispatcher, then with the customer."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from fieldapp.models.enums import JobType

MOBILE = re.compile(r"^(?:\+?86[- ]?)?1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(?:-\d{1,6})?$")
SERIAL = re.compile(r"^[A-Z0-9][A-Z0-9-]{4,31}$")
# Jobs that are about a fault: the symptom must be described.
FAULT_JOBS = frozenset({JobType.REPAIR, JobType.WARRANTY})
# Jobs that are about one machine: model and serial must be known.
MACHINE_JOBS = frozenset(
    {
        JobType.REPAIR,
        JobType.WARRANTY,
        JobType.MAINTENANCE,
        JobType.INSPECTION,
        JobType.INSTALLATION,
    }
)
MIN_SYMPTOM_CHARS = 4


class IssueKind(StrEnum):
    MISSING = "missing"
    SUSPICIOUS = "suspicious"


@dataclass(frozen=True)
class DispatchIssue:
    field: str
    kind: IssueKind
    code: str  # stable code the UI translates


@dataclass(frozen=True)
class DispatchInfo:
    job_type: str
    customer_name: str
    address: str
    phone: str
    model: str
    serial: str
    purchase_date: date | None
    symptom: str
    request: str
    # What the customer file says, to catch a serial or model that does not match.
    known_models: frozenset[str] = frozenset()
    machine_on_file_model: str | None = None


def normalise_phone(phone: str) -> str:
    return re.sub(r"[\s()]", "", phone.strip())


def is_valid_phone(phone: str) -> bool:
    phone = normalise_phone(phone)
    return bool(MOBILE.match(phone) or LANDLINE.match(phone))


def check_dispatch(info: DispatchInfo, today: date) -> list[DispatchIssue]:
    issues: list[DispatchIssue] = []

    def missing(field: str) -> None:
        issues.append(DispatchIssue(field, IssueKind.MISSING, f"{field}_missing"))

    def suspicious(field: str, code: str) -> None:
        issues.append(DispatchIssue(field, IssueKind.SUSPICIOUS, code))

    if not info.customer_name.strip():
        missing("customer_name")
    if not info.address.strip():
        missing("address")
    elif len(info.address.strip()) < 6:
        suspicious("address", "address_too_vague")
    if not info.phone.strip():
        missing("phone")
    elif not is_valid_phone(info.phone):
        suspicious("phone", "phone_invalid")

    needs_machine = JobType(info.job_type) in MACHINE_JOBS
    model = info.model.strip().upper()
    if needs_machine and not model:
        missing("model")
    elif model and info.known_models and model not in info.known_models:
        suspicious("model", "model_unknown")
    elif model and info.machine_on_file_model and model != info.machine_on_file_model.upper():
        suspicious("model", "model_differs_from_file")

    serial = info.serial.strip().upper()
    if needs_machine and not serial:
        missing("serial")
    elif serial and not SERIAL.match(serial):
        suspicious("serial", "serial_malformed")

    if needs_machine and info.purchase_date is None:
        missing("purchase_date")
    elif info.purchase_date is not None and info.purchase_date > today:
        suspicious("purchase_date", "purchase_date_in_future")

    symptom = info.symptom.strip()
    if JobType(info.job_type) in FAULT_JOBS:
        if not symptom:
            missing("symptom")
        elif len(symptom) < MIN_SYMPTOM_CHARS:
            suspicious("symptom", "symptom_too_short")
    if not info.request.strip():
        missing("request")
    return issues
