"""Reminders to call customers back (seed 003): the list, one turned into a job, one
dismissed with a reason. The engineer's customer file shows the same list
(:func:`customer_reminders`, through :func:`fieldapp.views.customer_file`).

How a reminder's outcome is kept and synced, by the reminder's stable key:

* turned into a job: the new job's ``created`` ``jobevent`` names the key in its
  ``data``; a job it became that is cancelled (or deleted) brings the reminder back;
* dismissed with a reason: a ``reminderdismissal`` row (append-only, in the customer's
  bucket, an office role's to insert), whether or not the machine ever had a job, so
  the clerks' lists and the customer file on the engineers' devices drop it once
  synced. Stores from before protocol 3 noted a dismissal as a ``dismissed`` job event
  on the reminder's job; those are still read.

A reminder whose key has such a row or event is handled.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from fieldapp.clock import as_utc
from fieldapp.models import (
    Customer,
    CustomerSite,
    HourMeterReading,
    Job,
    JobEvent,
    Machine,
    PreInspectionFinding,
    ProductModel,
    ReminderDismissal,
    Team,
    User,
)
from fieldapp.models.enums import JobEventKind, JobStatus, JobType, Role, Urgency
from fieldapp.numbering import allocate_job_number
from fieldapp.rules import jobflow
from fieldapp.rules import reminders as rules
from fieldapp.services.common import DomainError, live_rows
from fieldapp.services.jobs import record_event, refresh_deadlines
from fieldapp.services.parts import machine_warranty

log = logging.getLogger(__name__)

#: Roles that turn a reminder into a job or dismiss it (the office and the managers).
OFFICE_ROLES = frozenset({Role.CLERK, Role.SUPERVISOR, Role.ADMIN})
#: Job events that name a reminder: ``created`` (it became a job) and ``dismissed`` (how
#: stores before protocol 3 noted a dismissal; still read).
_OUTCOME_KINDS = (JobEventKind.CREATED.value, JobEventKind.REMINDER_DISMISSED.value)


@dataclass(frozen=True)
class ReminderItem:
    """A reminder with what the clerk needs to make the call."""

    reminder: rules.Reminder
    customer: Customer
    machine: Machine | None
    model: ProductModel | None


def _data(event: JobEvent) -> dict[str, Any]:
    try:
        value = json.loads(event.data or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def handled_keys(session: Session) -> set[str]:
    """Keys of reminders already turned into a live job or dismissed (a dismissal row,
    or an older store's ``dismissed`` job event)."""
    keys = set(
        session.exec(
            select(ReminderDismissal.reminder_key).where(
                col(ReminderDismissal.deleted_at).is_(None)
            )
        ).all()
    )
    events = live_rows(
        session,
        JobEvent,
        col(JobEvent.kind).in_(_OUTCOME_KINDS),
        col(JobEvent.data).contains('"reminder"'),
    )
    job_ids = {e.job_id for e in events if e.kind == JobEventKind.CREATED}
    gone = set()
    if job_ids:
        gone = set(
            session.exec(
                select(Job.id).where(
                    col(Job.id).in_(job_ids),
                    (col(Job.status) == JobStatus.CANCELLED) | col(Job.deleted_at).is_not(None),
                )
            ).all()
        )
    for event in events:
        key = _data(event).get("reminder")
        if isinstance(key, str) and not (
            event.kind == JobEventKind.CREATED and event.job_id in gone
        ):
            keys.add(key)
    return keys


def _machine_facts(
    session: Session, machines: list[Machine], today: date
) -> tuple[list[rules.MachineFacts], dict[str, float | None], set[str]]:
    """Facts of each machine (read in a few queries for all of them), the estimated
    hours by machine, and the machines with a maintenance job still open."""
    ids = [m.id for m in machines]
    readings: dict[str, list[rules.Reading]] = defaultdict(list)
    by_job: dict[str, float] = {}
    for reading in live_rows(session, HourMeterReading, col(HourMeterReading.machine_id).in_(ids)):
        readings[reading.machine_id].append(rules.Reading(reading.read_at, reading.hours))
        if reading.job_id:
            by_job[reading.job_id] = max(by_job.get(reading.job_id, 0.0), reading.hours)
    jobs = live_rows(
        session,
        Job,
        col(Job.machine_id).in_(ids),
        Job.job_type == JobType.MAINTENANCE,
        col(Job.status).in_(sorted({*jobflow.REPORTED_STATUSES, *jobflow.OPEN_STATUSES})),
    )
    last: dict[str, rules.LastService] = {}
    open_service: set[str] = set()
    for job in jobs:
        assert job.machine_id is not None
        if job.status in jobflow.OPEN_STATUSES:
            open_service.add(job.machine_id)
            continue
        done = as_utc(job.completed_at or job.arrived_at or job.received_at).date()
        known = last.get(job.machine_id)
        if known is None or done >= known.on:
            last[job.machine_id] = rules.LastService(done, by_job.get(job.id))
    models = {
        m.id: m
        for m in live_rows(
            session, ProductModel, col(ProductModel.id).in_({x.model_id for x in machines})
        )
    }
    facts = []
    hours: dict[str, float | None] = {}
    for machine in machines:
        own = readings.get(machine.id, [])
        if not own and machine.hour_meter is not None and machine.hour_meter_read_at:
            own = [rules.Reading(machine.hour_meter_read_at, machine.hour_meter)]
        model = models.get(machine.model_id)
        estimate = rules.estimated_hours(own, today)
        hours[machine.id] = estimate if estimate is not None else machine.hour_meter
        facts.append(
            rules.MachineFacts(
                machine_id=machine.id,
                customer_id=machine.customer_id,
                interval_hours=model.service_interval_hours if model else 250,
                readings=own,
                last_service=last.get(machine.id),
                warranty=machine_warranty(session, machine, today),
            )
        )
    return facts, hours, open_service


def compute_reminders(
    session: Session,
    today: date,
    *,
    customer_id: str | None = None,
    except_job_id: str | None = None,
    policy: rules.ReminderPolicy = rules.DEFAULT_POLICY,
) -> list[rules.Reminder]:
    """Every reminder due (of one customer, or all), handled ones included; findings
    declined on ``except_job_id`` itself are not due yet (they are being recorded)."""
    conditions = [Machine.customer_id == customer_id] if customer_id else []
    machines = live_rows(session, Machine, *conditions)
    facts, hours, open_service = _machine_facts(session, machines, today)
    found: list[rules.Reminder] = []
    for fact in facts:
        for reminder in rules.machine_reminders(fact, today, policy):
            service = reminder.kind in {
                rules.ReminderKind.SERVICE_HOURS,
                rules.ReminderKind.SERVICE_DATE,
            }
            if service and fact.machine_id in open_service:
                continue  # a maintenance job is already on its way
            found.append(reminder)
    owner = {m.id: m.customer_id for m in machines}
    findings = live_rows(
        session,
        PreInspectionFinding,
        col(PreInspectionFinding.fix_now).is_(False),
        col(PreInspectionFinding.resolved_by_job_id).is_(None),
        col(PreInspectionFinding.machine_id).in_(list(owner)),
    )
    found_on = {
        j.id: as_utc(j.arrived_at or j.received_at).date()
        for j in live_rows(session, Job, col(Job.id).in_({f.job_id for f in findings}))
    }
    for finding in findings:
        if finding.job_id == except_job_id or finding.job_id not in found_on:
            continue
        fact = rules.FindingFacts(
            finding_id=finding.id,
            job_id=finding.job_id,
            machine_id=finding.machine_id,
            customer_id=owner[finding.machine_id or ""],
            component=finding.component,
            description=finding.description,
            danger_if_not=finding.danger_if_not,
            remaining_life=finding.remaining_life,
            remind_on=finding.remind_on,
            remind_at_hours=finding.remind_at_hours,
            found_on=found_on[finding.job_id],
        )
        reminder = rules.finding_reminder(fact, hours.get(finding.machine_id or ""), today, policy)
        if reminder is not None:
            found.append(reminder)
    return sorted(found, key=rules.sort_key)


def customer_reminders(
    session: Session, customer_id: str, today: date, *, except_job_id: str | None = None
) -> list[rules.Reminder]:
    """What the engineer's customer file shows: the customer's reminders still open."""
    handled = handled_keys(session)
    return [
        r
        for r in compute_reminders(
            session, today, customer_id=customer_id, except_job_id=except_job_id
        )
        if r.key not in handled
    ]


def reminder_list(
    session: Session, today: date, *, include_handled: bool = False
) -> list[ReminderItem]:
    """The clerk's list: every reminder not yet handled, overdue first."""
    handled = set() if include_handled else handled_keys(session)
    due = [r for r in compute_reminders(session, today) if r.key not in handled]
    customers = {
        c.id: c
        for c in live_rows(session, Customer, col(Customer.id).in_({r.customer_id for r in due}))
    }
    machines = {
        m.id: m
        for m in live_rows(
            session, Machine, col(Machine.id).in_({r.machine_id for r in due if r.machine_id})
        )
    }
    models = {
        p.id: p
        for p in live_rows(
            session, ProductModel, col(ProductModel.id).in_({m.model_id for m in machines.values()})
        )
    }
    items = []
    for reminder in due:
        machine = machines.get(reminder.machine_id or "")
        customer = customers.get(reminder.customer_id)
        if customer is None:
            continue
        items.append(
            ReminderItem(
                reminder, customer, machine, models.get(machine.model_id) if machine else None
            )
        )
    return items


def find_reminder(session: Session, key: str, today: date) -> rules.Reminder:
    for reminder in compute_reminders(session, today):
        if reminder.key == key:
            return reminder
    raise DomainError("reminder_gone", "This reminder is no longer due.")


def _require_office(actor: User) -> None:
    if Role(actor.role) not in OFFICE_ROLES:
        raise DomainError("forbidden_role", "Only the office handles reminders.")


def dismiss_reminder(
    session: Session,
    reminder: rules.Reminder,
    actor: User,
    reason: str,
    *,
    now: datetime,
    device_id: str | None = None,
) -> ReminderDismissal:
    """Dismiss a reminder with a reason (the customer sold the machine, services it
    elsewhere, ...): a ``reminderdismissal`` row, kept and synced with the customer's
    file; no job is needed. ``device_id``: the device it is done on (logged)."""
    _require_office(actor)
    if not reason.strip():
        raise DomainError("reason_required", "Say why the reminder is dismissed.")
    if reminder.key in handled_keys(session):
        raise DomainError("reminder_handled", "This reminder was handled already.")
    dismissal = ReminderDismissal(
        customer_id=reminder.customer_id,
        machine_id=reminder.machine_id,
        reminder_key=reminder.key,
        reason=reason.strip(),
        dismissed_by_id=actor.id,
        dismissed_at=now,
    )
    session.add(dismissal)
    session.flush()
    log.info("Reminder %s dismissed by %s on device %s", reminder.key, actor.login, device_id)
    return dismissal


def _team_for(session: Session, customer: Customer, machine: Machine | None) -> str | None:
    """The team that will dispatch the new job: the one of the customer's region, else
    the team of the machine's latest job (a job with no team is an admin's only)."""
    team = session.exec(
        select(Team.id).where(Team.region_id == customer.region_id, col(Team.deleted_at).is_(None))
    ).first()
    if team is not None:
        return team
    if machine is not None:
        latest = session.exec(
            select(Job.team_id)
            .where(Job.machine_id == machine.id, col(Job.team_id).is_not(None))
            .order_by(col(Job.received_at).desc())
        ).first()
        if latest is not None:
            return latest
    return None


def reminder_to_job(
    session: Session,
    reminder: rules.Reminder,
    actor: User,
    *,
    now: datetime,
    symptom: str,
    request: str = "",
    device_id: str | None = None,
) -> Job:
    """A new, unassigned job from a reminder (the dispatcher assigns it). Its number
    comes from this device's reserved numbers (:mod:`fieldapp.numbering`); its
    ``created`` event names the reminder, which is then handled."""
    _require_office(actor)
    if reminder.key in handled_keys(session):
        raise DomainError("reminder_handled", "This reminder was handled already.")
    customer = session.get(Customer, reminder.customer_id)
    if customer is None:
        raise DomainError("not_found", "The customer is not on this device.")
    machine = session.get(Machine, reminder.machine_id) if reminder.machine_id else None
    model = session.get(ProductModel, machine.model_id) if machine else None
    site = session.get(CustomerSite, machine.site_id) if machine and machine.site_id else None
    job = Job(
        number=allocate_job_number(session, device_id=device_id, year=as_utc(now).year),
        job_type=reminder.job_type,
        urgency=Urgency.NORMAL,
        status=JobStatus.NEW,
        customer_id=customer.id,
        site_id=site.id if site else None,
        machine_id=machine.id if machine else None,
        team_id=_team_for(session, customer, machine),
        contact_name=(site.contact_name if site and site.contact_name else customer.contact_name),
        contact_phone=(site.contact_phone if site and site.contact_phone else customer.phone),
        address=(site.address if site and site.address else customer.address),
        reported_model=model.code if model else "",
        reported_serial=machine.serial if machine else "",
        reported_purchase_date=machine.purchase_date if machine else None,
        reported_symptom=symptom.strip(),
        customer_request=request.strip(),
        received_at=now,
    )
    refresh_deadlines(session, job)  # before it is added: the insert carries the deadlines
    session.add(job)
    session.flush()
    record_event(
        session,
        job,
        JobEventKind.CREATED,
        actor=actor,
        now=now,
        data={"reminder": reminder.key, "kind": reminder.kind.value},
        device_id=device_id,
        to_status=JobStatus.NEW,
    )
    log.info("Reminder %s became job %s", reminder.key, job.number)
    return job
