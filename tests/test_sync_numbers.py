"""Job numbers for jobs created offline, end to end against a real HQ (§8.6), and the
supervisor's new customer created offline with its first job (§4.6)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from fieldapp.clock import new_id, utcnow
from fieldapp.models import (
    Contact,
    Customer,
    CustomerSite,
    Job,
    JobEvent,
    Machine,
    OutboxEntry,
    RejectedChange,
    User,
)
from fieldapp.numbering import (
    NumberBlock,
    allocate_job_number,
    held_blocks,
    is_provisional,
    job_number,
    parse_job_number,
    unused_numbers,
)
from sync import protocol as p
from sync.client import DEVICE_ID
from sync.hq.db import session_scope
from sync.hq.models import CustomerCreator, JobNumberBlock
from sync.hq.numbers import BLOCK_ENV, DEFAULT_BLOCK, block_size, next_job_number
from tests.factories import NOW, World
from tests.sync_support import HQ, DeviceUnderTest, enroll_device

HQWorld = tuple[HQ, World]


def team_of(server: HQ, login: str) -> str:
    with session_scope(server.db()) as session:
        user = session.exec(select(User).where(User.login == login)).one()
        assert user.team_id is not None
        return user.team_id


def create_job(
    device: DeviceUnderTest,
    world: World,
    *,
    team_id: str,
    customer_id: str | None = None,
    machine_id: str | None = None,
    assignee_id: str | None = None,
    number: str | None = None,
) -> Job:
    """A job as the supervisor's device creates it: the number from the device's own
    block (or provisional), in the job's own transaction."""
    with device.store.action() as session:
        job = Job(
            number=number
            or allocate_job_number(
                session, device_id=device.store.get_setting(DEVICE_ID), year=utcnow().year
            ),
            job_type="repair",
            status="assigned" if assignee_id else "new",
            customer_id=customer_id or world.customer_id,
            machine_id=machine_id or world.machine_id,
            team_id=team_id,
            assignee_id=assignee_id,
            received_at=NOW,
            reported_symptom="回转无力",
        )
        session.add(job)
        session.flush()
        if assignee_id:
            session.add(
                JobEvent(
                    job_id=job.id,
                    kind="assigned",
                    from_status="new",
                    to_status="assigned",
                    actor_id=world.supervisor_id,
                    occurred_at=NOW,
                    data=json.dumps({"assignee_id": assignee_id}),
                )
            )
        return job


def hq_numbers(server: HQ) -> dict[str, str]:
    with session_scope(server.db()) as session:
        return {job.id: job.number for job in session.exec(select(Job)).all()}


def device_blocks(device: DeviceUnderTest) -> list[NumberBlock]:
    with device.store.reader() as session:
        return held_blocks(session)


def hq_blocks(server: HQ, device: DeviceUnderTest) -> list[JobNumberBlock]:
    with session_scope(server.db()) as session:
        return list(
            session.exec(
                select(JobNumberBlock).where(
                    JobNumberBlock.device_id == device.store.get_setting(DEVICE_ID)
                )
            ).all()
        )


def in_blocks(number: str, blocks: list[JobNumberBlock]) -> bool:
    parsed = parse_job_number(number)
    assert parsed is not None, number
    year, value = parsed
    return any(b.year == year and b.first <= value <= b.last for b in blocks)


def push_raw(
    device: DeviceUnderTest, table: str, row_id: str, fields: dict[str, Any]
) -> list[p.MutationResult]:
    """One insert pushed as a device's own outbox would not send it."""
    client = device.client()
    try:
        body = client.hq.post(
            f"{p.API}/sync/push",
            p.PushRequest(
                batch_id=new_id(),
                mutations=[
                    p.Mutation(
                        mutation_id=new_id(),
                        table=table,
                        row_id=row_id,
                        op="insert",
                        fields=fields,
                        base_version=0,
                    )
                ],
            ).model_dump(mode="json"),
        )
    finally:
        client.close()
    return p.PushResponse.model_validate(body).results


def rejections(device: DeviceUnderTest) -> dict[str, str]:
    with device.store.reader() as session:
        return {r.row_id: r.code for r in session.exec(select(RejectedChange)).all()}


def test_two_supervisor_devices_number_offline_jobs_uniquely(hq: HQWorld, tmp_path: Path) -> None:
    server, world = hq
    team = team_of(server, "wang.min")
    laptop = enroll_device(server, "wang.min", tmp_path / "wm-laptop")
    tablet = enroll_device(server, "wang.min", tmp_path / "wm-tablet")
    engineer = enroll_device(server, "zhang.wei", tmp_path / "zw")
    for device in (laptop, tablet, engineer):
        device.sync()
    # Each device holds a block of its own; an engineer's too (follow-up jobs).
    mine, theirs = device_blocks(laptop), device_blocks(tablet)
    assert [b.size for b in mine] == [DEFAULT_BLOCK] and [b.size for b in theirs] == [DEFAULT_BLOCK]
    assert device_blocks(engineer)
    laptop_numbers = {n for b in mine for n in range(b.first, b.last + 1)}
    assert laptop_numbers.isdisjoint({n for b in theirs for n in range(b.first, b.last + 1)})

    server.stop()  # both work offline
    jobs = [create_job(d, world, team_id=team) for d in (laptop, tablet) for _ in range(3)]
    assert not any(is_provisional(j.number) for j in jobs)
    server.start()
    for device in (laptop, tablet):
        report = device.sync()
        assert report.rejected == 0
    at_hq = hq_numbers(server)
    created = [at_hq[j.id] for j in jobs]
    assert created == [j.number for j in jobs]  # kept as the devices gave them
    assert len(set(at_hq.values())) == len(at_hq)
    assert all(in_blocks(n, hq_blocks(server, laptop)) for n in created[:3])
    assert all(in_blocks(n, hq_blocks(server, tablet)) for n in created[3:])
    # 17 left of 20: no new block yet (a new one comes below half).
    assert len(hq_blocks(server, laptop)) == 1
    with laptop.store.reader() as session:
        assert unused_numbers(session, utcnow().year) == DEFAULT_BLOCK - 3
    # A job HQ's JSON API creates meanwhile never takes a reserved number.
    held = {
        job_number(b.year, n)
        for d in (laptop, tablet)
        for b in hq_blocks(server, d)
        for n in range(b.first, b.last + 1)
    }
    with session_scope(server.db()) as session:
        assert next_job_number(session, utcnow().year) not in held


def test_a_used_up_block_gives_provisional_numbers_that_hq_replaces(
    hq: HQWorld, tmp_path: Path
) -> None:
    server, world = hq
    server.env[BLOCK_ENV] = "4"
    server.restart()
    team = team_of(server, "wang.min")
    device = enroll_device(server, "wang.min", tmp_path / "wm")
    engineer = enroll_device(server, "zhang.wei", tmp_path / "zw")
    device.sync()
    assert [b.size for b in device_blocks(device)] == [4]
    jobs = [
        create_job(device, world, team_id=team, assignee_id=world.engineer_id) for _ in range(6)
    ]
    numbers = [j.number for j in jobs]
    assert not any(is_provisional(n) for n in numbers[:4])
    prefix = device.store.get_setting(DEVICE_ID)[:8]
    assert numbers[4:] == [f"~{prefix}-1", f"~{prefix}-2"]
    # A later change of a provisional job names it by id, never by its number.
    with device.store.action() as session:
        later = session.get(Job, jobs[5].id)
        assert later is not None
        later.urgency = "urgent"
    with device.store.reader() as session:
        (insert,) = session.exec(
            select(OutboxEntry).where(OutboxEntry.row_id == jobs[4].id, OutboxEntry.op == "insert")
        ).all()
    report = device.sync()
    assert report.rejected == 0
    at_hq = hq_numbers(server)
    real = [at_hq[j.id] for j in jobs]
    assert real[:4] == numbers[:4]
    assert not any(is_provisional(n) for n in real) and len(set(at_hq.values())) == len(at_hq)
    assert not any(in_blocks(n, hq_blocks(server, device)) for n in real[4:])
    with device.store.reader() as session:
        local = {j.id: j for j in session.exec(select(Job)).all()}
    # The device took HQ's numbers; the later change arrived on the same job.
    assert [local[j.id].number for j in jobs] == real
    assert local[jobs[5].id].urgency == "urgent"
    with session_scope(server.db()) as session:
        assert session.get(Job, jobs[5].id).urgency == "urgent"  # type: ignore[union-attr]
    # The block was used up: the same sync's pull brought a new one.
    with device.store.reader() as session:
        assert unused_numbers(session, utcnow().year) == 4
    assert len(hq_blocks(server, device)) == 2
    # The assigned engineer gets the jobs under HQ's numbers.
    engineer.sync()
    with engineer.store.reader() as session:
        theirs = {j.id: j.number for j in session.exec(select(Job)).all()}
    assert all(theirs[j.id] == at_hq[j.id] for j in jobs)
    # The provisional job's insert sent again (a re-created outbox: a new mutation id) is
    # the same row as HQ's, under its real number: a no-op, not an id conflict.
    (result,) = push_raw(device, "job", jobs[4].id, json.loads(insert.fields))
    assert (result.status, result.code) == ("applied", "")
    assert result.row is not None and result.row["number"] == real[4]
    assert hq_numbers(server) == at_hq


def test_a_forged_number_is_rejected_number_taken(hq: HQWorld, tmp_path: Path) -> None:
    server, world = hq
    team = team_of(server, "wang.min")
    laptop = enroll_device(server, "wang.min", tmp_path / "wm-laptop")
    tablet = enroll_device(server, "wang.min", tmp_path / "wm-tablet")
    laptop.sync()
    tablet.sync()
    (other,) = device_blocks(tablet)
    year = other.year
    own = create_job(laptop, world, team_id=team)
    stolen = create_job(laptop, world, team_id=team, number=job_number(year, other.first))
    nobodys = create_job(laptop, world, team_id=team, number=job_number(year, 990_000))
    odd = create_job(laptop, world, team_id=team, number="X-1")
    report = laptop.sync()
    assert report.rejected == 3
    codes = rejections(laptop)
    assert codes[stolen.id] == codes[nobodys.id] == codes[odd.id] == "number_taken"
    assert own.id not in codes
    at_hq = hq_numbers(server)
    assert own.id in at_hq and stolen.id not in at_hq and nobodys.id not in at_hq
    # A number of its own block that a job holds already (a crafted push).
    fields = {
        "number": own.number,
        "job_type": "repair",
        "customer_id": world.customer_id,
        "team_id": team,
        "received_at": NOW.isoformat(),
    }
    (result,) = push_raw(laptop, "job", new_id(), fields)
    assert (result.status, result.code) == ("rejected", "number_taken")
    # The tablet still uses its first number: nobody took it.
    fresh = create_job(tablet, world, team_id=team)
    assert fresh.number == job_number(year, other.first)
    assert tablet.sync().rejected == 0
    assert hq_numbers(server)[fresh.id] == fresh.number


def test_a_supervisor_creates_a_customer_machine_and_job_offline(
    hq: HQWorld, tmp_path: Path
) -> None:
    server, world = hq
    team = team_of(server, "wang.min")
    supervisor = enroll_device(server, "wang.min", tmp_path / "wm")
    engineer = enroll_device(server, "zhang.wei", tmp_path / "zw")
    supervisor.sync()
    engineer.sync()
    server.stop()
    with supervisor.store.action() as session:
        customer = Customer(
            code=f"N-{new_id()[:8]}",
            name="巢湖建工",
            region_id=world.region_id,
            phone="13905519999",
            contact_name="陈志强",
        )
        session.add(customer)
        session.flush()
        site = CustomerSite(customer_id=customer.id, name="巢湖北岸工地", address="巢湖市")
        contact = Contact(customer_id=customer.id, name="陈志强", phone="13905519999")
        session.add_all([site, contact])
        session.flush()
        machine = Machine(
            customer_id=customer.id,
            site_id=site.id,
            model_id=world.model_id,
            serial="ZY2102026C0042",
        )
        session.add(machine)
    # The customer goes up in one sync, its machine and job in a later one: the
    # customer stays the supervisor's in between.
    server.start()
    assert supervisor.sync().rejected == 0
    with supervisor.store.reader() as session:
        assert session.get(Customer, customer.id) is not None
    with session_scope(server.db()) as session:
        creator = session.get(CustomerCreator, customer.id)
        assert creator is not None and creator.user_id == world.supervisor_id
    with supervisor.store.action() as session:
        row = session.get(Customer, customer.id)
        assert row is not None
        row.notes = "新客户，电话预约"
    job = create_job(
        supervisor,
        world,
        team_id=team,
        customer_id=customer.id,
        machine_id=machine.id,
        assignee_id=world.engineer_id,
    )
    report = supervisor.sync()
    assert report.rejected == 0, rejections(supervisor)
    with session_scope(server.db()) as session:
        at_hq = session.get(Job, job.id)
        assert at_hq is not None and at_hq.number == job.number
        assert session.get(Machine, machine.id) is not None
        assert session.get(Customer, customer.id).notes == "新客户，电话预约"  # type: ignore[union-attr]
    # The engineer the job is assigned to gets it with the customer's file.
    engineer.sync()
    with engineer.store.reader() as session:
        assert session.get(Job, job.id) is not None
        held = session.get(Customer, customer.id)
        assert held is not None and held.name == "巢湖建工"
        assert session.get(Machine, machine.id) is not None
        assert session.get(CustomerSite, site.id) is not None
        assert session.get(Contact, contact.id) is not None
    # Both devices hold what HQ holds (the checksums agree after a full verify).
    assert supervisor.sync(full_verify=True).repaired_buckets == []
    assert engineer.sync(full_verify=True).repaired_buckets == []


def test_an_engineer_cannot_insert_a_customer(hq: HQWorld, tmp_path: Path) -> None:
    server, world = hq
    engineer = enroll_device(server, "zhang.wei", tmp_path / "zw")
    engineer.sync()
    with engineer.store.action() as session:
        customer = Customer(code="N-ENG", name="私自添加", region_id=world.region_id)
        session.add(customer)
        session.flush()
        machine = Machine(customer_id=customer.id, model_id=world.model_id, serial="ENG-0001")
        session.add(machine)
    report = engineer.sync()
    codes = rejections(engineer)
    assert report.rejected == 2
    assert codes[customer.id] == "forbidden" and codes[machine.id] == "forbidden"
    with session_scope(server.db()) as session:
        assert session.get(Customer, customer.id) is None
        assert session.exec(select(CustomerCreator)).all() == []


@pytest.mark.parametrize("size", ["0", "1001", "many"])
def test_the_block_size_is_checked(size: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(BLOCK_ENV, size)
    with pytest.raises(ValueError):
        block_size()
    monkeypatch.setenv(BLOCK_ENV, "50")
    assert block_size() == 50


def test_concurrent_pulls_of_one_device_reserve_one_block(hq: HQWorld, tmp_path: Path) -> None:
    """A pull retried while HQ still answers the first (a slow network) must not take a
    second block: the reserve is checked again under the counter's lock."""
    server, _world = hq
    device = enroll_device(server, "wang.min", tmp_path / "wm")
    request = p.PullRequest(cursor=0, limit=1).model_dump(mode="json")

    def pull(_n: int) -> list[p.JobNumberBlock]:
        client = device.client()
        try:
            return p.PullResponse.model_validate(
                client.hq.post(f"{p.API}/sync/pull", request)
            ).job_number_blocks
        finally:
            client.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(pull, range(4)))
    (block,) = hq_blocks(server, device)
    assert block.last - block.first + 1 == DEFAULT_BLOCK
    # Every answer names the one block, also those of the pulls that waited for it.
    expected = [p.JobNumberBlock(year=block.year, first=block.first, last=block.last)]
    assert answers == [expected] * 4
