"""Dispatch (派工): a job created from a customer's call, on the supervisor's device and
offline too; assigning and re-assigning it; the board of the team's engineers and their
jobs; the engineers ranked for one job, with the reasons.

Every write goes through the caller's session (one user action, one transaction), so
the outbox carries it to HQ at the next sync: the job insert with its number from the
device's block (:mod:`fieldapp.numbering`), its ``created`` event, and an assignment as
a change of ``assignee_id`` and ``status`` with an ``assigned`` event naming the
engineer (HQ reads that event to let an engineer keep writing a job they held).

The board and the ranking read with a handful of queries whatever the team's size
(no query per engineer or per job): a week of 200 engineers and 5,000 open jobs is read
in one pass."""

from __future__ import annotations

import logging
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from fieldapp.clock import as_utc
from fieldapp.models import (
    Customer,
    CustomerSite,
    Fault,
    Job,
    JobEvent,
    LicenceEvent,
    Machine,
    PartUsage,
    ProductModel,
    Region,
    StockLocation,
    StockMovement,
    Team,
    User,
)
from fieldapp.models.enums import (
    JobEventKind,
    JobStatus,
    JobType,
    LicenceEventKind,
    Role,
    StockLocationKind,
    Urgency,
)
from fieldapp.numbering import allocate_job_number
from fieldapp.rules import assignment, sla
from fieldapp.rules.jobflow import OPEN_STATUSES, REPORTED_STATUSES
from fieldapp.rules.kpi import LicenceLevel, licence_balance, licence_level
from fieldapp.services.common import DomainError
from fieldapp.services.jobs import record_event, transition

log = logging.getLogger(__name__)

OPEN = [s.value for s in OPEN_STATUSES]
REPORTED = [s.value for s in REPORTED_STATUSES]
HISTORY_FAULTS = 400  # the newest faults of a model the usual parts are learnt from
CUSTOMER_MATCHES = 30


# --- the customer file at the dispatcher's desk --------------------------------------------


@dataclass(frozen=True)
class NewCustomer:
    """A caller who is not in the file yet."""

    name: str
    region_id: str
    phone: str = ""
    address: str = ""
    contact_name: str = ""
    is_key_account: bool = False
    industry: str = ""


@dataclass(frozen=True)
class NewMachine:
    """A machine of the caller that is not in the file yet."""

    model_id: str
    serial: str
    purchase_date: date | None = None
    site_id: str | None = None


@dataclass(frozen=True)
class CustomerMatch:
    id: str
    code: str
    name: str
    phone: str
    address: str
    contact_name: str
    is_key_account: bool
    region_id: str


@dataclass(frozen=True)
class MachineChoice:
    id: str
    serial: str
    model_id: str
    model_code: str
    purchase_date: date | None
    site_id: str | None


def find_customers(
    session: Session, text: str, limit: int = CUSTOMER_MATCHES
) -> list[CustomerMatch]:
    """Customers whose name, phone, contact or code contains ``text`` (all, by name,
    when it is empty): key customers first."""
    needle = text.strip()
    statement = select(Customer).where(col(Customer.deleted_at).is_(None))
    if needle:
        pattern = f"%{needle}%"
        statement = statement.where(
            or_(
                col(Customer.name).like(pattern),
                col(Customer.phone).like(pattern),
                col(Customer.code).like(pattern),
                col(Customer.contact_name).like(pattern),
                col(Customer.name_en).like(pattern),
            )
        )
    statement = statement.order_by(col(Customer.is_key_account).desc(), col(Customer.name))
    return [
        CustomerMatch(
            c.id, c.code, c.name, c.phone, c.address, c.contact_name, c.is_key_account, c.region_id
        )
        for c in session.exec(statement.limit(limit)).all()
    ]


def customer_machines(session: Session, customer_id: str) -> list[MachineChoice]:
    rows = session.exec(
        select(Machine, ProductModel.code)
        .join(ProductModel, col(ProductModel.id) == Machine.model_id)
        .where(Machine.customer_id == customer_id, col(Machine.deleted_at).is_(None))
        .order_by(col(ProductModel.code), col(Machine.serial))
    ).all()
    return [
        MachineChoice(m.id, m.serial, m.model_id, code, m.purchase_date, m.site_id)
        for m, code in rows
    ]


def _customer_code(customer_id: str) -> str:
    # Unique without asking HQ: the row's own UUID, which no other device makes.
    return f"N-{customer_id[:8].upper()}"


def create_customer(session: Session, actor: User, data: NewCustomer, *, now: datetime) -> Customer:
    """A new customer in the file, from the call (synced with the job that names it)."""
    if not data.name.strip():
        raise DomainError("customer_name_required", "The customer's name is required.")
    if session.get(Region, data.region_id) is None:
        raise DomainError("region_required", "Pick the customer's region.")
    customer = Customer(
        code="",
        name=data.name.strip(),
        region_id=data.region_id,
        phone=data.phone.strip(),
        address=data.address.strip(),
        contact_name=data.contact_name.strip(),
        is_key_account=data.is_key_account,
        industry=data.industry,
        created_at=now,
        updated_at=now,
    )
    customer.code = _customer_code(customer.id)
    session.add(customer)
    session.flush()
    log.info("Customer %s created by %s", customer.code, actor.login)
    return customer


def create_machine(session: Session, customer: Customer, data: NewMachine) -> Machine:
    serial = data.serial.strip().upper()
    if not serial:
        raise DomainError("serial_required", "The machine's serial number is required.")
    if session.get(ProductModel, data.model_id) is None:
        raise DomainError("model_required", "Pick the machine's model.")
    if session.exec(select(Machine.id).where(Machine.serial == serial)).first() is not None:
        raise DomainError("serial_taken", "A machine with this serial number is on file already.")
    machine = Machine(
        customer_id=customer.id,
        model_id=data.model_id,
        serial=serial,
        purchase_date=data.purchase_date,
        site_id=data.site_id,
    )
    session.add(machine)
    session.flush()
    return machine


# --- a job from a call --------------------------------------------------------------------


def region_of(session: Session, customer: Customer, site: CustomerSite | None) -> Region | None:
    """The job's region: its site's, else the customer's."""
    region_id = site.region_id if site is not None and site.region_id else customer.region_id
    return session.get(Region, region_id) if region_id else None


def preview_deadlines(
    region: Region | None,
    urgency: str,
    *,
    received_at: datetime,
    requested_at: datetime | None,
) -> sla.Deadlines:
    """The deadlines a job would get (the new-job form shows them as it is filled)."""
    reach = (
        sla.region_reach(region.is_home, region.is_remote)
        if region is not None
        else sla.RegionReach.ELSEWHERE
    )
    # The wished time the dispatcher writes down is what the customer was promised; an
    # urgent call is due by the region's limit whatever was wished.
    return sla.job_deadlines(received_at, urgency, reach, appointment_at=requested_at)


def create_job(
    session: Session,
    actor: User,
    *,
    customer_id: str | None = None,
    new_customer: NewCustomer | None = None,
    machine_id: str | None = None,
    new_machine: NewMachine | None = None,
    site_id: str | None = None,
    job_type: str = JobType.REPAIR,
    symptom: str = "",
    request: str = "",
    urgency: str = Urgency.NORMAL,
    requested_at: datetime | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    address: str = "",
    now: datetime,
    device_id: str | None,
) -> Job:
    """A job from a customer's call, created on this device (online or not): numbered
    from the device's block, its deadlines from the SLA rule, a ``created`` event."""
    JobType(job_type)
    Urgency(urgency)
    if actor.role not in {Role.SUPERVISOR, Role.ADMIN}:
        raise DomainError("forbidden_role", "Only a supervisor creates jobs from a call.")
    if new_customer is not None:
        customer = create_customer(session, actor, new_customer, now=now)
    elif customer_id is not None:
        found = session.get(Customer, customer_id)
        if found is None:
            raise DomainError("customer_required", "Pick the customer or enter a new one.")
        customer = found
    else:
        raise DomainError("customer_required", "Pick the customer or enter a new one.")
    site = session.get(CustomerSite, site_id) if site_id else None
    if site is not None and site.customer_id != customer.id:
        raise DomainError("site_not_customers", "That site belongs to another customer.")
    machine: Machine | None = None
    if new_machine is not None:
        machine = create_machine(session, customer, new_machine)
    elif machine_id is not None:
        machine = session.get(Machine, machine_id)
        if machine is None or machine.customer_id != customer.id:
            raise DomainError("machine_not_customers", "That machine belongs to another customer.")
    model = session.get(ProductModel, machine.model_id) if machine else None
    if site is None and machine is not None and machine.site_id:
        site = session.get(CustomerSite, machine.site_id)
    local_year = as_utc(now).astimezone().year
    job = Job(
        number=allocate_job_number(session, device_id=device_id, year=local_year),
        job_type=job_type,
        urgency=urgency,
        status=JobStatus.NEW,
        customer_id=customer.id,
        site_id=site.id if site else None,
        machine_id=machine.id if machine else None,
        team_id=actor.team_id,
        contact_name=contact_name.strip() or customer.contact_name,
        contact_phone=contact_phone.strip() or customer.phone,
        address=address.strip() or (site.address if site and site.address else customer.address),
        reported_model=model.code if model else "",
        reported_serial=machine.serial if machine else "",
        reported_purchase_date=machine.purchase_date if machine else None,
        reported_symptom=symptom.strip(),
        customer_request=request.strip(),
        received_at=now,
        requested_at=requested_at,
        created_at=now,
        updated_at=now,
    )
    deadlines = preview_deadlines(
        region_of(session, customer, site), urgency, received_at=now, requested_at=requested_at
    )
    job.answer_due_at = deadlines.answer_by
    job.on_site_due_at = deadlines.on_site_by
    session.add(job)
    session.flush()
    record_event(
        session,
        job,
        JobEventKind.CREATED,
        actor=actor,
        now=now,
        device_id=device_id,
        to_status=JobStatus.NEW,
    )
    log.info("Job %s created for %s", job.number, customer.code)
    return job


# --- assigning -----------------------------------------------------------------------------


def _check_assignee(session: Session, actor: User, assignee: User) -> None:
    if assignee.role != Role.ENGINEER or not assignee.active or assignee.deleted_at is not None:
        raise DomainError("assignee_required", "Assign the job to an engineer.")
    if actor.role == Role.SUPERVISOR and assignee.team_id != actor.team_id:
        # HQ refuses it too (§4.6): a supervisor gives jobs to their own team.
        raise DomainError("assignee_not_in_team", "That engineer is not in your team.")


def assign(
    session: Session,
    job: Job,
    assignee: User,
    actor: User,
    *,
    now: datetime,
    device_id: str | None,
) -> JobEvent:
    """Give the job to ``assignee`` (or move it to them from another engineer)."""
    _check_assignee(session, actor, assignee)
    if job.assignee_id == assignee.id:
        raise DomainError("already_assigned", "The job is already this engineer's.")
    return transition(
        session, job, JobEventKind.ASSIGNED, actor, now=now, assignee=assignee, device_id=device_id
    )


def unassign(
    session: Session,
    job: Job,
    actor: User,
    *,
    now: datetime,
    device_id: str | None,
    reason: str = "",
) -> JobEvent:
    """Take the job back to the unassigned tray (before anyone set off)."""
    if job.assignee_id is None:
        raise DomainError("not_assigned", "The job is not assigned.")
    return transition(
        session, job, JobEventKind.UNASSIGNED, actor, now=now, reason=reason, device_id=device_id
    )


# --- licence levels ------------------------------------------------------------------------


def licence_levels(
    session: Session, engineer_ids: Sequence[str], year: int
) -> dict[str, LicenceLevel]:
    """Each engineer's licence level from the year's points events (one query)."""
    events: dict[str, list[LicenceEventKind]] = defaultdict(list)
    if engineer_ids:
        rows = session.exec(
            select(LicenceEvent.engineer_id, LicenceEvent.kind)
            .where(
                col(LicenceEvent.engineer_id).in_(list(engineer_ids)),
                col(LicenceEvent.deleted_at).is_(None),
                col(LicenceEvent.occurred_on) >= date(year, 1, 1),
                col(LicenceEvent.occurred_on) <= date(year, 12, 31),
            )
            .order_by(col(LicenceEvent.occurred_on), col(LicenceEvent.created_at))
        ).all()
        for engineer_id, kind in rows:
            try:
                events[engineer_id].append(LicenceEventKind(kind))
            except ValueError:
                continue  # a kind this app does not know counts nothing
    return {e: licence_level(licence_balance(events.get(e, []))) for e in engineer_ids}


@dataclass(frozen=True)
class Engineer:
    id: str
    display_name: str


def team_engineers(session: Session, team_id: str) -> list[Engineer]:
    """The team's active engineers by name (columns only: cheap for 200 of them)."""
    statement = (
        select(User.id, User.display_name)
        .where(
            User.team_id == team_id,
            User.role == Role.ENGINEER,
            col(User.active).is_(True),
            col(User.deleted_at).is_(None),
        )
        .order_by(col(User.display_name), col(User.login))
    )
    return [Engineer(*row) for row in session.exec(statement).all()]


# --- the board -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardJob:
    id: str
    number: str
    status: str
    urgency: str
    job_type: str
    customer_name: str
    is_key_account: bool
    model: str
    symptom: str
    assignee_id: str | None
    planned_at: datetime | None  # the agreed time, else the wished time, else the deadline
    on_site_due_at: datetime | None
    arrived_at: datetime | None
    risk: assignment.RiskState
    day: int  # the board's column (0 = the first day); earlier plans sit on the first day
    earlier: bool = False  # planned before the first day shown (overdue or unplanned)

    @property
    def at_risk(self) -> bool:
        return self.risk != assignment.RiskState.OK


@dataclass(frozen=True)
class BoardRow:
    engineer_id: str
    name: str
    licence: LicenceLevel
    open_load: int  # every open job of the engineer, shown or not
    jobs: tuple[BoardJob, ...]  # those planned within the days shown, by planned time
    later: int  # open jobs planned after the last day shown


@dataclass(frozen=True)
class Board:
    first_day: date
    days: int
    now: datetime
    rows: tuple[BoardRow, ...]
    unassigned: tuple[BoardJob, ...]  # key customers first, then the nearest deadline
    jobs: dict[str, BoardJob] = field(default_factory=dict)  # every job shown, by id

    @property
    def at_risk(self) -> int:
        return sum(1 for j in self.jobs.values() if j.at_risk)


def _planned(
    appointment: datetime | None, requested: datetime | None, due: datetime | None
) -> datetime | None:
    return appointment or requested or due


def board(
    session: Session,
    team_id: str,
    first_day: date,
    days: int,
    now: datetime,
    *,
    tz: tzinfo | None = None,
) -> Board:
    """The team's engineers, each with their open jobs planned over ``days`` days from
    ``first_day`` (local days of ``tz``, the device's by default), and the team's
    unassigned jobs. Four queries."""
    tz = tz or datetime.now().astimezone().tzinfo
    engineers = team_engineers(session, team_id)
    ids = [e.id for e in engineers]
    levels = licence_levels(session, ids, first_day.year)
    start = datetime.combine(first_day, time(), tz)
    members = select(User.id).where(User.team_id == team_id)
    statement = (
        select(
            Job.id,
            Job.number,
            Job.status,
            Job.urgency,
            Job.job_type,
            Customer.name,
            Customer.is_key_account,
            ProductModel.code,
            Job.reported_model,
            Job.reported_symptom,
            Job.assignee_id,
            Job.appointment_at,
            Job.requested_at,
            Job.on_site_due_at,
            Job.arrived_at,
        )
        .join(Customer, col(Customer.id) == Job.customer_id)
        .outerjoin(Machine, col(Machine.id) == Job.machine_id)
        .outerjoin(ProductModel, col(ProductModel.id) == Machine.model_id)
        .where(
            col(Job.deleted_at).is_(None),
            col(Job.status).in_(OPEN),
            or_(col(Job.team_id) == team_id, col(Job.assignee_id).in_(members)),
        )
    )
    by_engineer: dict[str, list[BoardJob]] = defaultdict(list)
    load: dict[str, int] = defaultdict(int)
    later: dict[str, int] = defaultdict(int)
    unassigned: list[tuple[tuple[int, float], BoardJob]] = []
    jobs: dict[str, BoardJob] = {}
    known = set(ids)
    # Local midnights of the days shown (and the day after): a job's column is found by
    # comparing instants, right across a change of daylight saving time too.
    bounds = [datetime.combine(first_day + timedelta(days=n), time(), tz) for n in range(days + 1)]
    # Jobs planned before the first day (late, or never planned) sit on its column when
    # the board shows today; a board of earlier or later days shows only its own.
    carry = bounds[0] <= as_utc(now) < bounds[-1]
    for r in session.exec(statement).all():
        planned = _planned(r[11], r[12], r[13])
        if planned is None:
            day, earlier = 0, True
        else:
            earlier = planned < start
            day = 0 if earlier else bisect_right(bounds, planned) - 1
        item = BoardJob(
            id=r[0],
            number=r[1],
            status=r[2],
            urgency=r[3],
            job_type=r[4],
            customer_name=r[5],
            is_key_account=bool(r[6]),
            model=r[7] or r[8] or "",
            symptom=r[9],
            assignee_id=r[10],
            planned_at=planned,
            on_site_due_at=r[13],
            arrived_at=r[14],
            risk=assignment.job_risk(due=r[13], planned=planned, arrived_at=r[14], now=now),
            day=day,
            earlier=earlier,
        )
        assignee = r[10]
        if assignee is None:
            due = as_utc(r[13]) if r[13] is not None else as_utc(now) + timedelta(days=3650)
            _, key_rank, seconds = sla.dispatch_priority(
                urgency=r[3], is_key_account=bool(r[6]), on_site_by=due, now=now
            )
            # Key customers first (seed 001 part 3), then the nearest deadline (an urgent
            # call's is near already).
            unassigned.append(((key_rank, seconds), item))
            jobs[item.id] = item
            continue
        if assignee not in known:
            continue  # another team's engineer holds it: their supervisor's board
        load[assignee] += 1
        if day >= days:
            later[assignee] += 1
            continue
        if earlier and not carry:
            continue  # a later week shown: the late jobs stay on today's column
        by_engineer[assignee].append(item)
        jobs[item.id] = item
    far = datetime.max.replace(tzinfo=tz)
    rows = tuple(
        BoardRow(
            engineer_id=e.id,
            name=e.display_name,
            licence=levels[e.id],
            open_load=load[e.id],
            jobs=tuple(
                sorted(
                    by_engineer[e.id],
                    key=lambda j: (j.day, as_utc(j.planned_at) if j.planned_at else far, j.number),
                )
            ),
            later=later[e.id],
        )
        for e in engineers
    )
    unassigned.sort(key=lambda pair: (pair[0], pair[1].number))
    return Board(
        first_day=first_day,
        days=days,
        now=now,
        rows=rows,
        unassigned=tuple(item for _, item in unassigned),
        jobs=jobs,
    )


# --- the ranked engineers for one job ------------------------------------------------------


def job_model_id(session: Session, job: Job) -> str | None:
    if job.machine_id:
        machine = session.get(Machine, job.machine_id)
        if machine is not None:
            return machine.model_id
    if job.reported_model:
        code = job.reported_model.strip().upper()
        return session.exec(select(ProductModel.id).where(ProductModel.code == code)).first()
    return None


def model_history(session: Session, model_id: str) -> list[assignment.PastFault]:
    """The newest faults recorded on machines of the model, with the parts fitted for
    each (a part recorded on the job without a fault counts for the job's faults)."""
    machine = func.coalesce(Fault.machine_id, Job.machine_id)
    faults = session.exec(
        select(Fault.id, Fault.job_id, Fault.assembly, Fault.symptom)
        .join(Job, col(Job.id) == Fault.job_id)
        .join(Machine, col(Machine.id) == machine)
        .where(Machine.model_id == model_id, col(Fault.deleted_at).is_(None))
        .order_by(col(Fault.created_at).desc())
        .limit(HISTORY_FAULTS)
    ).all()
    if not faults:
        return []
    job_ids = list({f[1] for f in faults})
    parts: dict[str, set[str]] = defaultdict(set)
    loose: dict[str, set[str]] = defaultdict(set)  # per job, parts named on no fault
    for start in range(0, len(job_ids), 500):
        rows = session.exec(
            select(PartUsage.job_id, PartUsage.fault_id, PartUsage.part_id).where(
                col(PartUsage.job_id).in_(job_ids[start : start + 500]),
                col(PartUsage.deleted_at).is_(None),
            )
        ).all()
        for job_id, fault_id, part_id in rows:
            (parts[fault_id] if fault_id else loose[job_id]).add(part_id)
    return [
        assignment.PastFault(assembly, symptom, frozenset(parts[fault_id] | loose[job_id]))
        for fault_id, job_id, assembly, symptom in faults
    ]


def _job_region_id(session: Session, job: Job) -> str | None:
    site = session.get(CustomerSite, job.site_id) if job.site_id else None
    if site is not None and site.region_id:
        return site.region_id
    customer = session.get(Customer, job.customer_id)
    return customer.region_id if customer else None


@dataclass(frozen=True)
class Ranking:
    candidates: tuple[assignment.Candidate, ...]
    usual: assignment.UsualParts  # what the van check looked for


def rank_engineers(
    session: Session,
    job: Job,
    now: datetime,
    *,
    team_id: str | None = None,
    policy: assignment.AssignmentPolicy = assignment.DEFAULT_POLICY,
) -> Ranking:
    """The team's engineers ranked for ``job``, with the parts its symptom usually
    needs. A fixed number of queries, whatever the team's size."""
    team_id = team_id or job.team_id
    if team_id is None:
        return Ranking((), assignment.UsualParts(None, (), 0))
    engineers = team_engineers(session, team_id)
    ids = [e.id for e in engineers]
    team = session.get(Team, team_id)
    vans = session.exec(
        select(StockLocation.id, StockLocation.owner_user_id, StockLocation.region_id).where(
            StockLocation.kind == StockLocationKind.VAN,
            col(StockLocation.owner_user_id).in_(ids),
            col(StockLocation.deleted_at).is_(None),
        )
    ).all()
    homes: dict[str, set[str]] = defaultdict(set)
    van_owner: dict[str, str] = {}
    for van_id, owner, region_id in vans:
        van_owner[van_id] = owner
        if region_id:
            homes[owner].add(region_id)
    due = as_utc(job.on_site_due_at) if job.on_site_due_at else None
    load: dict[str, int] = defaultdict(int)
    before: dict[str, int] = defaultdict(int)
    open_rows = session.exec(
        select(Job.assignee_id, Job.appointment_at, Job.requested_at, Job.on_site_due_at).where(
            col(Job.assignee_id).in_(ids),
            col(Job.status).in_(OPEN),
            col(Job.deleted_at).is_(None),
            Job.id != job.id,
        )
    ).all()
    for assignee, appointment, requested, other_due in open_rows:
        load[assignee] += 1
        planned = _planned(appointment, requested, other_due)
        if due is not None and (planned is None or as_utc(planned) <= due):
            before[assignee] += 1
    model_id = job_model_id(session, job)
    visits: dict[str, int] = {}
    if model_id is not None:
        visits = dict(
            session.exec(
                select(Job.assignee_id, func.count(col(Job.id)))
                .join(Machine, col(Machine.id) == Job.machine_id)
                .where(
                    col(Job.assignee_id).in_(ids),
                    col(Job.status).in_(REPORTED),
                    col(Job.deleted_at).is_(None),
                    Machine.model_id == model_id,
                )
                .group_by(col(Job.assignee_id))
            ).all()
        )
    usual = (
        assignment.usual_parts(job.reported_symptom, model_history(session, model_id))
        if model_id is not None and job.reported_symptom.strip()
        else assignment.UsualParts(None, (), 0)
    )
    held: dict[str, set[str]] = defaultdict(set)
    if usual.part_ids and van_owner:
        stock = session.exec(
            select(StockMovement.location_id, StockMovement.part_id)
            .where(
                col(StockMovement.location_id).in_(list(van_owner)),
                col(StockMovement.part_id).in_(list(usual.part_ids)),
                col(StockMovement.deleted_at).is_(None),
            )
            .group_by(col(StockMovement.location_id), col(StockMovement.part_id))
            .having(func.sum(StockMovement.quantity) > 0)
        ).all()
        for location_id, part_id in stock:
            held[van_owner[location_id]].add(part_id)
    levels = licence_levels(session, ids, as_utc(now).astimezone().year)
    needs = assignment.JobNeeds(
        job_id=job.id,
        region_id=_job_region_id(session, job),
        model_id=model_id,
        on_site_due_at=job.on_site_due_at,
        usual_part_ids=usual.part_ids,
        current_assignee_id=job.assignee_id,
    )
    team_region = {team.region_id} if team is not None and team.region_id else set()
    facts = [
        assignment.EngineerFacts(
            engineer_id=e.id,
            name=e.display_name,
            home_region_ids=frozenset(team_region | homes[e.id]),
            open_load=load[e.id],
            planned_before_due=before[e.id],
            model_visits=int(visits.get(e.id, 0)),
            licence=levels[e.id],
            van_part_ids=frozenset(held[e.id]),
        )
        for e in engineers
    ]
    return Ranking(tuple(assignment.rank(needs, facts, now, policy)), usual)


def candidates(
    session: Session,
    job: Job,
    now: datetime,
    *,
    team_id: str | None = None,
    policy: assignment.AssignmentPolicy = assignment.DEFAULT_POLICY,
) -> list[assignment.Candidate]:
    """The team's engineers for ``job``, best first, each with the reasons."""
    return list(rank_engineers(session, job, now, team_id=team_id, policy=policy).candidates)
