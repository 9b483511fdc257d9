"""The measures of a month worked out by hand (issue 12, "Done when"): the service, the
CSV, the month PDF and ``fieldapp-hq measures`` give the same numbers.

November 2026 of the Hefei team (region grade A, home), counted on 25 November:

zhang.wei — 8 jobs approved in the month:
  J1..J5 called on 8 Nov: J1 非常满意 with praise (after a first call that did not reach the
  customer), J2..J4 非常满意, J5 很满意 → 4 of 5 = exactly 80 % 非常满意, none 不满意, all
  很满意 or better: +5 praise +5 all +10 = 20 points; bonus 0.1 % of 5 × ¥1,000 = ¥5.00.
  J2 is a repair whose engine fault was not fixed, with a follow-up job: not fixed first time.
  R1 repairs the pump of machine A 30 days after R0 (19 Oct → 18 Nov): a return repair.
  R3 repairs the pump of machine B 31 days after R2 (19 Oct → 19 Nov): not one.
  X has no arrival time: excluded from the on-site rate, counted as excluded.
  J5 arrived after its deadline. First-time fix 2 of 3 (R1, R3; not J2).
  Complaints on J1 answered in 3 h 59 min (on time) and on J3 in 4 h 01 min (late).
  Licence: a broken promise on 12 Nov, −3: 9 points, normal.
  Warranty: R1's main pump ¥45,800.00 and 2 h of warranty labour at ¥150 = ¥46,100.00.
li.qiang — L1..L3 (¥2,000 each) called: 非常满意, 满意, 不满意 → −5, no +5, no +10;
  bonus 0.1 % of 2 × ¥2,000 = ¥4.00, L3's withheld. K was approved, then cancelled: the
  month's jobs exclude it and say so.
Team: 11 jobs, 8 calls counted; complaints 2 / 11 jobs = 181,818.2 PPM; 不满意 1 / 8 calls
  = 125,000.0 PPM; omissions 0 / 11.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlmodel import Session

from fieldapp.models import (
    Complaint,
    Fault,
    FollowUp,
    Job,
    JobEvent,
    LicenceEvent,
    Machine,
    PartUsage,
    TimeEntry,
    User,
)
from fieldapp.services import measures as m
from fieldapp.services import month_close
from fieldapp.store import Store
from tests import ui_support  # noqa: F401  (offscreen Qt for the PDF)
from tests.conftest import BACKENDS
from tests.factories import World, make_world

CST = timezone(timedelta(hours=8))
AS_OF = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)
MONTH = "2026-11"


def cst(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CST).astimezone(UTC)


class Month:
    """The ids of the seeded month."""

    def __init__(self) -> None:
        self.jobs: dict[str, str] = {}
        self.complaints: dict[str, str] = {}
        self.final: dict[str, str] = {}  # job id -> its status, set once its work is in


def _job(
    session: Session,
    world: World,
    month: Month,
    name: str,
    *,
    engineer: str,
    job_type: str = "maintenance",
    approved: datetime,
    amount: int = 100_000,
    machine_id: str | None = None,
    arrived: bool = True,
    late: bool = False,
    completed: datetime | None = None,
    status: str = "approved",
) -> Job:
    received = approved - timedelta(days=2)
    job = Job(
        number=f"FW-2026-M{len(month.jobs):05d}",
        job_type=job_type,
        status="on_site",  # approved at the end: an approved job's report is frozen
        customer_id=world.customer_id,
        machine_id=machine_id,
        team_id=world_team(session, world),
        assignee_id=engineer,
        received_at=received,
        answer_due_at=received + timedelta(hours=4),
        answered_at=received + timedelta(hours=1),
        on_site_due_at=received + timedelta(hours=24),
        arrived_at=(received + timedelta(hours=30 if late else 3)) if arrived else None,
        completed_at=completed or received + timedelta(hours=6),
        amount_cents=amount,
    )
    session.add(job)
    session.flush()
    session.add(JobEvent(job_id=job.id, kind="approved", occurred_at=approved))
    month.jobs[name] = job.id
    month.final[job.id] = status
    return job


def _fault(session: Session, job: Job, assembly: str, **values: object) -> None:
    session.add(
        Fault(job_id=job.id, machine_id=job.machine_id, assembly=assembly, symptom="故障", **values)
    )


def seed_month(session: Session) -> tuple[World, Month]:
    """The hand-worked month above, in a device store or at HQ."""
    world = make_world(session)
    month = Month()
    zhang, li = world.engineer_id, world.other_engineer_id
    machine_a = world.machine_id
    machine_b = Machine(
        customer_id=world.customer_id, model_id=_smaller_model(session), serial="ZY1502024B0001"
    )
    machine_c = Machine(customer_id=world.customer_id, model_id=world.model_id, serial="ZY210C3")
    session.add_all([machine_b, machine_c])
    session.flush()
    for n in range(1, 6):
        repair = n == 2
        job = _job(
            session,
            world,
            month,
            f"J{n}",
            engineer=zhang,
            approved=cst(11, 5),
            late=n == 5,
            job_type="repair" if repair else "maintenance",
            machine_id=machine_c.id if repair else None,
        )
        if repair:
            _fault(session, job, "engine")  # not fixed: a follow-up job is on its way
            session.add(
                Job(
                    number="FW-2026-M09999",
                    job_type="repair",
                    status="assigned",
                    customer_id=world.customer_id,
                    assignee_id=zhang,
                    parent_job_id=job.id,
                    received_at=cst(11, 6),
                )
            )
    # The repairs before the month, and those of the month on the same pumps.
    repairs = (
        ("R0", zhang, machine_a, cst(10, 21), cst(10, 19)),
        ("R2", li, machine_b.id, cst(10, 21), cst(10, 19)),
        ("R1", zhang, machine_a, cst(11, 19), cst(11, 18)),  # day 30
        ("R3", zhang, machine_b.id, cst(11, 20), cst(11, 19)),  # day 31
    )
    made: dict[str, Job] = {}
    for name, engineer, machine, approved, completed in repairs:
        made[name] = _job(
            session,
            world,
            month,
            name,
            engineer=engineer,
            job_type="repair",
            approved=approved,
            machine_id=machine,
            completed=completed,
        )
        _fault(session, made[name], "hydraulic_pump", fixed=True)
    r1, r3 = made["R1"].id, made["R3"].id
    session.add(
        PartUsage(
            job_id=r1, part_id=world.pump_id, quantity=1, unit_price_cents=4_580_000, warranty=True
        )
    )
    session.add(TimeEntry(job_id=r1, user_id=zhang, minutes=120, warranty=True))
    session.add(PartUsage(job_id=r3, part_id=world.filter_id, quantity=2, unit_price_cents=28_000))
    x = _job(
        session, world, month, "X", engineer=zhang, job_type="installation",
        approved=cst(11, 20), arrived=False,
    )  # fmt: skip
    _fault(session, x, "engine", fixed=True, misuse=True)
    for n in range(1, 4):
        _job(session, world, month, f"L{n}", engineer=li, approved=cst(11, 6), amount=200_000)
    _job(session, world, month, "K", engineer=li, approved=cst(11, 6), status="cancelled")
    # The follow-up calls.
    called = cst(11, 8)
    first_try = called - timedelta(hours=3)
    session.add(
        FollowUp(job_id=month.jobs["J1"], engineer_id=zhang, called_at=first_try, reached=False)
    )
    outcomes = {
        "J1": ("very_satisfied", True),
        "J2": ("very_satisfied", False),
        "J3": ("very_satisfied", False),
        "J4": ("very_satisfied", False),
        "J5": ("highly_satisfied", False),
        "L1": ("very_satisfied", False),
        "L2": ("satisfied", False),
        "L3": ("dissatisfied", False),
    }
    for name, (satisfaction, praise) in outcomes.items():
        session.add(
            FollowUp(
                job_id=month.jobs[name],
                engineer_id=zhang if name.startswith("J") else li,
                called_at=called,
                satisfaction=satisfaction,
                praise=praise,
            )
        )
    for name, received, minutes in (
        ("C1", cst(11, 10, 9), 3 * 60 + 59),
        ("C2", cst(11, 11, 9), 4 * 60 + 1),
    ):
        complaint = Complaint(
            customer_id=world.customer_id,
            job_id=month.jobs["J1" if name == "C1" else "J3"],
            received_at=received,
            answered_at=received + timedelta(minutes=minutes),
            status="answered",
            description="回复慢",
        )
        session.add(complaint)
        session.flush()
        month.complaints[name] = complaint.id
    broken, delight = "broken_promise", "customer_delight"
    session.add(LicenceEvent(engineer_id=zhang, kind=broken, occurred_on=date(2026, 11, 12)))
    session.add(LicenceEvent(engineer_id=li, kind=delight, occurred_on=date(2026, 10, 3)))
    session.flush()
    for job_id, status in month.final.items():
        finished = session.get(Job, job_id)
        assert finished is not None
        finished.status = status
    session.flush()
    return world, month


def world_team(session: Session, world: World) -> str | None:
    job = session.get(Job, world.job_id)
    return job.team_id if job else None


def _smaller_model(session: Session) -> str:
    from sqlmodel import select

    from fieldapp.models import ProductModel

    model = session.exec(select(ProductModel).where(ProductModel.code == "ZY150")).one()
    return model.id


def team_of(session: Session, world: World) -> str:
    job = session.get(Job, world.job_id)
    assert job is not None and job.team_id is not None
    return job.team_id


# What the hand-worked month must show, as the screen writes it (format_value).
EXPECTED_ZHANG = {
    "jobs": "8",
    "follow_ups": "5",
    "very_satisfied_share": "80.0%",
    "dissatisfied": "0",
    "praise": "1",
    "score": "20",
    "bonus_cents": "5.00",
    "licence_points": "9",
    "answer_on_time": "100.0%",
    "on_site_on_time": "85.7%",  # 6 of 7: J5 late, X excluded
    "complaint_answer_on_time": "50.0%",
    "first_time_fix": "66.7%",
    "return_repairs": "1",
    "complaints": "2",
    "warranty_cost_cents": "46100.00",
    "parts_used": "3",
}
EXPECTED_LI = {
    "jobs": "3",
    "follow_ups": "3",
    "very_satisfied_share": "33.3%",
    "dissatisfied": "1",
    "score": "-5",
    "bonus_cents": "4.00",
    "licence_points": "14",
}
EXPECTED_TEAM = {
    "jobs": "11",
    "follow_ups": "8",
    "score": "15",
    "bonus_cents": "9.00",
    "complaints": "2",
    "complaint_ppm": "181818.2",
    "dissatisfaction_ppm": "125000.0",
    "omission_ppm": "0.0",
    "return_repairs": "1",
    "warranty_cost_cents": "46100.00",
}


def shown(figures: dict[str, m.Figure], expected: dict[str, str]) -> dict[str, str]:
    return {k: m.format_value(k, figures[k].value) for k in expected}


def seeded_store(store: Store) -> tuple[World, Month, str]:
    with store.action(track=False) as session:
        world, month = seed_month(session)
        team_id = team_of(session, world)
    return world, month, team_id


def test_the_hand_worked_month(store: Store) -> None:
    _, month, team_id = seeded_store(store)
    with store.reader() as session:
        measures = m.month_measures(session, MONTH, team_id=team_id, now=AS_OF)
    zhang = measures.engineer("zhang.wei").figures
    li = measures.engineer("li.qiang").figures
    assert shown(zhang, EXPECTED_ZHANG) == EXPECTED_ZHANG
    assert shown(li, EXPECTED_LI) == EXPECTED_LI
    team = measures.team
    score = {k: m.format_value(k, team[k].value) for k in EXPECTED_TEAM}
    # The team's score is the sum of the engineers' (20 − 5).
    assert score == EXPECTED_TEAM

    # Exactly 80 %: 4 of 5, and the +10 is given.
    share = zhang["very_satisfied_share"]
    assert (share.numerator, share.denominator) == (4, 5)
    assert zhang["score"].detail == {
        "praise": 5,
        "all_highly_satisfied": 5,
        "very_satisfied": 10,
        "dissatisfied": 0,
    }
    # 不满意: −5, and that job's bonus withheld (shown as excluded with the reason).
    assert li["score"].detail["dissatisfied"] == -5 and li["score"].detail["very_satisfied"] == 0
    assert m.Exclusion(month.jobs["L3"], m.DISSATISFIED) in li["bonus_cents"].excluded
    assert month.jobs["L3"] not in li["bonus_cents"].ids
    assert set(li["bonus_cents"].ids) == {month.jobs["L1"], month.jobs["L2"]}
    # Day 30 is a return repair, day 31 is not.
    assert zhang["return_repairs"].ids == (month.jobs["R1"],)
    # 3 h 59 min on time, 4 h 01 min late.
    answer = zhang["complaint_answer_on_time"]
    assert answer.hits == (month.complaints["C1"],) and answer.denominator == 2
    assert set(answer.ids) == set(month.complaints.values())
    # Excluded, counted and said why: no arrival time; a cancelled job; an unreached call.
    assert m.Exclusion(month.jobs["X"], m.NO_ARRIVAL_TIME) in zhang["on_site_on_time"].excluded
    assert zhang["on_site_on_time"].denominator == 7
    assert li["jobs"].excluded == (m.Exclusion(month.jobs["K"], m.CANCELLED),)
    assert m.Exclusion(month.jobs["J1"], m.NOT_REACHED) in zhang["follow_ups"].excluded
    # Each figure drills down to the jobs it counts.
    assert set(zhang["first_time_fix"].hits) == {month.jobs["R1"], month.jobs["R3"]}
    assert month.jobs["J2"] in zhang["first_time_fix"].ids
    assert zhang["first_time_fix"].denominator == 3
    assert zhang["licence_points"].text == "normal"
    assert zhang["licence_points"].detail["month_change"] == -3
    # The three controls show their denominators.
    assert (team["complaint_ppm"].numerator, team["complaint_ppm"].denominator) == (2, 11)
    dissatisfaction = team["dissatisfaction_ppm"]
    assert (dissatisfaction.numerator, dissatisfaction.denominator) == (1, 8)
    # Jobs by type and parts.
    by_type = {row[0]: row[1] for row in measures.tables["jobs_by_type"].rows}
    assert by_type == {"installation": 1, "repair": 3, "maintenance": 7}
    parts = measures.tables["parts_used"].rows
    assert [(r[0], r[3], r[4]) for r in parts] == [("ZY210-6011-03", 2, 0), ("ZY210-3101-01", 1, 1)]


def test_quality_feedback_pareto_repeat_repairs_and_hours_between_faults(store: Store) -> None:
    world, month, _ = seeded_store(store)
    with store.action(track=False) as session:
        from fieldapp.models import HourMeterReading

        session.add(HourMeterReading(machine_id=world.machine_id, hours=1500, read_at=cst(11, 18)))
        session.add(HourMeterReading(machine_id=world.machine_id, hours=1800, read_at=cst(12, 2)))
    with store.reader() as session:
        measures = m.month_measures(session, MONTH, team_id=None, now=AS_OF)
    pareto = measures.tables["pareto"]
    # The month's faults: R1 (ZY210 pump), R3 (ZY150 pump), J2 (ZY210 engine); X's
    # misuse is excluded and counted.
    assert [r[:3] for r in pareto.rows] == [
        ("ZY150", "hydraulic_pump", 1),
        ("ZY210", "engine", 1),
        ("ZY210", "hydraulic_pump", 1),
    ]
    assert [round(r[4], 4) for r in pareto.rows] == [0.3333, 0.6667, 1.0]
    assert pareto.excluded == (m.Exclusion(month.jobs["X"], m.MISUSE),)
    # The year's Pareto, grouped by the database, counts the same; a bar's jobs on a tap.
    with store.reader() as session:
        year, left_out = m.fault_pareto(session, cst(1, 1), cst(12, 31))
        pumps = m.fault_group_jobs(session, cst(1, 1), cst(12, 31), "ZY150", "hydraulic_pump")
    assert [r[:3] for r in year.rows][:1] == [("ZY150", "hydraulic_pump", 2)]
    assert left_out == {m.MISUSE: 1, m.NO_MODEL: 0}
    assert pumps == [month.jobs["R2"], month.jobs["R3"]]
    repeats = {r[:3]: r[3] for r in measures.tables["repeat_repairs"].rows}
    assert repeats == {
        ("ZY1502024B0001", "ZY150", "hydraulic_pump"): 2,
        ("ZY2102025A0157", "ZY210", "hydraulic_pump"): 2,
    }
    hours = {r[0]: r for r in measures.tables["hours_between_faults"].rows}
    # Machine A: 1,500 h at the month's end (the December reading is later), 2 faults.
    assert hours["ZY210"][1:5] == (1, 1500.0, 2, 750.0)
    # Machine C has a fault and no reading: left out of the mean, and counted.
    assert hours["ZY210"][5:] == (1, 1)
    assert hours["ZY150"] == ("ZY150", 0, 0.0, 0, None, 1, 2)


def test_the_csv_has_a_bom_and_the_screens_numbers(store: Store) -> None:
    _, _, team_id = seeded_store(store)
    with store.reader() as session:
        measures = m.month_measures(session, MONTH, team_id=team_id, now=AS_OF)
    text = m.csv_text(m.engineer_table(measures))
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    by_login = {r["login"]: r for r in rows}
    assert {k: by_login["zhang.wei"][k] for k in EXPECTED_ZHANG} == EXPECTED_ZHANG
    assert {k: by_login["li.qiang"][k] for k in EXPECTED_LI} == EXPECTED_LI
    assert {k: rows[-1][k] for k in EXPECTED_TEAM} == EXPECTED_TEAM
    assert rows[-1]["name"] == "合肥服务站"
    exclusions = m.csv_text(m.exclusions_table(measures))
    assert "no_arrival_time" in exclusions and "cancelled" in exclusions


def test_a_closed_month_is_frozen_and_a_later_change_shows(store: Store) -> None:
    world, month, team_id = seeded_store(store)
    with store.action() as session:
        supervisor = session.get(User, world.supervisor_id)
        assert supervisor is not None
        measures = m.month_measures(session, MONTH, team_id=team_id, now=AS_OF)
        closed = month_close.close_month(session, measures, supervisor, AS_OF)
    with store.reader() as session:
        frozen = month_close.snapshot(month_close.latest_close(session, MONTH, team_id))  # type: ignore[arg-type]
        again = m.month_measures(session, MONTH, team_id=team_id, now=AS_OF)
    assert frozen["engineers"][1]["figures"]["score"]["value"] == 20
    assert month_close.differences(frozen, again) == []
    # A call recorded after the close: a 不满意 on zhang's R1 takes his +5 and +10 away
    # and costs −5 (20 → 0).
    with store.action() as session:
        session.add(
            FollowUp(
                job_id=month.jobs["R1"],
                engineer_id=world.engineer_id,
                called_at=cst(11, 24),
                satisfaction="dissatisfied",
            )
        )
    with store.reader() as session:
        later = m.month_measures(session, MONTH, team_id=team_id, now=AS_OF)
    found = {(d.where, d.key): d for d in month_close.differences(frozen, later)}
    assert (found[("zhang.wei", "score")].before, found[("zhang.wei", "score")].after) == (20, 0)
    assert found[("zhang.wei", "follow_ups")].added == (month.jobs["R1"],)
    assert ("", "dissatisfaction_ppm") in found
    # The snapshot itself never changes; closing again supersedes it.
    with store.action() as session:
        supervisor = session.get(User, world.supervisor_id)
        assert supervisor is not None
        second = month_close.close_month(session, later, supervisor, AS_OF + timedelta(hours=1))
    with store.reader() as session:
        assert month_close.latest_close(session, MONTH, team_id).id == second.id  # type: ignore[union-attr]
        assert second.supersedes_id == closed.id
        assert len(month_close.closes(session, MONTH, team_id)) == 2


def test_only_a_supervisor_of_the_team_closes_its_month(store: Store) -> None:
    from fieldapp.services.common import DomainError

    world, _, team_id = seeded_store(store)
    with store.action() as session:
        engineer = session.get(User, world.engineer_id)
        measures = m.month_measures(session, MONTH, team_id=team_id, now=AS_OF, quality=False)
        with pytest.raises(DomainError) as refused:
            month_close.close_month(session, measures, engineer, AS_OF)  # type: ignore[arg-type]
        assert refused.value.code == "not_a_supervisor"
        everyone = m.month_measures(session, MONTH, team_id=None, now=AS_OF, quality=False)
        supervisor = session.get(User, world.supervisor_id)
        with pytest.raises(DomainError) as refused:
            month_close.close_month(session, everyone, supervisor, AS_OF)  # type: ignore[arg-type]
        assert refused.value.code == "not_your_team"


def test_the_hq_command_prints_the_same_figures(tmp_path: Path) -> None:
    from sync.hq.db import make_hq_engine, migrate_hq, session_scope

    url = f"sqlite:///{tmp_path / 'hq.sqlite'}"
    engine = make_hq_engine(url)
    migrate_hq(engine)
    with session_scope(engine) as session:
        seed_month(session)
    engine.dispose()
    command = [sys.executable, "-m", "sync.hq.cli", "--db", url, "measures", "--month", MONTH,
               "--team", "合肥服务站", "--as-of", AS_OF.isoformat()]  # fmt: skip
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    printed = subprocess.run([*command, "--json"], capture_output=True, env=env, check=True)
    data = json.loads(printed.stdout)
    engineers = {e["login"]: e["figures"] for e in data["engineers"]}
    assert {
        k: m.format_value(k, engineers["zhang.wei"][k]["value"]) for k in EXPECTED_ZHANG
    } == EXPECTED_ZHANG
    assert {k: m.format_value(k, engineers["li.qiang"][k]["value"]) for k in EXPECTED_LI} == (
        EXPECTED_LI
    )
    assert {k: m.format_value(k, data["team"][k]["value"]) for k in EXPECTED_TEAM} == EXPECTED_TEAM
    printed = subprocess.run([*command, "--csv"], capture_output=True, env=env, check=True)
    text = printed.stdout.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = {r["login"]: r for r in csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))}
    assert {k: rows["zhang.wei"][k] for k in EXPECTED_ZHANG} == EXPECTED_ZHANG
    refused = subprocess.run([*command[:-2], "--csv", "--month", "2026-13"], capture_output=True)
    assert refused.returncode == 2


def _seed_hq_month(session: Session) -> tuple[World, Month]:
    from fieldapp.models import JobEvent as Event

    world, month = seed_month(session)
    # The supervisor's device holds the team's jobs: HQ says so by their team.
    for job_id in month.jobs.values():
        session.add(
            Event(
                job_id=job_id,
                kind="assigned",
                occurred_at=cst(10, 1),
                data=json.dumps({"assignee_id": session.get(Job, job_id).assignee_id}),  # type: ignore[union-attr]
            )
        )
    return world, month


@pytest.mark.parametrize("kind", BACKENDS)
def test_a_closed_month_syncs_and_the_device_counts_as_hq(kind: str, tmp_path: Path) -> None:
    from fieldapp.models import MonthClose
    from sync.hq import scope
    from sync.hq.db import session_scope
    from tests.sync_support import enroll_device, serving_hq

    with serving_hq(kind, tmp_path, _seed_hq_month) as (server, seeded):
        world, _ = seeded
        device = enroll_device(server, "wang.min", tmp_path / "wm")
        device.sync()
        with device.store.action() as session:
            supervisor = session.get(User, world.supervisor_id)
            team_id = supervisor.team_id  # type: ignore[union-attr]
            on_device = m.month_measures(session, MONTH, team_id=team_id, now=AS_OF)
            closed = month_close.close_month(session, on_device, supervisor, AS_OF)  # type: ignore[arg-type]
        report = device.sync()
        assert report.rejected == 0 and report.pushed >= 1
        with session_scope(server.db()) as session:
            at_hq = session.get(MonthClose, closed.id)
            assert at_hq is not None and at_hq.content_hash == closed.content_hash
            counted = m.month_measures(session, MONTH, team_id=team_id, now=AS_OF)
            # The supervisor's replica counts what HQ counts.
            assert month_close.differences(month_close.snapshot(at_hq), counted) == []
            # Nobody else closes this team's month: not an engineer, nor a supervisor
            # for someone else, or for no team.
            engineer = session.get(User, world.engineer_id)
            supervisor = session.get(User, world.supervisor_id)
            forged = MonthClose(
                team_id=team_id,
                month=MONTH,
                closed_by_id=world.engineer_id,
                closed_at=AS_OF,
                content="{}",
                content_hash=month_close.content_hash("{}"),
            )
            for user, row in (
                (engineer, forged),
                (supervisor, forged),
                (
                    supervisor,
                    MonthClose(
                        **{
                            **forged.model_dump(),
                            "closed_by_id": world.supervisor_id,
                            "team_id": None,
                        }
                    ),
                ),
            ):
                with pytest.raises(scope.Denied):
                    scope.authorize(session, user, scope.Action.INSERT, row)  # type: ignore[arg-type]
            own = MonthClose(**{**forged.model_dump(), "closed_by_id": world.supervisor_id})
            scope.authorize(session, supervisor, scope.Action.INSERT, own)  # type: ignore[arg-type]


def test_the_month_pdf_prints_the_screens_numbers(
    qapp: object, store: Store, tmp_path: Path
) -> None:
    from ui.office import measures_export as export

    _, _, team_id = seeded_store(store)
    with store.reader() as session:
        measures = m.month_measures(session, MONTH, team_id=team_id, now=AS_OF)
    pdf = export.render_month_pdf(measures, tmp_path / "month.pdf", language="en")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True
    ).stdout.decode("utf-8")
    lines = [line.split() for line in text.splitlines()]
    table = m.engineer_table(measures)
    words = export.words_for("en")
    rows = {r[0]: r for r in export.text_rows(words, table)}
    for login, expected in (("zhang.wei", EXPECTED_ZHANG), ("li.qiang", EXPECTED_LI)):
        printed = [line for line in lines if line[:1] == [login]]
        assert len(printed) == 2  # the table in two halves
        for line, part in zip(printed, export.engineer_parts(table), strict=True):
            # Every cell of the row as the screen shows it, in the same order.
            assert line == [rows[login][i] for i in part]
        cells = dict(zip(table.columns, rows[login], strict=True))
        assert {k: cells[k] for k in expected} == expected
    # The cover, the quality pack and what was left out.
    assert "Service measures" in text and "2026-11" in text and "合肥服务站" in text
    assert "181818.2" in text and "125000.0" in text and "46100.00" in text
    assert "No arrival time" in text and "Cancelled after approval" in text
    assert "Faults by model and component" in text and "Operator misuse" in text
    zh = export.render_month_pdf(measures, tmp_path / "month-zh.pdf", language="zh_CN")
    chinese = subprocess.run(["pdftotext", str(zh), "-"], capture_output=True, check=True)
    assert "46100.00" in chinese.stdout.decode("utf-8")
