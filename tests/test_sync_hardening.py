"""What HQ refuses and how the edges of the protocol behave: roles, vocabularies,
rows that move between buckets, the tombstone horizon, malformed requests."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import requests
from sqlmodel import select

from fieldapp.models import Customer, Job, Machine, OutboxEntry, Region, TimeEntry, User
from sync import protocol as p
from sync.hq.db import prune_tombstones, session_scope
from sync.hq.models import RowLog
from tests.factories import NOW, World
from tests.sync_support import HQ, enroll_device, mutation, push, replica_rows

HQWorld = tuple[HQ, World]


def test_a_supervisor_cannot_raise_their_own_rights_or_edit_the_catalogue(
    hq: HQWorld, tmp_path: Path
) -> None:
    server, world = hq
    device = enroll_device(server, "wang.min", tmp_path / "wm")
    device.sync()
    results = push(
        device,
        mutation(1, "user", world.supervisor_id, "update", {"role": "admin"}),
        mutation(2, "region", world.region_id, "update", {"grade": "C"}),
        mutation(3, "job", world.job_id, "update", {"note": "请尽快处理"}),
    )
    assert [r["code"] for r in results] == ["forbidden", "forbidden", ""]
    with session_scope(server.db()) as session:
        assert session.get(User, world.supervisor_id).role == "supervisor"  # type: ignore[union-attr]
        assert session.get(Region, world.region_id).grade == "A"  # type: ignore[union-attr]


def test_an_engineer_cannot_delete_files_or_open_jobs_for_other_customers(
    hq: HQWorld, tmp_path: Path
) -> None:
    server, world = hq
    with session_scope(server.db()) as session:
        other = Customer(
            code="C999", name="别家公司", region_id=world.region_id, phone="13900000001"
        )
        session.add(other)
    device = enroll_device(server, "zhang.wei", tmp_path / "zw")
    device.sync()
    results = push(
        device,
        mutation(1, "customer", world.customer_id, "delete", {"deleted_at": NOW.isoformat()}),
        mutation(2, "job", world.job_id, "delete", {"deleted_at": NOW.isoformat()}),
        mutation(
            3,
            "job",
            "e0000000-0000-0000-0000-00000000j001",
            "insert",
            {
                "number": "FW-2026-888888",
                "job_type": "repair",
                "customer_id": other.id,
                "assignee_id": world.engineer_id,
                "received_at": NOW.isoformat(),
            },
            base=0,
        ),
        mutation(4, "job", world.job_id, "update", {"status": "flying"}),
    )
    assert [r["code"] for r in results] == ["forbidden", "forbidden", "forbidden", "invalid_value"]
    # The refusal of a row outside the device's scope does not reveal it.
    assert all(r["row"] is None for r in results[2:3])


def test_an_edit_and_a_delete_in_one_action_both_reach_hq(hq: HQWorld, tmp_path: Path) -> None:
    server, world = hq
    device = enroll_device(server, "zhang.wei", tmp_path / "zw")
    device.sync()
    with device.store.action() as session:
        entry = TimeEntry(job_id=world.job_id, user_id=world.engineer_id, minutes=30)
        session.add(entry)
    with device.store.action() as session:
        row = session.get(TimeEntry, entry.id)
        assert row
        row.minutes = 45
        row.deleted_at = NOW
    with device.store.reader() as session:
        ops = [e.op for e in session.exec(select(OutboxEntry).order_by(OutboxEntry.seq))]
    assert ops == ["insert", "update", "delete"]
    report = device.sync()
    assert report.rejected == 0
    with session_scope(server.db()) as session:
        at_hq = session.get(TimeEntry, entry.id)
        assert at_hq and at_hq.minutes == 45 and at_hq.deleted_at is not None


def test_a_row_that_returns_to_a_bucket_is_logged_again(hq: HQWorld, tmp_path: Path) -> None:
    server, world = hq
    with session_scope(server.db()) as session:
        other = Customer(code="C998", name="租赁公司", region_id=world.region_id)
        session.add(other)
    for owner in (other.id, world.customer_id, other.id, world.customer_id):
        with session_scope(server.db()) as session:
            machine = session.get(Machine, world.machine_id)
            assert machine
            machine.customer_id = owner
    with session_scope(server.db()) as session:
        entries = session.exec(select(RowLog).where(RowLog.row_id == world.machine_id)).all()
        live = {e.bucket for e in entries if not e.removed}
        assert live == {f"customer:{world.customer_id}"}
    device = enroll_device(server, "zhang.wei", tmp_path / "zw")
    report = device.sync(full_verify=True)
    assert report.repaired_buckets == []
    assert world.machine_id in replica_rows(device.store)["machine"]


def test_a_device_offline_past_the_tombstone_horizon_resyncs_after_pushing(
    hq: HQWorld, tmp_path: Path
) -> None:
    server, world = hq
    device = enroll_device(server, "zhang.wei", tmp_path / "zw")
    device.sync()
    with session_scope(server.db()) as session:
        other = Customer(code="C997", name="外地客户", region_id=world.region_id)
        session.add(other)
        session.flush()
        machine = session.get(Machine, world.machine_id)
        assert machine
        machine.customer_id = other.id  # the machine was sold on: it leaves the file
    with session_scope(server.db()) as session:
        assert prune_tombstones(session, timedelta(0)) == 1
    with device.store.action() as session:  # work done while offline
        session.add(TimeEntry(job_id=world.job_id, user_id=world.engineer_id, minutes=20))
    report = device.sync()
    assert report.pushed == 1 and report.rejected == 0
    held = replica_rows(device.store)
    assert world.machine_id not in held["machine"]
    assert len(held["timeentry"]) == 1 and world.job_id in held["job"]
    with session_scope(server.db()) as session:
        assert len(session.exec(select(TimeEntry)).all()) == 1


def test_malformed_requests_get_a_4xx_with_a_reason_never_a_500(
    hq: HQWorld, tmp_path: Path
) -> None:
    server, _world = hq
    device = enroll_device(server, "zhang.wei", tmp_path / "zw")
    token = (device.data_dir / "device_token").read_text()
    headers = {p.PROTOCOL_HEADER: str(p.PROTOCOL_VERSION), "Authorization": f"Bearer {token}"}
    bodies: list[object] = [
        None,
        "",
        "{",
        "[]",
        42,
        {"cursor": -1},
        {"cursor": "x"},
        {"cursor": 0, "limit": 10**9},
        {"batch_id": "x", "mutations": "no"},
        {"batch_id": "abcdefgh", "mutations": [{}]},
        {
            "batch_id": "abcdefgh",
            "mutations": [
                {
                    "mutation_id": "m" * 8,
                    "table": "job",
                    "row_id": "r" * 8,
                    "op": "drop",
                    "fields": {},
                    "base_version": 0,
                }
            ],
        },
        {"buckets": ["x"] * 3, "extra": 1},
        {"code": ""},
        {"customer_code": "C001"},
    ]
    paths = [
        "/api/v1/sync/pull",
        "/api/v1/sync/push",
        "/api/v1/sync/checksums",
        "/api/v1/enroll",
        "/api/v1/jobs",
    ]
    for path in paths:
        for body in bodies:
            data = body if isinstance(body, str) else json.dumps(body)
            answer = requests.post(f"{server.base}{path}", data=data, headers=headers, timeout=10)
            assert 400 <= answer.status_code < 500, (path, body, answer.status_code)
            assert answer.json()["code"], (path, body)
    garbage_gzip = requests.post(
        f"{server.base}/api/v1/sync/pull",
        data=b"not gzip at all",
        headers={**headers, "Content-Encoding": "gzip"},
        timeout=10,
    )
    assert garbage_gzip.status_code == 400 and garbage_gzip.json()["code"] == "bad_gzip"
    blob = requests.put(
        f"{server.base}/api/v1/sync/blobs/{'z' * 64}?offset=0&total=3",
        data=b"abc",
        headers=headers,
        timeout=10,
    )
    assert blob.status_code == 422
    wrong = requests.put(
        f"{server.base}/api/v1/sync/blobs/{'a' * 64}?offset=5&total=3",
        data=b"abc",
        headers=headers,
        timeout=10,
    )
    assert wrong.status_code in {409, 422}
    with session_scope(server.db()) as session:
        assert session.get(Job, _world.job_id) is not None


def test_the_json_api_creates_assigns_and_reports_jobs(hq: HQWorld, tmp_path: Path) -> None:
    from tests.test_sync import work_offline

    server, world = hq
    schema = requests.get(f"{server.base}/openapi.json", timeout=10).json()
    for path in (
        "/api/v1/jobs",
        "/api/v1/jobs/{number}/assign",
        "/api/v1/jobs/{number}/report",
        "/api/v1/sync/push",
        "/api/v1/sync/pull",
    ):
        assert path in schema["paths"]
    supervisor = enroll_device(server, "wang.min", tmp_path / "wm")
    token = (supervisor.data_dir / "device_token").read_text()
    auth = {"Authorization": f"Bearer {token}"}
    created = requests.post(
        f"{server.base}/api/v1/jobs",
        headers=auth,
        timeout=10,
        json={
            "customer_code": "C001",
            "job_type": "repair",
            "urgency": "urgent",
            "reported_symptom": "行走无力",
            "customer_request": "今天到场",
            "machine_serial": "ZY2102025A0157",
        },
    )
    assert created.status_code == 201, created.text
    job = created.json()
    assert job["status"] == "new" and job["number"].startswith("FW-")
    assigned = requests.post(
        f"{server.base}/api/v1/jobs/{job['number']}/assign",
        headers=auth,
        json={"engineer_login": "li.qiang"},
        timeout=10,
    )
    assert assigned.json()["status"] == "assigned"
    unknown = requests.post(
        f"{server.base}/api/v1/jobs",
        headers=auth,
        timeout=10,
        json={"customer_code": "NOPE", "job_type": "repair"},
    )
    assert unknown.status_code == 409 and unknown.json()["code"] == "customer_unknown"
    engineer = enroll_device(server, "zhang.wei", tmp_path / "zw")
    engineer.sync()
    engineer_auth = {"Authorization": "Bearer " + (engineer.data_dir / "device_token").read_text()}
    refused = requests.post(
        f"{server.base}/api/v1/jobs",
        headers=engineer_auth,
        timeout=10,
        json={"customer_code": "C001", "job_type": "repair"},
    )
    assert refused.status_code == 403
    report_hash = work_offline(engineer, world)
    engineer.sync()
    report = requests.get(
        f"{server.base}/api/v1/jobs/FW-2026-000123/report", headers=auth, timeout=10
    ).json()
    assert report["report_hash"] == report_hash and report["verified"] is True
    assert report["content"]["customer"]["name"] == "合肥城建集团"


def test_a_van_given_to_another_engineer_takes_its_stock_along(hq: HQWorld, tmp_path: Path) -> None:
    from fieldapp import services
    from fieldapp.models import StockLocation

    server, world = hq
    zhang = enroll_device(server, "zhang.wei", tmp_path / "zw")
    li = enroll_device(server, "li.qiang", tmp_path / "lq")
    zhang.sync()
    li.sync()
    with zhang.store.reader() as session:
        assert services.stock_on_hand(session, world.van_id) == {
            world.filter_id: 4,
            world.pump_id: 4,
        }
    with session_scope(server.db()) as session:
        van = session.get(StockLocation, world.van_id)
        assert van
        van.owner_user_id = world.other_engineer_id
    zhang.sync()
    li.sync(full_verify=True)
    with li.store.reader() as session:
        assert services.stock_on_hand(session, world.van_id) == {
            world.filter_id: 4,
            world.pump_id: 4,
        }
    assert replica_rows(zhang.store)["stockmovement"] == {}
    assert world.van_id not in replica_rows(zhang.store)["stocklocation"]
