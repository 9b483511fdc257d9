"""Random edits on three devices and at HQ, random partial syncs, then a full sync:
every replica equals HQ, nothing is lost, stock is the sum of its movements, and every
signed report still verifies (a hypothesis stateful test against a real HQ)."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlmodel import Session, col, select

from fieldapp import services
from fieldapp.blobs import BlobStore
from fieldapp.models import (
    Customer,
    Job,
    OutboxEntry,
    SignOff,
    StockMovement,
    TimeEntry,
    User,
)
from fieldapp.models.enums import JobEventKind as E
from fieldapp.models.enums import JobStatus
from fieldapp.rules import jobflow
from fieldapp.rules.report_hash import verify_report
from fieldapp.services.common import DomainError
from sync.client import SyncClient
from sync.hq.db import session_scope
from sync.hq.models import AppliedMutation
from tests.factories import NOW, World
from tests.sync_support import HQ, DeviceUnderTest, enroll_device, picture, table_dump

HQWorld = tuple[HQ, World]
STEPS = (E.ACCEPTED, E.DEPARTED, E.ARRIVED)
counter = itertools.count()


class Interrupted(Exception):
    """Stops a pull after some pages, as a lost connection would."""


def stop_after(pages: int) -> Any:
    seen = {"pull": 0}

    def progress(phase: str, _done: int, _total: int) -> None:
        if phase == "pull":
            seen["pull"] += 1
            if seen["pull"] > pages:
                raise Interrupted

    return progress


class SyncMachine(RuleBasedStateMachine):
    server: HQ
    world: World
    root: Path

    @initialize()
    def start(self) -> None:
        example = next(counter)
        self.jobs: list[str] = []
        with session_scope(self.server.db()) as session:
            supervisor = session.get(User, self.world.supervisor_id)
            customer = Customer(
                code=f"S{example:04d}",
                name=f"测试客户{example}",
                region_id=self.world.region_id,
                phone="13900000000",
            )
            session.add(customer)
            session.flush()
            for engineer_id in (self.world.engineer_id, self.world.other_engineer_id):
                job = Job(
                    number=f"ST-{example:04d}-{len(self.jobs)}",
                    job_type="repair",
                    status="new",
                    customer_id=customer.id,
                    machine_id=self.world.machine_id,
                    received_at=NOW,
                    reported_symptom="回转异响",
                    customer_request="尽快",
                )
                session.add(job)
                session.flush()
                engineer = session.get(User, engineer_id)
                assert supervisor and engineer
                services.transition(session, job, E.ASSIGNED, supervisor, assignee=engineer)
                self.jobs.append(job.id)
            self.customer_id = customer.id
        base = self.root / f"example{example}"
        self.devices = [
            enroll_device(self.server, "zhang.wei", base / "zw-laptop"),
            enroll_device(self.server, "zhang.wei", base / "zw-tablet"),
            enroll_device(self.server, "li.qiang", base / "lq"),
        ]
        self.skew = [timedelta(0), timedelta(days=-3), timedelta(days=9)]  # wrong clocks
        self.mutations: set[str] = set()
        for device in self.devices:
            device.sync()

    # --- what happens on devices ------------------------------------------------------

    def _now(self, index: int) -> datetime:
        return datetime.now(UTC) + self.skew[index]

    def _my_jobs(self, session: Session, device: DeviceUnderTest) -> list[Job]:
        me = session.exec(select(User).where(User.login == device.login)).one()
        return list(
            session.exec(
                select(Job).where(Job.assignee_id == me.id, col(Job.id).in_(self.jobs))
            ).all()
        )

    @rule(index=st.integers(0, 2), data=st.data())
    def engineer_advances_or_signs(self, index: int, data: st.DataObject) -> None:
        device = self.devices[index]
        signature = BlobStore(device.data_dir / "blobs").put(picture(f"sig {index}"))
        with device.store.action() as session:
            jobs = self._my_jobs(session, device)
            if not jobs:
                return
            job = data.draw(st.sampled_from(jobs))
            engineer = session.get(User, job.assignee_id)
            assert engineer
            now = self._now(index)
            if job.status == JobStatus.ON_SITE:
                session.add(TimeEntry(job_id=job.id, user_id=engineer.id, minutes=45))
                services.sign_job(
                    session, job, engineer, signer_name="客户", signature_sha256=signature, now=now
                )
                return
            for action in STEPS:
                if jobflow.find_transition(action, job.status):
                    services.transition(session, job, action, engineer, now=now)
                    return

    @rule(index=st.integers(0, 2), phone=st.integers(0, 9999))
    def engineer_corrects_the_customer_phone(self, index: int, phone: int) -> None:
        device = self.devices[index]
        with device.store.action() as session:
            customer = session.get(Customer, self.customer_id)
            if customer is not None:
                customer.phone = f"1385551{phone:04d}"

    @rule(index=st.integers(0, 2), days=st.integers(1, 5))
    def engineer_agrees_a_new_time(self, index: int, days: int) -> None:
        device = self.devices[index]
        with device.store.action() as session:
            for job in self._my_jobs(session, device):
                engineer = session.get(User, job.assignee_id)
                assert engineer
                try:
                    services.reschedule(
                        session,
                        job,
                        engineer,
                        NOW + timedelta(days=days),
                        "客户改时间",
                        now=self._now(index),
                    )
                except DomainError:
                    continue
                return

    # --- what happens at HQ -------------------------------------------------------------

    @rule(data=st.data())
    def supervisor_reassigns(self, data: st.DataObject) -> None:
        job_id = data.draw(st.sampled_from(self.jobs))
        with session_scope(self.server.db()) as session:
            job = session.get(Job, job_id)
            supervisor = session.get(User, self.world.supervisor_id)
            assert job and supervisor
            other = (
                self.world.other_engineer_id
                if job.assignee_id == self.world.engineer_id
                else self.world.engineer_id
            )
            if jobflow.find_transition(E.ASSIGNED, job.status):
                services.transition(
                    session, job, E.ASSIGNED, supervisor, assignee=session.get(User, other)
                )

    @rule(data=st.data())
    def supervisor_cancels(self, data: st.DataObject) -> None:
        job_id = data.draw(st.sampled_from(self.jobs))
        with session_scope(self.server.db()) as session:
            job = session.get(Job, job_id)
            supervisor = session.get(User, self.world.supervisor_id)
            assert job and supervisor
            if jobflow.find_transition(E.CANCELLED, job.status):
                services.transition(session, job, E.CANCELLED, supervisor, reason="客户取消")

    @rule(phone=st.integers(0, 9999))
    def office_changes_the_customer_phone(self, phone: int) -> None:
        with session_scope(self.server.db()) as session:
            customer = session.get(Customer, self.customer_id)
            assert customer
            customer.phone = f"1395551{phone:04d}"

    @rule(quantity=st.integers(1, 5))
    def warehouse_sends_parts_to_the_van(self, quantity: int) -> None:
        with session_scope(self.server.db()) as session:
            session.add(
                StockMovement(
                    part_id=self.world.filter_id,
                    location_id=self.world.van_id,
                    quantity=quantity,
                    kind="transfer_in",
                    moved_at=NOW,
                )
            )

    # --- syncs, partial and whole -------------------------------------------------------

    def _remember_outbox(self, device: DeviceUnderTest) -> None:
        with device.store.reader() as session:
            self.mutations.update(session.exec(select(OutboxEntry.mutation_id)).all())

    @rule(
        index=st.integers(0, 2),
        how=st.sampled_from(["push", "pages", "full"]),
        pages=st.integers(0, 3),
        size=st.sampled_from([2, 5, 50]),
    )
    def sync(self, index: int, how: str, pages: int, size: int) -> None:
        device = self.devices[index]
        self._remember_outbox(device)
        progress = stop_after(pages) if how == "pages" else None
        client = SyncClient(device.store, device.data_dir, page_size=size, progress=progress)
        try:
            if how == "push":
                from sync.client import SyncReport

                report = SyncReport()
                client.upload_blobs(report)
                client.push(report)
            else:
                client.sync()
        except Interrupted:
            pass
        finally:
            client.close()

    @invariant()
    def signed_reports_verify_everywhere(self) -> None:
        if not hasattr(self, "devices"):
            return
        for device in self.devices:
            with device.store.reader() as session:
                for sign_off in session.exec(select(SignOff)).all():
                    assert verify_report(sign_off.content, sign_off.report_hash)

    # --- the end: everything synced ---------------------------------------------------

    def teardown(self) -> None:
        if not hasattr(self, "devices"):
            return
        for _round in range(3):
            for device in self.devices:
                self._remember_outbox(device)
                device.sync(full_verify=True)
        for device in self.devices:
            report = device.sync(full_verify=True)
            assert report.repaired_buckets == [] and report.pushed == 0
            assert device.store.pending_changes() == {}
        self._check_replicas()

    def _check_replicas(self) -> None:
        hq_dump = table_dump(self.server.db(), skip=frozenset())
        hq_rows = {table: {dict(row)["id"]: row for row in rows} for table, rows in hq_dump.items()}
        for device in self.devices:
            for table, rows in table_dump(device.store.engine, skip=frozenset()).items():
                for row in rows:
                    row_id = dict(row)["id"]
                    assert hq_rows[table].get(row_id) == row, (device.login, table, row_id)
        with session_scope(self.server.db()) as session:
            answered = set(session.exec(select(AppliedMutation.mutation_id)).all())
            assert self.mutations <= answered  # every local change reached HQ, once
            for result in session.exec(select(AppliedMutation.result)).all():
                assert json.loads(result)["status"] in {"applied", "rejected"}
            for sign_off in session.exec(select(SignOff)).all():
                assert verify_report(sign_off.content, sign_off.report_hash)
            # Stock is the sum of movements, the same on HQ and on both of his devices.
            at_hq = services.stock_on_hand(session, self.world.van_id)
        for device in self.devices[:2]:
            with device.store.reader() as session:
                if session.get(User, self.world.engineer_id) is not None:
                    assert services.stock_on_hand(session, self.world.van_id) == at_hq
        # Every job on a device is one its engineer holds, or the service history.
        for device in self.devices:
            with device.store.reader() as session:
                me = session.exec(select(User).where(User.login == device.login)).one()
                for job in session.exec(select(Job).where(col(Job.id).in_(self.jobs))).all():
                    finished = job.status in {"signed", "returned", "approved", "closed"}
                    assert job.assignee_id == me.id or finished, (device.login, job.number)


@pytest.mark.slow
def test_random_offline_edits_and_partial_syncs_converge(hq: HQWorld, tmp_path: Path) -> None:
    server, world = hq
    SyncMachine.server = server
    SyncMachine.world = world
    SyncMachine.root = tmp_path
    run_state_machine_as_test(
        SyncMachine,
        settings=settings(
            max_examples=12,
            stateful_step_count=18,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
