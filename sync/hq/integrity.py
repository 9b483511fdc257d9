"""HQ checks its own rows against the digests it logged for them.

Every row's entry in the row log (``hq_row``) carries the digest of the row's content as
HQSession wrote it (:func:`sync.buckets.row_digest`); a bucket's checksum is their sum.
A row changed behind HQSession's back (raw SQL, a restored backup, bit rot) no longer
matches its digest. :func:`recheck` finds such rows and repairs what may be repaired:
an ordinary row gets a new version and sequence number, so every device holding it
pulls HQ's content (and a device's own copy is proven by the checksums); a row of a
signed report is never laundered that way: it is reported as tampered with, for a
person to restore (the database's triggers, hq0002, refuse such changes: this finds what
got past them, a trigger switched off or a backup restored). A job row is repaired: its
trigger holds the fields the customer signed for, so only the others can have moved.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update

from fieldapp.clock import utcnow
from fieldapp.guards import REPORT_TABLES
from fieldapp.models import TABLES_BY_NAME, ChecklistAnswer, ChecklistRun, Job, SignOff
from fieldapp.rules.jobflow import is_frozen
from sync.buckets import row_digest, wire_rows
from sync.hq.models import BucketSum, RowLog

log = logging.getLogger(__name__)
CHUNK = 2000


@dataclass
class Recheck:
    rows: int = 0  # rows checked
    repaired: list[tuple[str, str]] = field(default_factory=list)  # (table, row id)
    tampered: list[tuple[str, str]] = field(default_factory=list)  # signed: not repaired
    missing: list[tuple[str, str]] = field(default_factory=list)  # logged, but gone


def _live_entries(executor: Any, table: str) -> dict[str, list[Any]]:
    entries: dict[str, list[Any]] = {}
    statement = select(RowLog.row_id, RowLog.bucket, RowLog.digest).where(  # type: ignore[call-overload]
        RowLog.table_name == table,
        RowLog.removed.is_(False),  # type: ignore[attr-defined]
    )
    for row_id, bucket, digest in executor.execute(statement).all():
        entries.setdefault(row_id, []).append((bucket, digest))
    return entries


def mismatches(
    executor: Any, tables: Iterable[str] | None = None, columns: dict[str, set[str]] | None = None
) -> tuple[int, list[tuple[str, str, int | None]]]:
    """(rows checked, [(table, row id, digest of the stored content or None if gone)])
    for every live row-log entry whose digest differs from its row's content."""
    checked = 0
    found: list[tuple[str, str, int | None]] = []
    for table in tables or sorted(TABLES_BY_NAME):
        entries = _live_entries(executor, table)
        ids = list(entries)
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            rows = wire_rows(executor, table, chunk, (columns or {}).get(table))
            for row_id in chunk:
                checked += 1
                row = rows.get(row_id)
                actual = row_digest(table, row) if row is not None else None
                if any(digest != actual for _bucket, digest in entries[row_id]):
                    found.append((table, row_id, actual))
    return checked, found


def bucket_intact(executor: Any, bucket: str) -> bool:
    """Do the rows of ``bucket`` still hold what HQ logged for them (one job's report:
    a few dozen rows)?"""
    by_table: dict[str, list[tuple[str, int]]] = {}
    statement = select(RowLog.table_name, RowLog.row_id, RowLog.digest).where(  # type: ignore[call-overload]
        RowLog.bucket == bucket,
        RowLog.removed.is_(False),  # type: ignore[attr-defined]
    )
    for table, row_id, digest in executor.execute(statement).all():
        by_table.setdefault(table, []).append((row_id, digest))
    for table, entries in by_table.items():
        rows = wire_rows(executor, table, [row_id for row_id, _ in entries])
        for row_id, digest in entries:
            row = rows.get(row_id)
            if row is None or row_digest(table, row) != digest:
                log.error("Row %s %s in %s differs from what HQ logged", table, row_id, bucket)
                return False
    return True


def rebuild_digests(
    connection: Any,
    columns: dict[str, set[str]] | None = None,
    tables: Iterable[str] | None = None,
) -> int:
    """Recompute every live row-log digest (of ``tables``, or all) from the rows'
    content and every bucket's sum from them (a migration that changes what a digest
    covers calls it: a new column). Returns how many digests changed."""
    _checked, found = mismatches(connection, tables, columns)
    for table, row_id, actual in found:
        connection.execute(
            update(RowLog)
            .where(
                RowLog.table_name == table,  # type: ignore[arg-type]
                RowLog.row_id == row_id,  # type: ignore[arg-type]
                RowLog.removed.is_(False),  # type: ignore[attr-defined]
            )
            .values(digest=actual or 0)
        )
    sums = connection.execute(
        select(RowLog.bucket, func.count(), func.coalesce(func.sum(RowLog.digest), 0))  # type: ignore[call-overload]
        .where(RowLog.removed.is_(False))  # type: ignore[attr-defined]
        .group_by(RowLog.bucket)
    ).all()
    live = {bucket: (int(rows), int(total)) for bucket, rows, total in sums}
    for bucket_sum in connection.execute(select(BucketSum)).all():
        rows, total = live.get(bucket_sum.bucket, (0, 0))
        if (rows, total) != (bucket_sum.rows, bucket_sum.total):
            connection.execute(
                update(BucketSum)
                .where(BucketSum.bucket == bucket_sum.bucket)  # type: ignore[arg-type]
                .values(rows=rows, total=total)
            )
    return len(found)


def _frozen(session: Any, table: str, row: dict[str, Any] | None) -> bool:
    """Is this row part of a signed report (as HQ holds it now)?"""
    if row is None:
        return False
    if table == SignOff.__tablename__:
        return True
    job_id: str | None = None
    if table == Job.__tablename__:
        return False  # its trigger (hq0002) kept the signed fields: only the rest moved
    if table == ChecklistAnswer.__tablename__:
        run = session.get(ChecklistRun, row.get("run_id"))
        job_id = run.job_id if run else None
    elif table in {t.__tablename__ for t in REPORT_TABLES}:  # type: ignore[attr-defined]
        job_id = row.get("job_id")
    job = session.get(Job, job_id) if job_id else None
    return job is not None and is_frozen(job.status)


def recheck(session: Any) -> Recheck:
    """Find rows whose content no longer matches their logged digest and repair them
    (see the module's docstring). Run it in an HQSession; the caller commits."""
    from sync.hq.db import relog_rows

    checked, found = mismatches(session.connection())
    result = Recheck(rows=checked)
    to_relog = []
    for table, row_id, actual in found:
        if actual is None:
            result.missing.append((table, row_id))
            log.error("Row %s %s is in the row log but gone from its table", table, row_id)
            continue
        row = wire_rows(session.connection(), table, [row_id])[row_id]
        if _frozen(session, table, row):
            result.tampered.append((table, row_id))
            log.error("Row %s %s of a signed report was changed behind HQ's back", table, row_id)
            continue
        to_relog.append((table, row_id))
    if to_relog:
        relog_rows(session, to_relog, utcnow())
        result.repaired.extend(to_relog)
        log.warning("Re-logged %d rows changed behind HQ's back", len(to_relog))
    return result


CHECK_HOURS_ENV = "FIELDAPP_HQ_CHECK_HOURS"


class Rechecker:
    """Runs :func:`recheck` every ``hours`` in a background thread of ``fieldapp-hq
    serve`` (``FIELDAPP_HQ_CHECK_HOURS``, default 24; 0 turns it off), so a row changed
    behind HQ's back reaches the devices, or the log, without anyone asking."""

    def __init__(self, engine: Any, hours: float) -> None:
        import threading

        self.engine = engine
        self.hours = hours
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hq-recheck", daemon=True)

    @classmethod
    def from_env(cls, engine: Any) -> Rechecker:
        import os

        return cls(engine, float(os.environ.get(CHECK_HOURS_ENV) or 24))

    def start(self) -> None:
        if self.hours > 0:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(10)

    def _run(self) -> None:
        from sync.hq.db import session_scope

        while not self._stop.wait(self.hours * 3600):
            try:
                with session_scope(self.engine) as session:
                    result = recheck(session)
                log.info(
                    "Checked %d rows: %d repaired, %d tampered, %d missing",
                    result.rows,
                    len(result.repaired),
                    len(result.tampered),
                    len(result.missing),
                )
            except Exception:
                log.exception("The periodic check of HQ's rows failed; it runs again later")
