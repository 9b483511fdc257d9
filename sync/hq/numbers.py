"""Job numbers that hold under concurrency: ``FW-<year>-<6 digits>``, handed out from
one counter row per year (``hq_counter``) under that row's lock.

Two HQ workers that create a job at the same moment both update the year's counter row;
the database makes the second wait until the first commits and then gives it the next
value, so no number is handed out twice. A block of numbers can be reserved the same
way for a device that creates jobs offline (``hq_number_block``, docs/sync-protocol.md
§8.6): HQ tops the device's reserve up at its pulls, accepts a pushed job's number only
from the device it was reserved for, and replaces a provisional number with the next
one of the counter. A number given by another system in the series moves the counter
past it.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from sqlalchemy import text, update
from sqlmodel import Session, col, select

from fieldapp.clock import utcnow
from fieldapp.models import Job
from fieldapp.models.enums import Role
from fieldapp.numbering import SERIES, is_provisional, job_number, parse_job_number
from sync.hq.models import Counter, JobNumberBlock

log = logging.getLogger(__name__)

MAX_BLOCK = 1000
DEFAULT_BLOCK = 20
BLOCK_ENV = "FIELDAPP_HQ_NUMBER_BLOCK"  # the block size HQ reserves (1-1000)
# Roles whose devices create jobs offline: supervisors and administrators dispatch,
# engineers open follow-up jobs.
CREATORS = frozenset({Role.ENGINEER, Role.SUPERVISOR, Role.ADMIN})


def counter_name(year: int) -> str:
    return f"job-number-{year}"


def ensure_counter(session: Session, year: int) -> None:
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
    ensure_counter(session, year)
    last = (
        session.connection()
        .execute(
            update(Counter)
            .where(col(Counter.name) == counter_name(year))
            .values(value=Counter.value + count)  # type: ignore[arg-type]
            .returning(Counter.value)
        )
        .scalar_one()
    )
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
    ensure_counter(session, year)
    session.connection().execute(
        update(Counter)
        .where(col(Counter.name) == counter_name(year), col(Counter.value) < value)
        .values(value=value)
    )


# --- blocks for devices that create jobs offline ---------------------------------------


def block_size() -> int:
    """How many numbers HQ reserves at a time (``$FIELDAPP_HQ_NUMBER_BLOCK``, default 20)."""
    raw = os.environ.get(BLOCK_ENV, "")
    size = int(raw) if raw.strip() else DEFAULT_BLOCK
    if not 1 <= size <= MAX_BLOCK:
        raise ValueError(f"{BLOCK_ENV}: between 1 and {MAX_BLOCK}")
    return size


@dataclass(frozen=True)
class HeldBlock:
    block: JobNumberBlock
    unused: int  # numbers after the highest one HQ has seen used (devices use them in order)


def device_blocks(session: Session, device_id: str, year: int) -> list[HeldBlock]:
    """The device's blocks of ``year``, oldest first, with what is left of each."""
    blocks = session.exec(
        select(JobNumberBlock)
        .where(JobNumberBlock.device_id == device_id, JobNumberBlock.year == year)
        .order_by(col(JobNumberBlock.first))
    ).all()
    held = []
    for block in blocks:
        # Zero-padded numbers of one year sort as their values do; parsed again, so
        # only numbers of the series count.
        candidates = session.exec(
            select(Job.number).where(
                col(Job.number) >= job_number(year, block.first),
                col(Job.number) <= job_number(year, block.last),
            )
        ).all()
        used = [
            parsed[1]
            for parsed in map(parse_job_number, candidates)
            if parsed and parsed[0] == year and block.first <= parsed[1] <= block.last
        ]
        used_upto = max(used, default=block.first - 1)
        held.append(HeldBlock(block, block.last - used_upto))
    return held


def needs_numbers(role: Role, held: list[HeldBlock], size: int) -> bool:
    """A device that may create jobs whose reserve (``held``: its blocks of the year) is
    below half a block."""
    return role in CREATORS and sum(h.unused for h in held) * 2 < size


def reserve_block(session: Session, device_id: str, year: int, size: int) -> JobNumberBlock:
    """A new block of ``size`` numbers for the device, from the year's counter."""
    numbers = reserve_job_numbers(session, year, size)
    first, last = parse_job_number(numbers[0]), parse_job_number(numbers[-1])
    assert first is not None and last is not None
    block = JobNumberBlock(
        device_id=device_id, year=year, first=first[1], last=last[1], reserved_at=utcnow()
    )
    session.add(block)
    session.flush()
    log.info("Job numbers %s..%s reserved for device %s", numbers[0], numbers[-1], device_id)
    return block


def top_up(
    session: Session, role: Role, device_id: str, year: int, size: int
) -> list[JobNumberBlock]:
    """The device's open blocks of ``year`` after adding a new one if its reserve is
    still below half a block, checked again under the year's counter lock: a pull
    retried while the first one was still being answered reserves no second block."""
    ensure_counter(session, year)
    # The row lock (PostgreSQL; SQLite writers are serialised already) makes a second
    # top-up wait, then see the first one's block.
    session.connection().execute(
        select(Counter.value).where(col(Counter.name) == counter_name(year)).with_for_update()
    )
    held = device_blocks(session, device_id, year)
    blocks = [h.block for h in held if h.unused > 0]
    if needs_numbers(role, held, size):
        blocks.append(reserve_block(session, device_id, year, size))
    return blocks


class NumberRefused(Exception):
    """A pushed job's number is not the pushing device's to use."""

    code = "number_taken"


def number_for_pushed_job(session: Session, device_id: str, number: str) -> str:
    """The number a job pushed by ``device_id`` is stored under: a provisional number is
    replaced by the next of the year's counter; a number of the series must lie in a
    block of this device and be unused. Anything else is refused."""
    if is_provisional(number):
        real = next_job_number(session, utcnow().year)
        log.info("Provisional job number %s replaced by %s", number, real)
        return real
    parsed = parse_job_number(number)
    if parsed is None:
        raise NumberRefused(f"{number} is not a job number HQ gave this device.")
    year, value = parsed
    owner = session.exec(
        select(JobNumberBlock.device_id).where(
            JobNumberBlock.year == year,
            col(JobNumberBlock.first) <= value,
            col(JobNumberBlock.last) >= value,
        )
    ).first()
    if owner != device_id:
        raise NumberRefused(f"{number} was not reserved for this device.")
    if session.exec(select(Job.id).where(Job.number == number)).first() is not None:
        raise NumberRefused(f"{number} is used by another job.")
    claim_job_number(session, number)  # the counter is past it already; kept for imports
    return number
