"""Warranty on a machine, the charge decision of a line, parts fitted and the van stock."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from fieldapp.clock import utcnow
from fieldapp.models import (
    Fault,
    Job,
    Machine,
    Part,
    PartUsage,
    ProductModel,
    StockMovement,
    User,
)
from fieldapp.models.enums import (
    JobType,
    MovementKind,
)
from fieldapp.rules import warranty
from fieldapp.services.common import DomainError
from fieldapp.services.jobs import require_work_allowed


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
