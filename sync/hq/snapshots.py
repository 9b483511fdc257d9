"""Snapshots of the shared buckets: first syncs in seconds, cheap for HQ.

Every device holds the same catalogue and org (100,000 parts and more). Pulled row by
row, each new device costs HQ the same 60 MB of JSON. Instead HQ builds, once per change
of those buckets, one SQLite file holding their rows in the device's own column form,
with the bucket and checksum digest of each row, gzip-compressed and named by its
SHA-256. A new device downloads it (resumably, checked by hash), copies its rows into
its store in one transaction (the parts' search index fills as they go in), and pulls
what changed after the snapshot's sequence number as it always does
(docs/sync-protocol.md §13; the device side is sync/snapshot_client.py).

A snapshot is derived data: any snapshot is correct to serve, however old, because the
device pulls everything after its ``seq``; a newer one only makes that pull shorter.
The builder runs in ``fieldapp-hq serve``'s supervising process (:class:`SnapshotKeeper`)
and in ``fieldapp-hq snapshot``; a lease in ``hq_meta`` lets one process of the whole
fleet build at a time.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import socket
import tempfile
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, delete, func, insert, select, update
from sqlalchemy.pool import NullPool
from sqlmodel import Session, col

from fieldapp.clock import utcnow
from fieldapp.models import TABLES_BY_NAME, SyncedRowState
from fieldapp.store import SCHEMA_HEAD
from fieldapp.wire import from_wire
from sync import protocol as p
from sync.buckets import CATALOGUE, ORG, row_digest, wire_rows
from sync.hq.db import PURGED_THROUGH, current_seq, session_scope, snapshot_scope
from sync.hq.models import BucketSum, Meta, RowLog, Snapshot

log = logging.getLogger(__name__)

SHARED_BUCKETS = (CATALOGUE, ORG)
FORMAT = p.SNAPSHOT_FORMAT
KEEP = 2  # the newest snapshots kept: a device halfway through the last one finishes it
LEASE = "snapshot_lease"  # hq_meta: "<holder> <expiry epoch seconds>", or "" when free
LEASE_SECONDS = 600
MIN_ROWS = 2000  # fewer shared rows than this: the row pull is as quick as a file
STATE_TABLE = SyncedRowState.__tablename__  # each row's bucket and digest, as on a device
INFO_TABLE = p.SNAPSHOT_INFO_TABLE


class SnapshotBuildError(Exception):
    """The snapshot could not be built (the error says why); nothing was stored."""


# --- what exists ----------------------------------------------------------------------


def newest(session: Session) -> Snapshot | None:
    """The newest snapshot (its bytes are not loaded)."""
    return session.exec(  # type: ignore[call-overload]
        select(*_info_columns()).order_by(col(Snapshot.seq).desc()).limit(1)
    ).first()


def _info_columns() -> list[Any]:
    return [c for c in Snapshot.__table__.columns if c.key != "data"]  # type: ignore[attr-defined]


def shared_last_seq(session: Session) -> int:
    """The newest change in the shared buckets."""
    value = session.execute(
        select(func.max(BucketSum.last_seq)).where(col(BucketSum.bucket).in_(SHARED_BUCKETS))
    ).scalar()
    return int(value or 0)


def purged_through(session: Session) -> int:
    mark = session.get(Meta, PURGED_THROUGH)
    return int(mark.value) if mark is not None else 0


def usable(session: Session, snapshot: Any) -> bool:
    """A snapshot a device may start from: built for this device schema, and not older
    than the tombstone horizon (a device at its ``seq`` would be told to resync)."""
    return (
        snapshot is not None
        and snapshot.schema_revision == SCHEMA_HEAD
        and snapshot.format == FORMAT
        and snapshot.seq >= purged_through(session)
    )


def stale(session: Session) -> bool:
    """Whether a new snapshot is due: none usable, or the shared buckets changed since."""
    latest = newest(session)
    if not usable(session, latest):
        return True
    return shared_last_seq(session) > latest.seq  # type: ignore[union-attr]


def info(snapshot: Any) -> p.SnapshotInfo:
    return p.SnapshotInfo(
        sha256=snapshot.sha256,
        size=snapshot.size,
        seq=snapshot.seq,
        buckets=snapshot.buckets.split(),
        rows=snapshot.rows,
        schema_revision=snapshot.schema_revision,
        format=snapshot.format,
        built_at=snapshot.built_at,
    )


def offer(session: Session, scope: list[str]) -> p.SnapshotOffer:
    """What a device starting from nothing is offered. A device that holds everything
    (scope ``*``) pulls row by row: its pull follows no buckets to backfill."""
    if not set(SHARED_BUCKETS) <= set(scope):
        return p.SnapshotOffer(reason="scope_all")
    latest = newest(session)
    if not usable(session, latest):
        return p.SnapshotOffer(reason="none_built")
    return p.SnapshotOffer(snapshot=info(latest))


class SnapshotCache:
    """The bytes of the snapshots one worker serves, read from the database once: 200
    devices downloading at once must not each read 10 MB out of PostgreSQL."""

    def __init__(self, keep: int = KEEP) -> None:
        self.keep = keep
        self._lock = threading.Lock()
        self._bytes: dict[str, bytes] = {}

    def get(self, engine: Engine, sha256: str) -> bytes | None:
        with self._lock:
            cached = self._bytes.get(sha256)
        if cached is not None:
            return cached
        with session_scope(engine) as session:
            data = session.execute(select(Snapshot.data).where(Snapshot.sha256 == sha256)).scalar()
        if data is None:
            return None
        data = bytes(data)
        with self._lock:
            self._bytes[sha256] = data
            while len(self._bytes) > self.keep:
                self._bytes.pop(next(iter(self._bytes)))
        return data


# --- building ---------------------------------------------------------------------------


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _write_file(
    session: Session, target: Path, members: dict[str, list[tuple[str, str]]], seq: int
) -> int:
    """Write the snapshot's SQLite file: every member row in the device's stored form
    (the same conversion a pulled row goes through), and its bucket and digest."""
    engine = create_engine(f"sqlite:///{target}", poolclass=NullPool)
    written = 0
    try:
        with engine.begin() as out:
            out.exec_driver_sql("PRAGMA journal_mode=OFF")
            out.exec_driver_sql(
                f"CREATE TABLE {STATE_TABLE} (table_name TEXT, row_id TEXT, bucket TEXT, "
                "digest INTEGER, PRIMARY KEY (table_name, row_id))"
            )
            out.exec_driver_sql(f"CREATE TABLE {INFO_TABLE} (key TEXT PRIMARY KEY, value TEXT)")
            for table_name in sorted(members):
                model = TABLES_BY_NAME[table_name]
                table = model.__table__  # type: ignore[attr-defined]
                columns = ", ".join(_quoted(c.key) for c in table.columns)
                out.exec_driver_sql(f"CREATE TABLE {_quoted(table_name)} ({columns})")
                rows = members[table_name]
                bucket_of_row = dict(rows)
                ids = [row_id for row_id, _ in rows]
                for start in range(0, len(ids), 5000):
                    wire = wire_rows(session, table_name, ids[start : start + 5000])
                    if not wire:
                        continue
                    # HQ's own rows: every column is the model's (no filtering).
                    out.execute(insert(table), [from_wire(model, row) for row in wire.values()])
                    out.exec_driver_sql(
                        f"INSERT INTO {STATE_TABLE} VALUES (?, ?, ?, ?)",
                        [
                            (table_name, row_id, bucket_of_row[row_id], row_digest(table_name, row))
                            for row_id, row in wire.items()
                        ],
                    )
                    written += len(wire)
            out.exec_driver_sql(
                f"INSERT INTO {INFO_TABLE} VALUES (?, ?)",
                [
                    ("format", str(FORMAT)),
                    ("seq", str(seq)),
                    ("schema_revision", SCHEMA_HEAD),
                    ("buckets", " ".join(SHARED_BUCKETS)),
                    ("rows", str(written)),
                ],
            )
    finally:
        engine.dispose()
    return written


def _check_file(target: Path) -> None:
    """Read every row of the file back as a device reads its store (the model's column
    types over SQLite, then the wire form) and check it against the digest written
    beside it. A device verifies a bucket it got from a snapshot by these digests
    (sync/client.py ``verify``): this proves, once per snapshot rather than on every
    device, that the stored form gives back the content HQ holds."""
    engine = create_engine(f"sqlite:///{target}", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            expected: dict[str, dict[str, int]] = {}
            for table_name, row_id, digest in connection.exec_driver_sql(
                f"SELECT table_name, row_id, digest FROM {STATE_TABLE}"
            ):
                expected.setdefault(table_name, {})[row_id] = digest
            for table_name, digests in expected.items():
                ids = list(digests)
                for start in range(0, len(ids), 5000):
                    chunk = ids[start : start + 5000]
                    stored = wire_rows(connection, table_name, chunk)
                    for row_id in chunk:
                        row = stored.get(row_id)
                        if row is None or row_digest(table_name, row) != digests[row_id]:
                            raise SnapshotBuildError(
                                f"The stored form of {table_name} {row_id} does not give "
                                "back its content: no snapshot is built."
                            )
    finally:
        engine.dispose()


def _compress(source: Path) -> bytes:
    # mtime=0: the same rows give the same bytes, hence the same name.
    with source.open("rb") as raw:
        return gzip.compress(raw.read(), compresslevel=6, mtime=0)


def build(engine: Engine, *, min_rows: int = MIN_ROWS, keep: int = KEEP) -> Snapshot | None:
    """Build a snapshot of the shared buckets as they stand, store it and forget the
    older ones beyond ``keep``; None when they hold fewer than ``min_rows`` rows."""
    started = time.perf_counter()
    with snapshot_scope(engine) as session:
        seq = current_seq(session)
        members: dict[str, list[tuple[str, str]]] = {}
        count = 0
        for table_name, row_id, bucket in session.execute(
            select(RowLog.table_name, RowLog.row_id, RowLog.bucket).where(
                col(RowLog.bucket).in_(SHARED_BUCKETS),
                col(RowLog.removed).is_(False),
                col(RowLog.seq) <= seq,
            )
        ):
            if table_name not in TABLES_BY_NAME:
                raise SnapshotBuildError(f"The row log names an unknown table {table_name}.")
            members.setdefault(table_name, []).append((row_id, bucket))
            count += 1
        if count < min_rows:
            log.info("No snapshot: the shared buckets hold %d rows (< %d)", count, min_rows)
            return None
        with tempfile.TemporaryDirectory(prefix="fieldapp-snapshot-") as folder:
            path = Path(folder) / "snapshot.sqlite"
            rows = _write_file(session, path, members, seq)
            _check_file(path)
            data = _compress(path)
    sha256 = hashlib.sha256(data).hexdigest()
    snapshot = Snapshot(
        sha256=sha256,
        seq=seq,
        buckets=" ".join(SHARED_BUCKETS),
        rows=rows,
        size=len(data),
        schema_revision=SCHEMA_HEAD,
        format=FORMAT,
        built_at=utcnow(),
        build_seconds=round(time.perf_counter() - started, 3),
        data=data,
    )
    with session_scope(engine) as session:
        if session.get(Snapshot, sha256) is None:
            session.add(snapshot)
            session.flush()
        _forget_old(session, keep)
    log.info(
        "Snapshot %s built: %d rows up to seq %d, %.1f MB, %.1f s",
        sha256[:12],
        rows,
        seq,
        len(data) / 1e6,
        snapshot.build_seconds,
    )
    return snapshot


def _forget_old(session: Session, keep: int) -> None:
    kept = [
        sha
        for (sha,) in session.execute(
            select(Snapshot.sha256).order_by(col(Snapshot.seq).desc()).limit(keep)
        )
    ]
    session.execute(delete(Snapshot).where(col(Snapshot.sha256).not_in(kept)))


# --- one builder at a time --------------------------------------------------------------


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def take_lease(engine: Engine, seconds: float = LEASE_SECONDS) -> str | None:
    """Claim the right to build (for ``seconds``, in case this process dies holding it);
    the holder's name, or None when another process holds it."""
    holder = _holder()
    now = time.time()
    with session_scope(engine) as session:
        current = session.get(Meta, LEASE)
        if current is None:
            session.add(Meta(key=LEASE, value=""))
            session.flush()
            current_value = ""
        else:
            current_value = current.value
        if current_value:
            _, _, expiry = current_value.rpartition(" ")
            try:
                if float(expiry) > now:
                    return None
            except ValueError:
                pass  # garbled: treat as free
        # Compare and set: of two processes reading the same free lease, one updates.
        taken = session.execute(
            update(Meta)
            .where(col(Meta.key) == LEASE, col(Meta.value) == current_value)
            .values(value=f"{holder} {now + seconds:.0f}")
        ).rowcount
    return holder if taken == 1 else None


def release_lease(engine: Engine, holder: str) -> None:
    with session_scope(engine) as session:
        session.execute(
            update(Meta)
            .where(col(Meta.key) == LEASE, col(Meta.value).startswith(holder + " "))
            .values(value="")
        )


def build_if_stale(engine: Engine, *, min_rows: int = MIN_ROWS) -> Snapshot | None:
    """Build a snapshot when one is due and no other process is building; the new
    snapshot, or None."""
    with session_scope(engine) as session:
        if not stale(session):
            return None
    holder = take_lease(engine)
    if holder is None:
        return None
    try:
        with session_scope(engine) as session:
            if not stale(session):  # built by another process meanwhile
                return None
        return build(engine, min_rows=min_rows)
    finally:
        release_lease(engine, holder)


class SnapshotKeeper:
    """Keeps the snapshot fresh from a background thread of ``fieldapp-hq serve``: checks
    every ``seconds`` (FIELDAPP_HQ_SNAPSHOT_SECONDS, default 30; 0 turns it off) whether
    the shared buckets changed since the newest snapshot, and builds one if so."""

    def __init__(self, engine: Engine, seconds: float, min_rows: int = MIN_ROWS) -> None:
        self.engine = engine
        self.seconds = seconds
        self.min_rows = min_rows
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hq-snapshot", daemon=True)

    def start(self) -> None:
        if self.seconds > 0:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(30)

    def _run(self) -> None:
        wait = 0.0  # the first check at once: a new HQ builds before the first device
        while not self._stop.wait(wait):
            wait = self.seconds
            try:
                build_if_stale(self.engine, min_rows=self.min_rows)
            except Exception:
                log.exception("Building the snapshot failed; it is tried again later")


def describe(snapshots: Iterable[Any]) -> list[dict[str, Any]]:
    """What ``fieldapp-hq snapshot --list`` prints."""
    return [
        {
            "sha256": s.sha256,
            "seq": s.seq,
            "rows": s.rows,
            "size": s.size,
            "schema_revision": s.schema_revision,
            "built_at": s.built_at.isoformat(),
            "build_seconds": s.build_seconds,
        }
        for s in snapshots
    ]


def all_snapshots(session: Session) -> list[Any]:
    return list(session.execute(select(*_info_columns()).order_by(col(Snapshot.seq).desc())).all())
