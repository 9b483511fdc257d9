"""Backup and restore of a running HQ, and the HQ that went back in time: devices upload
what the backup lacks, and a report signed after the backup is not lost."""

from __future__ import annotations

import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

import pytest
from sqlmodel import select

from fieldapp import services
from fieldapp.blobs import BlobStore
from fieldapp.models import Attachment, Customer, Job, JobEvent, SignOff, User
from fieldapp.models.enums import JobEventKind as E
from fieldapp.rules.report_hash import verify_report
from sync.client import SyncFailed
from sync.hq import restore
from sync.hq.db import session_scope
from sync.hq.models import Blob, Meta
from sync.restore_client import HQ_GENERATION, HQ_ID
from tests.conftest import seed_world
from tests.factories import NOW, World
from tests.sync_support import (
    HQ,
    DeviceUnderTest,
    database,
    enroll_device,
    replica_rows,
    serving_hq,
)
from tests.test_sync import work_offline

HQWorld = tuple[HQ, World]


def hq_cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sync.hq.cli", "--db", url, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def second_job(server: HQ, world: World) -> str:
    """A job of the other engineer, assigned before the backup."""
    with session_scope(server.db()) as session:
        job = Job(
            number="FW-2026-000777",
            job_type="repair",
            status="assigned",
            customer_id=world.customer_id,
            assignee_id=world.other_engineer_id,
            received_at=NOW,
        )
        session.add(job)
        session.flush()
        session.add(
            JobEvent(
                job_id=job.id,
                kind="assigned",
                from_status="new",
                to_status="assigned",
                occurred_at=NOW,
                data=f'{{"assignee_id": "{world.other_engineer_id}"}}',
            )
        )
        return job.id


def set_off(device: DeviceUnderTest, job_id: str, user_id: str) -> None:
    with device.store.action() as session:
        job, user = session.get(Job, job_id), session.get(User, user_id)
        assert job and user
        for action in (E.ACCEPTED, E.DEPARTED):
            services.transition(session, job, action, user, now=NOW)


def move_to(server: HQ, url: str) -> None:
    """Point the (stopped) HQ at another database and start it."""
    server.stop()
    if server.engine is not None:
        server.engine.dispose()
    server.engine = None
    server.url = url
    server.start()


def test_a_restored_hq_gets_back_what_devices_pushed_after_its_backup(
    hq: HQWorld, tmp_path: Path
) -> None:
    server, world = hq
    kind = "sqlite" if server.url.startswith("sqlite") else "postgresql"
    other_job = second_job(server, world)
    zhang = enroll_device(server, "zhang.wei", tmp_path / "zw")
    li = enroll_device(server, "li.qiang", tmp_path / "lq")
    zhang.sync()
    li.sync()

    backup = tmp_path / "hq.backup"
    restore.backup(server.url, backup)  # while HQ runs (`fieldapp-hq backup`)

    # After the backup, both engineers work and sync: HQ acknowledges everything, and
    # their outboxes are empty.
    report_hash = work_offline(zhang, world)
    assert zhang.sync().rejected == 0
    set_off(li, other_job, world.other_engineer_id)
    assert li.sync().rejected == 0
    assert zhang.store.pending_changes() == {} and li.store.pending_changes() == {}
    signed_photo = BlobStore(zhang.data_dir / "blobs")
    with session_scope(server.db()) as session:
        photos = session.exec(select(Attachment.sha256)).all()
        assert session.get(Job, world.job_id).status == "signed"  # type: ignore[union-attr]
        generation_before = int(session.get(Meta, "restore_generation").value)  # type: ignore[union-attr]

    # The disk dies: the backup is restored into a fresh database.
    with ExitStack() as stack:
        fresh = stack.enter_context(database(kind, tmp_path / "fresh"))
        (tmp_path / "fresh").mkdir(exist_ok=True)
        server.stop()
        out = hq_cli(fresh, "restore", str(backup)).stdout
        assert f"generation is now {generation_before + 1}" in out
        move_to(server, fresh)
        with session_scope(server.db()) as session:
            assert session.get(Job, world.job_id).status == "assigned"  # type: ignore[union-attr]
            assert session.exec(select(SignOff)).all() == []  # the backup went back
            assert all(session.get(Blob, sha) is None for sha in photos)

        zhang_report = zhang.sync()
        li_report = li.sync()
        assert zhang_report.rejected == 0 and li_report.rejected == 0

        with session_scope(server.db()) as session:
            job = session.get(Job, world.job_id)
            assert job is not None and job.status == "signed"
            sign_off = session.exec(select(SignOff).where(SignOff.job_id == job.id)).one()
            assert sign_off.report_hash == report_hash  # the report signed after the backup
            assert verify_report(sign_off.content, sign_off.report_hash)
            assert session.get(Job, other_job).status == "en_route"  # type: ignore[union-attr]
            for sha in [*photos, sign_off.signature_sha256]:
                blob = session.get(Blob, sha)
                assert blob is not None, sha  # uploaded again
            assert signed_photo.has(sign_off.signature_sha256)
        # Both devices hold what HQ holds again (the sync verified every bucket), and
        # know the new generation.
        for device in (zhang, li):
            assert device.store.get_setting(HQ_GENERATION) == str(generation_before + 1)
        assert zhang.sync(full_verify=True).repaired_buckets == []
        assert world.job_id in replica_rows(zhang.store)["job"]
        server.stop()  # before the fresh database goes


def test_a_restore_nobody_announced_and_a_different_hq(tmp_path: Path) -> None:
    # The detection is the device's: one backend shows it.
    with serving_hq("sqlite", tmp_path, seed_world) as (server, world):
        unannounced_restore_and_other_hq(server, world, tmp_path)


def unannounced_restore_and_other_hq(server: HQ, world: World, tmp_path: Path) -> None:
    zhang = enroll_device(server, "zhang.wei", tmp_path / "zw")
    zhang.sync()
    backup = tmp_path / "hq.backup"
    restore.backup(server.url, backup)
    work_offline(zhang, world)
    zhang.sync()
    known_id = zhang.store.get_setting(HQ_ID)
    assert known_id

    # A copy put back by hand, without `fieldapp-hq restored`: the generation is the
    # same, but HQ's sequence is behind the device's cursor.
    server.stop()
    server.db().dispose()  # no connection of this process to the file being replaced
    Path(server.url.removeprefix("sqlite:///")).write_bytes(backup.read_bytes())
    for suffix in ("-wal", "-shm"):
        Path(server.url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    server.start()
    zhang.sync()
    with session_scope(server.db()) as session:
        assert session.get(Job, world.job_id).status == "signed"  # type: ignore[union-attr]
        assert session.exec(select(SignOff)).one()

    # Another HQ at the same address (a new database): the device refuses it and keeps
    # its work for the HQ it knows.
    with session_scope(server.db()) as session:
        session.merge(Meta(key="hq_id", value="00000000-0000-0000-0000-00000000beef"))
    server.restart()
    with zhang.store.action() as session:
        customer = session.get(Customer, world.customer_id)
        assert customer is not None
        customer.phone = "13900001111"  # verified on site
    with pytest.raises(SyncFailed) as refused:
        zhang.sync()
    assert refused.value.code == "other_hq"
    assert zhang.store.pending_changes() == {"customer": 1}
    assert zhang.store.get_setting(HQ_ID) == known_id


def test_job_numbers_reserved_after_the_backup_are_taken_back(hq: HQWorld, tmp_path: Path) -> None:
    """A supervisor's tablet got its block of job numbers after the backup and created a
    job with one: after the restore HQ takes the block back (the job keeps its number),
    moves its counter on, and gives another device numbers of its own."""
    from sync.hq.models import JobNumberBlock
    from tests.test_sync_numbers import create_job, hq_numbers, team_of

    server, world = hq
    kind = "sqlite" if server.url.startswith("sqlite") else "postgresql"
    team = team_of(server, "wang.min")
    tablet = enroll_device(server, "wang.min", tmp_path / "tablet")
    backup = tmp_path / "hq.backup"
    restore.backup(server.url, backup)  # before the tablet's first sync: no block yet

    tablet.sync()  # the block is reserved now, after the backup
    job = create_job(tablet, world, team_id=team)
    spare = create_job(tablet, world, team_id=team)  # created, pushed, its number used
    assert tablet.sync().rejected == 0
    with session_scope(server.db()) as session:
        reserved = session.exec(select(JobNumberBlock)).all()
    assert len(reserved) == 1

    with ExitStack() as stack:
        fresh = stack.enter_context(database(kind, tmp_path / "fresh"))
        (tmp_path / "fresh").mkdir(exist_ok=True)
        server.stop()
        out = hq_cli(fresh, "restore", str(backup)).stdout
        assert "Job numbers of" in out  # the counter moved on
        move_to(server, fresh)
        with session_scope(server.db()) as session:
            assert session.exec(select(JobNumberBlock)).all() == []  # forgotten

        # Another supervisor device syncs first: its new block lies beyond the gap.
        laptop = enroll_device(server, "wang.min", tmp_path / "laptop")
        laptop.sync()
        with session_scope(server.db()) as session:
            others = session.exec(
                select(JobNumberBlock).where(JobNumberBlock.device_id != reserved[0].device_id)
            ).all()
        assert others and all(b.first > reserved[0].last for b in others)

        assert tablet.sync().rejected == 0  # the recovery re-uploads both jobs
        numbers = hq_numbers(server)
        assert numbers[job.id] == job.number and numbers[spare.id] == spare.number
        later = create_job(tablet, world, team_id=team)  # from the block taken back
        assert tablet.sync().rejected == 0
        assert hq_numbers(server)[later.id] == later.number
        with session_scope(server.db()) as session:
            mine = session.exec(
                select(JobNumberBlock).where(JobNumberBlock.device_id == reserved[0].device_id)
            ).all()
        assert any(b.first <= reserved[0].first and b.last >= reserved[0].last for b in mine)
        server.stop()
