"""The engineers' measures: the monthly follow-up score and the service bonus."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from fieldapp.clock import as_utc
from fieldapp.models import (
    FollowUp,
    Job,
)
from fieldapp.models.enums import (
    Satisfaction,
)
from fieldapp.rules import kpi


@dataclass(frozen=True)
class EngineerMonth:
    engineer_id: str
    follow_ups: int
    score: kpi.MonthlyScore
    bonus_cents: int


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    start = as_utc(datetime(year, month, 1))
    end = as_utc(datetime(year + (month == 12), month % 12 + 1, 1))
    return start, end


def engineer_month(
    session: Session,
    engineer_id: str,
    year: int,
    month: int,
    rate: Any = kpi.DEFAULT_BONUS_RATE,
) -> EngineerMonth:
    """The engineer's follow-up score and service bonus for a calendar month (UTC)."""
    start, end = month_bounds(year, month)
    calls = session.exec(
        select(FollowUp).where(
            FollowUp.engineer_id == engineer_id,
            col(FollowUp.called_at) >= start,
            col(FollowUp.called_at) < end,
            col(FollowUp.satisfaction).is_not(None),
            col(FollowUp.deleted_at).is_(None),
        )
    ).all()
    outcomes = [
        kpi.FollowUpOutcome(c.job_id, Satisfaction(c.satisfaction), c.praise)
        for c in calls
        if c.satisfaction
    ]
    score = kpi.monthly_score(outcomes)
    amounts: dict[str, int] = defaultdict(int)
    for call in calls:
        job = session.get(Job, call.job_id)
        if job:
            amounts[job.id] = job.amount_cents
    bonus = kpi.service_bonus_cents(dict(amounts), score.withheld_job_ids, rate)
    return EngineerMonth(engineer_id, len(outcomes), score, bonus)
