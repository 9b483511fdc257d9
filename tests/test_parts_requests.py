"""Parts requests: the automatic-approval rule, the supervisor's queue and decisions, the
engineer's receipt into the van, and HQ accepting each step from the right device."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from fieldapp.models import Job, Part, PartsRequest, PartUsage, StockMovement, User
from fieldapp.models.enums import MovementKind
from fieldapp.rules import parts_approval as rule
from fieldapp.rules.parts_approval import Hold, LineFacts
from fieldapp.services import parts_requests as pr
from fieldapp.services.common import DomainError
from fieldapp.services.parts import stock_on_hand
from fieldapp.services.work import request_parts
from fieldapp.store import Store
from sync.hq.db import session_scope
from tests.factories import NOW, World
from tests.sync_support import HQ, enroll_device

# --- the rule -------------------------------------------------------------------------


def test_normal_quantity_from_the_category_until_history_is_long_enough() -> None:
    assert rule.normal_quantity("seal") == 20
    assert rule.normal_quantity("hydraulic") == 2
    assert rule.normal_quantity("no such category") == rule.DEFAULT_CAP
    assert rule.normal_quantity("hydraulic", [1, 1]) == 2  # two jobs: not history yet
    # Five jobs: the quantity covering 80 % of them; one odd repair does not raise it.
    assert rule.normal_quantity("hydraulic", [1, 1, 1, 1, 9]) == 1
    assert rule.normal_quantity("seal", [4, 6, 8, 8, 30]) == 8


def test_decide_approves_only_warranty_repairs_with_normal_quantities() -> None:
    pump = LineFacts("ZY210-3101-01", "hydraulic", 1)
    assert rule.decide(pending=True, for_job=True, warranty=True, lines=[pump]).automatic
    paid = rule.decide(pending=True, for_job=True, warranty=False, lines=[pump])
    assert [r.hold for r in paid.reasons] == [Hold.NOT_WARRANTY]
    van = rule.decide(pending=True, for_job=False, warranty=False, lines=[pump])
    assert [r.hold for r in van.reasons] == [Hold.NO_JOB]
    many = LineFacts("ZY210-3101-01", "hydraulic", 3, (1, 1, 1))
    too_many = rule.decide(pending=True, for_job=True, warranty=True, lines=[pump, many])
    assert too_many.reasons == (rule.Reason(Hold.QUANTITY_ABOVE_NORMAL, many.part_no, 3, 1),)
    done = rule.decide(pending=False, for_job=True, warranty=True, lines=[pump])
    assert [r.hold for r in done.reasons] == [Hold.NOT_PENDING]
    assert [
        r.hold for r in rule.decide(pending=True, for_job=True, warranty=True, lines=[]).reasons
    ] == [Hold.NO_LINES]


# --- the services on one store ------------------------------------------------------------


def _users(session: Session, world: World) -> tuple[User, User, User]:
    engineer = session.get(User, world.engineer_id)
    other = session.get(User, world.other_engineer_id)
    boss = session.get(User, world.supervisor_id)
    assert engineer and other and boss
    return engineer, other, boss


def _request(
    session: Session, world: World, part_id: str, quantity: int, minutes: int = 0
) -> PartsRequest:
    engineer, _other, _boss = _users(session, world)
    job = session.get(Job, world.job_id)
    part = session.get(Part, part_id)
    assert job and part
    return request_parts(
        session, job, engineer, [(part, quantity)], note="急", now=NOW + timedelta(minutes=minutes)
    )


def test_queue_warranty_first_and_automatic_approval(store: Store, world: World) -> None:
    with store.action() as session:
        paid = _request(session, world, world.filter_id, 2)  # a consumable: chargeable
        big = _request(session, world, world.pump_id, 3, 1)  # warranty, but three main pumps
        pump = _request(session, world, world.pump_id, 1, 2)  # warranty, one: normal
        ids = (paid.id, big.id, pump.id)
    assert not paid.warranty and big.warranty and pump.warranty
    with store.action() as session:
        _e, _o, boss = _users(session, world)
        rows = pr.team_requests(session, boss)
        assert [r.request.id for r in rows] == [ids[1], ids[2], ids[0]]  # warranty first
        assert rows[0].job_number == "FW-2026-000123" and rows[0].requester_name == "张伟"
        assert [r.hold for r in rows[0].decision.reasons] == [Hold.QUANTITY_ABOVE_NORMAL]
        approved = pr.auto_approve_new(session, boss, now=NOW)
        assert [r.id for r in approved] == [ids[2]]
        assert pr.auto_approve_new(session, boss, now=NOW) == []  # once only
    with store.reader() as session:
        one = session.get(PartsRequest, ids[2])
        assert one is not None and one.status == "approved" and one.auto_approved
        assert one.approved_by_id == world.supervisor_id
        assert pr.status_counts(session, boss)["requested"] == 2


def test_an_engineer_cannot_decide_and_another_team_is_refused(store: Store, world: World) -> None:
    with store.action() as session:
        request = _request(session, world, world.pump_id, 1)
        engineer, _other, boss = _users(session, world)
        with pytest.raises(DomainError) as refused:
            pr.approve(session, request, engineer, now=NOW)
        assert refused.value.code == "forbidden_role"
        boss.team_id = None
        with pytest.raises(DomainError) as other_team:
            pr.approve(session, request, boss, now=NOW)
        assert other_team.value.code == "not_your_team"


def test_reject_keeps_the_note_and_gives_the_reason(store: Store, world: World) -> None:
    with store.action() as session:
        request = _request(session, world, world.filter_id, 2)
        _e, _o, boss = _users(session, world)
        with pytest.raises(DomainError):
            pr.reject(session, request, boss, reason=" ", now=NOW)
        pr.reject(session, request, boss, reason="库存充足，先用车上的", now=NOW)
        row = pr.request_row(session, request.id)
        assert row is not None and row.request.status == "rejected"
        assert (row.engineer_note, row.rejection_reason) == ("急", "库存充足，先用车上的")
        with pytest.raises(DomainError) as late:
            pr.record_shipment(
                session, request, boss, carrier="顺丰", tracking_no="SF1", shipped_at=NOW
            )
        assert late.value.code == "request_status"


def test_ship_and_receive_into_the_van_once(store: Store, world: World) -> None:
    with store.action() as session:
        request = _request(session, world, world.pump_id, 2)
        engineer, other, boss = _users(session, world)
        pr.approve(session, request, boss, now=NOW)
        with pytest.raises(DomainError) as receive_early:
            pr.receive(session, request, engineer, now=NOW)
        assert receive_early.value.code == "request_status"
        with pytest.raises(DomainError):
            pr.record_shipment(session, request, boss, carrier="", tracking_no="x", shipped_at=NOW)
        pr.record_shipment(
            session, request, boss, carrier="顺丰速运", tracking_no="SF1234567890", shipped_at=NOW
        )
        with pytest.raises(DomainError) as not_theirs:
            pr.receive(session, request, other, now=NOW)
        assert not_theirs.value.code == "not_requester"
        before = stock_on_hand(session, world.van_id)[world.pump_id]
        moved = pr.receive(session, request, engineer, now=NOW + timedelta(days=1))
        assert [(m.quantity, m.kind, m.reference) for m in moved] == [
            (2, MovementKind.TRANSFER_IN, "顺丰速运 SF1234567890")
        ]
        again = pr.receive(session, request, engineer, now=NOW + timedelta(days=2))
        assert [m.id for m in again] == [m.id for m in moved]
        assert stock_on_hand(session, world.van_id)[world.pump_id] == before + 2
        assert request.status == "received" and request.received_at is not None


def test_history_decides_what_is_normal(store: Store, world: World) -> None:
    with store.action(track=False) as session:
        for n in range(4):
            job = Job(
                number=f"FW-2025-{n:06d}",
                job_type="repair",
                customer_id=world.customer_id,
                received_at=NOW - timedelta(days=30 + n),
            )
            session.add(job)
            session.flush()
            session.add(PartUsage(job_id=job.id, part_id=world.filter_id, quantity=10))
    with store.action() as session:
        request = _request(session, world, world.filter_id, 8)
        decision = pr.approval_decision(session, request)
        # The filter category's cap is 6, but this filter usually takes 10 a job.
        assert [r.hold for r in decision.reasons] == [Hold.NOT_WARRANTY]


# --- through HQ -------------------------------------------------------------------------------


def test_each_step_is_accepted_by_hq_from_the_right_device(
    hq: tuple[HQ, World], tmp_path: Path
) -> None:
    server, world = hq
    engineer = enroll_device(server, "zhang.wei", tmp_path / "engineer")
    boss = enroll_device(server, "wang.min", tmp_path / "boss")
    engineer.sync()
    with engineer.store.action() as session:
        request_id = _request(session, world, world.pump_id, 1).id
    assert engineer.sync().rejected == 0
    boss.sync()
    with boss.store.action() as session:
        supervisor = session.get(User, world.supervisor_id)
        assert supervisor is not None
        assert [r.id for r in pr.auto_approve_new(session, supervisor, now=NOW)] == [request_id]
        request = session.get(PartsRequest, request_id)
        assert request is not None
        pr.record_shipment(
            session, request, supervisor, carrier="德邦", tracking_no="DB778899", shipped_at=NOW
        )
    assert boss.sync().rejected == 0
    engineer.sync()
    with engineer.store.action() as session:
        request = session.get(PartsRequest, request_id)
        me = session.get(User, world.engineer_id)
        assert request is not None and me is not None
        assert (request.status, request.tracking_no, request.auto_approved) == (
            "shipped",
            "DB778899",
            True,
        )
        pr.receive(session, request, me, now=NOW)
    assert engineer.sync().rejected == 0
    with session_scope(server.db()) as session:
        held = session.get(PartsRequest, request_id)
        assert held is not None and held.status == "received" and held.received_at is not None
        moves = session.exec(
            select(StockMovement).where(StockMovement.transfer_id == request_id)
        ).all()
        assert [(m.quantity, m.location_id) for m in moves] == [(1, world.van_id)]


def test_hq_refuses_an_engineer_approving_their_own_request(
    hq: tuple[HQ, World], tmp_path: Path
) -> None:
    server, world = hq
    engineer = enroll_device(server, "zhang.wei", tmp_path / "engineer")
    engineer.sync()
    with engineer.store.action() as session:
        request_id = _request(session, world, world.pump_id, 1).id
    assert engineer.sync().rejected == 0
    with engineer.store.action() as session:
        request = session.get(PartsRequest, request_id)
        assert request is not None
        request.status = "approved"  # around the service, as a tampered device would
    assert engineer.sync().rejected == 1
    with session_scope(server.db()) as session:
        held = session.get(PartsRequest, request_id)
        assert held is not None and held.status == "requested"
