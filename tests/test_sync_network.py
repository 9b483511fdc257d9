"""A faulty network cannot make the sides diverge; pages of any size give one state."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import func, select

from fieldapp.demo import load_demo
from fieldapp.models import Customer, Job, Part, TimeEntry
from sync.client import SERVER, SyncFailed
from sync.hq.db import session_scope
from sync.hq.models import Revision
from tests.conftest import BACKENDS
from tests.factories import NOW, World
from tests.fault_proxy import FaultProxy
from tests.sync_support import HQ, database, enroll_device, prepare, table_dump

HQWorld = tuple[HQ, World]


def test_faults_on_the_wire_cannot_make_the_sides_diverge(hq: HQWorld, tmp_path: Path) -> None:
    server, world = hq
    device = enroll_device(server, "zhang.wei", tmp_path / "zw")
    device.sync()
    proxy = FaultProxy(server.port, seed=7, fault_rate=0.6)
    device.store.set_setting(SERVER, proxy.base)
    created: list[str] = []
    failures = 0
    try:
        for round_no in range(14):
            with device.store.action() as session:
                entry = TimeEntry(
                    job_id=world.job_id,
                    user_id=world.engineer_id,
                    minutes=10 + round_no,
                    note=f"第{round_no}段",
                )
                session.add(entry)
                created.append(entry.id)
                customer = session.get(Customer, world.customer_id)
                assert customer
                customer.phone = f"1390551{round_no:04d}"
            with session_scope(server.db()) as session:
                job = session.get(Job, world.job_id)
                assert job
                job.note = f"HQ note {round_no}"
                session.add(Part(part_no=f"ZY210-9{round_no:03d}-01", name_zh=f"新件{round_no}"))
            try:
                device.sync()
            except SyncFailed:
                failures += 1
        assert failures > 0 and proxy.seen["truncate"] + proxy.seen["reset"] > 0
        proxy.enabled = False
        report = device.sync(full_verify=True)
        assert report.rejected == 0
    finally:
        proxy.close()
        device.store.set_setting(SERVER, server.base)
    assert device.store.pending_changes() == {}
    final = device.sync(full_verify=True)
    assert final.repaired_buckets == [] and final.pulled == 0
    with session_scope(server.db()) as session:
        at_hq = session.exec(select(TimeEntry.id).where(TimeEntry.job_id == world.job_id)).all()
        assert sorted(at_hq) == sorted(created)
        customer = session.get(Customer, world.customer_id)
        assert customer and customer.phone == "13905510013"
        # Each of the 14 phone changes applied exactly once, whatever was retried.
        changes = session.exec(
            select(func.count())
            .select_from(Revision)
            .where(Revision.row_id == world.customer_id, Revision.fields == "phone")
        ).one()
        assert changes == 14
    with device.store.reader() as session:
        parts = session.exec(select(func.count()).select_from(Part)).one()
        assert parts == 2 + 14
        job = session.get(Job, world.job_id)
        assert job and job.note == "HQ note 13"


@pytest.fixture(params=BACKENDS)
def demo_hq(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[HQ]:
    """HQ with the whole demo data (about 6,400 rows)."""
    with database(request.param, tmp_path) as url:
        server = HQ(url=url, tmp=tmp_path)
        prepare(server, lambda session: load_demo(session, today=NOW.date()))
        server.start()
        try:
            yield server
        finally:
            server.close()


def test_pages_of_any_size_with_a_crash_between_pages_give_one_state(
    demo_hq: HQ, tmp_path: Path
) -> None:
    # Enroll every device first: each one's Device row is in the user's scope too.
    devices = {
        size: enroll_device(demo_hq, "zhang.wei", tmp_path / f"p{size}") for size in (9, 250, 5000)
    }
    crashed = enroll_device(demo_hq, "zhang.wei", tmp_path / "crash")
    dumps = {}
    for size, device in devices.items():
        device.sync(page_size=size)
        dumps[size] = table_dump(device.store.engine, skip=frozenset({"updated_at"}))
    killed = crashed.run_cli("sync", "--page-size", "40", fault="client_between_pages")
    assert killed.returncode != 0
    assert int(crashed.store.get_setting("sync.cursor", "0")) > 0  # one page was kept
    resumed = crashed.run_cli("sync", "--page-size", "333")
    assert resumed.returncode == 0, resumed.stderr
    dumps["crash"] = table_dump(crashed.store.engine, skip=frozenset({"updated_at"}))
    reference = dumps[5000]
    assert sum(len(rows) for rows in reference.values()) > 3000
    for size, dump in dumps.items():
        assert dump == reference, size
    # And the replica is HQ's data, row for row, for what is in the engineer's scope.
    hq_dump = table_dump(demo_hq.db(), skip=frozenset({"updated_at"}))
    for table, rows in reference.items():
        hq_rows = {row[[k for k, _ in row].index("id")][1]: row for row in hq_dump[table]}
        for row in rows:
            row_id = dict(row)["id"]
            assert hq_rows[row_id] == row, (table, row_id)
