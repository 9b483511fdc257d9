"""The follow-up call (回访) after a job is approved: the queue of calls due, a call
recorded (reached or not, satisfaction, praise, comment, a complaint), and the job
closed through its state machine (approved → closed).

A call is one ``followup`` row (append-only): an unanswered call is a row with
``reached`` false, so the attempts are counted from the rows themselves and sync like
them. After :data:`~fieldapp.rules.follow_up.MAX_ATTEMPTS` unanswered calls the job is
closed as not reached (the register says so), so it leaves the queue without a score.

The grade-C sample rate is the company's, not a device's: ``follow_up_sample_percent``
of the company profile (catalogue bucket, on every device), so two clerks' queues pick
the same jobs. The office sets it (:func:`set_sample_percent`) and it syncs like any
change; without a profile (before the first sync) the default rate applies.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction

from sqlmodel import Session, col

from fieldapp.clock import as_utc
from fieldapp.company import company_profile
from fieldapp.models import (
    CompanyProfile,
    Complaint,
    Customer,
    Fault,
    FollowUp,
    Job,
    Machine,
    Part,
    PartUsage,
    ProductModel,
    Region,
    User,
)
from fieldapp.models.enums import JobEventKind, JobStatus, Role, Satisfaction
from fieldapp.rules import follow_up as rules
from fieldapp.services.common import DomainError, live_rows
from fieldapp.services.complaints import open_complaint
from fieldapp.services.jobs import transition

log = logging.getLogger(__name__)

CALLER_ROLES = frozenset({Role.CLERK, Role.SUPERVISOR, Role.ADMIN})
#: Who sets the company's sample rate: the office and the managers (HQ agrees:
#: sync/hq/scope.py ``OFFICE_SETTINGS``).
RATE_SETTER_ROLES = CALLER_ROLES


@dataclass(frozen=True)
class QueueItem:
    """An approved job due for its call, with what the clerk tells the customer."""

    job: Job
    customer: Customer
    region_grade: str
    reason: rules.DueReason
    engineer: User | None
    machine: Machine | None
    model: ProductModel | None
    faults: list[Fault]
    parts: list[tuple[PartUsage, Part]]
    calls: list[FollowUp]  # earlier attempts, oldest first
    state: rules.CallState

    @property
    def phone(self) -> str:
        return self.job.contact_phone or self.customer.phone

    @property
    def contact(self) -> str:
        return self.job.contact_name or self.customer.contact_name


@dataclass(frozen=True)
class FollowUpQueue:
    items: list[QueueItem]  # due now first, then those to try again later
    not_sampled: list[Job] = field(default_factory=list)  # grade C, outside the sample


def _approved_at(job: Job) -> datetime:
    return as_utc(job.completed_at or job.received_at)


def sample_percent(session: Session) -> int:
    """The company's grade-C sample rate in percent (0-100): the company profile's,
    else the default."""
    profile = company_profile(session)
    if profile is None:
        return int(rules.DEFAULT_SAMPLE_RATE * 100)
    return min(max(profile.follow_up_sample_percent, 0), 100)


def company_sample_rate(session: Session) -> Fraction:
    """The company's grade-C sample rate as a fraction (:func:`sample_percent`)."""
    return Fraction(sample_percent(session), 100)


def set_sample_percent(session: Session, actor: User, percent: int) -> CompanyProfile:
    """Set the company's grade-C sample rate (a whole percent, 0-100) on the company
    profile: every device's queue follows once it syncs. The profile is HQ's to
    create, so before the first sync there is nothing to set."""
    if Role(actor.role) not in RATE_SETTER_ROLES:
        raise DomainError("forbidden_role", "Only the office sets the follow-up sample rate.")
    if isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100:
        raise DomainError("bad_sample_rate", "The sample rate is a percentage from 0 to 100.")
    profile = company_profile(session)
    if profile is None:
        raise DomainError(
            "no_company_profile",
            "HQ has not sent the company profile yet: sync, then set the sample rate.",
        )
    if profile.follow_up_sample_percent != percent:
        profile.follow_up_sample_percent = percent
        session.add(profile)
        session.flush()
        log.info("Follow-up sample rate set to %d %% by %s", percent, actor.login)
    return profile


def follow_up_queue(session: Session, now: datetime, rate: Fraction | None = None) -> FollowUpQueue:
    """Every approved job due for a call; key customers first, then those that waited
    longest. Jobs whose last unanswered call was recent come after the others. The
    grade-C sample is the company's rate (:func:`company_sample_rate`) unless ``rate``
    is given."""
    if rate is None:
        rate = company_sample_rate(session)
    jobs = live_rows(session, Job, Job.status == JobStatus.APPROVED)
    if not jobs:
        return FollowUpQueue([])
    ids = [j.id for j in jobs]
    customers = {
        c.id: c
        for c in live_rows(session, Customer, col(Customer.id).in_({j.customer_id for j in jobs}))
    }
    regions = {r.id: r for r in live_rows(session, Region)}
    calls: dict[str, list[FollowUp]] = defaultdict(list)
    for call in live_rows(session, FollowUp, col(FollowUp.job_id).in_(ids)):
        calls[call.job_id].append(call)
    faults: dict[str, list[Fault]] = defaultdict(list)
    for fault in live_rows(session, Fault, col(Fault.job_id).in_(ids)):
        faults[fault.job_id].append(fault)
    usages = live_rows(session, PartUsage, col(PartUsage.job_id).in_(ids))
    parts = {
        p.id: p for p in live_rows(session, Part, col(Part.id).in_({u.part_id for u in usages}))
    }
    used: dict[str, list[tuple[PartUsage, Part]]] = defaultdict(list)
    for usage in usages:
        if usage.part_id in parts:
            used[usage.job_id].append((usage, parts[usage.part_id]))
    users = {
        u.id: u
        for u in live_rows(
            session, User, col(User.id).in_({j.assignee_id for j in jobs if j.assignee_id})
        )
    }
    machines = {
        m.id: m
        for m in live_rows(
            session, Machine, col(Machine.id).in_({j.machine_id for j in jobs if j.machine_id})
        )
    }
    models = {
        p.id: p
        for p in live_rows(
            session, ProductModel, col(ProductModel.id).in_({m.model_id for m in machines.values()})
        )
    }
    items: list[QueueItem] = []
    skipped: list[Job] = []
    for job in jobs:
        customer = customers.get(job.customer_id)
        if customer is None:
            continue
        region = regions.get(customer.region_id)
        grade = region.grade if region else "C"
        reason = rules.due_reason(job.id, grade, customer.is_key_account, rate)
        if reason is None:
            skipped.append(job)
            continue
        state = rules.call_state(calls.get(job.id, []))
        if state.reached or state.gave_up:
            continue  # recorded on another device, its closing not here yet
        machine = machines.get(job.machine_id or "")
        items.append(
            QueueItem(
                job=job,
                customer=customer,
                region_grade=grade,
                reason=reason,
                engineer=users.get(job.assignee_id or ""),
                machine=machine,
                model=models.get(machine.model_id) if machine else None,
                faults=faults.get(job.id, []),
                parts=used.get(job.id, []),
                calls=sorted(calls.get(job.id, []), key=lambda c: as_utc(c.called_at)),
                state=state,
            )
        )
    items.sort(
        key=lambda i: (
            i.state.waiting(now),
            not i.customer.is_key_account,
            _approved_at(i.job),
            i.job.number,
        )
    )
    return FollowUpQueue(items, sorted(skipped, key=lambda j: j.number))


@dataclass(frozen=True)
class CallRecord:
    """What the clerk records of one call."""

    reached: bool
    satisfaction: Satisfaction | None = None
    praise: bool = False
    comment: str = ""
    complaint: str = ""  # the customer's complaint in their words; empty: none


@dataclass(frozen=True)
class CallResult:
    follow_up: FollowUp
    complaint: Complaint | None
    closed: bool  # the job was closed by this call
    attempts_left: int


def _require_caller(actor: User) -> None:
    if Role(actor.role) not in CALLER_ROLES:
        raise DomainError("forbidden_role", "Only the office records follow-up calls.")


def record_call(
    session: Session,
    job: Job,
    clerk: User,
    record: CallRecord,
    *,
    now: datetime,
    device_id: str | None = None,
) -> CallResult:
    """Record one call. Reached: the satisfaction is required, a complaint is opened if
    the customer has one, and the job is closed. Not reached: the attempt is counted and
    the job stays in the queue until the limit, when it is closed as not reached."""
    _require_caller(clerk)
    if job.status != JobStatus.APPROVED:
        raise DomainError("not_approved", "Only an approved job is called back.")
    earlier = live_rows(session, FollowUp, FollowUp.job_id == job.id)
    if any(c.reached for c in earlier):
        raise DomainError("already_called", "This customer was reached already.")
    if record.reached and record.satisfaction is None:
        raise DomainError("satisfaction_required", "Choose how satisfied the customer is.")
    call = FollowUp(
        job_id=job.id,
        engineer_id=job.assignee_id,
        clerk_id=clerk.id,
        called_at=now,
        reached=record.reached,
        satisfaction=record.satisfaction.value if record.reached and record.satisfaction else None,
        praise=record.reached and record.praise,
        comment=record.comment.strip(),
    )
    session.add(call)
    session.flush()
    complaint = None
    if record.reached and record.complaint.strip():
        complaint = open_complaint(
            session,
            customer_id=job.customer_id,
            description=record.complaint,
            actor=clerk,
            now=now,
            job_id=job.id,
            follow_up_id=call.id,
        )
    state = rules.call_state([*earlier, call])
    closed = False
    if record.reached:
        transition(session, job, JobEventKind.CLOSED, clerk, now=now, device_id=device_id)
        closed = True
    elif state.gave_up:
        note = f"not reached after {state.attempts} calls"
        transition(
            session, job, JobEventKind.CLOSED, clerk, reason=note, now=now, device_id=device_id
        )
        closed = True
        log.info("Job %s closed: customer %s", job.number, note)
    return CallResult(call, complaint, closed, state.attempts_left)


def close_not_sampled(
    session: Session,
    clerk: User,
    *,
    now: datetime,
    rate: Fraction | None = None,
    device_id: str | None = None,
) -> int:
    """Close the approved jobs not due for a call (grade C, outside the company's
    sample, or ``rate``'s), so they leave the office's view; the register notes why.
    Returns how many."""
    _require_caller(clerk)
    jobs = follow_up_queue(session, now, rate).not_sampled
    for job in jobs:
        transition(
            session,
            job,
            JobEventKind.CLOSED,
            clerk,
            reason="not sampled for a follow-up call",
            now=now,
            device_id=device_id,
        )
    return len(jobs)
