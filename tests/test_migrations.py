"""Schema migrations upgrade a device's store in place without losing a row."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from fieldapp.models import Job, Region
from fieldapp.queries import search_parts
from fieldapp.store import SCHEMA_HEAD, Store, head_revision

V1 = Path(__file__).parent / "data" / "store_v1.sqlite"


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


def test_the_v1_store_upgrades_in_place_keeping_every_row_and_unsynced_change(
    tmp_path: Path,
) -> None:
    path = tmp_path / "fieldapp.sqlite"
    shutil.copy(V1, path)
    before = table_rows(path)
    assert sum(len(rows) for rows in before.values()) > 50
    assert len(before["outbox"]) == 6  # work done offline, not yet synced

    store = Store(path)
    try:
        assert store.schema_revision() == head_revision() != "0001"
        assert store.integrity_ok()
        after = table_rows(path)
        for table, rows in before.items():
            if table == "part":
                # The one new column is appended; every old value is unchanged.
                assert [row[:-1] for row in sorted(after["part"], key=repr)] == rows
                assert all(row[-1] for row in after["part"])  # search text backfilled
            else:
                assert after[table] == rows, table
        assert store.pending_changes() == {
            "fault": 1,
            "job": 2,
            "jobevent": 1,
            "partusage": 1,
            "timeentry": 1,
        }
        with store.reader() as session:
            # Rows written by the old schema are found by the new search index.
            assert [p.name_zh for p in search_parts(session, "滤芯")] == [
                "液压油滤芯",
                "柴油滤芯",
                "空气滤芯",
            ]
            assert [p.name_zh for p in search_parts(session, "boom seal")] == ["动臂油缸密封包"]
            assert session.get(Job, before["job"][0][0]) is not None
        # And the upgraded store takes new work.
        with store.action() as session:
            session.add(Region(code="NEW", name_zh="新区域"))
        assert store.pending_changes()["region"] == 1
    finally:
        store.close()
    # Opening again is a no-op.
    again = Store(path)
    assert again.schema_revision() == head_revision()
    again.close()


def test_the_schema_head_constant_is_alembics_head() -> None:
    assert head_revision() == SCHEMA_HEAD


def test_migrations_produce_exactly_the_models_schema(store: Store) -> None:
    def skip_fts(obj: object, name: str | None, type_: str, *_: object) -> bool:
        return not (type_ == "table" and name is not None and name.startswith(("part_fts", "hq_")))

    with store.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": skip_fts}
        )
        assert compare_metadata(context, SQLModel.metadata) == []
