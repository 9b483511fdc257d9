"""Job numbers on the device: the reserved blocks, provisional numbers, crash safety."""

from __future__ import annotations

import pytest
from sqlmodel import select

from fieldapp.models import Job, LocalSetting, OutboxEntry, User
from fieldapp.numbering import (
    BLOCKS_KEY,
    NumberBlock,
    allocate_job_number,
    held_blocks,
    is_provisional,
    job_number,
    parse_job_number,
    provisional_number,
    store_blocks,
    unused_numbers,
)
from fieldapp.services.common import DomainError
from fieldapp.services.report import sign_job
from fieldapp.store import Store
from tests.factories import World

DEVICE = "3f2a9c1e-5b7d-4e11-9a0c-2d4b6f8e0a13"


def allocate(store: Store, year: int = 2026) -> str:
    with store.action() as session:
        return allocate_job_number(session, device_id=DEVICE, year=year)


def test_numbers_come_from_the_blocks_in_order(store: Store) -> None:
    with store.action(track=False) as session:
        store_blocks(
            session,
            device_id=DEVICE,
            blocks=[NumberBlock(2026, 121, 122), NumberBlock(2026, 101, 103)],
        )
    numbers = [allocate(store) for _ in range(5)]
    assert numbers == [
        "FW-2026-000101",
        "FW-2026-000102",
        "FW-2026-000103",
        "FW-2026-000121",
        "FW-2026-000122",
    ]
    with store.reader() as session:
        assert unused_numbers(session, 2026) == 0
        assert held_blocks(session) == []  # used-up blocks are dropped


def test_provisional_numbers_when_the_block_is_used_up(store: Store) -> None:
    with store.action(track=False) as session:
        store_blocks(session, device_id=DEVICE, blocks=[NumberBlock(2026, 7, 7)])
    assert allocate(store) == "FW-2026-000007"
    first, second = allocate(store), allocate(store)
    assert first == "~3f2a9c1e-1" and second == "~3f2a9c1e-2"
    assert is_provisional(first) and not is_provisional("FW-2026-000007")
    # A new block after the next sync is used again before any provisional number.
    with store.action(track=False) as session:
        store_blocks(session, device_id=DEVICE, blocks=[NumberBlock(2026, 50, 51)])
    assert allocate(store) == "FW-2026-000050"


def test_a_block_of_another_year_is_not_used(store: Store) -> None:
    with store.action(track=False) as session:
        store_blocks(session, device_id=DEVICE, blocks=[NumberBlock(2026, 1, 20)])
    # New Year's morning before the next sync: no 2027 block yet.
    assert allocate(store, 2027) == "~3f2a9c1e-1"
    assert allocate(store, 2026) == "FW-2026-000001"
    with store.reader() as session:
        assert unused_numbers(session, 2026) == 19
        assert unused_numbers(session, 2027) == 0


def test_a_block_sent_again_keeps_its_position(store: Store) -> None:
    block = NumberBlock(2026, 101, 110)
    with store.action(track=False) as session:
        store_blocks(session, device_id=DEVICE, blocks=[block])
    allocate(store)
    allocate(store)
    # HQ sends every open block of the device at each sync.
    with store.action(track=False) as session:
        store_blocks(session, device_id=DEVICE, blocks=[block, NumberBlock(2026, 111, 120)])
    assert allocate(store) == "FW-2026-000103"
    with store.reader() as session:
        assert unused_numbers(session, 2026) == 17


def test_a_number_already_on_the_device_is_skipped(store: Store, world: World) -> None:
    with store.action(track=False) as session:
        job = session.get(Job, world.job_id)
        assert job is not None
        job.number = "FW-2026-000101"
        store_blocks(session, device_id=DEVICE, blocks=[NumberBlock(2026, 101, 102)])
    assert allocate(store) == "FW-2026-000102"


def test_the_number_is_kept_only_with_the_transaction(store: Store) -> None:
    """A job that was never saved (the action failed) gives its number back; a saved
    one keeps it: the block record is in the job's own transaction."""
    with store.action(track=False) as session:
        store_blocks(session, device_id=DEVICE, blocks=[NumberBlock(2026, 1, 5)])
    with pytest.raises(RuntimeError), store.action() as session:
        assert allocate_job_number(session, device_id=DEVICE, year=2026) == "FW-2026-000001"
        raise RuntimeError("power cut before the commit")
    assert allocate(store) == "FW-2026-000001"
    assert allocate(store) == "FW-2026-000002"
    with store.reader() as session:
        assert unused_numbers(session, 2026) == 3
        # The bookkeeping is local: nothing of it goes to HQ.
        assert session.exec(select(OutboxEntry)).all() == []
        assert session.get(LocalSetting, BLOCKS_KEY) is not None


def test_provisional_numbers_skip_ones_in_use_and_fit_the_column(
    store: Store, world: World
) -> None:
    with store.action(track=False) as session:
        job = session.get(Job, world.job_id)
        assert job is not None
        job.number = provisional_number(DEVICE, 1)
    assert allocate(store) == "~3f2a9c1e-2"
    assert provisional_number(None, 3) == "~local-3"
    assert len(provisional_number(DEVICE, 10**9)) <= 24


def test_formatting_and_bad_blocks(store: Store) -> None:
    assert job_number(2026, 42) == "FW-2026-000042"
    assert parse_job_number("FW-2026-000042") == (2026, 42)
    assert parse_job_number("~3f2a9c1e-1") is None
    with pytest.raises(ValueError), store.action(track=False) as session:
        store_blocks(session, [NumberBlock(2026, 10, 9)], device_id=DEVICE)
    assert NumberBlock(2026, 101, 120).size == 20


def test_a_report_is_not_signed_under_a_provisional_number(store: Store, world: World) -> None:
    with store.action() as session:
        job = session.get(Job, world.job_id)
        engineer = session.get(User, world.engineer_id)
        assert job is not None and engineer is not None
        job.number = allocate_job_number(session, device_id=DEVICE, year=2026)
        assert is_provisional(job.number)
    with pytest.raises(DomainError) as refused, store.action() as session:
        job = session.get(Job, world.job_id)
        engineer = session.get(User, world.engineer_id)
        assert job is not None and engineer is not None
        sign_job(session, job, engineer, signer_name="刘建国", signature_sha256="a" * 64)
    assert refused.value.code == "provisional_number"


def test_blocks_of_an_earlier_enrollment_are_not_used(store: Store) -> None:
    with store.action(track=False) as session:
        store_blocks(session, [NumberBlock(2026, 1, 5)], device_id="old-device-id")
    # Enrolled again: a new device id, whose numbers HQ has not reserved yet.
    assert allocate(store) == "~3f2a9c1e-1"
    with store.action(track=False) as session:
        store_blocks(session, [NumberBlock(2026, 30, 31)], device_id=DEVICE)
        assert held_blocks(session) == [NumberBlock(2026, 30, 31)]
    assert allocate(store) == "FW-2026-000030"
