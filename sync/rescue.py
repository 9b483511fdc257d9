"""Save what can be read of a damaged store's unsynced work, for support to import.

``fieldapp rescue --out FILE`` (and the app's problem screen) reads the store file
read-only, never writing to it, and writes one JSON file: the device's identity (HQ,
device, user) and every outbox entry that can still be read, as the mutations the next
push would have sent, plus the current local content of the rows they touch and the
photos they name (for support to look at). At HQ, ``fieldapp-hq import rescue FILE``
applies the mutations as the device's own push would (sync/hq/rescue.py), so a change
HQ already has is not applied twice (mutation ids) and the usual checks hold.

Reading goes table by table and, where a page is damaged, entry by entry, so one bad
page loses only the entries on it; the file says how many could not be read.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import sqlite3
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from fieldapp.clock import utcnow
from fieldapp.paths import STORE_FILE
from fieldapp.store_health import read_only
from sync import protocol as p
from sync.token_store import write_private_file

log = logging.getLogger(__name__)

RESCUE_FORMAT = "fieldapp-rescue"
RESCUE_VERSION = 1
OUTBOX_COLUMNS = ("seq", "mutation_id", "table_name", "row_id", "op", "fields", "base_version")
IDENTITY_KEYS = {
    "server": "sync.server",
    "device_id": "sync.device_id",
    "user_id": "sync.user_id",
    "login": "sync.login",
}
#: When the outbox's index is damaged, entries are looked up one by one up to here...
PROBE_LIMIT = 1_000_000
#: ...stopping after this many numbers in a row with no entry.
PROBE_GAP = 5_000
BLOB_LIMIT = 50 * 1024 * 1024  # photos bigger in total are left to the blobs folder


def _outbox_rows(connection: sqlite3.Connection) -> tuple[list[tuple[Any, ...]], int]:
    """The outbox entries that can be read, and how many could not."""
    columns = ", ".join(OUTBOX_COLUMNS)
    try:
        return connection.execute(f"SELECT {columns} FROM outbox ORDER BY seq").fetchall(), 0
    except sqlite3.DatabaseError as error:
        log.warning("Outbox scan failed (%s): reading entry by entry", error)
    rows: list[tuple[Any, ...]] = []
    failed = 0
    try:
        top = connection.execute("SELECT max(seq) FROM outbox").fetchone()[0]
    except sqlite3.DatabaseError:
        top = None
    limit = int(top) if top is not None else PROBE_LIMIT
    gap = 0
    for seq in range(1, limit + 1):
        try:
            row = connection.execute(
                f"SELECT {columns} FROM outbox WHERE seq = ?", (seq,)
            ).fetchone()
        except sqlite3.DatabaseError:
            failed += 1
            row = None
        if row is None:
            gap += 1
            if top is None and gap >= PROBE_GAP:
                break
            continue
        gap = 0
        rows.append(row)
    return rows, failed


def _identity(connection: sqlite3.Connection) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, key in IDENTITY_KEYS.items():
        try:
            row = connection.execute(
                "SELECT value FROM local_setting WHERE key = ?", (key,)
            ).fetchone()
        except sqlite3.DatabaseError:
            row = None
        found[name] = row[0] if row else ""
    return found


def store_identity(data_dir: Path) -> dict[str, str]:
    """HQ, device and user as the store still tells them ("" where it cannot)."""
    path = data_dir / STORE_FILE
    try:
        if path.exists() and path.stat().st_size:
            with read_only(path) as connection:
                return _identity(connection)
    except sqlite3.Error:
        pass
    return {name: "" for name in IDENTITY_KEYS}


def _row(connection: sqlite3.Connection, table: str, row_id: str) -> dict[str, Any] | None:
    if not table.isidentifier():
        return None
    try:
        cursor = connection.execute(f'SELECT * FROM "{table}" WHERE id = ?', (row_id,))
        values = cursor.fetchone()
    except sqlite3.DatabaseError:
        return None
    if values is None:
        return None
    names = [d[0] for d in cursor.description]
    return {
        name: (value.hex() if isinstance(value, bytes) else value)
        for name, value in zip(names, values, strict=True)
    }


def _mutation(entry: tuple[Any, ...]) -> p.Mutation | None:
    seq, mutation_id, table, row_id, op, fields, base_version = entry
    try:
        return p.Mutation(
            mutation_id=mutation_id,
            table=table,
            row_id=row_id,
            op=op,
            fields=json.loads(fields),
            base_version=base_version,
        )
    except (ValueError, TypeError, ValidationError) as error:
        log.warning("Outbox entry %s unreadable: %s", seq, error)
        return None


def read_rescue(data_dir: Path) -> dict[str, Any]:
    """What can be read of the store in ``data_dir``, as the rescue file's content."""
    path = data_dir / STORE_FILE
    mutations: list[dict[str, Any]] = []
    rows: dict[str, dict[str, Any]] = {}
    unreadable = 0
    found_identity = {name: "" for name in IDENTITY_KEYS}
    error_text = ""
    try:
        if path.exists() and path.stat().st_size:
            with read_only(path) as connection:
                found_identity = _identity(connection)
                entries, unreadable = _outbox_rows(connection)
                for entry in entries:
                    mutation = _mutation(entry)
                    if mutation is None:
                        unreadable += 1
                        continue
                    mutations.append(mutation.model_dump(mode="json"))
                    key = f"{mutation.table}/{mutation.row_id}"
                    if key not in rows:
                        current = _row(connection, mutation.table, mutation.row_id)
                        if current is not None:
                            rows[key] = current
    except sqlite3.Error as error:  # not even the file's start reads: nothing more to save
        error_text = str(error)
    return {
        "format": RESCUE_FORMAT,
        "version": RESCUE_VERSION,
        "created_at": utcnow().isoformat(),
        "store": str(path),
        **found_identity,
        "mutations": mutations,
        "unreadable_entries": unreadable,
        "error": error_text,
        "rows": rows,
        "blobs": _blobs(data_dir, rows),
    }


def _blobs(data_dir: Path, rows: dict[str, dict[str, Any]]) -> dict[str, str]:
    """The photos (and other files) the rescued attachment rows name, base64: they live
    in the blobs folder, outside the store, and HQ may not have them yet."""
    from fieldapp.blobs import BlobStore

    blobs = BlobStore(data_dir / "blobs")
    found: dict[str, str] = {}
    total = 0
    for key, row in rows.items():
        sha256 = row.get("sha256")
        if not key.startswith("attachment/") or not isinstance(sha256, str):
            continue
        with contextlib.suppress(OSError, ValueError):
            path = blobs.path(sha256)
            if path.exists() and total + path.stat().st_size <= BLOB_LIMIT:
                data = path.read_bytes()
                total += len(data)
                found[sha256] = base64.b64encode(data).decode("ascii")
    return found


def write_rescue(data_dir: Path, out: Path) -> dict[str, Any]:
    """Write the rescue file (readable only by its owner: it holds customers' data)."""
    content = read_rescue(data_dir)
    write_private_file(out, json.dumps(content, ensure_ascii=False, indent=1))
    log.info(
        "Rescue file %s: %d changes, %d unreadable",
        out,
        len(content["mutations"]),
        content["unreadable_entries"],
    )
    return content
