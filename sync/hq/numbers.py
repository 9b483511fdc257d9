"""Job numbers that hold under concurrency: ``FW-<year>-<6 digits>``, handed out from
one counter row per year (``hq_counter``) under that row's lock.

Two HQ workers that create a job at the same moment both update the year's counter row;
the database makes the second wait until the first commits and then gives it the next
value, so no number is handed out twice. A block of numbers can be reserved the same
way (for a device that creates jobs offline, docs/sync-protocol.md §8.6), and a number
given by another system in the series moves the counter past it.
"""

from __future__ import annotations

import re

from sqlalchemy import text, update
from sqlmodel import Session, col, select

from fieldapp.models import Job
from sync.hq.models import Counter

SERIES = re.compile(r"^FW-(\d{4})-(\d{6})$")
DIGITS = 6
MAX_BLOCK = 1000


def counter_name(year: int) -> str:
    return f"job-number-{year}"


def job_number(year: int, value: int) -> str:
    return f"FW-{year}-{value:0{DIGITS}d}"


def _ensure_counter(session: Session, year: int) -> None:
    """Create the year's counter row once, starting after the highest number of the year
    already in use (jobs imported or created before the counter existed)."""
    name = counter_name(year)
    if session.get(Counter, name) is not None:
        return
    prefix = f"FW-{year}-"
    highest = 0
    for number in session.exec(select(Job.number).where(col(Job.number).startswith(prefix))):
        match = SERIES.match(number)
        if match:
            highest = max(highest, int(match.group(2)))
    # Two workers may create it at once: the second one's insert does nothing.
    session.connection().execute(
        text("INSERT INTO hq_counter (name, value) VALUES (:name, :value) ON CONFLICT DO NOTHING"),
        {"name": name, "value": highest},
    )


def reserve_job_numbers(session: Session, year: int, count: int) -> list[str]:
    """``count`` consecutive numbers of ``year``, nobody else's, for this transaction to
    use. The year's counter row stays locked until the transaction ends."""
    if not 1 <= count <= MAX_BLOCK:
        raise ValueError(f"reserve between 1 and {MAX_BLOCK} numbers")
    _ensure_counter(session, year)
    last = session.connection().execute(
        update(Counter)
        .where(col(Counter.name) == counter_name(year))
        .values(value=Counter.value + count)  # type: ignore[arg-type]
        .returning(Counter.value)
    ).scalar_one()
    return [job_number(year, value) for value in range(last - count + 1, last + 1)]


def next_job_number(session: Session, year: int) -> str:
    """The next free number of ``year``; skips numbers already taken by hand."""
    while True:
        (number,) = reserve_job_numbers(session, year, 1)
        if session.exec(select(Job.id).where(Job.number == number)).first() is None:
            return number


def claim_job_number(session: Session, number: str) -> None:
    """A number given by hand: if it is in a year's series, the counter moves past it,
    so the counter never hands it out again."""
    match = SERIES.match(number)
    if match is None:
        return
    year, value = int(match.group(1)), int(match.group(2))
    _ensure_counter(session, year)
    session.connection().execute(
        update(Counter)
        .where(col(Counter.name) == counter_name(year), col(Counter.value) < value)
        .values(value=value)
    )
