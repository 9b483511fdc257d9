"""A first sync from HQ's snapshot of the shared buckets (sync/hq/snapshots.py).

A device that has pulled nothing yet asks HQ for the snapshot of the catalogue and the
org, downloads it into ``<data dir>/snapshot/`` (an interrupted download resumes where
it stopped, at the next sync too), checks its SHA-256, and copies its rows and their
bucket digests into the store in one transaction, with the sync checkpoint set to the
snapshot's sequence number and those two buckets marked as held. The pull then goes on
as usual: HQ names the device's scope, the buckets not yet held (its jobs, its
customers, its user bucket) are backfilled up to that number, and everything after it
comes with the incremental pull (docs/sync-protocol.md §13).

Whatever makes a snapshot unusable (another schema, a damaged file, a store that already
holds rows of those tables) falls back to the row-by-row pull: never a failed sync.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from fieldapp.models import TABLES_BY_NAME, OutboxEntry, SyncedRowState
from fieldapp.store import SCHEMA_HEAD
from sync import protocol as p

if TYPE_CHECKING:
    from sync.client import SyncClient, SyncReport

log = logging.getLogger(__name__)

FOLDER = "snapshot"
STATE_TABLE = SyncedRowState.__tablename__  # the file's table of digests is named as ours
INFO_TABLE = p.SNAPSHOT_INFO_TABLE
FORMAT = p.SNAPSHOT_FORMAT
READ_SIZE = 1024 * 1024


class SnapshotUnusable(Exception):
    """This snapshot cannot start this device (the message says why)."""


def start_from_snapshot(client: SyncClient, report: SyncReport) -> bool:
    """Install HQ's snapshot if the device holds nothing pulled yet and HQ offers one;
    whether it did. Network failures propagate (the sync fails and is tried again, the
    download resuming); anything else about the snapshot falls back to the row pull."""
    from sync.client import SyncFailed

    cursor, _digest, buckets, backfill = client._state()
    if cursor != 0 or buckets or backfill is not None:
        return False
    try:
        offer = p.SnapshotOffer.model_validate(client.hq.get_json(f"{p.API}/sync/snapshot"))
    except SyncFailed as failure:
        if failure.code in {"network", "certificate", "update_required"}:
            raise
        log.info("HQ offers no snapshot (%s): pulling row by row", failure.code)
        return False
    snapshot = offer.snapshot
    if snapshot is None:
        log.info("No snapshot to start from (%s): pulling row by row", offer.reason)
        return False
    if snapshot.schema_revision != SCHEMA_HEAD or snapshot.format != FORMAT:
        log.info(
            "The snapshot is for schema %s (format %d), this app has %s: pulling row by row",
            snapshot.schema_revision,
            snapshot.format,
            SCHEMA_HEAD,
        )
        return False
    folder = client.data_dir / FOLDER
    try:
        compressed = download(client, snapshot, folder)
        database = folder / f"{snapshot.sha256}.sqlite"
        with gzip.open(compressed, "rb") as source, database.open("wb") as target:
            shutil.copyfileobj(source, target, READ_SIZE)
        rows = install(client, database, snapshot)
    except (SnapshotUnusable, OSError, EOFError) as problem:
        log.warning("The snapshot %s is not used: %s", snapshot.sha256[:12], problem)
        shutil.rmtree(folder, ignore_errors=True)
        return False
    shutil.rmtree(folder, ignore_errors=True)
    report.pulled += rows
    report.snapshot_rows = rows
    client._touched.update(snapshot.buckets)  # verified against HQ's sums at the end
    client._from_snapshot.update(snapshot.buckets)
    log.info(
        "Started from snapshot %s: %d rows up to seq %d",
        snapshot.sha256[:12],
        rows,
        snapshot.seq,
    )
    return True


def download(client: SyncClient, snapshot: p.SnapshotInfo, folder: Path) -> Path:
    """The snapshot's compressed file, downloaded (or resumed) and checked by hash."""
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f"{snapshot.sha256}.gz.part"
    for other in folder.iterdir():
        if other != partial:
            other.unlink(missing_ok=True)  # an older snapshot's leftovers
    have = partial.stat().st_size if partial.exists() else 0
    if have > snapshot.size:
        partial.unlink()
        have = 0
    if have < snapshot.size:
        headers = {"Range": f"bytes={have}-"} if have else {}
        response = client.hq._request(
            "GET", f"{p.API}/sync/snapshots/{snapshot.sha256}", headers=headers, stream=True
        )
        with response:
            resumed = response.status_code == 206
            with partial.open("ab" if resumed else "wb") as out:
                done = have if resumed else 0
                for chunk in response.iter_content(READ_SIZE):
                    out.write(chunk)
                    done += len(chunk)
                    client.progress("snapshot", done, snapshot.size)
    digest = hashlib.sha256()
    with partial.open("rb") as written:
        while chunk := written.read(READ_SIZE):
            digest.update(chunk)
    if digest.hexdigest() != snapshot.sha256:
        partial.unlink(missing_ok=True)
        raise SnapshotUnusable("the downloaded file does not match its hash")
    return partial


def _columns(connection: object, schema: str, table: str) -> list[str]:
    rows = connection.exec_driver_sql(f'PRAGMA {schema}.table_info("{table}")').all()  # type: ignore[attr-defined]
    return [row[1] for row in rows]


def install(client: SyncClient, database: Path, snapshot: p.SnapshotInfo) -> int:
    """Copy the snapshot's rows and digests into the store and set the checkpoint, in
    one transaction; the number of rows."""
    from sync.client import BACKFILL, BUCKETS, CURSOR, SCOPE_DIGEST, TABLE_ORDER, _setting

    with client.store.action(track=False, foreign_keys=False) as session:
        session.info["replica"] = True
        connection = session.connection()
        # Before the transaction's first write: SQLite attaches outside a transaction.
        connection.exec_driver_sql("ATTACH DATABASE ? AS snap", (str(database),))
        facts = dict(connection.exec_driver_sql(f"SELECT key, value FROM snap.{INFO_TABLE}").all())
        if facts.get("schema_revision") != SCHEMA_HEAD or facts.get("format") != str(FORMAT):
            raise SnapshotUnusable("the file is for another schema than its offer said")
        if int(facts.get("seq", -1)) != snapshot.seq:
            raise SnapshotUnusable("the file's sequence number is not its offer's")
        tables = [
            name
            for (name,) in connection.exec_driver_sql(
                "SELECT name FROM snap.sqlite_master WHERE type = 'table'"
            ).all()
            if name not in {STATE_TABLE, INFO_TABLE}
        ]
        unknown = [name for name in tables if name not in TABLES_BY_NAME]
        if unknown:
            raise SnapshotUnusable(f"unknown tables {', '.join(sorted(unknown))}")
        pending = connection.exec_driver_sql(
            f"SELECT 1 FROM {OutboxEntry.__tablename__} WHERE table_name IN "
            f"({', '.join('?' for _ in tables)}) LIMIT 1",
            tuple(tables),
        ).first()
        if pending is not None:
            raise SnapshotUnusable("the store has unsynced changes to those tables")
        rows = 0
        for table in sorted(tables, key=lambda name: TABLE_ORDER.get(name, 0)):
            columns = _columns(connection, "snap", table)
            if set(columns) != set(_columns(connection, "main", table)):
                raise SnapshotUnusable(f"the columns of {table} are not this store's")
            if connection.exec_driver_sql(f'SELECT 1 FROM main."{table}" LIMIT 1').first():
                raise SnapshotUnusable(f"the store already holds rows of {table}")
            names = ", ".join(f'"{c}"' for c in columns)
            # The parts' search index (FTS5) fills from its trigger as the rows go in.
            rows += connection.exec_driver_sql(
                f'INSERT INTO main."{table}" ({names}) SELECT {names} FROM snap."{table}"'
            ).rowcount
        listed = connection.exec_driver_sql(f"SELECT COUNT(*) FROM snap.{STATE_TABLE}").scalar()
        if listed != rows:
            raise SnapshotUnusable(f"the file lists {listed} rows and holds {rows}")
        connection.exec_driver_sql(
            f"INSERT OR REPLACE INTO main.{STATE_TABLE} (table_name, row_id, bucket, digest) "
            f"SELECT table_name, row_id, bucket, digest FROM snap.{STATE_TABLE}"
        )
        session.merge(_setting(CURSOR, str(snapshot.seq)))
        session.merge(_setting(BUCKETS, json.dumps(sorted(snapshot.buckets))))
        session.merge(_setting(SCOPE_DIGEST, ""))  # HQ names the scope next: the rest
        session.merge(_setting(BACKFILL, ""))
    return rows
