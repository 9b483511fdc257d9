"""Is the local store fit to open? Checked before the app or the command line uses it.

A damaged store must be neither used (a sync would spread the damage, and SQLite
would rewrite the file) nor silently replaced (an empty store beside a token is a
device whose unsynced work is gone). :func:`check_data_dir` looks at the data folder
and the store file without writing to either, and answers a :class:`StoreProblem`
naming what is wrong, or None. It reads the file read-only: the header, the page
count against the file's size, the schema revision, and SQLite's ``PRAGMA
quick_check``.

Recovery (:mod:`sync.rescue`) saves what can be read of the outbox to a file support
can import at HQ, then :func:`set_aside` moves the damaged file (and its journal)
away under a timestamped name, never deleting it, so a fresh store can be made.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from fieldapp.paths import STORE_FILE

log = logging.getLogger(__name__)

SQLITE_HEADER = b"SQLite format 3\x00"
MIGRATIONS_VERSIONS = Path(__file__).resolve().parent / "migrations" / "versions"
JOURNAL_SUFFIXES = ("-wal", "-shm", "-journal")
#: The marker of a store the app or the command line has open: left behind by a crash
#: or a power cut, so the next start knows the shutdown was not clean.
OPEN_MARKER = ".store-open"


class ProblemKind(StrEnum):
    FOLDER_IS_FILE = "folder_is_file"  # the data "folder" is a file
    FOLDER_NOT_WRITABLE = "folder_not_writable"  # read-only, or cannot be made
    STORE_MISSING = "store_missing"  # no store (or 0 bytes) beside a device token
    NOT_A_STORE = "not_a_store"  # another program's file
    DAMAGED = "damaged"  # garbage inside, cut short, or unreadable
    NEWER_SCHEMA = "newer_schema"  # made by a newer version of the app


#: Problems where the store file exists and may hold unsynced work worth rescuing.
RESCUABLE = frozenset({ProblemKind.DAMAGED, ProblemKind.NEWER_SCHEMA, ProblemKind.NOT_A_STORE})


@dataclass(frozen=True)
class StoreProblem:
    kind: ProblemKind
    path: Path  # the store file, or the folder for folder problems
    detail: str  # SQLite's or the system's own words, for support

    def explain(self) -> str:
        """What happened and what to do, in plain words (the command line's message;
        the app says the same in the engineer's language)."""
        what = {
            ProblemKind.FOLDER_IS_FILE: (
                f"The data folder {self.path} is a file, not a folder. Nothing was changed. "
                "Move that file away or start fieldapp with --data-dir pointing to a folder."
            ),
            ProblemKind.FOLDER_NOT_WRITABLE: (
                f"The data folder {self.path} cannot be written to ({self.detail}). "
                "Nothing was changed. Ask IT to give your account write access to it, "
                "or start fieldapp with --data-dir pointing to a folder you can write."
            ),
            ProblemKind.STORE_MISSING: (
                f"The local store {self.path} is missing or empty, but this device is "
                "enrolled: the work not yet synced cannot be found. Nothing was changed. "
                "If you have a copy of the file, put it back. Otherwise ask support, then "
                "run `fieldapp set-aside` and enroll again to get your jobs back from HQ."
            ),
            ProblemKind.NOT_A_STORE: (
                f"The file {self.path} is not a fieldapp store ({self.detail}). It was not "
                "used or changed. Run `fieldapp rescue --out FILE` and send FILE to "
                "support, then `fieldapp set-aside` and enroll again."
            ),
            ProblemKind.DAMAGED: (
                f"The local store {self.path} is damaged ({self.detail}). It was not used "
                "or changed, and nothing was synced. Run `fieldapp rescue --out FILE` to "
                "save the work not yet synced and send FILE to support, then `fieldapp "
                "set-aside` (the damaged file is kept) and enroll again to get your jobs "
                "back from HQ."
            ),
            ProblemKind.NEWER_SCHEMA: (
                f"The local store {self.path} was made by a newer version of fieldapp "
                f"({self.detail}). It was not used or changed. Install the newer version "
                "again; or run `fieldapp rescue --out FILE`, send FILE to support, then "
                "`fieldapp set-aside` and enroll again."
            ),
        }
        return what[self.kind]

    @property
    def rescuable(self) -> bool:
        return self.kind in RESCUABLE


def known_revisions() -> set[str]:
    """The schema revisions this version of the app can open (and migrate from)."""
    return {path.name.split("_", 1)[0] for path in MIGRATIONS_VERSIONS.glob("[0-9]*_*.py")}


def _folder_problem(data_dir: Path) -> StoreProblem | None:
    if data_dir.exists() and not data_dir.is_dir():
        return StoreProblem(ProblemKind.FOLDER_IS_FILE, data_dir, "a file")
    for parent in data_dir.parents:
        if parent.exists():
            if not parent.is_dir():
                return StoreProblem(ProblemKind.FOLDER_IS_FILE, parent, "a file")
            break
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        probe = data_dir / f".write-test-{os.getpid()}"
        descriptor = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(descriptor)
        probe.unlink()
    except OSError as error:
        return StoreProblem(
            ProblemKind.FOLDER_NOT_WRITABLE, data_dir, error.strerror or type(error).__name__
        )
    return None


def _read_header(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(100)


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection that can never write to the file (nor checkpoint its journal);
    the empty WAL and index files SQLite makes to read a WAL store are removed after,
    so the folder is left as it was."""
    journals = [Path(f"{path}{suffix}") for suffix in JOURNAL_SUFFIXES]
    left_alone = {journal for journal in journals if journal.exists()}
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    try:
        connection.execute("PRAGMA query_only=ON")
        yield connection
    finally:
        connection.close()
        _remove_new_journals(journals, left_alone)


#: Whether the device holds a token: a flag, or a function asked only when the store is
#: missing (the OS keyring takes 100+ ms to load, too long for every cold start).
TokenCheck = bool | Callable[[], bool]


def check_store_file(
    path: Path, *, has_token: TokenCheck, quick_check: bool = True
) -> StoreProblem | None:
    """The store file's problem, or None when it is fit to open (or absent on a device
    not enrolled: a new device starts with an empty store)."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        size = 0
    if size == 0:
        if has_token() if callable(has_token) else has_token:
            return StoreProblem(ProblemKind.STORE_MISSING, path, "no store, but a device token")
        return None
    header = _read_header(path)
    if not header.startswith(SQLITE_HEADER):
        what = "empty header" if not header.strip(b"\x00") else "not an SQLite database"
        return StoreProblem(ProblemKind.NOT_A_STORE, path, what)
    if len(header) < 100:
        return StoreProblem(ProblemKind.DAMAGED, path, f"cut short at {size} bytes")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    counter_valid = header[24:28] == header[92:96]
    if counter_valid and pages and size < pages * page_size:
        return StoreProblem(
            ProblemKind.DAMAGED, path, f"cut short: {size} of {pages * page_size} bytes"
        )
    try:
        with read_only(path) as connection:
            return _check_content(connection, path, size, quick_check)
    except sqlite3.DatabaseError as error:
        return StoreProblem(ProblemKind.DAMAGED, path, str(error))


def _check_content(
    connection: sqlite3.Connection, path: Path, size: int, quick_check: bool
) -> StoreProblem | None:
    tables = {
        row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
    }
    if not tables:
        return None  # an empty database: made and left before its first migration
    if "alembic_version" not in tables or "outbox" not in tables:
        return StoreProblem(ProblemKind.NOT_A_STORE, path, "an SQLite database of another program")
    row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    revision = row[0] if row else None
    if revision is not None and revision not in known_revisions():
        return StoreProblem(
            ProblemKind.NEWER_SCHEMA,
            path,
            f"schema revision {revision}; this version knows up to {max(known_revisions())}",
        )
    if quick_check:
        started = time.perf_counter()
        found = [r[0] for r in connection.execute("PRAGMA quick_check(5)").fetchall()]
        log.info(
            "quick_check of %s (%d bytes): %s in %.0f ms",
            path,
            size,
            found[0] if found else "?",
            (time.perf_counter() - started) * 1000,
        )
        if found != ["ok"]:
            lines = [
                line.strip()
                for text in found
                for line in str(text).splitlines()
                if line.strip() and not line.startswith("***")
            ]
            return StoreProblem(ProblemKind.DAMAGED, path, "; ".join(lines)[:300])
    return None


def _remove_new_journals(journals: list[Path], left_alone: set[Path]) -> None:
    """Remove the empty WAL and index files a read-only look at a WAL store leaves
    behind, so the folder is as it was; files that were there already stay."""
    for journal in journals:
        if journal in left_alone or not journal.exists():
            continue
        if journal.name.endswith("-wal") and journal.stat().st_size:
            continue  # never drop a journal holding pages
        with contextlib.suppress(OSError):
            journal.unlink()


def shutdown_was_clean(data_dir: Path) -> bool:
    """False when the last session left its open-marker behind (a crash, a power cut)."""
    return not (data_dir / OPEN_MARKER).exists()


def check_data_dir(
    data_dir: Path, *, has_token: TokenCheck, quick_check: bool | None = None
) -> StoreProblem | None:
    """Everything that stops the store in ``data_dir`` from being opened, or None.

    ``quick_check=None`` runs SQLite's full-page scan only after a shutdown that was not
    clean; the cheap checks (header, size, revision) run every time."""
    problem = _folder_problem(data_dir)
    if problem is not None:
        return problem
    if quick_check is None:
        quick_check = not shutdown_was_clean(data_dir)
    return check_store_file(data_dir / STORE_FILE, has_token=has_token, quick_check=quick_check)


@contextlib.contextmanager
def open_marker(data_dir: Path) -> Iterator[None]:
    """Mark the store open for the block; a clean exit removes the mark."""
    marker = data_dir / OPEN_MARKER
    marker.write_text(str(os.getpid()), encoding="utf-8")
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            marker.unlink()


def set_aside(data_dir: Path, now: datetime | None = None) -> Path:
    """Move the store and its journal files aside under a timestamped name; answers the
    new path of the store file. Nothing is deleted."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    store = data_dir / STORE_FILE
    target = data_dir / f"{STORE_FILE}.damaged-{stamp}"
    counter = 1
    while target.exists():
        counter += 1
        target = data_dir / f"{STORE_FILE}.damaged-{stamp}-{counter}"
    if store.exists():
        os.replace(store, target)
    for suffix in JOURNAL_SUFFIXES:
        journal = data_dir / f"{STORE_FILE}{suffix}"
        if journal.exists():
            os.replace(journal, Path(f"{target}{suffix}"))
    with contextlib.suppress(FileNotFoundError):
        (data_dir / OPEN_MARKER).unlink()
    log.warning("Store set aside as %s", target)
    return target
