"""Paged queries of the local store for the lists the engineer scrolls: jobs and the
parts catalogue. Each returns one page, so the cost does not grow with the store."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, literal, literal_column, or_, text, tuple_
from sqlmodel import Session, col, select

from fieldapp.models import (
    Customer,
    Job,
    Machine,
    OutboxEntry,
    Part,
    ProductModel,
    RejectedChange,
    UTCDateTime,
)
from fieldapp.rules.dispatch import check_dispatch
from fieldapp.rules.jobflow import next_step
from fieldapp.search import CJK, fts_query, part_no_prefix_bounds
from fieldapp.services.jobs import dispatch_info

PART_NO_LIKE = re.compile(r"^[A-Za-z0-9-]*[0-9-][A-Za-z0-9-]*$")


@dataclass(frozen=True)
class JobFilter:
    assignee_id: str | None = None
    statuses: Collection[str] = ()
    text: str = ""  # job number, customer name, serial or symptom
    key_accounts_only: bool = False
    due_before: datetime | None = None
    due_after: datetime | None = None  # at or after
    waiting_for_sync: bool = False  # the job or something recorded on it is unsent
    newest_first: bool = False  # the done list: most recent deadline first


@dataclass(frozen=True)
class JobRow:
    id: str
    number: str
    status: str
    job_type: str
    urgency: str
    customer_name: str
    is_key_account: bool
    model: str
    serial: str
    symptom: str
    on_site_due_at: datetime | None
    needs_attention: bool
    address: str = ""
    appointment_at: datetime | None = None  # the time agreed with the customer
    arrived_at: datetime | None = None  # the clock of the deadline stops here
    has_rejected_changes: bool = False  # HQ refused a change of this job

    @property
    def planned_at(self) -> datetime | None:
        """When the engineer is expected: the agreed time, else the on-site deadline."""
        return self.appointment_at or self.on_site_due_at

    @property
    def next_step(self) -> str | None:
        """The engineer's next step (accepted, departed, arrived, sign, resend)."""
        return next_step(self.status, has_rejected_changes=self.has_rejected_changes)


def _job_conditions(flt: JobFilter) -> tuple[list[Any], bool]:
    """Conditions of the filter, and whether they need the customer and machine joined."""
    conditions: list[Any] = [col(Job.deleted_at).is_(None)]
    if flt.assignee_id is not None:
        conditions.append(Job.assignee_id == flt.assignee_id)
    if flt.statuses:
        # "+status": SQLite then walks the deadline index and filters the status on the
        # way, which stops after one page, instead of sorting every job of the status.
        conditions.append(literal_column("+job.status").in_(list(flt.statuses)))
    if flt.key_accounts_only:
        conditions.append(
            col(Job.customer_id).in_(
                select(Customer.id).where(col(Customer.is_key_account).is_(True))
            )
        )
    if flt.due_before is not None:
        # A job without a deadline is due now: it shows with today's.
        conditions.append(
            or_(col(Job.on_site_due_at) < flt.due_before, col(Job.on_site_due_at).is_(None))
        )
    if flt.due_after is not None:
        conditions.append(col(Job.on_site_due_at) >= flt.due_after)
    if flt.waiting_for_sync:
        conditions.append(col(Job.id).in_(_jobs_with_unsent_changes()))
    needle = flt.text.strip()
    if needle:
        pattern = f"%{needle}%"
        conditions.append(
            or_(
                col(Job.number).like(pattern),
                col(Customer.name).like(pattern),
                col(Machine.serial).like(pattern),
                col(Job.reported_symptom).like(pattern),
            )
        )
    return conditions, bool(needle)


def _after(row: JobRow, descending: bool) -> Any:
    """Rows after ``row`` in (deadline, number) order. SQLite puts jobs without a
    deadline first going up and last going down; a plain tuple comparison with NULL
    would drop them."""
    due, number = col(Job.on_site_due_at), col(Job.number)
    if row.on_site_due_at is None:
        same = and_(due.is_(None), number < row.number if descending else number > row.number)
        return same if descending else or_(same, due.is_not(None))
    key = tuple_(Job.on_site_due_at, Job.number)
    last = tuple_(literal(row.on_site_due_at, UTCDateTime), literal(row.number))
    return or_(key < last, due.is_(None)) if descending else key > last


def _jobs_with_unsent_changes() -> Any:
    """Ids of jobs with a change in the outbox: the job row itself, or a row recorded on
    it (its ``job_id`` is in the change)."""
    own = select(OutboxEntry.row_id).where(OutboxEntry.table_name == "job")
    children = select(func.json_extract(OutboxEntry.fields, "$.job_id")).where(
        OutboxEntry.table_name != "job"
    )
    return own.union(children)


def _with_joins(statement: Any) -> Any:
    return statement.join(Customer, col(Customer.id) == Job.customer_id).outerjoin(
        Machine, col(Machine.id) == Job.machine_id
    )


def job_page(
    session: Session,
    flt: JobFilter,
    *,
    offset: int = 0,
    limit: int = 50,
    after: JobRow | None = None,
) -> list[JobRow]:
    """One page of the job list, nearest deadline first.

    Pass the last row of the previous page as ``after`` to page by key (constant cost
    however deep the list is scrolled); ``offset`` is for jumping.
    """
    conditions, needs_joins = _job_conditions(flt)
    if after is not None:
        conditions.append(_after(after, flt.newest_first))
    ids = select(Job.id).where(*conditions)
    if needs_joins:
        ids = _with_joins(ids)
    order = [col(Job.on_site_due_at), col(Job.number)]
    if flt.newest_first:
        order = [o.desc() for o in order]
    ids = ids.order_by(*order).offset(offset).limit(limit)
    return _rows_of(session, list(session.exec(ids).all()))


def _rows_of(session: Session, page_ids: list[str]) -> list[JobRow]:
    """The list's rows of these jobs, in this order (a page: a few queries)."""
    if not page_ids:
        return []
    refused = jobs_with_rejected_changes(session, page_ids)
    statement = (
        select(
            Job.id,
            Job.number,
            Job.status,
            Job.job_type,
            Job.urgency,
            Customer.name,
            Customer.is_key_account,
            ProductModel.code,
            Machine.serial,
            Job.reported_symptom,
            Job.on_site_due_at,
            Job.needs_attention,
            func.coalesce(func.nullif(Job.address, ""), Customer.address),
            Job.appointment_at,
            Job.arrived_at,
        )
        .join(Customer, col(Customer.id) == Job.customer_id)
        .outerjoin(Machine, col(Machine.id) == Job.machine_id)
        .outerjoin(ProductModel, col(ProductModel.id) == Machine.model_id)
        .where(col(Job.id).in_(page_ids))
    )
    rows = {
        r[0]: JobRow(
            id=r[0],
            number=r[1],
            status=r[2],
            job_type=r[3],
            urgency=r[4],
            customer_name=r[5],
            is_key_account=r[6],
            model=r[7] or "",
            serial=r[8] or "",
            symptom=r[9],
            on_site_due_at=r[10],
            needs_attention=r[11],
            address=r[12] or "",
            appointment_at=r[13],
            arrived_at=r[14],
            has_rejected_changes=r[0] in refused,
        )
        for r in session.exec(statement).all()
    }
    return [rows[job_id] for job_id in page_ids]


def jobs_with_rejected_changes(session: Session, job_ids: Collection[str]) -> set[str]:
    """Which of these jobs have a change HQ refused that the engineer has not yet
    looked at: the job row itself, or a row recorded on it."""
    if not job_ids:
        return set()
    ids = list(job_ids)
    live = col(RejectedChange.dismissed_at).is_(None)
    own = select(RejectedChange.row_id).where(
        live, RejectedChange.table_name == "job", col(RejectedChange.row_id).in_(ids)
    )
    on_job = func.json_extract(RejectedChange.fields, "$.job_id")
    children = select(on_job).where(live, RejectedChange.table_name != "job", on_job.in_(ids))
    return {r for r in session.execute(own.union(children)).scalars() if r}


def day_plan(
    session: Session, flt: JobFilter, *, since: datetime | None = None, limit: int = 120
) -> list[JobRow]:
    """The jobs of a filter (the today tab) in the order the engineer is expected:
    the agreed time, else the on-site deadline; jobs without either come last. With
    ``since`` (the start of the day), only the jobs expected from then on."""
    conditions, needs_joins = _job_conditions(flt)
    planned = func.coalesce(Job.appointment_at, Job.on_site_due_at)
    if since is not None:
        conditions.append(planned >= literal(since, UTCDateTime))
    ids = select(Job.id).where(*conditions)
    if needs_joins:
        ids = _with_joins(ids)
    ids = ids.order_by(planned.is_(None), planned, col(Job.number)).limit(limit)
    rows: list[JobRow] = []
    chosen = list(session.exec(ids).all())
    for start in range(0, len(chosen), 50):
        rows.extend(_rows_of(session, chosen[start : start + 50]))
    return rows


def job_count(session: Session, flt: JobFilter) -> int:
    conditions, needs_joins = _job_conditions(flt)
    statement = select(func.count()).select_from(Job)
    if needs_joins:
        statement = _with_joins(statement)
    return session.exec(statement.where(*conditions)).one()


def search_parts(session: Session, query: str, *, offset: int = 0, limit: int = 50) -> list[Part]:
    """Parts matching what the engineer typed or scanned: a part-number prefix, or a
    fragment of the Chinese name, the English name or the pinyin initials."""
    query = query.strip()
    live = col(Part.deleted_at).is_(None)
    if not query:
        statement = select(Part).where(live).order_by(col(Part.part_no))
        return list(session.exec(statement.offset(offset).limit(limit)).all())
    if PART_NO_LIKE.match(query) and not CJK.search(query):
        bounds = part_no_prefix_bounds(query)
        assert bounds is not None
        statement = (
            select(Part)
            .where(live, and_(col(Part.part_no) >= bounds[0], col(Part.part_no) < bounds[1]))
            .order_by(col(Part.part_no))
        )
        found = list(session.exec(statement.offset(offset).limit(limit)).all())
        if found or offset:
            return found
    match = fts_query(query)
    if match is None:
        return []
    statement = select(Part).from_statement(
        text(
            "SELECT part.* FROM part_fts JOIN part ON part.rowid = part_fts.rowid "
            "WHERE part_fts MATCH :match AND part.deleted_at IS NULL "
            "ORDER BY part_fts.rowid LIMIT :limit OFFSET :offset"
        )
    )
    params = {"match": match, "limit": limit, "offset": offset}
    return list(session.execute(statement, params).scalars().all())


def jobs_missing_information(session: Session, job_ids: Collection[str], today: date) -> set[str]:
    """Which of these jobs have dispatch information missing or suspicious (the job
    list's flag), checked for a whole page in a few queries."""
    if not job_ids:
        return set()
    jobs = session.exec(select(Job).where(col(Job.id).in_(list(job_ids)))).all()
    customers = {
        c.id: c
        for c in session.exec(
            select(Customer).where(col(Customer.id).in_({j.customer_id for j in jobs}))
        ).all()
    }
    machines = {
        m.id: m
        for m in session.exec(
            select(Machine).where(col(Machine.id).in_({j.machine_id for j in jobs if j.machine_id}))
        ).all()
    }
    models = {m.id: m.code for m in session.exec(select(ProductModel)).all()}
    known = frozenset(models.values())
    flagged = set()
    for job in jobs:
        customer = customers.get(job.customer_id)
        machine = machines.get(job.machine_id) if job.machine_id else None
        model_on_file = models.get(machine.model_id) if machine else None
        info = dispatch_info(job, customer, model_on_file, known)
        if check_dispatch(info, today):
            flagged.add(job.id)
    return flagged
