"""Trust at rest and at HQ's door (issue 9, items 10 and 11), on SQLite and PostgreSQL:
checksums that see content, a database that keeps signed reports frozen, hashed
tokens, rate-limited enrollment, checked uploads and an audit trail of every change."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel, select

import sync.hq.migrations.versions.hq0002_integrity as hq0002
import sync.hq.migrations.versions.hq0003_rework as hq0003
from fieldapp.guards import FROZEN_JOB_FIELDS, REPORT_TABLES
from fieldapp.models import Customer, Job, PartUsage, SignOff
from fieldapp.rules.jobflow import FROZEN_STATUSES
from sync import protocol as p
from sync.buckets import customer_bucket, job_bucket
from sync.hq.blobcheck import MAX_BYTES_ENV
from sync.hq.db import hq_alembic_config, migrate_hq, session_scope
from sync.hq.integrity import CHECK_HOURS_ENV, mismatches
from sync.hq.models import AuditRecord, BucketSum, DeviceToken, Revision, RowLog
from sync.token_store import load_token
from tests.factories import World
from tests.sync_support import HQ, enroll_device, picture
from tests.test_sync import work_offline

HQWorld = tuple[HQ, World]
PROTOCOL = {p.PROTOCOL_HEADER: str(p.PROTOCOL_VERSION)}


def hq_cli(server: HQ, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sync.hq.cli", "--db", server.url, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if k != "FIELDAPP_FAULT"},
    )


def raw(server: HQ, statement: str, **params: object) -> None:
    with server.db().begin() as connection:
        connection.execute(text(statement), params)


# --- item 10: the checksums cover content ------------------------------------------------


def test_a_hand_edit_on_the_device_is_found_by_the_checksums_and_repaired(
    hq: HQWorld, tmp_path: Path
) -> None:
    server, world = hq
    device = enroll_device(server, "zhang.wei", tmp_path / "zw")
    device.sync()
    with session_scope(server.db()) as session:
        phone = session.get(Customer, world.customer_id).phone  # type: ignore[union-attr]
    # Behind the app's back: same id, same version, other content.
    with device.store.engine.begin() as connection:
        connection.execute(
            text("UPDATE customer SET phone = '110' WHERE id = :id"), {"id": world.customer_id}
        )
    report = device.sync(full_verify=True)
    assert customer_bucket(world.customer_id) in report.repaired_buckets
    with device.store.reader() as session:
        assert session.get(Customer, world.customer_id).phone == phone  # type: ignore[union-attr]
    # And the command line's full verification finds one too.
    with device.store.engine.begin() as connection:
        connection.execute(text("UPDATE partusage SET quantity = 7"))
        connection.execute(
            text("UPDATE customer SET name = '被改过的' WHERE id = :id"), {"id": world.customer_id}
        )
    done = device.run_cli("sync", "--verify-all")
    assert done.returncode == 0, done.stderr
    with device.store.reader() as session:
        assert session.get(Customer, world.customer_id).name != "被改过的"  # type: ignore[union-attr]
    assert device.sync(full_verify=True).repaired_buckets == []


def test_an_app_speaking_protocol_1_is_told_to_update(hq: HQWorld, tmp_path: Path) -> None:
    server, _world = hq
    device = enroll_device(server, "zhang.wei", tmp_path / "zw")
    answer = requests.post(
        f"{server.base}{p.API}/sync/checksums",
        json={"buckets": ["catalogue"]},
        headers={p.PROTOCOL_HEADER: "1", "Authorization": f"Bearer {load_token(device.data_dir)}"},
        timeout=30,
    )
    assert answer.status_code == 426 and answer.json()["code"] == "update_required"
    assert "update" in answer.json()["message"]
    assert p.MIN_PROTOCOL_VERSION == p.PROTOCOL_VERSION == 3


def test_a_raw_sql_edit_at_hq_is_found_and_sent_to_every_device(
    hq: HQWorld, tmp_path: Path
) -> None:
    server, world = hq
    device = enroll_device(server, "zhang.wei", tmp_path / "zw")
    device.sync()
    raw(server, "UPDATE customer SET phone = '13911112222' WHERE id = :id", id=world.customer_id)
    with server.db().connect() as connection:
        checked, found = mismatches(connection)
    assert checked > 10 and [(t, r) for t, r, _ in found] == [("customer", world.customer_id)]
    done = hq_cli(server, "check")
    assert done.returncode == 0, done.stderr
    assert "1 repaired" in done.stdout and f"customer {world.customer_id}" in done.stdout
    report = device.sync(full_verify=True)
    assert report.repaired_buckets == []
    with device.store.reader() as session:
        assert session.get(Customer, world.customer_id).phone == "13911112222"  # type: ignore[union-attr]
    with session_scope(server.db()) as session:
        trail = session.exec(
            select(AuditRecord).where(AuditRecord.row_id == world.customer_id)
        ).all()
        assert trail[-1].op == "repair" and trail[-1].user_id is None
        sums = session.get(BucketSum, customer_bucket(world.customer_id))
        logged = session.exec(
            select(RowLog).where(RowLog.bucket == customer_bucket(world.customer_id))
        ).all()
        assert sums is not None and sums.total == sum(e.digest for e in logged if not e.removed)
    assert hq_cli(server, "check").stdout.startswith("Checked")
    with server.db().connect() as connection:
        assert mismatches(connection)[1] == []


def test_the_serving_hq_finds_raw_sql_edits_by_itself(hq: HQWorld, tmp_path: Path) -> None:
    server, world = hq
    server.env[CHECK_HOURS_ENV] = "0.0003"  # about a second
    server.restart()
    device = enroll_device(server, "zhang.wei", tmp_path / "zw")
    device.sync()
    raw(server, "UPDATE customer SET name = '合肥城建' WHERE id = :id", id=world.customer_id)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        device.sync()
        with device.store.reader() as session:
            if session.get(Customer, world.customer_id).name == "合肥城建":  # type: ignore[union-attr]
                break
        time.sleep(0.5)
    else:
        raise AssertionError("HQ's own check did not repair the edited row")
    assert device.sync(full_verify=True).repaired_buckets == []


def test_a_signed_report_is_frozen_by_the_database_itself(hq: HQWorld, tmp_path: Path) -> None:
    server, world = hq
    device = enroll_device(server, "zhang.wei", tmp_path / "zw")
    device.sync()
    work_offline(device, world)
    device.sync()
    with session_scope(server.db()) as session:
        job = session.get(Job, world.job_id)
        usage = session.exec(select(PartUsage).where(PartUsage.job_id == world.job_id)).one()
        sign_off = session.exec(select(SignOff).where(SignOff.job_id == world.job_id)).one()
        assert job is not None and job.status == "signed" and usage.quantity == 1
    supervisor = enroll_device(server, "wang.min", tmp_path / "wm")
    auth = {"Authorization": f"Bearer {load_token(supervisor.data_dir)}"}

    def verified() -> bool:
        answer = requests.get(
            f"{server.base}{p.API}/jobs/{job.number}/report", headers=auth, timeout=30
        )
        assert answer.status_code == 200, answer.text
        return bool(answer.json()["verified"])

    assert verified()
    edits = [
        ("UPDATE partusage SET quantity = 7 WHERE id = :id", usage.id),
        ("DELETE FROM partusage WHERE id = :id", usage.id),
        ("UPDATE signoff SET content = '{}' WHERE id = :id", sign_off.id),
        ("DELETE FROM signoff WHERE id = :id", sign_off.id),
        ("UPDATE job SET amount_cents = 1 WHERE id = :id", world.job_id),
    ]
    for statement, row_id in edits:
        with pytest.raises(DBAPIError, match="report_frozen"):
            raw(server, statement, id=row_id)
    with pytest.raises(DBAPIError, match="report_frozen"):
        raw(
            server,
            "INSERT INTO fault (id, created_at, updated_at, version, job_id, assembly, "
            "fault_code, symptom, cause, action, fixed, repair_location, loaner_provided, "
            "misuse) VALUES ('f0000000-0000-0000-0000-000000000001', :now, :now, 1, :job, "
            "'engine', '', 'x', 'y', 'z', true, 'on_site', false, false)",
            job=world.job_id,
            now="2026-12-01 10:00:00",
        )
    # What moves after the signature still moves: the status, the bookkeeping.
    raw(server, "UPDATE job SET status = 'approved' WHERE id = :id", id=world.job_id)
    raw(server, "UPDATE partusage SET version = version WHERE id = :id", id=usage.id)
    checked = hq_cli(server, "check")
    assert checked.returncode == 0 and f"repaired  job {world.job_id}" in checked.stdout
    assert verified()
    # Past the database's refusal (a trigger switched off, a backup restored): found,
    # and not laundered into a new version that devices would take as HQ's truth.
    if server.url.startswith("postgresql"):
        raw(server, "ALTER TABLE partusage DISABLE TRIGGER hq_frozen_partusage")
    else:
        raw(server, "DROP TRIGGER hq_frozen_partusage_update")
    raw(server, edits[0][0], id=usage.id)
    assert not verified()  # the part used 1 → 7 no longer passes as the signed report
    done = hq_cli(server, "check")
    assert done.returncode == 1
    assert f"TAMPERED  partusage {usage.id}" in done.stdout
    with session_scope(server.db()) as session:
        assert session.get(PartUsage, usage.id).version == usage.version  # type: ignore[union-attr]
    with session_scope(server.db()) as session:
        assert session.get(SignOff, sign_off.id).content == sign_off.content  # type: ignore[union-attr]


def test_the_triggers_follow_the_rules_they_mirror(hq: HQWorld) -> None:
    server, _world = hq
    with server.db().connect() as connection:
        if server.url.startswith("postgresql"):
            found = connection.execute(
                text("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'hq_frozen_%'")
            ).all()
            expected = {"hq_frozen_signoff", "hq_frozen_job"} | {
                f"hq_frozen_{t}" for t in (*hq0002.REPORT_TABLES, "checklistanswer")
            }
        else:
            found = connection.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            ).all()
            expected = set(hq0002.sqlite_trigger_names())
    # A later migration that rebuilds one of these tables must recreate its triggers.
    assert {name for (name,) in found} >= expected
    assert set(hq0003.FROZEN_STATUSES) == {s.value for s in FROZEN_STATUSES}
    assert set(hq0002.FROZEN_JOB_FIELDS) == FROZEN_JOB_FIELDS
    assert set(hq0002.REPORT_TABLES) == {t.__tablename__ for t in REPORT_TABLES}  # type: ignore[attr-defined]


def test_the_migration_recomputes_old_digests_and_makes_the_models_schema(
    hq: HQWorld, tmp_path: Path
) -> None:
    server, _world = hq
    device = enroll_device(server, "zhang.wei", tmp_path / "zw")
    device.sync()
    server.stop()
    engine = server.db()
    with engine.connect() as connection:
        command.downgrade(hq_alembic_config(connection), "hq0001")
        connection.commit()
    # As protocol 1 left them: digests of (table, id, version) only.
    with engine.begin() as connection:
        for table, row_id, version in connection.execute(
            text("SELECT table_name, row_id, version FROM hq_row WHERE NOT removed")
        ).all():
            old = f"{table}\x1f{row_id}\x1f{version}".encode()
            connection.execute(
                text("UPDATE hq_row SET digest = :d WHERE table_name = :t AND row_id = :r"),
                {"d": int.from_bytes(hashlib.sha256(old).digest()[:4], "big"), "t": table}
                | {"r": row_id},
            )
        assert mismatches(connection)[1]
    migrate_hq(engine)
    with engine.connect() as connection:
        assert mismatches(connection)[1] == []

        def hq_only(_obj: object, name: str | None, type_: str, *_: object) -> bool:
            return type_ != "table" or bool(name and name.startswith("hq_"))

        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": hq_only}
        )
        assert compare_metadata(context, SQLModel.metadata) == []
    server.start()
    assert device.sync(full_verify=True).repaired_buckets == []


# --- item 11: at rest and at the door ---------------------------------------------------------


def test_tokens_are_stored_only_as_hashes_and_still_authenticate(
    hq: HQWorld, tmp_path: Path
) -> None:
    server, _world = hq
    device = enroll_device(server, "zhang.wei", tmp_path / "zw")
    token = load_token(device.data_dir)
    assert token
    with server.db().connect() as connection:
        names = [
            n
            for (n,) in connection.execute(
                text(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
                    if server.url.startswith("postgresql")
                    else "SELECT name FROM sqlite_master WHERE type = 'table'"
                )
            )
        ]
        for name in names:
            for row in connection.execute(text(f'SELECT * FROM "{name}"')).all():
                assert token not in repr(tuple(row)), name
    with session_scope(server.db()) as session:
        record = session.exec(select(DeviceToken)).one()
        assert record.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert device.sync().pulled > 0


def test_the_sixth_enrollment_attempt_gets_429_from_any_worker(hq: HQWorld, tmp_path: Path) -> None:
    server, _world = hq
    second = HQ(url=server.url, tmp=tmp_path)  # another worker process on the same DB
    second.start()
    try:

        def attempt(base: str, code: str) -> requests.Response:
            return requests.post(
                f"{base}{p.API}/enroll",
                json={"code": code, "device_name": "猜码"},
                headers=PROTOCOL,
                timeout=30,
            )

        answers = [attempt(server.base, f"WRONG-CODE-{n:04d}") for n in range(5)]
        assert [a.status_code for a in answers] == [400] * 5
        refused = attempt(second.base, "WRONG-CODE-0005")
        assert refused.status_code == 429 and refused.json()["code"] == "too_many_attempts"
        assert 0 < int(refused.headers["Retry-After"]) <= 900
        # A valid code from the same address waits too: the address is what is limited.
        assert attempt(server.base, server.code_for("li.qiang")).status_code == 429
        with server.db().connect() as connection:
            hits = connection.execute(
                text("SELECT hits FROM hq_rate_limit WHERE key = 'enroll:addr:127.0.0.1'")
            ).scalar_one()
        assert hits == 7
    finally:
        second.close()


def test_successful_enrollments_do_not_use_up_the_limit(hq: HQWorld, tmp_path: Path) -> None:
    server, _world = hq
    for n in range(7):
        enroll_device(server, "zhang.wei", tmp_path / f"d{n}")


def test_a_blob_must_be_an_image_or_a_pdf_of_allowed_size(hq: HQWorld, tmp_path: Path) -> None:
    server, _world = hq
    device = enroll_device(server, "zhang.wei", tmp_path / "zw")
    headers = {**PROTOCOL, "Authorization": f"Bearer {load_token(device.data_dir)}"}

    def upload(data: bytes) -> requests.Response:
        sha = hashlib.sha256(data).hexdigest()
        return requests.put(
            f"{server.base}{p.API}/sync/blobs/{sha}?offset=0&total={len(data)}",
            data=data,
            headers=headers,
            timeout=30,
        )

    fake = b"\xff\xd8 not a photo at all, just bytes that start like a JPEG"
    refused = upload(fake)
    assert refused.status_code == 415 and refused.json()["code"] == "unsupported_blob"
    assert "JPEG, PNG or WebP" in refused.json()["message"]
    truncated = picture("a photo", "JPEG")[:-40]
    assert upload(truncated).status_code == 415
    status = requests.get(
        f"{server.base}{p.API}/sync/blobs/{hashlib.sha256(fake).hexdigest()}/status",
        headers=headers,
        timeout=30,
    ).json()
    assert status["received"] == 0 and not status["complete"]  # nothing kept of it
    assert upload(picture("a photo", "JPEG")).json()["complete"]
    assert upload(picture("a signature")).json()["complete"]
    assert upload(b"%PDF-1.7\n%%EOF\n").json()["complete"]
    server.env[MAX_BYTES_ENV] = "1000"
    server.restart()
    big = picture("a photo", "PNG") + b"\0" * 1000
    too_big = upload(big)
    assert too_big.status_code == 413 and too_big.json()["code"] == "blob_too_large"


def test_every_change_at_hq_has_an_audit_record_naming_user_and_device(
    hq: HQWorld, tmp_path: Path
) -> None:
    server, world = hq
    device = enroll_device(server, "zhang.wei", tmp_path / "zw")
    device.sync()
    work_offline(device, world)
    device.sync()
    with session_scope(server.db()) as session:
        device_id = session.exec(select(DeviceToken.device_id)).one()
        revisions = session.exec(select(Revision)).all()
        trail = {
            (r.table_name, r.row_id, r.version): r for r in session.exec(select(AuditRecord)).all()
        }
        pushed = [r for r in revisions if r.device_id == device_id]
        assert len(pushed) > 8
        for revision in revisions:
            record = trail[(revision.table_name, revision.row_id, revision.version)]
            assert record.device_id == revision.device_id
            assert record.fields == revision.fields
        for revision in pushed:
            record = trail[(revision.table_name, revision.row_id, revision.version)]
            assert record.user_id == world.engineer_id
            assert record.op == ("insert" if revision.fields == "*" else "update")
        assert {r.table_name for r in trail.values() if r.bucket == job_bucket(world.job_id)} >= {
            "job",
            "partusage",
            "signoff",
            "fault",
        }
        # The enrollment itself: the device row and its token, by the user enrolling.
        assert trail[("device", device_id, 1)].user_id == world.engineer_id
        token_audit = session.exec(
            select(AuditRecord).where(AuditRecord.table_name == "hq_device_token")
        ).one()
        assert token_audit.row_id == device_id and token_audit.op == "insert"
        number = session.get(Job, world.job_id).number  # type: ignore[union-attr]
    # A change through the JSON API names the supervisor and their device.
    supervisor = enroll_device(server, "wang.min", tmp_path / "wm")
    created = requests.post(
        f"{server.base}{p.API}/jobs",
        json={"customer_code": "C001", "job_type": "repair", "reported_symptom": "漏油"},
        headers={"Authorization": f"Bearer {load_token(supervisor.data_dir)}"},
        timeout=30,
    )
    assert created.status_code == 201, created.text
    with session_scope(server.db()) as session:
        record = session.exec(
            select(AuditRecord).where(
                AuditRecord.table_name == "job", AuditRecord.row_id == created.json()["id"]
            )
        ).first()
        supervisor_device = session.exec(
            select(DeviceToken.device_id).where(DeviceToken.user_id == world.supervisor_id)
        ).one()
        assert record is not None and record.op == "insert"
        assert (record.user_id, record.device_id) == (world.supervisor_id, supervisor_device)
    listed = hq_cli(server, "audit", "--job", number)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert any("zhang.wei" in line and "signoff" in line and device_id in line for line in lines)
    assert any("partusage" in line and "insert" in line for line in lines)
    mine = hq_cli(server, "audit", "--user", "zhang.wei").stdout.splitlines()
    assert len(mine) >= len(pushed) and all("zhang.wei" in line for line in mine)
    assert hq_cli(server, "audit", "--job", "FW-0000-000000").returncode == 1


def test_a_returned_report_is_reworked_but_its_signed_revision_stays(
    hq: HQWorld, tmp_path: Path
) -> None:
    server, world = hq
    device = enroll_device(server, "zhang.wei", tmp_path / "zw")
    device.sync()
    work_offline(device, world)
    device.sync()
    with session_scope(server.db()) as session:
        usage = session.exec(select(PartUsage).where(PartUsage.job_id == world.job_id)).one()
        sign_off = session.exec(select(SignOff).where(SignOff.job_id == world.job_id)).one()
    with pytest.raises(DBAPIError, match="report_frozen"):
        raw(server, "UPDATE partusage SET quantity = 2 WHERE id = :id", id=usage.id)
    raw(server, "UPDATE job SET status = 'returned' WHERE id = :id", id=world.job_id)
    # The engineer's rework: the live rows move again...
    raw(server, "UPDATE partusage SET quantity = 2 WHERE id = :id", id=usage.id)
    raw(server, "UPDATE job SET amount_cents = 1 WHERE id = :id", id=world.job_id)
    # ...while what the customer signed first never does.
    with pytest.raises(DBAPIError, match="report_frozen"):
        raw(server, "UPDATE signoff SET content = '{}' WHERE id = :id", id=sign_off.id)
    raw(server, "UPDATE job SET status = 'signed' WHERE id = :id", id=world.job_id)
    with pytest.raises(DBAPIError, match="report_frozen"):
        raw(server, "UPDATE partusage SET quantity = 3 WHERE id = :id", id=usage.id)
