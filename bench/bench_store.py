"""Local store at scale: bulk-load rate and the time to fetch one page of the lists.

Builds a store with 100,000 jobs and 500,000 parts (in a temporary folder unless
``--keep DIR``), then prints rows/s of the bulk load and, for each list query, the
median and 95th percentile of fetching one 50-row page.

    python bench/bench_store.py [--jobs 100000] [--parts 500000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy import text as sql_text

from fieldapp.clock import new_id
from fieldapp.models import Customer, Job, Machine, Part, ProductModel, Region, User
from fieldapp.queries import JobFilter, job_page, search_parts
from fieldapp.search import part_search_text
from fieldapp.store import Store

COMPONENTS = [
    "液压油滤芯",
    "柴油滤芯",
    "空气滤芯",
    "机油滤芯",
    "先导滤芯",
    "动臂油缸密封包",
    "斗杆油缸密封包",
    "铲斗油缸密封包",
    "回转马达",
    "行走马达",
    "主泵",
    "主阀",
    "先导阀",
    "高压油管",
    "回油管",
    "O形圈",
    "斗齿",
    "齿座",
    "侧齿",
    "履带板",
    "链轨节",
    "支重轮",
    "托链轮",
    "引导轮",
    "驱动轮",
    "压力传感器",
    "温度传感器",
    "转速传感器",
    "电磁阀",
    "控制器",
    "继电器",
    "保险丝",
    "线束",
    "起动机",
    "发电机",
    "蓄电池",
    "散热器",
    "风扇皮带",
    "驾驶室玻璃",
    "雨刮器",
    "座椅",
    "工作灯",
    "钢丝绳",
    "卷扬制动器",
    "伸缩臂滑块",
    "力矩限制器",
    "回转支承",
    "终传动",
    "张紧油缸",
    "减震块",
]
ENGLISH = {
    "滤芯": "filter element",
    "密封包": "seal kit",
    "马达": "motor",
    "泵": "pump",
    "阀": "valve",
    "管": "hose",
    "圈": "ring",
    "齿": "tooth",
    "轮": "roller",
    "传感器": "sensor",
}
MODELS = [
    "ZY16",
    "ZY28",
    "ZY35",
    "ZY55",
    "ZY80",
    "ZY150",
    "ZY210",
    "ZY260",
    "ZY330",
    "ZYL40",
    "ZYL80",
    "ZYL160",
    "ZY80SD",
    "ZY150SD",
    "ZY210SD",
    "QUY20A",
    "QUY50A",
]
VARIANTS = ["", "（加强型）", "（原厂）", "（国产）", "（高原型）", "（湿地型）", "总成", "组件"]
STATUSES = ["assigned", "accepted", "en_route", "on_site", "signed", "approved", "closed"]
PAGE = 50


def english_name(name: str) -> str:
    for key, value in ENGLISH.items():
        if key in name:
            return value
    return "part"


def timed(label: str, rows: int, action: Callable[[], None]) -> float:
    start = time.perf_counter()
    action()
    seconds = time.perf_counter() - start
    print(f"{label:<44} {rows:>9,} rows  {seconds:7.2f} s  {rows / seconds:>10,.0f} rows/s")
    return seconds


def load(store: Store, jobs: int, parts: int, rng: random.Random) -> tuple[list[str], list[str]]:
    now = datetime(2026, 11, 23, tzinfo=UTC)
    region = Region(code="AH", name_zh="安徽", grade="A", is_home=True)
    engineers = [
        User(login=f"eng{n}", display_name=f"工程师{n}", role="engineer") for n in range(40)
    ]
    with store.action(track=False) as session:
        session.add(region)
        session.add_all(engineers)
        models = [ProductModel(code=code, name_zh=code) for code in MODELS]
        session.add_all(models)
        session.flush()
        customers = [
            Customer(code=f"C{n:05d}", name=f"客户{n}号工程有限公司", region_id=region.id)
            for n in range(2000)
        ]
        session.add_all(customers)
        session.flush()
        machines = [
            Machine(
                customer_id=customers[n % 2000].id,
                model_id=rng.choice(models).id,
                serial=f"SN{n:08d}",
            )
            for n in range(6000)
        ]
        session.add_all(machines)
        session.flush()
        machine_rows = [(m.id, m.customer_id) for m in machines]

    stamp = {"created_at": now, "updated_at": now, "deleted_at": None, "version": 1}
    part_names: list[str] = []

    def insert_parts() -> None:
        batch: list[dict[str, object]] = []
        with store.action(track=False) as session:
            for n in range(parts):
                model = MODELS[n % len(MODELS)]
                name = rng.choice(COMPONENTS) + rng.choice(VARIANTS)
                part_no = f"{model}-{n // 17 % 10000:04d}-{n % 100:02d}{n // 170000}"
                name_en = english_name(name)
                part_names.append(name)
                batch.append(
                    {
                        "id": new_id(),
                        **stamp,
                        "part_no": part_no,
                        "name_zh": name,
                        "name_en": name_en,
                        "category": "",
                        "unit": "件",
                        "price_cents": rng.randint(500, 5_000_000),
                        "labour_minutes": 30,
                        "warranty_eligible": True,
                        "superseded_by": None,
                        "search_text": part_search_text(part_no, name, name_en),
                    }
                )
                if len(batch) == 10_000:
                    session.execute(insert(Part), batch)
                    batch.clear()
            if batch:
                session.execute(insert(Part), batch)

    def insert_jobs() -> None:
        batch: list[dict[str, object]] = []
        with store.action(track=False) as session:
            for n in range(jobs):
                machine_id, customer_id = machine_rows[n % len(machine_rows)]
                received = now - timedelta(minutes=n * 7)
                batch.append(
                    {
                        "id": new_id(),
                        **stamp,
                        "number": f"FW-{n:09d}",
                        "job_type": "repair",
                        "urgency": rng.choice(["urgent", "normal", "low"]),
                        "status": rng.choice(STATUSES),
                        "customer_id": customer_id,
                        "site_id": None,
                        "machine_id": machine_id,
                        "team_id": None,
                        "assignee_id": engineers[n % len(engineers)].id,
                        "parent_job_id": None,
                        "contact_name": "",
                        "contact_phone": "",
                        "address": "",
                        "reported_model": "",
                        "reported_serial": "",
                        "reported_purchase_date": None,
                        "reported_symptom": "动臂提升无力",
                        "customer_request": "",
                        "received_at": received,
                        "requested_at": None,
                        "appointment_at": None,
                        "answer_due_at": received + timedelta(hours=4),
                        "on_site_due_at": received + timedelta(hours=rng.choice([2, 24, 120])),
                        "answered_at": None,
                        "arrived_at": None,
                        "completed_at": None,
                        "amount_cents": 0,
                        "needs_attention": False,
                        "note": "",
                    }
                )
                if len(batch) == 10_000:
                    session.execute(insert(Job), batch)
                    batch.clear()
            if batch:
                session.execute(insert(Job), batch)

    timed("bulk load: parts (with search index)", parts, insert_parts)
    timed("bulk load: jobs", jobs, insert_jobs)
    return [e.id for e in engineers], part_names


def measure(label: str, fetch: Callable[[], int], repeats: int = 50) -> None:
    fetch()  # warm the page cache: the app's second query is the one that matters
    times = []
    rows = 0
    for _ in range(repeats):
        start = time.perf_counter()
        rows = fetch()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(
        f"{label:<52} {rows:>3} rows  median {statistics.median(times):6.2f} ms  p95 {p95:6.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--parts", type=int, default=500_000)
    parser.add_argument("--keep", type=Path, default=None, help="build the store in this folder")
    args = parser.parse_args()
    rng = random.Random(42)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="fieldapp-bench-"))
    store = Store.open(folder)
    print(f"store: {store.path}")
    engineer_ids, _names = load(store, args.jobs, args.parts, rng)
    print(f"store size: {store.path.stat().st_size / 1e6:.0f} MB\n")
    mine = JobFilter(
        assignee_id=engineer_ids[3], statuses=("assigned", "accepted", "en_route", "on_site")
    )
    with store.reader() as session:
        measure(
            "job list: one engineer's open jobs, by deadline",
            lambda: len(job_page(session, mine, limit=PAGE)),
        )
        page19 = job_page(session, mine, offset=18 * PAGE, limit=PAGE)
        measure(
            "job list: same, page 20 (by key, as the list scrolls)",
            lambda: len(job_page(session, mine, after=page19[-1], limit=PAGE)),
        )
        measure(
            "job list: same, page 20 (by offset, a jump)",
            lambda: len(job_page(session, mine, offset=19 * PAGE, limit=PAGE)),
        )
        everyone = JobFilter(statuses=("assigned", "accepted"))
        measure(
            "job list: all open jobs (supervisor), by deadline",
            lambda: len(job_page(session, everyone, limit=PAGE)),
        )
        measure(
            "job list: text search in one engineer's jobs",
            lambda: len(
                job_page(session, JobFilter(assignee_id=engineer_ids[3], text="客户17"), limit=PAGE)
            ),
        )
        measure(
            "parts: part-number prefix 'ZY210-012'",
            lambda: len(search_parts(session, "ZY210-012", limit=PAGE)),
        )
        measure(
            "parts: Chinese fragment '滤芯' (common)",
            lambda: len(search_parts(session, "滤芯", limit=PAGE)),
        )
        measure(
            "parts: Chinese fragment '卷扬制动' (rarer)",
            lambda: len(search_parts(session, "卷扬制动", limit=PAGE)),
        )
        measure(
            "parts: Chinese + variant '密封包 高原'",
            lambda: len(search_parts(session, "密封包 高原", limit=PAGE)),
        )
        measure(
            "parts: English prefix 'seal'", lambda: len(search_parts(session, "seal", limit=PAGE))
        )
        measure(
            "parts: pinyin initials 'yyy'", lambda: len(search_parts(session, "yyy", limit=PAGE))
        )
        measure(
            "parts: no match '齿轮箱总成'",
            lambda: len(search_parts(session, "齿轮箱总成", limit=PAGE)),
        )
    measure_model_preference(store)
    store.close()


def measure_model_preference(store: Store) -> None:
    """The parts search of a job: those listed for the machine's model first. Each
    part fits the model of its number, as a catalogue's own parts do."""
    from fieldapp.search import search_parts_for_model

    def insert_compatibility() -> None:
        with store.action(track=False) as session:
            session.execute(
                sql_text(
                    "INSERT INTO partcompatibility (id, created_at, updated_at, version,"
                    " part_id, model_id) SELECT lower(hex(randomblob(16))), part.created_at,"
                    " part.created_at, 1, part.id, productmodel.id FROM part JOIN productmodel"
                    " ON productmodel.code = substr(part.part_no, 1, instr(part.part_no, '-') - 1)"
                )
            )

    with store.reader() as session:
        parts = session.execute(sql_text("SELECT count(*) FROM part")).scalar_one()
    timed("bulk load: part compatibility (one model each)", parts, insert_compatibility)
    with store.reader() as session:
        model_id = session.execute(
            sql_text("SELECT id FROM productmodel WHERE code = 'ZY210'")
        ).scalar_one()

        def page(query: str) -> int:
            return len(search_parts_for_model(session, query, model_id, limit=PAGE).matches)

        for label, query in [
            ("'滤芯' (common)", "滤芯"),
            ("pinyin 'zb'", "zb"),
            ("'卷扬制动' (rarer)", "卷扬制动"),
            ("English prefix 'seal'", "seal"),
            ("number prefix 'ZY210-012'", "ZY210-012"),
            ("number prefix of another model 'ZY16-012'", "ZY16-012"),
            ("no match '齿轮箱总成'", "齿轮箱总成"),
            ("whole catalogue (empty search)", ""),
        ]:
            measure(f"parts for ZY210: {label}", lambda q=query: page(q))
        cursor = None
        for _ in range(4):
            found = search_parts_for_model(session, "滤芯", model_id, cursor=cursor, limit=PAGE)
            cursor = found.next
        measure(
            "parts for ZY210: '滤芯', page 5 (by cursor)",
            lambda: len(
                search_parts_for_model(session, "滤芯", model_id, cursor=cursor, limit=PAGE).matches
            ),
        )


if __name__ == "__main__":
    main()
