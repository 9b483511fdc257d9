"""The sync against a real HQ and real devices: each promise of design.md."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from sqlmodel import select

from fieldapp import services
from fieldapp.blobs import BlobStore
from fieldapp.models import (
    Attachment,
    Fault,
    Job,
    JobEvent,
    Part,
    RejectedChange,
    SignOff,
    StockMovement,
    SyncConflict,
    User,
)
from fieldapp.models.enums import JobEventKind as E
from fieldapp.rules.report_hash import verify_report
from sync import protocol as p
from sync.client import SyncFailed
from sync.hq.db import session_scope
from tests.factories import NOW, World
from tests.sync_support import (
    HQ,
    DeviceUnderTest,
    enroll_device,
    mutation,
    picture,
    push,
    replica_rows,
)

HQWorld = tuple[HQ, World]


def work_offline(device: DeviceUnderTest, world: World, *, sign: bool = True) -> str | None:
    """What the engineer does at the site, with no network. Returns the report hash."""
    blobs = BlobStore(device.data_dir / "blobs")
    photo = blobs.put(picture(f"a photo of the leaking hose {device.login}", "JPEG"))
    signature = blobs.put(picture("the customer's signature strokes"))
    with device.store.action() as session:
        job = session.get(Job, world.job_id)
        engineer = session.get(User, world.engineer_id)
        assert job and engineer
        for action in (E.ACCEPTED, E.DEPARTED, E.ARRIVED):
            services.transition(session, job, action, engineer, now=NOW)
        fault = Fault(
            job_id=job.id,
            assembly="hydraulic_pump",
            symptom="主泵异响",
            cause="柱塞磨损",
            action="更换主泵",
            fixed=True,
        )
        session.add(fault)
        session.flush()
        pump = session.get(Part, world.pump_id)
        assert pump
        services.use_part(
            session, job, pump, 1, engineer, location_id=world.van_id, fault=fault, now=NOW
        )
        session.add(Attachment(sha256=photo, kind="photo", job_id=job.id, size=40))
    if not sign:
        return None
    with device.store.action() as session:
        job = session.get(Job, world.job_id)
        engineer = session.get(User, world.engineer_id)
        assert job and engineer
        sign_off = services.sign_job(
            session,
            job,
            engineer,
            signer_name="刘建国",
            signature_sha256=signature,
            opinion="满意",
            now=NOW + timedelta(hours=2),
        )
        return sign_off.report_hash


def test_first_sync_brings_the_engineers_jobs_and_files_only(hq: HQWorld, tmp_path: Path) -> None:
    server, world = hq
    with session_scope(server.db()) as session:
        other_job = Job(
            number="FW-2026-000999",
            job_type="repair",
            status="assigned",
            customer_id=world.customer_id,
            assignee_id=world.other_engineer_id,
            received_at=NOW,
        )
        session.add(other_job)
    device = enroll_device(server, "zhang.wei", tmp_path / "zw")
    report = device.sync()
    assert report.pulled > 0 and report.verified_buckets > 0
    held = replica_rows(device.store)
    assert world.job_id in held["job"]
    assert other_job.id not in held["job"]  # another engineer's open job
    assert world.customer_id in held["customer"]
    assert set(held["part"]) == {world.filter_id, world.pump_id}
    assert world.van_id in held["stocklocation"]
    # A second device of the other engineer sees their job, not this one.
    other = enroll_device(server, "li.qiang", tmp_path / "lq")
    other.sync()
    theirs = replica_rows(other.store)
    assert set(theirs["job"]) == {other_job.id}
    assert world.van_id not in theirs["stocklocation"]
    assert theirs["stockmovement"] == {}  # the van's stock is Zhang Wei's alone


def test_a_job_done_offline_reaches_hq_signed_and_verifiable(hq: HQWorld, tmp_path: Path) -> None:
    server, world = hq
    device = enroll_device(server, "zhang.wei", tmp_path / "zw")
    device.sync()
    report_hash = work_offline(device, world)
    assert device.store.pending_changes()
    report = device.sync()
    assert report.rejected == 0 and report.blobs_up == 2
    assert device.store.pending_changes() == {}
    with session_scope(server.db()) as session:
        sign_off = session.exec(select(SignOff).where(SignOff.job_id == world.job_id)).one()
        assert sign_off.report_hash == report_hash
        assert verify_report(sign_off.content, sign_off.report_hash)
        assert session.get(Job, world.job_id).status == "signed"  # type: ignore[union-attr]
        movements = session.exec(
            select(StockMovement).where(
                StockMovement.location_id == world.van_id, StockMovement.part_id == world.pump_id
            )
        ).all()
        assert sum(m.quantity for m in movements) == 3  # 4 pumps in the van, 1 fitted
    # Anyone can check the paper report's QR code against HQ.
    answer = requests.get(f"{server.base}/api/v1/verify/FW-2026-000123/{report_hash}", timeout=5)
    assert answer.json()["matches"] is True
    forged = requests.get(f"{server.base}/api/v1/verify/FW-2026-000123/{'0' * 64}", timeout=5)
    assert forged.json()["matches"] is False


def test_replaying_a_push_is_a_noop_with_the_same_answer(hq: HQWorld, tmp_path: Path) -> None:
    server, world = hq
    device = enroll_device(server, "zhang.wei", tmp_path / "zw")
    device.sync()
    work_offline(device, world, sign=False)
    client = device.client()
    with device.store.reader() as session:
        from fieldapp.models import OutboxEntry

        entries = session.exec(select(OutboxEntry).order_by(OutboxEntry.seq)).all()
    body = p.PushRequest(
        batch_id="replay-batch-0001",
        mutations=[
            p.Mutation(
                mutation_id=e.mutation_id,
                table=e.table_name,
                row_id=e.row_id,
                op=e.op,  # type: ignore[arg-type]
                fields=json.loads(e.fields),
                base_version=e.base_version,
            )
            for e in entries
        ],
    ).model_dump(mode="json")
    first = client.hq.post(f"{p.API}/sync/push", body)
    with session_scope(server.db()) as session:
        events_after_first = len(session.exec(select(JobEvent)).all())
        version = session.get(Job, world.job_id).version  # type: ignore[union-attr]
    second = client.hq.post(f"{p.API}/sync/push", body)
    assert second == first
    assert all(r["status"] == "applied" for r in first["results"])
    with session_scope(server.db()) as session:
        assert len(session.exec(select(JobEvent)).all()) == events_after_first
        assert session.get(Job, world.job_id).version == version  # type: ignore[union-attr]
    client.close()
    # The device then syncs normally: its outbox entries are answered as already done.
    report = device.sync()
    assert report.rejected == 0 and device.store.pending_changes() == {}


def test_crafted_ids_in_a_push_are_refused_and_kept_visible(hq: HQWorld, tmp_path: Path) -> None:
    server, world = hq
    with session_scope(server.db()) as session:
        foreign = Job(
            number="FW-2026-000777",
            job_type="repair",
            status="on_site",
            customer_id=world.customer_id,
            assignee_id=world.other_engineer_id,
            received_at=NOW,
        )
        session.add(foreign)
    device = enroll_device(server, "zhang.wei", tmp_path / "zw")
    device.sync()
    crafted = [
        # A fault on another engineer's job.
        p.Mutation(
            mutation_id="c0000000-0000-0000-0000-000000000001",
            table="fault",
            row_id="c0000000-0000-0000-0000-0000000000f1",
            op="insert",
            base_version=0,
            fields={"job_id": foreign.id, "assembly": "engine", "symptom": "伪造"},
        ),
        # Taking another engineer's job.
        p.Mutation(
            mutation_id="c0000000-0000-0000-0000-000000000002",
            table="job",
            row_id=foreign.id,
            op="update",
            base_version=1,
            fields={"assignee_id": world.engineer_id},
        ),
        # Overwriting a row that exists with other content.
        p.Mutation(
            mutation_id="c0000000-0000-0000-0000-000000000003",
            table="part",
            row_id=world.pump_id,
            op="insert",
            base_version=0,
            fields={"part_no": "FAKE-1", "name_zh": "假件"},
        ),
        # Approving one's own report.
        p.Mutation(
            mutation_id="c0000000-0000-0000-0000-000000000004",
            table="job",
            row_id=world.job_id,
            op="update",
            base_version=1,
            fields={"status": "approved"},
        ),
        # Garbage values and unknown tables are refused, not a server error.
        p.Mutation(
            mutation_id="c0000000-0000-0000-0000-000000000005",
            table="fault",
            row_id="c0000000-0000-0000-0000-0000000000f5",
            op="insert",
            base_version=0,
            fields={"job_id": world.job_id, "assembly": "engine", "symptom": 12, "fixed": "maybe"},
        ),
        p.Mutation(
            mutation_id="c0000000-0000-0000-0000-000000000006",
            table="sqlite_master",
            row_id="c0000000-0000-0000-0000-0000000000f6",
            op="insert",
            base_version=0,
            fields={},
        ),
    ]
    codes = [r["code"] for r in push(device, *crafted)]
    assert codes == [
        "forbidden",
        "forbidden",
        "id_conflict",
        "illegal_transition",
        "invalid_value",
        "unknown_table",
    ]
    with session_scope(server.db()) as session:
        assert session.get(Job, foreign.id).assignee_id == world.other_engineer_id  # type: ignore[union-attr]
        assert session.get(Part, world.pump_id).part_no == "ZY210-3101-01"  # type: ignore[union-attr]
        assert session.get(Job, world.job_id).status == "assigned"  # type: ignore[union-attr]


def test_a_refused_local_change_is_kept_and_shown(hq: HQWorld, tmp_path: Path) -> None:
    server, world = hq
    device = enroll_device(server, "zhang.wei", tmp_path / "zw")
    device.sync()
    with device.store.action() as session:  # a movement at a van that is not his
        session.add(
            StockMovement(
                part_id=world.pump_id,
                location_id=world.van_id,
                quantity=1,
                kind="return",
                moved_at=NOW,
            )
        )
        job = session.get(Job, world.job_id)
        assert job
        job.urgency = "low"  # an engineer does not decide the urgency
    report = device.sync()
    assert report.rejected == 1 and report.pushed == 1
    with device.store.reader() as session:
        rejected = session.exec(select(RejectedChange)).one()
        assert rejected.table_name == "job" and rejected.code == "forbidden"
        assert json.loads(rejected.fields) == {"urgency": "low"}
        assert session.get(Job, world.job_id).urgency == "urgent"  # type: ignore[union-attr]
    assert device.store.pending_changes() == {}


def test_an_outdated_app_is_told_to_update_and_keeps_its_data(hq: HQWorld, tmp_path: Path) -> None:
    server, world = hq
    device = enroll_device(server, "zhang.wei", tmp_path / "zw")
    device.sync()
    work_offline(device, world, sign=False)
    pending = device.store.pending_changes()
    client = device.client()
    client.hq.http.headers[p.PROTOCOL_HEADER] = "0"
    with pytest.raises(SyncFailed) as refused:
        client.sync()
    client.close()
    assert refused.value.code == "update_required" and "update" in refused.value.message
    assert device.store.pending_changes() == pending
    raw = requests.post(f"{server.base}/api/v1/sync/pull", json={"cursor": 0}, timeout=5)
    assert raw.status_code == 426 and raw.json()["code"] == "update_required"


def test_cancelled_at_hq_but_signed_offline_is_kept_and_flagged(
    hq: HQWorld, tmp_path: Path
) -> None:
    server, world = hq
    device = enroll_device(server, "zhang.wei", tmp_path / "zw")
    device.sync()
    with session_scope(server.db()) as session:
        job = session.get(Job, world.job_id)
        supervisor = session.get(User, world.supervisor_id)
        assert job and supervisor
        services.transition(session, job, E.CANCELLED, supervisor, reason="客户电话取消")
    report_hash = work_offline(device, world)
    report = device.sync()
    assert report.rejected == 0
    with session_scope(server.db()) as session:
        job = session.get(Job, world.job_id)
        assert job and job.status == "signed" and job.needs_attention
        conflicts = session.exec(
            select(SyncConflict).where(SyncConflict.field_name == "status")
        ).all()
        # Arrived (refused: HQ's cancel stands), then signed (kept: the signed work).
        assert [(c.kept, c.rule) for c in conflicts] == [
            ("server", "server_final_status"),
            ("device", "signed_work_kept"),
        ]
        assert all(json.loads(c.server_value) == "cancelled" for c in conflicts)
        sign_off = session.exec(select(SignOff)).one()
        assert sign_off.report_hash == report_hash
    # The engineer sees the conflict too.
    with device.store.reader() as session:
        rules = {c.rule for c in session.exec(select(SyncConflict)).all()}
        assert "signed_work_kept" in rules


def test_a_reassigned_job_leaves_the_old_device_after_its_work_is_uploaded(
    hq: HQWorld, tmp_path: Path
) -> None:
    server, world = hq
    device = enroll_device(server, "zhang.wei", tmp_path / "zw")
    device.sync()
    with session_scope(server.db()) as session:
        job = session.get(Job, world.job_id)
        supervisor = session.get(User, world.supervisor_id)
        other = session.get(User, world.other_engineer_id)
        assert job and supervisor and other
        services.transition(session, job, E.ASSIGNED, supervisor, assignee=other)
    work_offline(device, world, sign=False)  # the engineer had already started
    device.sync()
    with session_scope(server.db()) as session:
        faults = session.exec(select(Fault).where(Fault.job_id == world.job_id)).all()
        assert len(faults) == 1  # nothing recorded was lost
        job = session.get(Job, world.job_id)
        assert job and job.assignee_id == world.other_engineer_id and job.needs_attention
    held = replica_rows(device.store)
    assert world.job_id not in held["job"]
    assert not held["fault"]
    assert device.store.pending_changes() == {}


def test_signed_reports_cannot_change_at_hq(hq: HQWorld, tmp_path: Path) -> None:
    server, world = hq
    device = enroll_device(server, "zhang.wei", tmp_path / "zw")
    device.sync()
    work_offline(device, world)
    device.sync()
    with device.store.reader() as session:
        fault = session.exec(select(Fault)).one()
    change = mutation(1, "fault", fault.id, "update", {"cause": "改写的原因"}, base=fault.version)
    assert push(device, change)[0]["code"] == "report_frozen"


def test_a_damaged_replica_is_detected_and_repaired(hq: HQWorld, tmp_path: Path) -> None:
    server, world = hq
    device = enroll_device(server, "zhang.wei", tmp_path / "zw")
    device.sync()
    before = replica_rows(device.store)
    with device.store.engine.begin() as connection:  # a row lost behind the app's back
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.exec_driver_sql("DELETE FROM part WHERE id = ?", (world.filter_id,))
        connection.exec_driver_sql("UPDATE job SET version = 42 WHERE id = ?", (world.job_id,))
        connection.exec_driver_sql(
            "UPDATE local_synced_row SET digest = 7 WHERE row_id = ?", (world.job_id,)
        )
    report = device.sync(full_verify=True)
    assert sorted(report.repaired_buckets) == sorted(["catalogue", f"job:{world.job_id}"])
    assert replica_rows(device.store) == before


def test_a_revoked_device_is_refused(hq: HQWorld, tmp_path: Path) -> None:
    from sync.hq.service import revoke_device

    server, _world = hq
    device = enroll_device(server, "zhang.wei", tmp_path / "zw")
    device.sync()
    with session_scope(server.db()) as session:
        revoke_device(session, device.store.get_setting("sync.device_id"))
    with pytest.raises(SyncFailed) as refused:
        device.sync()
    assert refused.value.code == "device_revoked"
