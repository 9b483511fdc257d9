"""HQ's database: SQLite by default, PostgreSQL in production.

Every change to a syncable row, whatever made it (a device's push, the JSON API, an
import, the demo), goes through :class:`HQSession`, which in the same transaction gives
the row a new version, logs which fields changed, and moves the row's entry in the row
log to a new server sequence number for the pulls to follow.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, event, select, text, update
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, create_engine

from fieldapp.clock import utcnow
from fieldapp.guards import BOOKKEEPING_FIELDS, install_frozen_guard
from fieldapp.models import (
    TABLES_BY_NAME,
    HourMeterReading,
    Machine,
    PartsRequest,
    PartsRequestLine,
    StockLocation,
    StockMovement,
    SyncedRow,
)
from fieldapp.models.base import changed_fields
from fieldapp.store import MIGRATIONS_DIR
from sync.buckets import bucket_of, row_digest, wire_rows
from sync.hq import audit, sequence
from sync.hq.models import BucketSum, Counter, Meta, Revision, RowLog

log = logging.getLogger(__name__)

HQ_MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations" / "versions"
SEQ = "seq"
PURGED_THROUGH = "purged_through_seq"  # hq_meta: tombstones up to here are forgotten


class HQSession(Session):
    """A session on HQ's database; ``info["device_id"]`` names the pushing device."""


install_frozen_guard(HQSession)
sequence.install(HQSession)


@event.listens_for(HQSession, "before_flush")
def _version_rows(session: OrmSession, _context: Any, _instances: Any) -> None:
    # A fresh list for every flush: a flush that failed (a statement refused in a
    # mutation's savepoint) never reached after_flush, and its rows were rolled back;
    # they must not be logged by the next flush.
    pending: list[tuple[SyncedRow, list[str] | None]] = []
    session.info["row_log"] = pending
    now = utcnow()
    for obj in session.new:
        if isinstance(obj, SyncedRow):
            obj.version = 1
            pending.append((obj, ["*"]))
    for obj in session.dirty:
        if not isinstance(obj, SyncedRow):
            continue
        fields = sorted(changed_fields(obj) - BOOKKEEPING_FIELDS)
        if not fields:
            continue
        obj.version = (obj.version or 0) + 1
        obj.updated_at = now
        pending.append((obj, fields))
    for obj in session.deleted:
        if isinstance(obj, SyncedRow):
            raise ValueError(f"{type(obj).__name__} rows are never deleted; set deleted_at.")
    session.info["audit"] = audit.credential_records(session)  # fresh, like row_log


# Rows whose bucket follows another row's: when the parent moves, they move with it
# (a van given to another engineer takes its stock movements along).
DEPENDENTS: tuple[tuple[type[SyncedRow], type[SyncedRow], str], ...] = (
    (StockLocation, StockMovement, "location_id"),
    (Machine, HourMeterReading, "machine_id"),
    (PartsRequest, PartsRequestLine, "request_id"),
)


@event.listens_for(HQSession, "after_soft_rollback")
def _forget_pending(session: OrmSession, _previous: Any) -> None:
    session.info.pop("row_log", None)
    session.info.pop("audit", None)


@event.listens_for(HQSession, "after_flush")
def _after_flush(session: OrmSession, _context: Any) -> None:
    pending: list[tuple[SyncedRow, list[str] | None]] = session.info.pop("row_log", [])
    audit.write(session.connection(), session.info.pop("audit", []))
    if pending:
        moved = _log_rows(session, pending)
        followers: list[tuple[SyncedRow, list[str] | None]] = []
        with session.no_autoflush:
            for parent in moved:
                for parent_type, child_type, column in DEPENDENTS:
                    if isinstance(parent, parent_type):
                        children = session.execute(
                            select(child_type).where(getattr(child_type, column) == parent.id)
                        ).scalars()
                        followers.extend((child, None) for child in children)
        if followers:
            _log_rows(session, followers)


def _log_rows(
    session: OrmSession, pending: list[tuple[SyncedRow, list[str] | None]]
) -> list[SyncedRow]:
    """Give each row a new sequence number in its bucket; returns the rows that changed
    bucket. ``fields`` None: the row itself did not change, only its bucket."""
    connection = session.connection()
    device_id = session.info.get("device_id")
    table_names = {type(obj).__tablename__ for obj, _ in pending}  # type: ignore[attr-defined]
    existing: dict[tuple[str, str], list[Any]] = {}
    ids = [obj.id for obj, _ in pending]
    for chunk_start in range(0, len(ids), 500):
        rows = connection.execute(
            select(RowLog).where(
                RowLog.table_name.in_(table_names),  # type: ignore[attr-defined]
                RowLog.row_id.in_(ids[chunk_start : chunk_start + 500]),  # type: ignore[attr-defined]
            )
        ).all()
        for row in rows:
            existing.setdefault((row.table_name, row.row_id), []).append(row)

    # Each row's digest covers its content as stored (read back in this transaction,
    # exactly as a pull will send it), not only its version.
    by_table: dict[str, list[str]] = {}
    for obj, _ in pending:
        by_table.setdefault(type(obj).__tablename__, []).append(obj.id)  # type: ignore[attr-defined]
    stored = {
        (table, row_id): row
        for table, table_ids in by_table.items()
        for row_id, row in wire_rows(connection, table, table_ids).items()
    }

    entries: list[tuple[SyncedRow, str, int, list[Any]]] = []
    movers: list[SyncedRow] = []
    needed = 0
    with session.no_autoflush:
        for obj, _fields in pending:
            table = obj.__tablename__  # type: ignore[attr-defined]
            bucket = bucket_of(session, obj)  # type: ignore[arg-type]
            old = existing.get((table, obj.id), [])
            # Entries in other buckets that are still live: the row left them.
            moved = [entry for entry in old if entry.bucket != bucket and not entry.removed]
            entries.append((obj, bucket, row_digest(table, stored[(table, obj.id)]), moved))
            needed += 1 + len(moved)
            if moved:
                movers.append(obj)
    if connection.dialect.name == "postgresql":
        # Placeholders now, the real numbers at commit (sync/hq/sequence.py): the
        # counter row is locked for the commit only, not the whole transaction.
        seq = sequence.placeholders(session, needed)
    else:
        last = connection.execute(
            update(Counter)
            .where(Counter.name == SEQ)
            .values(value=Counter.value + needed)  # type: ignore[arg-type]
            .returning(Counter.value)
        ).scalar_one()
        seq = last - needed

    sums: dict[str, list[int]] = {}

    def add(bucket: str, rows: int, total: int) -> None:
        current = sums.setdefault(bucket, [0, 0, 0])
        current[0] += rows
        current[1] += total
        current[2] = seq  # the sequence number just handed out touches this bucket

    upserts: list[dict[str, Any]] = []
    revisions: list[dict[str, Any]] = []
    trail: list[dict[str, Any]] = []  # the audit records, in this transaction
    for (obj, bucket, digest, moved), (_obj, fields) in zip(entries, pending, strict=True):
        table = obj.__tablename__  # type: ignore[attr-defined]
        for entry in moved:
            seq += 1
            connection.execute(
                update(RowLog)
                .where(
                    RowLog.table_name == table,  # type: ignore[arg-type]
                    RowLog.row_id == obj.id,  # type: ignore[arg-type]
                    RowLog.bucket == entry.bucket,  # type: ignore[arg-type]
                )
                .values(seq=seq, removed=True, digest=0, removed_at=utcnow())
            )
            add(entry.bucket, -1, -entry.digest)
        seq += 1
        same = next((e for e in existing.get((table, obj.id), []) if e.bucket == bucket), None)
        if same is None or same.removed:
            add(bucket, 1, digest)  # (back) into the bucket
        else:
            add(bucket, 0, digest - same.digest)
        upserts.append(
            {
                "table_name": table,
                "row_id": obj.id,
                "bucket": bucket,
                "seq": seq,
                "version": obj.version,
                "digest": digest,
                "removed": False,
                "_new": same is None,
            }
        )
        if fields is not None:
            revisions.append(
                {
                    "table_name": table,
                    "row_id": obj.id,
                    "version": obj.version,
                    "fields": " ".join(fields),
                    "device_id": device_id,
                }
            )
            op = session.info.get("audit_op") or audit.operation(
                fields, getattr(obj, "deleted_at", None)
            )
            trail.append(audit.record(session, table, obj.id, bucket, op, obj.version, fields))
    inserts = [{k: v for k, v in u.items() if k != "_new"} for u in upserts if u["_new"]]
    if inserts:
        connection.execute(RowLog.__table__.insert(), inserts)  # type: ignore[attr-defined]
    for u in upserts:
        if not u["_new"]:
            connection.execute(
                update(RowLog)
                .where(
                    RowLog.table_name == u["table_name"],  # type: ignore[arg-type]
                    RowLog.row_id == u["row_id"],  # type: ignore[arg-type]
                    RowLog.bucket == u["bucket"],  # type: ignore[arg-type]
                )
                .values(
                    seq=u["seq"],
                    version=u["version"],
                    digest=u["digest"],
                    removed=False,
                    removed_at=None,
                )
            )
    if revisions:
        connection.execute(Revision.__table__.insert(), revisions)  # type: ignore[attr-defined]
    audit.write(connection, trail)
    _add_to_sums(connection, sums)
    return movers


def _add_to_sums(connection: Any, sums: dict[str, list[int]]) -> None:
    """Add each bucket's (rows, digest total) change and move its last sequence."""
    known = {
        row.bucket: row
        for row in connection.execute(
            select(BucketSum).where(BucketSum.bucket.in_(list(sums)))  # type: ignore[attr-defined]
        ).all()
    }
    fresh = []
    for bucket, (rows, total, last_seq) in sums.items():
        if bucket in known:
            connection.execute(
                update(BucketSum)
                .where(BucketSum.bucket == bucket)  # type: ignore[arg-type]
                .values(
                    rows=BucketSum.rows + rows,  # type: ignore[operator]
                    total=BucketSum.total + total,  # type: ignore[operator]
                    last_seq=last_seq,
                )
            )
        else:
            fresh.append({"bucket": bucket, "rows": rows, "total": total, "last_seq": last_seq})
    if fresh:
        connection.execute(BucketSum.__table__.insert(), fresh)  # type: ignore[attr-defined]


def relog_rows(session: OrmSession, rows: list[tuple[str, str]], now: Any) -> None:
    """Give rows changed behind HQSession's back (raw SQL, a restored backup) a new
    version and log them as a change of every field, so devices pull HQ's content and
    the bucket sums cover it (sync/hq/integrity.py finds them)."""
    connection = session.connection()
    pending: list[tuple[SyncedRow, list[str] | None]] = []
    for table, row_id in rows:
        model = TABLES_BY_NAME[table]
        connection.execute(
            update(model)
            .where(model.id == row_id)  # type: ignore[arg-type]
            .values(version=model.version + 1, updated_at=now)  # type: ignore[operator]
        )
        obj = session.get(model, row_id, populate_existing=True)
        if obj is not None:
            pending.append((obj, ["*"]))
    session.info["audit_op"] = "repair"
    try:
        _log_rows(session, pending)
    finally:
        session.info.pop("audit_op", None)


def make_hq_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 60})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=60000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection: Any) -> None:
            # Writers take the write lock at the start: no deadlock between two writers
            # that both began by reading. Snapshot readers don't block anyone (WAL).
            if connection.get_execution_options().get("snapshot"):
                connection.exec_driver_sql("BEGIN")
            else:
                connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    # Per process: workers × (size + overflow) must stay under PostgreSQL's
    # max_connections (docs/operations.md §2; FIELDAPP_HQ_DB_POOL_SIZE/_MAX_OVERFLOW).
    size = int(os.environ.get("FIELDAPP_HQ_DB_POOL_SIZE") or 10)
    overflow = int(os.environ.get("FIELDAPP_HQ_DB_MAX_OVERFLOW") or 20)
    return create_engine(url, pool_pre_ping=True, pool_size=size, max_overflow=overflow)


def hq_alembic_config(connection: Any) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.set_main_option(
        "version_locations", f"{MIGRATIONS_DIR / 'versions'}:{HQ_MIGRATIONS_DIR}"
    )
    config.attributes["connection"] = connection
    config.attributes["with_hq"] = True
    return config


def migrate_hq(engine: Engine) -> None:
    """Create or upgrade HQ's database to the newest schema."""
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        command.upgrade(hq_alembic_config(connection), "heads")
        connection.commit()
    with session_scope(engine) as session:
        if session.get(Counter, SEQ) is None:
            session.add(Counter(name=SEQ, value=0))


@contextmanager
def session_scope(engine: Engine, *, device_id: str | None = None) -> Iterator[HQSession]:
    session = HQSession(engine, expire_on_commit=False)
    session.info["device_id"] = device_id
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def snapshot_scope(engine: Engine) -> Iterator[HQSession]:
    """A read-only session that sees one consistent snapshot (PostgreSQL's REPEATABLE
    READ; SQLite's transactions are snapshots already)."""
    if engine.dialect.name == "postgresql":
        engine = engine.execution_options(isolation_level="REPEATABLE READ")
    else:
        engine = engine.execution_options(snapshot=True)
    session = HQSession(engine, expire_on_commit=False)
    try:
        yield session
    finally:
        session.rollback()
        session.close()


def current_seq(session: Session) -> int:
    statement = text("SELECT value FROM hq_counter WHERE name = 'seq'")
    return int(session.execute(statement).scalar() or 0)


def prune_tombstones(session: Session, older_than: timedelta) -> int:
    """Forget rows' departures from buckets older than ``older_than`` (the tombstone
    horizon). A device whose cursor is older must resync: HQ tells it with 410, and it
    pushes its outbox before it refetches (it never discards local work)."""
    cutoff = utcnow() - older_than
    old = (
        session.execute(
            select(RowLog).where(RowLog.removed.is_(True), RowLog.removed_at < cutoff)  # type: ignore[attr-defined,operator]
        )
        .scalars()
        .all()
    )
    if not old:
        return 0
    through = max(entry.seq for entry in old)
    for entry in old:
        session.delete(entry)
    mark = session.get(Meta, PURGED_THROUGH) or Meta(key=PURGED_THROUGH, value="0")
    mark.value = str(max(int(mark.value), through))
    session.add(mark)
    return len(old)
