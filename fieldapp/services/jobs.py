"""A job's life: transitions in the register, a new appointment, deadlines, the
dispatcher's information checked and corrected, the gate for work on site, the hour meter."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, select

from fieldapp.clock import as_utc, utcnow
from fieldapp.models import (
    Customer,
    HourMeterReading,
    Job,
    JobEvent,
    Machine,
    ProductModel,
    Region,
    User,
)
from fieldapp.models.enums import (
    JobEventKind,
)
from fieldapp.rules import jobflow, sla
from fieldapp.rules.dispatch import DispatchInfo, DispatchIssue, check_dispatch
from fieldapp.services.common import DomainError, live_rows


def record_event(
    session: Session,
    job: Job,
    kind: JobEventKind,
    *,
    actor: User | None,
    now: datetime,
    note: str = "",
    data: dict[str, Any] | None = None,
    device_id: str | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
) -> JobEvent:
    event = JobEvent(
        job_id=job.id,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        actor_id=actor.id if actor else None,
        device_id=device_id,
        occurred_at=now,
        note=note,
        data=json.dumps(data, ensure_ascii=False, sort_keys=True) if data else "",
    )
    session.add(event)
    return event


def transition(
    session: Session,
    job: Job,
    action: JobEventKind,
    actor: User,
    *,
    reason: str = "",
    now: datetime | None = None,
    assignee: User | None = None,
    device_id: str | None = None,
) -> JobEvent:
    """Move ``job`` by ``action`` if the state machine allows ``actor`` to."""
    now = now or utcnow()
    try:
        target = jobflow.check_transition(
            action, job.status, actor.role, is_assignee=job.assignee_id == actor.id, reason=reason
        )
    except jobflow.TransitionError as error:
        raise DomainError(error.code, str(error)) from error
    if action == JobEventKind.SIGNED:
        raise DomainError("use_sign_job", "A job is signed with sign_job(), never directly.")
    data: dict[str, Any] = {}
    if action == JobEventKind.ASSIGNED:
        if assignee is None or assignee.role != "engineer":
            raise DomainError("assignee_required", "Assign the job to an engineer.")
        job.assignee_id = assignee.id
        job.team_id = assignee.team_id or job.team_id
        data["assignee_id"] = assignee.id
    elif action in {JobEventKind.HANDED_BACK, JobEventKind.UNASSIGNED}:
        job.assignee_id = None
    elif action == JobEventKind.ARRIVED and job.arrived_at is None:
        job.arrived_at = now
    elif action in jobflow.CORRECTIONS:
        # Undo a departure or an arrival: a correcting event, never an edit or a delete
        # of the register; only the latest one, and only for a short time.
        events = live_rows(session, JobEvent, JobEvent.job_id == job.id)
        offer = jobflow.undo_offer(job.status, events, now)
        if offer is None or offer.action != action:
            raise DomainError("undo_expired", "It is too late to undo this; the register keeps it.")
        data["corrects"] = offer.corrects
        undone = next(e for e in events if e.id == offer.corrects)
        if (
            action == JobEventKind.ARRIVAL_UNDONE
            and job.arrived_at is not None
            and as_utc(job.arrived_at) == as_utc(undone.occurred_at)
        ):
            job.arrived_at = None  # the arrival being undone is the one that set it
    if job.answered_at is None and action in {JobEventKind.ACCEPTED, JobEventKind.ASSIGNED}:
        job.answered_at = now
    source = job.status
    job.status = target
    return record_event(
        session,
        job,
        action,
        actor=actor,
        now=now,
        note=reason,
        data=data or None,
        device_id=device_id,
        from_status=source,
        to_status=target,
    )


def reschedule(
    session: Session,
    job: Job,
    actor: User,
    new_time: datetime,
    reason: str,
    *,
    now: datetime | None = None,
) -> JobEvent:
    """A new appointment agreed with the customer (seed 002: apologise, agree a new
    time). The on-site deadline follows the new time unless the job is urgent."""
    now = now or utcnow()
    if not jobflow.can_reschedule(job.status, actor.role, is_assignee=job.assignee_id == actor.id):
        raise DomainError("cannot_reschedule", "This job cannot be rescheduled now.")
    if not reason.strip():
        raise DomainError("reason_required", "Say why the time changes.")
    old = job.appointment_at
    job.appointment_at = new_time
    refresh_deadlines(session, job)
    return record_event(
        session,
        job,
        JobEventKind.RESCHEDULED,
        actor=actor,
        now=now,
        note=reason,
        data={"from": old.isoformat() if old else None, "to": new_time.isoformat()},
    )


def job_reach(session: Session, job: Job) -> sla.RegionReach:
    customer = session.get(Customer, job.customer_id)
    region = session.get(Region, customer.region_id) if customer else None
    if region is None:
        return sla.RegionReach.ELSEWHERE
    return sla.region_reach(region.is_home, region.is_remote)


def refresh_deadlines(session: Session, job: Job) -> sla.Deadlines:
    deadlines = sla.job_deadlines(
        job.received_at, job.urgency, job_reach(session, job), appointment_at=job.appointment_at
    )
    job.answer_due_at = deadlines.answer_by
    job.on_site_due_at = deadlines.on_site_by
    return deadlines


DISPATCH_FIELDS = {
    "customer_name": None,  # corrected in the customer file, not on the job
    "address": "address",
    "phone": "contact_phone",
    "model": "reported_model",
    "serial": "reported_serial",
    "purchase_date": "reported_purchase_date",
    "symptom": "reported_symptom",
    "request": "customer_request",
}


def dispatch_info(
    job: Job, customer: Customer | None, model_on_file: str | None, known: frozenset[str]
) -> DispatchInfo:
    return DispatchInfo(
        job_type=job.job_type,
        customer_name=customer.name if customer else "",
        address=job.address,
        phone=job.contact_phone,
        model=job.reported_model,
        serial=job.reported_serial,
        purchase_date=job.reported_purchase_date,
        symptom=job.reported_symptom,
        request=job.customer_request,
        known_models=known,
        machine_on_file_model=model_on_file,
    )


def dispatch_issues(session: Session, job: Job, today: date) -> list[DispatchIssue]:
    customer = session.get(Customer, job.customer_id)
    machine = session.get(Machine, job.machine_id) if job.machine_id else None
    model_on_file = session.get(ProductModel, machine.model_id) if machine else None
    known = frozenset(session.exec(select(ProductModel.code)).all())
    info = dispatch_info(job, customer, model_on_file.code if model_on_file else None, known)
    return check_dispatch(info, today)


def correct_dispatch(
    session: Session,
    job: Job,
    actor: User,
    changes: dict[str, Any],
    note: str = "",
    *,
    now: datetime | None = None,
) -> JobEvent:
    """The engineer corrects what the dispatcher got wrong; the correction is logged
    and syncs back (seed 002)."""
    now = now or utcnow()
    if jobflow.is_frozen(job.status):
        raise DomainError("report_frozen", "The report is signed; the job can't change.")
    before: dict[str, Any] = {}
    for name, value in changes.items():
        column = DISPATCH_FIELDS.get(name)
        if column is None:
            raise DomainError("not_correctable", f"{name} cannot be corrected on a job.")
        before[name] = getattr(job, column)
        setattr(job, column, value)
    to_text = {k: v.isoformat() if isinstance(v, date) else v for k, v in changes.items()}
    from_text = {k: v.isoformat() if isinstance(v, date) else v for k, v in before.items()}
    return record_event(
        session,
        job,
        JobEventKind.CORRECTED,
        actor=actor,
        now=now,
        note=note,
        data={"from": from_text, "to": to_text},
    )


def require_work_allowed(job: Job) -> None:
    if not jobflow.can_record_work(job.status):
        raise DomainError("not_on_site", "Work is recorded once the arrival is registered.")


def record_hour_meter(
    session: Session, machine: Machine, hours: float, *, job: Job | None, now: datetime
) -> HourMeterReading:
    if hours < 0:
        raise DomainError("hour_meter_invalid", "An hour meter reading cannot be negative.")
    if machine.hour_meter is not None and hours < machine.hour_meter:
        raise DomainError(
            "hour_meter_backwards",
            f"The hour meter read {machine.hour_meter:g} h before; it cannot go back.",
        )
    reading = HourMeterReading(
        machine_id=machine.id, job_id=job.id if job else None, hours=hours, read_at=now
    )
    session.add(reading)
    machine.hour_meter = hours
    machine.hour_meter_read_at = now
    return reading
