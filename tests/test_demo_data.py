"""The demo data set loads into a real SQLite database and is consistent."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, func
from sqlmodel import Session, SQLModel, create_engine, select

from fieldapp.demo import (
    REFERENCE_DATE,
    DemoAlreadyLoadedError,
    demo_dir,
    demo_id,
    is_demo_loaded,
    load_demo,
)
from fieldapp.models import (
    SYNCED_TABLES,
    ChecklistTemplate,
    ChecklistTemplateItem,
    Complaint,
    Customer,
    Fault,
    FollowUp,
    Job,
    JobEvent,
    LicenceEvent,
    Machine,
    Part,
    PartCompatibility,
    PartsRequest,
    PartUsage,
    PreInspectionFinding,
    ProductModel,
    Region,
    StockLocation,
    StockMovement,
    User,
)
from fieldapp.models.enums import (
    Assembly,
    ComplaintStatus,
    ItemKind,
    JobStatus,
    ModelFamily,
    MovementKind,
    Satisfaction,
    Urgency,
)
from fieldapp.rules.jobflow import OPEN_STATUSES, check_transition

MODEL_CODES = {
    "ZY16", "ZY28", "ZY35", "ZY55", "ZY80", "ZY150", "ZY210", "ZY260", "ZY330",
    "ZYL40", "ZYL80", "ZYL160", "ZY80SD", "ZY150SD", "ZY210SD", "QUY20A", "QUY50A",
}  # fmt: skip
MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-\d{7,8}$")
LATER = date(2027, 1, 10)


def make_engine() -> Engine:
    engine = create_engine("sqlite://")

    @event.listens_for(engine, "connect")
    def _foreign_keys(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    SQLModel.metadata.create_all(engine)
    return engine


def loaded(today: date) -> tuple[Engine, dict[str, int]]:
    engine = make_engine()
    with Session(engine) as session:
        counts = load_demo(session, today=today)
        session.commit()
    return engine, counts


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[Engine, dict[str, int]]]:
    engine, counts = loaded(REFERENCE_DATE)
    yield engine, counts
    engine.dispose()


@pytest.fixture
def session(demo: tuple[Engine, dict[str, int]]) -> Iterator[Session]:
    with Session(demo[0]) as s:
        yield s


def valid_phone(phone: str) -> bool:
    return bool(MOBILE.match(phone) or LANDLINE.match(phone))


def test_demo_dir_holds_the_files() -> None:
    folder = demo_dir()
    for name in ("regions.json", "models.json", "org.json", "customers.json", "parts.csv",
                 "checklists.json", "jobs.json", "stock.json"):  # fmt: skip
        assert (folder / name).is_file(), name


def test_counts_are_the_rows_in_the_database(
    demo: tuple[Engine, dict[str, int]], session: Session
) -> None:
    _, counts = demo
    for table in SYNCED_TABLES:
        name = str(table.__tablename__)
        in_db = session.exec(select(func.count()).select_from(table)).one()
        assert counts.get(name, 0) == in_db, name
    assert counts["job"] >= 70
    assert counts["stockmovement"] > 500


def test_the_seventeen_product_models(session: Session) -> None:
    models = session.exec(select(ProductModel)).all()
    assert {m.code for m in models} == MODEL_CODES
    for m in models:
        assert ModelFamily(m.family)
        assert (m.return_days, m.exchange_days, m.warranty_months) == (15, 30, 24)
        assert m.service_interval_hours == 250
        assert m.operating_weight_t and m.operating_weight_t > 1
        assert m.code in m.name_zh and m.code in m.name_en
    families = {m.code: m.family for m in models}
    assert families["ZYL160"] == ModelFamily.WHEELED_EXCAVATOR
    assert families["ZY150SD"] == ModelFamily.WETLAND_EXCAVATOR
    assert families["QUY50A"] == ModelFamily.CRAWLER_CRANE


def test_parts_catalogue(session: Session) -> None:
    parts = session.exec(select(Part)).all()
    assert len(parts) >= 300
    numbers = [p.part_no for p in parts]
    assert len(numbers) == len(set(numbers))
    superseded = [p for p in parts if p.superseded_by]
    assert len(superseded) >= 5
    assert all(p.superseded_by in set(numbers) for p in superseded)
    model_ids = set(session.exec(select(ProductModel.id)).all())
    compat = session.exec(select(PartCompatibility)).all()
    assert {c.model_id for c in compat} <= model_ids
    assert {c.part_id for c in compat} == {p.id for p in parts}  # every part fits something
    for p in parts:
        assert p.price_cents > 0 and p.name_zh and p.name_en and p.unit
        if p.category in ("filter", "lubricant", "ground_engaging"):
            assert not p.warranty_eligible, p.part_no
    assert any(p.warranty_eligible and p.category == "hydraulic" for p in parts)
    assert {"升", "桶", "米", "套", "件"} <= {p.unit for p in parts}


def test_regions(session: Session) -> None:
    regions = session.exec(select(Region)).all()
    assert 6 <= len(regions) <= 10
    assert {r.grade for r in regions} == {"A", "B", "C"}
    assert sum(r.is_home for r in regions) == 1
    assert any(r.is_remote for r in regions)


def test_customers_and_machines(session: Session) -> None:
    customers = session.exec(select(Customer)).all()
    assert 18 <= len(customers) <= 24
    assert any(c.is_key_account for c in customers)
    grades = {session.get(Region, c.region_id).grade for c in customers}  # type: ignore[union-attr]
    assert grades == {"A", "B", "C"}
    assert all(valid_phone(c.phone) for c in customers)
    machines = session.exec(select(Machine)).all()
    serials = [m.serial for m in machines]
    assert len(serials) == len(set(serials))
    model_ids = set(session.exec(select(ProductModel.id)).all())
    assert all(m.model_id in model_ids for m in machines)
    per_customer: dict[str, int] = defaultdict(int)
    for m in machines:
        per_customer[m.customer_id] += 1
    assert all(1 <= n <= 4 for n in per_customer.values())
    assert len(per_customer) == len(customers)
    ages = [(REFERENCE_DATE - m.purchase_date).days for m in machines if m.purchase_date]
    assert any(age <= 15 for age in ages)  # 包退 period
    assert any(15 < age <= 30 for age in ages)  # 包换 period
    assert sum(age < 730 for age in ages) >= 10  # free warranty
    assert sum(age >= 730 for age in ages) >= 10  # out of warranty


def test_users_and_stock_locations(session: Session) -> None:
    users = {u.login: u for u in session.exec(select(User))}
    roles = {login: u.role for login, u in users.items()}
    assert roles == {
        "zhang.wei": "engineer",
        "li.qiang": "engineer",
        "wang.min": "supervisor",
        "chen.jing": "clerk",
        "admin": "admin",
    }
    locations = session.exec(select(StockLocation)).all()
    kinds = defaultdict(list)
    for loc in locations:
        kinds[loc.kind].append(loc)
    assert len(kinds["central"]) == 1 and len(kinds["regional"]) == 1
    assert {v.owner_user_id for v in kinds["van"]} == {
        users["zhang.wei"].id,
        users["li.qiang"].id,
    }


def test_van_stock_is_positive_and_transfers_balance(session: Session) -> None:
    vans = session.exec(select(StockLocation).where(StockLocation.kind == "van")).all()
    for van in vans:
        rows = session.exec(
            select(StockMovement.part_id, func.sum(StockMovement.quantity))
            .where(StockMovement.location_id == van.id)
            .group_by(StockMovement.part_id)
        ).all()
        assert all(qty >= 0 for _, qty in rows), van.code
        assert sum(qty for _, qty in rows) > 0
        assert 40 <= sum(qty > 0 for _, qty in rows) <= 80, van.code
    # Every warehouse holds non-negative stock too.
    totals = session.exec(
        select(
            StockMovement.location_id, StockMovement.part_id, func.sum(StockMovement.quantity)
        ).group_by(StockMovement.location_id, StockMovement.part_id)
    ).all()
    assert all(qty >= 0 for *_, qty in totals)
    # An ISSUE out of a warehouse and a TRANSFER_IN into a van share a transfer_id.
    transfers: dict[str, list[StockMovement]] = defaultdict(list)
    for m in session.exec(select(StockMovement).where(StockMovement.transfer_id.is_not(None))):  # type: ignore[union-attr]
        transfers[m.transfer_id].append(m)  # type: ignore[index]
    assert len(transfers) >= 20
    for moves in transfers.values():
        assert {m.kind for m in moves} == {MovementKind.ISSUE, MovementKind.TRANSFER_IN}
        assert sum(m.quantity for m in moves) == 0
        assert all(m.quantity < 0 for m in moves if m.kind == MovementKind.ISSUE)
    # Parts fitted from a van left it.
    uses = session.exec(select(StockMovement).where(StockMovement.kind == MovementKind.USE)).all()
    usages = session.exec(select(PartUsage).where(PartUsage.from_location_id.is_not(None))).all()  # type: ignore[union-attr]
    assert len(uses) == len(usages) > 0
    assert all(m.quantity < 0 and m.part_usage_id for m in uses)


def test_checklist_templates(session: Session) -> None:
    templates = {t.code: t for t in session.exec(select(ChecklistTemplate))}
    assert {"INSTALL", "PM250", "PM500", "PM1000", "REPAIR", "PREINSP", "CONDUCT"} <= set(templates)
    assert templates["INSTALL"].job_type == "installation"
    assert templates["PREINSP"].job_type == "inspection"
    for code, hours in (("PM250", 250), ("PM500", 500), ("PM1000", 1000)):
        assert templates[code].job_type == "maintenance"
        assert templates[code].interval_hours == hours
    kinds_seen: set[str] = set()
    for t in templates.values():
        items = session.exec(
            select(ChecklistTemplateItem)
            .where(ChecklistTemplateItem.template_id == t.id)
            .order_by(ChecklistTemplateItem.position)  # type: ignore[arg-type]
        ).all()
        assert 10 <= len(items) <= 30, t.code
        assert [i.position for i in items] == list(range(1, len(items) + 1))
        for item in items:
            kinds_seen.add(item.kind)
            assert item.label_zh and item.label_en and item.section_zh and item.section_en
            if item.kind == ItemKind.CHOICE:
                options = item.choices.split("|")
                assert len(options) >= 2 and all(o.count("/") == 1 for o in options)
            if item.min_value is not None and item.max_value is not None:
                assert item.min_value < item.max_value and item.unit
    assert kinds_seen == {k.value for k in ItemKind}
    labels = {
        i.label_en: i
        for i in session.exec(select(ChecklistTemplateItem))
        if i.kind == ItemKind.NUMBER
    }
    battery = labels["Battery voltage"]
    assert (battery.min_value, battery.max_value, battery.unit) == (24, 28.5, "V")


def test_open_jobs(session: Session) -> None:
    users = {u.login: u.id for u in session.exec(select(User))}
    jobs = session.exec(select(Job).where(Job.status.in_(OPEN_STATUSES))).all()  # type: ignore[attr-defined]
    assert 12 <= len(jobs) <= 16
    assert {j.status for j in jobs} == {s.value for s in OPEN_STATUSES}
    assignees = {j.assignee_id for j in jobs}
    assert {users["zhang.wei"], users["li.qiang"]} <= assignees
    for j in jobs:
        assert re.fullmatch(r"FW-20\d\d-\d{6}", j.number)
        assert j.answer_due_at == j.received_at + timedelta(hours=4)  # the SLA rules ran
        assert j.on_site_due_at is not None
        assert j.reported_symptom and j.received_at
        assert (j.assignee_id is None) == (j.status == JobStatus.NEW)
    machines = {m.id: m for m in session.exec(select(Machine))}

    def missing_info(j: Job) -> bool:
        machine = machines.get(j.machine_id) if j.machine_id else None
        return (
            not j.contact_phone
            or not j.reported_serial
            or j.reported_purchase_date is None
            or machine is None
            or machine.serial != j.reported_serial
        )

    assert sum(missing_info(j) for j in jobs) >= 2
    assert any(j.contact_phone and not valid_phone(j.contact_phone) for j in jobs)
    # A follow-up of a past job that was not fixed the first time.
    follow_up = next(j for j in jobs if j.parent_job_id)
    parent = session.get(Job, follow_up.parent_job_id)
    assert parent is not None and parent.status in ("approved", "closed")
    faults = session.exec(select(Fault).where(Fault.job_id == parent.id)).all()
    assert faults and not any(f.fixed for f in faults)
    # An urgent breakdown of a key account.
    key_accounts = {c.id for c in session.exec(select(Customer).where(Customer.is_key_account))}
    assert any(j.urgency == Urgency.URGENT and j.customer_id in key_accounts for j in jobs)
    # Appointments fall in the next days.
    start = REFERENCE_DATE - timedelta(days=1)
    for j in jobs:
        if j.appointment_at:
            assert start <= j.appointment_at.date() <= REFERENCE_DATE + timedelta(days=7)


def test_history(session: Session) -> None:
    past = session.exec(select(Job).where(Job.status.in_(["approved", "closed"]))).all()  # type: ignore[attr-defined]
    assert 55 <= len(past) <= 75
    assert {j.job_type for j in past} >= {"repair", "maintenance", "installation", "inspection"}
    oldest = min(j.received_at for j in past).date()
    assert REFERENCE_DATE - oldest <= timedelta(days=380)
    for j in past:
        assert j.completed_at and j.arrived_at and j.received_at <= j.arrived_at <= j.completed_at
    faults = session.exec(select(Fault)).all()
    assert all(Assembly(f.assembly) for f in faults)
    assert any(f.repair_location == "workshop" and f.loaner_provided for f in faults)
    assert any(f.misuse for f in faults)
    follow_ups = session.exec(select(FollowUp)).all()
    outcomes = {f.satisfaction for f in follow_ups if f.reached}
    assert outcomes == {s.value for s in Satisfaction}
    assert any(f.praise for f in follow_ups)
    assert any(not f.reached for f in follow_ups)
    complaints = session.exec(select(Complaint)).all()
    assert {c.status for c in complaints} >= {ComplaintStatus.OPEN, ComplaintStatus.CLOSED}
    declined = session.exec(
        select(PreInspectionFinding).where(PreInspectionFinding.fix_now == False)  # noqa: E712
    ).all()
    assert declined and all(f.remind_on or f.remind_at_hours for f in declined)
    assert any(f.resolved_by_job_id for f in declined)
    assert len(session.exec(select(LicenceEvent)).all()) >= 5
    usages = session.exec(select(PartUsage)).all()
    assert any(u.warranty for u in usages) and any(not u.warranty for u in usages)
    assert session.exec(select(PartsRequest).where(PartsRequest.status == "shipped")).first()


def test_job_events_follow_the_state_machine(session: Session) -> None:
    roles = {u.id: u.role for u in session.exec(select(User))}
    events: dict[str, list[JobEvent]] = defaultdict(list)
    for e in session.exec(select(JobEvent).order_by(JobEvent.occurred_at)):  # type: ignore[arg-type]
        events[e.job_id].append(e)
    for job in session.exec(select(Job)):
        log = events[job.id]
        assert log[0].kind == "created" and log[0].to_status == JobStatus.NEW
        status = JobStatus.NEW
        for e in log[1:]:
            if e.to_status is None:
                continue
            assert e.from_status == status, (job.number, e.kind)
            status = check_transition(
                e.kind,
                status,
                roles[e.actor_id],  # type: ignore[index]
                is_assignee=e.actor_id == job.assignee_id,
                reason=e.note,
            )
            assert status == e.to_status
        assert status == job.status, job.number


def test_dates_are_shifted_to_today(session: Session) -> None:
    engine, _ = loaded(LATER)
    delta = LATER - REFERENCE_DATE
    with Session(engine) as later:
        urgent = session.exec(select(Job).where(Job.urgency == "urgent", Job.status == "assigned"))
        for job in urgent:
            moved = later.get(Job, job.id)
            assert moved is not None and job.appointment_at and moved.appointment_at
            assert moved.appointment_at - job.appointment_at == delta
            assert moved.received_at - job.received_at == delta
        for table in SYNCED_TABLES:  # the same rows under the same ids, whatever the day
            ids_now = set(session.exec(select(table.id)).all())  # type: ignore[call-overload]
            ids_later = set(later.exec(select(table.id)).all())  # type: ignore[call-overload]
            assert ids_now == ids_later, table.__tablename__
        for machine in session.exec(select(Machine)):
            moved_machine = later.get(Machine, machine.id)
            assert moved_machine is not None
            if machine.purchase_date:
                assert moved_machine.purchase_date == machine.purchase_date + delta
    engine.dispose()


def test_ids_are_deterministic(demo: tuple[Engine, dict[str, int]]) -> None:
    engine, _ = loaded(REFERENCE_DATE)
    with Session(demo[0]) as first, Session(engine) as second:
        for table in SYNCED_TABLES:
            ids_a = set(first.exec(select(table.id)).all())  # type: ignore[call-overload]
            ids_b = set(second.exec(select(table.id)).all())  # type: ignore[call-overload]
            assert ids_a == ids_b, table.__tablename__
        home = first.exec(select(Customer).where(Customer.code == "C001")).one()
        assert home.id == demo_id("customer", "C001")
        a = first.exec(select(Job).order_by(Job.number)).all()  # type: ignore[arg-type]
        b = second.exec(select(Job).order_by(Job.number)).all()  # type: ignore[arg-type]
        assert [j.model_dump() for j in a] == [j.model_dump() for j in b]
    engine.dispose()


def test_loading_twice_raises(demo: tuple[Engine, dict[str, int]]) -> None:
    with Session(demo[0]) as session:
        assert is_demo_loaded(session)
        with pytest.raises(DemoAlreadyLoadedError):
            load_demo(session, today=REFERENCE_DATE)
        assert not session.new  # nothing was added


def test_loads_into_the_real_store(tmp_path: Path) -> None:
    """Through the app's store: its migrated schema and its signed-report guard."""
    from fieldapp.store import Store

    store = Store(tmp_path / "store.sqlite")
    try:
        with store.action(track=False) as session:
            counts = load_demo(session, today=REFERENCE_DATE)
        live = store.counts()
        assert all(live[table] == n for table, n in counts.items())
        assert sum(store.pending_changes().values()) == 0  # nothing to upload to HQ
        with store.action(track=False) as session, pytest.raises(DemoAlreadyLoadedError):
            load_demo(session, today=REFERENCE_DATE)
    finally:
        store.close()


def test_demo_module_imports_no_qt_or_http() -> None:
    code = (
        "import sys, fieldapp.demo\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "{'PySide6', 'requests', 'httpx', 'fastapi', 'urllib3', 'starlette'}]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
