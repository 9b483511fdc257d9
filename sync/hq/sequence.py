"""Server sequence numbers handed out at commit, on PostgreSQL.

Sequence numbers must follow commit order: a pull that has seen number n must never
later find a row committed with a lower one. One counter row (``hq_counter``) gives that
order, because its row lock serialises the writers that take it. Taken at a
transaction's first flush (as HQ did at first), the lock is held for the whole push: the
load benchmark (bench/bench_hq_load.py) found 91 % of PostgreSQL's active sessions
waiting on it at 20 devices.

So on PostgreSQL a transaction's row-log entries and bucket sums get *placeholder*
numbers while it works: negative, drawn at random from a range of 2**60 (no two
transactions collide in practice, and the unique index would refuse it if they did).
Just before the commit, :func:`assign` takes the counter once for all of them and
rewrites the placeholders, in the order they were handed out. The lock is then held
only from that statement to the commit: the order is the commit order as before. SQLite
has one writer at a time anyway and keeps taking the counter at once.
"""

from __future__ import annotations

import secrets

from sqlalchemy import event, text, update
from sqlalchemy.orm import Session

from sync.hq.models import Counter

PENDING = "placeholder_seqs"
SEQ = "seq"


def placeholders(session: Session, count: int) -> int:
    """Reserve ``count`` placeholders; returns the one before the first (callers add 1
    before each use, as with a real counter)."""
    base = -(secrets.randbits(60) + 2**61)
    _pending(session).append((base + 1, count))
    return base


def _pending(session: Session) -> list[tuple[int, int]]:
    """This transaction's placeholders. Kept with the outermost transaction: a savepoint's
    commit or rollback fires the session's commit and rollback events too, and a
    rolled-back savepoint's placeholders match no row (a gap in the sequence, harmless)."""
    root = session.get_transaction()
    held = session.info.get(PENDING)
    if held is None or held[0] is not root:
        held = (root, [])
        session.info[PENDING] = held
    return held[1]


def assign(session: Session) -> None:
    session.flush()  # the last changes get their placeholders too
    pending = list(_pending(session))
    session.info.pop(PENDING, None)
    total = sum(count for _, count in pending)
    if not total:
        return
    connection = session.connection()
    last = connection.execute(
        update(Counter)
        .where(Counter.name == SEQ)
        .values(value=Counter.value + total)  # type: ignore[arg-type]
        .returning(Counter.value)
    ).scalar_one()
    old: list[int] = []
    for first, count in pending:
        old.extend(range(first, first + count))
    new = list(range(last - total + 1, last + 1))
    mapping = {"old": old, "new": new}
    connection.execute(
        text(
            "UPDATE hq_row SET seq = m.new FROM unnest(CAST(:old AS bigint[]), "
            "CAST(:new AS bigint[])) AS m(old, new) WHERE hq_row.seq = m.old"
        ),
        mapping,
    )
    connection.execute(
        text(
            "UPDATE hq_bucket SET last_seq = m.new FROM unnest(CAST(:old AS bigint[]), "
            "CAST(:new AS bigint[])) AS m(old, new) WHERE hq_bucket.last_seq = m.old"
        ),
        mapping,
    )


def install(session_class: type[Session]) -> None:
    @event.listens_for(session_class, "before_commit")
    def _before_commit(session: Session) -> None:
        # A savepoint's commit fires this too: only the real commit takes the counter.
        if session.in_nested_transaction():
            return
        if session.get_bind().dialect.name == "postgresql":
            assign(session)
