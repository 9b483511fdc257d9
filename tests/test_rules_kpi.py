from datetime import date, timedelta
from decimal import Decimal

import pytest

from fieldapp.models.enums import LicenceEventKind as L
from fieldapp.models.enums import Satisfaction as S
from fieldapp.rules.kpi import (
    FollowUpOutcome,
    LicenceLevel,
    RepairVisit,
    first_time_fix_rate,
    follow_up_required,
    licence_balance,
    licence_level,
    monthly_score,
    ppm,
    return_repairs,
    service_bonus_cents,
    three_controls,
)


def calls(*spec: tuple[S, bool]) -> list[FollowUpOutcome]:
    return [FollowUpOutcome(f"J{i}", s, praise) for i, (s, praise) in enumerate(spec)]


def test_worked_example_from_domain_md_scores_20() -> None:
    """10 follow-ups, 8 非常满意 and 2 很满意, one praise: +10 +5 +5 = +20."""
    month = calls(
        *([(S.VERY_SATISFIED, False)] * 7),
        (S.VERY_SATISFIED, True),
        (S.HIGHLY_SATISFIED, False),
        (S.HIGHLY_SATISFIED, False),
    )
    score = monthly_score(month)
    assert (score.very_satisfied, score.all_highly_satisfied, score.praise) == (10, 5, 5)
    assert score.dissatisfied == 0 and score.total == 20
    assert score.withheld_job_ids == frozenset()


def test_exactly_80_percent_very_satisfied_counts_and_79_does_not() -> None:
    exactly = calls(*([(S.VERY_SATISFIED, False)] * 4), (S.SATISFIED, False))  # 4/5 = 80%
    assert monthly_score(exactly).very_satisfied == 10
    below = calls(*([(S.VERY_SATISFIED, False)] * 79), *([(S.HIGHLY_SATISFIED, False)] * 21))
    assert monthly_score(below).very_satisfied == 0
    assert monthly_score(below).all_highly_satisfied == 5


def test_one_dissatisfied_call_costs_5_blocks_the_10_and_withholds_that_bonus() -> None:
    month = calls(*([(S.VERY_SATISFIED, True)] * 9), (S.DISSATISFIED, False))
    score = monthly_score(month)
    assert score.very_satisfied == 0  # 90% 非常满意, but one 不满意
    assert score.all_highly_satisfied == 0
    assert score.dissatisfied == -5
    assert score.praise == 45
    assert score.total == 40
    assert score.withheld_job_ids == {"J9"}


def test_a_merely_satisfied_call_loses_the_all_highly_satisfied_bonus() -> None:
    assert monthly_score(calls((S.HIGHLY_SATISFIED, False), (S.SATISFIED, False))).total == 0


def test_no_calls_no_score() -> None:
    assert monthly_score([]).total == 0


def test_service_bonus_is_a_thousandth_of_the_amount_less_withheld_jobs() -> None:
    amounts = {"J1": 1_234_500, "J2": 800_000, "J3": 50_000}  # fen
    assert service_bonus_cents(amounts) == 2085  # 0.1% of 20,845.00 yuan = 20.85 yuan
    assert service_bonus_cents(amounts, {"J2"}) == 1285
    assert service_bonus_cents(amounts, rate=Decimal("0.002")) == 4169
    assert service_bonus_cents({}) == 0


def test_licence_points_and_levels() -> None:
    assert licence_balance([]) == 12
    assert licence_level(12) == LicenceLevel.NORMAL
    assert licence_balance([L.CUSTOMER_DELIGHT, L.CUSTOMER_DELIGHT]) == 15  # 16, capped at 15
    assert (
        licence_level(licence_balance([L.CUSTOMER_DELIGHT, L.CUSTOMER_DELIGHT]))
        == LicenceLevel.MODEL
    )
    warned = licence_balance([L.BROKEN_PROMISE, L.REPEAT_REPAIR])  # 12 - 3 - 3 = 6
    assert warned == 6 and licence_level(warned) == LicenceLevel.WARNING
    assert licence_level(7) == LicenceLevel.NORMAL  # boundary: 7 is still normal
    revoked = licence_balance([L.OVERCHARGING, L.OVERCHARGING, L.SMALL_IMPROVEMENT])
    assert revoked == 0 and licence_level(revoked) == LicenceLevel.REVOKED  # no way back


def test_ppm_and_the_three_controls() -> None:
    assert ppm(1, 100_000) == 10.0
    assert ppm(0, 0) == 0.0
    controls = three_controls(
        jobs=200_000, complaints=1, dissatisfied=2, follow_ups=100_000, omissions=2
    )
    assert controls.complaint_ppm == 5.0
    assert controls.dissatisfaction_ppm == 20.0
    assert controls.omission_ppm == 10.0
    assert controls.within_target() == {
        "complaint": True,
        "dissatisfaction": False,
        "omission": False,
    }


@pytest.mark.parametrize(
    ("grade", "sampled", "required"),
    [("A", False, True), ("B", False, True), ("C", False, False), ("C", True, True)],
)
def test_follow_up_required_by_region_grade(grade: str, sampled: bool, required: bool) -> None:
    assert follow_up_required(grade, sampled) == required


def test_first_time_fix_rate_and_return_repairs() -> None:
    d = date(2026, 10, 1)
    visits = [
        RepairVisit("J1", "M1", "engine", d, True),
        RepairVisit("J2", "M1", "engine", d + timedelta(days=30), True),  # return repair
        RepairVisit("J3", "M1", "engine", d + timedelta(days=61), False),  # 31 days later
        RepairVisit("J4", "M1", "hydraulic_pump", d + timedelta(days=2), True),  # other assembly
        RepairVisit("J5", "M2", "engine", d + timedelta(days=1), True),  # other machine
    ]
    assert first_time_fix_rate(visits) == pytest.approx(0.8)
    assert first_time_fix_rate([]) is None
    assert return_repairs(visits) == [("J1", "J2")]
