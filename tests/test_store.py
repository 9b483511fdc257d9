"""The local store: durable writes, the outbox, and the guards of signed reports."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from fieldapp.guards import FrozenReportError
from fieldapp.models import Fault, Job, JobEvent, OutboxEntry, Region, SignOff
from fieldapp.models.enums import JobEventKind as E
from fieldapp.store import AppendOnlyError, Store
from tests.factories import NOW, World


def test_pragmas_for_durability(store: Store) -> None:
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_insert_update_and_soft_delete_are_captured_in_the_outbox(store: Store) -> None:
    with store.action() as session:
        region = Region(code="JS", name_zh="江苏", grade="B")
        session.add(region)
    with store.action() as session:
        row = session.get(Region, region.id)
        assert row is not None
        row.name_en = "Jiangsu"
        row.version = 7  # bookkeeping alone is not a change
    with store.action() as session:
        row = session.get(Region, region.id)
        assert row is not None
        row.deleted_at = NOW
    with store.reader() as session:
        entries = session.exec(select(OutboxEntry).order_by(OutboxEntry.seq)).all()
    assert [e.op for e in entries] == ["insert", "update", "delete"]
    inserted = json.loads(entries[0].fields)
    assert inserted["code"] == "JS" and inserted["id"] == region.id and inserted["grade"] == "B"
    assert json.loads(entries[1].fields) == {"name_en": "Jiangsu"}
    assert entries[1].base_version == 7
    assert set(json.loads(entries[2].fields)) == {"deleted_at"}
    assert len({e.mutation_id for e in entries}) == 3
    assert store.pending_changes() == {"region": 3}
    assert store.counts()["region"] == 0  # soft-deleted rows are not counted


def test_rows_from_hq_are_not_changes_to_send(store: Store, world: World) -> None:
    assert store.pending_changes() == {}
    assert store.counts()["job"] == 1


def test_a_failed_action_leaves_nothing_behind(store: Store) -> None:
    with pytest.raises(RuntimeError), store.action() as session:
        session.add(Region(code="XZ", name_zh="西藏"))
        session.flush()
        raise RuntimeError("the user's action failed half-way")
    assert store.counts()["region"] == 0
    assert store.pending_changes() == {}


def test_hard_deletes_and_edits_of_append_only_rows_are_refused(store: Store, world: World) -> None:
    with store.action() as session:
        event = JobEvent(job_id=world.job_id, kind="accepted", occurred_at=NOW)
        session.add(event)
    with pytest.raises(AppendOnlyError), store.action() as session:
        row = session.get(JobEvent, event.id)
        assert row is not None
        row.note = "rewritten history"
    with pytest.raises(AppendOnlyError), store.action() as session:
        region = session.get(Region, world.region_id)
        session.delete(region)
    with store.reader() as session:
        assert session.get(JobEvent, event.id).note == ""  # type: ignore[union-attr]


WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from fieldapp.models import Region
    from fieldapp.store import Store
    store = Store.open(Path(sys.argv[1]))
    for n in range(1000):
        with store.action() as session:
            session.add(Region(code=f"R{n}", name_zh=f"区域{n}"))
        print(n, flush=True)  # the UI would say "saved" here
    time.sleep(60)
    """
)


def test_every_saved_action_survives_a_kill_9(tmp_path: Path) -> None:
    """A writer is killed without warning; every action it reported saved is there."""
    Store.open(tmp_path).close()  # migrate first, as the app does at start
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    saved = -1
    for line in process.stdout:
        saved = int(line)
        if saved == 150:
            break
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    process.stdout.close()
    store = Store.open(tmp_path)
    try:
        count = store.counts()["region"]
        assert count >= saved + 1
        assert store.pending_changes()["region"] == count  # each row with its outbox entry
        assert store.integrity_ok()
    finally:
        store.close()


def test_frozen_guard_refuses_changes_to_a_signed_report(store: Store, world: World) -> None:
    from fieldapp import services
    from fieldapp.models import User

    with store.action() as session:
        job = session.get(Job, world.job_id)
        engineer = session.get(User, world.engineer_id)
        assert job and engineer
        for action in (E.ACCEPTED, E.DEPARTED, E.ARRIVED):
            services.transition(session, job, action, engineer, now=NOW)
        session.add(Fault(job_id=job.id, assembly="hydraulic_pump", symptom="主泵异响", fixed=True))
        services.sign_job(
            session, job, engineer, signer_name="刘建国", signature_sha256="e" * 64, now=NOW
        )
    with pytest.raises(FrozenReportError), store.action() as session:
        session.add(Fault(job_id=world.job_id, assembly="engine", symptom="事后补录"))
    with pytest.raises(FrozenReportError), store.action() as session:
        job = session.get(Job, world.job_id)
        assert job
        job.reported_symptom = "改过的故障现象"
    with pytest.raises(FrozenReportError), store.action(track=False) as session:  # HQ-side too
        sign_off = session.exec(select(SignOff)).one()
        sign_off.opinion = "改过的意见"
    with store.action(track=False) as session:
        job = session.get(Job, world.job_id)
        supervisor = session.get(User, world.supervisor_id)
        assert job and supervisor
        services.transition(session, job, E.APPROVED, supervisor, now=NOW + timedelta(hours=1))
    with store.reader() as session:
        assert session.get(Job, world.job_id).status == "approved"  # type: ignore[union-attr]
        assert len(session.exec(select(Fault)).all()) == 1
