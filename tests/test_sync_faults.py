"""Kill -9 of a syncing client and of HQ at every step: nothing lost, nothing twice."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from sqlmodel import func, select

from fieldapp.models import Attachment, Fault, JobEvent, OutboxEntry, PartUsage, SignOff
from sync.hq.db import session_scope
from sync.hq.models import Blob
from tests.factories import World
from tests.sync_support import HQ, DeviceUnderTest, enroll_device, replica_rows
from tests.test_sync import work_offline

HQWorld = tuple[HQ, World]
KILLED = -signal.SIGKILL


def hq_counts(server: HQ, world: World) -> dict[str, int]:
    with session_scope(server.db()) as session:

        def count(model: type, *conditions: object) -> int:
            return session.exec(select(func.count()).select_from(model).where(*conditions)).one()

        return {
            "fault": count(Fault, Fault.job_id == world.job_id),
            "partusage": count(PartUsage, PartUsage.job_id == world.job_id),
            "jobevent": count(JobEvent, JobEvent.job_id == world.job_id),
            "attachment": count(Attachment, Attachment.job_id == world.job_id),
            "signoff": count(SignOff, SignOff.job_id == world.job_id),
            "blob": count(Blob),
        }


# Events: the "assigned" one HQ had, then accepted, departed, arrived, signed.
EXPECTED = {"fault": 1, "partusage": 1, "jobevent": 5, "attachment": 1, "signoff": 1, "blob": 2}


def assert_converged(server: HQ, world: World, device: DeviceUnderTest) -> None:
    assert hq_counts(server, world) == EXPECTED
    with device.store.reader() as session:
        assert session.exec(select(func.count()).select_from(OutboxEntry)).one() == 0
    report = device.sync(full_verify=True)
    assert report.repaired_buckets == [] and report.pushed == 0 and report.rejected == 0
    held = replica_rows(device.store)
    assert len(held["fault"]) == 1 and len(held["signoff"]) == 1


@pytest.mark.parametrize(
    "point",
    [
        "client_before_push",
        "client_after_push_before_ack",
        "client_mid_upload",
        "client_between_pages",
    ],
)
def test_client_killed_at_each_step_resumes_without_loss_or_duplicates(
    hq: HQWorld, tmp_path: Path, point: str
) -> None:
    server, world = hq
    device = enroll_device(server, "zhang.wei", tmp_path / "zw")
    device.sync()
    work_offline(device, world)
    killed = device.run_cli("sync", "--page-size", "3", fault=point)
    assert killed.returncode == KILLED, killed.stderr
    resumed = device.run_cli("sync", "--page-size", "3")
    assert resumed.returncode == 0, resumed.stderr
    assert_converged(server, world, device)


@pytest.mark.parametrize(
    "point",
    [
        "hq_push_before_commit",
        "hq_push_after_commit",
        "hq_pull_before_answer",
        "hq_blob_after_chunk",
    ],
)
def test_hq_killed_at_each_step_loses_nothing(hq: HQWorld, tmp_path: Path, point: str) -> None:
    server, world = hq
    device = enroll_device(server, "zhang.wei", tmp_path / "zw")
    device.sync()
    work_offline(device, world)
    server.restart(fault=point)
    failed = device.run_cli("sync")
    assert failed.returncode != 0
    assert "HQ cannot be reached" in failed.stderr or "garbled" in failed.stderr
    server.wait_dead()
    assert server.process is not None and server.process.returncode == KILLED
    server.restart()
    resumed = device.run_cli("sync")
    assert resumed.returncode == 0, resumed.stderr
    assert_converged(server, world, device)
