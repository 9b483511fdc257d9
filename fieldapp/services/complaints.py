"""Complaints tracked to closure, and the licence points that follow (seed 002).

A complaint is opened from a follow-up call or directly (the customer rang, wrote, came
in); it has an owner and the 4-hour answer deadline (:mod:`fieldapp.rules.follow_up`),
and goes open → answered → closed with what was done. Closing an open complaint answers
it at the same moment (solved during the first answer).

Licence events (承诺不兑现, 乱收费, ... and the points of 创造用户感动 / 小改小革) are
written by a supervisor or an administrator only (docs/sync-protocol.md §4.6). A clerk
*proposes* one: a ``licence_proposed`` event on the job, which the engineer's supervisor
confirms (the licence event is written then) or rejects, both with a
``licence_decided`` event naming the proposal, so every step is in the job's register.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col

from fieldapp.clock import as_utc
from fieldapp.models import Complaint, Customer, Job, JobEvent, LicenceEvent, User
from fieldapp.models.enums import ComplaintStatus, JobEventKind, LicenceEventKind, Role
from fieldapp.rules import follow_up as rules
from fieldapp.services.common import DomainError, live_rows
from fieldapp.services.jobs import record_event

log = logging.getLogger(__name__)

OFFICE_ROLES = frozenset({Role.CLERK, Role.SUPERVISOR, Role.ADMIN})
LICENCE_WRITERS = frozenset({Role.SUPERVISOR, Role.ADMIN})
S = ComplaintStatus


def _require(actor: User, roles: frozenset[Role], what: str) -> None:
    if Role(actor.role) not in roles:
        raise DomainError("forbidden_role", f"A {actor.role} may not {what}.")


def open_complaint(
    session: Session,
    *,
    customer_id: str,
    description: str,
    actor: User,
    now: datetime,
    job_id: str | None = None,
    follow_up_id: str | None = None,
    channel: str = "phone",
    owner_id: str | None = None,
) -> Complaint:
    """A new complaint; its owner is ``owner_id``, else whoever records it."""
    _require(actor, OFFICE_ROLES, "record a complaint")
    if not description.strip():
        raise DomainError("description_required", "Write down what the customer complains of.")
    if session.get(Customer, customer_id) is None:
        raise DomainError("not_found", "The customer is not on this device.")
    if job_id is not None:
        job = session.get(Job, job_id)
        if job is None or job.customer_id != customer_id:
            raise DomainError("not_found", "The job is not this customer's.")
    complaint = Complaint(
        customer_id=customer_id,
        job_id=job_id,
        follow_up_id=follow_up_id,
        received_at=now,
        channel=channel,
        description=description.strip(),
        status=S.OPEN,
        owner_id=owner_id or actor.id,
    )
    session.add(complaint)
    session.flush()
    return complaint


def set_owner(session: Session, complaint: Complaint, owner_id: str, actor: User) -> None:
    _require(actor, OFFICE_ROLES, "hand a complaint over")
    if complaint.status == S.CLOSED:
        raise DomainError("complaint_closed", "This complaint is closed.")
    if session.get(User, owner_id) is None:
        raise DomainError("not_found", "No such person.")
    complaint.owner_id = owner_id


def answer_complaint(
    session: Session, complaint: Complaint, actor: User, *, now: datetime, answer: str
) -> rules.AnswerClock:
    """The customer was given an answer (what will be done, by when): the 4-hour clock
    stops. The answer is kept in the complaint's resolution until it is closed."""
    _require(actor, OFFICE_ROLES, "answer a complaint")
    if complaint.status != S.OPEN:
        raise DomainError("complaint_not_open", "This complaint was answered already.")
    if not answer.strip():
        raise DomainError("answer_required", "Write down the answer given to the customer.")
    complaint.status = S.ANSWERED
    complaint.answered_at = now
    complaint.resolution = answer.strip()
    return clock(complaint, now)


def close_complaint(
    session: Session, complaint: Complaint, actor: User, *, now: datetime, resolution: str
) -> None:
    """Closed with what was done; the answer given before stays in front of it."""
    _require(actor, OFFICE_ROLES, "close a complaint")
    if complaint.status == S.CLOSED:
        raise DomainError("complaint_closed", "This complaint is closed.")
    if not resolution.strip():
        raise DomainError("resolution_required", "Write down what was done.")
    if complaint.answered_at is None:
        complaint.answered_at = now
    earlier = complaint.resolution.strip()
    complaint.resolution = f"{earlier}\n{resolution.strip()}" if earlier else resolution.strip()
    complaint.status = S.CLOSED
    complaint.closed_at = now


def clock(complaint: Complaint, now: datetime) -> rules.AnswerClock:
    return rules.answer_clock(complaint.status, complaint.received_at, complaint.answered_at, now)


@dataclass(frozen=True)
class ComplaintRow:
    complaint: Complaint
    customer: Customer | None
    job: Job | None
    engineer: User | None
    owner: User | None
    clock: rules.AnswerClock


def complaint_rows(
    session: Session, now: datetime, *, include_closed: bool = False
) -> list[ComplaintRow]:
    """Open and answered complaints (and closed ones if asked): overdue first, then
    by the time left to answer, answered ones after, closed ones last."""
    conditions = [] if include_closed else [col(Complaint.status) != S.CLOSED]
    complaints = live_rows(session, Complaint, *conditions)
    customers = {
        c.id: c
        for c in live_rows(
            session, Customer, col(Customer.id).in_({c.customer_id for c in complaints})
        )
    }
    jobs = {
        j.id: j
        for j in live_rows(
            session, Job, col(Job.id).in_({c.job_id for c in complaints if c.job_id})
        )
    }
    wanted = {c.owner_id for c in complaints if c.owner_id} | {
        j.assignee_id for j in jobs.values() if j.assignee_id
    }
    users = {u.id: u for u in live_rows(session, User, col(User.id).in_(wanted))}
    rows = []
    for complaint in complaints:
        job = jobs.get(complaint.job_id or "")
        rows.append(
            ComplaintRow(
                complaint=complaint,
                customer=customers.get(complaint.customer_id),
                job=job,
                engineer=users.get(job.assignee_id or "") if job else None,
                owner=users.get(complaint.owner_id or ""),
                clock=clock(complaint, now),
            )
        )
    order = {S.OPEN: 0, S.ANSWERED: 1, S.CLOSED: 2}

    def rank(row: ComplaintRow) -> tuple[int, float]:
        if row.complaint.status == S.OPEN:
            return 0, row.clock.due_at.timestamp()  # the least time left first
        return order[ComplaintStatus(row.complaint.status)], -as_utc(
            row.complaint.received_at
        ).timestamp()  # the newest first

    rows.sort(key=rank)
    return rows


# --- licence points ----------------------------------------------------------------------


@dataclass(frozen=True)
class LicenceProposal:
    event: JobEvent  # the licence_proposed event
    job: Job
    engineer_id: str
    kind: LicenceEventKind
    reason: str
    complaint_id: str | None


def _data(event: JobEvent) -> dict[str, Any]:
    try:
        value = json.loads(event.data or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def record_licence(
    session: Session,
    actor: User,
    *,
    job: Job,
    kind: LicenceEventKind,
    reason: str,
    now: datetime,
    complaint_id: str | None = None,
    device_id: str | None = None,
) -> LicenceEvent | JobEvent:
    """A licence event for the job's engineer, with its reason: written at once by a
    supervisor or an administrator, proposed (a ``licence_proposed`` event) by a clerk."""
    _require(actor, OFFICE_ROLES, "record licence points")
    if not reason.strip():
        raise DomainError("reason_required", "Say why the points change.")
    if job.assignee_id is None:
        raise DomainError("no_engineer", "This job has no engineer.")
    if Role(actor.role) in LICENCE_WRITERS:
        event = LicenceEvent(
            engineer_id=job.assignee_id,
            kind=LicenceEventKind(kind).value,
            job_id=job.id,
            occurred_on=as_utc(now).date(),
            note=reason.strip(),
        )
        session.add(event)
        session.flush()
        return event
    return record_event(
        session,
        job,
        JobEventKind.LICENCE_PROPOSED,
        actor=actor,
        now=now,
        note=reason.strip(),
        data={
            "engineer_id": job.assignee_id,
            "licence_kind": LicenceEventKind(kind).value,
            "complaint_id": complaint_id,
        },
        device_id=device_id,
    )


def pending_proposals(session: Session) -> list[LicenceProposal]:
    """Clerks' proposals no supervisor has decided yet, oldest first."""
    events = live_rows(
        session,
        JobEvent,
        col(JobEvent.kind).in_(
            [JobEventKind.LICENCE_PROPOSED.value, JobEventKind.LICENCE_DECIDED.value]
        ),
    )
    decided = {_data(e).get("proposal") for e in events if e.kind == JobEventKind.LICENCE_DECIDED}
    proposals = []
    for event in sorted(events, key=lambda e: as_utc(e.occurred_at)):
        if event.kind != JobEventKind.LICENCE_PROPOSED or event.id in decided:
            continue
        data = _data(event)
        job = session.get(Job, event.job_id)
        try:
            kind = LicenceEventKind(str(data.get("licence_kind")))
        except ValueError:
            continue
        if job is None or not data.get("engineer_id"):
            continue
        proposals.append(
            LicenceProposal(
                event, job, str(data["engineer_id"]), kind, event.note, data.get("complaint_id")
            )
        )
    return proposals


def decide_proposal(
    session: Session,
    proposal: LicenceProposal,
    actor: User,
    *,
    accept: bool,
    now: datetime,
    note: str = "",
    device_id: str | None = None,
) -> LicenceEvent | None:
    """A supervisor confirms a clerk's proposal (the licence event is written) or
    rejects it (with a reason); either way the decision names the proposal."""
    _require(actor, LICENCE_WRITERS, "decide on licence points")
    if not accept and not note.strip():
        raise DomainError("reason_required", "Say why the proposal is rejected.")
    if proposal.event.id not in {p.event.id for p in pending_proposals(session)}:
        raise DomainError("already_decided", "This proposal was decided already.")
    licence = None
    if accept:
        licence = LicenceEvent(
            engineer_id=proposal.engineer_id,
            kind=proposal.kind.value,
            job_id=proposal.job.id,
            occurred_on=as_utc(now).date(),
            note=proposal.reason,
        )
        session.add(licence)
        session.flush()
    record_event(
        session,
        proposal.job,
        JobEventKind.LICENCE_DECIDED,
        actor=actor,
        now=now,
        note=note.strip(),
        data={
            "proposal": proposal.event.id,
            "accepted": accept,
            "licence_event_id": licence.id if licence else None,
        },
        device_id=device_id,
    )
    log.info("Licence proposal %s %s", proposal.event.id, "accepted" if accept else "rejected")
    return licence
