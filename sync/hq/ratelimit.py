"""Attempts per key in a fixed window, counted in HQ's database (``hq_rate_limit``), so
every worker process and every HQ instance on the same database sees one count.

Enrollment is limited per client address and per enrollment code; a refusal is a 429
with ``Retry-After``. Each attempt is counted in its own short transaction, committed
before the attempt runs: a failed attempt (rolled back) still counts.
"""

from __future__ import annotations

import math
import os
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import Engine, case, delete, update
from sqlalchemy.dialects import postgresql, sqlite

from sync.hq.models import RateLimit
from sync.hq.service import SyncError, normalise_code, sha256_text

ATTEMPTS_ENV = "FIELDAPP_HQ_ENROLL_ATTEMPTS"
WINDOW_ENV = "FIELDAPP_HQ_ENROLL_WINDOW"
FORGET_AFTER = 24 * 3600.0  # keys idle this long are dropped


@dataclass(frozen=True)
class Limit:
    attempts: int  # allowed in one window; the next one is refused
    window: float  # seconds

    @classmethod
    def enrollment(cls) -> Limit:
        """5 attempts per 15 minutes unless configured (``FIELDAPP_HQ_ENROLL_*``)."""
        return cls(
            attempts=int(os.environ.get(ATTEMPTS_ENV) or 5),
            window=float(os.environ.get(WINDOW_ENV) or 900),
        )


class RateLimited(SyncError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            429,
            "too_many_attempts",
            f"Too many attempts: wait {retry_after} seconds and try again.",
        )
        self.retry_after = retry_after


def hit(engine: Engine, key: str, limit: Limit, now: float | None = None) -> int:
    """Count one attempt for ``key``; raises :class:`RateLimited` past the limit.
    Returns the attempts counted in the current window."""
    now = time.time() if now is None else now
    table = RateLimit.__table__  # type: ignore[attr-defined]
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    stale = table.c.window_start <= now - limit.window
    statement = dialect.insert(table).values(key=key, window_start=now, hits=1)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "hits": case((stale, 1), else_=table.c.hits + 1),
            "window_start": case((stale, now), else_=table.c.window_start),
        },
    ).returning(table.c.hits, table.c.window_start)
    with engine.begin() as connection:
        hits, started = connection.execute(statement).one()
        if secrets.randbelow(64) == 0:
            connection.execute(delete(table).where(table.c.window_start < now - FORGET_AFTER))
    if hits > limit.attempts:
        raise RateLimited(max(1, math.ceil(started + limit.window - now)))
    return int(hits)


def forgive(engine: Engine, key: str) -> None:
    """Take back one attempt (it succeeded: a site enrolling its tablets is no attack)."""
    table = RateLimit.__table__  # type: ignore[attr-defined]
    with engine.begin() as connection:
        connection.execute(
            update(table).where(table.c.key == key, table.c.hits > 0).values(hits=table.c.hits - 1)
        )


def address_key(address: str) -> str:
    return f"enroll:addr:{address}"[:100]


def code_key(code: str) -> str:
    return f"enroll:code:{sha256_text(normalise_code(code))[:40]}"


def check_enrollment(engine: Engine, address: str, code: str) -> None:
    """Count an enrollment attempt from ``address`` with ``code``; 429 past the limit."""
    limit = Limit.enrollment()
    hit(engine, address_key(address), limit)
    hit(engine, code_key(code), limit)
