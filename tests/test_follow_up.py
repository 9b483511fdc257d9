"""The follow-up call: who is due (every job in grade A/B, a reproducible sample in C,
key customers always), the retry limit, a call recorded and the job closed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from sqlmodel import Session, select

from fieldapp.models import (
    Complaint,
    Customer,
    FollowUp,
    Job,
    JobEvent,
    OutboxEntry,
    Region,
    User,
)
from fieldapp.models.enums import Satisfaction
from fieldapp.rules import follow_up as rules
from fieldapp.services.common import DomainError
from fieldapp.services.follow_up import (
    CallRecord,
    close_not_sampled,
    follow_up_queue,
    record_call,
)
from fieldapp.store import Store
from tests.factories import NOW, World

LATER = NOW + timedelta(days=2)


def add_clerk(session: Session) -> User:
    clerk = User(login="chen.jing", display_name="陈静", role="clerk")
    session.add(clerk)
    session.flush()
    return clerk


def approve(session: Session, job_id: str, amount_cents: int = 120_000) -> Job:
    job = session.get(Job, job_id)
    assert job is not None
    job.status = "approved"
    job.completed_at = NOW
    job.amount_cents = amount_cents
    return job


def extra_job(session: Session, world: World, number: str, customer_id: str) -> Job:
    job = Job(
        number=number,
        job_type="repair",
        status="approved",
        customer_id=customer_id,
        assignee_id=world.engineer_id,
        received_at=NOW - timedelta(days=3),
        completed_at=NOW - timedelta(days=1),
    )
    session.add(job)
    session.flush()
    return job


# --- the rules ---------------------------------------------------------------------------


def test_the_sample_is_reproducible_nested_and_near_its_rate() -> None:
    ids = [f"job-{n:05d}" for n in range(4000)]
    fifth = {i for i in ids if rules.in_sample(i, Fraction(1, 5))}
    assert fifth == {i for i in ids if rules.in_sample(i, Fraction(1, 5))}  # no randomness
    assert abs(len(fifth) / len(ids) - 0.2) < 0.03
    half = {i for i in ids if rules.in_sample(i, Fraction(1, 2))}
    assert fifth < half  # a higher rate keeps every job a lower one picked
    assert not any(rules.in_sample(i, Fraction(0)) for i in ids)
    assert all(rules.in_sample(i, Fraction(1)) for i in ids)


def test_who_is_due_for_a_call() -> None:
    inside = next(f"j{n}" for n in range(1000) if rules.in_sample(f"j{n}", Fraction(1, 5)))
    outside = next(f"j{n}" for n in range(1000) if not rules.in_sample(f"j{n}", Fraction(1, 5)))
    assert rules.due_reason(outside, "A", False) == rules.DueReason.GRADE
    assert rules.due_reason(outside, "B", False) == rules.DueReason.GRADE
    assert rules.due_reason(outside, "C", False) is None
    assert rules.due_reason(inside, "C", False) == rules.DueReason.SAMPLE
    assert rules.due_reason(outside, "C", True) == rules.DueReason.KEY_CUSTOMER


@pytest.mark.parametrize(
    ("text", "rate"),
    [("0.2", Fraction(1, 5)), ("35%", Fraction(7, 20)), ("1/10", Fraction(1, 10)), ("2", 1)],
)
def test_the_configured_rate_is_read(text: str, rate: Fraction) -> None:
    assert rules.sample_rate(text) == rate


def test_an_unreadable_rate_falls_back_to_the_default() -> None:
    assert rules.sample_rate("lots") == rules.DEFAULT_SAMPLE_RATE
    assert rules.sample_rate("") == rules.DEFAULT_SAMPLE_RATE


def test_unanswered_calls_wait_and_then_give_up() -> None:
    class Call:
        def __init__(self, at: datetime, reached: bool = False) -> None:
            self.called_at, self.reached = at, reached

    one = rules.call_state([Call(NOW)])
    assert (one.attempts, one.gave_up, one.attempts_left) == (1, False, 2)
    assert one.waiting(NOW + timedelta(hours=1)) and not one.waiting(NOW + timedelta(hours=2))
    three = rules.call_state([Call(NOW), Call(NOW + timedelta(hours=3)), Call(NOW + timedelta(1))])
    assert three.gave_up and three.attempts_left == 0
    assert rules.call_state([Call(NOW), Call(LATER, reached=True)]).reached


# --- the service -------------------------------------------------------------------------


def test_a_key_customer_reached_and_dissatisfied_opens_a_complaint_and_closes_the_job(
    store: Store, world: World
) -> None:
    with store.action() as session:
        clerk = add_clerk(session)
        approve(session, world.job_id)
    with store.action() as session:
        queue = follow_up_queue(session, LATER)
        [item] = queue.items
        assert item.reason == rules.DueReason.KEY_CUSTOMER
        assert item.phone == "13905510001" and item.engineer and item.engineer.login == "zhang.wei"
        result = record_call(
            session,
            item.job,
            session.get(User, clerk.id),  # type: ignore[arg-type]
            CallRecord(
                reached=True,
                satisfaction=Satisfaction.DISSATISFIED,
                comment="来得太晚",
                complaint="工程师迟到三小时",
            ),
            now=LATER,
        )
        assert result.closed
    with store.reader() as session:
        job = session.get(Job, world.job_id)
        assert job is not None and job.status == "closed"
        [call] = session.exec(select(FollowUp)).all()
        assert (call.satisfaction, call.engineer_id, call.clerk_id) == (
            "dissatisfied",
            world.engineer_id,
            clerk.id,
        )
        [complaint] = session.exec(select(Complaint)).all()
        assert complaint.follow_up_id == call.id and complaint.job_id == world.job_id
        assert complaint.status == "open" and complaint.owner_id == clerk.id
        closed = session.exec(select(JobEvent).where(JobEvent.kind == "closed")).one()
        assert (closed.from_status, closed.to_status) == ("approved", "closed")
        assert follow_up_queue(session, LATER).items == []
        # The outbox carries the call, the complaint and the job's closing to HQ.
        tables = set(session.exec(select(OutboxEntry.table_name)).all())
        assert {"followup", "complaint", "job", "jobevent"} <= tables


def test_unreached_calls_retry_then_close_the_job_as_not_reached(
    store: Store, world: World
) -> None:
    with store.action() as session:
        clerk = add_clerk(session)
        approve(session, world.job_id)
    for n in range(rules.MAX_ATTEMPTS):
        at = LATER + timedelta(hours=3 * n)
        with store.action() as session:
            job = session.get(Job, world.job_id)
            assert job is not None and job.status == "approved"
            result = record_call(
                session, job, session.get(User, clerk.id), CallRecord(reached=False), now=at
            )  # type: ignore[arg-type]
            assert result.attempts_left == rules.MAX_ATTEMPTS - n - 1
        with store.reader() as session:
            queue = follow_up_queue(session, at + timedelta(minutes=5))
            if n < rules.MAX_ATTEMPTS - 1:
                [item] = queue.items
                assert item.state.attempts == n + 1
                assert item.state.waiting(at + timedelta(minutes=5))
            else:
                assert queue.items == []
    with store.reader() as session:
        job = session.get(Job, world.job_id)
        assert job is not None and job.status == "closed"
        closed = session.exec(select(JobEvent).where(JobEvent.kind == "closed")).one()
        assert "not reached" in closed.note
        assert all(not c.reached and c.satisfaction is None for c in session.exec(select(FollowUp)))


def test_a_call_is_refused_without_satisfaction_on_an_unapproved_job_or_by_an_engineer(
    store: Store, world: World
) -> None:
    with store.action() as session:
        clerk = add_clerk(session)
        job = session.get(Job, world.job_id)
        assert job is not None
        with pytest.raises(DomainError) as refused:
            record_call(session, job, clerk, CallRecord(reached=True), now=LATER)
        assert refused.value.code == "not_approved"
        approve(session, world.job_id)
        with pytest.raises(DomainError) as refused:
            record_call(session, job, clerk, CallRecord(reached=True), now=LATER)
        assert refused.value.code == "satisfaction_required"
        engineer = session.get(User, world.engineer_id)
        with pytest.raises(DomainError) as refused:
            record_call(
                session,
                job,
                engineer,  # type: ignore[arg-type]
                CallRecord(reached=True, satisfaction=Satisfaction.SATISFIED),
                now=LATER,
            )
        assert refused.value.code == "forbidden_role"


def test_grade_c_jobs_outside_the_sample_are_not_queued_and_can_be_closed(
    store: Store, world: World
) -> None:
    with store.action() as session:
        clerk = add_clerk(session)
        region = Region(code="XZ", name_zh="西藏", grade="C", is_remote=True)
        session.add(region)
        session.flush()
        plain = Customer(code="C900", name="拉萨砂石厂", region_id=region.id)
        session.add(plain)
        session.flush()
        jobs = [extra_job(session, world, f"FW-2026-9{n:05d}", plain.id) for n in range(30)]
        rate = Fraction(1, 5)
        sampled = {j.id for j in jobs if rules.in_sample(j.id, rate)}
        assert 0 < len(sampled) < len(jobs)
    with store.action() as session:
        queue = follow_up_queue(session, LATER, rate)
        assert {i.job.id for i in queue.items} == sampled
        assert all(i.reason == rules.DueReason.SAMPLE for i in queue.items)
        assert {j.id for j in queue.not_sampled} == {j.id for j in jobs} - sampled
        closed = close_not_sampled(session, session.get(User, clerk.id), now=LATER, rate=rate)  # type: ignore[arg-type]
        assert closed == len(jobs) - len(sampled)
    with store.reader() as session:
        statuses = {j.id: j.status for j in session.exec(select(Job)).all()}
        assert all(statuses[j] == "closed" for j in {j.id for j in jobs} - sampled)
        assert all(statuses[j] == "approved" for j in sampled)
        notes = [e.note for e in session.exec(select(JobEvent).where(JobEvent.kind == "closed"))]
        assert notes and all("not sampled" in n for n in notes)


def test_the_call_data_is_what_the_clerk_reads(store: Store, world: World) -> None:
    with store.action() as session:
        add_clerk(session)
        approve(session, world.job_id, amount_cents=345_600)
    with store.reader() as session:
        [item] = follow_up_queue(session, datetime(2026, 11, 25, tzinfo=UTC)).items
        assert item.job.amount_cents == 345_600
        assert item.machine is not None and item.model is not None
        assert item.model.code == "ZY210" and item.contact == "刘建国"
        assert json.dumps(item.region_grade) == '"A"'
