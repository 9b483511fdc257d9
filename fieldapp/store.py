"""The local store: one SQLite file in the user's data folder.

WAL journal with ``synchronous=FULL`` so a committed user action survives a power cut;
foreign keys on; one transaction per user action (:meth:`Store.action`). Every change to
a syncable row is captured into the outbox in the same transaction, so nothing saved
can miss the next sync. The schema is kept up to date by Alembic migrations that run
when the store opens.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, func, select
from sqlalchemy.pool import NullPool
from sqlmodel import Session, create_engine

from fieldapp.clock import new_id, utcnow
from fieldapp.guards import BOOKKEEPING_FIELDS, install_frozen_guard
from fieldapp.models import (
    APPEND_ONLY_TABLES,
    SYNCED_TABLES,
    LocalSetting,
    OutboxEntry,
    SyncedRow,
)
from fieldapp.models.base import changed_fields
from fieldapp.paths import STORE_FILE
from fieldapp.store_health import known_revisions, read_only
from fieldapp.wire import row_to_wire, to_wire

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# The newest migration; kept here so an up-to-date store opens without loading Alembic
# (tests/test_migrations.py checks it against Alembic's own head).
SCHEMA_HEAD = "0008"
#: The copy of the store taken before a migration: ``fieldapp.sqlite.before-0005``.
BACKUP_INFIX = ".before-"


class StoreOpenError(Exception):
    """The store cannot be opened by this version of the app; the file was not changed."""


class NewerSchemaError(StoreOpenError):
    """The store was made by a newer version of the app."""


class MigrationFailed(StoreOpenError):
    """A migration failed; the store was put back as it was before it."""


class AppendOnlyError(Exception):
    """An edit of a record that may only be added (answers, movements, events...)."""

    code = "append_only"


class StoreSession(Session):
    """A session on the local store. With ``info["track"]`` set, every change to a
    syncable row is written to the outbox in the same flush."""


install_frozen_guard(StoreSession)


@event.listens_for(StoreSession, "before_flush")
def _capture_changes(session: Session, _context: Any, _instances: Any) -> None:
    if not session.info.get("track", False):
        return
    now = utcnow()
    for obj in list(session.deleted):
        if isinstance(obj, SyncedRow):
            raise AppendOnlyError(
                f"{type(obj).__name__} rows are never deleted; set deleted_at instead."
            )
    for obj in list(session.new):
        if isinstance(obj, SyncedRow):
            _add_entry(session, obj, "insert", row_to_wire(obj), now)
    for obj in list(session.dirty):
        if not isinstance(obj, SyncedRow):
            continue
        fields = changed_fields(obj) - BOOKKEEPING_FIELDS
        if not fields:
            continue
        if type(obj) in APPEND_ONLY_TABLES:
            raise AppendOnlyError(f"{type(obj).__name__} rows are never edited.")
        obj.updated_at = now
        deleting = "deleted_at" in fields and obj.deleted_at is not None
        edited = sorted(fields - {"deleted_at"}) if deleting else sorted(fields)
        if edited:
            values = {name: to_wire(getattr(obj, name)) for name in edited}
            _add_entry(session, obj, "update", values, now)
        if deleting:
            # A delete carries nothing else, so HQ can apply it on its own.
            _add_entry(session, obj, "delete", {"deleted_at": to_wire(obj.deleted_at)}, now)


def _add_entry(session: Session, obj: SyncedRow, op: str, values: dict[str, Any], now: Any) -> None:
    session.add(
        OutboxEntry(
            mutation_id=new_id(),
            table_name=obj.__tablename__,  # type: ignore[attr-defined]
            row_id=obj.id,
            op=op,
            fields=json.dumps(values, ensure_ascii=False, sort_keys=True),
            base_version=obj.version,
            created_at=now,
        )
    )


def make_engine(path: Path) -> Engine:
    engine = create_engine(
        f"sqlite:///{path}",
        # One connection per checkout: worker threads each get their own.
        poolclass=NullPool,
        connect_args={"check_same_thread": False, "timeout": 30},
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    return engine


def alembic_config(connection: Any) -> Any:
    from alembic.config import Config  # Alembic is imported only when it is needed

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=1)
def head_revision() -> str:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(None))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return _revision_of(connection)


def _revision_of(connection: Any) -> str | None:
    """The schema revision stamped in the database (no Alembic import needed)."""
    if not connection.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'"
    ).first():
        return None
    row = connection.exec_driver_sql("SELECT version_num FROM alembic_version").first()
    return row[0] if row else None


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` in place, keeping every row.

    Foreign keys are switched off while SQLite tables are rebuilt (Alembic's batch
    mode); an upgrade that leaves a reference broken that was whole before is refused.
    (A replica may hold references to rows outside its scope, such as another
    engineer's van on a part used in the customer's history: those are not new.)
    """
    with engine.connect() as connection:
        before = _revision_of(connection)
        target = SCHEMA_HEAD if revision == "head" else revision
        if before == target:
            return
        from alembic import command

        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
        broken_before = set(connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall())
        command.upgrade(alembic_config(connection), revision)
        connection.commit()
        broken_after = set(connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall())
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        new_problems = broken_after - broken_before
        if new_problems:
            raise RuntimeError(f"Migration broke references: {sorted(new_problems)[:5]}")
        after = _revision_of(connection)
    log.info("Store schema migrated from %s to %s", before, after)


def stamped_revision(path: Path) -> str | None:
    """The schema revision of the store file, read without writing to it (None for a
    new or empty file)."""
    if not path.is_file() or path.stat().st_size == 0:
        return None
    with read_only(path) as connection:
        if not connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'"
        ).fetchone():
            return None
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    return str(row[0]) if row else None


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy through SQLite's backup API (the WAL's committed pages
    included), written beside the target and renamed into place."""
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(partial)) as dst:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    os.replace(partial, target)


def migration_backups(path: Path) -> list[Path]:
    """The copies taken before migrations, oldest revision first."""
    return sorted(
        candidate
        for candidate in path.parent.glob(f"{path.name}{BACKUP_INFIX}*")
        if not candidate.name.endswith(".partial")
    )


class Store:
    """The device's database."""

    def __init__(self, path: Path, *, migrate_schema: bool = True) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        before = stamped_revision(path)
        if before is not None and before not in known_revisions():
            # Made by a newer app: opening it would stamp or rewrite what this version
            # does not understand. Nothing has touched the file.
            raise NewerSchemaError(
                f"The local store {path} was made by a newer version of fieldapp (schema "
                f"{before}; this version knows up to {SCHEMA_HEAD}). It was not opened or "
                "changed: install the newer version again."
            )
        self.engine = make_engine(path)
        if migrate_schema:
            self._migrate(before)

    def _migrate(self, before: str | None) -> None:
        """Migrate to the head; an existing store is copied aside first (kept until the
        next good sync, :meth:`drop_migration_backups`) and put back if a step fails."""
        if before is None or before == SCHEMA_HEAD:
            migrate(self.engine)  # a new store, or nothing to do: nothing to keep
            return
        backup = self.path.with_name(f"{self.path.name}{BACKUP_INFIX}{SCHEMA_HEAD}-from-{before}")
        copy_database(self.path, backup)
        log.info("Store copied to %s before migrating from %s", backup, before)
        try:
            migrate(self.engine)
        except Exception as error:
            self.engine.dispose()
            copy_database(backup, self.path.with_name(self.path.name + ".restored"))
            for suffix in ("-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            os.replace(self.path.with_name(self.path.name + ".restored"), self.path)
            log.exception("Migration from %s failed; the store was restored", before)
            raise MigrationFailed(
                f"Upgrading the local store {self.path} from schema {before} failed "
                f"({error}). It was put back as it was; its copy is {backup}. Install "
                "the previous version again and tell support."
            ) from error

    def drop_migration_backups(self) -> list[Path]:
        """After a good sync HQ holds every change: the pre-migration copies can go."""
        dropped = migration_backups(self.path)
        for backup in dropped:
            backup.unlink(missing_ok=True)
            log.info("Dropped the pre-migration copy %s after a good sync", backup)
        return dropped

    @classmethod
    def open(cls, data_dir: Path) -> Store:
        return cls(data_dir / STORE_FILE)

    @contextmanager
    def action(self, *, track: bool = True, foreign_keys: bool = True) -> Iterator[StoreSession]:
        """One user action: a transaction committed (durably) when the block ends.

        ``track=False`` is for rows that come from HQ (the pull, the demo data): they
        are not local changes and must not go back to HQ. ``foreign_keys=False`` is for
        the pull, whose pages may bring a row before the row it refers to.
        """
        session = StoreSession(self.engine, expire_on_commit=False)
        session.info["track"] = track
        if not foreign_keys:
            # A pragma, so it must come before the transaction's first write.
            session.connection().exec_driver_sql("PRAGMA foreign_keys=OFF")
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def reader(self) -> Iterator[StoreSession]:
        """A session for reading; its objects stay readable after the block."""
        session = StoreSession(self.engine, expire_on_commit=False)
        try:
            yield session
        finally:
            session.close()  # ends the transaction without expiring what was loaded

    def get_setting(self, key: str, default: str = "") -> str:
        with self.reader() as session:
            row = session.get(LocalSetting, key)
            return row.value if row else default

    def get_settings(self, keys: list[str]) -> dict[str, str]:
        """Several settings in one read ("" for those not set)."""
        with self.reader() as session:
            rows = session.execute(
                select(LocalSetting.key, LocalSetting.value).where(
                    LocalSetting.key.in_(keys)  # type: ignore[attr-defined]
                )
            ).all()
        found = dict(rows)
        return {key: found.get(key, "") for key in keys}

    def set_setting(self, key: str, value: str) -> None:
        with self.action(track=False) as session:
            session.merge(LocalSetting(key=key, value=value))

    def counts(self) -> dict[str, int]:
        """Live (not soft-deleted) rows per syncable table."""
        result: dict[str, int] = {}
        with self.reader() as session:
            for table in SYNCED_TABLES:
                statement = (
                    select(func.count())
                    .select_from(table)
                    .where(
                        table.deleted_at.is_(None)  # type: ignore[attr-defined]
                    )
                )
                result[table.__tablename__] = session.scalar(statement) or 0  # type: ignore[attr-defined]
        return result

    def pending_changes(self) -> dict[str, int]:
        """Outbox entries waiting for HQ, per table."""
        with self.reader() as session:
            rows = session.execute(
                select(OutboxEntry.table_name, func.count()).group_by(OutboxEntry.table_name)
            ).all()
        return {name: count for name, count in rows}

    def schema_revision(self) -> str | None:
        return current_revision(self.engine)

    def integrity_ok(self) -> bool:
        with self.engine.connect() as connection:
            return connection.exec_driver_sql("PRAGMA quick_check").scalar() == "ok"

    def close(self) -> None:
        self.engine.dispose()
