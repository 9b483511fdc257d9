from datetime import date, timedelta

import pytest

from fieldapp.rules.warranty import (
    ChargeReason,
    WarrantyPolicy,
    WarrantyStatus,
    assess_warranty,
    decide_charge,
    override_charge,
)

POLICY = WarrantyPolicy()  # 15-day return, 30-day exchange, 2-year warranty
BOUGHT = date(2026, 3, 1)


def day(n: int) -> date:
    """Day n of the period, day 1 being the purchase date."""
    return BOUGHT + timedelta(days=n - 1)


def test_return_period_ends_on_day_15() -> None:
    day15 = assess_warranty(POLICY, BOUGHT, day(15))
    day16 = assess_warranty(POLICY, BOUGHT, day(16))
    assert day15.status == WarrantyStatus.RETURN_PERIOD and day15.can_return
    assert day15.day_number == 15
    assert day16.status == WarrantyStatus.EXCHANGE_PERIOD
    assert not day16.can_return and day16.can_exchange


def test_exchange_period_ends_on_day_30() -> None:
    assert assess_warranty(POLICY, BOUGHT, day(30)).can_exchange
    day31 = assess_warranty(POLICY, BOUGHT, day(31))
    assert day31.status == WarrantyStatus.IN_WARRANTY
    assert not day31.can_exchange and day31.free_repair


def test_two_year_warranty_last_day_and_day_after() -> None:
    last = assess_warranty(POLICY, BOUGHT, date(2028, 2, 29))
    assert last.warranty_until == date(2028, 2, 29)
    assert last.free_repair and last.days_left(date(2028, 2, 29)) == 0
    after = assess_warranty(POLICY, BOUGHT, date(2028, 3, 1))
    assert after.status == WarrantyStatus.EXPIRED and not after.free_repair


def test_leap_day_purchase_ends_on_the_last_day_of_february() -> None:
    assessment = assess_warranty(POLICY, date(2024, 2, 29), date(2026, 2, 27))
    assert assessment.warranty_until == date(2026, 2, 27)
    assert assessment.free_repair
    assert not assess_warranty(POLICY, date(2024, 2, 29), date(2026, 2, 28)).free_repair


def test_commissioning_date_starts_the_warranty() -> None:
    assessment = assess_warranty(
        POLICY, date(2024, 1, 10), date(2026, 2, 1), commissioning_date=date(2024, 3, 1)
    )
    assert assessment.start == date(2024, 3, 1) and assessment.free_repair


def test_hour_limit_ends_free_repair_early() -> None:
    policy = WarrantyPolicy(warranty_hours=3000)
    assert assess_warranty(policy, BOUGHT, day(200), hour_meter=2999).free_repair
    assert not assess_warranty(policy, BOUGHT, day(200), hour_meter=3001).free_repair


def test_unknown_purchase_date() -> None:
    assessment = assess_warranty(POLICY, None, date(2026, 5, 1))
    assert assessment.status == WarrantyStatus.UNKNOWN
    assert decide_charge(assessment, is_part=True).reason == ChargeReason.UNKNOWN_DATE


@pytest.mark.parametrize(
    ("on", "is_part", "eligible", "misuse", "maintenance", "chargeable", "reason"),
    [
        (day(100), True, True, False, False, False, ChargeReason.WARRANTY),
        (day(100), False, True, False, False, False, ChargeReason.WARRANTY),  # labour
        (day(100), True, False, False, False, True, ChargeReason.CONSUMABLE),
        (day(100), True, True, True, False, True, ChargeReason.MISUSE),
        (day(100), False, True, False, True, True, ChargeReason.MAINTENANCE),
        (day(1000), True, True, False, False, True, ChargeReason.OUT_OF_WARRANTY),
    ],
)
def test_charge_decision(
    on: date,
    is_part: bool,
    eligible: bool,
    misuse: bool,
    maintenance: bool,
    chargeable: bool,
    reason: ChargeReason,
) -> None:
    decision = decide_charge(
        assess_warranty(POLICY, BOUGHT, on),
        is_part=is_part,
        warranty_eligible=eligible,
        misuse=misuse,
        maintenance=maintenance,
    )
    assert (decision.chargeable, decision.reason) == (chargeable, reason)


def test_override_needs_a_reason_and_keeps_it() -> None:
    decision = decide_charge(assess_warranty(POLICY, BOUGHT, day(1000)), is_part=True)
    with pytest.raises(ValueError, match="reason"):
        override_charge(decision, False, "")
    overridden = override_charge(decision, False, "经理特批：老客户善意维修")
    assert not overridden.chargeable and overridden.reason == ChargeReason.OVERRIDDEN
    assert overridden.override_reason == "经理特批：老客户善意维修"
    assert override_charge(decision, True, "") is decision  # no change, no reason needed
