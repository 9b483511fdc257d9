"""What the engineer's screens show, read from the local store in one go: the job with
its machine, warranty and dispatch checks; the customer's file; the running total."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, or_, select

from fieldapp.models import (
    Attachment,
    Complaint,
    Contact,
    Customer,
    Fault,
    HourMeterReading,
    Job,
    JobEvent,
    Machine,
    Part,
    PartsRequest,
    PartsRequestLine,
    PartUsage,
    PreInspectionFinding,
    ProductModel,
    SignOff,
    TimeEntry,
    User,
)
from fieldapp.models.enums import AttachmentKind, ComplaintStatus, TimeKind
from fieldapp.rules import jobflow
from fieldapp.rules.dispatch import DispatchIssue
from fieldapp.rules.reminders import Reminder
from fieldapp.rules.warranty import WarrantyAssessment
from fieldapp.services.billing import DEFAULT_LABOUR_RATE_CENTS_PER_HOUR, Charges, charges
from fieldapp.services.common import live_rows
from fieldapp.services.jobs import dispatch_issues
from fieldapp.services.parts import machine_warranty
from fieldapp.services.reminders import customer_reminders


@dataclass(frozen=True)
class MachineView:
    machine: Machine
    model: ProductModel | None
    warranty: WarrantyAssessment


@dataclass(frozen=True)
class JobView:
    job: Job
    customer: Customer
    machine: MachineView | None
    issues: list[DispatchIssue]
    actions: list[str]  # what the engineer may do now (JobEventKind values)
    can_reschedule: bool
    can_record_work: bool
    frozen: bool
    events: list[JobEvent]
    sign_off: SignOff | None


def machine_view(session: Session, machine: Machine, today: date) -> MachineView:
    return MachineView(
        machine,
        session.get(ProductModel, machine.model_id),
        machine_warranty(session, machine, today),
    )


def job_view(session: Session, job_id: str, user: User, today: date) -> JobView:
    job = session.get(Job, job_id)
    if job is None:
        raise LookupError(job_id)
    customer = session.get(Customer, job.customer_id)
    assert customer is not None
    machine = session.get(Machine, job.machine_id) if job.machine_id else None
    is_assignee = job.assignee_id == user.id
    actions = [
        str(a)
        for a in jobflow.allowed_actions(job.status, user.role, is_assignee=is_assignee)
        if a != "signed"
    ]
    sign_off = session.exec(
        select(SignOff)
        .where(SignOff.job_id == job.id, col(SignOff.deleted_at).is_(None))
        .order_by(col(SignOff.signed_at).desc())
    ).first()
    return JobView(
        job=job,
        customer=customer,
        machine=machine_view(session, machine, today) if machine else None,
        issues=dispatch_issues(session, job, today),
        actions=actions,
        can_reschedule=jobflow.can_reschedule(job.status, user.role, is_assignee=is_assignee),
        can_record_work=jobflow.can_record_work(job.status) and is_assignee,
        frozen=jobflow.is_frozen(job.status),
        events=sorted(
            live_rows(session, JobEvent, JobEvent.job_id == job.id), key=lambda e: e.occurred_at
        ),
        sign_off=sign_off,
    )


@dataclass(frozen=True)
class HistoryEntry:
    job: Job
    machine_serial: str
    faults: list[Fault]


@dataclass(frozen=True)
class CustomerFile:
    customer: Customer
    contacts: list[Contact]
    machines: list[MachineView]
    history: list[HistoryEntry]  # finished jobs, newest first
    open_complaints: list[Complaint]
    due_findings: list[PreInspectionFinding]  # declined on an earlier visit, now due
    # Everything due that brings the customer back: maintenance, declined repairs,
    # warranty ending (the office's list, fieldapp.services.reminders).
    reminders: list[Reminder] = field(default_factory=list)


def customer_file(
    session: Session, customer_id: str, today: date, *, current_job_id: str | None = None
) -> CustomerFile:
    """The customer's file; findings declined on ``current_job_id`` itself are not
    "due" yet (they are the ones being recorded now)."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise LookupError(customer_id)
    machines = live_rows(session, Machine, Machine.customer_id == customer_id)
    serials = {m.id: m.serial for m in machines}
    finished = session.exec(
        select(Job)
        .where(
            Job.customer_id == customer_id,
            col(Job.status).in_(sorted(jobflow.REPORTED_STATUSES)),
            col(Job.deleted_at).is_(None),
        )
        .order_by(col(Job.completed_at).desc(), col(Job.number).desc())
    ).all()
    faults_by_job: dict[str, list[Fault]] = {}
    if finished:
        for fault in live_rows(session, Fault, col(Fault.job_id).in_([j.id for j in finished])):
            faults_by_job.setdefault(fault.job_id, []).append(fault)
    # One function computes the reminders, for the engineer's file and the office's list.
    reminders = customer_reminders(session, customer_id, today, except_job_id=current_job_id)
    finding_ids = {r.finding_id for r in reminders if r.finding_id}
    due = (
        live_rows(session, PreInspectionFinding, col(PreInspectionFinding.id).in_(finding_ids))
        if finding_ids
        else []
    )
    return CustomerFile(
        customer=customer,
        contacts=live_rows(session, Contact, Contact.customer_id == customer_id),
        machines=[machine_view(session, m, today) for m in machines],
        history=[
            HistoryEntry(j, serials.get(j.machine_id or "", ""), faults_by_job.get(j.id, []))
            for j in finished
        ],
        open_complaints=live_rows(
            session,
            Complaint,
            Complaint.customer_id == customer_id,
            or_(
                Complaint.status == ComplaintStatus.OPEN,
                Complaint.status == ComplaintStatus.ANSWERED,
            ),
        ),
        due_findings=due,
        reminders=reminders,
    )


@dataclass(frozen=True)
class UsedPart:
    usage: PartUsage
    part: Part


@dataclass(frozen=True)
class Work:
    """Everything recorded on the job so far, and what it costs the customer."""

    findings: list[PreInspectionFinding]
    faults: list[Fault]
    parts: list[UsedPart]
    requests: list[tuple[PartsRequest, list[tuple[PartsRequestLine, Part]]]]
    times: list[TimeEntry]
    photos: list[Attachment]
    charges: Charges
    labour_minutes: int = 0
    travel_minutes: int = 0


def job_work(
    session: Session, job: Job, labour_rate_cents: int = DEFAULT_LABOUR_RATE_CENTS_PER_HOUR
) -> Work:
    usages = live_rows(session, PartUsage, PartUsage.job_id == job.id)
    parts = {
        p.id: p for p in live_rows(session, Part, col(Part.id).in_([u.part_id for u in usages]))
    }
    requests = live_rows(session, PartsRequest, PartsRequest.job_id == job.id)
    request_lines = []
    for request in requests:
        lines = live_rows(session, PartsRequestLine, PartsRequestLine.request_id == request.id)
        request_lines.append((request, [(line, session.get(Part, line.part_id)) for line in lines]))
    times = live_rows(session, TimeEntry, TimeEntry.job_id == job.id)
    cost = charges(usages, times, labour_rate_cents)
    return Work(
        findings=live_rows(session, PreInspectionFinding, PreInspectionFinding.job_id == job.id),
        faults=live_rows(session, Fault, Fault.job_id == job.id),
        parts=[UsedPart(u, parts[u.part_id]) for u in usages if u.part_id in parts],
        requests=request_lines,  # type: ignore[arg-type]
        times=times,
        photos=live_rows(
            session,
            Attachment,
            Attachment.job_id == job.id,
            Attachment.kind == AttachmentKind.PHOTO,
        ),
        charges=cost,
        labour_minutes=sum(t.minutes for t in times if t.kind == TimeKind.LABOUR),
        travel_minutes=sum(t.minutes for t in times if t.kind == TimeKind.TRAVEL),
    )


@dataclass(frozen=True)
class PastVisit:
    job: Job
    faults: list[Fault]
    parts: list[UsedPart]


@dataclass(frozen=True)
class MachineHistory:
    """A machine's file as the engineer reads it on the job: its warranty today, the
    hour meter over time and what was found and fitted on earlier visits."""

    machine: MachineView
    readings: list[HourMeterReading]  # oldest first
    visits: list[PastVisit]  # finished jobs of this machine, newest first


def machine_history(
    session: Session, machine_id: str, today: date, *, except_job_id: str | None = None
) -> MachineHistory:
    machine = session.get(Machine, machine_id)
    if machine is None:
        raise LookupError(machine_id)
    readings = sorted(
        live_rows(session, HourMeterReading, HourMeterReading.machine_id == machine_id),
        key=lambda r: r.read_at,
    )
    jobs = session.exec(
        select(Job)
        .where(
            Job.machine_id == machine_id,
            col(Job.status).in_(sorted(jobflow.REPORTED_STATUSES)),
            col(Job.deleted_at).is_(None),
        )
        .order_by(col(Job.completed_at).desc(), col(Job.number).desc())
    ).all()
    jobs = [j for j in jobs if j.id != except_job_id]
    ids = [j.id for j in jobs]
    faults: dict[str, list[Fault]] = {}
    used: dict[str, list[UsedPart]] = {}
    if ids:
        for fault in live_rows(session, Fault, col(Fault.job_id).in_(ids)):
            faults.setdefault(fault.job_id, []).append(fault)
        usages = live_rows(session, PartUsage, col(PartUsage.job_id).in_(ids))
        wanted = {u.part_id for u in usages}
        parts = {p.id: p for p in live_rows(session, Part, col(Part.id).in_(wanted))}
        for usage in usages:
            if usage.part_id in parts:
                used.setdefault(usage.job_id, []).append(UsedPart(usage, parts[usage.part_id]))
    return MachineHistory(
        machine=machine_view(session, machine, today),
        readings=readings,
        visits=[PastVisit(j, faults.get(j.id, []), used.get(j.id, [])) for j in jobs],
    )
