"""Who gets a follow-up call (回访) and when to try again; the complaint's answer clock.

Seed 000: grade A and B regions follow up every job (B: 100 %), grade C by sampling;
seed 001 part 3: key customers (大客户) always get priority. Seeds 000/001: a complaint
is answered at once, a difficult one within **4 hours**.

The sample is reproducible: a job is in the sample when the hash of its id falls below
the rate, so the clerk's device, HQ and next month's report pick the same jobs, and a
higher rate keeps every job a lower rate picked.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from fractions import Fraction
from typing import Protocol

from fieldapp.clock import as_utc
from fieldapp.models.enums import ComplaintStatus
from fieldapp.rules import kpi

#: Share of grade-C jobs called back, unless configured otherwise.
DEFAULT_SAMPLE_RATE = Fraction(1, 5)
#: Attempts to reach the customer before the job is closed as not reached.
MAX_ATTEMPTS = 3
#: How long to wait before calling again someone who did not answer.
RETRY_AFTER = timedelta(hours=2)
#: A complaint is answered within this time of its receipt (seeds 000, 001).
ANSWER_WITHIN = timedelta(hours=4)
#: Below this much time left the countdown is shown as urgent.
ANSWER_WARNING = timedelta(hours=1)

_HASH_SPACE = 1 << 64


class DueReason(StrEnum):
    KEY_CUSTOMER = "key_customer"  # 大客户: always
    GRADE = "grade"  # grade A or B region: every job
    SAMPLE = "sample"  # grade C, in the sample


def sample_rate(value: object, default: Fraction = DEFAULT_SAMPLE_RATE) -> Fraction:
    """A configured rate ("0.2", "20%", 0.2, "1/5") as a fraction in [0, 1]; the
    default for anything unreadable."""
    text = str(value).strip() if value is not None else ""
    if not text:
        return default
    try:
        rate = Fraction(text[:-1]) / 100 if text.endswith("%") else Fraction(text)
    except (ValueError, ZeroDivisionError):
        return default
    return min(max(rate, Fraction(0)), Fraction(1))


def in_sample(job_id: str, rate: Fraction) -> bool:
    """Whether the job is in the sample of ``rate``: the first 8 bytes of SHA-256 of its
    id, read as a share of 2**64, is below the rate (not random: reproducible)."""
    digest = hashlib.sha256(job_id.encode()).digest()
    return Fraction(int.from_bytes(digest[:8], "big"), _HASH_SPACE) < rate


def due_reason(
    job_id: str, region_grade: str, is_key_account: bool, rate: Fraction = DEFAULT_SAMPLE_RATE
) -> DueReason | None:
    """Why this approved job is due for a call, or None when it is not."""
    if is_key_account:
        return DueReason.KEY_CUSTOMER
    sampled = in_sample(job_id, rate)
    if not kpi.follow_up_required(region_grade, sampled):
        return None
    return DueReason.GRADE if region_grade in {"A", "B"} else DueReason.SAMPLE


class Attempt(Protocol):
    """What the rules read of a follow-up call (a FollowUp row)."""

    @property
    def reached(self) -> bool: ...
    @property
    def called_at(self) -> datetime: ...


@dataclass(frozen=True)
class CallState:
    attempts: int  # calls not answered so far
    reached: bool  # the customer was reached: the call is done
    gave_up: bool  # the limit of unanswered calls is reached
    next_try_at: datetime | None  # aware UTC; None when a call may be made now

    @property
    def attempts_left(self) -> int:
        return max(0, MAX_ATTEMPTS - self.attempts)

    def waiting(self, now: datetime) -> bool:
        """Called recently without an answer: try again later."""
        return self.next_try_at is not None and as_utc(now) < self.next_try_at


def call_state(
    attempts: Iterable[Attempt],
    *,
    max_attempts: int = MAX_ATTEMPTS,
    retry_after: timedelta = RETRY_AFTER,
) -> CallState:
    """Where the calls of one job stand: reached, given up, or when to try again."""
    calls = sorted(attempts, key=lambda a: as_utc(a.called_at))
    if any(a.reached for a in calls):
        return CallState(len([a for a in calls if not a.reached]), True, False, None)
    misses = len(calls)
    last = as_utc(calls[-1].called_at) if calls else None
    return CallState(
        attempts=misses,
        reached=False,
        gave_up=misses >= max_attempts,
        next_try_at=last + retry_after if last is not None else None,
    )


# --- complaints: the 4-hour answer ----------------------------------------------------


class AnswerState(StrEnum):
    WAITING = "waiting"  # not answered, time left
    URGENT = "urgent"  # not answered, less than an hour left
    OVERDUE = "overdue"  # not answered and past the deadline
    ON_TIME = "on_time"  # answered within 4 hours
    LATE = "late"  # answered after the deadline


@dataclass(frozen=True)
class AnswerClock:
    due_at: datetime  # aware UTC
    state: AnswerState
    seconds_left: int  # negative once past the deadline; 0 once answered

    @property
    def red(self) -> bool:
        """Shown red: overdue, or answered late."""
        return self.state in {AnswerState.OVERDUE, AnswerState.LATE}


def answer_due(received_at: datetime, within: timedelta = ANSWER_WITHIN) -> datetime:
    return as_utc(received_at) + within


def answered_on_time(
    received_at: datetime, answered_at: datetime, within: timedelta = ANSWER_WITHIN
) -> bool:
    """Within 4 hours counts to the second: 3 h 59 min is on time, 4 h 01 min is not."""
    return as_utc(answered_at) - as_utc(received_at) <= within


def answer_clock(
    status: str,
    received_at: datetime,
    answered_at: datetime | None,
    now: datetime,
    within: timedelta = ANSWER_WITHIN,
) -> AnswerClock:
    due = answer_due(received_at, within)
    if answered_at is not None or ComplaintStatus(status) != ComplaintStatus.OPEN:
        moment = answered_at if answered_at is not None else now
        on_time = answered_on_time(received_at, moment, within)
        return AnswerClock(due, AnswerState.ON_TIME if on_time else AnswerState.LATE, 0)
    left = int((due - as_utc(now)).total_seconds())
    if left < 0:
        state = AnswerState.OVERDUE
    elif left < ANSWER_WARNING.total_seconds():
        state = AnswerState.URGENT
    else:
        state = AnswerState.WAITING
    return AnswerClock(due, state, left)
