"""The measures the company runs on, for a month, per engineer and for the team
(issue 12 item 4; seeds 001, 002, 003).

One function per measure, each over the same :class:`MonthData` read in a few bulk
queries. Every figure is a :class:`Figure`: its value, its numerator and denominator
where it is a rate, the ids it counts (jobs; complaints for the complaint answer) and
what it left out and why (:class:`Exclusion`) — nothing is skipped silently. The
screen, the CSV, the PDF and ``fieldapp-hq measures`` all read :func:`month_measures`.

The month's jobs are the jobs whose report took effect in the month: their first
approval (``jobevent`` kind ``approved``) falls in the calendar month of China
Standard Time. Follow-up calls count in the month they were made (seed 001: the
month's follow-up records), and the service bonus is settled with the call, so a
不满意 and the bonus it withholds fall in the same month.
"""

from __future__ import annotations

import csv
import functools
import gc
import io
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from operator import attrgetter
from typing import Any, NamedTuple, ParamSpec, TypeVar, overload

from sqlalchemy import String, exists, func, literal_column, type_coerce
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from fieldapp.clock import as_utc, utcnow
from fieldapp.models import (
    Complaint,
    Customer,
    Fault,
    FollowUp,
    HourMeterReading,
    Job,
    JobEvent,
    LicenceEvent,
    Machine,
    Part,
    PartUsage,
    ProductModel,
    Region,
    Team,
    TimeEntry,
    User,
)
from fieldapp.models.base import UTCDateTime
from fieldapp.models.enums import (
    JobEventKind,
    JobStatus,
    JobType,
    LicenceEventKind,
    Role,
    Satisfaction,
    TimeKind,
)
from fieldapp.rules import follow_up as follow_up_rules
from fieldapp.rules import kpi, sla
from fieldapp.services.billing import DEFAULT_LABOUR_RATE_CENTS_PER_HOUR

#: Months are the company's calendar months, in China Standard Time (no daylight saving).
BUSINESS_TZ = timezone(timedelta(hours=8))
#: A job due for a call and still not called this long after its approval is an omission.
FOLLOW_UP_GRACE = timedelta(days=7)
#: Repeat repairs of a component are looked for over this span up to the month's end.
REPEAT_WINDOW = timedelta(days=365)
REPAIR_TYPES = frozenset({JobType.REPAIR, JobType.WARRANTY})
LIVE_STATUSES = frozenset({JobStatus.APPROVED, JobStatus.CLOSED})
FINISHED = (JobStatus.SIGNED, JobStatus.RETURNED, JobStatus.APPROVED, JobStatus.CLOSED)

# Why a row was left out of a figure (codes; the UI and the PDF translate them).
NOT_REACHED = "not_reached"
NO_SATISFACTION = "no_satisfaction"
SUPERSEDED = "superseded_by_later_call"
DISSATISFIED = "dissatisfied"
NOT_CALLED_YET = "no_follow_up_call_yet"
NO_ANSWER_TIME = "no_answer_time"
NO_ARRIVAL_TIME = "no_arrival_time"
NO_FAULT = "no_fault_recorded"
NO_MACHINE = "no_machine"
NO_COMPLETION = "no_completion_time"
NO_MODEL = "no_model"
MISUSE = "operator_misuse"
NO_READING = "no_hour_meter_reading"
NO_JOB = "no_job"
CANCELLED = "cancelled"
DELETED = "deleted"
FAULT_NOT_HANDLED = "fault_not_handled"
CALL_MISSING = "no_follow_up_call"

EXCLUSION_REASONS: tuple[str, ...] = (
    NOT_REACHED,
    NO_SATISFACTION,
    SUPERSEDED,
    DISSATISFIED,
    NOT_CALLED_YET,
    NO_ANSWER_TIME,
    NO_ARRIVAL_TIME,
    NO_FAULT,
    NO_MACHINE,
    NO_COMPLETION,
    NO_MODEL,
    MISUSE,
    NO_READING,
    NO_JOB,
    CANCELLED,
    DELETED,
    FAULT_NOT_HANDLED,
    CALL_MISSING,
)

#: The figures of a row (an engineer or the team), in the order of the tables.
FIGURE_KEYS: tuple[str, ...] = (
    "jobs",
    "follow_ups",
    "very_satisfied_share",
    "dissatisfied",
    "praise",
    "score",
    "bonus_cents",
    "licence_points",
    "answer_on_time",
    "on_site_on_time",
    "complaint_answer_on_time",
    "first_time_fix",
    "return_repairs",
    "complaints",
    "complaint_ppm",
    "dissatisfaction_ppm",
    "omission_ppm",
    "warranty_cost_cents",
    "parts_used",
)
RATE_KEYS = frozenset(
    {
        "very_satisfied_share",
        "answer_on_time",
        "on_site_on_time",
        "complaint_answer_on_time",
        "first_time_fix",
    }
)
PPM_KEYS = frozenset({"complaint_ppm", "dissatisfaction_ppm", "omission_ppm"})
MONEY_KEYS = frozenset({"bonus_cents", "warranty_cost_cents"})


class Exclusion(NamedTuple):
    """A row a figure left out: a tuple, hashed fast (a month holds thousands)."""

    id: str  # the job (or complaint, or call) left out
    reason: str  # one of EXCLUSION_REASONS


@dataclass(frozen=True)
class Figure:
    """One number and what it is made of."""

    key: str
    value: float | int | None
    numerator: int | None = None
    denominator: int | None = None
    ids: tuple[str, ...] = ()  # what it counts: job ids (complaint ids for complaints)
    excluded: tuple[Exclusion, ...] = ()
    text: str = ""  # a word that goes with the value (the licence level)
    detail: dict[str, int] = field(default_factory=dict)
    # For a rate: the ids of its numerator (``ids`` are its denominator's).
    hits: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "value": self.value,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "ids": list(self.ids),
            "hits": list(self.hits),
            "excluded": [[e.id, e.reason] for e in self.excluded],
            "text": self.text,
            "detail": dict(sorted(self.detail.items())),
        }


def _rate(numerator: int, denominator: int) -> float | None:
    return None if denominator == 0 else numerator / denominator


# --- the month's data, read once ---------------------------------------------------------


def parse_month(text: str) -> tuple[int, int]:
    """``YYYY-MM`` as (year, month); ValueError for anything else."""
    year, _, month = text.partition("-")
    if len(year) != 4 or len(month) != 2 or not (year + month).isdigit():
        raise ValueError(f"Not a month (YYYY-MM): {text!r}")
    value = (int(year), int(month))
    if not 1 <= value[1] <= 12:
        raise ValueError(f"Not a month (YYYY-MM): {text!r}")
    return value


def month_text(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """The month's first instant and the next month's, aware UTC, from the company's
    calendar (China Standard Time)."""
    start = datetime(year, month, 1, tzinfo=BUSINESS_TZ)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=BUSINESS_TZ)
    return as_utc(start), as_utc(end)


def business_date(moment: datetime) -> date:
    if moment.tzinfo is None:  # naive: UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(BUSINESS_TZ).date()


@dataclass(slots=True)
class JobRow:
    id: str
    number: str
    job_type: str
    urgency: str
    status: str
    deleted: bool
    customer_id: str
    machine_id: str | None
    team_id: str | None
    assignee_id: str | None
    reported_model: str
    received_at: datetime
    appointment_at: datetime | None
    answer_due_at: datetime | None
    on_site_due_at: datetime | None
    answered_at: datetime | None
    arrived_at: datetime | None
    completed_at: datetime | None
    amount_cents: int
    approved_at: datetime | None = None


@dataclass(slots=True)
class CallRow:
    id: str
    job_id: str
    engineer_id: str | None
    called_at: datetime
    reached: bool
    satisfaction: str | None
    praise: bool
    created_at: datetime


@dataclass(slots=True)
class FaultRow:
    id: str
    job_id: str
    machine_id: str | None
    assembly: str
    fixed: bool
    misuse: bool


@dataclass
class MonthData:
    """What the month's measures read, loaded in bulk (a month of 10,000 jobs is a few
    queries, never one per job)."""

    year: int
    month: int
    start: datetime
    end: datetime
    now: datetime
    team_id: str | None
    team_name: str
    jobs: list[JobRow]  # approved in the month (cancelled or deleted ones too)
    calls: list[CallRow]  # made in the month
    call_jobs: dict[str, JobRow]  # the jobs of those calls
    called: set[str]  # the month's jobs with a call (any time, reached or not)
    faults: dict[str, list[FaultRow]]  # the month's jobs' faults
    children: set[str]  # month's jobs that have a follow-up job
    usages: list[tuple[str, str, int, int, bool]]  # job, part, quantity, price, warranty
    warranty_minutes: dict[str, int]  # job -> warranty labour minutes
    parts: dict[str, tuple[str, str, str]]  # part id -> part_no, name_zh, name_en
    customers: dict[str, tuple[str, bool, bool, bool]]  # grade, key, home, remote
    machines: dict[str, tuple[str, str]]  # machine id -> serial, model code
    earlier_visits: list[kpi.RepairVisit]  # repairs in the 30 days before the month
    complaints: list[tuple[str, str | None, datetime, datetime | None]]
    licence: dict[str, list[tuple[date, str, str | None]]]  # engineer -> events of the year
    engineers: list[tuple[str, str, str]]  # id, login, display name
    members: set[str] = field(default_factory=set)  # the team's people
    sample_rate: Fraction = follow_up_rules.DEFAULT_SAMPLE_RATE

    @property
    def jobs_by_id(self) -> dict[str, JobRow]:
        cached = self.__dict__.get("_by_id")
        if cached is None:
            cached = self.__dict__["_by_id"] = {j.id: j for j in self.jobs}
        return cached

    @property
    def usages_by_job(self) -> dict[str, list[tuple[str, str, int, int, bool]]]:
        cached = self.__dict__.get("_usages")
        if cached is None:
            cached = defaultdict(list)
            for usage in self.usages:
                cached[usage[0]].append(usage)
            self.__dict__["_usages"] = cached
        return cached

    @property
    def warranty_parts_cents(self) -> dict[str, int]:
        """Job -> the value of its warranty parts (quantity × unit price)."""
        cached = self.__dict__.get("_warranty_parts")
        if cached is None:
            cached = defaultdict(int)
            for jid, _, quantity, price, warranty in self.usages:
                if warranty:
                    cached[jid] += quantity * price
            self.__dict__["_warranty_parts"] = cached
        return cached

    @property
    def live_jobs(self) -> list[JobRow]:
        return [j for j in self.jobs if not j.deleted and j.status in LIVE_STATUSES]


_FROM_ISO = datetime.fromisoformat
_P = ParamSpec("_P")
_R = TypeVar("_R")


def _bulk(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``function`` with the cycle collector paused: a month builds some 100,000
    rows and figures that all stay alive, and each full collection it would trigger
    walks every object of the process (a third of the month's time). Nothing it makes
    is a cycle; reference counting frees as usual, and the collector runs again after."""

    @functools.wraps(function)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()

    return paused


def _raw(column: Any) -> Any:
    """``column`` to select as the driver hands it back: a UTC time skips its column
    type's conversions (SQLite gives its text) and is read by :func:`_utc`, once."""
    if isinstance(column.type, UTCDateTime):
        return type_coerce(column, String)
    return column


@overload
def _utc(value: None) -> None: ...
@overload
def _utc(value: str | datetime) -> datetime: ...
def _utc(value: str | datetime | None) -> datetime | None:
    """A time selected with :func:`_raw` as an aware UTC datetime: SQLite's naive UTC
    text parsed in one call (a month is some 100,000 of them); a driver's datetime
    (PostgreSQL) or a text with an offset as :func:`as_utc` reads it."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return _FROM_ISO(value + "+00:00")
        except ValueError:
            return as_utc(_FROM_ISO(value))
    return as_utc(value)


def _chunks(ids: Iterable[str], size: int = 900) -> Iterable[list[str]]:
    items = list(ids)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _ids_in(session: Session, ids: Iterable[str]) -> Callable[[Any], list[Any]]:
    """For a column, the conditions ``column IN ids``, one query each: on SQLite a
    single condition whose ids travel as one JSON text, made once (a month's 10,000 ids
    in one query, no bound parameter per id); elsewhere chunks of 900 ids. None for no
    ids."""
    items = list(ids)
    if not items:
        return lambda column: []
    if session.get_bind().dialect.name == "sqlite":
        text = json.dumps(items)

        def listed(column: Any) -> list[Any]:
            values = select(literal_column("value")).select_from(func.json_each(text))
            return [col(column).in_(values)]

        return listed
    return lambda column: [col(column).in_(chunk) for chunk in _chunks(items)]


def _in_ids(session: Session, column: Any, ids: Iterable[str]) -> list[Any]:
    """The conditions ``column IN ids`` (:func:`_ids_in`)."""
    return _ids_in(session, ids)(column)


JOB_COLUMNS = (
    Job.id,
    Job.number,
    Job.job_type,
    Job.urgency,
    Job.status,
    col(Job.deleted_at).is_not(None),
    Job.customer_id,
    Job.machine_id,
    Job.team_id,
    Job.assignee_id,
    Job.reported_model,
    *(
        _raw(c)
        for c in (
            col(Job.received_at),
            col(Job.appointment_at),
            col(Job.answer_due_at),
            col(Job.on_site_due_at),
            col(Job.answered_at),
            col(Job.arrived_at),
            col(Job.completed_at),
        )
    ),
    Job.amount_cents,
)


def _job_row(values: Sequence[Any]) -> JobRow:
    """A row of :data:`JOB_COLUMNS` (and, past them, the first approval's time)."""
    utc = _utc
    return JobRow(
        values[0],
        values[1],
        values[2],
        values[3],
        values[4],
        bool(values[5]),
        values[6],
        values[7],
        values[8],
        values[9],
        values[10],
        utc(values[11]),
        utc(values[12]),
        utc(values[13]),
        utc(values[14]),
        utc(values[15]),
        utc(values[16]),
        utc(values[17]),
        values[18],
        utc(values[19]) if len(values) > 19 else None,
    )


def _jobs_where(session: Session, *conditions: Any) -> list[JobRow]:
    return [_job_row(r) for r in session.execute(select(*JOB_COLUMNS).where(*conditions))]


def team_by_name(session: Session, name: str) -> Team | None:
    """The team named ``name`` (Chinese or English name)."""
    return session.exec(
        select(Team).where(
            (col(Team.name_zh) == name) | (col(Team.name_en) == name),
            col(Team.deleted_at).is_(None),
        )
    ).first()


@_bulk
def load_month(
    session: Session,
    year: int,
    month: int,
    *,
    team_id: str | None = None,
    now: datetime | None = None,
    sample_rate: Fraction | None = None,
) -> MonthData:
    """Read what the month's measures need; ``team_id`` None is the whole company.
    ``sample_rate``: the grade-C follow-up sample (default: the company profile's, as
    the follow-up queue uses it)."""
    if sample_rate is None:
        # Imported here: an import cycle through the fieldapp.services package.
        from fieldapp.services.follow_up import company_sample_rate

        sample_rate = company_sample_rate(session)
    start, end = month_bounds(year, month)
    moment = as_utc(now) if now is not None else utcnow()
    team = session.get(Team, team_id) if team_id else None
    members: set[str] = set()
    if team_id is not None:
        members = set(session.exec(select(User.id).where(User.team_id == team_id)).all())

    def in_team(job_team: str | None, assignee: str | None) -> bool:
        return team_id is None or job_team == team_id or (assignee in members)

    # A job's first approval is in the month: an approval in the month, and none before
    # (the month's approvals and each one's job read from indexes, never every approval).
    before = aliased(JobEvent)
    approved = (
        select(JobEvent.job_id, func.min(JobEvent.occurred_at).label("at"))
        .where(
            JobEvent.kind == JobEventKind.APPROVED,
            col(JobEvent.occurred_at) >= start,
            col(JobEvent.occurred_at) < end,
            col(JobEvent.deleted_at).is_(None),
            ~exists().where(
                col(before.job_id) == col(JobEvent.job_id),
                before.kind == JobEventKind.APPROVED,
                col(before.occurred_at) < start,
                col(before.deleted_at).is_(None),
            ),
        )
        .group_by(col(JobEvent.job_id))
        .subquery()
    )
    rows = session.execute(
        select(*JOB_COLUMNS, _raw(approved.c.at))
        .join(approved, approved.c.job_id == Job.id)
        .order_by(col(Job.number))
    ).all()
    jobs = [_job_row(values) for values in rows]
    if team_id is not None:
        jobs = [j for j in jobs if in_team(j.team_id, j.assignee_id)]
    job_ids = [j.id for j in jobs]

    by_job = _ids_in(session, job_ids)

    calls = [
        CallRow(cid, jid, engineer, _utc(called), reached, satisfaction, praise, _utc(created))
        for cid, jid, engineer, called, reached, satisfaction, praise, created in session.execute(
            select(
                FollowUp.id,
                FollowUp.job_id,
                FollowUp.engineer_id,
                _raw(col(FollowUp.called_at)),
                FollowUp.reached,
                FollowUp.satisfaction,
                FollowUp.praise,
                _raw(col(FollowUp.created_at)),
            ).where(
                col(FollowUp.called_at) >= start,
                col(FollowUp.called_at) < end,
                col(FollowUp.deleted_at).is_(None),
            )
        )
    ]
    known = {j.id: j for j in jobs}
    call_jobs: dict[str, JobRow] = {c.job_id: known[c.job_id] for c in calls if c.job_id in known}
    for condition in _in_ids(session, Job.id, {c.job_id for c in calls} - set(call_jobs)):
        for job in _jobs_where(session, condition):
            call_jobs[job.id] = job
    calls = [
        c
        for c in calls
        if team_id is None
        or (c.engineer_id in members)
        or (c.job_id in call_jobs and in_team(call_jobs[c.job_id].team_id, None))
    ]

    called: set[str] = set()
    faults: dict[str, list[FaultRow]] = defaultdict(list)
    usages: list[tuple[str, str, int, int, bool]] = []
    warranty_minutes: dict[str, int] = defaultdict(int)
    children: set[str] = set()
    for condition in by_job(FollowUp.job_id):
        called.update(
            session.exec(
                select(FollowUp.job_id)
                .where(condition, col(FollowUp.deleted_at).is_(None))
                .distinct()
            ).all()
        )
    for condition in by_job(Fault.job_id):
        for r in session.execute(
            select(
                Fault.id, Fault.job_id, Fault.machine_id, Fault.assembly, Fault.fixed, Fault.misuse
            ).where(condition, col(Fault.deleted_at).is_(None))
        ):
            faults[r[1]].append(FaultRow(*r))
    for condition in by_job(PartUsage.job_id):
        usages.extend(
            tuple(r)  # type: ignore[misc]
            for r in session.execute(
                select(
                    PartUsage.job_id,
                    PartUsage.part_id,
                    PartUsage.quantity,
                    PartUsage.unit_price_cents,
                    PartUsage.warranty,
                ).where(condition, col(PartUsage.deleted_at).is_(None))
            )
        )
    for condition in by_job(TimeEntry.job_id):
        for jid, minutes in session.execute(
            select(TimeEntry.job_id, TimeEntry.minutes).where(
                condition,
                col(TimeEntry.deleted_at).is_(None),
                col(TimeEntry.warranty).is_(True),
                TimeEntry.kind == TimeKind.LABOUR,
            )
        ):
            warranty_minutes[jid] += minutes
    for condition in by_job(Job.parent_job_id):
        children.update(
            session.exec(
                select(Job.parent_job_id).where(
                    condition,
                    col(Job.deleted_at).is_(None),
                    Job.status != JobStatus.CANCELLED,
                )
            ).all()  # type: ignore[arg-type]
        )

    parts: dict[str, tuple[str, str, str]] = {}
    for condition in _in_ids(session, Part.id, {u[1] for u in usages}):
        for pid, no, zh, en in session.execute(
            select(Part.id, Part.part_no, Part.name_zh, Part.name_en).where(condition)
        ):
            parts[pid] = (no, zh, en)

    customers: dict[str, tuple[str, bool, bool, bool]] = {}
    for condition in _in_ids(session, Customer.id, {j.customer_id for j in jobs}):
        for cid, key, grade, home, remote in session.execute(
            select(
                Customer.id, Customer.is_key_account, Region.grade, Region.is_home, Region.is_remote
            )
            .join(Region, col(Region.id) == col(Customer.region_id))
            .where(condition)
        ):
            customers[cid] = (grade, key, home, remote)

    # Repairs of the 30 days before the month: the earlier half of a return repair.
    window_start = start - kpi.RETURN_REPAIR_WINDOW - timedelta(days=1)
    month_ids = set(job_ids)
    earlier: dict[tuple[str, str, str], datetime] = {}
    for jid, mid, done, assembly in session.execute(
        select(Job.id, Job.machine_id, _raw(col(Job.completed_at)), Fault.assembly)
        .join(Fault, col(Fault.job_id) == col(Job.id))
        .where(
            col(Job.completed_at) >= window_start,
            col(Job.completed_at) < start,
            # Filters, not ways in (``|| ''`` keeps the planner off the type's and the
            # status's indexes): the window is read from ix_job_completed_window.
            col(Job.job_type).concat("").in_(sorted(REPAIR_TYPES)),
            col(Job.status).concat("").in_(list(FINISHED)),
            col(Job.deleted_at).is_(None),
            col(Job.machine_id).is_not(None),
            col(Fault.deleted_at).is_(None),
        )
    ):
        if jid not in month_ids:
            earlier[(jid, mid, assembly)] = _utc(done)
    earlier_visits = [
        kpi.RepairVisit(jid, mid, assembly, business_date(done), True)
        for (jid, mid, assembly), done in sorted(earlier.items())
    ]

    machine_ids = {j.machine_id for j in jobs if j.machine_id}
    machine_ids |= {f.machine_id for fs in faults.values() for f in fs if f.machine_id}
    machines: dict[str, tuple[str, str]] = {}
    for condition in _in_ids(session, Machine.id, machine_ids):
        for mid, serial, code in session.execute(
            select(Machine.id, Machine.serial, ProductModel.code)
            .join(ProductModel, col(ProductModel.id) == col(Machine.model_id))
            .where(condition)
        ):
            machines[mid] = (serial, code)

    complaints: list[tuple[str, str | None, datetime, datetime | None]] = []
    complaint_rows = session.execute(
        select(
            Complaint.id,
            Complaint.job_id,
            Complaint.received_at,
            Complaint.answered_at,
            Job.team_id,
            Job.assignee_id,
        )
        .outerjoin(Job, col(Job.id) == col(Complaint.job_id))
        .where(
            col(Complaint.received_at) >= start,
            col(Complaint.received_at) < end,
            col(Complaint.deleted_at).is_(None),
        )
        .order_by(col(Complaint.received_at))
    ).all()
    for cid, jid, received, answered, jteam, jassignee in complaint_rows:
        if team_id is None or (jid is not None and in_team(jteam, jassignee)):
            complaints.append((cid, jid, received, answered))

    year_start = date(year, 1, 1)
    month_end = business_date(end) - timedelta(days=1)
    licence: dict[str, list[tuple[date, str, str | None]]] = defaultdict(list)
    for engineer, occurred, kind, jid in session.execute(
        select(
            LicenceEvent.engineer_id,
            LicenceEvent.occurred_on,
            LicenceEvent.kind,
            LicenceEvent.job_id,
        )
        .where(
            col(LicenceEvent.occurred_on) >= year_start,
            col(LicenceEvent.occurred_on) <= month_end,
            col(LicenceEvent.deleted_at).is_(None),
        )
        .order_by(col(LicenceEvent.occurred_on), col(LicenceEvent.created_at))
    ):
        licence[engineer].append((occurred, kind, jid))

    wanted: set[str] = {j.assignee_id for j in jobs if j.assignee_id}
    for call in calls:
        rated = call.engineer_id or (
            call_jobs[call.job_id].assignee_id if call.job_id in call_jobs else None
        )
        if rated:
            wanted.add(rated)
    users = session.execute(
        select(User.id, User.login, User.display_name, User.role, User.team_id, User.active)
    ).all()
    engineers = sorted(
        (
            (uid, login, name)
            for uid, login, name, role, uteam, active in users
            if uid in wanted
            or (role == Role.ENGINEER and active and team_id is not None and uteam == team_id)
        ),
        key=lambda e: e[1],
    )
    return MonthData(
        year=year,
        month=month,
        start=start,
        end=end,
        now=moment,
        team_id=team_id,
        team_name=(team.name_zh if team else ""),
        jobs=jobs,
        calls=calls,
        call_jobs=call_jobs,
        called=called,
        faults=dict(faults),
        children=children,
        usages=usages,
        warranty_minutes=dict(warranty_minutes),
        parts=parts,
        customers=customers,
        machines=machines,
        earlier_visits=earlier_visits,
        complaints=complaints,
        licence=dict(licence),
        engineers=engineers,
        members=members,
        sample_rate=sample_rate,
    )


# --- one function per measure -------------------------------------------------------------
# Each takes the month's data and the jobs (or calls, complaints) of the row it is for.


def month_jobs(data: MonthData, jobs: Sequence[JobRow]) -> Figure:
    """The jobs whose report took effect in the month; cancelled or deleted ones after
    their approval are shown as excluded."""
    excluded = [
        Exclusion(j.id, DELETED if j.deleted else CANCELLED)
        for j in jobs
        if j.deleted or j.status not in LIVE_STATUSES
    ]
    counted = tuple(j.id for j in jobs if not j.deleted and j.status in LIVE_STATUSES)
    return Figure("jobs", len(counted), ids=counted, excluded=tuple(excluded))


class _LiveJobs(list[JobRow]):
    """A row's live jobs, picked once for all its figures (:func:`_live` hands them back
    as they are), with the row's repair visits once worked out."""

    repair_visits: tuple[list[kpi.RepairVisit], list[Exclusion]] | None = None


def _row_live(data: MonthData, jobs: Sequence[JobRow]) -> _LiveJobs:
    """The live ones of a row's jobs; the month's own, picked once (the company's row
    and the month's return repairs both read them)."""
    if jobs is not data.jobs:
        return _LiveJobs(_live(jobs))
    cached = data.__dict__.get("_live")
    if cached is None:
        cached = data.__dict__["_live"] = _LiveJobs(_live(jobs))
    return cached


def _live(jobs: Sequence[JobRow]) -> list[JobRow]:
    if isinstance(jobs, _LiveJobs):
        return jobs
    return [j for j in jobs if not j.deleted and j.status in LIVE_STATUSES]


@dataclass(frozen=True)
class CallsCounted:
    outcomes: list[kpi.FollowUpOutcome]
    excluded: list[Exclusion]

    @functools.cached_property
    def score(self) -> kpi.MonthlyScore:
        """The monthly score of the outcomes (worked out once for the row's figures)."""
        return kpi.monthly_score(self.outcomes)


_CALL_ORDER = attrgetter("called_at", "created_at", "id")
_SATISFACTIONS = {s.value: s for s in Satisfaction}


def counted_calls(calls: Sequence[CallRow]) -> CallsCounted:
    """The month's calls that rate the engineer: reached, with a satisfaction, the latest
    per job; the others are excluded with their reason."""
    excluded: list[Exclusion] = []
    latest: dict[str, CallRow] = {}
    # The times are aware (load_month reads them as UTC): they sort as instants.
    for call in sorted(calls, key=_CALL_ORDER):
        if not call.reached:
            excluded.append(Exclusion(call.job_id, NOT_REACHED))
        elif not call.satisfaction:
            excluded.append(Exclusion(call.job_id, NO_SATISFACTION))
        else:
            if call.job_id in latest:
                excluded.append(Exclusion(call.job_id, SUPERSEDED))
            latest[call.job_id] = call
    outcomes = [
        kpi.FollowUpOutcome(
            c.job_id, _SATISFACTIONS.get(c.satisfaction) or Satisfaction(c.satisfaction), c.praise
        )
        for c in latest.values()
        if c.satisfaction
    ]
    return CallsCounted(outcomes, excluded)


def follow_up_figures(
    data: MonthData, calls: Sequence[CallRow], counted: CallsCounted | None = None
) -> list[Figure]:
    """Seed 001's monthly score from the month's calls: the calls counted, the share of
    非常满意, the 不满意 and praise, and the score with its parts."""
    counted = counted or counted_calls(calls)
    outcomes = counted.outcomes
    ids = tuple(o.job_id for o in outcomes)
    excluded = tuple(counted.excluded)
    very = [o.job_id for o in outcomes if o.satisfaction == Satisfaction.VERY_SATISFIED]
    bad = [o.job_id for o in outcomes if o.satisfaction == Satisfaction.DISSATISFIED]
    praised = [o.job_id for o in outcomes if o.praise]
    score = counted.score
    share = _rate(len(very), len(outcomes))
    return [
        Figure("follow_ups", len(outcomes), ids=ids, excluded=excluded),
        Figure("very_satisfied_share", share, len(very), len(outcomes), ids, hits=tuple(very)),
        Figure("dissatisfied", len(bad), ids=tuple(bad)),
        Figure("praise", len(praised), ids=tuple(praised)),
        Figure(
            "score",
            score.total,
            ids=ids,
            excluded=excluded,
            detail={
                "praise": score.praise,
                "all_highly_satisfied": score.all_highly_satisfied,
                "very_satisfied": score.very_satisfied,
                "dissatisfied": score.dissatisfied,
            },
        ),
    ]


def service_bonus(
    data: MonthData,
    calls: Sequence[CallRow],
    jobs: Sequence[JobRow],
    rate: Decimal = kpi.DEFAULT_BONUS_RATE,
    counted: CallsCounted | None = None,
) -> Figure:
    """0.1 % of the amount of each job rated by a call this month, except the jobs of a
    不满意 call (withheld). The month's jobs not called yet are shown as excluded: their
    bonus comes with their call."""
    counted = counted or counted_calls(calls)
    outcomes = counted.outcomes
    score = counted.score
    amounts = {
        o.job_id: data.call_jobs[o.job_id].amount_cents
        for o in outcomes
        if o.job_id in data.call_jobs
    }
    bonus = kpi.service_bonus_cents(amounts, score.withheld_job_ids, rate)
    paid = tuple(j for j in amounts if j not in score.withheld_job_ids)
    excluded = [Exclusion(j, DISSATISFIED) for j in sorted(score.withheld_job_ids)]
    called = set(amounts)
    excluded += [
        Exclusion(j.id, NOT_CALLED_YET)
        for j in _live(jobs)
        if j.id not in called and j.id not in data.called
    ]
    return Figure(
        "bonus_cents",
        bonus,
        numerator=sum(amounts[j] for j in paid),
        ids=paid,
        excluded=tuple(excluded),
    )


def licence_points(data: MonthData, engineer_id: str) -> Figure:
    """The licence balance at the month's end (a yearly balance, seed 002), its level,
    and the month's own change."""
    events = data.licence.get(engineer_id, [])
    kinds = [LicenceEventKind(kind) for _, kind, _ in events]
    balance = kpi.licence_balance(kinds)
    month_start = business_date(data.start)
    before = kpi.licence_balance([LicenceEventKind(k) for on, k, _ in events if on < month_start])
    in_month = [(on, k, j) for on, k, j in events if on >= month_start]
    return Figure(
        "licence_points",
        balance,
        ids=tuple(j for _, _, j in in_month if j),
        text=str(kpi.licence_level(balance)),
        detail={"month_change": balance - before, "events": len(in_month)},
    )


def _reach(data: MonthData, job: JobRow) -> sla.RegionReach:
    _, _, home, remote = data.customers.get(job.customer_id, ("B", False, False, False))
    return sla.region_reach(home, remote)


def answer_on_time(data: MonthData, jobs: Sequence[JobRow]) -> Figure:
    """Calls answered within 4 hours of their receipt (the stored deadline, else the
    rule's); a job without an answer time is excluded, never counted as on time."""
    met: list[str] = []
    counted: list[str] = []
    excluded: list[Exclusion] = []
    for job in _live(jobs):
        if job.answered_at is None:
            excluded.append(Exclusion(job.id, NO_ANSWER_TIME))
            continue
        due = job.answer_due_at or job.received_at + sla.DEFAULT_SLA.answer_within
        counted.append(job.id)
        if sla.deadline_state(due, job.answered_at, data.now) == sla.DeadlineState.MET:
            met.append(job.id)
    return Figure(
        "answer_on_time",
        _rate(len(met), len(counted)),
        len(met),
        len(counted),
        tuple(counted),
        tuple(excluded),
        hits=tuple(met),
    )


def on_site_on_time(data: MonthData, jobs: Sequence[JobRow]) -> Figure:
    """Arrivals by the on-site deadline: urgent calls 2 h at home, 24 h elsewhere, 5 days
    in remote areas, other jobs the agreed time; no arrival time: excluded."""
    met: list[str] = []
    counted: list[str] = []
    excluded: list[Exclusion] = []
    for job in _live(jobs):
        if job.arrived_at is None:
            excluded.append(Exclusion(job.id, NO_ARRIVAL_TIME))
            continue
        due = job.on_site_due_at or (
            sla.job_deadlines(
                job.received_at, job.urgency, _reach(data, job), appointment_at=job.appointment_at
            ).on_site_by
        )
        counted.append(job.id)
        if sla.deadline_state(due, job.arrived_at, data.now) == sla.DeadlineState.MET:
            met.append(job.id)
    return Figure(
        "on_site_on_time",
        _rate(len(met), len(counted)),
        len(met),
        len(counted),
        tuple(counted),
        tuple(excluded),
        hits=tuple(met),
    )


def complaint_answer_on_time(
    data: MonthData, complaints: Sequence[tuple[str, str | None, datetime, datetime | None]]
) -> Figure:
    """The month's complaints answered within 4 hours (3 h 59 min is, 4 h 01 min is not);
    one not answered yet is late once its 4 hours are over, else excluded for now."""
    met: list[str] = []
    counted: list[str] = []
    excluded: list[Exclusion] = []
    for cid, _, received, answered in complaints:
        if answered is None:
            if as_utc(data.now) <= follow_up_rules.answer_due(received):
                excluded.append(Exclusion(cid, NO_ANSWER_TIME))
                continue
            counted.append(cid)  # past its 4 hours without an answer: late
            continue
        counted.append(cid)
        if follow_up_rules.answered_on_time(received, answered):
            met.append(cid)
    return Figure(
        "complaint_answer_on_time",
        _rate(len(met), len(counted)),
        len(met),
        len(counted),
        tuple(counted),
        tuple(excluded),
        hits=tuple(met),
    )


def _job_visits(data: MonthData, job: JobRow) -> list[kpi.RepairVisit] | None:
    """The repair visits of one of the month's jobs (one per assembly repaired), None
    for a repair without a fault; worked out once per job."""
    cache: dict[str, list[kpi.RepairVisit] | None] = data.__dict__.setdefault("_job_visits", {})
    if job.id not in cache:
        faults = data.faults.get(job.id, [])
        if not faults:
            cache[job.id] = None
        else:
            if len(faults) == 1:  # most jobs: one fault, one assembly
                fixed = faults[0].fixed
                assemblies: Iterable[str] = (faults[0].assembly,)
            else:
                fixed = all(f.fixed for f in faults)
                assemblies = sorted({f.assembly for f in faults})
            fixed = fixed and job.id not in data.children
            done = business_date(job.completed_at or job.approved_at or job.received_at)
            cache[job.id] = [
                kpi.RepairVisit(job.id, job.machine_id or "", assembly, done, fixed)
                for assembly in assemblies
            ]
    return cache[job.id]


def _repair_visits(
    data: MonthData, jobs: Sequence[JobRow]
) -> tuple[list[kpi.RepairVisit], list[Exclusion]]:
    """The repair visits of the live jobs and the repairs without a fault (once per row:
    first-time fix and return repairs both read them; the lists are not to be changed)."""
    if isinstance(jobs, _LiveJobs) and jobs.repair_visits is not None:
        return jobs.repair_visits
    visits: list[kpi.RepairVisit] = []
    excluded: list[Exclusion] = []
    known: dict[str, list[kpi.RepairVisit] | None] = data.__dict__.get("_job_visits", {})
    for job in _live(jobs):
        if job.job_type not in REPAIR_TYPES:
            continue
        mine = known[job.id] if job.id in known else _job_visits(data, job)
        if mine is None:
            excluded.append(Exclusion(job.id, NO_FAULT))
        else:
            visits.extend(mine)
    if isinstance(jobs, _LiveJobs):
        jobs.repair_visits = (visits, excluded)
    return visits, excluded


def first_time_fix(data: MonthData, jobs: Sequence[JobRow]) -> Figure:
    """Repairs fixed in one visit: every fault fixed and no follow-up job (seed 001)."""
    visits, excluded = _repair_visits(data, jobs)
    by_job: dict[str, bool] = {}
    for visit in visits:
        by_job[visit.job_id] = visit.fixed_first_time
    fixed = tuple(j for j, ok in by_job.items() if ok)
    return Figure(
        "first_time_fix",
        _rate(len(fixed), len(by_job)),
        len(fixed),
        len(by_job),
        tuple(by_job),
        tuple(excluded),
        hits=fixed,
    )


def return_repairs(data: MonthData, jobs: Sequence[JobRow]) -> Figure:
    """返修: a repair of the month on the same assembly of the same machine as a repair
    completed at most 30 days before (day 30 counts, day 31 does not)."""
    visits, without_fault = _repair_visits(data, jobs)
    excluded = list(without_fault)
    kept: list[kpi.RepairVisit] = []
    by_id = data.jobs_by_id
    for visit in visits:
        if not visit.machine_id:
            excluded.append(Exclusion(visit.job_id, NO_MACHINE))
        elif by_id[visit.job_id].completed_at is None:
            excluded.append(Exclusion(visit.job_id, NO_COMPLETION))
        else:
            kept.append(visit)
    kept_ids = {v.job_id for v in kept}
    pairs = [p for p in _month_return_pairs(data) if p[1] in kept_ids]
    later = tuple(dict.fromkeys(later for _, later in pairs))
    unique_excluded = tuple(dict.fromkeys(excluded))
    return Figure(
        "return_repairs",
        len(later),
        ids=later,
        excluded=unique_excluded,
        detail={"pairs": len(pairs)},
    )


def _month_return_pairs(data: MonthData) -> list[tuple[str, str]]:
    """Every (earlier, later) return-repair pair whose later visit is in the month,
    found once for the month: a return may follow another engineer's visit."""
    cached = data.__dict__.get("_pairs")
    if cached is None:
        visits, _ = _repair_visits(data, _row_live(data, data.jobs))
        by_id = data.jobs_by_id
        month = [v for v in visits if v.machine_id and by_id[v.job_id].completed_at]
        everything = month + [v for v in data.earlier_visits if v.machine_id]
        in_month = {v.job_id for v in month}
        cached = [p for p in kpi.return_repairs(everything) if p[1] in in_month]
        data.__dict__["_pairs"] = cached
    return cached


def complaints_count(
    data: MonthData, complaints: Sequence[tuple[str, str | None, datetime, datetime | None]]
) -> Figure:
    return Figure("complaints", len(complaints), ids=tuple(c[0] for c in complaints))


def omissions(data: MonthData, jobs: Sequence[JobRow]) -> list[Exclusion]:
    """服务遗漏 (seed 002, four nothing-missed): a fault recorded but neither fixed nor
    followed by another job; a job due for a call (grade A/B, key customer, grade-C
    sample) still without any call a week after its approval."""
    found: list[Exclusion] = []
    cache: dict[str, tuple[Exclusion, ...]] = data.__dict__.setdefault("_omissions", {})
    for job in _live(jobs):
        known = cache.get(job.id)
        found.extend(_job_omissions(data, job) if known is None else known)
    return found


def _job_omissions(data: MonthData, job: JobRow) -> tuple[Exclusion, ...]:
    """One live job's omissions, worked out once (the team's row and its engineer's)."""
    cache: dict[str, tuple[Exclusion, ...]] = data.__dict__.setdefault("_omissions", {})
    found = cache.get(job.id)
    if found is not None:
        return found
    found = ()
    faults = data.faults.get(job.id, [])
    if any(not f.fixed for f in faults) and job.id not in data.children:
        found = (Exclusion(job.id, FAULT_NOT_HANDLED),)
    late = job.approved_at is not None and data.now - job.approved_at > FOLLOW_UP_GRACE
    if late and job.id not in data.called:  # the sample's hash only for the jobs it decides
        grade, key, _, _ = data.customers.get(job.customer_id, ("B", False, False, False))
        if follow_up_rules.due_reason(job.id, grade, key, data.sample_rate) is not None:
            found = (*found, Exclusion(job.id, CALL_MISSING))
    cache[job.id] = found
    return found


def three_controls(
    data: MonthData,
    jobs: Sequence[JobRow],
    calls: Sequence[CallRow],
    complaints: Sequence[tuple[str, str | None, datetime, datetime | None]],
    counted: CallsCounted | None = None,
) -> list[Figure]:
    """Complaints per job, 不满意 per call, omissions per job, in PPM, each with its
    numerator and denominator (seed 002: each below 10 PPM)."""
    live = _live(jobs)
    outcomes = (counted or counted_calls(calls)).outcomes
    bad = [o.job_id for o in outcomes if o.satisfaction == Satisfaction.DISSATISFIED]
    missed = omissions(data, jobs)
    controls = kpi.three_controls(
        jobs=len(live),
        complaints=len(complaints),
        dissatisfied=len(bad),
        follow_ups=len(outcomes),
        omissions=len(missed),
    )
    return [
        Figure(
            "complaint_ppm",
            controls.complaint_ppm,
            len(complaints),
            len(live),
            tuple(c[0] for c in complaints),
        ),
        Figure(
            "dissatisfaction_ppm", controls.dissatisfaction_ppm, len(bad), len(outcomes), tuple(bad)
        ),
        Figure(
            "omission_ppm",
            controls.omission_ppm,
            len(missed),
            len(live),
            tuple(dict.fromkeys(m.id for m in missed)),
            detail=dict(Counter(m.reason for m in missed)),
        ),
    ]


def warranty_cost(
    data: MonthData,
    jobs: Sequence[JobRow],
    labour_rate_cents: int = DEFAULT_LABOUR_RATE_CENTS_PER_HOUR,
) -> Figure:
    """What the warranty (三包) covered: warranty parts at their price and warranty labour
    at the labour rate."""
    covered_of = data.warranty_parts_cents
    parts = 0
    minutes = 0
    counted: list[str] = []
    for job in _live(jobs):
        covered = covered_of.get(job.id, 0)
        spent = data.warranty_minutes.get(job.id, 0)
        parts += covered
        minutes += spent
        if covered or spent:
            counted.append(job.id)
    labour = round(minutes * labour_rate_cents / 60)
    return Figure(
        "warranty_cost_cents",
        parts + labour,
        ids=tuple(counted),
        detail={"parts_cents": parts, "labour_cents": labour, "labour_minutes": minutes},
    )


def parts_used(data: MonthData, jobs: Sequence[JobRow]) -> Figure:
    usages = data.usages_by_job
    mine = [u for job in _live(jobs) for u in usages.get(job.id, ())]
    return Figure(
        "parts_used",
        sum(u[2] for u in mine),
        ids=tuple(dict.fromkeys(u[0] for u in mine)),
        detail={
            "warranty": sum(u[2] for u in mine if u[4]),
            "chargeable": sum(u[2] for u in mine if not u[4]),
        },
    )


def row_figures(
    data: MonthData,
    jobs: Sequence[JobRow],
    calls: Sequence[CallRow],
    complaints: Sequence[tuple[str, str | None, datetime, datetime | None]],
    engineer_id: str | None,
) -> dict[str, Figure]:
    """Every figure of one row of the table: an engineer's, or the team's."""
    counted = counted_calls(calls)
    live = _row_live(data, jobs)  # every figure but the jobs' own counts only these
    figures = [
        month_jobs(data, jobs),
        *follow_up_figures(data, calls, counted),
        service_bonus(data, calls, live, counted=counted),
        licence_points(data, engineer_id) if engineer_id else Figure("licence_points", None),
        answer_on_time(data, live),
        on_site_on_time(data, live),
        complaint_answer_on_time(data, complaints),
        first_time_fix(data, live),
        return_repairs(data, live),
        complaints_count(data, complaints),
        *three_controls(data, live, calls, complaints, counted),
        warranty_cost(data, live),
        parts_used(data, live),
    ]
    return {f.key: f for f in figures}


# --- the team's tables: jobs by type, parts, quality feedback -----------------------------


@dataclass(frozen=True)
class Table:
    """A table of the month: its columns (codes), rows of values, and for each row the
    ids it counts (the drill-down)."""

    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    ids: tuple[tuple[str, ...], ...] = ()
    key_columns: int = 1  # the leading columns that name a row
    excluded: tuple[Exclusion, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "columns": list(self.columns),
            "rows": [list(r) for r in self.rows],
            "ids": [list(i) for i in self.ids],
            "key_columns": self.key_columns,
            "excluded": [[e.id, e.reason] for e in self.excluded],
        }


def jobs_by_type(data: MonthData) -> Table:
    groups: dict[str, list[str]] = defaultdict(list)
    for job in data.live_jobs:
        groups[job.job_type].append(job.id)
    order = [t.value for t in JobType] + sorted(set(groups) - {t.value for t in JobType})
    rows = [(t, len(groups[t])) for t in order if groups.get(t)]
    return Table(
        "jobs_by_type",
        ("job_type", "jobs"),
        tuple(rows),
        tuple(tuple(groups[t]) for t, _ in rows),
    )


def parts_table(data: MonthData) -> Table:
    live = {j.id for j in data.live_jobs}
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    jobs: dict[str, list[str]] = defaultdict(list)
    for jid, pid, quantity, price, warranty in data.usages:
        if jid not in live:
            continue
        entry = totals[pid]
        entry[0] += quantity
        entry[1] += quantity if warranty else 0
        entry[2] += quantity * price
        jobs[pid].append(jid)
    order = sorted(totals, key=lambda p: (-totals[p][0], data.parts.get(p, (p, "", ""))[0]))
    rows = [
        (*data.parts.get(p, (p, "", "")), totals[p][0], totals[p][1], totals[p][2]) for p in order
    ]
    return Table(
        "parts_used",
        ("part_no", "name_zh", "name_en", "quantity", "warranty_quantity", "value_cents"),
        tuple(rows),
        tuple(tuple(dict.fromkeys(jobs[p])) for p in order),
    )


class FaultFact(NamedTuple):
    """One fault as the quality feedback sees it."""

    id: str
    job_id: str
    model: str
    assembly: str
    misuse: bool


def pareto(facts: Iterable[FaultFact]) -> Table:
    """Faults by model and component, most frequent first, with each group's share and
    the cumulative share (the Pareto chart); operator misuse and faults without a model
    are excluded and counted."""
    counts: dict[tuple[str, str], list[str]] = defaultdict(list)
    excluded: list[Exclusion] = []
    for fact in facts:
        if fact.misuse:
            excluded.append(Exclusion(fact.job_id, MISUSE))
        elif not fact.model:
            excluded.append(Exclusion(fact.job_id, NO_MODEL))
        else:
            counts[(fact.model, fact.assembly)].append(fact.job_id)
    total = sum(len(v) for v in counts.values())
    order = sorted(counts, key=lambda k: (-len(counts[k]), k))
    rows = []
    running = 0
    for key in order:
        running += len(counts[key])
        rows.append((key[0], key[1], len(counts[key]), len(counts[key]) / total, running / total))
    return Table(
        "pareto",
        ("model", "assembly", "faults", "share", "cumulative_share"),
        tuple(rows),
        tuple(tuple(dict.fromkeys(counts[k])) for k in order),
        key_columns=2,
        excluded=tuple(excluded),
    )


def month_fault_facts(data: MonthData) -> list[FaultFact]:
    facts = []
    for job in data.live_jobs:
        for fault in data.faults.get(job.id, []):
            machine = data.machines.get(fault.machine_id or job.machine_id or "")
            model = machine[1] if machine else job.reported_model
            facts.append(FaultFact(fault.id, job.id, model, fault.assembly, fault.misuse))
    return facts


def fault_pareto(
    session: Session, start: datetime, end: datetime, team_id: str | None = None
) -> tuple[Table, dict[str, int]]:
    """The Pareto of the faults of the jobs received in [start, end) (a year for the
    quality pack), grouped by the database; a group's jobs come from
    :func:`fault_group_jobs` when it is tapped. Misuse and faults without a model are
    counted as excluded."""
    model = func.coalesce(ProductModel.code, Job.reported_model, "")
    statement = (
        select(model, Fault.assembly, Fault.misuse, func.count())
        .join(Job, col(Job.id) == col(Fault.job_id))
        .outerjoin(Machine, col(Machine.id) == func.coalesce(Fault.machine_id, Job.machine_id))
        .outerjoin(ProductModel, col(ProductModel.id) == col(Machine.model_id))
        .where(*_fault_window(start, end, team_id))
        .group_by(model, col(Fault.assembly), col(Fault.misuse))
    )
    counts: dict[tuple[str, str], int] = defaultdict(int)
    misuse = missing = 0
    for code, assembly, misused, number in session.execute(statement):
        if misused:
            misuse += number
        elif not code:
            missing += number
        else:
            counts[(code, assembly)] += number
    total = sum(counts.values())
    order = sorted(counts, key=lambda k: (-counts[k], k))
    rows = []
    running = 0
    for key in order:
        running += counts[key]
        rows.append((key[0], key[1], counts[key], counts[key] / total, running / total))
    return Table(
        "pareto",
        ("model", "assembly", "faults", "share", "cumulative_share"),
        tuple(rows),
        tuple(() for _ in rows),
        key_columns=2,
        excluded=(),
    ), {MISUSE: misuse, NO_MODEL: missing}


def _fault_window(start: datetime, end: datetime, team_id: str | None) -> list[Any]:
    conditions = [
        col(Job.received_at) >= start,
        col(Job.received_at) < end,
        col(Fault.deleted_at).is_(None),
        col(Job.deleted_at).is_(None),
        Job.status != JobStatus.CANCELLED,
    ]
    if team_id is not None:
        members = select(User.id).where(User.team_id == team_id)
        conditions.append((col(Job.team_id) == team_id) | col(Job.assignee_id).in_(members))
    return conditions


def fault_group_jobs(
    session: Session,
    start: datetime,
    end: datetime,
    model: str,
    assembly: str,
    team_id: str | None = None,
) -> list[str]:
    """The jobs of one bar of :func:`fault_pareto` (the drill-down)."""
    code = func.coalesce(ProductModel.code, Job.reported_model, "")
    return list(
        dict.fromkeys(
            session.exec(
                select(Job.id)
                .join(Fault, col(Fault.job_id) == col(Job.id))
                .outerjoin(
                    Machine, col(Machine.id) == func.coalesce(Fault.machine_id, Job.machine_id)
                )
                .outerjoin(ProductModel, col(ProductModel.id) == col(Machine.model_id))
                .where(
                    *_fault_window(start, end, team_id),
                    code == model,
                    Fault.assembly == assembly,
                    col(Fault.misuse).is_(False),
                )
                .order_by(col(Job.received_at))
            ).all()
        )
    )


def repeat_repairs(session: Session, data: MonthData) -> Table:
    """A component of one machine repaired more than once in the year up to the month's
    end (多次维修): the machine, the component, how often, and the jobs. Grouped by the
    database: a year of faults never crosses into Python, only the repeated ones."""
    start = data.end - REPEAT_WINDOW
    machine = func.coalesce(Fault.machine_id, Job.machine_id)
    conditions = [
        col(Job.completed_at) >= start,
        col(Job.completed_at) < data.end,
        col(Job.job_type).in_(list(REPAIR_TYPES)),
        col(Job.status).in_(list(FINISHED)),
        col(Job.deleted_at).is_(None),
        col(Fault.deleted_at).is_(None),
        col(Fault.misuse).is_(False),
        machine.is_not(None),
    ]
    if data.team_id is not None:
        conditions.append(
            (col(Job.team_id) == data.team_id) | col(Job.assignee_id).in_(list(data.members))
        )
    repeated = session.execute(
        select(machine, Fault.assembly)
        .join(Job, col(Job.id) == col(Fault.job_id))
        .where(*conditions)
        .group_by(machine, col(Fault.assembly))
        .having(func.count(func.distinct(Job.id)) > 1)
    ).all()
    wanted = {(mid, assembly) for mid, assembly in repeated}
    groups: dict[tuple[str, str, str], dict[str, None]] = defaultdict(dict)
    for chunk in _chunks({mid for mid, _ in wanted}):
        for mid, serial, model, assembly, jid in session.execute(
            select(machine, Machine.serial, ProductModel.code, Fault.assembly, Job.id)
            .join(Job, col(Job.id) == col(Fault.job_id))
            .join(Machine, col(Machine.id) == machine)
            .join(ProductModel, col(ProductModel.id) == col(Machine.model_id))
            .where(*conditions, machine.in_(chunk))
            .order_by(col(Job.completed_at))
        ):
            if (mid, assembly) in wanted:
                groups[(serial, model, assembly)][jid] = None
    order = sorted(groups, key=lambda k: (-len(groups[k]), k))
    return Table(
        "repeat_repairs",
        ("serial", "model", "assembly", "repairs"),
        tuple((*k, len(groups[k])) for k in order),
        tuple(tuple(groups[k]) for k in order),
        key_columns=3,
    )


def hours_between_faults(session: Session, data: MonthData) -> Table:
    """Mean operating hours between faults per model: the fleet's hours (each machine's
    last hour-meter reading up to the month's end) over its faults (not misuse) up to
    then. A model's machines without a reading are left out and counted."""
    end = data.end
    hours = dict(
        session.execute(
            select(HourMeterReading.machine_id, func.max(HourMeterReading.hours))
            .where(col(HourMeterReading.read_at) < end, col(HourMeterReading.deleted_at).is_(None))
            .group_by(col(HourMeterReading.machine_id))
        ).all()
    )
    faults = dict(
        session.execute(
            select(Machine.id, func.count(col(Fault.id)))
            .join(Job, col(Job.id) == col(Fault.job_id))
            .join(Machine, col(Machine.id) == func.coalesce(Fault.machine_id, Job.machine_id))
            .where(
                col(Job.received_at) < end,
                col(Fault.deleted_at).is_(None),
                col(Fault.misuse).is_(False),
                col(Job.deleted_at).is_(None),
            )
            .group_by(col(Machine.id))
        ).all()
    )
    fleet: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0, 0, 0])
    for mid, code in session.execute(
        select(Machine.id, ProductModel.code)
        .join(ProductModel, col(ProductModel.id) == col(Machine.model_id))
        .where(col(Machine.deleted_at).is_(None))
    ):
        if mid not in faults and mid not in hours:
            continue
        entry = fleet[code]
        if mid not in hours:
            # Faults on a machine without a reading cannot be spread over hours: left
            # out of the mean, and counted.
            entry[3] += 1
            entry[4] += faults.get(mid, 0)
            continue
        entry[0] += 1
        entry[1] += float(hours[mid])
        entry[2] += faults.get(mid, 0)
    rows = []
    for code in sorted(fleet):
        machines, total, count, unread, unread_faults = fleet[code]
        mean = None if not count else round(total / count, 1)
        rows.append(
            (
                code,
                int(machines),
                round(total, 1),
                int(count),
                mean,
                int(unread),
                int(unread_faults),
            )
        )
    return Table(
        "hours_between_faults",
        (
            "model",
            "machines",
            "hours",
            "faults",
            "mean_hours",
            "machines_without_reading",
            "faults_without_reading",
        ),
        tuple(rows),
        tuple(() for _ in rows),
    )


# --- the month ----------------------------------------------------------------------------


@dataclass(frozen=True)
class EngineerMeasures:
    engineer_id: str
    login: str
    name: str
    figures: dict[str, Figure]


@dataclass(frozen=True)
class MonthMeasures:
    month: str
    team_id: str | None
    team_name: str
    computed_at: datetime
    team: dict[str, Figure]
    engineers: list[EngineerMeasures]
    tables: dict[str, Table]
    job_numbers: dict[str, str]  # job id -> number, for every id a figure names

    def engineer(self, login: str) -> EngineerMeasures:
        return next(e for e in self.engineers if e.login == login)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (the CLI's, the snapshot's): plain values, stable order."""
        return {
            "month": self.month,
            "team_id": self.team_id,
            "team_name": self.team_name,
            "computed_at": as_utc(self.computed_at).isoformat(),
            "team": {k: f.to_dict() for k, f in self.team.items()},
            "engineers": [
                {
                    "engineer_id": e.engineer_id,
                    "login": e.login,
                    "name": e.name,
                    "figures": {k: f.to_dict() for k, f in e.figures.items()},
                }
                for e in self.engineers
            ],
            "tables": {k: t.to_dict() for k, t in self.tables.items()},
            "job_numbers": dict(sorted(self.job_numbers.items())),
        }


@_bulk
def month_measures(
    session: Session,
    month: str,
    *,
    team_id: str | None = None,
    now: datetime | None = None,
    sample_rate: Fraction | None = None,
    quality: bool = True,
) -> MonthMeasures:
    """Every measure of the month, per engineer and for the team (or the company when
    ``team_id`` is None). ``quality`` False skips the year-long quality tables."""
    year, number = parse_month(month)
    data = load_month(session, year, number, team_id=team_id, now=now, sample_rate=sample_rate)
    jobs_of: dict[str, list[JobRow]] = defaultdict(list)
    for job in data.jobs:
        if job.assignee_id:
            jobs_of[job.assignee_id].append(job)
    calls_of: dict[str, list[CallRow]] = defaultdict(list)
    for call in data.calls:
        engineer = call.engineer_id or (
            data.call_jobs[call.job_id].assignee_id if call.job_id in data.call_jobs else None
        )
        if engineer:
            calls_of[engineer].append(call)
    assignee = {j.id: j.assignee_id for j in data.jobs} | {
        j.id: j.assignee_id for j in data.call_jobs.values()
    }
    complaints_of: dict[str, list[tuple[str, str | None, datetime, datetime | None]]] = defaultdict(
        list
    )
    for complaint in data.complaints:
        who = assignee.get(complaint[1] or "")
        if who is None and complaint[1]:
            who = session.exec(select(Job.assignee_id).where(Job.id == complaint[1])).first()
        if who:
            complaints_of[who].append(complaint)
    engineers = [
        EngineerMeasures(
            uid,
            login,
            name,
            row_figures(
                data, jobs_of.get(uid, []), calls_of.get(uid, []), complaints_of.get(uid, []), uid
            ),
        )
        for uid, login, name in data.engineers
    ]
    team = row_figures(data, data.jobs, data.calls, data.complaints, None)
    team.update(_team_sums(engineers, team))
    tables = {
        "jobs_by_type": jobs_by_type(data),
        "parts_used": parts_table(data),
        "pareto": pareto(month_fault_facts(data)),
    }
    if quality:
        tables["repeat_repairs"] = repeat_repairs(session, data)
        tables["hours_between_faults"] = hours_between_faults(session, data)
    numbers = {j.id: j.number for j in data.jobs} | {
        j.id: j.number for j in data.call_jobs.values()
    }
    named: set[str] = set()
    for figure in team.values():
        named.update(figure.ids)
        named.update(e.id for e in figure.excluded)
    for table in tables.values():
        for ids in table.ids:
            named.update(ids)
    missing = named - numbers.keys()
    for condition in _in_ids(session, Job.id, missing):
        numbers.update(dict(session.execute(select(Job.id, Job.number).where(condition)).all()))
    return MonthMeasures(
        month=month,
        team_id=team_id,
        team_name=data.team_name,
        computed_at=data.now,
        team=team,
        engineers=engineers,
        tables=tables,
        job_numbers=numbers,
    )


def _team_sums(engineers: Sequence[EngineerMeasures], team: dict[str, Figure]) -> dict[str, Figure]:
    """The score and the bonus are the engineer's: the team's are their sums (a score
    over everyone's calls together would grade nobody)."""
    sums: dict[str, Figure] = {}
    for key in ("score", "bonus_cents"):
        rows = [e.figures[key] for e in engineers]
        detail: Counter[str] = Counter()
        for figure in rows:
            detail.update(figure.detail)
        sums[key] = Figure(
            key,
            sum(int(f.value or 0) for f in rows),
            numerator=sum(f.numerator or 0 for f in rows) if key == "bonus_cents" else None,
            ids=tuple(dict.fromkeys(i for f in rows for i in f.ids)),
            excluded=tuple(dict.fromkeys(e for f in rows for e in f.excluded)),
            detail=dict(detail),
        )
    return sums


# --- the engineer's score (kept for the callers of the first version) ---------------------


@dataclass(frozen=True)
class EngineerMonth:
    engineer_id: str
    follow_ups: int
    score: kpi.MonthlyScore
    bonus_cents: int


def engineer_month(
    session: Session,
    engineer_id: str,
    year: int,
    month: int,
    rate: Any = kpi.DEFAULT_BONUS_RATE,
) -> EngineerMonth:
    """The engineer's follow-up score and service bonus for a month: the same counting
    as :func:`month_measures` (:func:`counted_calls`, :func:`service_bonus`)."""
    data = load_month(session, year, month)
    calls = [
        c
        for c in data.calls
        if (
            c.engineer_id or (data.call_jobs.get(c.job_id) and data.call_jobs[c.job_id].assignee_id)
        )
        == engineer_id
    ]
    outcomes = counted_calls(calls).outcomes
    bonus = service_bonus(data, calls, [], Decimal(rate))
    return EngineerMonth(
        engineer_id, len(outcomes), kpi.monthly_score(outcomes), int(bonus.value or 0)
    )


# --- tables as text: the engineer table and the CSV ----------------------------------------


def engineer_table(measures: MonthMeasures) -> Table:
    """The per-engineer table with the team's row last: the values of every figure."""
    rows = [
        (e.login, e.name, *(figure_cell(e.figures[k]) for k in FIGURE_KEYS))
        for e in measures.engineers
    ]
    rows.append(
        ("", measures.team_name or "*", *(figure_cell(measures.team[k]) for k in FIGURE_KEYS))
    )
    ids = [tuple(e.figures["jobs"].ids) for e in measures.engineers] + [
        tuple(measures.team["jobs"].ids)
    ]
    return Table("engineers", ("login", "name", *FIGURE_KEYS), tuple(rows), tuple(ids))


def figure_cell(figure: Figure) -> Any:
    if figure.value is None:
        return None
    if figure.key in RATE_KEYS:
        return round(float(figure.value), 4)
    if figure.key in PPM_KEYS:
        return round(float(figure.value), 1)
    return figure.value


def exclusions_table(measures: MonthMeasures) -> Table:
    """Every row a figure of the team left out, and why."""
    rows = []
    for key in FIGURE_KEYS:
        for exclusion in measures.team[key].excluded:
            rows.append(
                (key, measures.job_numbers.get(exclusion.id, exclusion.id), exclusion.reason)
            )
    for table in measures.tables.values():
        for exclusion in table.excluded:
            rows.append(
                (table.name, measures.job_numbers.get(exclusion.id, exclusion.id), exclusion.reason)
            )
    return Table("exclusions", ("figure", "job", "reason"), tuple(rows), key_columns=3)


def format_value(key: str, value: Any) -> str:
    """A figure as text, the same on the screen, in the PDF and in the CSV."""
    if value is None:
        return "—"
    if key in RATE_KEYS or key in {"share", "cumulative_share"}:
        return f"{float(value) * 100:.1f}%"
    if key in PPM_KEYS:
        return f"{float(value):.1f}"
    if key in MONEY_KEYS or key.endswith("_cents"):
        return f"{int(value) / 100:.2f}"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def cell_text(column: str, value: Any) -> str:
    """A cell of a table as text: the screen's, the PDF's and the CSV's."""
    if isinstance(value, str):
        return value
    return format_value(column, value)


def csv_text(table: Table, headers: Sequence[str] | None = None) -> str:
    """The table as CSV, UTF-8 with a BOM so that Excel reads Chinese right; values as
    :func:`format_value` writes them on the screen."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(list(headers) if headers is not None else list(table.columns))
    for row in table.rows:
        writer.writerow([cell_text(c, v) for c, v in zip(table.columns, row, strict=True)])
    return out.getvalue()


def all_tables(measures: MonthMeasures) -> list[Table]:
    """Every table of the month, in the order of the report."""
    return [engineer_table(measures), *measures.tables.values(), exclusions_table(measures)]


__all__ = [
    "BUSINESS_TZ",
    "FIGURE_KEYS",
    "EngineerMeasures",
    "EngineerMonth",
    "Exclusion",
    "Figure",
    "MonthMeasures",
    "Table",
    "all_tables",
    "csv_text",
    "engineer_month",
    "engineer_table",
    "format_value",
    "month_bounds",
    "month_measures",
]
