"""Warranty (三包一赔): a machine's status on a date, and whether a line is charged.

Policy per model (seed 000): return within 15 days (包退), exchange within 30 days
(包换), free repair for 2 years (包修), on-site service for life. The period starts on
the commissioning date when there is one, else on the purchase date; the start day is
day 1, so with a 15-day return period day 15 is the last day a return is accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from dateutil.relativedelta import relativedelta


@dataclass(frozen=True)
class WarrantyPolicy:
    return_days: int = 15
    exchange_days: int = 30
    warranty_months: int = 24
    warranty_hours: int | None = None  # some policies also end at an hour-meter reading


class WarrantyStatus(StrEnum):
    RETURN_PERIOD = "return_period"  # 包退 (and exchange, and repair) still possible
    EXCHANGE_PERIOD = "exchange_period"  # 包换 and repair
    IN_WARRANTY = "in_warranty"  # free repair (包修)
    EXPIRED = "expired"  # chargeable; on-site service for life continues
    UNKNOWN = "unknown"  # no purchase or commissioning date on file


@dataclass(frozen=True)
class WarrantyAssessment:
    status: WarrantyStatus
    start: date | None
    day_number: int | None  # day 1 is the start date
    return_until: date | None
    exchange_until: date | None
    warranty_until: date | None  # last day of free repair

    @property
    def free_repair(self) -> bool:
        return self.status in {
            WarrantyStatus.RETURN_PERIOD,
            WarrantyStatus.EXCHANGE_PERIOD,
            WarrantyStatus.IN_WARRANTY,
        }

    @property
    def can_return(self) -> bool:
        return self.status == WarrantyStatus.RETURN_PERIOD

    @property
    def can_exchange(self) -> bool:
        return self.status in {WarrantyStatus.RETURN_PERIOD, WarrantyStatus.EXCHANGE_PERIOD}

    def days_left(self, on: date) -> int | None:
        """Days of free repair left after ``on`` (0 on the last day), None if unknown."""
        if self.warranty_until is None:
            return None
        return max((self.warranty_until - on).days, 0)


def warranty_start(purchase_date: date | None, commissioning_date: date | None) -> date | None:
    return commissioning_date or purchase_date


def assess_warranty(
    policy: WarrantyPolicy,
    purchase_date: date | None,
    on: date,
    *,
    commissioning_date: date | None = None,
    hour_meter: float | None = None,
) -> WarrantyAssessment:
    start = warranty_start(purchase_date, commissioning_date)
    if start is None:
        return WarrantyAssessment(WarrantyStatus.UNKNOWN, None, None, None, None, None)
    return_until = start + timedelta(days=policy.return_days - 1)
    exchange_until = start + timedelta(days=policy.exchange_days - 1)
    warranty_until = start + relativedelta(months=policy.warranty_months) - timedelta(days=1)
    day_number = (on - start).days + 1
    hours_exceeded = (
        policy.warranty_hours is not None
        and hour_meter is not None
        and hour_meter > policy.warranty_hours
    )
    if on < start:
        # Work before the machine was sold (pre-delivery inspection) is the maker's cost.
        status = WarrantyStatus.IN_WARRANTY
    elif on <= return_until:
        status = WarrantyStatus.RETURN_PERIOD
    elif on <= exchange_until:
        status = WarrantyStatus.EXCHANGE_PERIOD
    elif on <= warranty_until and not hours_exceeded:
        status = WarrantyStatus.IN_WARRANTY
    else:
        status = WarrantyStatus.EXPIRED
    return WarrantyAssessment(
        status, start, day_number, return_until, exchange_until, warranty_until
    )


class ChargeReason(StrEnum):
    WARRANTY = "warranty"  # free: the machine is under warranty
    OUT_OF_WARRANTY = "out_of_warranty"
    CONSUMABLE = "consumable"  # filters, oil, teeth: never under 三包
    MISUSE = "misuse"  # damage by the operator is not covered
    MAINTENANCE = "maintenance"  # scheduled maintenance is paid by the customer
    UNKNOWN_DATE = "unknown_date"  # no purchase date: charged until it is known
    OVERRIDDEN = "overridden"


@dataclass(frozen=True)
class ChargeDecision:
    chargeable: bool
    reason: ChargeReason
    override_reason: str = ""


def decide_charge(
    assessment: WarrantyAssessment,
    *,
    is_part: bool,
    warranty_eligible: bool = True,
    misuse: bool = False,
    maintenance: bool = False,
) -> ChargeDecision:
    """Whether a part or labour line is charged to the customer, and why."""
    if is_part and not warranty_eligible:
        return ChargeDecision(True, ChargeReason.CONSUMABLE)
    if maintenance:
        return ChargeDecision(True, ChargeReason.MAINTENANCE)
    if misuse:
        return ChargeDecision(True, ChargeReason.MISUSE)
    if assessment.status == WarrantyStatus.UNKNOWN:
        return ChargeDecision(True, ChargeReason.UNKNOWN_DATE)
    if assessment.free_repair:
        return ChargeDecision(False, ChargeReason.WARRANTY)
    return ChargeDecision(True, ChargeReason.OUT_OF_WARRANTY)


def override_charge(decision: ChargeDecision, chargeable: bool, reason: str) -> ChargeDecision:
    """The engineer overrides the rules' decision; a reason is mandatory and kept."""
    if chargeable == decision.chargeable:
        return decision
    if not reason.strip():
        raise ValueError("Overriding whether a line is charged needs a reason.")
    return ChargeDecision(chargeable, ChargeReason.OVERRIDDEN, reason.strip())
