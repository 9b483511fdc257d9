"""Billing: what the customer pays, the totals and the lines signed for, from the same rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session

from fieldapp.clock import utcnow
from fieldapp.models import (
    Job,
    Part,
    PartUsage,
    TimeEntry,
)
from fieldapp.models.enums import (
    TimeKind,
)
from fieldapp.rules import warranty
from fieldapp.services.common import live_rows
from fieldapp.services.parts import line_charge

DEFAULT_LABOUR_RATE_CENTS_PER_HOUR = 15000  # 150 yuan an hour, chargeable labour


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
