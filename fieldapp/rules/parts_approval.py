"""Automatic approval of a parts request (Haier's 备件管理, seed 002: "the system decides
by itself whether to approve"): a request is approved without a person when it is for a
warranty repair and every line asks for a normal quantity. Anything else waits for the
supervisor, with the reasons why.

"Normal" is the usual quantity of that part on one job:

- from history, when the part was used on at least :data:`MIN_HISTORY_JOBS` jobs: the
  quantity that covers :data:`USUAL_SHARE` of those jobs (the 80th percentile of the
  quantity per job, so one unusual repair does not raise the bar);
- otherwise a fixed cap per part category (:data:`CATEGORY_CAPS`): seals and filters come
  by the handful, a main pump or an engine part one or two at a time.

Pure: the service gathers the facts (:mod:`fieldapp.services.parts_requests`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

#: Jobs of history a part needs before its own usage decides what is normal.
MIN_HISTORY_JOBS = 3
#: The share of past jobs whose quantity counts as usual.
USUAL_SHARE = 0.8
#: Per job, by the catalogue's category, when the history is too short.
CATEGORY_CAPS: dict[str, int] = {
    "seal": 20,
    "filter": 6,
    "lubricant": 10,
    "consumable": 10,
    "ground_engaging": 10,  # bucket teeth and pins come in sets
    "hose": 4,
    "undercarriage": 4,
    "electrical": 4,
    "sensor": 2,
    "hydraulic": 2,
    "engine": 2,
    "drivetrain": 2,
    "crane": 2,
    "cab": 2,
    "work_equipment": 2,
}
DEFAULT_CAP = 2  # an unknown category: a pair at most


class Hold(StrEnum):
    """Why a request waits for a person."""

    NOT_PENDING = "not_pending"  # it is approved, shipped, received or rejected already
    NO_LINES = "no_lines"
    NO_JOB = "no_job"  # stock for the van, not for a repair
    NOT_WARRANTY = "not_warranty"  # the customer pays: the supervisor decides
    QUANTITY_ABOVE_NORMAL = "quantity_above_normal"


@dataclass(frozen=True)
class LineFacts:
    part_no: str
    category: str
    quantity: int
    usage_per_job: tuple[int, ...] = ()  # the quantity used on each past job


@dataclass(frozen=True)
class Reason:
    hold: Hold
    part_no: str = ""
    quantity: int = 0
    normal: int = 0  # the normal quantity of that part per job


@dataclass(frozen=True)
class ApprovalDecision:
    reasons: tuple[Reason, ...]

    @property
    def automatic(self) -> bool:
        return not self.reasons


def normal_quantity(category: str, usage_per_job: Sequence[int] = ()) -> int:
    """The most of a part one job normally takes (see the module's text)."""
    used = sorted(q for q in usage_per_job if q > 0)
    if len(used) >= MIN_HISTORY_JOBS:
        index = max(0, math.ceil(USUAL_SHARE * len(used)) - 1)
        return used[index]
    return CATEGORY_CAPS.get(category, DEFAULT_CAP)


def decide(
    *, pending: bool, for_job: bool, warranty: bool, lines: Sequence[LineFacts]
) -> ApprovalDecision:
    """Approve automatically, or the reasons it waits for the supervisor (all of them,
    so the supervisor sees at once what to look at)."""
    if not pending:
        return ApprovalDecision((Reason(Hold.NOT_PENDING),))
    reasons: list[Reason] = []
    if not lines:
        reasons.append(Reason(Hold.NO_LINES))
    if not for_job:
        reasons.append(Reason(Hold.NO_JOB))
    elif not warranty:
        reasons.append(Reason(Hold.NOT_WARRANTY))
    for line in lines:
        normal = normal_quantity(line.category, line.usage_per_job)
        if line.quantity > normal:
            reasons.append(Reason(Hold.QUANTITY_ABOVE_NORMAL, line.part_no, line.quantity, normal))
    return ApprovalDecision(tuple(reasons))
