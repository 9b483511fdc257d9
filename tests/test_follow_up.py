"""The follow-up call: who is due (every job in grade A/B, a reproducible sample in C at
the company's rate, key customers always), the retry limit, a call recorded and the job
closed; the sample rate set on one clerk's device is every device's after a sync."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path

import alembic.command
import pytest
from sqlalchemy import Connection, inspect
from sqlmodel import Session, select

from fieldapp.models import (
    CompanyProfile,
    Complaint,
    Customer,
    FollowUp,
    Job,
    JobEvent,
    OutboxEntry,
    Region,
    User,
)
from fieldapp.models.company import COMPANY_PROFILE_ID, DEFAULT_FOLLOW_UP_SAMPLE_PERCENT
from fieldapp.models.enums import Satisfaction
from fieldapp.rules import follow_up as rules
from fieldapp.services.common import DomainError
from fieldapp.services.follow_up import (
    CallRecord,
    close_not_sampled,
    company_sample_rate,
    follow_up_queue,
    record_call,
    sample_percent,
    set_sample_percent,
)
from fieldapp.store import MIGRATIONS_DIR, Store
from sync.hq.db import hq_alembic_config, make_hq_engine, migrate_hq, session_scope
from sync.hq.integrity import mismatches, rebuild_digests
from sync.hq.models import BucketSum, RowLog
from tests.conftest import BACKENDS, seed_world
from tests.factories import NOW, World
from tests.sync_support import HQ, database, enroll_device, mutation, push, serving_hq
from tests.test_hq_cli import Cli, cli  # noqa: F401  (the fieldapp-hq command line)

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


# --- the company's sample rate -----------------------------------------------------------


def add_profile(session: Session, percent: int | None = None) -> CompanyProfile:
    """The company profile as HQ sends it (HQ makes it; a device only changes the rate)."""
    profile = CompanyProfile(id=COMPANY_PROFILE_ID, name_zh="中岳重工")
    if percent is not None:
        profile.follow_up_sample_percent = percent
    session.add(profile)
    session.flush()
    return profile


def grade_c_customer(session: Session) -> str:
    region = Region(code="XZ", name_zh="西藏", grade="C", is_remote=True)
    session.add(region)
    session.flush()
    plain = Customer(code="C900", name="拉萨砂石厂", region_id=region.id)
    session.add(plain)
    session.flush()
    return plain.id


def grade_c_jobs(session: Session, world: World, count: int) -> list[Job]:
    customer_id = grade_c_customer(session)
    return [extra_job(session, world, f"FW-2026-8{n:05d}", customer_id) for n in range(count)]


def test_the_default_percent_is_the_default_rate() -> None:
    assert Fraction(DEFAULT_FOLLOW_UP_SAMPLE_PERCENT, 100) == rules.DEFAULT_SAMPLE_RATE
    path = MIGRATIONS_DIR / "versions" / "0008_reminder_dismissal.py"
    spec = importlib.util.spec_from_file_location("migration_0008", path)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert migration.DEFAULT_SAMPLE_PERCENT == DEFAULT_FOLLOW_UP_SAMPLE_PERCENT


def test_the_queue_samples_grade_c_at_the_companys_rate(store: Store, world: World) -> None:
    with store.action() as session:
        clerk = add_clerk(session)
        ids = {j.id for j in grade_c_jobs(session, world, 30)}

    def queued() -> set[str]:
        with store.reader() as session:
            return {i.job.id for i in follow_up_queue(session, LATER).items}

    # No profile yet (before the first sync): the default rate.
    with store.reader() as session:
        assert (sample_percent(session), company_sample_rate(session)) == (20, Fraction(1, 5))
    fifth = {i for i in ids if rules.in_sample(i, Fraction(1, 5))}
    half = {i for i in ids if rules.in_sample(i, Fraction(1, 2))}
    assert fifth < half < ids
    assert queued() == fifth
    with store.action(track=False) as session:
        add_profile(session, 50)  # as pulled from HQ
    assert queued() == half
    with store.action() as session:
        actor = session.get(User, clerk.id)
        assert actor is not None
        set_sample_percent(session, actor, 100)
    assert queued() == ids
    with store.reader() as session:
        [entry] = session.exec(
            select(OutboxEntry).where(OutboxEntry.table_name == "companyprofile")
        ).all()
        assert (entry.op, json.loads(entry.fields)) == ("update", {"follow_up_sample_percent": 100})
    with store.action() as session:
        actor = session.get(User, clerk.id)
        assert actor is not None
        set_sample_percent(session, actor, 0)
        # Closing the jobs not sampled follows the company's rate too.
        assert close_not_sampled(session, actor, now=LATER) == len(ids)
    assert queued() == set()


def test_the_rate_is_set_by_the_office_within_0_to_100_once_hq_sent_the_profile(
    store: Store, world: World
) -> None:
    with store.action() as session:
        clerk = add_clerk(session)
        with pytest.raises(DomainError) as refused:
            set_sample_percent(session, clerk, 30)
        assert refused.value.code == "no_company_profile"
    with store.action(track=False) as session:
        add_profile(session)
    with store.action() as session:
        clerk = session.get(User, clerk.id)  # type: ignore[assignment]
        engineer = session.get(User, world.engineer_id)
        assert clerk is not None and engineer is not None
        for percent in (-1, 101):
            with pytest.raises(DomainError) as refused:
                set_sample_percent(session, clerk, percent)
            assert refused.value.code == "bad_sample_rate"
        with pytest.raises(DomainError) as refused:
            set_sample_percent(session, engineer, 30)
        assert refused.value.code == "forbidden_role"
        supervisor = session.get(User, world.supervisor_id)
        assert supervisor is not None
        assert set_sample_percent(session, supervisor, 30).follow_up_sample_percent == 30
    with store.reader() as session:
        assert sample_percent(session) == 30


# --- at HQ: one rate for every clerk -------------------------------------------------------


def outside_the_default_sample() -> str:
    """A job id the default rate (1/5) leaves out of the sample."""
    return next(
        job_id
        for n in range(1000)
        if not rules.in_sample(job_id := f"c0000000-0000-4000-8000-{n:012d}", Fraction(1, 5))
    )


def seed_two_clerks(session: Session) -> tuple[World, str]:
    world = seed_world(session)
    add_clerk(session)
    session.add(User(login="zhao.li", display_name="赵丽", role="clerk"))
    add_profile(session)
    job_id = outside_the_default_sample()
    session.add(
        Job(
            id=job_id,
            number="FW-2026-800100",
            job_type="repair",
            status="approved",
            customer_id=grade_c_customer(session),
            assignee_id=world.engineer_id,
            received_at=NOW - timedelta(days=3),
            completed_at=NOW - timedelta(days=1),
        )
    )
    session.flush()
    return world, job_id


@pytest.fixture(params=BACKENDS)
def clerks_hq(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[HQ, tuple[World, str]]]:
    with serving_hq(request.param, tmp_path, seed_two_clerks) as served:
        yield served


def test_the_rate_set_on_one_clerks_device_changes_the_queue_on_another(
    clerks_hq: tuple[HQ, tuple[World, str]], tmp_path: Path
) -> None:
    hq, (_world, job_id) = clerks_hq
    first = enroll_device(hq, "chen.jing", tmp_path / "first")
    second = enroll_device(hq, "zhao.li", tmp_path / "second")
    first.sync()
    second.sync()
    with second.store.reader() as session:
        queue = follow_up_queue(session, LATER)
        assert job_id not in {i.job.id for i in queue.items}
        assert [j.id for j in queue.not_sampled] == [job_id]
    with first.store.action() as session:
        clerk = session.exec(select(User).where(User.login == "chen.jing")).one()
        set_sample_percent(session, clerk, 100)
    report = first.sync()
    assert (report.pushed, report.rejected) == (1, 0), report
    with session_scope(hq.db()) as session:
        profile = session.get(CompanyProfile, COMPANY_PROFILE_ID)
        assert profile is not None and profile.follow_up_sample_percent == 100
        assert profile.version == 2
    assert second.sync(full_verify=True).repaired_buckets == []
    with second.store.reader() as session:
        assert sample_percent(session) == 100
        [item] = follow_up_queue(session, LATER).items
        assert (item.job.id, item.reason) == (job_id, rules.DueReason.SAMPLE)

    # HQ: a clerk or a supervisor changes that column only; an engineer never.
    profile_id = COMPANY_PROFILE_ID
    [name] = push(first, mutation(1, "companyprofile", profile_id, "update", {"name_zh": "x"}, 2))
    assert (name["status"], name["code"]) == ("rejected", "forbidden")
    engineer = enroll_device(hq, "zhang.wei", tmp_path / "engineer")
    engineer.sync()
    rate = {"follow_up_sample_percent": 0}
    [refused] = push(engineer, mutation(2, "companyprofile", profile_id, "update", rate, 2))
    assert (refused["status"], refused["code"]) == ("rejected", "forbidden")
    supervisor = enroll_device(hq, "wang.min", tmp_path / "supervisor")
    supervisor.sync()
    [letterhead] = push(
        supervisor, mutation(3, "companyprofile", profile_id, "update", {"hotline": "1"}, 2)
    )
    assert (letterhead["status"], letterhead["code"]) == ("rejected", "forbidden")
    [applied] = push(supervisor, mutation(4, "companyprofile", profile_id, "update", rate, 2))
    assert (applied["status"], applied["version"]) == ("applied", 3), applied
    with session_scope(hq.db()) as session:
        profile = session.get(CompanyProfile, COMPANY_PROFILE_ID)
        assert profile is not None and profile.follow_up_sample_percent == 0
        assert profile.name_zh == "中岳重工" and profile.hotline == ""
    for device in (first, second, engineer, supervisor):
        device.store.close()


def test_fieldapp_hq_company_set_sets_the_sample_rate(cli: Cli) -> None:  # noqa: F811
    cli.migrate()
    cli.ok("company", "set", "--name-zh", "中岳重工", "--follow-up-sample", "35")
    assert json.loads(cli.ok("company", "show"))["follow_up_sample_percent"] == 35
    refused = cli.refused("company", "set", "--follow-up-sample", "150")
    assert "0 to 100" in refused.stderr
    cli.ok("company", "set", "--hotline", "400-820-6688")  # the rate is kept
    shown = json.loads(cli.ok("company", "show"))
    assert (shown["follow_up_sample_percent"], shown["version"]) == (35, 2)


@pytest.mark.parametrize("kind", BACKENDS)
def test_hq_upgrading_to_protocol_3_recomputes_the_profile_digests(
    kind: str, tmp_path: Path
) -> None:
    with database(kind, tmp_path) as url:
        engine = make_hq_engine(url)
        try:
            migrate_hq(engine)
            with session_scope(engine) as session:
                add_profile(session, 35)
            # Back to protocol 2's schema, its digests as HQ logged them then.
            with engine.connect() as connection:
                config = hq_alembic_config(connection)
                alembic.command.downgrade(config, "hq0006")
                alembic.command.downgrade(config, "0007")
                columns = {"companyprofile": old_columns(connection)}
                assert "follow_up_sample_percent" not in columns["companyprofile"]
                rebuild_digests(connection, columns, ["companyprofile"])
                connection.commit()
            migrate_hq(engine)  # 0008 adds the column (20 %), hq0007 the digests
            with engine.connect() as connection:
                assert mismatches(connection)[1] == []
                digests = connection.execute(
                    select(RowLog.digest).where(RowLog.bucket == "catalogue")
                ).all()
                [catalogue] = connection.execute(
                    select(BucketSum).where(BucketSum.bucket == "catalogue")
                ).all()
                assert (catalogue.rows, catalogue.total) == (
                    len(digests),
                    sum(d for (d,) in digests),
                )
            with session_scope(engine) as session:
                profile = session.get(CompanyProfile, COMPANY_PROFILE_ID)
                assert profile is not None and profile.follow_up_sample_percent == 20
        finally:
            engine.dispose()


def old_columns(connection: Connection) -> set[str]:
    return {c["name"] for c in inspect(connection).get_columns("companyprofile")}
