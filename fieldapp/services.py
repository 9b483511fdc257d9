"""Services: the domain's operations on the database, called by the UI, the CLI and HQ.

Each function works inside the caller's session (one user action = one transaction);
none commits. The rules they apply live in :mod:`fieldapp.rules`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from fieldapp.clock import as_utc, utcnow
from fieldapp.models import (
    Attachment,
    ChecklistAnswer,
    ChecklistRun,
    ChecklistTemplate,
    ChecklistTemplateItem,
    Customer,
    Fault,
    FollowUp,
    HourMeterReading,
    Job,
    JobEvent,
    Machine,
    Part,
    PartUsage,
    PreInspectionFinding,
    ProductModel,
    Region,
    SignOff,
    StockMovement,
    TimeEntry,
    User,
)
from fieldapp.models.enums import (
    AttachmentKind,
    JobEventKind,
    JobStatus,
    JobType,
    MovementKind,
    Satisfaction,
    TimeKind,
)
from fieldapp.rules import jobflow, kpi, sla, warranty
from fieldapp.rules.dispatch import DispatchInfo, DispatchIssue, check_dispatch
from fieldapp.rules.report_hash import REPORT_SCHEMA, canonical_bytes, report_hash

DEFAULT_LABOUR_RATE_CENTS_PER_HOUR = 15000  # 150 yuan an hour, chargeable labour


class DomainError(ValueError):
    """A request the rules refuse, with a stable code the UI and HQ translate."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# --- jobs ----------------------------------------------------------------------------


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
    elif action == JobEventKind.HANDED_BACK:
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


# --- warranty, parts and stock --------------------------------------------------------


def machine_warranty(session: Session, machine: Machine, on: date) -> warranty.WarrantyAssessment:
    model = session.get(ProductModel, machine.model_id)
    policy = (
        warranty.WarrantyPolicy(
            model.return_days, model.exchange_days, model.warranty_months, model.warranty_hours
        )
        if model
        else warranty.WarrantyPolicy()
    )
    return warranty.assess_warranty(
        policy,
        machine.purchase_date,
        on,
        commissioning_date=machine.commissioning_date,
        hour_meter=machine.hour_meter,
    )


def line_charge(
    session: Session, job: Job, on: date, *, part: Part | None = None, misuse: bool = False
) -> warranty.ChargeDecision:
    machine = session.get(Machine, job.machine_id) if job.machine_id else None
    assessment = (
        machine_warranty(session, machine, on)
        if machine
        else warranty.assess_warranty(warranty.WarrantyPolicy(), None, on)
    )
    return warranty.decide_charge(
        assessment,
        is_part=part is not None,
        warranty_eligible=part.warranty_eligible if part else True,
        misuse=misuse,
        maintenance=job.job_type == JobType.MAINTENANCE,
    )


def require_work_allowed(job: Job) -> None:
    if not jobflow.can_record_work(job.status):
        raise DomainError("not_on_site", "Work is recorded once the arrival is registered.")


def use_part(
    session: Session,
    job: Job,
    part: Part,
    quantity: int,
    actor: User,
    *,
    location_id: str | None,
    fault: Fault | None = None,
    chargeable: bool | None = None,
    override_reason: str = "",
    now: datetime | None = None,
) -> PartUsage:
    """A part fitted on the customer's machine, taken out of the van stock."""
    now = now or utcnow()
    require_work_allowed(job)
    if quantity <= 0:
        raise DomainError("quantity_invalid", "The quantity must be at least 1.")
    decision = line_charge(session, job, now.date(), part=part, misuse=bool(fault and fault.misuse))
    if chargeable is not None:
        try:
            decision = warranty.override_charge(decision, chargeable, override_reason)
        except ValueError as error:
            raise DomainError("override_reason_required", str(error)) from error
    usage = PartUsage(
        job_id=job.id,
        part_id=part.id,
        fault_id=fault.id if fault else None,
        from_location_id=location_id,
        quantity=quantity,
        unit_price_cents=part.price_cents,
        warranty=not decision.chargeable,
        override_reason=decision.override_reason,
    )
    session.add(usage)
    if location_id:
        session.add(
            StockMovement(
                part_id=part.id,
                location_id=location_id,
                quantity=-quantity,
                kind=MovementKind.USE,
                moved_at=now,
                job_id=job.id,
                part_usage_id=usage.id,
                user_id=actor.id,
            )
        )
    return usage


def stock_on_hand(session: Session, location_id: str) -> dict[str, int]:
    """Quantity per part at a location: the sum of its movements."""
    rows = session.exec(
        select(StockMovement.part_id, func.sum(StockMovement.quantity))
        .where(StockMovement.location_id == location_id, col(StockMovement.deleted_at).is_(None))
        .group_by(StockMovement.part_id)
    ).all()
    return {part_id: int(total) for part_id, total in rows if total}


@dataclass(frozen=True)
class Charges:
    """What the job costs: what the customer pays, and what the warranty covers."""

    parts_cents: int
    labour_cents: int
    warranty_cents: int  # shown to the customer, never charged

    @property
    def total_cents(self) -> int:
        return self.parts_cents + self.labour_cents


def charges(
    usages: Sequence[PartUsage],
    times: Sequence[TimeEntry],
    labour_rate_cents: int = DEFAULT_LABOUR_RATE_CENTS_PER_HOUR,
) -> Charges:
    """Chargeable parts and chargeable labour; warranty lines at zero."""
    labour = [t for t in times if t.kind == TimeKind.LABOUR]
    charged = sum(t.minutes for t in labour if not t.warranty)
    free = sum(t.minutes for t in labour if t.warranty)
    return Charges(
        parts_cents=sum(u.quantity * u.unit_price_cents for u in usages if not u.warranty),
        labour_cents=round(charged * labour_rate_cents / 60),
        warranty_cents=sum(u.quantity * u.unit_price_cents for u in usages if u.warranty)
        + round(free * labour_rate_cents / 60),
    )


@dataclass(frozen=True)
class ChargeLine:
    """One line of what the customer signs for: a part (quantity x unit price), labour
    (hours x hourly rate) or travel, with what it is worth and what is charged (0 for a
    warranty line) and why (a :class:`warranty.ChargeReason` code, or the override's
    reason given by the engineer)."""

    kind: str  # "part", or a TimeKind: "labour", "travel"
    part_no: str
    name_zh: str
    name_en: str
    quantity: float  # pieces, or hours
    unit_price_cents: int  # per piece, or per hour
    value_cents: int  # quantity x unit price
    amount_cents: int  # what the customer pays: value_cents, or 0
    reason: str  # ChargeReason value
    override_reason: str = ""

    def as_content(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "part_no": self.part_no,
            "name": self.name_zh,
            "name_en": self.name_en,
            "quantity": self.quantity,
            "unit_price_cents": self.unit_price_cents,
            "value_cents": self.value_cents,
            "amount_cents": self.amount_cents,
            "reason": self.reason,
            "override_reason": self.override_reason,
        }


#: Why a line costs the customer nothing.
FREE_REASONS = frozenset({warranty.ChargeReason.WARRANTY, "not_charged"})


def charge_lines(
    session: Session,
    job: Job,
    labour_rate_cents: int = DEFAULT_LABOUR_RATE_CENTS_PER_HOUR,
    *,
    on: date | None = None,
) -> list[ChargeLine]:
    """Every line the customer sees before signing and on the report, in the order
    parts, labour, travel. The sum of the amounts is ``charges(...).total_cents``; the
    lines and the totals come from the same rows, so the screen and the paper agree."""
    on = on or utcnow().date()
    usages = live_rows(session, PartUsage, PartUsage.job_id == job.id)
    times = live_rows(session, TimeEntry, TimeEntry.job_id == job.id)
    lines: list[ChargeLine] = []
    for usage in usages:
        part = session.get(Part, usage.part_id)
        value = usage.quantity * usage.unit_price_cents
        if usage.override_reason:
            reason = str(warranty.ChargeReason.OVERRIDDEN)
        elif usage.warranty:
            reason = str(warranty.ChargeReason.WARRANTY)
        else:
            reason = str(line_charge(session, job, on, part=part).reason) if part else ""
        lines.append(
            ChargeLine(
                kind="part",
                part_no=part.part_no if part else "",
                name_zh=part.name_zh if part else "",
                name_en=(part.name_en or part.name_zh) if part else "",
                quantity=usage.quantity,
                unit_price_cents=usage.unit_price_cents,
                value_cents=value,
                amount_cents=0 if usage.warranty else value,
                reason=reason,
                override_reason=usage.override_reason,
            )
        )
    labour = [t for t in times if t.kind == TimeKind.LABOUR]
    for free in (False, True):
        minutes = sum(t.minutes for t in labour if t.warranty == free)
        if not minutes:
            continue
        value = round(minutes * labour_rate_cents / 60)
        reason = (
            str(warranty.ChargeReason.WARRANTY)
            if free
            else str(line_charge(session, job, on).reason)
        )
        lines.append(
            ChargeLine(
                kind=str(TimeKind.LABOUR),
                part_no="",
                name_zh="",
                name_en="",
                quantity=round(minutes / 60, 2),
                unit_price_cents=labour_rate_cents,
                value_cents=value,
                amount_cents=0 if free else value,
                reason=reason,
            )
        )
    travel = sum(t.minutes for t in times if t.kind == TimeKind.TRAVEL)
    if travel:  # travel time is recorded for the register; it is not charged
        lines.append(
            ChargeLine(
                kind=str(TimeKind.TRAVEL),
                part_no="",
                name_zh="",
                name_en="",
                quantity=round(travel / 60, 2),
                unit_price_cents=0,
                value_cents=0,
                amount_cents=0,
                reason="not_charged",
            )
        )
    return lines


def job_amount_cents(
    session: Session, job: Job, labour_rate_cents: int = DEFAULT_LABOUR_RATE_CENTS_PER_HOUR
) -> int:
    """What the customer pays: chargeable parts and chargeable labour (warranty at 0)."""
    usages = live_rows(session, PartUsage, PartUsage.job_id == job.id)
    times = live_rows(session, TimeEntry, TimeEntry.job_id == job.id)
    return charges(usages, times, labour_rate_cents).total_cents


# --- the signed report ------------------------------------------------------------------


def live_rows(session: Session, model: type[Any], *conditions: Any) -> list[Any]:
    """The rows of ``model`` matching ``conditions`` that are not deleted, oldest first."""
    statement = select(model).where(*conditions, col(model.deleted_at).is_(None))
    return list(session.exec(statement.order_by(col(model.created_at), col(model.id))).all())


def effective_answers(session: Session, run: ChecklistRun) -> list[ChecklistAnswer]:
    """The latest answer per item: corrections supersede, they never overwrite."""
    answers = live_rows(session, ChecklistAnswer, ChecklistAnswer.run_id == run.id)
    superseded = {a.supersedes_id for a in answers if a.supersedes_id}
    latest: dict[str, ChecklistAnswer] = {}
    for answer in answers:
        if answer.id not in superseded:
            latest[answer.item_id] = answer
    return list(latest.values())


def build_report_content(
    session: Session,
    job: Job,
    *,
    signer_name: str,
    opinion: str,
    satisfaction: str | None,
    signature_sha256: str,
    signed_at: datetime,
    engineer: User | None,
    amends_hash: str | None = None,
    engineer_signature_sha256: str | None = None,
    open_items: dict[str, Any] | None = None,
    letterhead: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything the customer signs for, as a plain value tree (hashed canonically).

    The time of leaving the site is the time of signing: the customer signs as the
    engineer hands the machine back and leaves."""
    customer = session.get(Customer, job.customer_id)
    machine = session.get(Machine, job.machine_id) if job.machine_id else None
    model = session.get(ProductModel, machine.model_id) if machine else None
    events = live_rows(session, JobEvent, JobEvent.job_id == job.id)
    checklists = []
    for run in live_rows(session, ChecklistRun, ChecklistRun.job_id == job.id):
        template = session.get(ChecklistTemplate, run.template_id)
        items = {
            item.id: item
            for item in live_rows(
                session, ChecklistTemplateItem, ChecklistTemplateItem.template_id == run.template_id
            )
        }
        answers = sorted(effective_answers(session, run), key=lambda a: items[a.item_id].position)
        checklists.append(
            {
                "template": template.code if template else run.template_id,
                "revision": template.revision if template else None,
                "name": template.name_zh if template else "",
                "name_en": template.name_en if template else "",
                "internal": bool(template.internal) if template else False,
                "answers": [
                    {
                        "item": items[a.item_id].label_zh,
                        "item_en": items[a.item_id].label_en,
                        "kind": items[a.item_id].kind,
                        "unit": items[a.item_id].unit,
                        "position": items[a.item_id].position,
                        "result": a.result,
                        "number": a.number_value,
                        "text": a.text_value,
                        "choice": a.choice_value,
                        "note": a.note,
                        "photo": _attachment_hash(session, a.attachment_id),
                    }
                    for a in answers
                ],
            }
        )
    parts_by_id = {}
    usages = live_rows(session, PartUsage, PartUsage.job_id == job.id)
    for usage in usages:
        parts_by_id[usage.part_id] = session.get(Part, usage.part_id)
    photos = live_rows(
        session, Attachment, Attachment.job_id == job.id, Attachment.kind == AttachmentKind.PHOTO
    )
    return {
        "schema": REPORT_SCHEMA,
        "job": {
            "id": job.id,
            "number": job.number,
            "type": job.job_type,
            "urgency": job.urgency,
            "symptom": job.reported_symptom,
            "request": job.customer_request,
            "received_at": job.received_at,
            "arrived_at": job.arrived_at,
        },
        "customer": {
            "id": customer.id if customer else None,
            "name": customer.name if customer else "",
            "address": job.address,
            "contact": job.contact_name,
            "phone": job.contact_phone,
        },
        "machine": {
            "id": machine.id if machine else None,
            "model": model.code if model else job.reported_model,
            "serial": machine.serial if machine else job.reported_serial,
            "hour_meter": machine.hour_meter if machine else None,
        },
        "events": [
            {"kind": e.kind, "at": e.occurred_at, "note": e.note}
            # A departure or arrival undone on the spot is no part of the visit.
            for e in jobflow.standing_register(events)
            if e.kind in {JobEventKind.DEPARTED, JobEventKind.ARRIVED, JobEventKind.SUSPENDED}
        ],
        "findings": [
            {
                "component": f.component,
                "description": f.description,
                "fix_now": f.fix_now,
                "danger": f.danger_if_not,
                "remaining_life": f.remaining_life,
            }
            for f in live_rows(session, PreInspectionFinding, PreInspectionFinding.job_id == job.id)
        ],
        "checklists": checklists,
        "faults": [
            {
                "assembly": f.assembly,
                "code": f.fault_code,
                "symptom": f.symptom,
                "cause": f.cause,
                "action": f.action,
                "fixed": f.fixed,
                "repair_location": f.repair_location,
                "loaner": f.loaner_provided,
                "hour_meter": f.hour_meter,
            }
            for f in live_rows(session, Fault, Fault.job_id == job.id)
        ],
        "parts": [
            {
                "part_no": parts_by_id[u.part_id].part_no,
                "name": parts_by_id[u.part_id].name_zh,
                "name_en": parts_by_id[u.part_id].name_en,
                "quantity": u.quantity,
                "unit_price_cents": u.unit_price_cents,
                "warranty": u.warranty,
                "override_reason": u.override_reason,
                "old_part_shown": u.old_part_shown,
            }
            for u in usages
        ],
        "time": [
            {"kind": t.kind, "minutes": t.minutes, "warranty": t.warranty, "note": t.note}
            for t in live_rows(session, TimeEntry, TimeEntry.job_id == job.id)
        ],
        "photos": sorted(p.sha256 for p in photos),
        "amount_cents": job_amount_cents(session, job),
        "charges": _charges_content(session, job, usages, signed_at.date()),
        "engineer": (
            {
                "id": engineer.id,
                "name": engineer.display_name,
                "signature": engineer_signature_sha256,
            }
            if engineer
            else None
        ),
        "left_site_at": signed_at,
        "open_items": open_items,
        "letterhead": letterhead,
        "sign_off": {
            "signer": signer_name,
            "opinion": opinion,
            "satisfaction": satisfaction,
            "signature": signature_sha256,
            "signed_at": signed_at,
            "amends": amends_hash,
        },
    }


def _charges_content(
    session: Session, job: Job, usages: Sequence[PartUsage], on: date
) -> dict[str, Any]:
    """The charged lines and totals as signed: the lines add up to the total."""
    times = live_rows(session, TimeEntry, TimeEntry.job_id == job.id)
    totals = charges(usages, times)
    return {
        "lines": [line.as_content() for line in charge_lines(session, job, on=on)],
        "labour_rate_cents": DEFAULT_LABOUR_RATE_CENTS_PER_HOUR,
        "parts_cents": totals.parts_cents,
        "labour_cents": totals.labour_cents,
        "warranty_cents": totals.warranty_cents,
        "total_cents": totals.total_cents,
    }


def _attachment_hash(session: Session, attachment_id: str | None) -> str | None:
    if attachment_id is None:
        return None
    attachment = session.get(Attachment, attachment_id)
    return attachment.sha256 if attachment else None


def sign_job(
    session: Session,
    job: Job,
    engineer: User,
    *,
    signer_name: str,
    signature_sha256: str,
    opinion: str = "",
    satisfaction: str | None = None,
    now: datetime | None = None,
    device_id: str | None = None,
    engineer_signature_sha256: str | None = None,
    open_items: dict[str, Any] | None = None,
    letterhead: dict[str, Any] | None = None,
) -> SignOff:
    """The customer signs: the report's content is hashed and frozen with the signature.
    On a returned report, the new sign-off is an amendment of the previous one."""
    now = now or utcnow()
    if not signer_name.strip():
        raise DomainError("signer_required", "The customer's name is required.")
    if len(signature_sha256) != 64:
        raise DomainError("signature_required", "The customer's signature is required.")
    if satisfaction is not None:
        Satisfaction(satisfaction)
    try:
        jobflow.check_transition(
            JobEventKind.SIGNED,
            job.status,
            engineer.role,
            is_assignee=job.assignee_id == engineer.id,
        )
    except jobflow.TransitionError as error:
        raise DomainError(error.code, str(error)) from error
    previous = session.exec(
        select(SignOff).where(SignOff.job_id == job.id).order_by(col(SignOff.signed_at).desc())
    ).first()
    amends = previous if job.status == JobStatus.RETURNED else None
    job.amount_cents = job_amount_cents(session, job)
    content = build_report_content(
        session,
        job,
        signer_name=signer_name.strip(),
        opinion=opinion.strip(),
        satisfaction=satisfaction,
        signature_sha256=signature_sha256,
        signed_at=now,
        engineer=engineer,
        amends_hash=amends.report_hash if amends else None,
        engineer_signature_sha256=engineer_signature_sha256,
        open_items=open_items,
        letterhead=letterhead,
    )
    sign_off = SignOff(
        job_id=job.id,
        signer_name=signer_name.strip(),
        opinion=opinion.strip(),
        satisfaction=satisfaction,
        signature_sha256=signature_sha256,
        report_hash=report_hash(content),
        content=canonical_bytes(content).decode("utf-8"),
        signed_at=now,
        engineer_id=engineer.id,
        amends_id=amends.id if amends else None,
    )
    session.add(sign_off)
    job.completed_at = now
    source = job.status
    job.status = JobStatus.SIGNED
    record_event(
        session,
        job,
        JobEventKind.SIGNED,
        actor=engineer,
        now=now,
        device_id=device_id,
        from_status=source,
        to_status=JobStatus.SIGNED,
        data={"report_hash": sign_off.report_hash},
    )
    return sign_off


# --- scores -----------------------------------------------------------------------------


@dataclass(frozen=True)
class EngineerMonth:
    engineer_id: str
    follow_ups: int
    score: kpi.MonthlyScore
    bonus_cents: int


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    start = as_utc(datetime(year, month, 1))
    end = as_utc(datetime(year + (month == 12), month % 12 + 1, 1))
    return start, end


def engineer_month(
    session: Session,
    engineer_id: str,
    year: int,
    month: int,
    rate: Any = kpi.DEFAULT_BONUS_RATE,
) -> EngineerMonth:
    """The engineer's follow-up score and service bonus for a calendar month (UTC)."""
    start, end = month_bounds(year, month)
    calls = session.exec(
        select(FollowUp).where(
            FollowUp.engineer_id == engineer_id,
            col(FollowUp.called_at) >= start,
            col(FollowUp.called_at) < end,
            col(FollowUp.satisfaction).is_not(None),
            col(FollowUp.deleted_at).is_(None),
        )
    ).all()
    outcomes = [
        kpi.FollowUpOutcome(c.job_id, Satisfaction(c.satisfaction), c.praise)
        for c in calls
        if c.satisfaction
    ]
    score = kpi.monthly_score(outcomes)
    amounts: dict[str, int] = defaultdict(int)
    for call in calls:
        job = session.get(Job, call.job_id)
        if job:
            amounts[job.id] = job.amount_cents
    bonus = kpi.service_bonus_cents(dict(amounts), score.withheld_job_ids, rate)
    return EngineerMonth(engineer_id, len(outcomes), score, bonus)


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
