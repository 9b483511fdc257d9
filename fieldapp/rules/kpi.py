"""The scores the company runs on: the engineer's monthly follow-up score and service
bonus (seed 001), licence points (seed 002), the three controls in PPM (seed 002),
first-time-fix rate and return repairs (seed 003)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction
from operator import attrgetter

from fieldapp.models.enums import LicenceEventKind, Satisfaction

# --- monthly follow-up score -------------------------------------------------------


@dataclass(frozen=True)
class FollowUpOutcome:
    """One follow-up call on one of the engineer's jobs in the month."""

    job_id: str
    satisfaction: Satisfaction
    praise: bool = False


@dataclass(frozen=True)
class ScorePolicy:
    praise_points: int = 5
    all_highly_satisfied_points: int = 5
    very_satisfied_share: Fraction = Fraction(80, 100)  # 80% or more (含80%)
    very_satisfied_points: int = 10
    dissatisfied_points: int = -5


@dataclass(frozen=True)
class MonthlyScore:
    praise: int
    all_highly_satisfied: int
    very_satisfied: int
    dissatisfied: int
    withheld_job_ids: frozenset[str] = field(default_factory=frozenset)

    @property
    def total(self) -> int:
        return self.praise + self.all_highly_satisfied + self.very_satisfied + self.dissatisfied


def monthly_score(
    outcomes: Sequence[FollowUpOutcome], policy: ScorePolicy = ScorePolicy()
) -> MonthlyScore:
    """+5 per praise; +5 when every call is 很满意 or better; +10 when at least 80% are
    非常满意 and none is 不满意; −5 per 不满意, whose job's bonus is withheld."""
    if not outcomes:
        return MonthlyScore(0, 0, 0, 0)
    count = len(outcomes)
    very = sum(1 for o in outcomes if o.satisfaction == Satisfaction.VERY_SATISFIED)
    dissatisfied = [o for o in outcomes if o.satisfaction == Satisfaction.DISSATISFIED]
    all_highly = all(o.satisfaction.rank >= Satisfaction.HIGHLY_SATISFIED.rank for o in outcomes)
    return MonthlyScore(
        praise=policy.praise_points * sum(1 for o in outcomes if o.praise),
        all_highly_satisfied=policy.all_highly_satisfied_points if all_highly else 0,
        very_satisfied=(
            policy.very_satisfied_points
            if not dissatisfied and Fraction(very, count) >= policy.very_satisfied_share
            else 0
        ),
        dissatisfied=policy.dissatisfied_points * len(dissatisfied),
        withheld_job_ids=frozenset(o.job_id for o in dissatisfied),
    )


# --- service bonus -------------------------------------------------------------------

DEFAULT_BONUS_RATE = Decimal("0.001")  # 千分之一 of the job's amount (seed 001)


def service_bonus_cents(
    job_amounts_cents: dict[str, int],
    withheld_job_ids: Iterable[str] = (),
    rate: Decimal = DEFAULT_BONUS_RATE,
) -> int:
    """The month's bonus in fen: ``rate`` of each job's amount, except withheld jobs.
    Rounded half up once, on the total."""
    withheld = set(withheld_job_ids)
    base = sum(amount for job_id, amount in job_amounts_cents.items() if job_id not in withheld)
    return int((Decimal(base) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- licence points ------------------------------------------------------------------


class LicenceLevel(StrEnum):
    MODEL = "model"  # 示范
    NORMAL = "normal"  # 正常
    WARNING = "warning"  # 警示: fewer dispatches
    REVOKED = "revoked"  # 淘汰: retraining


@dataclass(frozen=True)
class LicencePolicy:
    """Like a driving licence (seed 002): a yearly balance that breaches use up."""

    start_points: int = 12
    max_points: int = 15
    points: tuple[tuple[LicenceEventKind, int], ...] = (
        (LicenceEventKind.BROKEN_PROMISE, -3),
        (LicenceEventKind.NON_STANDARD_SERVICE, -2),
        (LicenceEventKind.OVERCHARGING, -6),
        (LicenceEventKind.NOT_FIXED_FIRST_TIME, -2),
        (LicenceEventKind.REPEAT_REPAIR, -3),
        (LicenceEventKind.CUSTOMER_DELIGHT, 2),
        (LicenceEventKind.SMALL_IMPROVEMENT, 1),
    )
    model_from: int = 14  # at or above: 示范
    warning_below: int = 7  # below: 警示
    revoked_at: int = 0  # at or below: 淘汰

    def delta(self, kind: LicenceEventKind) -> int:
        return dict(self.points)[kind]


def licence_balance(
    events: Iterable[LicenceEventKind], policy: LicencePolicy = LicencePolicy()
) -> int:
    """Points left after the year's events, in order; the balance is capped at the top
    and never recovers from revocation within the year."""
    balance = policy.start_points
    for kind in events:
        if balance <= policy.revoked_at:
            break
        balance = min(balance + policy.delta(kind), policy.max_points)
    return balance


def licence_level(balance: int, policy: LicencePolicy = LicencePolicy()) -> LicenceLevel:
    if balance <= policy.revoked_at:
        return LicenceLevel.REVOKED
    if balance < policy.warning_below:
        return LicenceLevel.WARNING
    if balance >= policy.model_from:
        return LicenceLevel.MODEL
    return LicenceLevel.NORMAL


# --- three controls, first-time fix, return repairs ------------------------------------

PPM_TARGET = 10  # complaint, dissatisfaction and omission rates each below 10 PPM


def ppm(count: int, total: int) -> float:
    """Parts per million; 0 for an empty base."""
    return 0.0 if total == 0 else count * 1_000_000 / total


@dataclass(frozen=True)
class ThreeControls:
    complaint_ppm: float
    dissatisfaction_ppm: float
    omission_ppm: float

    def within_target(self, target: int = PPM_TARGET) -> dict[str, bool]:
        return {
            "complaint": self.complaint_ppm < target,
            "dissatisfaction": self.dissatisfaction_ppm < target,
            "omission": self.omission_ppm < target,
        }


def three_controls(
    *, jobs: int, complaints: int, dissatisfied: int, follow_ups: int, omissions: int
) -> ThreeControls:
    """Complaints per job, 不满意 per follow-up call, and omissions (a job that should
    have had a follow-up call, a problem recorded but not handled) per job."""
    return ThreeControls(
        complaint_ppm=ppm(complaints, jobs),
        dissatisfaction_ppm=ppm(dissatisfied, follow_ups),
        omission_ppm=ppm(omissions, jobs),
    )


def follow_up_required(region_grade: str, sampled: bool) -> bool:
    """Grade A and B regions call back after every job (B: 100%); grade C by sample."""
    return region_grade in {"A", "B"} or sampled


@dataclass(frozen=True)
class RepairVisit:
    """A finished repair job, as the first-time-fix and return-repair rules see it."""

    job_id: str
    machine_id: str
    assembly: str
    completed_on: date
    fixed_first_time: bool  # fixed without a follow-up job


def first_time_fix_rate(visits: Sequence[RepairVisit]) -> float | None:
    if not visits:
        return None
    return sum(1 for v in visits if v.fixed_first_time) / len(visits)


RETURN_REPAIR_WINDOW = timedelta(days=30)


def return_repairs(
    visits: Sequence[RepairVisit], window: timedelta = RETURN_REPAIR_WINDOW
) -> list[tuple[str, str]]:
    """Pairs (earlier job, later job) where the same assembly of the same machine was
    repaired again within ``window`` (返修)."""
    ordered = sorted(visits, key=attrgetter("machine_id", "assembly", "completed_on"))
    pairs: list[tuple[str, str]] = []
    for earlier, later in itertools.pairwise(ordered):
        same = earlier.machine_id == later.machine_id and earlier.assembly == later.assembly
        if same and later.completed_on - earlier.completed_on <= window:
            pairs.append((earlier.job_id, later.job_id))
    return pairs
