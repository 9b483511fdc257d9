"""The domain's operations on a real store: a whole job, stock, deadlines, scores."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlmodel import Session, select

from fieldapp import services
from fieldapp.models import (
    ChecklistAnswer,
    ChecklistRun,
    Fault,
    FollowUp,
    Job,
    JobEvent,
    Machine,
    Part,
    SignOff,
    TimeEntry,
    User,
)
from fieldapp.models.enums import JobEventKind as E
from fieldapp.rules.report_hash import verify_report
from fieldapp.services.common import DomainError
from fieldapp.store import Store
from tests.factories import NOW, World


def on_site(session: Session, world: World) -> tuple[Job, User]:
    job = session.get(Job, world.job_id)
    engineer = session.get(User, world.engineer_id)
    assert job and engineer
    for action in (E.ACCEPTED, E.DEPARTED, E.ARRIVED):
        services.transition(session, job, action, engineer, now=NOW)
    return job, engineer


def test_a_whole_job_signed_and_verifiable(store: Store, world: World) -> None:
    with store.action() as session:
        job, engineer = on_site(session, world)
        assert job.arrived_at == NOW and job.answered_at == NOW
        run = ChecklistRun(job_id=job.id, template_id=world.template_id, started_at=NOW)
        session.add(run)
        session.flush()
        first = ChecklistAnswer(
            run_id=run.id, item_id=world.item_ids[1], number_value=95, answered_at=NOW
        )
        session.add(first)
        session.flush()
        # The out-of-range reading is corrected: a new answer superseding the first.
        session.add(
            ChecklistAnswer(
                run_id=run.id,
                item_id=world.item_ids[1],
                number_value=65,
                supersedes_id=first.id,
                answered_at=NOW,
            )
        )
        session.add(
            ChecklistAnswer(
                run_id=run.id, item_id=world.item_ids[0], result="pass", answered_at=NOW
            )
        )
        fault = Fault(
            job_id=job.id,
            assembly="hydraulic_pump",
            symptom="主泵异响",
            cause="磨损",
            action="更换主泵",
            fixed=True,
        )
        session.add(fault)
        session.flush()
        pump = session.get(Part, world.pump_id)
        oil_filter = session.get(Part, world.filter_id)
        assert pump and oil_filter
        pump_line = services.use_part(
            session, job, pump, 1, engineer, location_id=world.van_id, fault=fault, now=NOW
        )
        filter_line = services.use_part(
            session, job, oil_filter, 2, engineer, location_id=world.van_id, now=NOW
        )
        session.add(
            TimeEntry(job_id=job.id, user_id=engineer.id, kind="labour", minutes=90, warranty=True)
        )
        session.add(TimeEntry(job_id=job.id, user_id=engineer.id, kind="labour", minutes=30))
        sign_off = services.sign_job(
            session,
            job,
            engineer,
            signer_name=" 刘建国 ",
            signature_sha256="ab" * 32,
            opinion="服务很好",
            satisfaction="very_satisfied",
            now=NOW + timedelta(hours=3),
        )
    # Machine bought 2025-06-01: in warranty, so the pump is free; the filter is a consumable.
    assert pump_line.warranty and not filter_line.warranty
    with store.reader() as session:
        stored = session.exec(select(SignOff)).one()
        assert stored.report_hash == sign_off.report_hash
        assert verify_report(stored.content, stored.report_hash)
        job = session.get(Job, world.job_id)
        assert job and job.status == "signed"
        # 2 filters at 280.00 + 30 chargeable minutes at 150.00/h; the pump and 90 min free.
        assert job.amount_cents == 2 * 28000 + 7500
        stock = services.stock_on_hand(session, world.van_id)
        assert stock == {world.pump_id: 3, world.filter_id: 2}
    import json

    content = json.loads(stored.content)
    assert content["sign_off"]["signer"] == "刘建国"
    assert [a["number"] for a in content["checklists"][0]["answers"]] == [None, 65]
    assert {p["part_no"]: p["warranty"] for p in content["parts"]} == {
        "ZY210-3101-01": True,
        "ZY210-6011-03": False,
    }


def test_work_is_recorded_only_on_site(store: Store, world: World) -> None:
    with pytest.raises(DomainError) as caught, store.action() as session:
        job = session.get(Job, world.job_id)
        engineer = session.get(User, world.engineer_id)
        pump = session.get(Part, world.pump_id)
        assert job and engineer and pump
        services.use_part(session, job, pump, 1, engineer, location_id=world.van_id)
    assert caught.value.code == "not_on_site"


def test_override_of_the_charge_needs_a_reason(store: Store, world: World) -> None:
    with store.action() as session:
        job, engineer = on_site(session, world)
        oil_filter = session.get(Part, world.filter_id)
        assert oil_filter
        with pytest.raises(DomainError) as caught:
            services.use_part(
                session, job, oil_filter, 1, engineer, location_id=None, chargeable=False
            )
        assert caught.value.code == "override_reason_required"
        line = services.use_part(
            session,
            job,
            oil_filter,
            1,
            engineer,
            location_id=None,
            chargeable=False,
            override_reason="滤芯质量问题，厂家承担",
        )
        assert line.warranty and line.override_reason == "滤芯质量问题，厂家承担"


def test_another_engineer_cannot_act_on_the_job(store: Store, world: World) -> None:
    with pytest.raises(DomainError) as caught, store.action() as session:
        job = session.get(Job, world.job_id)
        other = session.get(User, world.other_engineer_id)
        assert job and other
        services.transition(session, job, E.ACCEPTED, other)
    assert caught.value.code == "not_assignee"


def test_signing_needs_a_name_and_a_signature(store: Store, world: World) -> None:
    with store.action() as session:
        job, engineer = on_site(session, world)
        with pytest.raises(DomainError, match="name"):
            services.sign_job(session, job, engineer, signer_name=" ", signature_sha256="a" * 64)
        with pytest.raises(DomainError, match="signature"):
            services.sign_job(session, job, engineer, signer_name="刘建国", signature_sha256="")
        assert job.status == "on_site"


def test_returned_report_is_amended_by_a_new_signed_record(store: Store, world: World) -> None:
    with store.action() as session:
        job, engineer = on_site(session, world)
        first = services.sign_job(
            session, job, engineer, signer_name="刘建国", signature_sha256="a" * 64, now=NOW
        )
        supervisor = session.get(User, world.supervisor_id)
        assert supervisor
        services.transition(session, job, E.RETURNED, supervisor, reason="缺少旧件照片")
        second = services.sign_job(
            session,
            job,
            engineer,
            signer_name="刘建国",
            signature_sha256="b" * 64,
            now=NOW + timedelta(days=1),
        )
    assert second.amends_id == first.id
    assert second.report_hash != first.report_hash
    import json

    assert json.loads(second.content)["sign_off"]["amends"] == first.report_hash


def test_deadlines_follow_the_region_and_the_new_appointment(store: Store, world: World) -> None:
    with store.action() as session:
        job = session.get(Job, world.job_id)
        engineer = session.get(User, world.engineer_id)
        assert job and engineer
        deadlines = services.refresh_deadlines(session, job)
        assert deadlines.on_site_by == job.received_at + timedelta(hours=2)  # urgent, home
        job.urgency = "normal"
        services.transition(session, job, E.ACCEPTED, engineer, now=NOW)
        new_time = NOW + timedelta(days=1)
        services.reschedule(session, job, engineer, new_time, "客户明天才在工地", now=NOW)
        assert job.on_site_due_at == new_time
        kinds = [e.kind for e in session.exec(select(JobEvent).where(JobEvent.job_id == job.id))]
        assert kinds == ["accepted", "rescheduled"]


def test_dispatch_issues_and_their_correction(store: Store, world: World) -> None:
    with store.action() as session:
        job = session.get(Job, world.job_id)
        engineer = session.get(User, world.engineer_id)
        assert job and engineer
        assert services.dispatch_issues(session, job, date(2026, 11, 23)) == []
        job.contact_phone = ""
        job.reported_model = "ZY150"  # not the model of the machine on file
        issues = services.dispatch_issues(session, job, date(2026, 11, 23))
        assert {(i.field, i.code) for i in issues} == {
            ("phone", "phone_missing"),
            ("model", "model_differs_from_file"),
        }
        services.correct_dispatch(
            session,
            job,
            engineer,
            {"phone": "13905510002", "model": "ZY210"},
            note="与客户电话核实",
        )
        assert services.dispatch_issues(session, job, date(2026, 11, 23)) == []
        with pytest.raises(DomainError):
            services.correct_dispatch(session, job, engineer, {"status": "closed"})


def test_hour_meter_never_goes_back(store: Store, world: World) -> None:
    with store.action() as session:
        machine = session.get(Machine, world.machine_id)
        assert machine
        services.record_hour_meter(session, machine, 1250.5, job=None, now=NOW)
        with pytest.raises(DomainError) as caught:
            services.record_hour_meter(session, machine, 1100, job=None, now=NOW)
        assert caught.value.code == "hour_meter_backwards"
        assert machine.hour_meter == 1250.5


def test_engineer_month_from_follow_up_calls(store: Store, world: World) -> None:
    with store.action(track=False) as session:
        outcomes = ["very_satisfied"] * 8 + ["highly_satisfied"] * 2
        for n, satisfaction in enumerate(outcomes):
            job = Job(
                number=f"FW-2026-9{n:05d}",
                job_type="repair",
                customer_id=world.customer_id,
                assignee_id=world.engineer_id,
                received_at=NOW,
                status="closed",
                amount_cents=100_000,
            )
            session.add(job)
            session.flush()
            session.add(
                FollowUp(
                    job_id=job.id,
                    engineer_id=world.engineer_id,
                    called_at=NOW,
                    satisfaction=satisfaction,
                    praise=n == 0,
                )
            )
        # A call of the month before does not count.
        session.add(
            FollowUp(
                job_id=world.job_id,
                engineer_id=world.engineer_id,
                called_at=NOW - timedelta(days=30),
                satisfaction="dissatisfied",
            )
        )
    with store.reader() as session:
        month = services.engineer_month(session, world.engineer_id, 2026, 11)
    assert month.follow_ups == 10
    assert month.score.total == 20
    assert month.bonus_cents == 1000  # 0.1% of 10 × 1,000.00 yuan


def test_the_report_lists_the_visit_without_an_undone_departure(
    store: Store, world: World
) -> None:
    with store.action() as session:
        job = session.get(Job, world.job_id)
        engineer = session.get(User, world.engineer_id)
        assert job and engineer
        services.transition(session, job, E.ACCEPTED, engineer, now=NOW)
        services.transition(session, job, E.DEPARTED, engineer, now=NOW)
        # Tapped by mistake, corrected a minute later; the real departure follows.
        services.transition(
            session, job, E.DEPARTURE_UNDONE, engineer, now=NOW + timedelta(minutes=1)
        )
        services.transition(session, job, E.DEPARTED, engineer, now=NOW + timedelta(minutes=30))
        services.transition(session, job, E.ARRIVED, engineer, now=NOW + timedelta(minutes=90))
        content = services.build_report_content(
            session,
            job,
            signer_name="王",
            opinion="",
            satisfaction=None,
            signature_sha256="0" * 64,
            signed_at=NOW + timedelta(hours=3),
            engineer=engineer,
        )
        kinds = [(e["kind"], e["at"]) for e in content["events"]]
        assert kinds == [
            ("departed", NOW + timedelta(minutes=30)),
            ("arrived", NOW + timedelta(minutes=90)),
        ]
        # The register itself keeps every entry, the mistake and its correction too.
        registered = session.exec(select(JobEvent.kind).where(JobEvent.job_id == job.id)).all()
        assert sorted(registered).count("departed") == 2 and "departure_undone" in registered


def test_a_second_return_amends_the_report_in_force_whatever_the_clock(
    store: Store, world: World
) -> None:
    from fieldapp.models import Review

    with store.action() as session:
        job, engineer = on_site(session, world)
        supervisor = session.get(User, world.supervisor_id)
        assert supervisor

        def sign(sha: str, at: datetime) -> SignOff:
            return services.sign_job(
                session, job, engineer, signer_name="刘建国", signature_sha256=sha * 64, now=at
            )

        def give_back(sign_off: SignOff) -> None:
            session.flush()  # the sign-off is in the table before the review names it
            services.transition(session, job, E.RETURNED, supervisor, reason="缺少旧件照片")
            session.add(
                Review(
                    job_id=job.id,
                    signoff_id=sign_off.id,
                    reviewer_id=supervisor.id,
                    decision="returned",
                    reviewed_at=NOW,
                )
            )
            session.flush()

        first = sign("a", NOW)
        give_back(first)
        # The tablet's clock was set two days back when the customer signed again.
        second = sign("b", NOW - timedelta(days=2))
        assert second.amends_id == first.id
        give_back(second)
        third = sign("c", NOW + timedelta(hours=1))
    assert third.amends_id == second.id  # not the first, though it reads as the newest
