"""Service promises (seeds 000, 001): answer within 4 hours; for an urgent breakdown be
on site within 2 hours in the home region, 24 hours elsewhere in the country, 5 days in
remote areas. Other jobs are due at the time agreed with the customer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from fieldapp.models.enums import Urgency


@dataclass(frozen=True)
class SlaPolicy:
    answer_within: timedelta = timedelta(hours=4)
    on_site_home: timedelta = timedelta(hours=2)
    on_site_elsewhere: timedelta = timedelta(hours=24)
    on_site_remote: timedelta = timedelta(days=5)
    # A non-urgent job without an agreed time is due within this span.
    on_site_default: timedelta = timedelta(days=3)


DEFAULT_SLA = SlaPolicy()


class RegionReach(StrEnum):
    HOME = "home"
    ELSEWHERE = "elsewhere"
    REMOTE = "remote"


def region_reach(is_home: bool, is_remote: bool) -> RegionReach:
    if is_home:
        return RegionReach.HOME
    return RegionReach.REMOTE if is_remote else RegionReach.ELSEWHERE


@dataclass(frozen=True)
class Deadlines:
    answer_by: datetime
    on_site_by: datetime


def job_deadlines(
    received_at: datetime,
    urgency: str,
    reach: RegionReach,
    *,
    appointment_at: datetime | None = None,
    policy: SlaPolicy = DEFAULT_SLA,
) -> Deadlines:
    answer_by = received_at + policy.answer_within
    if Urgency(urgency) == Urgency.URGENT:
        limit = {
            RegionReach.HOME: policy.on_site_home,
            RegionReach.ELSEWHERE: policy.on_site_elsewhere,
            RegionReach.REMOTE: policy.on_site_remote,
        }[reach]
        on_site_by = received_at + limit
    elif appointment_at is not None:
        on_site_by = appointment_at
    else:
        on_site_by = received_at + policy.on_site_default
    return Deadlines(answer_by=answer_by, on_site_by=on_site_by)


class DeadlineState(StrEnum):
    MET = "met"
    MISSED = "missed"
    PENDING = "pending"  # not done yet, still time
    OVERDUE = "overdue"  # not done yet, and the deadline has passed


def deadline_state(due: datetime, done_at: datetime | None, now: datetime) -> DeadlineState:
    if done_at is not None:
        return DeadlineState.MET if done_at <= due else DeadlineState.MISSED
    return DeadlineState.PENDING if now <= due else DeadlineState.OVERDUE


def dispatch_priority(
    *, urgency: str, is_key_account: bool, on_site_by: datetime, now: datetime
) -> tuple[int, int, float]:
    """Sort key for dispatch: urgent first, then key accounts (seed 001 part 3), then
    the nearest deadline. Smaller sorts first."""
    urgency_rank = {Urgency.URGENT: 0, Urgency.NORMAL: 1, Urgency.LOW: 2}[Urgency(urgency)]
    return (urgency_rank, 0 if is_key_account else 1, (on_site_by - now).total_seconds())
