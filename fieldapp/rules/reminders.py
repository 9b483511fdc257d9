"""Reminders that bring customers back (seed 003: 提醒用户定期的保养, the pre-inspection
sheet's declined repairs, warranty ending): what falls due, when, and why.

Pure functions over plain facts; :mod:`fieldapp.services.reminders` reads the facts from
a database. Each reminder has a stable ``key`` — the same machine, service mark or
finding gives the same key on every device and at HQ — so a reminder turned into a job
or dismissed is recognised wherever it is computed again.

Maintenance falls due by the hour meter or by date, whichever comes first:

* by hours: services every ``interval`` hours of the model (250 h); a mark that is a
  multiple of 1000 is the 1000 h service, of 500 the 500 h service, else the 250 h one.
  The next mark follows the hours at the machine's last service; with none on file,
  the first mark above today's hours (:func:`next_mark`). Today's hours are estimated
  from the readings: the last reading plus the machine's daily use (from its first to
  its last reading) times the days since. Due when the estimate is within
  ``lead_hours`` of the mark, or past it.
* by date: ``date_interval`` after the last service, due ``lead_days`` ahead (overdue
  once past); with no service on file, the next ``date_interval`` step from the start of
  the warranty that is still ahead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from fieldapp.clock import as_utc
from fieldapp.models.enums import JobType
from fieldapp.rules.warranty import WarrantyAssessment

SERVICE_LEVELS = (1000, 500, 250)  # the 1000 h, 500 h and 250 h services


class ReminderKind(StrEnum):
    SERVICE_HOURS = "service_hours"  # maintenance due by the hour meter
    SERVICE_DATE = "service_date"  # maintenance due by date
    DECLINED_REPAIR = "declined_repair"  # a pre-inspection finding the customer declined
    WARRANTY_ENDING = "warranty_ending"  # free repair ends within 30 days


#: The job a reminder becomes.
JOB_TYPE: dict[ReminderKind, JobType] = {
    ReminderKind.SERVICE_HOURS: JobType.MAINTENANCE,
    ReminderKind.SERVICE_DATE: JobType.MAINTENANCE,
    ReminderKind.DECLINED_REPAIR: JobType.REPAIR,
    ReminderKind.WARRANTY_ENDING: JobType.INSPECTION,
}


@dataclass(frozen=True)
class ReminderPolicy:
    lead_hours: float = 50  # an hours service is called in this much ahead
    lead_days: int = 14  # a date service or a finding's date: this many days ahead
    date_interval: timedelta = timedelta(days=182)  # a service at least twice a year
    warranty_days: int = 30  # warranty ending within this many days


DEFAULT_POLICY = ReminderPolicy()


@dataclass(frozen=True)
class Reading:
    read_at: datetime
    hours: float


@dataclass(frozen=True)
class LastService:
    on: date
    hours: float | None  # the hour meter read at that service, if it was


@dataclass(frozen=True)
class MachineFacts:
    machine_id: str
    customer_id: str
    interval_hours: int  # the model's service interval (250 h)
    readings: Sequence[Reading]  # any order
    last_service: LastService | None
    warranty: WarrantyAssessment


@dataclass(frozen=True)
class FindingFacts:
    finding_id: str
    job_id: str  # the visit it was found on
    machine_id: str | None
    customer_id: str
    component: str
    description: str
    danger_if_not: str
    remaining_life: str
    remind_on: date | None
    remind_at_hours: float | None
    found_on: date


@dataclass(frozen=True)
class Reminder:
    key: str  # stable: the same reminder has the same key everywhere
    kind: ReminderKind
    customer_id: str
    machine_id: str | None
    due_on: date | None  # the day it falls due (estimated for an hours service)
    overdue: bool
    service_hours: int | None = None  # the 250 / 500 / 1000 h service
    mark_hours: float | None = None  # the hour-meter mark it falls due at
    estimated_hours: float | None = None  # the machine's hours today, estimated
    finding_id: str | None = None
    source_job_id: str | None = None  # the job a declined repair was found on
    component: str = ""
    description: str = ""
    danger_if_not: str = ""

    @property
    def job_type(self) -> JobType:
        return JOB_TYPE[self.kind]


def service_level(mark: float, interval: int) -> int:
    """Which service a mark is: 1000, 500 or 250 h (the model's interval at least)."""
    for level in SERVICE_LEVELS:
        if level >= interval and round(mark) % level == 0:
            return level
    return interval


def daily_use(readings: Sequence[Reading]) -> float | None:
    """Hours per day between the first and the last reading; None with too little."""
    ordered = sorted(readings, key=lambda r: as_utc(r.read_at))
    if len(ordered) < 2:
        return None
    days = (as_utc(ordered[-1].read_at) - as_utc(ordered[0].read_at)).total_seconds() / 86400
    if days < 1:
        return None
    return max(0.0, (ordered[-1].hours - ordered[0].hours) / days)


def estimated_hours(readings: Sequence[Reading], today: date) -> float | None:
    """Today's hours: the last reading plus the daily use since it was read."""
    if not readings:
        return None
    last = max(readings, key=lambda r: as_utc(r.read_at))
    rate = daily_use(readings) or 0.0
    days = max(0, (today - as_utc(last.read_at).date()).days)
    return last.hours + rate * days


def next_mark(
    facts: MachineFacts, now_hours: float, policy: ReminderPolicy = DEFAULT_POLICY
) -> int:
    """The hour mark of the machine's next service.

    After a service on file, the mark after the one that service was (a service up to
    ``lead_hours`` early or late counts as its mark: 2998 h is the 3000 h service), so
    marks passed since are overdue. With no service on file, or none with a reading,
    the first mark above today's hours: what happened before is not known to be late."""
    interval = max(1, facts.interval_hours)
    last = facts.last_service
    hours = last.hours if last is not None else None
    if hours is None and last is not None:
        before = [
            r.hours
            for r in sorted(facts.readings, key=lambda r: as_utc(r.read_at))
            if as_utc(r.read_at).date() <= last.on
        ]
        hours = before[-1] if before else None
    if hours is None:
        return (int(now_hours // interval) + 1) * interval
    nearest = round(hours / interval) * interval
    done = (
        nearest if abs(hours - nearest) <= policy.lead_hours else int(hours // interval) * interval
    )
    return int(done) + interval


def hours_reminder(
    facts: MachineFacts, today: date, policy: ReminderPolicy = DEFAULT_POLICY
) -> Reminder | None:
    now_hours = estimated_hours(facts.readings, today)
    if now_hours is None:
        return None
    interval = max(1, facts.interval_hours)
    mark = next_mark(facts, now_hours, policy)
    if now_hours < mark - policy.lead_hours:
        return None
    rate = daily_use(facts.readings)
    if now_hours >= mark:
        due_on: date | None = None  # already past: due since some day before today
        overdue = True
    else:
        overdue = False
        due_on = today + timedelta(days=int((mark - now_hours) / rate)) if rate else None
    return Reminder(
        key=f"service_hours:{facts.machine_id}:{mark}",
        kind=ReminderKind.SERVICE_HOURS,
        customer_id=facts.customer_id,
        machine_id=facts.machine_id,
        due_on=due_on,
        overdue=overdue,
        service_hours=service_level(mark, interval),
        mark_hours=float(mark),
        estimated_hours=round(now_hours, 1),
    )


def date_reminder(
    facts: MachineFacts, today: date, policy: ReminderPolicy = DEFAULT_POLICY
) -> Reminder | None:
    if facts.last_service is not None:
        due = facts.last_service.on + policy.date_interval
    elif facts.warranty.start is not None:
        # No service on file: the next step from the start still ahead, never overdue.
        due = facts.warranty.start + policy.date_interval
        while due < today:
            due += policy.date_interval
    else:
        return None
    if due > today + timedelta(days=policy.lead_days):
        return None
    return Reminder(
        key=f"service_date:{facts.machine_id}:{due.isoformat()}",
        kind=ReminderKind.SERVICE_DATE,
        customer_id=facts.customer_id,
        machine_id=facts.machine_id,
        due_on=due,
        overdue=due < today,
    )


def warranty_reminder(
    facts: MachineFacts, today: date, policy: ReminderPolicy = DEFAULT_POLICY
) -> Reminder | None:
    until = facts.warranty.warranty_until
    if until is None or not facts.warranty.free_repair:
        return None
    if not today <= until <= today + timedelta(days=policy.warranty_days):
        return None
    return Reminder(
        key=f"warranty_ending:{facts.machine_id}:{until.isoformat()}",
        kind=ReminderKind.WARRANTY_ENDING,
        customer_id=facts.customer_id,
        machine_id=facts.machine_id,
        due_on=until,
        overdue=False,
    )


def machine_reminders(
    facts: MachineFacts, today: date, policy: ReminderPolicy = DEFAULT_POLICY
) -> list[Reminder]:
    """A machine's maintenance and warranty reminders. An hours service and a date
    service due together are one visit: the hours one is kept."""
    found: list[Reminder] = []
    by_hours = hours_reminder(facts, today, policy)
    if by_hours is not None:
        found.append(by_hours)
    else:
        by_date = date_reminder(facts, today, policy)
        if by_date is not None:
            found.append(by_date)
    ending = warranty_reminder(facts, today, policy)
    if ending is not None:
        found.append(ending)
    return found


def finding_reminder(
    finding: FindingFacts,
    machine_hours: float | None,
    today: date,
    policy: ReminderPolicy = DEFAULT_POLICY,
) -> Reminder | None:
    """A declined repair falls due on its reminder date, at its hour mark, or — with
    neither given — at once: the customer was told the danger and is called again."""
    due_on = finding.remind_on
    by_date = due_on is not None and due_on <= today + timedelta(days=policy.lead_days)
    by_hours = (
        finding.remind_at_hours is not None
        and machine_hours is not None
        and machine_hours >= finding.remind_at_hours - policy.lead_hours
    )
    undated = finding.remind_on is None and finding.remind_at_hours is None
    if not (by_date or by_hours or undated):
        return None
    overdue = (due_on is not None and due_on < today) or (
        finding.remind_at_hours is not None
        and machine_hours is not None
        and machine_hours >= finding.remind_at_hours
    )
    return Reminder(
        key=f"declined_repair:{finding.finding_id}",
        kind=ReminderKind.DECLINED_REPAIR,
        customer_id=finding.customer_id,
        machine_id=finding.machine_id,
        due_on=due_on or (finding.found_on if undated else None),
        overdue=overdue,
        mark_hours=finding.remind_at_hours,
        estimated_hours=round(machine_hours, 1) if machine_hours is not None else None,
        finding_id=finding.finding_id,
        source_job_id=finding.job_id,
        component=finding.component,
        description=finding.description,
        danger_if_not=finding.danger_if_not,
    )


def sort_key(reminder: Reminder) -> tuple[int, date, str]:
    """Overdue first, then by the day they fall due (unknown last), then stable."""
    return (0 if reminder.overdue else 1, reminder.due_on or date.max, reminder.key)
