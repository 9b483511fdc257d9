"""Who should take a job: the engineers of the team ranked for one job, each with the
reasons that moved them up or down (seed 001 part 3, seed 002), and when a planned job
is at risk of missing its on-site deadline.

The reasons a dispatcher weighs, in points:

- **open load**: every open job already on the engineer costs points; past their
  capacity it costs a lot more. A warning-level licence (警示, seed 002) lowers the
  capacity: "fewer dispatches";
- **home region**: an engineer based in the job's region gets there sooner;
- **serviced this model before**: experience with the machine (seed 002: an engineer
  who never repaired this fault looks up the history first);
- **licence level**: 示范 up, 警示 down, 淘汰 (retraining) not offered at all;
- **van stock**: the van already holds the parts this symptom usually needs, learnt
  from the faults recorded on the same model (and the assembly such symptoms point to)
  and the parts fitted on them;
- **SLA risk**: the jobs the engineer has planned before this one's deadline, at a
  standard time per visit, would make them arrive late.

Pure functions: the service reads the store and hands plain values in."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from fieldapp.clock import as_utc
from fieldapp.rules.kpi import LicenceLevel


@dataclass(frozen=True)
class AssignmentPolicy:
    load_points: int = -6  # per open job already assigned
    capacity: int = 8  # open jobs an engineer carries before the load hurts more
    warning_capacity: int = 4  # a warning-level licence: fewer dispatches (seed 002)
    over_capacity_points: int = -30  # per open job beyond the capacity
    home_region_points: int = 20
    model_points: int = 12  # serviced this model at least once
    model_points_each: int = 2  # and a little more per visit, up to the cap
    model_points_cap: int = 20
    licence_points: tuple[tuple[LicenceLevel, int], ...] = (
        (LicenceLevel.MODEL, 8),
        (LicenceLevel.NORMAL, 0),
        (LicenceLevel.WARNING, -25),
    )
    parts_points_each: int = 4  # per usual part the van holds
    all_parts_points: int = 10  # the van holds every usual part
    sla_risk_points: int = -40
    # For the SLA estimate: a visit planned before this job takes this long with its
    # travel, and reaching this job from wherever the engineer is then takes travel_span.
    visit_span: timedelta = timedelta(hours=3)
    travel_span: timedelta = timedelta(hours=1)
    # A planned job within this time of its deadline, not yet on site, is at risk.
    risk_window: timedelta = timedelta(hours=2)

    def licence_delta(self, level: LicenceLevel) -> int:
        return dict(self.licence_points).get(level, 0)


DEFAULT_POLICY = AssignmentPolicy()


# --- the parts a symptom usually needs -------------------------------------------------


@dataclass(frozen=True)
class PastFault:
    """A fault recorded on a machine of the job's model, and the parts fitted for it."""

    assembly: str
    symptom: str
    part_ids: frozenset[str] = frozenset()


_WORD = re.compile(r"[a-z0-9]+")
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
MIN_SIMILARITY = 0.2  # share of the job's symptom pieces a past fault must share
USUAL_SHARE = 0.3  # a part fitted on at least this share of the similar faults
MAX_USUAL_PARTS = 5


def symptom_pieces(text: str) -> frozenset[str]:
    """Character pairs of the Chinese text and the words of the rest: 液压油温高 and
    油温过高 share 油温, whatever the word order."""
    lowered = text.lower()
    pieces: set[str] = set(_WORD.findall(lowered))
    for run in _CJK_RUN.findall(lowered):
        if len(run) == 1:
            pieces.add(run)
        pieces.update(run[i : i + 2] for i in range(len(run) - 1))
    return frozenset(pieces)


def similarity(job_pieces: frozenset[str], other: frozenset[str]) -> float:
    if not job_pieces or not other:
        return 0.0
    return len(job_pieces & other) / len(job_pieces)


@dataclass(frozen=True)
class UsualParts:
    assembly: str | None  # what such symptoms on this model were, most often
    part_ids: tuple[str, ...]  # most used first
    faults_seen: int  # similar faults the guess is based on


def usual_parts(symptom: str, history: Iterable[PastFault]) -> UsualParts:
    """The parts this symptom usually needs: the faults of the model whose symptom is
    similar, the assembly most of them were on, and the parts fitted on at least
    :data:`USUAL_SHARE` of those faults of that assembly."""
    pieces = symptom_pieces(symptom)
    similar = [
        f for f in history if similarity(pieces, symptom_pieces(f.symptom)) >= MIN_SIMILARITY
    ]
    if not similar:
        return UsualParts(None, (), 0)
    assembly = Counter(f.assembly for f in similar).most_common(1)[0][0]
    on_assembly = [f for f in similar if f.assembly == assembly]
    counts: Counter[str] = Counter()
    for fault in on_assembly:
        counts.update(fault.part_ids)
    threshold = USUAL_SHARE * len(on_assembly)
    chosen = sorted(
        (part for part, n in counts.items() if n >= threshold), key=lambda p: (-counts[p], p)
    )
    return UsualParts(assembly, tuple(chosen[:MAX_USUAL_PARTS]), len(on_assembly))


# --- SLA risk ------------------------------------------------------------------------------


class RiskState(StrEnum):
    OK = "ok"
    AT_RISK = "at_risk"  # close to its deadline, or planned after it
    OVERDUE = "overdue"  # the deadline passed and nobody is on site


def job_risk(
    *,
    due: datetime | None,
    planned: datetime | None,
    arrived_at: datetime | None,
    now: datetime,
    policy: AssignmentPolicy = DEFAULT_POLICY,
) -> RiskState:
    """Whether a job not yet reached may miss its on-site deadline: it passed, it is
    near, or the job is planned after it."""
    if due is None or arrived_at is not None:
        return RiskState.OK
    due, now = as_utc(due), as_utc(now)
    if now > due:
        return RiskState.OVERDUE
    if due - now <= policy.risk_window:
        return RiskState.AT_RISK
    if planned is not None and as_utc(planned) > due:
        return RiskState.AT_RISK
    return RiskState.OK


def estimated_arrival(
    planned_before: int, now: datetime, policy: AssignmentPolicy = DEFAULT_POLICY
) -> datetime:
    """When the engineer could reach a new job after ``planned_before`` visits."""
    return as_utc(now) + policy.visit_span * planned_before + policy.travel_span


# --- ranking -------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobNeeds:
    """What the ranking reads of the job being placed."""

    job_id: str
    region_id: str | None
    model_id: str | None
    on_site_due_at: datetime | None
    usual_part_ids: tuple[str, ...] = ()
    current_assignee_id: str | None = None


@dataclass(frozen=True)
class EngineerFacts:
    """What the ranking reads of one engineer."""

    engineer_id: str
    name: str
    home_region_ids: frozenset[str]  # the team's region and their van's
    open_load: int  # open jobs assigned now, the job being placed not counted
    # Open jobs planned before the job's on-site deadline (they come first), the same.
    planned_before_due: int
    model_visits: int  # finished jobs on machines of the job's model
    licence: LicenceLevel
    van_part_ids: frozenset[str] = frozenset()  # parts the van holds (quantity > 0)


class ReasonCode(StrEnum):
    LOAD = "load"
    OVER_CAPACITY = "over_capacity"
    HOME_REGION = "home_region"
    AWAY_REGION = "away_region"
    MODEL_KNOWN = "model_known"
    MODEL_NEW = "model_new"
    LICENCE = "licence"
    PARTS_IN_VAN = "parts_in_van"
    PARTS_MISSING = "parts_missing"
    SLA_RISK = "sla_risk"
    SLA_OK = "sla_ok"
    REVOKED = "revoked"
    CURRENT = "current"


@dataclass(frozen=True)
class Reason:
    """One line of why: a stable code the UI words, its points, and the figures."""

    code: ReasonCode
    points: int
    count: int = 0  # the figure the wording needs (jobs, visits, parts)
    total: int = 0  # e.g. the parts needed, of which ``count`` are held
    level: str = ""  # the licence level


@dataclass(frozen=True)
class Candidate:
    engineer_id: str
    name: str
    score: int
    eligible: bool  # False: not offered (licence revoked); listed last with why
    open_load: int
    home_region: bool
    model_visits: int
    licence: LicenceLevel
    parts_held: int
    parts_needed: int
    sla_risk: bool
    current: bool  # the engineer holds the job now
    reasons: tuple[Reason, ...] = field(default_factory=tuple)


def rate(
    needs: JobNeeds,
    engineer: EngineerFacts,
    now: datetime,
    policy: AssignmentPolicy = DEFAULT_POLICY,
) -> Candidate:
    """One engineer for one job: the points and the reasons."""
    reasons: list[Reason] = []
    eligible = engineer.licence != LicenceLevel.REVOKED
    current = needs.current_assignee_id == engineer.engineer_id
    if current:
        reasons.append(Reason(ReasonCode.CURRENT, 0))
    if not eligible:
        reasons.append(Reason(ReasonCode.REVOKED, 0, level=engineer.licence.value))
    load = engineer.open_load
    reasons.append(Reason(ReasonCode.LOAD, policy.load_points * load, count=load))
    capacity = (
        policy.warning_capacity if engineer.licence == LicenceLevel.WARNING else policy.capacity
    )
    if load >= capacity:
        over = load - capacity + 1
        reasons.append(
            Reason(ReasonCode.OVER_CAPACITY, policy.over_capacity_points * over, count=capacity)
        )
    home = needs.region_id is not None and needs.region_id in engineer.home_region_ids
    if home:
        reasons.append(Reason(ReasonCode.HOME_REGION, policy.home_region_points))
    elif needs.region_id is not None:
        reasons.append(Reason(ReasonCode.AWAY_REGION, 0))
    if needs.model_id is not None:
        if engineer.model_visits > 0:
            points = min(
                policy.model_points + policy.model_points_each * (engineer.model_visits - 1),
                policy.model_points_cap,
            )
            reasons.append(Reason(ReasonCode.MODEL_KNOWN, points, count=engineer.model_visits))
        else:
            reasons.append(Reason(ReasonCode.MODEL_NEW, 0))
    licence_points = policy.licence_delta(engineer.licence)
    reasons.append(Reason(ReasonCode.LICENCE, licence_points, level=engineer.licence.value))
    needed = needs.usual_part_ids
    held = sum(1 for part in needed if part in engineer.van_part_ids)
    if needed:
        points = policy.parts_points_each * held
        if held == len(needed):
            points += policy.all_parts_points
        code = ReasonCode.PARTS_IN_VAN if held == len(needed) else ReasonCode.PARTS_MISSING
        reasons.append(Reason(code, points, count=held, total=len(needed)))
    risk = False
    if needs.on_site_due_at is not None:
        before = engineer.planned_before_due
        risk = estimated_arrival(before, now, policy) > as_utc(needs.on_site_due_at)
        code, points = (
            (ReasonCode.SLA_RISK, policy.sla_risk_points) if risk else (ReasonCode.SLA_OK, 0)
        )
        reasons.append(Reason(code, points, count=before))
    return Candidate(
        engineer_id=engineer.engineer_id,
        name=engineer.name,
        score=sum(r.points for r in reasons),
        eligible=eligible,
        open_load=load,
        home_region=home,
        model_visits=engineer.model_visits,
        licence=engineer.licence,
        parts_held=held,
        parts_needed=len(needed),
        sla_risk=risk,
        current=current,
        reasons=tuple(reasons),
    )


def rank(
    needs: JobNeeds,
    engineers: Sequence[EngineerFacts],
    now: datetime,
    policy: AssignmentPolicy = DEFAULT_POLICY,
) -> list[Candidate]:
    """The engineers best first: those who may take jobs, by points, then the lighter
    load, then the name; a revoked licence last."""
    rated = [rate(needs, engineer, now, policy) for engineer in engineers]
    return sorted(rated, key=lambda c: (not c.eligible, -c.score, c.open_load, c.name))
