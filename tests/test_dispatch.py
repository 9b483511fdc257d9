"""Dispatch: the ranking of engineers for a job (rules), creating, assigning and
un-assigning a job on the supervisor's device, the board and its cost (services)."""

from __future__ import annotations

import json
import random
import time as clock
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from fieldapp.models import (
    Customer,
    Fault,
    Job,
    JobEvent,
    LicenceEvent,
    Machine,
    OutboxEntry,
    PartUsage,
    Region,
    StockLocation,
    StockMovement,
    Team,
    User,
)
from fieldapp.numbering import NumberBlock, is_provisional, store_blocks
from fieldapp.rules import assignment as a
from fieldapp.rules.kpi import LicenceLevel
from fieldapp.services import dispatch
from fieldapp.services.common import DomainError
from fieldapp.store import Store
from tests.factories import NOW, World

DEVICE = "5c1d2e3f-0a9b-4c8d-8e7f-6a5b4c3d2e1f"

# --- the rules -------------------------------------------------------------------------------


def test_symptom_pieces_match_across_word_order() -> None:
    job = a.symptom_pieces("动臂提升无力，液压油温高")
    assert a.similarity(job, a.symptom_pieces("液压油温过高，动作慢")) >= a.MIN_SIMILARITY
    assert a.similarity(job, a.symptom_pieces("空调不制冷")) == 0


def test_usual_parts_come_from_similar_faults_of_the_assembly() -> None:
    history = [
        a.PastFault("hydraulic_pump", "液压油温高，动臂无力", frozenset({"pump", "filter"})),
        a.PastFault("hydraulic_pump", "油温高 提升无力", frozenset({"filter"})),
        a.PastFault("hydraulic_pump", "动臂提升无力", frozenset({"filter", "seal"})),
        a.PastFault("hydraulic_valve", "动臂提升慢", frozenset({"valve"})),
        a.PastFault("cab", "空调不制冷", frozenset({"compressor"})),
    ]
    usual = a.usual_parts("动臂提升无力，液压油温高", history)
    assert usual.assembly == "hydraulic_pump"
    assert usual.faults_seen == 3
    # The filter was fitted every time; pump and seal on a third each (the threshold).
    assert usual.part_ids[0] == "filter"
    assert set(usual.part_ids) == {"filter", "pump", "seal"}
    assert "compressor" not in usual.part_ids and "valve" not in usual.part_ids
    assert a.usual_parts("", history).part_ids == ()
    assert a.usual_parts("发动机冒黑烟", history) == a.UsualParts(None, (), 0)


def facts(engineer_id: str, **changes: object) -> a.EngineerFacts:
    base: dict[str, object] = {
        "engineer_id": engineer_id,
        "name": engineer_id,
        "home_region_ids": frozenset({"home"}),
        "open_load": 1,
        "planned_before_due": 0,
        "model_visits": 0,
        "licence": LicenceLevel.NORMAL,
        "van_part_ids": frozenset(),
    }
    base.update(changes)
    return a.EngineerFacts(**base)  # type: ignore[arg-type]


NEEDS = a.JobNeeds(
    job_id="j",
    region_id="home",
    model_id="ZY210",
    on_site_due_at=NOW + timedelta(hours=6),
    usual_part_ids=("filter", "pump"),
)


def codes(candidate: a.Candidate) -> set[a.ReasonCode]:
    return {r.code for r in candidate.reasons}


def test_each_reason_moves_an_engineer_and_is_listed() -> None:
    plain = a.rate(NEEDS, facts("plain"), NOW)
    assert {a.ReasonCode.HOME_REGION, a.ReasonCode.MODEL_NEW, a.ReasonCode.SLA_OK} <= codes(plain)
    away = a.rate(NEEDS, facts("away", home_region_ids=frozenset({"other"})), NOW)
    assert away.score < plain.score and not away.home_region
    assert a.ReasonCode.AWAY_REGION in codes(away)
    known = a.rate(NEEDS, facts("known", model_visits=3), NOW)
    assert known.score > plain.score and a.ReasonCode.MODEL_KNOWN in codes(known)
    stocked = a.rate(NEEDS, facts("stocked", van_part_ids=frozenset({"filter", "pump"})), NOW)
    assert stocked.parts_held == 2 and stocked.parts_needed == 2
    assert a.ReasonCode.PARTS_IN_VAN in codes(stocked) and stocked.score > plain.score
    half = a.rate(NEEDS, facts("half", van_part_ids=frozenset({"filter"})), NOW)
    assert a.ReasonCode.PARTS_MISSING in codes(half) and plain.score < half.score < stocked.score
    busy = a.rate(NEEDS, facts("busy", open_load=5), NOW)
    assert busy.score < plain.score
    load = next(r for r in busy.reasons if r.code == a.ReasonCode.LOAD)
    assert load.count == 5 and load.points == 5 * a.DEFAULT_POLICY.load_points
    # Two visits planned before a deadline six hours away: 2 × 3 h + 1 h is too late.
    late = a.rate(NEEDS, facts("late", planned_before_due=2), NOW)
    assert late.sla_risk and a.ReasonCode.SLA_RISK in codes(late)
    assert not a.rate(NEEDS, facts("one", planned_before_due=1), NOW).sla_risk
    # The reasons add up to the score.
    for candidate in (plain, away, known, stocked, half, busy, late):
        assert candidate.score == sum(r.points for r in candidate.reasons)


def test_a_warning_licence_gets_fewer_jobs_and_a_revoked_one_none() -> None:
    normal = a.rate(NEEDS, facts("n", open_load=4), NOW)
    warning = a.rate(NEEDS, facts("w", open_load=4, licence=LicenceLevel.WARNING), NOW)
    # Penalised for the level, and already at the lower capacity of a warning licence.
    assert a.ReasonCode.OVER_CAPACITY in codes(warning)
    assert a.ReasonCode.OVER_CAPACITY not in codes(normal)
    assert warning.score < normal.score - 25
    model = a.rate(NEEDS, facts("m", licence=LicenceLevel.MODEL), NOW)
    assert model.score > a.rate(NEEDS, facts("x"), NOW).score
    ranked = a.rank(
        NEEDS,
        [
            facts("revoked", licence=LicenceLevel.REVOKED, model_visits=9),
            facts("warning", licence=LicenceLevel.WARNING),
            facts("normal"),
        ],
        NOW,
    )
    assert [c.engineer_id for c in ranked] == ["normal", "warning", "revoked"]
    assert not ranked[-1].eligible and a.ReasonCode.REVOKED in codes(ranked[-1])


def test_the_current_assignee_is_marked() -> None:
    needs = a.JobNeeds("j", "home", None, None, current_assignee_id="zw")
    ranked = a.rank(needs, [facts("zw"), facts("lq")], NOW)
    current = next(c for c in ranked if c.engineer_id == "zw")
    assert current.current and a.ReasonCode.CURRENT in codes(current)
    assert a.ReasonCode.SLA_OK not in codes(current)  # no deadline: no SLA reason


@pytest.mark.parametrize(
    ("due", "planned", "arrived", "state"),
    [
        (NOW + timedelta(hours=5), None, None, a.RiskState.OK),
        (NOW + timedelta(hours=1), None, None, a.RiskState.AT_RISK),
        (NOW + timedelta(hours=5), NOW + timedelta(hours=6), None, a.RiskState.AT_RISK),
        (NOW - timedelta(minutes=1), None, None, a.RiskState.OVERDUE),
        (NOW - timedelta(hours=1), None, NOW - timedelta(hours=2), a.RiskState.OK),
        (None, None, None, a.RiskState.OK),
    ],
)
def test_job_risk(
    due: datetime | None, planned: datetime | None, arrived: datetime | None, state: a.RiskState
) -> None:
    assert a.job_risk(due=due, planned=planned, arrived_at=arrived, now=NOW) == state


# --- the services ----------------------------------------------------------------------------


def users(session: Session, world: World) -> tuple[User, User, User]:
    engineer = session.get(User, world.engineer_id)
    other = session.get(User, world.other_engineer_id)
    supervisor = session.get(User, world.supervisor_id)
    assert engineer and other and supervisor
    return supervisor, engineer, other


def test_a_job_from_a_call_is_numbered_from_the_block_with_its_deadlines(
    store: Store, world: World
) -> None:
    with store.action(track=False) as session:
        store_blocks(session, [NumberBlock(2026, 501, 501)], device_id=DEVICE)
    requested = NOW + timedelta(days=2)
    with store.action() as session:
        supervisor, _, _ = users(session, world)
        job = dispatch.create_job(
            session,
            supervisor,
            customer_id=world.customer_id,
            machine_id=world.machine_id,
            symptom="回转时有异响",
            request="周三上午来",
            urgency="normal",
            requested_at=requested,
            now=NOW,
            device_id=DEVICE,
        )
        number, job_id = job.number, job.id
    with store.reader() as session:
        job = session.get(Job, job_id)
        assert job is not None
        assert number == "FW-2026-000501"
        assert job.status == "new" and job.assignee_id is None
        assert job.team_id == supervisor.team_id
        assert job.reported_model == "ZY210" and job.reported_serial == "ZY2102025A0157"
        assert job.address.startswith("安徽省合肥市") and job.contact_phone == "13905510001"
        assert job.received_at == NOW and job.requested_at == requested
        assert job.answer_due_at == NOW + timedelta(hours=4)
        assert job.on_site_due_at == requested  # the wished time was promised
        events = session.exec(select(JobEvent).where(JobEvent.job_id == job_id)).all()
        assert [(e.kind, e.to_status, e.device_id) for e in events] == [("created", "new", DEVICE)]
        queued = {(o.table_name, o.op) for o in session.exec(select(OutboxEntry)).all()}
        assert {("job", "insert"), ("jobevent", "insert")} <= queued
    # The block is used up: the next job gets a provisional number, still unique.
    with store.action() as session:
        supervisor, _, _ = users(session, world)
        urgent = dispatch.create_job(
            session,
            supervisor,
            customer_id=world.customer_id,
            symptom="发动机无法启动",
            request="马上来",
            urgency="urgent",
            now=NOW,
            device_id=DEVICE,
        )
        assert is_provisional(urgent.number) and urgent.number.startswith("~5c1d2e3f-")
        # Urgent in the home region: on site within two hours, whatever was wished.
        assert urgent.on_site_due_at == NOW + timedelta(hours=2)


def test_a_new_customer_and_machine_are_written_with_the_job(store: Store, world: World) -> None:
    with store.action() as session:
        supervisor, _, _ = users(session, world)
        job = dispatch.create_job(
            session,
            supervisor,
            new_customer=dispatch.NewCustomer(
                name="巢湖砂石厂", region_id=world.region_id, phone="13812345678", address="巢湖市"
            ),
            new_machine=dispatch.NewMachine(model_id=world.model_id, serial="zy2102026b0001"),
            symptom="行走跑偏",
            request="尽快",
            now=NOW,
            device_id=DEVICE,
        )
        customer = session.get(Customer, job.customer_id)
        machine = session.get(Machine, job.machine_id)
        assert customer is not None and machine is not None
        assert customer.name == "巢湖砂石厂" and customer.code.startswith("N-")
        assert machine.serial == "ZY2102026B0001" and machine.customer_id == customer.id
        assert job.contact_phone == "13812345678" and job.address == "巢湖市"
        queued = {(o.table_name, o.op) for o in session.exec(select(OutboxEntry)).all()}
        assert {("customer", "insert"), ("machine", "insert"), ("job", "insert")} <= queued
    with store.action() as session, pytest.raises(DomainError) as caught:
        supervisor, _, _ = users(session, world)
        dispatch.create_job(
            session,
            supervisor,
            customer_id=world.customer_id,
            new_machine=dispatch.NewMachine(model_id=world.model_id, serial="ZY2102026B0001"),
            now=NOW,
            device_id=DEVICE,
        )
    assert caught.value.code == "serial_taken"
    with store.action() as session, pytest.raises(DomainError) as caught:
        supervisor, engineer, _ = users(session, world)
        dispatch.create_job(
            session, engineer, customer_id=world.customer_id, now=NOW, device_id=DEVICE
        )
    assert caught.value.code == "forbidden_role"


def test_assign_reassign_and_unassign(store: Store, world: World) -> None:
    with store.action(track=False) as session:
        # Another team's engineer, whom this supervisor may not give jobs to.
        team = Team(name_zh="芜湖服务站", region_id=world.region_id)
        session.add(team)
        session.flush()
        session.add(User(login="zhou.jie", display_name="周杰", role="engineer", team_id=team.id))
    with store.action() as session:
        supervisor, engineer, other = users(session, world)
        job = session.get(Job, world.job_id)
        assert job is not None and job.assignee_id == engineer.id
        moved = dispatch.assign(session, job, other, supervisor, now=NOW, device_id=DEVICE)
        assert json.loads(moved.data) == {"assignee_id": other.id}
        assert (moved.kind, moved.from_status, moved.to_status) == (
            "assigned",
            "assigned",
            "assigned",
        )
        assert job.assignee_id == other.id and job.status == "assigned"
        with pytest.raises(DomainError) as caught:
            dispatch.assign(session, job, other, supervisor, now=NOW, device_id=DEVICE)
        assert caught.value.code == "already_assigned"
        stranger = session.exec(select(User).where(User.login == "zhou.jie")).one()
        with pytest.raises(DomainError) as caught:
            dispatch.assign(session, job, stranger, supervisor, now=NOW, device_id=DEVICE)
        assert caught.value.code == "assignee_not_in_team"
        with pytest.raises(DomainError) as caught:
            dispatch.assign(session, job, supervisor, supervisor, now=NOW, device_id=DEVICE)
        assert caught.value.code == "assignee_required"
    with store.reader() as session:
        update = [
            json.loads(o.fields)
            for o in session.exec(select(OutboxEntry).where(OutboxEntry.table_name == "job")).all()
        ]
        assert any(u.get("assignee_id") == world.other_engineer_id for u in update)
    with store.action() as session:
        supervisor, _, _ = users(session, world)
        job = session.get(Job, world.job_id)
        assert job is not None
        back = dispatch.unassign(session, job, supervisor, now=NOW, device_id=DEVICE)
        assert (back.kind, back.to_status) == ("unassigned", "new")
        assert job.assignee_id is None and job.status == "new"
        with pytest.raises(DomainError) as caught:
            dispatch.unassign(session, job, supervisor, now=NOW, device_id=DEVICE)
        assert caught.value.code == "not_assigned"
        job.status = "en_route"  # on the way: no longer the dispatcher's to move
        _, engineer, _ = users(session, world)
        job.assignee_id = engineer.id
        with pytest.raises(DomainError) as caught:
            dispatch.assign(
                session, job, users(session, world)[2], supervisor, now=NOW, device_id=DEVICE
            )
        assert caught.value.code == "illegal_transition"


def test_the_board_places_jobs_by_day_and_flags_the_risky(store: Store, world: World) -> None:
    tz = UTC
    first = NOW.date()
    with store.action(track=False) as session:
        base = session.get(Job, world.job_id)
        assert base is not None
        base.on_site_due_at = NOW + timedelta(hours=1)  # urgent, an hour left: at risk

        def job(number: str, **fields: object) -> None:
            values: dict[str, object] = {
                "number": number,
                "job_type": "repair",
                "customer_id": world.customer_id,
                "team_id": base.team_id,
                "received_at": NOW,
                "status": "assigned",
                "assignee_id": world.engineer_id,
            }
            values.update(fields)
            session.add(Job(**values))  # type: ignore[arg-type]

        job(
            "FW-2026-000200",
            appointment_at=NOW + timedelta(days=2),
            on_site_due_at=NOW + timedelta(days=3),
        )
        job("FW-2026-000201", on_site_due_at=NOW + timedelta(days=9))  # after the window
        job("FW-2026-000202", on_site_due_at=NOW - timedelta(days=2))  # overdue: first day
        job("FW-2026-000203", status="signed", on_site_due_at=NOW)  # done: not on the board
        other = Customer(code="C002", name="普通客户", region_id=world.region_id)
        session.add(other)
        session.flush()
        job(
            "FW-2026-000210",
            status="new",
            assignee_id=None,
            customer_id=other.id,
            on_site_due_at=NOW + timedelta(hours=3),
        )
        job(
            "FW-2026-000211", status="new", assignee_id=None, on_site_due_at=NOW + timedelta(days=2)
        )
        team_id = base.team_id
    assert team_id is not None
    with store.reader() as session:
        shown = dispatch.board(session, team_id, first, 5, NOW, tz=tz)
    assert [r.name for r in shown.rows] == ["张伟", "李强"]  # engineers only, by name
    zhang = shown.rows[0]
    assert [(j.number, j.day) for j in zhang.jobs] == [
        ("FW-2026-000202", 0),
        ("FW-2026-000123", 0),
        ("FW-2026-000200", 2),
    ]
    assert zhang.jobs[0].earlier and zhang.jobs[0].risk == a.RiskState.OVERDUE
    assert zhang.jobs[1].risk == a.RiskState.AT_RISK and zhang.jobs[1].at_risk
    assert zhang.jobs[2].risk == a.RiskState.OK
    assert zhang.jobs[2].planned_at == NOW + timedelta(days=2)  # the appointment
    assert zhang.open_load == 4 and zhang.later == 1
    assert shown.rows[1].jobs == () and shown.rows[1].open_load == 0
    # Key customers first, even with a later deadline.
    assert [j.number for j in shown.unassigned] == ["FW-2026-000211", "FW-2026-000210"]
    assert shown.at_risk == 2
    # Next week's board: only what is planned then; the late jobs stay on today's board.
    with store.reader() as session:
        later = dispatch.board(session, team_id, first + timedelta(days=7), 5, NOW, tz=tz)
    assert [j.number for j in later.rows[0].jobs] == ["FW-2026-000201"]
    assert later.rows[0].open_load == 4


def test_candidates_read_the_file(store: Store, world: World) -> None:
    with store.action(track=False) as session:
        past = Job(
            number="FW-2026-000050",
            job_type="repair",
            status="on_site",
            customer_id=world.customer_id,
            machine_id=world.machine_id,
            assignee_id=world.other_engineer_id,
            received_at=NOW - timedelta(days=60),
        )
        # The work first, then the approval: a signed report's rows are frozen.
        session.add(past)
        session.flush()
        fault = Fault(job_id=past.id, assembly="hydraulic_pump", symptom="液压油温高，动臂无力")
        session.add(fault)
        session.add(PartUsage(job_id=past.id, part_id=world.filter_id, fault_id=fault.id))
        session.add(PartUsage(job_id=past.id, part_id=world.pump_id))  # on the job, no fault
        session.flush()
        past.status = "approved"
        # 李强 lost points this year: a warning licence.
        for kind in ("overcharging", "broken_promise"):
            session.add(
                LicenceEvent(engineer_id=world.other_engineer_id, kind=kind, occurred_on=NOW.date())
            )
    with store.reader() as session:
        job = session.get(Job, world.job_id)
        assert job is not None
        ranking = dispatch.rank_engineers(session, job, NOW)
    assert set(ranking.usual.part_ids) == {world.filter_id, world.pump_id}
    by_id = {c.engineer_id: c for c in ranking.candidates}
    zhang, li = by_id[world.engineer_id], by_id[world.other_engineer_id]
    assert zhang.current and zhang.open_load == 0  # the job itself is not his load
    assert zhang.parts_held == 2 and zhang.parts_needed == 2  # his van has 4 of each
    assert li.model_visits == 1 and li.parts_held == 0
    assert li.licence == LicenceLevel.WARNING and zhang.licence == LicenceLevel.NORMAL
    assert zhang.home_region and li.home_region  # the team's region is the customer's
    assert ranking.candidates[0].engineer_id == world.engineer_id
    with store.action(track=False) as session:
        # Empty his van: the parts reason turns against him.
        for part_id in (world.filter_id, world.pump_id):
            session.add(
                StockMovement(
                    part_id=part_id, location_id=world.van_id, quantity=-4, kind="use", moved_at=NOW
                )
            )
    with store.reader() as session:
        job = session.get(Job, world.job_id)
        assert job is not None
        again = {c.engineer_id: c for c in dispatch.candidates(session, job, NOW)}
    assert again[world.engineer_id].parts_held == 0
    assert again[world.engineer_id].score < zhang.score


def test_preview_deadlines_follow_the_region() -> None:
    home = Region(code="H", name_zh="本地", is_home=True)
    remote = Region(code="R", name_zh="偏远", is_remote=True)
    urgent_home = dispatch.preview_deadlines(home, "urgent", received_at=NOW, requested_at=None)
    urgent_remote = dispatch.preview_deadlines(remote, "urgent", received_at=NOW, requested_at=None)
    assert urgent_home.on_site_by == NOW + timedelta(hours=2)
    assert urgent_remote.on_site_by == NOW + timedelta(days=5)
    normal = dispatch.preview_deadlines(None, "normal", received_at=NOW, requested_at=None)
    assert normal.on_site_by == NOW + timedelta(days=3) and normal.answer_by == NOW + timedelta(
        hours=4
    )


def test_find_customers_by_name_phone_or_code(store: Store, world: World) -> None:
    with store.reader() as session:
        assert [c.id for c in dispatch.find_customers(session, "城建")] == [world.customer_id]
        assert [c.id for c in dispatch.find_customers(session, "0551000")] == [world.customer_id]
        assert [c.id for c in dispatch.find_customers(session, "C001")] == [world.customer_id]
        assert dispatch.find_customers(session, "没有这个客户") == []
        machines = dispatch.customer_machines(session, world.customer_id)
        assert [(m.serial, m.model_code) for m in machines] == [("ZY2102025A0157", "ZY210")]


# --- a big team: the cost of the board and of the ranking ------------------------------------


@dataclass
class BigTeam:
    team_id: str
    supervisor_id: str
    job_id: str  # an unassigned job to rank engineers for
    engineers: int
    open_jobs: int


def seed_big_team(
    session: Session,
    *,
    engineers: int = 200,
    open_jobs: int = 5000,
    finished_jobs: int = 2000,
    seed: int = 7,
) -> BigTeam:
    """A supervisor's store as big as the bench's: a team of ``engineers`` with vans and
    licence events, ``open_jobs`` open jobs over two weeks (a tenth unassigned) on 500
    customers' machines, and finished jobs with faults and parts for the history. Used
    by ``bench/`` too: ``with store.action(track=False) as s: seed_big_team(s)``."""
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    region = Region(code="BIG", name_zh="大区", is_home=True)
    session.add(region)
    session.flush()
    team = Team(name_zh="大服务站", region_id=region.id)
    session.add(team)
    session.flush()
    supervisor = User(login="big.boss", display_name="主管", role="supervisor", team_id=team.id)
    session.add(supervisor)
    from fieldapp.models import Part, ProductModel

    models = [ProductModel(code=f"BM{n}", name_zh=f"型号{n}") for n in range(6)]
    parts = [Part(part_no=f"BP-{n:04d}", name_zh=f"配件{n}") for n in range(60)]
    session.add_all([*models, *parts])
    session.flush()
    people = [
        User(login=f"eng{n:03d}", display_name=f"工程师{n:03d}", role="engineer", team_id=team.id)
        for n in range(engineers)
    ]
    session.add_all(people)
    session.flush()
    vans = [
        StockLocation(code=f"VAN-{n:03d}", name=f"车{n}", kind="van", owner_user_id=p.id)
        for n, p in enumerate(people)
    ]
    session.add_all(vans)
    session.flush()
    for van in vans:
        for part in rng.sample(parts, 8):
            session.add(
                StockMovement(
                    part_id=part.id,
                    location_id=van.id,
                    quantity=3,
                    kind="transfer_in",
                    moved_at=now,
                )
            )
    for person in rng.sample(people, engineers // 10):
        session.add(
            LicenceEvent(engineer_id=person.id, kind="overcharging", occurred_on=now.date())
        )
    customers = [
        Customer(
            code=f"BC{n:04d}", name=f"客户{n:04d}", region_id=region.id, is_key_account=n % 7 == 0
        )
        for n in range(500)
    ]
    session.add_all(customers)
    session.flush()
    machines = [
        Machine(customer_id=c.id, model_id=rng.choice(models).id, serial=f"BS{n:06d}")
        for n, c in enumerate(customers)
    ]
    session.add_all(machines)
    session.flush()
    symptoms = ["液压油温高", "动臂提升无力", "发动机冒黑烟", "回转异响", "行走跑偏", "空调不制冷"]
    assemblies = ["hydraulic_pump", "hydraulic_valve", "engine", "slewing", "travel", "cab"]
    counter = 0
    history: list[Job] = []
    for _ in range(finished_jobs):  # the history: finished jobs, each with a fault and parts
        counter += 1
        machine = rng.choice(machines)
        history.append(
            Job(
                number=f"FW-2025-{counter:06d}",
                job_type="repair",
                status="on_site",  # approved below, once its work is written
                customer_id=machine.customer_id,
                machine_id=machine.id,
                team_id=team.id,
                assignee_id=rng.choice(people).id,
                received_at=now - timedelta(days=rng.randint(30, 300)),
            )
        )
    session.add_all(history)
    session.flush()
    faults = []
    for n, past in enumerate(history):
        k = n % len(symptoms)
        faults.append(
            Fault(
                job_id=past.id,
                machine_id=past.machine_id,
                assembly=assemblies[k],
                symptom=symptoms[k],
            )
        )
    session.add_all(faults)
    session.flush()
    for n, fault in enumerate(faults):
        k = n % len(symptoms)
        for part in rng.sample(parts[k * 10 : k * 10 + 10], 2):
            session.add(PartUsage(job_id=fault.job_id, part_id=part.id, fault_id=fault.id))
    session.flush()
    for past in history:
        past.status = "approved"
    first_unassigned = ""
    for n in range(open_jobs):
        counter += 1
        machine = rng.choice(machines)
        unassigned = n % 10 == 0
        due = now + timedelta(hours=rng.randint(-24, 14 * 24))
        job = Job(
            number=f"FW-2026-{counter:06d}",
            job_type="repair",
            urgency=rng.choice(["urgent", "normal", "normal", "low"]),
            status="new" if unassigned else rng.choice(["assigned", "accepted", "en_route"]),
            customer_id=machine.customer_id,
            machine_id=machine.id,
            team_id=team.id,
            assignee_id=None if unassigned else rng.choice(people).id,
            reported_symptom=rng.choice(symptoms),
            received_at=now - timedelta(hours=2),
            on_site_due_at=due,
            appointment_at=due - timedelta(hours=1) if n % 3 == 0 else None,
        )
        session.add(job)
        if unassigned and not first_unassigned:
            first_unassigned = job.id
    session.flush()
    return BigTeam(team.id, supervisor.id, first_unassigned, engineers, open_jobs)


@contextmanager
def counted_queries(store: Store) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(store.engine, "before_cursor_execute", count)


@pytest.mark.parametrize("size", [(10, 100), (60, 1200)])
def test_board_and_candidates_take_the_same_few_queries_whatever_the_size(
    store: Store, size: tuple[int, int]
) -> None:
    engineers, open_jobs = size
    with store.action(track=False) as session:
        big = seed_big_team(
            session, engineers=engineers, open_jobs=open_jobs, finished_jobs=open_jobs // 4
        )
    now = datetime.now(UTC)
    with store.reader() as session, counted_queries(store) as statements:
        shown = dispatch.board(session, big.team_id, now.date(), 7, now)
    assert len(shown.rows) == engineers
    assert sum(r.open_load for r in shown.rows) + len(shown.unassigned) == open_jobs
    assert len(statements) <= 4
    with store.reader() as session:
        job = session.get(Job, big.job_id)
        assert job is not None
        with counted_queries(store) as statements:
            ranked = dispatch.candidates(session, job, now)
    assert len(ranked) == engineers
    assert len(statements) <= 14
    assert any(r.code == a.ReasonCode.MODEL_KNOWN for c in ranked for r in c.reasons)


@pytest.mark.slow
def test_a_week_of_200_engineers_is_quick(store: Store) -> None:
    """The figures the bench measures (the best of five runs), with a loose bound for
    a loaded CI machine."""
    with store.action(track=False) as session:
        big = seed_big_team(session)
    now = datetime.now(UTC)
    board_s, rank_s = [], []
    with store.reader() as session:
        job = session.get(Job, big.job_id)
        assert job is not None
        for _ in range(5):
            started = clock.perf_counter()
            dispatch.board(session, big.team_id, now.date(), 7, now)
            board_s.append(clock.perf_counter() - started)
            started = clock.perf_counter()
            dispatch.candidates(session, job, now)
            rank_s.append(clock.perf_counter() - started)
    assert min(board_s) < 0.5 and min(rank_s) < 0.5, (board_s, rank_s)
