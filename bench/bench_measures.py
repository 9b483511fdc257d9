"""The month's measures at scale: count and draw a month of 200 engineers and 10,000
approved jobs, and the Pareto of a year of 100,000 faults.

Builds a store (in a temporary folder unless ``--keep DIR``) with a year of jobs, each
with a fault, the year's closed ones with their log (an approval each, before the month),
the month's with their approval, follow-up calls, parts and complaints;
then prints the median and the worst of a few runs of:

* the month: :func:`fieldapp.services.measures.month_measures` for the whole company
  (every figure per engineer and for the company, the month's tables and Pareto) and
  the five charts drawn into a 1280×800 image;
* the Pareto: the year's faults grouped by model and component in the database
  (:func:`fault_pareto`), sorted with their cumulative share, and drawn;
* the year-long quality pack (repeat repairs, hours between faults), for reference.

    python bench/bench_measures.py [--engineers 200] [--jobs 10000] [--faults 100000]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from fieldapp.clock import new_id
from fieldapp.models import (
    Complaint,
    Customer,
    Fault,
    FollowUp,
    HourMeterReading,
    Job,
    JobEvent,
    LicenceEvent,
    Machine,
    Part,
    PartUsage,
    ProductModel,
    Region,
    Team,
    User,
)
from fieldapp.models.enums import Assembly, LicenceEventKind, Satisfaction
from fieldapp.services import measures as m
from fieldapp.store import Store

MODELS = ["ZY16", "ZY28", "ZY35", "ZY55", "ZY80", "ZY150", "ZY210", "ZY260", "ZY330"]
MODELS += ["ZYL40", "ZYL80", "ZYL160", "ZY80SD", "ZY150SD", "ZY210SD", "QUY20A", "QUY50A"]
MONTH = "2026-11"
NOW = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)


@cache
def _defaults(model: type[Any]) -> dict[str, Any]:
    """Every column of ``model`` with its default, for bulk inserts."""
    values: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if info.default_factory is not None:
            continue
        values[name] = None if info.is_required() else info.default
    return values


def rows(model: type[Any], items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    stamp = {"created_at": NOW, "updated_at": NOW, "deleted_at": None, "version": 1}
    base = _defaults(model)
    return [{**base, **stamp, "id": new_id(), **item} for item in items]


def history(closed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The log of the year's closed jobs: received, assigned, arrived, signed, approved
    (well before the month: each was received by late October and approved 32 hours
    later) and closed. The month is found among a year of approvals, as on a real store."""
    steps = [
        ("created", "received_at", timedelta()),
        ("assigned", "received_at", timedelta(minutes=10)),
        ("arrived", "arrived_at", timedelta()),
        ("signed", "completed_at", timedelta()),
        ("approved", "completed_at", timedelta(hours=2)),
        ("closed", "completed_at", timedelta(days=1)),
    ]
    return [
        {"job_id": j["id"], "kind": kind, "occurred_at": j[column] + after}
        for j in closed
        for kind, column, after in steps
    ]


def load(store: Store, engineers: int, jobs: int, faults: int, rng: random.Random) -> None:
    start, end = m.month_bounds(2026, 11)
    with store.action(track=False) as session:
        region = Region(code="AH", name_zh="安徽", grade="B", is_home=True)
        session.add(region)
        session.flush()
        teams = [Team(name_zh=f"服务站{n}", region_id=region.id) for n in range(10)]
        session.add_all(teams)
        session.flush()
        people = [
            User(
                login=f"eng{n:03d}",
                display_name=f"工程师{n}",
                role="engineer",
                team_id=teams[n % len(teams)].id,
            )
            for n in range(engineers)
        ]
        models = [ProductModel(code=code, name_zh=code) for code in MODELS]
        part = Part(part_no="ZY210-3101-01", name_zh="主泵", price_cents=4_580_000)
        session.add_all([*people, *models, part])
        session.flush()
        customers = [
            Customer(code=f"C{n:05d}", name=f"客户{n}", region_id=region.id) for n in range(2000)
        ]
        session.add_all(customers)
        session.flush()
        machines = [
            Machine(
                customer_id=customers[n % 2000].id,
                model_id=models[n % len(models)].id,
                serial=f"SN{n:08d}",
            )
            for n in range(6000)
        ]
        session.add_all(machines)
        session.flush()
        assemblies = [a.value for a in Assembly]
        year_start = datetime(2026, 1, 1, tzinfo=UTC)
        job_rows: list[dict[str, Any]] = []
        for n in range(faults):
            in_month = n < jobs
            machine = machines[n % len(machines)]
            if in_month:
                received = start + timedelta(minutes=rng.randrange(0, 29 * 24 * 60))
            else:
                received = year_start + timedelta(minutes=rng.randrange(0, 300 * 24 * 60))
            engineer = people[n % len(people)]
            job_rows.append(
                {
                    "number": f"FW-2026-{n:07d}",
                    "job_type": rng.choice(["repair", "repair", "maintenance", "warranty"]),
                    "status": "approved" if in_month else "closed",
                    "customer_id": machine.customer_id,
                    "machine_id": machine.id,
                    "team_id": engineer.team_id,
                    "assignee_id": engineer.id,
                    "received_at": received,
                    "answer_due_at": received + timedelta(hours=4),
                    "answered_at": received + timedelta(minutes=rng.randrange(10, 300)),
                    "on_site_due_at": received + timedelta(hours=24),
                    "arrived_at": received + timedelta(hours=rng.randrange(1, 30)),
                    "completed_at": received + timedelta(hours=30),
                    "amount_cents": rng.randrange(0, 5_000_000),
                }
            )
        job_rows = rows(Job, job_rows)
        session.execute(insert(Job), job_rows)
        month_jobs = job_rows[:jobs]
        session.execute(
            insert(JobEvent),
            rows(
                JobEvent,
                [
                    {
                        "job_id": j["id"],
                        "kind": "approved",
                        "occurred_at": j["completed_at"] + timedelta(hours=2),
                    }
                    for j in month_jobs
                ],
            ),
        )
        session.execute(insert(JobEvent), rows(JobEvent, history(job_rows[jobs:])))
        session.execute(
            insert(Fault),
            rows(
                Fault,
                [
                    {
                        "job_id": j["id"],
                        "machine_id": j["machine_id"],
                        "assembly": rng.choices(assemblies, weights=range(len(assemblies), 0, -1))[
                            0
                        ],
                        "symptom": "故障",
                        "fixed": rng.random() > 0.1,
                        "misuse": rng.random() < 0.03,
                        "repair_location": "on_site",
                    }
                    for j in job_rows
                ],
            ),
        )
        satisfactions = [s.value for s in Satisfaction]
        session.execute(
            insert(FollowUp),
            rows(
                FollowUp,
                [
                    {
                        "job_id": j["id"],
                        "engineer_id": j["assignee_id"],
                        "called_at": min(j["completed_at"] + timedelta(days=1), end),
                        "reached": True,
                        "satisfaction": rng.choices(satisfactions, weights=[60, 25, 12, 3])[0],
                        "praise": rng.random() < 0.05,
                    }
                    for j in month_jobs
                    if rng.random() < 0.8
                ],
            ),
        )
        session.execute(
            insert(PartUsage),
            rows(
                PartUsage,
                [
                    {
                        "job_id": j["id"],
                        "part_id": part.id,
                        "quantity": 1,
                        "unit_price_cents": 4_580_000,
                        "warranty": rng.random() < 0.5,
                    }
                    for j in month_jobs
                ],
            ),
        )
        session.execute(
            insert(Complaint),
            rows(
                Complaint,
                [
                    {
                        "customer_id": j["customer_id"],
                        "job_id": j["id"],
                        "received_at": j["completed_at"],
                        "answered_at": j["completed_at"]
                        + timedelta(minutes=rng.randrange(30, 400)),
                        "status": "answered",
                        "description": "投诉",
                        "channel": "phone",
                    }
                    for j in month_jobs[:50]
                ],
            ),
        )
        kinds = [k.value for k in LicenceEventKind]
        session.execute(
            insert(LicenceEvent),
            rows(
                LicenceEvent,
                [
                    {
                        "engineer_id": people[n % len(people)].id,
                        "kind": rng.choice(kinds),
                        "occurred_on": date(2026, 1 + n % 11, 1 + n % 28),
                    }
                    for n in range(600)
                ],
            ),
        )
        session.execute(
            insert(HourMeterReading),
            rows(
                HourMeterReading,
                [
                    {
                        "machine_id": machine.id,
                        "hours": float(rng.randrange(200, 8000)),
                        "read_at": datetime(2026, 11, 1, tzinfo=UTC),
                        "source": "engineer",
                    }
                    for machine in machines
                ],
            ),
        )


def timed(label: str, runs: int, action: Callable[[], Any]) -> list[float]:
    """Wall-clock and CPU seconds of each run (CPU too: on a loaded machine the wall
    clock measures the neighbours)."""
    seconds = []
    cpu = []
    for _ in range(runs):
        began, began_cpu = time.perf_counter(), time.process_time()
        action()
        seconds.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
    print(
        f"{label}: median {statistics.median(seconds) * 1000:.0f} ms "
        f"(CPU {statistics.median(cpu) * 1000:.0f} ms), "
        f"worst {max(seconds) * 1000:.0f} ms (CPU {max(cpu) * 1000:.0f} ms) ({runs} runs)"
    )
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engineers", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--faults", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QFont, QGuiApplication, QImage, QPainter

    from ui.common.charts import draw_chart
    from ui.office import measures_export as export

    app = QGuiApplication([])
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-measures-"))
    built = (folder / "fieldapp.sqlite").exists()  # a kept store is measured again as is
    store = Store.open(folder)
    began = time.perf_counter()
    if not built:
        load(store, args.engineers, args.jobs, args.faults, random.Random(12))
    print(
        f"store: {args.engineers} engineers, {args.jobs} jobs approved in {MONTH}, "
        f"{args.faults} faults in the year "
        + ("(kept from before)" if built else f"(built in {time.perf_counter() - began:.1f} s)")
    )
    words = export.words_for("zh_CN")
    font = QFont()
    font.setPointSizeF(10)

    def draw(specs: list[Any]) -> None:
        image = QImage(1280, 800, QImage.Format.Format_ARGB32)
        image.fill(0xFFFFFFFF)
        painter = QPainter(image)
        for n, spec in enumerate(specs):
            box = QRectF((n % 3) * 426, (n // 3) * 400, 420, 390)
            draw_chart(painter, box, spec, font)
        painter.end()

    result: dict[str, Any] = {}

    def month() -> None:
        with store.reader() as session:
            result["month"] = m.month_measures(session, MONTH, now=NOW, quality=False)
        draw(list(export.chart_specs(result["month"], words).values()))

    def year_pareto() -> None:
        start, _ = m.month_bounds(2026, 1)
        end, _ = m.month_bounds(2027, 1)
        with store.reader() as session:
            result["pareto"], result["excluded"] = m.fault_pareto(session, start, end)
        draw([export.pareto_spec(result["pareto"], words)])

    def quality() -> None:
        with store.reader() as session:
            data = m.load_month(session, 2026, 11, now=NOW)
            result["repeats"] = m.repeat_repairs(session, data)
            result["hours"] = m.hours_between_faults(session, data)

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    month_times = timed("month (count + 5 charts)", args.runs, month)
    counted = result["month"]
    print(
        f"  {len(counted.engineers)} engineers, {counted.team['jobs'].value} jobs, "
        f"{counted.team['follow_ups'].value} calls, score total {counted.team['score'].value}"
    )
    pareto_times = timed("year Pareto (read + group + draw)", args.runs, year_pareto)
    counted = sum(r[2] for r in result["pareto"].rows)
    print(
        f"  {counted} faults in {len(result['pareto'].rows)} model × component groups, "
        f"excluded: {result['excluded']}"
    )
    timed("quality pack (repeat repairs in the year, hours between faults)", args.runs, quality)
    print(
        f"  {len(result['repeats'].rows)} components repaired more than once, "
        f"{len(result['hours'].rows)} models"
    )
    store.close()
    del app
    ok = statistics.median(month_times) < 1 and statistics.median(pareto_times) < 1
    print("within 1 s: " + ("yes" if ok else "NO"))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
