"""Buckets: the units of data a device holds, receives and verifies.

* ``catalogue`` — regions, product models, parts, templates, warehouses, the company's
  letterhead: every device;
* ``org`` — teams and users (names, roles): every device;
* ``user:<id>`` — one person's devices, van stock, parts requests, licence points, the
  months a supervisor closed;
* ``customer:<id>`` — the customer file: sites, contacts, machines, hour meters,
  complaints;
* ``job:<id>`` — one job and everything recorded on it, up to the follow-up call and
  the report e-mails queued for it.

An engineer holds the catalogue, org, their own user bucket, the jobs assigned to them,
the files of those jobs' customers and those customers' finished jobs (the service
history). A supervisor holds the same for their team. Admins and clerks hold all.
Every door of HQ reads and writes through these buckets via one check,
:func:`sync.hq.scope.authorize` (docs/sync-protocol.md §4.6).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlmodel import Session, col, select

from fieldapp.models import (
    TABLES_BY_NAME,
    Attachment,
    ChecklistAnswer,
    ChecklistRun,
    ChecklistTemplate,
    ChecklistTemplateItem,
    CompanyProfile,
    Complaint,
    Contact,
    Customer,
    CustomerSite,
    Device,
    Fault,
    FollowUp,
    HourMeterReading,
    Job,
    JobEvent,
    LicenceEvent,
    Machine,
    MonthClose,
    Part,
    PartCompatibility,
    PartsRequest,
    PartsRequestLine,
    PartUsage,
    PreInspectionFinding,
    ProductModel,
    Region,
    ReminderDismissal,
    ReportDelivery,
    Review,
    SignOff,
    StockLocation,
    StockMovement,
    SyncConflict,
    SyncedRow,
    Team,
    TimeEntry,
    User,
)
from fieldapp.models.enums import JobStatus, Role, StockLocationKind
from fieldapp.wire import to_wire

CATALOGUE = "catalogue"
ORG = "org"
ALL = "*"

CATALOGUE_TABLES = (
    Region,
    ProductModel,
    Part,
    PartCompatibility,
    ChecklistTemplate,
    ChecklistTemplateItem,
    CompanyProfile,
)
JOB_CHILD_TABLES = (
    JobEvent,
    PreInspectionFinding,
    Fault,
    PartUsage,
    TimeEntry,
    ChecklistRun,
    SignOff,
    Review,
    FollowUp,
    ReportDelivery,
)
FINISHED = (JobStatus.SIGNED, JobStatus.RETURNED, JobStatus.APPROVED, JobStatus.CLOSED)


def user_bucket(user_id: str) -> str:
    return f"user:{user_id}"


def customer_bucket(customer_id: str) -> str:
    return f"customer:{customer_id}"


def job_bucket(job_id: str) -> str:
    return f"job:{job_id}"


def _get(session: Session, model: type[Any], row_id: str | None) -> Any:
    if row_id is None:
        return None
    with session.no_autoflush:
        return session.get(model, row_id)


def bucket_of(session: Session, row: SyncedRow) -> str:
    """The bucket a row belongs to (HQ decides; never taken from a device)."""
    if isinstance(row, CATALOGUE_TABLES):
        return CATALOGUE
    if isinstance(row, Team | User):
        return ORG
    if isinstance(row, Device):
        return user_bucket(row.user_id)
    if isinstance(row, StockLocation):
        if row.kind == StockLocationKind.VAN and row.owner_user_id:
            return user_bucket(row.owner_user_id)
        return CATALOGUE
    if isinstance(row, StockMovement):
        location = _get(session, StockLocation, row.location_id)
        return bucket_of(session, location) if location else CATALOGUE
    if isinstance(row, PartsRequest):
        return user_bucket(row.requester_id)
    if isinstance(row, PartsRequestLine):
        request = _get(session, PartsRequest, row.request_id)
        return user_bucket(request.requester_id) if request else ORG
    if isinstance(row, LicenceEvent):
        return user_bucket(row.engineer_id)
    if isinstance(row, MonthClose):
        return user_bucket(row.closed_by_id)  # the team's supervisors hold it
    if isinstance(row, Customer):
        return customer_bucket(row.id)
    if isinstance(row, CustomerSite | Contact | Machine | Complaint | ReminderDismissal):
        return customer_bucket(row.customer_id)
    if isinstance(row, HourMeterReading):
        machine = _get(session, Machine, row.machine_id)
        return customer_bucket(machine.customer_id) if machine else ORG
    if isinstance(row, Job):
        return job_bucket(row.id)
    if isinstance(row, JOB_CHILD_TABLES):
        return job_bucket(row.job_id)
    if isinstance(row, ChecklistAnswer):
        run = _get(session, ChecklistRun, row.run_id)
        return job_bucket(run.job_id) if run else ORG
    if isinstance(row, Attachment):
        return job_bucket(row.job_id) if row.job_id else ORG
    if isinstance(row, SyncConflict):
        model = TABLES_BY_NAME.get(row.table_name)
        target = _get(session, model, row.row_id) if model else None
        return bucket_of(session, target) if target is not None else ORG
    raise TypeError(f"No bucket for {type(row).__name__}")


def canonical_row(row: Mapping[str, Any]) -> bytes:
    """A row's canonical wire form: its wire values (:func:`fieldapp.wire.to_wire`) as
    compact JSON with sorted keys, UTF-8."""
    return json.dumps(dict(row), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def row_digest(table: str, row: Mapping[str, Any]) -> int:
    """32-bit digest of a row's content: every column (id and version too) in its wire
    form. A bucket's checksum is the sum of its rows' digests (order-free) and their
    count, so a row changed behind the sync's back (bit rot, a hand edit, raw SQL)
    shows. Device and HQ compute it with this one function over :func:`wire_rows`."""
    data = table.encode() + b"\x1f" + canonical_row(row)
    return int.from_bytes(hashlib.sha256(data).digest()[:4], "big")


def wire_rows(
    executor: Any, table: str, ids: Iterable[str], columns: Iterable[str] | None = None
) -> dict[str, dict[str, Any]]:
    """The rows ``ids`` of ``table`` as stored, as wire dicts by id (``executor``: a
    session or a connection). Read as plain rows: a first sync moves many of them.
    ``columns``: only these (a migration reading a table an older schema shaped)."""
    model = TABLES_BY_NAME[table].__table__  # type: ignore[attr-defined]
    chosen = set(columns) if columns is not None else None
    shown = [c for c in model.columns if chosen is None or c.key in chosen]
    wanted = list(dict.fromkeys(ids))
    rows: dict[str, dict[str, Any]] = {}
    for start in range(0, len(wanted), 900):
        chunk = wanted[start : start + 900]
        for row in executor.execute(select(*shown).where(model.c.id.in_(chunk))):
            values = {key: to_wire(value) for key, value in row._mapping.items()}
            rows[values["id"]] = values
    return rows


def scope_digest(buckets: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(sorted(set(buckets))).encode()).hexdigest()


def scope_of(session: Session, user: User) -> list[str]:
    """The buckets a user's devices hold, computed at HQ from HQ's data."""
    if user.role in {Role.ADMIN, Role.CLERK}:
        return [ALL]
    buckets = {CATALOGUE, ORG, user_bucket(user.id)}
    live = col(Job.deleted_at).is_(None)
    if user.role == Role.SUPERVISOR and user.team_id:
        members = list(session.exec(select(User.id).where(User.team_id == user.team_id)).all())
        buckets.update(user_bucket(member) for member in members)
        mine = select(Job.id, Job.customer_id).where(
            live, (col(Job.team_id) == user.team_id) | col(Job.assignee_id).in_(members)
        )
    else:
        mine = select(Job.id, Job.customer_id).where(live, Job.assignee_id == user.id)
    customers: set[str] = set()
    for job_id, customer_id in session.exec(mine).all():
        buckets.add(job_bucket(job_id))
        customers.add(customer_id)
    buckets.update(customer_bucket(c) for c in customers)
    if customers:
        history = select(Job.id).where(
            live, col(Job.customer_id).in_(customers), col(Job.status).in_(FINISHED)
        )
        buckets.update(job_bucket(j) for j in session.exec(history).all())
    return sorted(buckets)
