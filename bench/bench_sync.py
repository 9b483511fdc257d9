"""Sync at scale, over loopback, against a real HQ subprocess.

Builds HQ databases in-process (the engineer's rows through ``HQSession``; the bulk
with ``executemany``, then logged by ``HQSession``'s own after-flush hook, so the row
log, revisions, checksums and sequence numbers are what production writes), starts
``python -m sync.hq.cli --db URL serve`` on a free port, and syncs a device in-process
with :class:`sync.client.SyncClient`. Prints, setup times apart from measured ones:

1. the first sync of an engineer with 2,000 jobs (300 customers with machines and
   contacts; per job 3 events, a fault and a part used) plus a 100,000-part catalogue,
   in an HQ of 1,000,000 rows: wall time, rows received, rows/s, bytes. The catalogue
   and org come in HQ's snapshot file (built in the setup, as HQ does once per change:
   sync/hq/snapshots.py); the same first sync row by row follows for comparison;
2. an incremental sync of 50 HQ-side changes (a supervisor edits 50 of the engineer's
   job notes) in that HQ of 1,000,000 rows and in one of 10,000 rows holding the same
   jobs and customers (so the same scope): both times, which should be about equal;
3. the ratio of the first sync's time to a lower bound: writing the same rows into a
   fresh store in one transaction (executemany) plus moving the pull answers' JSON
   and the snapshot's bytes over a loopback TCP socket (aim: under 5 s, within 1.5x).

HQ runs on SQLite by default; ``--pg URL`` runs it on scratch PostgreSQL databases
created (and dropped) next to the one URL names. ``--profile DIR`` adds a profiled
first sync (cProfile of the client, and of every thread of HQ) and prints where the
time goes.

    python bench/bench_sync.py [--jobs 2000] [--parts 100000] [--big-rows 1000000]
        [--small-rows 10000] [--changes 50] [--rounds 5] [--page 2000]
        [--pg postgresql+psycopg://postgres@127.0.0.1:5432/test] [--profile DIR]

A quick run: ``--jobs 200 --parts 5000 --big-rows 50000`` (under a minute; the full
sizes take about 6 minutes on SQLite, most of it building the big HQ).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import Engine, create_engine, insert, text
from sqlmodel import col, select

from fieldapp.clock import new_id
from fieldapp.models import (
    SYNCED_TABLES,
    Contact,
    Customer,
    Fault,
    Job,
    JobEvent,
    Machine,
    Part,
    PartUsage,
    ProductModel,
    Region,
    StockLocation,
    StockMovement,
    SyncedRow,
    Team,
    User,
)
from fieldapp.search import part_search_text
from fieldapp.store import Store
from sync.client import PULL_PAGE, SyncClient, SyncReport, enroll
from sync.hq import snapshots
from sync.hq.db import _log_rows, make_hq_engine, migrate_hq, session_scope
from sync.hq.service import issue_enrollment

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
ENGINEER = "bench.engineer"
SUPERVISOR = "bench.supervisor"
OTHER_ENGINEERS = 49
OPEN_STATUSES = ("assigned", "accepted", "en_route", "on_site")
ASSEMBLIES = ("engine", "hydraulic_pump", "hydraulic_valve", "hydraulic_cylinder", "travel")
MODELS = ("ZY16", "ZY35", "ZY55", "ZY80", "ZY150", "ZY210", "ZY260", "ZY330", "QUY50A")
COMPONENTS = (
    "液压油滤芯",
    "柴油滤芯",
    "动臂油缸密封包",
    "回转马达",
    "主泵",
    "先导阀",
    "高压油管",
    "支重轮",
    "压力传感器",
    "起动机",
)
JOBS_PER_FLUSH = 1000
ROWS_PER_COMMIT = 60_000
SYNCED_NAMES = [m.__tablename__ for m in SYNCED_TABLES]  # type: ignore[attr-defined]


# --- output -----------------------------------------------------------------------------


def say(line: str = "") -> None:
    print(line, flush=True)


def setup_line(label: str, seconds: float, rows: int | None = None) -> None:
    rate = f"  {rows:>10,} rows  {rows / seconds:>9,.0f} rows/s" if rows else ""
    say(f"  setup  {label:<52} {seconds:8.2f} s{rate}")


@contextmanager
def setup_step(label: str, rows: Callable[[], int] | None = None) -> Iterator[None]:
    start = time.perf_counter()
    yield
    setup_line(label, time.perf_counter() - start, rows() if rows else None)


# --- HQ data ------------------------------------------------------------------------------


@dataclass
class Plan:
    """What one HQ database holds: the engineer's world and other engineers' filler."""

    jobs: int  # the engineer's
    customers: int  # the engineer's
    events: int  # per job
    faults: int  # per job (0 or 1)
    usages: int  # per job (0 or 1)
    parts: int  # catalogue
    total: int  # target number of synced rows at HQ
    van_movements: int = 100  # into the engineer's van

    @property
    def rows_per_job(self) -> int:
        return 1 + self.events + self.faults + self.usages


@dataclass
class Built:
    engineer_id: str
    job_ids: list[str]
    rows: int
    orm_rows: int
    entries: int
    seconds: float
    other_jobs: int


def template(model: type[SyncedRow], **required: Any) -> dict[str, Any]:
    """Every column of ``model`` with its default value, for bulk rows."""
    row = model(**required)
    values = {c.key: getattr(row, c.key) for c in model.__table__.columns}  # type: ignore[attr-defined]
    values.update(created_at=NOW, updated_at=NOW, version=1)  # version 1: as HQSession sets
    return values


def new_row(base: dict[str, Any], **values: Any) -> dict[str, Any]:
    row = dict(base)
    row["id"] = new_id()
    row.update(values)
    return row


@dataclass
class Loader:
    """Writes HQ rows in big transactions, in one of two ways:

    * :meth:`add`: ORM objects through ``HQSession`` (its flush hooks give each row its
      version, row-log entry, revision and bucket checksum), for the engineer's world;
    * :meth:`bulk`: plain rows inserted with ``executemany``, then logged by the very
      hook ``HQSession`` runs after a flush (``sync.hq.db._log_rows``), given light
      stand-ins of the rows; for the catalogue and other engineers' data, since ORM
      objects cost ~0.5 ms a row to build and flush, too slow for a million.
    """

    engine: Engine
    rows: int = 0
    orm_rows: int = 0
    _pending: int = 0
    _session: Any = None
    _scope: Any = None
    location_ids: list[str] = field(default_factory=list)
    _locations: list[Any] = field(default_factory=list)  # kept for the identity map

    def session(self) -> Any:
        if self._session is None:
            self._scope = session_scope(self.engine)
            self._session = self._scope.__enter__()
            # bucket_of() finds a movement's location in the identity map (weak: keep).
            if self.location_ids:
                self._locations = list(
                    self._session.exec(
                        select(StockLocation).where(col(StockLocation.id).in_(self.location_ids))
                    ).all()
                )
        return self._session

    def add(self, rows: list[SyncedRow]) -> None:
        if not rows:
            return
        session = self.session()
        session.add_all(rows)
        session.flush()
        self.rows += len(rows)
        self.orm_rows += len(rows)
        self._pending += len(rows)

    def bulk(self, *tables: tuple[type[SyncedRow], list[dict[str, Any]]]) -> None:
        """Insert the rows of each table (parents first), then log them all at once."""
        session = self.session()
        connection = session.connection()
        pending: list[tuple[SyncedRow, list[str]]] = []
        for model, rows in tables:
            if not rows:
                continue
            connection.execute(insert(model), rows)
            manager = model.__mapper__.class_manager  # type: ignore[attr-defined]
            for row in rows:
                stand_in = manager.new_instance()  # no __init__: the values only
                stand_in.__dict__.update(row)
                pending.append((stand_in, ["*"]))  # as HQSession logs a new row
            self.rows += len(rows)
            self._pending += len(rows)
        if pending:
            _log_rows(session, pending)

    def commit_if_big(self) -> None:
        if self._pending >= ROWS_PER_COMMIT:
            self.commit()

    def commit(self) -> None:
        if self._scope is not None:
            self._scope.__exit__(None, None, None)
            if self.engine.dialect.name == "postgresql":
                # As autovacuum would, sooner: with stale statistics PostgreSQL plans
                # HQSession's row-log lookups as sequential scans of the growing table.
                with self.engine.connect() as connection:
                    connection.execute(text("ANALYZE hq_row"))
                    connection.commit()
        self._scope = self._session = None
        self._locations = []
        self._pending = 0


def build_hq(url: str, plan: Plan, rng: random.Random, label: str) -> Built:
    start = time.perf_counter()
    engine = make_hq_engine(url)
    try:
        with setup_step(f"{label}: migrate"):
            migrate_hq(engine)
        loader = Loader(engine)
        engineer_id, job_ids, other_jobs = _load(loader, plan, rng, label)
        loader.commit()
        with engine.connect() as connection:
            entries = int(connection.execute(text("SELECT count(*) FROM hq_row")).scalar() or 0)
            if connection.dialect.name == "postgresql":
                with setup_step(f"{label}: ANALYZE"):
                    connection.execute(text("ANALYZE"))
                    connection.commit()
        seconds = time.perf_counter() - start
    finally:
        engine.dispose()
    return Built(engineer_id, job_ids, loader.rows, loader.orm_rows, entries, seconds, other_jobs)


def _load(loader: Loader, plan: Plan, rng: random.Random, label: str) -> tuple[str, list[str], int]:
    # Organisation (HQSession).
    region = Region(code="AH", name_zh="安徽", name_en="Anhui", grade="A", is_home=True)
    loader.add([region])
    team = Team(name_zh="合肥服务站", name_en="Hefei service centre", region_id=region.id)
    loader.add([team])
    engineer = User(login=ENGINEER, display_name="张伟", role="engineer", team_id=team.id)
    supervisor = User(login=SUPERVISOR, display_name="王敏", role="supervisor", team_id=team.id)
    others = [
        User(login=f"eng{n:03d}", display_name=f"工程师{n}", role="engineer", team_id=team.id)
        for n in range(OTHER_ENGINEERS)
    ]
    models = [ProductModel(code=code, name_zh=f"{code} 挖掘机") for code in MODELS]
    loader.add([engineer, supervisor, *others, *models])
    warehouse = StockLocation(code="WH-HF", name="合肥中心库", kind="central", region_id=region.id)
    vans = [
        StockLocation(
            code=f"VAN-{user.login}",
            name=f"{user.display_name}服务车",
            kind="van",
            owner_user_id=user.id,
        )
        for user in [engineer, *others]
    ]
    loader.add([warehouse, *vans])
    loader.location_ids = [v.id for v in vans]
    model_ids = [m.id for m in models]
    engineer_id, team_id, region_id = engineer.id, team.id, region.id
    other_ids = [u.id for u in others]
    van_of = {v.owner_user_id: v.id for v in vans}

    # The catalogue (bulk).
    part_ids: list[str] = []
    part_base = template(Part, part_no="-", name_zh="-")

    def load_parts() -> None:
        for start in range(0, plan.parts, 10_000):
            rows = []
            for n in range(start, min(start + 10_000, plan.parts)):
                name = COMPONENTS[n % len(COMPONENTS)]
                part_no = f"{MODELS[n % len(MODELS)]}-{n:07d}"
                rows.append(
                    new_row(
                        part_base,
                        part_no=part_no,
                        name_zh=name,
                        name_en="part",
                        price_cents=rng.randint(500, 5_000_000),
                        labour_minutes=30,
                        search_text=part_search_text(part_no, name, "part"),
                    )
                )
            loader.bulk((Part, rows))
            part_ids.extend(r["id"] for r in rows)
            loader.commit_if_big()
        loader.commit()

    before = loader.rows
    with setup_step(f"{label}: catalogue (parts, bulk)", lambda: loader.rows - before):
        load_parts()

    # Everything else is sized from what is left of the row budget.
    base = loader.rows + plan.customers * 4 + plan.jobs * plan.rows_per_job + plan.van_movements
    filler = max(0, plan.total - base)
    per_other_job = plan.rows_per_job + 0.4  # a customer, 2 machines, a contact per 10 jobs
    other_jobs = int(filler * 0.85 / per_other_job)
    other_customers = (other_jobs + 9) // 10
    other_movements = max(0, filler - other_jobs * plan.rows_per_job - other_customers * 4)

    def customer_values(prefix: str, n: int) -> dict[str, Any]:
        return {
            "code": f"{prefix}{n:07d}",
            "name": f"客户{prefix}{n}号工程有限公司",
            "region_id": region_id,
            "address": "安徽省合肥市蜀山区长江西路688号",
            "phone": "13905510001",
            "contact_name": "刘建国",
        }

    def machine_values(prefix: str, n: int, k: int) -> dict[str, Any]:
        return {
            "model_id": model_ids[(n + k) % len(model_ids)],
            "serial": f"{prefix}{n:07d}{k}",
            "hour_meter": float(rng.randint(10, 9000)),
        }

    contact_values = {"name": "刘建国", "phone": "13905510001"}

    def my_customers() -> list[tuple[str, str]]:
        """The engineer's customers (HQSession): (customer id, machine id) pairs."""
        pairs: list[tuple[str, str]] = []
        for start in range(0, plan.customers, 2000):
            batch = [
                Customer(**customer_values("E", n))
                for n in range(start, min(start + 2000, plan.customers))
            ]
            loader.add(batch)  # type: ignore[arg-type]
            files: list[SyncedRow] = []
            for n, customer in enumerate(batch, start):
                files.append(Contact(customer_id=customer.id, **contact_values))
                for k in range(2):
                    machine = Machine(customer_id=customer.id, **machine_values("E", n, k))
                    files.append(machine)
                    pairs.append((customer.id, machine.id))
            loader.add(files)
        return pairs

    customer_base = template(Customer, code="-", name="-", region_id="-")
    contact_base = template(Contact, customer_id="-", name="-")
    machine_base = template(Machine, customer_id="-", model_id="-", serial="-")

    def other_customers_bulk() -> list[tuple[str, str]]:
        pairs: list[tuple[str, str]] = []
        for start in range(0, other_customers, 5000):
            customers = [
                new_row(customer_base, **customer_values("O", n))
                for n in range(start, min(start + 5000, other_customers))
            ]
            contacts, machines = [], []
            for n, customer in enumerate(customers, start):
                contacts.append(new_row(contact_base, customer_id=customer["id"], **contact_values))
                for k in range(2):
                    machine = new_row(
                        machine_base, customer_id=customer["id"], **machine_values("O", n, k)
                    )
                    machines.append(machine)
                    pairs.append((customer["id"], machine["id"]))
            loader.bulk((Customer, customers), (Contact, contacts), (Machine, machines))
            loader.commit_if_big()
        return pairs

    before = loader.rows
    with setup_step(f"{label}: customers and machines", lambda: loader.rows - before):
        mine_machines = my_customers()
        other_machines = other_customers_bulk() or mine_machines
        loader.commit()

    # Jobs of everyone, the engineer's spread evenly among the others' (HQ's history
    # interleaves them), with their events, faults and parts used; van movements.
    total_jobs = plan.jobs + other_jobs
    job_ids: list[str] = []
    job_base = template(Job, number="-", job_type="-", customer_id="-", received_at=NOW)
    event_base = template(JobEvent, job_id="-", kind="-", occurred_at=NOW)
    fault_base = template(Fault, job_id="-", assembly="-", symptom="-")
    usage_base = template(PartUsage, job_id="-", part_id="-")
    movement_base = template(StockMovement, part_id="-", location_id="-", quantity=1, kind="-")
    event_kinds = ("created", "assigned", "accepted", "departed", "arrived")

    def job_values(i: int, customer_id: str, machine_id: str, assignee: str) -> dict[str, Any]:
        received = NOW - timedelta(minutes=7 * (total_jobs - i))
        return {
            "number": f"FW-{i:09d}",
            "job_type": "repair",
            "urgency": rng.choice(("urgent", "normal", "low")),
            "status": rng.choice(OPEN_STATUSES),
            "customer_id": customer_id,
            "machine_id": machine_id,
            "team_id": team_id,
            "assignee_id": assignee,
            "contact_name": "刘建国",
            "contact_phone": "13905510001",
            "address": "安徽省合肥市蜀山区长江西路688号",
            "reported_symptom": "动臂提升无力，液压油温高",
            "received_at": received,
            "answer_due_at": received + timedelta(hours=4),
            "on_site_due_at": received + timedelta(hours=rng.choice((2, 24, 120))),
        }

    def children_values(job: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        events = [
            {
                "job_id": job["id"],
                "kind": event_kinds[k % len(event_kinds)],
                "actor_id": job["assignee_id"],
                "occurred_at": job["received_at"] + timedelta(minutes=10 * (k + 1)),
            }
            for k in range(plan.events)
        ]
        fault = None
        if plan.faults:
            fault = {
                "id": new_id(),
                "job_id": job["id"],
                "machine_id": job["machine_id"],
                "assembly": rng.choice(ASSEMBLIES),
                "fault_code": "E-0427",
                "symptom": "动臂提升无力",
                "cause": "主泵柱塞磨损",
                "action": "更换主泵",
                "hour_meter": 1234.5,
            }
        return events, fault

    def usage_values(job_id: str, fault_id: str | None) -> dict[str, Any]:
        return {
            "job_id": job_id,
            "part_id": rng.choice(part_ids),
            "fault_id": fault_id,
            "quantity": 1,
            "unit_price_cents": 28000,
        }

    def movement_values(user_id: str) -> dict[str, Any]:
        return {
            "part_id": rng.choice(part_ids),
            "location_id": van_of[user_id],
            "quantity": rng.choice((1, 2, 4, -1)),
            "kind": "transfer_in",
            "moved_at": NOW - timedelta(minutes=rng.randint(0, 500_000)),
            "user_id": user_id,
        }

    def load_jobs() -> None:
        for start in range(0, total_jobs, JOBS_PER_FLUSH):
            stop = min(start + JOBS_PER_FLUSH, total_jobs)
            mine: list[Job] = []
            theirs: list[dict[str, Any]] = []
            for i in range(start, stop):
                if (i * plan.jobs) // total_jobs != ((i + 1) * plan.jobs) // total_jobs:
                    customer_id, machine_id = mine_machines[len(job_ids) % len(mine_machines)]
                    job = Job(**job_values(i, customer_id, machine_id, engineer_id))
                    mine.append(job)
                    job_ids.append(job.id)
                else:
                    customer_id, machine_id = other_machines[i % len(other_machines)]
                    assignee = other_ids[i % len(other_ids)]
                    theirs.append(
                        new_row(job_base, **job_values(i, customer_id, machine_id, assignee))
                    )
            mine_due = plan.van_movements * stop // total_jobs
            mine_due -= plan.van_movements * start // total_jobs
            theirs_due = (
                other_movements * stop // total_jobs - other_movements * start // total_jobs
            )

            # The engineer's, through HQSession: jobs, then what names them.
            loader.add(mine)  # type: ignore[arg-type]
            records: list[SyncedRow] = []
            usages: list[SyncedRow] = []
            for job in mine:
                events, fault = children_values(
                    {
                        "id": job.id,
                        "assignee_id": job.assignee_id,
                        "received_at": job.received_at,
                        "machine_id": job.machine_id,
                    }
                )
                records.extend(JobEvent(**e) for e in events)
                if fault is not None:
                    records.append(Fault(**fault))
                if plan.usages:
                    usages.append(PartUsage(**usage_values(job.id, fault and fault["id"])))
            records.extend(StockMovement(**movement_values(engineer_id)) for _ in range(mine_due))
            loader.add(records)
            loader.add(usages)

            # Other engineers', in bulk.
            events_rows: list[dict[str, Any]] = []
            faults_rows: list[dict[str, Any]] = []
            usages_rows: list[dict[str, Any]] = []
            for job in theirs:
                events, fault = children_values(job)
                events_rows.extend(new_row(event_base, **e) for e in events)
                if fault is not None:
                    faults_rows.append({**new_row(fault_base), **fault})
                if plan.usages:
                    usage = usage_values(job["id"], fault and fault["id"])
                    usages_rows.append(new_row(usage_base, **usage))
            movements = [
                new_row(movement_base, **movement_values(other_ids[(start + n) % len(other_ids)]))
                for n in range(theirs_due)
            ]
            loader.bulk(
                (Job, theirs),
                (JobEvent, events_rows),
                (Fault, faults_rows),
                (PartUsage, usages_rows),
                (StockMovement, movements),
            )
            loader.commit_if_big()
        loader.commit()

    before = loader.rows
    with setup_step(f"{label}: jobs, history, movements", lambda: loader.rows - before):
        load_jobs()
    return engineer_id, job_ids, other_jobs


def change_notes(url: str, job_ids: list[str], count: int, tag: str) -> None:
    """A supervisor edits ``count`` of the engineer's job notes at HQ."""
    engine = make_hq_engine(url)
    try:
        with session_scope(engine) as session:
            jobs = session.exec(select(Job).where(col(Job.id).in_(job_ids[:count]))).all()
            for job in jobs:
                job.note = f"主管备注 {tag}: 请带齐主泵密封件"
                session.add(job)
    finally:
        engine.dispose()


# --- HQ process and devices ----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def scratch_database(pg: str | None, folder: Path, name: str) -> Iterator[str]:
    if pg is None:
        yield f"sqlite:///{folder / f'{name}.sqlite'}"
        return
    database = f"fieldapp_bench_{name}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    base, _, _ = pg.rpartition("/")
    try:
        yield f"{base}/{database}"
    finally:
        with admin.connect() as connection:
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": database},
            )
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}"'))
        admin.dispose()


class HQProcess:
    """``python -m sync.hq.cli --db URL serve --port P`` (or this script's profiled
    variant of it), on a free loopback port."""

    def __init__(self, url: str, folder: Path, profile_out: Path | None = None) -> None:
        self.url = url
        self.folder = folder
        self.profile_out = profile_out
        self.port = free_port()
        self.log = folder / f"hq-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        if self.profile_out is None:
            command = [sys.executable, "-m", "sync.hq.cli", "--db", self.url, "serve"]
            command += ["--port", str(self.port)]
        else:
            command = [
                sys.executable,
                str(Path(__file__).resolve()),
                "--serve-profiled",
                str(self.profile_out),
                "--serve-db",
                self.url,
                "--serve-port",
                str(self.port),
            ]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"HQ exited: {self.log.read_text()}")
            try:
                if requests.get(f"{self.base}/api/v1/health", timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError("HQ did not start")

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, failed: bool = False) -> None:
        if self.process is not None and self.process.poll() is None:
            # The profiled server writes its profile on Ctrl-C (SIGINT), the plain one
            # stops on SIGTERM.
            self.process.send_signal(signal.SIGINT if self.profile_out else signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if failed:
            with suppress(OSError):  # standard output may be gone (a closed pipe)
                say(f"  HQ's log ({self.log}), last lines:\n{self.log_tail()}")


@dataclass
class Traffic:
    """What the pull answers weighed: JSON bytes (decoded) and bytes on the wire."""

    pull_json: int = 0
    pull_wire: int = 0
    pulls: int = 0
    requests: int = 0
    snapshot_bytes: int = 0  # the snapshot file (already compressed)

    def hook(self, response: requests.Response, *_args: Any, **_kwargs: Any) -> None:
        self.requests += 1
        if "/sync/snapshots/" in response.request.path_url:
            self.snapshot_bytes += int(response.headers.get("content-length", 0))
        if response.request.path_url.endswith("/sync/pull"):
            body = response.content
            self.pulls += 1
            self.pull_json += len(body)
            self.pull_wire += int(response.raw.tell() or response.headers.get("content-length", 0))


@dataclass
class DeviceRun:
    store: Store
    data_dir: Path
    page_size: int = PULL_PAGE


def enroll_device(
    hq: HQProcess, url: str, folder: Path, name: str, page_size: int = PULL_PAGE
) -> DeviceRun:
    data_dir = folder / name
    store = Store.open(data_dir)
    engine = make_hq_engine(url)
    try:
        with session_scope(engine) as session:
            user = session.exec(select(User).where(User.login == ENGINEER)).one()
            code, _ = issue_enrollment(session, user)
    finally:
        engine.dispose()
    enroll(store, data_dir, hq.base, code, device_name=name, platform="bench")
    return DeviceRun(store, data_dir, page_size)


def timed_sync(
    device: DeviceRun, profile: cProfile.Profile | None = None, use_snapshot: bool = True
) -> tuple[float, SyncReport, Traffic]:
    client = SyncClient(
        device.store, device.data_dir, page_size=device.page_size, use_snapshot=use_snapshot
    )
    traffic = Traffic()
    client.hq.http.hooks["response"].append(traffic.hook)
    try:
        start = time.perf_counter()
        if profile is not None:
            profile.enable()
        report = client.sync()
        if profile is not None:
            profile.disable()
        seconds = time.perf_counter() - start
    finally:
        client.close()
    return seconds, report, traffic


def ready_snapshot(url: str) -> Any:
    """The snapshot of the shared buckets, as HQ keeps it after a catalogue change:
    built here, or by the server's own builder if it got there first."""
    engine = make_hq_engine(url)
    try:
        while True:
            snapshots.build_if_stale(engine)
            with session_scope(engine) as session:
                if not snapshots.stale(session):
                    return snapshots.newest(session)
            time.sleep(0.2)
    finally:
        engine.dispose()


def incremental_rounds(
    url: str,
    device: DeviceRun,
    job_ids: list[str],
    args: argparse.Namespace,
    label: str,
    rng: random.Random,
) -> list[float]:
    times: list[float] = []
    for n in range(args.rounds):
        chosen = rng.sample(job_ids, min(args.changes, len(job_ids)))
        start = time.perf_counter()
        change_notes(url, chosen, args.changes, f"{label}-{n}")
        setup = time.perf_counter() - start
        seconds, report, _traffic = timed_sync(device)
        if report.pulled != len(chosen):
            say(f"  !! {label}: round {n} pulled {report.pulled} rows, expected {len(chosen)}")
        say(
            f"  {label}: round {n + 1}: {args.changes} notes changed at HQ in {setup:.2f} s "
            f"(setup); sync {seconds * 1000:8.1f} ms, pulled {report.pulled}, "
            f"verified {report.verified_buckets} buckets"
        )
        times.append(seconds)
    return times


# --- the lower bound -------------------------------------------------------------------------


def read_rows(store: Store) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """Every synced row of a device's store as stored (columns, rows) per table."""
    result: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = {}
    raw = store.engine.raw_connection()
    try:
        cursor = raw.driver_connection.cursor()  # type: ignore[union-attr]
        for name in SYNCED_NAMES:
            cursor.execute(f'SELECT * FROM "{name}"')
            rows = cursor.fetchall()
            if rows:
                result[name] = ([d[0] for d in cursor.description], rows)
        cursor.close()
    finally:
        raw.close()
    return result


def bulk_write_seconds(
    rows: dict[str, tuple[list[str], list[tuple[Any, ...]]]], folder: Path
) -> tuple[float, dict[str, float]]:
    """executemany of the same rows into a fresh store, in one transaction; the total
    and each table's share."""
    store = Store(folder / "lower-bound.sqlite")
    raw = store.engine.raw_connection()
    try:
        connection = raw.driver_connection
        connection.isolation_level = None  # type: ignore[union-attr]
        connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        per_table: dict[str, float] = {}
        start = time.perf_counter()
        connection.execute("BEGIN")  # type: ignore[union-attr]
        for name, (columns, values) in rows.items():
            names = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join("?" for _ in columns)
            table_start = time.perf_counter()
            connection.executemany(  # type: ignore[union-attr]
                f'INSERT INTO "{name}" ({names}) VALUES ({marks})', values
            )
            per_table[name] = time.perf_counter() - table_start
        commit_start = time.perf_counter()
        connection.execute("COMMIT")  # type: ignore[union-attr]
        per_table["(commit)"] = time.perf_counter() - commit_start
        seconds = time.perf_counter() - start
    finally:
        raw.close()
        store.close()
    return seconds, per_table


def loopback_seconds(nbytes: int) -> float:
    """Time to move ``nbytes`` through a TCP loopback connection."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    received = [0]

    def drain() -> None:
        connection, _ = server.accept()
        buffer = bytearray(1 << 20)
        with connection:
            while received[0] < nbytes:
                count = connection.recv_into(buffer)
                if not count:
                    break
                received[0] += count

    reader = threading.Thread(target=drain)
    reader.start()
    chunk = b"x" * (1 << 20)
    with socket.create_connection(("127.0.0.1", port)) as sender:
        start = time.perf_counter()
        left = nbytes
        while left > 0:
            sender.sendall(chunk[: min(left, len(chunk))])
            left -= len(chunk)
        reader.join()
        seconds = time.perf_counter() - start
    server.close()
    return seconds


# --- profiles ----------------------------------------------------------------------------------


class _Snapshot:
    """A profiler's figures, taken without disabling it (it belongs to another thread)."""

    def __init__(self, profile: cProfile.Profile) -> None:
        profile.snapshot_stats()
        self.stats = profile.stats  # type: ignore[attr-defined]

    def create_stats(self) -> None:
        return None


def serve_profiled(url: str, port: int, out: Path) -> None:
    """HQ's ``serve``, with every thread profiled (uvicorn runs the sync routes in a
    thread pool); the merged profile is written to ``out`` on Ctrl-C."""
    import uvicorn

    from sync.hq.app import create_app

    profiles: list[cProfile.Profile] = []
    lock = threading.Lock()

    def start_thread_profile(*_args: Any) -> None:
        profile = cProfile.Profile()
        with lock:
            profiles.append(profile)
        profile.enable()  # replaces this hook in this thread

    engine = make_hq_engine(url)
    migrate_hq(engine)
    threading.setprofile(start_thread_profile)
    main = cProfile.Profile()
    profiles.append(main)
    main.enable()
    try:
        uvicorn.run(create_app(engine), host="127.0.0.1", port=port, log_level="warning")
    except KeyboardInterrupt:
        pass
    finally:
        main.disable()
        threading.setprofile(None)  # type: ignore[arg-type]
        stats = pstats.Stats()
        with lock:
            for profile in profiles:
                stats.add(_Snapshot(profile))
        stats.dump_stats(str(out))
        engine.dispose()


IDLE = frozenset(
    {
        "<method 'poll' of 'select.epoll' objects>",
        "<method 'acquire' of '_thread.lock' objects>",
    }
)


def _where(key: tuple[str, int, str]) -> str:
    file, line, name = key
    return name if file == "~" else f"{Path(file).parent.name}/{Path(file).name}:{line}({name})"


def print_profile(label: str, path: Path, top: int) -> None:
    """The functions that take the time: by own time (idle waits left out), then the
    project's own functions by cumulative time."""
    stats: Any = pstats.Stats(str(path))
    entries = stats.stats.items()
    idle = sum(tt for key, (_cc, _nc, tt, _ct, _callers) in entries if key[2] in IDLE)
    busy = stats.total_tt - idle
    say(f"\n  {label}: {stats.total_tt:.2f} s profiled, {busy:.2f} s busy ({path})")
    say(f"  {label}, top {top} by own time (waits for the next request left out):")
    ranked = sorted(entries, key=lambda item: -item[1][2])
    for key, (_cc, nc, tt, ct, _callers) in [e for e in ranked if e[0][2] not in IDLE][:top]:
        say(f"    {tt:8.3f} s {tt / busy:6.1%} {ct:8.3f} s cum {nc:>9,} calls  {_where(key)}")
    say(f"  {label}, project functions by cumulative time:")
    ours = [
        (key, value)
        for key, value in entries
        if key[0][0] not in "~<" and "site-packages" not in key[0] and "/lib/python3" not in key[0]
    ]
    for key, (_cc, nc, tt, ct, _callers) in sorted(ours, key=lambda item: -item[1][3])[:top]:
        say(f"    {ct:8.3f} s {ct / busy:6.1%} {tt:8.3f} s own {nc:>9,} calls  {_where(key)}")


# --- main --------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=2000, help="the engineer's jobs")
    parser.add_argument("--customers", type=int, default=None, help="default: 15%% of --jobs")
    parser.add_argument("--parts", type=int, default=100_000, help="catalogue size")
    parser.add_argument("--big-rows", type=int, default=1_000_000, help="rows of the big HQ")
    parser.add_argument("--small-rows", type=int, default=10_000, help="rows of the small HQ")
    parser.add_argument("--changes", type=int, default=50, help="HQ changes per incremental")
    parser.add_argument("--rounds", type=int, default=5, help="incremental syncs measured")
    parser.add_argument(
        "--page", type=int, default=PULL_PAGE, help="pull page size (the app's by default)"
    )
    parser.add_argument("--pg", default=None, help="run HQ on PostgreSQL (an admin URL)")
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="also profile a first sync (client and HQ); .prof files here",
    )
    parser.add_argument("--top", type=int, default=25, help="lines of each profile printed")
    parser.add_argument("--keep", type=Path, default=None, help="work in this folder, keep it")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--serve-profiled", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--serve-db", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--serve-port", type=int, default=None, help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.serve_profiled is not None:
        serve_profiled(args.serve_db, args.serve_port, args.serve_profiled)
        return
    customers = args.customers or max(1, round(args.jobs * 0.15))
    rng = random.Random(args.seed)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="fieldapp-bench-sync-"))
    folder.mkdir(parents=True, exist_ok=True)
    say(
        f"HQ on {'PostgreSQL' if args.pg else 'SQLite'}; pull pages of {args.page:,} rows; "
        f"work folder {folder}"
    )
    say(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, pid {os.getpid()}")
    results: dict[str, Any] = {}
    try:
        run_big(args, customers, rng, folder, results)
        run_small(args, customers, rng, folder, results)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    summary(args, results)


def run_big(
    args: argparse.Namespace,
    customers: int,
    rng: random.Random,
    folder: Path,
    results: dict[str, Any],
) -> None:
    plan = Plan(
        jobs=args.jobs,
        customers=customers,
        events=3,
        faults=1,
        usages=1,
        parts=args.parts,
        total=args.big_rows,
    )
    say(f"\nBig HQ: target {args.big_rows:,} rows")
    with scratch_database(args.pg, folder, "big") as url:
        built = build_hq(url, plan, rng, "big HQ")
        setup_line("big HQ: total", built.seconds, built.rows)
        say(
            f"  big HQ: {built.rows:,} synced rows ({built.orm_rows:,} as HQSession objects), "
            f"{built.entries:,} row-log entries, "
            f"engineer's jobs {len(built.job_ids):,}, other engineers' jobs {built.other_jobs:,}"
        )
        results["big_rows"] = built.rows
        hq = HQProcess(url, folder)
        start = time.perf_counter()
        hq.start()
        setup_line("big HQ: start the server", time.perf_counter() - start)
        try:
            start = time.perf_counter()
            snapshot = ready_snapshot(url)
            setup_line(
                "big HQ: snapshot of catalogue and org (once per change)",
                time.perf_counter() - start,
                snapshot.rows,
            )
            say(
                f"  snapshot: {snapshot.rows:,} rows up to seq {snapshot.seq:,}, "
                f"{snapshot.size / 1e6:,.1f} MB compressed, built in {snapshot.build_seconds:.1f} s"
            )
            device = enroll_device(hq, url, folder, "device-big", args.page)
            rows_device = enroll_device(hq, url, folder, "device-big-rows", args.page)
            say("\n1. First sync of the engineer (measured)")
            seconds, report, traffic = timed_sync(device)
            rows = report.pulled
            results.update(first=seconds, first_rows=rows, traffic=traffic)
            say(
                f"  first sync: {seconds:8.2f} s  {rows:,} rows received  "
                f"{rows / seconds:,.0f} rows/s ({report.snapshot_rows:,} from the snapshot)"
            )
            say(
                f"  snapshot file {traffic.snapshot_bytes / 1e6:,.1f} MB; pull answers: "
                f"{traffic.pulls} pages, {traffic.pull_json / 1e6:,.1f} MB JSON, "
                f"{traffic.pull_wire / 1e6:,.1f} MB on the wire (gzip); {traffic.requests} "
                f"requests in all; verified {report.verified_buckets:,} buckets, "
                f"{len(report.repaired_buckets)} repaired"
            )
            plain_seconds, plain_report, plain_traffic = timed_sync(rows_device, use_snapshot=False)
            results["first_rows_only"] = plain_seconds
            say(
                f"  the same first sync row by row (no snapshot): {plain_seconds:8.2f} s, "
                f"{plain_report.pulled:,} rows, {plain_traffic.pull_json / 1e6:,.1f} MB JSON"
            )
            rows_device.store.close()
            stored = read_rows(device.store)
            stored_rows = sum(len(v) for _, v in stored.values())
            say(
                f"  device store: {stored_rows:,} synced rows, "
                f"{device.store.path.stat().st_size / 1e6:,.0f} MB"
            )

            say("\n3. Lower bound of the first sync")
            write, per_table = bulk_write_seconds(stored, folder)
            move = loopback_seconds(traffic.pull_json + traffic.snapshot_bytes)
            bound = write + move
            results.update(write=write, move=move, bound=bound, stored_rows=stored_rows)
            say(f"  bulk write of the same {stored_rows:,} rows (one transaction): {write:8.2f} s")
            biggest = sorted(per_table.items(), key=lambda item: -item[1])[:6]
            say("    of which " + ", ".join(f"{name} {t:.2f} s" for name, t in biggest))
            moved = (traffic.pull_json + traffic.snapshot_bytes) / 1e6
            say(
                f"  {moved:,.1f} MB of pull JSON and snapshot over loopback TCP: "
                f"{move * 1000:8.1f} ms"
            )
            say(
                f"  lower bound {bound:.2f} s; first sync / lower bound = {seconds / bound:.2f}x "
                f"(aim: under 5 s, within 1.5x)"
            )
            del stored

            say(f"\n2. Incremental sync of {args.changes} HQ changes, HQ of {built.rows:,} rows")
            results["big_times"] = incremental_rounds(
                url, device, built.job_ids, args, "big HQ", rng
            )
            device.store.close()
        except BaseException:
            hq.stop(failed=True)
            raise
        hq.stop()
        if args.profile is not None:
            profile_first_sync(args, url, folder)


def profile_first_sync(args: argparse.Namespace, url: str, folder: Path) -> None:
    args.profile.mkdir(parents=True, exist_ok=True)
    hq_out = args.profile.resolve() / "hq-first-sync.prof"
    client_out = args.profile.resolve() / "client-first-sync.prof"
    say("\nProfiled first sync (client in-process, HQ in all its threads; times inflated)")
    hq = HQProcess(url, folder, profile_out=hq_out)
    hq.start()
    try:
        device = enroll_device(hq, url, folder, "device-profiled", args.page)
        profile = cProfile.Profile()
        seconds, report, _traffic = timed_sync(device, profile)
        profile.dump_stats(str(client_out))
        device.store.close()
        say(f"  profiled first sync: {seconds:.2f} s, {report.pulled:,} rows")
    except BaseException:
        hq.stop(failed=True)
        raise
    hq.stop()
    print_profile("client", client_out, args.top)
    if hq_out.exists():
        print_profile("HQ", hq_out, args.top)
    else:
        say(f"  no HQ profile: see {hq.log}")


def run_small(
    args: argparse.Namespace,
    customers: int,
    rng: random.Random,
    folder: Path,
    results: dict[str, Any],
) -> None:
    # The same engineer's jobs and customers (so the same scope and buckets) with one
    # event per job and a small catalogue; other engineers fill up to --small-rows.
    base = customers * 4 + args.jobs * 2 + 100 + 120
    parts = max(100, min(args.parts, (args.small_rows - base) // 2))
    plan = Plan(
        jobs=args.jobs,
        customers=customers,
        events=1,
        faults=0,
        usages=0,
        parts=parts,
        total=args.small_rows,
        van_movements=100,
    )
    say(f"\nSmall HQ: target {args.small_rows:,} rows (same engineer's jobs and customers)")
    with scratch_database(args.pg, folder, "small") as url:
        built = build_hq(url, plan, rng, "small HQ")
        setup_line("small HQ: total", built.seconds, built.rows)
        say(
            f"  small HQ: {built.rows:,} synced rows ({built.orm_rows:,} as HQSession objects), "
            f"{built.entries:,} row-log entries, "
            f"engineer's jobs {len(built.job_ids):,}, other engineers' jobs {built.other_jobs:,}"
        )
        results["small_rows"] = built.rows
        hq = HQProcess(url, folder)
        hq.start()
        try:
            device = enroll_device(hq, url, folder, "device-small", args.page)
            seconds, report, _traffic = timed_sync(device)
            setup_line("small HQ: first sync of the device", seconds, report.pulled)
            say(f"\n2. Incremental sync of {args.changes} HQ changes, HQ of {built.rows:,} rows")
            results["small_times"] = incremental_rounds(
                url, device, built.job_ids, args, "small HQ", rng
            )
            device.store.close()
        except BaseException:
            hq.stop(failed=True)
            raise
        hq.stop()


def summary(args: argparse.Namespace, results: dict[str, Any]) -> None:
    say("\nSummary")
    first, rows = results["first"], results["first_rows"]
    say(
        f"  1. first sync: {args.jobs:,} jobs + {args.parts:,} parts: {first:.2f} s, "
        f"{rows:,} rows, {rows / first:,.0f} rows/s"
    )
    big, small = results["big_times"], results["small_times"]
    big_median, small_median = statistics.median(big), statistics.median(small)
    say(
        f"  2. incremental, {args.changes} changes: HQ of {results['big_rows']:,} rows "
        f"median {big_median * 1000:.0f} ms (min {min(big) * 1000:.0f}); "
        f"HQ of {results['small_rows']:,} rows median {small_median * 1000:.0f} ms "
        f"(min {min(small) * 1000:.0f}); big/small = {big_median / small_median:.2f}x"
    )
    say(
        f"  3. first sync / lower bound ({results['write']:.2f} s write + "
        f"{results['move'] * 1000:.0f} ms loopback) = {first / results['bound']:.2f}x "
        f"(aim: under 5 s, within 1.5x); row by row, without the snapshot: "
        f"{results['first_rows_only']:.2f} s"
    )
    say(
        "  "
        + json.dumps(
            {
                "first_sync_s": round(first, 3),
                "first_sync_rows": rows,
                "incremental_big_ms": round(big_median * 1000, 1),
                "incremental_small_ms": round(small_median * 1000, 1),
                "lower_bound_s": round(results["bound"], 3),
                "ratio": round(first / results["bound"], 2),
                "first_sync_rows_only_s": round(results["first_rows_only"], 3),
            }
        )
    )


if __name__ == "__main__":
    main()
