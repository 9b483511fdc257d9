"""Job numbers for jobs created on this device, online or not (docs/sync-protocol.md §8.6).

A number is ``FW-<year>-<6 digits>``. HQ reserves blocks of consecutive numbers for a
device that may create jobs and sends them in the pull answer; the device keeps them in
``local_setting`` (key :data:`BLOCKS_KEY`) and hands them out in order. When no block of
the year has a number left, the job gets a provisional number ``~<first 8 of device
id>-<n>`` that HQ replaces with a real one when the job is pushed.

Every function takes the caller's session, so the block record moves in the same
transaction as the job that takes the number: a crash either keeps both or neither, and
a number is never handed out twice.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, select

from fieldapp.models import Job, LocalSetting

log = logging.getLogger(__name__)

SERIES = re.compile(r"^FW-(\d{4})-(\d{6})$")
DIGITS = 6
PROVISIONAL_PREFIX = "~"
# No device id yet (a store that was never enrolled): its numbers are provisional.
NO_DEVICE = "local"

BLOCKS_KEY = "numbering.blocks"  # JSON list of {"year", "first", "last", "next"}
PROVISIONAL_KEY = "numbering.provisional"  # the last n of a provisional number


def job_number(year: int, value: int) -> str:
    return f"FW-{year}-{value:0{DIGITS}d}"


def parse_job_number(number: str) -> tuple[int, int] | None:
    """``(year, value)`` of a number in the series, else None."""
    match = SERIES.match(number)
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2))


def is_provisional(number: str) -> bool:
    """A temporary number given offline, to be replaced by HQ's on push."""
    return number.startswith(PROVISIONAL_PREFIX)


def provisional_number(device_id: str | None, n: int) -> str:
    return f"{PROVISIONAL_PREFIX}{(device_id or NO_DEVICE)[:8]}-{n}"


@dataclass(frozen=True)
class NumberBlock:
    """Consecutive numbers ``first..last`` (inclusive) of ``year``, reserved by HQ for
    this device. On the wire: ``{"year": 2026, "first": 101, "last": 120}``."""

    year: int
    first: int
    last: int

    @property
    def size(self) -> int:
        return self.last - self.first + 1


@dataclass
class _Held:
    block: NumberBlock
    next: int  # the next number of the block not handed out yet
    device: str  # the device id HQ reserved it for (a store enrolled again has a new one)

    @property
    def unused(self) -> int:
        return max(0, self.block.last - self.next + 1)


def _load(session: Session) -> list[_Held]:
    row = session.get(LocalSetting, BLOCKS_KEY)
    if row is None or not row.value:
        return []
    held = []
    for item in json.loads(row.value):
        block = NumberBlock(int(item["year"]), int(item["first"]), int(item["last"]))
        held.append(_Held(block, int(item["next"]), str(item["device"])))
    return held


def _save(session: Session, held: list[_Held]) -> None:
    value = json.dumps(
        [
            {
                "year": h.block.year,
                "first": h.block.first,
                "last": h.block.last,
                "next": h.next,
                "device": h.device,
            }
            for h in sorted(held, key=lambda h: (h.block.year, h.block.first))
        ]
    )
    _put(session, BLOCKS_KEY, value)


def _put(session: Session, key: str, value: str) -> None:
    row = session.get(LocalSetting, key)
    if row is None:
        session.add(LocalSetting(key=key, value=value))
    else:
        row.value = value
    session.flush()


def _taken(session: Session, number: str) -> bool:
    return session.exec(select(Job.id).where(Job.number == number)).first() is not None


def store_blocks(session: Session, blocks: Iterable[NumberBlock], *, device_id: str) -> None:
    """Keep the blocks HQ sent to ``device_id``. A block already held keeps its own
    position (HQ sends every open block of the device at each sync); a block with
    nothing left, or reserved for another device id (the store was enrolled again), is
    dropped."""
    held = [h for h in _load(session) if h.device == device_id]
    known = {h.block for h in held}
    for block in blocks:
        if block.first > block.last or block.first < 1:
            raise ValueError(f"not a block of numbers: {block}")
        if block not in known:
            held.append(_Held(block, block.first, device_id))
            known.add(block)
            log.info("Job numbers %s reserved for this device", block)
    _save(session, [h for h in held if h.unused > 0])


def drop_blocks(session: Session, blocks: Iterable[NumberBlock]) -> None:
    """Forget these blocks' unused numbers (HQ, restored from a backup, gave them to
    another device): new jobs take the next block, or a provisional number."""
    gone = set(blocks)
    _save(session, [h for h in _load(session) if h.block not in gone])


def unused_numbers(session: Session, year: int) -> int:
    """How many reserved numbers of ``year`` this device has left."""
    return sum(h.unused for h in _load(session) if h.block.year == year)


def held_blocks(session: Session) -> list[NumberBlock]:
    return [h.block for h in _load(session)]


def allocate_job_number(session: Session, *, device_id: str | None, year: int) -> str:
    """The number for a new job of ``year``: the next unused one of this device's blocks,
    else a provisional ``~<device>-<n>``. Recorded in ``session``: commit it with the job."""
    held = _load(session)
    for h in sorted(held, key=lambda h: h.block.first):
        if h.block.year != year or h.device != device_id:
            continue
        while h.unused > 0:
            number = job_number(year, h.next)
            h.next += 1
            # A number already on the device (it cannot be, blocks are the device's own)
            # is skipped rather than handed out twice.
            if not _taken(session, number):
                _save(session, [x for x in held if x.unused > 0])
                return number
    _save(session, [x for x in held if x.unused > 0])
    row = session.get(LocalSetting, PROVISIONAL_KEY)
    n = int(row.value) if row is not None and row.value else 0
    while True:
        n += 1
        number = provisional_number(device_id, n)
        if not _taken(session, number):
            break
    _put(session, PROVISIONAL_KEY, str(n))
    log.info("No reserved job number left for %s: provisional %s", year, number)
    return number
