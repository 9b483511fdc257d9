"""First syncs from HQ's snapshot of the shared buckets (sync/hq/snapshots.py,
sync/snapshot_client.py), against a real HQ on SQLite and PostgreSQL."""

from __future__ import annotations

import gzip
import hashlib
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import text
from sqlmodel import select

from fieldapp.clock import utcnow
from fieldapp.models import Part, User
from fieldapp.search import fts_query
from fieldapp.store import SCHEMA_HEAD, Store
from sync import protocol as p
from sync.buckets import CATALOGUE, ORG
from sync.client import CURSOR
from sync.hq import snapshots
from sync.hq.db import session_scope
from sync.hq.models import Meta, Snapshot
from sync.snapshot_client import FOLDER
from tests.conftest import BACKENDS, seed_world
from tests.factories import World
from tests.sync_support import HQ, DeviceUnderTest, database, enroll_device, prepare, table_dump

EXTRA_PARTS = 120


def seed_catalogue(session: Any) -> World:
    world = seed_world(session)
    for n in range(EXTRA_PARTS):
        session.add(
            Part(
                part_no=f"SNAP-{n:04d}",
                name_zh=f"液压油滤芯{n}",
                name_en=f"Hydraulic oil filter {n}",
                unit_price_fen=1000 + n,
            )
        )
    return world


@contextmanager
def hq_with(kind: str, tmp_path: Path, env: dict[str, str]) -> Iterator[HQ]:
    with database(kind, tmp_path) as url:
        server = HQ(url=url, tmp=tmp_path, env=env)
        prepare(server, seed_catalogue)
        server.start()
        try:
            yield server
        finally:
            server.close()


@pytest.fixture(params=BACKENDS)
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[HQ]:
    """A real HQ whose builder is off: the tests build the snapshot when they mean to."""
    with hq_with(request.param, tmp_path, {"FIELDAPP_HQ_SNAPSHOT_SECONDS": "0"}) as server:
        yield server


@pytest.fixture(params=BACKENDS)
def kept(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[HQ]:
    """A real HQ whose builder looks for changes every half second, with the threshold
    lowered to the test's catalogue."""
    env = {"FIELDAPP_HQ_SNAPSHOT_SECONDS": "0.5", "FIELDAPP_HQ_SNAPSHOT_MIN_ROWS": "50"}
    with hq_with(request.param, tmp_path, env) as server:
        yield server


def build_now(hq: HQ) -> Any:
    built = snapshots.build(hq.db(), min_rows=0)
    assert built is not None
    return built


def wait_for_snapshot(hq: HQ, after_seq: int = -1, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with session_scope(hq.db()) as session:
            latest = snapshots.newest(session)
            if latest is not None and latest.seq > after_seq and not snapshots.stale(session):
                return latest
        time.sleep(0.1)
    raise AssertionError("HQ built no snapshot")


def fresh_device(hq: HQ, tmp_path: Path, name: str, login: str = "zhang.wei") -> DeviceUnderTest:
    return enroll_device(hq, login, tmp_path / name)


def test_first_sync_from_the_snapshot_holds_what_the_row_pull_holds(
    served: HQ, tmp_path: Path
) -> None:
    built = build_now(served)
    assert built.rows >= EXTRA_PARTS
    # Changes after the snapshot: a part renamed, one added, one taken out of use.
    with session_scope(served.db()) as session:
        renamed = session.exec(select(Part).where(Part.part_no == "SNAP-0001")).one()
        renamed.name_zh = "柴油滤芯"
        session.add(Part(part_no="SNAP-NEW", name_zh="主泵", unit_price_fen=5))
        retired = session.exec(select(Part).where(Part.part_no == "SNAP-0002")).one()
        retired.deleted_at = utcnow()

    # Both enrolled first: each then holds both device rows.
    from_snapshot = fresh_device(served, tmp_path, "snapshot")
    row_by_row = fresh_device(served, tmp_path, "rows")
    report = from_snapshot.sync()
    assert report.snapshot_rows == built.rows
    assert report.repaired_buckets == []
    assert not (from_snapshot.data_dir / FOLDER).exists(), "the downloaded files are removed"

    plain = row_by_row.sync(use_snapshot=False)
    assert plain.snapshot_rows == 0
    assert table_dump(from_snapshot.store.engine) == table_dump(row_by_row.store.engine)

    with from_snapshot.store.reader() as session:
        assert session.exec(select(Part).where(Part.part_no == "SNAP-0001")).one().name_zh == (
            "柴油滤芯"
        )
        assert session.exec(select(Part).where(Part.part_no == "SNAP-NEW")).one()
    # The parts' search index was filled as the snapshot's rows went in.
    with from_snapshot.store.engine.connect() as connection:
        found = connection.execute(
            text(
                "SELECT part.part_no FROM part_fts JOIN part ON part.rowid = part_fts.rowid "
                "WHERE part_fts MATCH :q"
            ),
            {"q": fts_query("滤芯 snap 0007")},
        ).all()
        assert [row[0] for row in found] == ["SNAP-0007"]
    # The engineer's own buckets came by backfill: the job is there, and a full
    # verification of every bucket finds nothing to repair.
    assert report.pulled > built.rows
    again = from_snapshot.sync(full_verify=True)
    assert again.repaired_buckets == [] and again.snapshot_rows == 0


def test_the_builder_rebuilds_after_a_change_and_keeps_the_newest_two(kept: HQ) -> None:
    served = kept
    first = wait_for_snapshot(served)  # built as HQ started
    with session_scope(served.db()) as session:
        session.add(Part(part_no="SNAP-LATER", name_zh="先导阀", unit_price_fen=7))
    second = wait_for_snapshot(served, after_seq=first.seq)
    assert second.rows == first.rows + 1 and second.sha256 != first.sha256
    with session_scope(served.db()) as session:
        session.add(Part(part_no="SNAP-LATEST", name_zh="回转马达", unit_price_fen=8))
    third = wait_for_snapshot(served, after_seq=second.seq)
    with session_scope(served.db()) as session:
        kept = [s.sha256 for s in snapshots.all_snapshots(session)]
    assert kept == [third.sha256, second.sha256]


def test_an_interrupted_download_resumes_and_a_damaged_one_falls_back(
    served: HQ, tmp_path: Path
) -> None:
    built = build_now(served)
    device = fresh_device(served, tmp_path, "resume")
    token_headers = _headers(device)
    url = f"{served.base}/api/v1/sync/snapshots/{built.sha256}"
    whole = requests.get(url, headers=token_headers, timeout=10)
    assert whole.status_code == 200 and hashlib.sha256(whole.content).hexdigest() == built.sha256
    assert whole.headers.get("Content-Encoding") == "identity"
    half = len(whole.content) // 2
    rest = requests.get(url, headers={**token_headers, "Range": f"bytes={half}-"}, timeout=10)
    assert rest.status_code == 206 and rest.content == whole.content[half:]
    assert (
        rest.headers["Content-Range"]
        == f"bytes {half}-{len(whole.content) - 1}/{len(whole.content)}"
    )
    beyond = requests.get(
        url, headers={**token_headers, "Range": f"bytes={len(whole.content)}-"}, timeout=10
    )
    assert beyond.status_code == 416
    odd = requests.get(url, headers={**token_headers, "Range": "bytes=0-10"}, timeout=10)
    assert odd.status_code == 400 and odd.json()["code"] == "bad_range"

    # The first half is already on the device, as a sync cut off by the network leaves
    # it: the next sync asks for the rest only.
    folder = device.data_dir / FOLDER
    folder.mkdir()
    (folder / f"{built.sha256}.gz.part").write_bytes(whole.content[:half])
    asked: list[str] = []
    client = device.client()
    original = client.hq._request

    def recording(method: str, path: str, **kwargs: Any) -> Any:
        asked.append(kwargs.get("headers", {}).get("Range", ""))
        return original(method, path, **kwargs)

    client.hq._request = recording  # type: ignore[method-assign]
    try:
        report = client.sync()
    finally:
        client.close()
    assert f"bytes={half}-" in asked
    assert report.snapshot_rows == built.rows and report.repaired_buckets == []

    # A partial file that is not the snapshot's beginning: the hash check refuses the
    # result and the device pulls row by row instead.
    damaged = fresh_device(served, tmp_path, "damaged")
    folder = damaged.data_dir / FOLDER
    folder.mkdir()
    (folder / f"{built.sha256}.gz.part").write_bytes(b"\0" * half)
    report = damaged.sync()
    assert report.snapshot_rows == 0 and report.repaired_buckets == []
    device.sync()  # now holds the device row of the one enrolled after it
    assert table_dump(damaged.store.engine) == table_dump(device.store.engine)


def _headers(device: DeviceUnderTest) -> dict[str, str]:
    client = device.client()
    try:
        return {
            "Authorization": client.hq.http.headers["Authorization"],
            p.PROTOCOL_HEADER: str(p.PROTOCOL_VERSION),
        }
    finally:
        client.close()


def test_offers_follow_the_scope_the_schema_and_the_horizon(served: HQ, tmp_path: Path) -> None:
    built = build_now(served)
    engineer = fresh_device(served, tmp_path, "engineer")
    answer = requests.get(
        f"{served.base}/api/v1/sync/snapshot", headers=_headers(engineer), timeout=10
    ).json()
    offered = p.SnapshotOffer.model_validate(answer)
    assert offered.snapshot is not None and offered.snapshot.sha256 == built.sha256
    assert sorted(offered.snapshot.buckets) == sorted([CATALOGUE, ORG])

    with session_scope(served.db()) as session:
        session.add(User(login="boss", display_name="Admin", role="admin"))
    admin = fresh_device(served, tmp_path, "admin", login="boss")
    answer = requests.get(
        f"{served.base}/api/v1/sync/snapshot", headers=_headers(admin), timeout=10
    ).json()
    assert answer["snapshot"] is None and answer["reason"] == "scope_all"
    assert admin.sync().snapshot_rows == 0  # an admin holds everything: row by row

    # A snapshot older than the tombstone horizon would start a device at a cursor HQ
    # refuses: it is not offered (and the builder makes a new one).
    with session_scope(served.db()) as session:
        session.merge(Meta(key="purged_through_seq", value=str(built.seq + 1)))
        assert not snapshots.usable(session, snapshots.newest(session))
        assert snapshots.offer(session, [CATALOGUE, ORG]).reason == "none_built"
        session.merge(Meta(key="purged_through_seq", value="0"))
        # Built for another device schema: not offered either.
        row = session.get(Snapshot, built.sha256)
        row.schema_revision = "0001"
        assert snapshots.offer(session, [CATALOGUE, ORG]).reason == "none_built"
        session.rollback()


def test_a_store_holding_rows_already_pulls_row_by_row(served: HQ, tmp_path: Path) -> None:
    built = build_now(served)
    device = fresh_device(served, tmp_path, "held")
    first = device.sync()
    assert first.snapshot_rows == built.rows
    # Back at cursor 0 with the rows still there (as after a crash between writes):
    # the snapshot is not copied over them; the row pull brings everything again.
    device.store.set_setting(CURSOR, "0")
    device.store.set_setting("sync.buckets", "[]")
    device.store.set_setting("sync.scope_digest", "")
    again = device.sync(full_verify=True)
    assert again.snapshot_rows == 0 and again.repaired_buckets == []


def test_the_snapshot_file_holds_the_rows_in_the_device_form(served: HQ, tmp_path: Path) -> None:
    built = build_now(served)
    with session_scope(served.db()) as session:
        data = session.get(Snapshot, built.sha256).data
    database_file = tmp_path / "snapshot.sqlite"
    database_file.write_bytes(gzip.decompress(data))
    with sqlite3.connect(database_file) as connection:
        facts = dict(connection.execute("SELECT key, value FROM snapshot_info").fetchall())
        states = connection.execute("SELECT COUNT(*) FROM local_synced_row").fetchone()[0]
        parts = connection.execute("SELECT COUNT(*) FROM part").fetchone()[0]
        buckets = {b for (b,) in connection.execute("SELECT DISTINCT bucket FROM local_synced_row")}
    assert facts["seq"] == str(built.seq) and int(facts["rows"]) == built.rows == states
    assert parts >= EXTRA_PARTS and buckets == {CATALOGUE, ORG}
    # The same rows as a device that pulled them holds, column for column.
    device = fresh_device(served, tmp_path, "compare")
    device.sync(use_snapshot=False)
    with sqlite3.connect(device.store.path) as connection:
        pulled = connection.execute("SELECT * FROM part ORDER BY id").fetchall()
        names = [row[1] for row in connection.execute("PRAGMA table_info(part)")]
    with sqlite3.connect(database_file) as connection:
        columns = ", ".join(f'"{name}"' for name in names)
        in_file = connection.execute(f"SELECT {columns} FROM part ORDER BY id").fetchall()
    assert in_file == pulled


def test_a_stored_form_that_does_not_give_back_the_content_builds_nothing(
    served: HQ, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = snapshots.from_wire

    def lossy(model: Any, values: dict[str, Any]) -> dict[str, Any]:
        converted = real(model, values)
        if model is Part and "name_en" in converted:
            converted["name_en"] = converted["name_en"].strip()[:5]  # a conversion bug
        return converted

    monkeypatch.setattr(snapshots, "from_wire", lossy)
    with pytest.raises(snapshots.SnapshotBuildError, match="does not give back"):
        snapshots.build(served.db(), min_rows=0)
    with session_scope(served.db()) as session:
        assert snapshots.all_snapshots(session) == []


def test_a_bucket_from_the_snapshot_is_checked_by_its_recorded_digests(
    served: HQ, tmp_path: Path
) -> None:
    build_now(served)
    device = fresh_device(served, tmp_path, "recorded")
    device.sync()
    client = device.client()
    try:
        before = client.recorded_checksums([CATALOGUE])
        assert before == client.local_checksums([CATALOGUE])  # the same sums as hashing
        with device.store.engine.begin() as connection:  # a row lost behind the app's back
            connection.execute(text("DELETE FROM part WHERE part_no = 'SNAP-0003'"))
        after = client.recorded_checksums([CATALOGUE])
        assert after[CATALOGUE][0] == before[CATALOGUE][0] - 1
    finally:
        client.close()
    # The next full verification finds it and brings it back.
    repaired = device.sync(full_verify=True)
    assert CATALOGUE in repaired.repaired_buckets
    with device.store.reader() as session:
        assert session.exec(select(Part).where(Part.part_no == "SNAP-0003")).one()


def test_one_builder_at_a_time(tmp_path: Path) -> None:
    with database("sqlite", tmp_path) as url:
        hq = HQ(url=url, tmp=tmp_path)
        prepare(hq, seed_catalogue)
        try:
            holder = snapshots.take_lease(hq.db())
            assert holder is not None
            assert snapshots.take_lease(hq.db()) is None  # held
            assert snapshots.build_if_stale(hq.db(), min_rows=0) is None  # so none built
            snapshots.release_lease(hq.db(), holder)
            assert snapshots.build_if_stale(hq.db(), min_rows=0) is not None
            assert snapshots.build_if_stale(hq.db(), min_rows=0) is None  # current
            # A lease whose holder died expires.
            expired = snapshots.take_lease(hq.db(), seconds=-1)
            assert expired is not None and snapshots.take_lease(hq.db()) is not None
            # Too few rows: nothing built.
            with session_scope(hq.db()) as session:
                session.add(Part(part_no="ONE-MORE", name_zh="起动机", unit_price_fen=1))
            assert snapshots.build(hq.db(), min_rows=10**6) is None
        finally:
            hq.close()


def test_snapshot_cli(tmp_path: Path) -> None:
    from sync.hq.cli import main

    with database("sqlite", tmp_path) as url:
        hq = HQ(url=url, tmp=tmp_path)
        prepare(hq, seed_catalogue)
        hq.close()
        assert main(["--db", url, "snapshot", "--min-rows", "10"]) == 0
        with session_scope(hq.db()) as session:
            assert len(snapshots.all_snapshots(session)) == 1
        hq.close()
        assert main(["--db", url, "snapshot", "--min-rows", "10"]) == 0  # current: none
        assert main(["--db", url, "snapshot", "--list"]) == 0
        with session_scope(hq.db()) as session:
            assert len(snapshots.all_snapshots(session)) == 1
        hq.close()


def test_snapshots_are_built_for_the_schema_a_new_store_has(store: Store) -> None:
    assert store.schema_revision() == SCHEMA_HEAD == snapshots.SCHEMA_HEAD
