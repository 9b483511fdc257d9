"""Upgrades keep everything: the store is copied aside (SQLite's backup API) before a
migration and kept until the next good sync; a store from a newer version is refused
and left untouched; a migration that fails puts the copy back."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import alembic.command
import pytest

from fieldapp import cli
from fieldapp.store import (
    SCHEMA_HEAD,
    MigrationFailed,
    NewerSchemaError,
    Store,
    copy_database,
    migration_backups,
    stamped_revision,
)
from sync.client import SERVER, SyncClient, SyncFailed
from tests.sync_support import HQ, enroll_device

DATA = Path(__file__).parent / "data"
V1 = DATA / "store_v1.sqlite"
V5 = DATA / "store_v5.sqlite"


def table_rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(path) as connection:
        names = [
            r[0]
            for r in connection.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
                "AND name NOT LIKE 'part_fts%' AND name != 'alembic_version'"
            )
        ]
        return {
            name: sorted(connection.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
            for name in names
        }


def outbox(path: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as connection:
        return sorted(
            connection.execute(
                "SELECT mutation_id, table_name, row_id, op, fields FROM outbox"
            ).fetchall()
        )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_store_is_copied_aside_before_a_migration(tmp_path: Path) -> None:
    path = tmp_path / "fieldapp.sqlite"
    shutil.copy(V1, path)
    before_rows = table_rows(path)
    store = Store(path)
    try:
        assert store.schema_revision() == SCHEMA_HEAD
        (backup,) = migration_backups(path)
        assert backup.name == f"fieldapp.sqlite.before-{SCHEMA_HEAD}-from-0001"
        # The copy is the store as it was: schema 0001, every row, one file of its own.
        assert stamped_revision(backup) == "0001"
        assert table_rows(backup) == before_rows
        assert not Path(f"{backup}-wal").exists()
        with sqlite3.connect(backup) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        store.close()
    # Opening the upgraded store again takes no second copy, and keeps the first.
    Store(path).close()
    assert migration_backups(path) == [backup]


def test_an_up_to_date_or_new_store_is_not_copied(tmp_path: Path) -> None:
    Store(tmp_path / "fieldapp.sqlite").close()
    Store(tmp_path / "fieldapp.sqlite").close()
    assert migration_backups(tmp_path / "fieldapp.sqlite") == []


def test_a_store_from_a_newer_version_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "fieldapp.sqlite"
    shutil.copy(V5, path)
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9001'")
    before = digest(path)
    with pytest.raises(NewerSchemaError, match=r"newer version of fieldapp \(schema 9001"):
        Store(path)
    assert digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fieldapp.sqlite"]
    # The command line says so too, with the exit code of a store problem.
    assert cli.main(["--data-dir", str(tmp_path), "status", "--json"]) == cli.EXIT_STORE_PROBLEM
    assert digest(path) == before


def test_a_failed_migration_restores_the_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "fieldapp.sqlite"
    shutil.copy(V1, path)
    before_rows = table_rows(path)
    real_upgrade = alembic.command.upgrade

    def upgrade_then_fail(config: object, revision: str) -> None:
        # Part of the way, with a committed change the real migrations never make...
        real_upgrade(config, "0003")  # type: ignore[arg-type]
        connection = config.attributes["connection"]  # type: ignore[attr-defined]
        connection.exec_driver_sql("DELETE FROM outbox")
        connection.commit()
        raise RuntimeError("disk full while rebuilding a table")

    monkeypatch.setattr(alembic.command, "upgrade", upgrade_then_fail)
    with pytest.raises(MigrationFailed, match="put back as it was") as failure:
        Store(path)
    assert "disk full" in str(failure.value)
    # ...all undone: the old schema, every row, every unsynced change; the copy kept.
    assert stamped_revision(path) == "0001"
    assert table_rows(path) == before_rows
    assert len(outbox(path)) == 6
    assert len(migration_backups(path)) == 1
    monkeypatch.undo()
    # The next start (a fixed version) migrates it properly.
    store = Store(path)
    try:
        assert store.schema_revision() == SCHEMA_HEAD
        assert sum(store.pending_changes().values()) == 6
    finally:
        store.close()


def test_the_schema_0005_store_migrates_keeping_every_unsynced_change(tmp_path: Path) -> None:
    path = tmp_path / "fieldapp.sqlite"
    shutil.copy(V5, path)
    assert stamped_revision(path) == "0005"
    before_outbox = outbox(path)
    assert len(before_outbox) == 7
    before_counts = {name: len(rows) for name, rows in table_rows(path).items()}
    store = Store(path)
    try:
        assert store.schema_revision() == SCHEMA_HEAD
        assert store.integrity_ok()
        assert store.pending_changes() == {
            "fault": 1,
            "job": 2,
            "jobevent": 1,
            "partusage": 1,
            "region": 1,
            "timeentry": 1,
        }
    finally:
        store.close()
    assert outbox(path) == before_outbox
    after_counts = {name: len(rows) for name, rows in table_rows(path).items()}
    for table, count in before_counts.items():
        assert after_counts[table] == count, table
    if SCHEMA_HEAD != "0005":
        assert [b.name for b in migration_backups(path)] == [
            f"fieldapp.sqlite.before-{SCHEMA_HEAD}-from-0005"
        ]


@pytest.mark.parametrize("hq", ["sqlite"], indirect=True)
def test_the_copy_is_kept_until_the_next_good_sync(hq: tuple[HQ, object], tmp_path: Path) -> None:
    server, _world = hq
    device = enroll_device(server, "zhang.wei", tmp_path)
    store = device.store
    backup = store.path.with_name(f"fieldapp.sqlite.before-{SCHEMA_HEAD}-from-0004")
    copy_database(store.path, backup)
    # A sync that fails (HQ out of reach) keeps the copy...
    address = store.get_setting(SERVER)
    store.set_setting(SERVER, "http://127.0.0.1:9")
    client = SyncClient(store, tmp_path)
    try:
        with pytest.raises(SyncFailed):
            client.sync()
    finally:
        client.close()
    assert backup.exists()
    # ...a good one drops it: HQ holds every change now.
    store.set_setting(SERVER, address)
    client = SyncClient(store, tmp_path)
    try:
        client.sync()
    finally:
        client.close()
    assert not backup.exists()
    store.close()


def test_the_command_line_says_a_failed_migration_plainly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(V1, tmp_path / "fieldapp.sqlite")

    def fail(_config: object, _revision: str) -> None:
        raise RuntimeError("no space left on device")

    monkeypatch.setattr(alembic.command, "upgrade", fail)
    assert cli.main(["--data-dir", str(tmp_path), "status"]) == cli.EXIT_STORE_PROBLEM
    said = capsys.readouterr().err
    assert "put back as it was" in said and "no space left on device" in said
    assert stamped_revision(tmp_path / "fieldapp.sqlite") == "0001"
