"""Reminders that bring customers back: maintenance by hour meter or date, declined
repairs, warranty ending; a reminder turned into a job (pushed to HQ by a clerk) or
dismissed with a reason (a machine with no job too, synced to the engineers' customer
files); the engineer's customer file shows the same list."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from fieldapp.models import (
    HourMeterReading,
    Job,
    JobEvent,
    Machine,
    OutboxEntry,
    PreInspectionFinding,
    ReminderDismissal,
    User,
)
from fieldapp.rules import reminders as rules
from fieldapp.rules.warranty import WarrantyPolicy, assess_warranty
from fieldapp.services import reminders as svc
from fieldapp.services.common import DomainError
from fieldapp.store import Store
from fieldapp.views import customer_file
from sync.hq.db import session_scope
from sync.hq.models import RowLog
from tests.conftest import BACKENDS, seed_world
from tests.factories import NOW, World
from tests.sync_support import HQ, enroll_device, mutation, push, serving_hq
from tests.test_follow_up import add_clerk

TODAY = date(2026, 11, 23)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 8, tzinfo=NOW.tzinfo)


def facts(
    readings: list[tuple[date, float]],
    *,
    last: rules.LastService | None = None,
    purchased: date = date(2025, 6, 1),
) -> rules.MachineFacts:
    return rules.MachineFacts(
        machine_id="m1",
        customer_id="c1",
        interval_hours=250,
        readings=[rules.Reading(at(d), h) for d, h in readings],
        last_service=last,
        warranty=assess_warranty(WarrantyPolicy(), purchased, TODAY),
    )


# --- the rules ---------------------------------------------------------------------------


def test_the_hours_are_estimated_from_the_daily_use() -> None:
    readings = [
        rules.Reading(at(TODAY - timedelta(days=20)), 900),
        rules.Reading(at(TODAY - timedelta(days=10)), 980),
    ]
    assert rules.daily_use(readings) == pytest.approx(8.0)
    assert rules.estimated_hours(readings, TODAY) == pytest.approx(1060.0)


@pytest.mark.parametrize(
    ("serviced_at", "hours", "mark", "service", "overdue"),
    [
        (1000, 1210, 1250, 250, False),
        (1250, 1460, 1500, 500, False),
        (1750, 1990, 2000, 1000, False),
        (1000, 1260, 1250, 250, True),
    ],
)
def test_the_next_service_mark_and_its_level(
    serviced_at: float, hours: float, mark: float, service: int, overdue: bool
) -> None:
    last = rules.LastService(TODAY - timedelta(days=30), serviced_at)
    reminder = rules.hours_reminder(facts([(TODAY, hours)], last=last), TODAY)
    assert reminder is not None
    assert (reminder.mark_hours, reminder.service_hours, reminder.overdue) == (
        mark,
        service,
        overdue,
    )


def test_a_service_done_a_little_early_counts_as_its_mark() -> None:
    early = rules.LastService(TODAY - timedelta(days=20), 2998.1)
    assert rules.next_mark(facts([(TODAY, 3100)], last=early), 3100) == 3250
    assert rules.hours_reminder(facts([(TODAY, 3100)], last=early), TODAY) is None


def test_without_a_service_on_file_only_the_coming_mark_is_due() -> None:
    # 9100 h and no service known: not "overdue since 250 h", the 9250 h one is next.
    assert rules.hours_reminder(facts([(TODAY, 9100)]), TODAY) is None
    coming = rules.hours_reminder(facts([(TODAY, 9210)]), TODAY)
    assert coming is not None and coming.mark_hours == 9250 and not coming.overdue
    # A service on file without a reading: the reading of that day is its hours.
    last = rules.LastService(TODAY - timedelta(days=30), None)
    readings = [(TODAY - timedelta(days=30), 1000), (TODAY, 1300)]
    overdue = rules.hours_reminder(facts(readings, last=last), TODAY)
    assert overdue is not None and overdue.mark_hours == 1250 and overdue.overdue


def test_a_mark_far_ahead_is_not_due_and_one_passed_is_overdue() -> None:
    last = rules.LastService(TODAY - timedelta(days=30), 1000)
    assert rules.hours_reminder(facts([(TODAY, 1100)], last=last), TODAY) is None
    passed = rules.hours_reminder(facts([(TODAY, 1270)], last=last), TODAY)
    assert passed is not None and passed.overdue and passed.mark_hours == 1250
    assert passed.key == "service_hours:m1:1250"
    assert rules.service_level(1000, 250) == 1000 and rules.service_level(1500, 250) == 500


def test_a_coming_mark_gets_its_day_from_the_daily_use() -> None:
    last = rules.LastService(TODAY - timedelta(days=60), 1000)
    reminder = rules.hours_reminder(
        facts([(TODAY - timedelta(days=10), 1130), (TODAY, 1230)], last=last), TODAY
    )
    assert reminder is not None and not reminder.overdue
    assert reminder.due_on == TODAY + timedelta(days=2)  # 20 h left at 10 h a day


def test_maintenance_by_date_when_the_hours_are_not_due() -> None:
    last = rules.LastService(TODAY - timedelta(days=175), 1000)
    [by_date] = rules.machine_reminders(facts([(TODAY, 1050)], last=last), TODAY)
    assert by_date.kind == rules.ReminderKind.SERVICE_DATE
    assert by_date.due_on == TODAY + timedelta(days=7) and not by_date.overdue
    # No service on file: the next half-year step from the purchase that is still ahead.
    bought = TODAY - timedelta(days=182 * 3 - 5)
    [step] = rules.machine_reminders(facts([], purchased=bought), TODAY)
    assert step.due_on == TODAY + timedelta(days=5) and not step.overdue
    assert rules.machine_reminders(facts([], purchased=bought - timedelta(days=30)), TODAY) == []
    recent = rules.LastService(TODAY - timedelta(days=100), 1000)
    assert rules.machine_reminders(facts([(TODAY, 1050)], last=recent), TODAY) == []


@pytest.mark.parametrize(("days_left", "due"), [(0, True), (29, True), (30, True), (31, False)])
def test_warranty_ending_within_30_days(days_left: int, due: bool) -> None:
    # Two years of free repair end the day before the second anniversary.
    purchased = TODAY + timedelta(days=days_left + 1) - timedelta(days=730)
    fact = facts([], purchased=purchased)
    assert fact.warranty.warranty_until is not None
    purchased += TODAY + timedelta(days=days_left) - fact.warranty.warranty_until
    fact = facts([], purchased=purchased)
    assert fact.warranty.warranty_until == TODAY + timedelta(days=days_left)
    reminder = rules.warranty_reminder(fact, TODAY)
    assert (reminder is not None) == due
    if reminder:
        assert reminder.due_on == TODAY + timedelta(days=days_left)


def test_a_declined_repair_falls_due_by_date_by_hours_or_at_once() -> None:
    def finding(**kw: object) -> rules.FindingFacts:
        values = dict(
            finding_id="f1",
            job_id="j1",
            machine_id="m1",
            customer_id="c1",
            component="斗齿",
            description="斗齿磨损严重",
            danger_if_not="斗齿断裂损坏斗体",
            remaining_life="约100小时",
            remind_on=None,
            remind_at_hours=None,
            found_on=TODAY - timedelta(days=40),
        )
        values.update(kw)
        return rules.FindingFacts(**values)  # type: ignore[arg-type]

    now = rules.finding_reminder(finding(), 1200, TODAY)
    assert now is not None and now.danger_if_not == "斗齿断裂损坏斗体"
    assert now.key == "declined_repair:f1" and now.source_job_id == "j1"
    assert (
        rules.finding_reminder(finding(remind_on=TODAY + timedelta(days=30)), 1200, TODAY) is None
    )
    dated = rules.finding_reminder(finding(remind_on=TODAY - timedelta(days=1)), 1200, TODAY)
    assert dated is not None and dated.overdue
    assert rules.finding_reminder(finding(remind_at_hours=1400), 1200, TODAY) is None
    hours = rules.finding_reminder(finding(remind_at_hours=1220), 1200, TODAY)
    assert hours is not None and not hours.overdue


# --- the service -------------------------------------------------------------------------


def seed_reminders(session: Session, world: World) -> str:
    """Readings that put the world's machine at its 1250 h service, a declined repair
    on an earlier visit; returns the finding's id."""
    machine = session.get(Machine, world.machine_id)
    assert machine is not None
    for days, hours in ((30, 1000), (10, 1160), (0, 1240)):
        session.add(
            HourMeterReading(machine_id=machine.id, hours=hours, read_at=NOW - timedelta(days=days))
        )
    machine.hour_meter, machine.hour_meter_read_at = 1240, NOW
    earlier = Job(
        number="FW-2026-000050",
        job_type="repair",
        status="on_site",  # closed once its finding is recorded (a signed report is frozen)
        customer_id=world.customer_id,
        machine_id=machine.id,
        received_at=NOW - timedelta(days=60),
        arrived_at=NOW - timedelta(days=60),
    )
    session.add(earlier)
    session.flush()
    finding = PreInspectionFinding(
        job_id=earlier.id,
        machine_id=machine.id,
        component="斗齿",
        description="斗齿磨损严重",
        fix_now=False,
        danger_if_not="斗齿断裂损坏斗体",
    )
    session.add(finding)
    session.flush()
    earlier.status = "closed"
    session.flush()
    return finding.id


def test_the_list_turns_a_reminder_into_a_job_and_dismisses_another(
    store: Store, world: World
) -> None:
    with store.action() as session:
        clerk = add_clerk(session)
        finding_id = seed_reminders(session, world)
    with store.reader() as session:
        items = svc.reminder_list(session, TODAY)
        kinds = {i.reminder.kind for i in items}
        assert kinds == {rules.ReminderKind.SERVICE_HOURS, rules.ReminderKind.DECLINED_REPAIR}
        service = next(i for i in items if i.reminder.kind == rules.ReminderKind.SERVICE_HOURS)
        assert service.reminder.mark_hours == 1250 and service.customer.name == "合肥城建集团"
        assert service.model is not None and service.model.code == "ZY210"
        # The engineer's customer file shows the same reminders.
        file = customer_file(session, world.customer_id, TODAY)
        assert {r.key for r in file.reminders} == {i.reminder.key for i in items}
        assert [f.id for f in file.due_findings] == [finding_id]
    with store.action() as session:
        actor = session.get(User, clerk.id)
        assert actor is not None
        job = svc.reminder_to_job(
            session, service.reminder, actor, now=NOW, symptom="1250 h service due", device_id=None
        )
        assert (job.status, job.assignee_id, job.job_type) == ("new", None, "maintenance")
        assert job.number.startswith("~") and job.reported_serial == "ZY2102025A0157"
        assert job.on_site_due_at is not None and job.team_id is not None
        with pytest.raises(DomainError) as refused:
            svc.reminder_to_job(session, service.reminder, actor, now=NOW, symptom="again")
        assert refused.value.code == "reminder_handled"
        declined = svc.find_reminder(session, f"declined_repair:{finding_id}", TODAY)
        with pytest.raises(DomainError) as refused:
            svc.dismiss_reminder(session, declined, actor, " ", now=NOW)
        assert refused.value.code == "reason_required"
        dismissal = svc.dismiss_reminder(session, declined, actor, "客户已自行更换", now=NOW)
        assert (dismissal.reminder_key, dismissal.reason) == (declined.key, "客户已自行更换")
        assert (dismissal.customer_id, dismissal.machine_id) == (
            world.customer_id,
            world.machine_id,
        )
        assert (dismissal.dismissed_by_id, dismissal.dismissed_at) == (clerk.id, NOW)
        with pytest.raises(DomainError) as refused:
            svc.dismiss_reminder(session, declined, actor, "again", now=NOW)
        assert refused.value.code == "reminder_handled"
    with store.reader() as session:
        assert svc.reminder_list(session, TODAY) == []
        assert customer_file(session, world.customer_id, TODAY).reminders == []
        # The dismissed one is still computed; the service one is silenced by its open job.
        [kept] = svc.reminder_list(session, TODAY, include_handled=True)
        assert kept.reminder.kind == rules.ReminderKind.DECLINED_REPAIR
        created = session.exec(select(JobEvent).where(JobEvent.kind == "created")).one()
        assert json.loads(created.data)["reminder"] == service.reminder.key
        # The dismissal is its own row, no job event: it syncs as one insert.
        assert session.exec(select(JobEvent).where(JobEvent.kind == "dismissed")).all() == []
        entry = session.exec(
            select(OutboxEntry).where(OutboxEntry.table_name == "reminderdismissal")
        ).one()
        assert entry.op == "insert" and json.loads(entry.fields)["reminder_key"] == declined.key
    with store.action() as session:
        new = session.exec(select(Job).where(Job.status == "new")).one()
        new.status = "cancelled"  # the customer did not want it after all
    with store.reader() as session:
        [back] = svc.reminder_list(session, TODAY)
        assert back.reminder.key == service.reminder.key


def test_an_open_maintenance_job_silences_the_service_reminder(store: Store, world: World) -> None:
    with store.action() as session:
        seed_reminders(session, world)
        job = session.get(Job, world.job_id)
        assert job is not None
        job.job_type = "maintenance"  # already assigned to zhang.wei
    with store.reader() as session:
        kinds = {i.reminder.kind for i in svc.reminder_list(session, TODAY)}
        assert kinds == {rules.ReminderKind.DECLINED_REPAIR}


def test_an_engineer_does_not_handle_reminders(store: Store, world: World) -> None:
    with store.action() as session:
        seed_reminders(session, world)
        engineer = session.get(User, world.engineer_id)
        [first, *_] = svc.compute_reminders(session, TODAY)
        with pytest.raises(DomainError) as refused:
            svc.dismiss_reminder(session, first, engineer, "no", now=NOW)  # type: ignore[arg-type]
        assert refused.value.code == "forbidden_role"


def add_unserviced_machine(session: Session, world: World) -> str:
    """A second machine of the world's customer that never had a job, its two years of
    free repair ending ten days after TODAY; returns its id."""
    machine = Machine(
        customer_id=world.customer_id,
        model_id=world.model_id,
        serial="ZY2102024B0031",
        purchase_date=date(2024, 12, 4),
    )
    session.add(machine)
    session.flush()
    return machine.id


def warranty_ending(reminders: list[rules.Reminder], machine_id: str) -> list[rules.Reminder]:
    return [
        r
        for r in reminders
        if r.kind == rules.ReminderKind.WARRANTY_ENDING and r.machine_id == machine_id
    ]


def test_a_machine_that_never_had_a_job_is_dismissed_and_old_dismissed_events_still_count(
    store: Store, world: World
) -> None:
    with store.action() as session:
        clerk = add_clerk(session)
        machine_id = add_unserviced_machine(session, world)
        seed_reminders(session, world)
    with store.action() as session:
        [ending] = warranty_ending(svc.compute_reminders(session, TODAY), machine_id)
        assert ending.due_on == TODAY + timedelta(days=10) and ending.source_job_id is None
        assert session.exec(select(Job).where(Job.machine_id == machine_id)).all() == []
        actor = session.get(User, clerk.id)
        assert actor is not None
        dismissal = svc.dismiss_reminder(session, ending, actor, "客户已将设备转卖", now=NOW)
        assert (dismissal.machine_id, dismissal.reminder_key) == (machine_id, ending.key)
    with store.reader() as session:
        assert (
            warranty_ending([i.reminder for i in svc.reminder_list(session, TODAY)], machine_id)
            == []
        )
        file = customer_file(session, world.customer_id, TODAY)
        assert warranty_ending(file.reminders, machine_id) == []
        assert file.reminders  # the other machine's reminders are still shown
        handled = svc.reminder_list(session, TODAY, include_handled=True)
        assert warranty_ending([i.reminder for i in handled], machine_id) == [ending]
    # A store from before protocol 3 noted a dismissal as a `dismissed` job event on the
    # reminder's job (as pulled from HQ): it still counts.
    with store.reader() as session:
        [service] = [
            r
            for r in svc.compute_reminders(session, TODAY)
            if r.kind == rules.ReminderKind.SERVICE_HOURS
        ]
    with store.action(track=False) as session:
        session.add(
            JobEvent(
                job_id=world.job_id,
                kind="dismissed",
                actor_id=clerk.id,
                occurred_at=NOW,
                note="客户自行保养",
                data=json.dumps({"reminder": service.key, "kind": service.kind.value}),
            )
        )
    with store.reader() as session:
        assert service.key in svc.handled_keys(session)
        keys = {i.reminder.key for i in svc.reminder_list(session, TODAY)}
        assert service.key not in keys and keys  # the declined repair is still due


# --- at HQ: a clerk's job ----------------------------------------------------------------


def seed_office(session: Session) -> World:
    world = seed_world(session)
    add_clerk(session)
    seed_reminders(session, world)
    return world


@pytest.fixture(params=BACKENDS)
def office_hq(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[HQ, World]]:
    with serving_hq(request.param, tmp_path, seed_office) as served:
        yield served


def test_a_clerk_pushes_a_job_from_a_reminder_and_only_a_new_unassigned_one(
    office_hq: tuple[HQ, World], tmp_path: Path
) -> None:
    hq, world = office_hq
    device = enroll_device(hq, "chen.jing", tmp_path / "clerk")
    assert device.sync().pulled > 0
    with device.store.action() as session:
        clerk = session.exec(select(User).where(User.login == "chen.jing")).one()
        [service] = [
            r
            for r in svc.compute_reminders(session, TODAY)
            if r.kind == rules.ReminderKind.SERVICE_HOURS
        ]
        job = svc.reminder_to_job(session, service, clerk, now=NOW, symptom="1250 h 保养到期")
        job_id = job.id
    report = device.sync()
    assert (report.pushed, report.rejected) == (2, 0), report
    with session_scope(hq.db()) as session:
        at_hq = session.get(Job, job_id)
        assert at_hq is not None and at_hq.status == "new" and at_hq.assignee_id is None
        event = session.exec(select(JobEvent).where(JobEvent.job_id == job_id)).one()
        assert json.loads(event.data)["reminder"] == service.key
    assigned = {
        "number": "FW-2026-000999",
        "job_type": "maintenance",
        "status": "assigned",
        "customer_id": world.customer_id,
        "assignee_id": world.engineer_id,
        "received_at": NOW.isoformat(),
    }
    [result] = push(
        device, mutation(1, "job", "f0000000-0000-0000-0000-000000000001", "insert", assigned, 0)
    )
    assert (result["status"], result["code"]) == ("rejected", "forbidden")
    device.store.close()


# --- at HQ: a dismissal reaches the engineers' customer files ----------------------------


def seed_unserviced(session: Session) -> tuple[World, str]:
    world = seed_office(session)
    return world, add_unserviced_machine(session, world)


@pytest.fixture(params=BACKENDS)
def unserviced_hq(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[HQ, tuple[World, str]]]:
    with serving_hq(request.param, tmp_path, seed_unserviced) as served:
        yield served


def test_a_clerk_dismisses_a_machine_without_a_job_and_the_engineer_no_longer_sees_it(
    unserviced_hq: tuple[HQ, tuple[World, str]], tmp_path: Path
) -> None:
    hq, (world, machine_id) = unserviced_hq
    engineer = enroll_device(hq, "zhang.wei", tmp_path / "engineer")
    clerk = enroll_device(hq, "chen.jing", tmp_path / "clerk")
    engineer.sync()
    clerk.sync()
    with engineer.store.reader() as session:
        shown = svc.customer_reminders(session, world.customer_id, TODAY)
        [ending] = warranty_ending(shown, machine_id)
    with clerk.store.action() as session:
        actor = session.exec(select(User).where(User.login == "chen.jing")).one()
        [item] = [i for i in svc.reminder_list(session, TODAY) if i.reminder.key == ending.key]
        assert item.machine is not None and item.machine.serial == "ZY2102024B0031"
        svc.dismiss_reminder(session, item.reminder, actor, "客户已将设备转卖", now=NOW)
    report = clerk.sync()
    assert (report.pushed, report.rejected) == (1, 0), report
    with session_scope(hq.db()) as session:
        at_hq = session.exec(select(ReminderDismissal)).one()
        assert (at_hq.reminder_key, at_hq.reason, at_hq.version) == (
            ending.key,
            "客户已将设备转卖",
            1,
        )
        [bucket] = session.exec(
            select(RowLog.bucket).where(
                RowLog.table_name == "reminderdismissal", RowLog.row_id == at_hq.id
            )
        ).all()
        assert bucket == f"customer:{world.customer_id}"
    assert engineer.sync(full_verify=True).repaired_buckets == []
    with engineer.store.reader() as session:
        assert session.exec(select(ReminderDismissal)).one().reminder_key == ending.key
        left = svc.customer_reminders(session, world.customer_id, TODAY)
        assert warranty_ending(left, machine_id) == [] and left  # the others are still shown
        file = customer_file(session, world.customer_id, TODAY)
        assert warranty_ending(file.reminders, machine_id) == []

    # Dismissing is the office's: HQ refuses an engineer's dismissal.
    [service] = [r for r in left if r.kind == rules.ReminderKind.SERVICE_HOURS]
    fields = {
        "customer_id": world.customer_id,
        "machine_id": world.machine_id,
        "reminder_key": service.key,
        "reason": "客户自行保养",
        "dismissed_by_id": world.engineer_id,
        "dismissed_at": NOW.isoformat(),
    }
    row_id = "f0000000-0000-0000-0000-000000000002"
    [result] = push(engineer, mutation(1, "reminderdismissal", row_id, "insert", fields, 0))
    assert (result["status"], result["code"]) == ("rejected", "forbidden")
    # Nor does a clerk dismiss in someone else's name.
    as_other = {**fields, "dismissed_by_id": world.supervisor_id}
    [result] = push(clerk, mutation(2, "reminderdismissal", row_id, "insert", as_other, 0))
    assert (result["status"], result["code"]) == ("rejected", "forbidden")
    with session_scope(hq.db()) as session:
        assert session.get(ReminderDismissal, row_id) is None
    engineer.store.close()
    clerk.store.close()
