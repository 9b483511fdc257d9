"""Parts requests from request to van (领料单 / 备件申请, seed 002): the supervisor's queue
of their team's requests, warranty first (先顾客, 后生产); approval by a person or by the
rule (:mod:`fieldapp.rules.parts_approval`), which the supervisor's device applies to the
new requests it receives; a rejection with its reason; the shipment (carrier, tracking
number, date); and the engineer's receipt, which puts the parts in the van as one
``transfer_in`` movement per line.

A request moves requested → approved → shipped → received, or requested → rejected.
Every function works inside the caller's transaction and is safe to repeat: approving
an approved request, or receiving a received one, changes nothing."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from fieldapp.models import (
    Customer,
    Job,
    Part,
    PartsRequest,
    PartsRequestLine,
    PartUsage,
    StockMovement,
    User,
)
from fieldapp.models.enums import MovementKind, PartsRequestStatus, Role
from fieldapp.rules import parts_approval
from fieldapp.rules.parts_approval import ApprovalDecision, LineFacts
from fieldapp.services.common import DomainError, live_rows
from fieldapp.services.work import van_of

log = logging.getLogger(__name__)

Status = PartsRequestStatus
#: The queue's order of statuses: what waits for the supervisor first.
STATUS_ORDER = (Status.REQUESTED, Status.APPROVED, Status.SHIPPED, Status.RECEIVED, Status.REJECTED)
#: How a rejection's reason is kept in the request's note (there is no column of its own):
#: the engineer's note, then this mark and the supervisor's reason.
REJECTED_MARK = "\n✗ "


@dataclass(frozen=True)
class RequestLine:
    line: PartsRequestLine
    part: Part | None  # None: the catalogue on this device lacks it (sync to receive it)


@dataclass(frozen=True)
class RequestRow:
    """One request as the queue and the detail show it."""

    request: PartsRequest
    requester_name: str
    job_number: str
    customer_name: str
    lines: tuple[RequestLine, ...]
    decision: ApprovalDecision  # what the rule says of it (automatic or why not)

    @property
    def engineer_note(self) -> str:
        return split_note(self.request.note)[0]

    @property
    def rejection_reason(self) -> str:
        return split_note(self.request.note)[1]


def split_note(note: str) -> tuple[str, str]:
    """(the engineer's note, the supervisor's reason for a rejection)."""
    head, mark, reason = note.partition(REJECTED_MARK)
    return head.strip(), reason.strip() if mark else ""


# --- who may act -------------------------------------------------------------------------


def _is_manager(user: User) -> bool:
    return Role(user.role) in {Role.SUPERVISOR, Role.ADMIN}


def _require_manager_of(session: Session, actor: User, request: PartsRequest) -> None:
    """The requester's supervisor (same team) or an administrator; HQ checks it too (§4.6)."""
    if not _is_manager(actor):
        raise DomainError("forbidden_role", "Only a supervisor decides on parts requests.")
    if Role(actor.role) == Role.ADMIN:
        return
    requester = session.get(User, request.requester_id)
    if requester is None or actor.team_id is None or requester.team_id != actor.team_id:
        raise DomainError("not_your_team", "This request is not from your team.")


def _require_status(request: PartsRequest, *allowed: Status) -> None:
    if request.status not in allowed:
        raise DomainError(
            "request_status",
            f"The request is {request.status}; this needs {', '.join(allowed)}.",
        )


# --- the queue -----------------------------------------------------------------------------


def _team_requests(session: Session, supervisor: User) -> list[PartsRequest]:
    statement = select(PartsRequest).where(col(PartsRequest.deleted_at).is_(None))
    if Role(supervisor.role) != Role.ADMIN:
        members = select(User.id).where(User.team_id == supervisor.team_id)
        if supervisor.team_id is None:
            members = select(User.id).where(User.id == supervisor.id)
        statement = statement.where(col(PartsRequest.requester_id).in_(members))
    return list(session.exec(statement).all())


def _lines_of(session: Session, request_ids: list[str]) -> dict[str, list[RequestLine]]:
    if not request_ids:
        return {}
    rows = session.exec(
        select(PartsRequestLine, Part)
        .join(Part, col(Part.id) == col(PartsRequestLine.part_id), isouter=True)
        .where(
            col(PartsRequestLine.request_id).in_(request_ids),
            col(PartsRequestLine.deleted_at).is_(None),
        )
        .order_by(col(PartsRequestLine.created_at), col(PartsRequestLine.id))
    ).all()
    lines: dict[str, list[RequestLine]] = defaultdict(list)
    for line, part in rows:
        lines[line.request_id].append(RequestLine(line, part))
    return lines


def usage_history(
    session: Session, part_ids: Iterable[str], *, excluding_job: str | None = None
) -> dict[str, tuple[int, ...]]:
    """The quantity of each part fitted per past job (the request's own job left out)."""
    ids = list(set(part_ids))
    if not ids:
        return {}
    statement = (
        select(PartUsage.part_id, PartUsage.job_id, func.sum(PartUsage.quantity))
        .where(col(PartUsage.part_id).in_(ids), col(PartUsage.deleted_at).is_(None))
        .group_by(PartUsage.part_id, PartUsage.job_id)
    )
    history: dict[str, list[int]] = defaultdict(list)
    for part_id, job_id, total in session.exec(statement).all():
        if job_id != excluding_job and total:
            history[part_id].append(int(total))
    return {part_id: tuple(values) for part_id, values in history.items()}


def approval_decision(
    session: Session, request: PartsRequest, lines: list[RequestLine] | None = None
) -> ApprovalDecision:
    """What the automatic-approval rule says of ``request``."""
    if lines is None:
        lines = _lines_of(session, [request.id]).get(request.id, [])
    history = usage_history(
        session, (rl.line.part_id for rl in lines), excluding_job=request.job_id
    )
    facts = [
        LineFacts(
            part_no=rl.part.part_no if rl.part else rl.line.part_id[:8],
            category=rl.part.category if rl.part else "",
            quantity=rl.line.quantity,
            usage_per_job=history.get(rl.line.part_id, ()),
        )
        for rl in lines
    ]
    return parts_approval.decide(
        pending=request.status == Status.REQUESTED,
        for_job=request.job_id is not None,
        warranty=request.warranty,
        lines=facts,
    )


def _rows(session: Session, requests: list[PartsRequest]) -> list[RequestRow]:
    lines = _lines_of(session, [r.id for r in requests])
    users = {u.id: u for u in session.exec(select(User)).all()}
    job_ids = {r.job_id for r in requests if r.job_id}
    jobs = (
        {j.id: j for j in session.exec(select(Job).where(col(Job.id).in_(job_ids))).all()}
        if job_ids
        else {}
    )
    customer_ids = {j.customer_id for j in jobs.values()}
    customers = (
        {
            c.id: c
            for c in session.exec(select(Customer).where(col(Customer.id).in_(customer_ids))).all()
        }
        if customer_ids
        else {}
    )
    rows = []
    for request in requests:
        job = jobs.get(request.job_id) if request.job_id else None
        customer = customers.get(job.customer_id) if job else None
        requester = users.get(request.requester_id)
        own = lines.get(request.id, [])
        rows.append(
            RequestRow(
                request=request,
                requester_name=requester.display_name if requester else "",
                job_number=job.number if job else "",
                customer_name=customer.name if customer else "",
                lines=tuple(own),
                decision=approval_decision(session, request, own),
            )
        )
    return rows


def queue_key(request: PartsRequest) -> tuple[int, int, datetime, str]:
    """Waiting for the supervisor first, then warranty first (先顾客, 后生产), oldest first."""
    return (
        STATUS_ORDER.index(Status(request.status)) if request.status in STATUS_ORDER else 9,
        0 if request.warranty else 1,
        request.requested_at,
        request.id,
    )


def team_requests(
    session: Session,
    supervisor: User,
    *,
    status: str | None = None,
    requester_id: str | None = None,
    warranty: bool | None = None,
) -> list[RequestRow]:
    """The team's requests, filtered, in the queue's order (:func:`queue_key`)."""
    requests = [
        r
        for r in _team_requests(session, supervisor)
        if (status is None or r.status == status)
        and (requester_id is None or r.requester_id == requester_id)
        and (warranty is None or r.warranty == warranty)
    ]
    requests.sort(key=queue_key)
    return _rows(session, requests)


def request_row(session: Session, request_id: str) -> RequestRow | None:
    request = session.get(PartsRequest, request_id)
    if request is None or request.deleted_at is not None:
        return None
    return _rows(session, [request])[0]


def status_counts(session: Session, supervisor: User) -> dict[str, int]:
    counts: dict[str, int] = {s.value: 0 for s in STATUS_ORDER}
    for request in _team_requests(session, supervisor):
        counts[request.status] = counts.get(request.status, 0) + 1
    return counts


def team_requesters(session: Session, supervisor: User) -> list[User]:
    """The engineers whose requests the supervisor sees, by name (the filter's choices)."""
    ids = {r.requester_id for r in _team_requests(session, supervisor)}
    users = [u for u in (session.get(User, i) for i in ids) if u is not None]
    return sorted(users, key=lambda u: u.display_name)


# --- the supervisor's decisions ---------------------------------------------------------------


def approve(
    session: Session,
    request: PartsRequest,
    actor: User,
    *,
    now: datetime,
    automatic: bool = False,
) -> PartsRequest:
    """Approve for delivery. ``automatic``: by the rule, which must allow it."""
    _require_manager_of(session, actor, request)
    if request.status == Status.APPROVED:
        return request  # a second tap, or the rule after the person: nothing changes
    _require_status(request, Status.REQUESTED)
    if automatic:
        decision = approval_decision(session, request)
        if not decision.automatic:
            raise DomainError("not_automatic", "The rule does not approve this request.")
    request.status = Status.APPROVED
    request.approved_at = now
    request.approved_by_id = actor.id
    request.auto_approved = automatic
    log.info("Parts request %s approved%s", request.id, " by the rule" if automatic else "")
    return request


def auto_approve_new(session: Session, supervisor: User, *, now: datetime) -> list[PartsRequest]:
    """Approve every waiting request of the team that the rule allows (run on the
    supervisor's device after a sync brought new requests). Returns those approved."""
    if not _is_manager(supervisor):
        return []
    waiting = [r for r in _team_requests(session, supervisor) if r.status == Status.REQUESTED]
    waiting.sort(key=queue_key)
    approved = []
    for request in waiting:
        if approval_decision(session, request).automatic:
            approved.append(approve(session, request, supervisor, now=now, automatic=True))
    return approved


def reject(
    session: Session, request: PartsRequest, actor: User, *, reason: str, now: datetime
) -> PartsRequest:
    """Refuse the request; the reason goes to the engineer with it."""
    _require_manager_of(session, actor, request)
    if not reason.strip():
        raise DomainError("reason_required", "Give a reason.")
    if request.status == Status.REJECTED:
        return request
    _require_status(request, Status.REQUESTED, Status.APPROVED)
    engineer_note, _old = split_note(request.note)
    request.status = Status.REJECTED
    request.note = f"{engineer_note}{REJECTED_MARK}{reason.strip()}"
    request.approved_at = None
    request.approved_by_id = actor.id
    request.auto_approved = False
    log.info("Parts request %s rejected at %s", request.id, now.isoformat())
    return request


def record_shipment(
    session: Session,
    request: PartsRequest,
    actor: User,
    *,
    carrier: str,
    tracking_no: str,
    shipped_at: datetime,
) -> PartsRequest:
    """The dispatch record: carrier, tracking number and date. Correcting a typo in a
    shipment already recorded is allowed until the engineer received it."""
    _require_manager_of(session, actor, request)
    carrier, tracking_no = carrier.strip(), tracking_no.strip()
    if not carrier or not tracking_no:
        raise DomainError("shipment_incomplete", "Enter the carrier and the tracking number.")
    _require_status(request, Status.APPROVED, Status.SHIPPED)
    request.status = Status.SHIPPED
    request.carrier = carrier[:64]
    request.tracking_no = tracking_no[:64]
    request.shipped_at = shipped_at
    return request


# --- the engineer's receipt ----------------------------------------------------------------


def received_movements(session: Session, request: PartsRequest) -> list[StockMovement]:
    return live_rows(
        session,
        StockMovement,
        StockMovement.transfer_id == request.id,
        StockMovement.kind == MovementKind.TRANSFER_IN,
    )


def receive(
    session: Session, request: PartsRequest, engineer: User, *, now: datetime
) -> list[StockMovement]:
    """The parts arrived: each line into the van as a ``transfer_in`` movement (named by
    the request, so a second tap adds nothing), and the request is received."""
    if request.requester_id != engineer.id:
        raise DomainError("not_requester", "Only the engineer who asked receives the parts.")
    done = received_movements(session, request)
    if request.status == Status.RECEIVED or done:
        request.status = Status.RECEIVED
        request.received_at = request.received_at or now
        return done
    _require_status(request, Status.SHIPPED)
    van_id = request.to_location_id
    if van_id is None:
        van = van_of(session, engineer)
        if van is None:
            raise DomainError("no_van", "No van stock is on file for you.")
        van_id = van.id
    reference = " ".join(p for p in (request.carrier, request.tracking_no) if p)[:64]
    movements = []
    for line in live_rows(session, PartsRequestLine, PartsRequestLine.request_id == request.id):
        movement = StockMovement(
            part_id=line.part_id,
            location_id=van_id,
            quantity=line.quantity,
            kind=MovementKind.TRANSFER_IN,
            moved_at=now,
            # No job: the parts enter the van; the request names the job they are for.
            transfer_id=request.id,
            reference=reference,
            user_id=engineer.id,
        )
        session.add(movement)
        movements.append(movement)
    request.status = Status.RECEIVED
    request.received_at = now
    log.info("Parts request %s received: %d line(s)", request.id, len(movements))
    return movements


def engineer_requests(session: Session, engineer: User) -> list[RequestRow]:
    """The engineer's own requests, newest first (shipped ones waiting to be received first)."""
    requests = live_rows(session, PartsRequest, PartsRequest.requester_id == engineer.id)
    requests.sort(key=lambda r: r.requested_at, reverse=True)
    requests.sort(key=lambda r: r.status != Status.SHIPPED)  # stable: newest first within
    return _rows(session, requests)
