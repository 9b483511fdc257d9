"""Not fixed in one visit (一次服务不到位, seed 001): the engineer opens a follow-up job
"until the fault is removed and the equipment fully restored" — offline too. The
follow-up names its parent (``parent_job_id``), keeps the customer, machine and site,
carries the reason, the wished time and the parts to bring (a parts request for the new
job), and is either new (for the supervisor's board) or assigned to the same engineer.

HQ accepts a new job from an engineer only as such a follow-up (docs/sync-protocol.md
§4.6). The parent's register gets a ``follow_up`` event naming the new job, so the
parent still knows it after an unassigned follow-up left the engineer's device."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from fieldapp.clock import as_utc
from fieldapp.models import Customer, CustomerSite, Job, JobEvent, Part, User
from fieldapp.models.enums import JobEventKind, JobStatus, Role
from fieldapp.numbering import allocate_job_number
from fieldapp.services.common import DomainError, live_rows
from fieldapp.services.dispatch import preview_deadlines, region_of
from fieldapp.services.jobs import record_event
from fieldapp.services.work import request_parts

log = logging.getLogger(__name__)

#: A job of these statuses has no visit to follow up.
NO_FOLLOW_UP_FROM = frozenset({JobStatus.NEW, JobStatus.CANCELLED})


def _was_assigned(session: Session, job: Job, user_id: str) -> bool:
    """The engineer holds the job now or held it (as HQ counts it, §4.6)."""
    if job.assignee_id == user_id:
        return True
    for event in live_rows(session, JobEvent, JobEvent.job_id == job.id):
        if event.kind != JobEventKind.ASSIGNED or not event.data:
            continue
        try:
            if json.loads(event.data).get("assignee_id") == user_id:
                return True
        except (ValueError, AttributeError):
            continue
    return False


def follow_ups(session: Session, job: Job) -> list[Job]:
    """The follow-up jobs of ``job`` on this device, oldest first."""
    return live_rows(session, Job, Job.parent_job_id == job.id)


def _announced(session: Session, job: Job) -> set[str]:
    """Ids of the follow-ups the job's register names."""
    ids = set()
    events = live_rows(
        session, JobEvent, JobEvent.job_id == job.id, JobEvent.kind == JobEventKind.FOLLOW_UP
    )
    for event in events:
        try:
            follow_up = json.loads(event.data or "{}").get("follow_up_job_id")
        except (ValueError, AttributeError):
            continue
        if follow_up:
            ids.add(str(follow_up))
    return ids


def has_follow_up(session: Session, job: Job) -> bool:
    """Whether a follow-up job stands for this job: one on the device that is not
    cancelled, or one its register names that is no longer on the device (it went to the
    supervisor's board). This settles the sign-off's "fault not fixed" gap."""
    known = {j.id: j for j in follow_ups(session, job)}
    if any(j.status != JobStatus.CANCELLED for j in known.values()):
        return True
    return any(job_id not in known for job_id in _announced(session, job))


def create_follow_up(
    session: Session,
    parent_job: Job,
    engineer: User,
    *,
    reason: str,
    parts: Sequence[tuple[str, int]] = (),
    wished_at: datetime | None = None,
    assign_to_self: bool = False,
    now: datetime,
    device_id: str | None,
) -> Job:
    """Open the follow-up of ``parent_job`` (see the module's text). ``parts`` are
    (part id, quantity) to bring: one parts request for the new job."""
    if Role(engineer.role) not in {Role.ENGINEER, Role.SUPERVISOR, Role.ADMIN}:
        raise DomainError("forbidden_role", "Your role may not do this.")
    if Role(engineer.role) == Role.ENGINEER and not _was_assigned(session, parent_job, engineer.id):
        raise DomainError("not_assignee", "Only the assigned engineer may do this.")
    if parent_job.status in NO_FOLLOW_UP_FROM or parent_job.deleted_at is not None:
        raise DomainError("no_visit", "This job has no visit to follow up.")
    if not reason.strip():
        raise DomainError("reason_required", "Give a reason.")
    if wished_at is not None and as_utc(wished_at) < as_utc(now):
        raise DomainError("wished_in_past", "The wished time is in the past.")
    lines: list[tuple[Part, int]] = []
    for part_id, quantity in parts:
        part = session.get(Part, part_id)
        if part is None:
            raise DomainError("row_unknown", "That part is not in the catalogue.")
        if quantity <= 0:
            raise DomainError("quantity_invalid", "The quantity must be at least 1.")
        lines.append((part, quantity))

    customer = session.get(Customer, parent_job.customer_id)
    site = session.get(CustomerSite, parent_job.site_id) if parent_job.site_id else None
    deadlines = preview_deadlines(
        region_of(session, customer, site) if customer else None,
        parent_job.urgency,
        received_at=now,
        requested_at=wished_at,
    )
    assigned = assign_to_self and Role(engineer.role) == Role.ENGINEER
    job = Job(
        number=allocate_job_number(
            session, device_id=device_id, year=as_utc(now).astimezone().year
        ),
        job_type=parent_job.job_type,
        urgency=parent_job.urgency,
        status=JobStatus.ASSIGNED if assigned else JobStatus.NEW,
        customer_id=parent_job.customer_id,
        site_id=parent_job.site_id,
        machine_id=parent_job.machine_id,
        team_id=parent_job.team_id or engineer.team_id,
        assignee_id=engineer.id if assigned else None,
        parent_job_id=parent_job.id,
        contact_name=parent_job.contact_name,
        contact_phone=parent_job.contact_phone,
        address=parent_job.address,
        reported_model=parent_job.reported_model,
        reported_serial=parent_job.reported_serial,
        reported_purchase_date=parent_job.reported_purchase_date,
        reported_symptom=parent_job.reported_symptom,
        customer_request=parent_job.customer_request,
        received_at=now,
        requested_at=wished_at,
        answer_due_at=deadlines.answer_by,
        on_site_due_at=deadlines.on_site_by,
        note=reason.strip(),
        created_at=now,
        updated_at=now,
    )
    session.add(job)
    session.flush()
    record_event(
        session,
        job,
        JobEventKind.CREATED,
        actor=engineer,
        now=now,
        note=reason.strip(),
        data={"parent_job_id": parent_job.id, "parent_number": parent_job.number},
        device_id=device_id,
        to_status=JobStatus.NEW,
    )
    if assigned:
        # The assignment event is what HQ counts as "held by" the engineer (§4.6).
        job.answered_at = now
        record_event(
            session,
            job,
            JobEventKind.ASSIGNED,
            actor=engineer,
            now=now,
            data={"assignee_id": engineer.id},
            device_id=device_id,
            from_status=JobStatus.NEW,
            to_status=JobStatus.ASSIGNED,
        )
    record_event(
        session,
        parent_job,
        JobEventKind.FOLLOW_UP,
        actor=engineer,
        now=now,
        note=reason.strip(),
        data={"follow_up_job_id": job.id, "follow_up_number": job.number},
        device_id=device_id,
    )
    if lines:
        request_parts(session, job, engineer, lines, note=reason, now=now)
    log.info(
        "Follow-up %s of %s opened (%s)",
        job.number,
        parent_job.number,
        "assigned to the engineer" if assigned else "for the board",
    )
    return job


def parent_of(session: Session, job: Job) -> Job | None:
    if job.parent_job_id is None:
        return None
    return session.exec(
        select(Job).where(Job.id == job.parent_job_id, col(Job.deleted_at).is_(None))
    ).first()
