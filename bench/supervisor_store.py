"""A supervisor's store at scale, for the benches of the supervisor's desk: one team of
200 engineers, 50,000 signed reports (each with the customer's sign-off over content
built by the app's own report builder, a fault, parts and labour) and 5,000 open jobs,
written with bulk inserts as a pull would write them (no outbox).

    from bench.supervisor_store import build_supervisor_store
    info = build_supervisor_store(store, engineers=200, reports=50_000, open_jobs=5_000)
"""

from __future__ import annotations

import copy
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from fieldapp.blobs import BlobStore
from fieldapp.clock import new_id
from fieldapp.demo_company import demo_signature_png
from fieldapp.models import (
    Customer,
    Fault,
    Job,
    JobEvent,
    LicenceEvent,
    Machine,
    Part,
    PartUsage,
    ProductModel,
    Region,
    Review,
    SignOff,
    StockLocation,
    StockMovement,
    Team,
    TimeEntry,
    User,
)
from fieldapp.rules.report_hash import canonical_bytes, report_hash
from fieldapp.services.report import build_report_content
from fieldapp.store import Store

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
SYMPTOMS = ["发动机冒黑烟", "液压油温高", "回转无力", "行走跑偏", "动臂下沉", "空调不制冷"]
ASSEMBLIES = ["engine", "hydraulic_pump", "slewing", "travel", "hydraulic_cylinder", "cab"]


@dataclass
class SupervisorStore:
    supervisor_id: str
    team_id: str
    engineer_ids: list[str]
    job_ids: list[str] = field(default_factory=list)  # the reported jobs, oldest first
    open_job_ids: list[str] = field(default_factory=list)
    sign_off_ids: list[str] = field(default_factory=list)


def _stamp(at: datetime) -> dict[str, Any]:
    return {"id": new_id(), "created_at": at, "updated_at": at, "version": 1}


def _bulk(session: Any, model: type, rows: list[dict[str, Any]], chunk: int = 5_000) -> None:
    for start in range(0, len(rows), chunk):
        session.execute(insert(model), rows[start : start + chunk])


def build_supervisor_store(
    store: Store,
    *,
    engineers: int = 200,
    reports: int = 50_000,
    open_jobs: int = 5_000,
    customers: int = 3_000,
    seed: int = 7,
) -> SupervisorStore:
    rng = random.Random(seed)
    # The customers' signature image, in the device's blob store like a synced one.
    signature = BlobStore(Path(store.path).parent / "blobs").put(demo_signature_png())
    with store.action(track=False) as session:
        regions = [
            {
                **_stamp(NOW),
                "code": f"R{i:02d}",
                "name_zh": f"区域{i}",
                "grade": "ABC"[i % 3],
                "is_home": i == 0,
                "is_remote": i == 7,
                "name_en": "",
            }
            for i in range(8)
        ]
        _bulk(session, Region, regions)
        team = {
            **_stamp(NOW),
            "name_zh": "华东服务站",
            "name_en": "",
            "region_id": regions[0]["id"],
        }
        _bulk(session, Team, [team])
        supervisor = {
            **_stamp(NOW),
            "login": "sup",
            "display_name": "王敏",
            "role": "supervisor",
            "team_id": team["id"],
            "phone": "",
            "active": True,
        }
        people = [
            {
                **_stamp(NOW),
                "login": f"eng{i:03d}",
                "display_name": f"工程师{i:03d}",
                "role": "engineer",
                "team_id": team["id"],
                "phone": "",
                "active": True,
            }
            for i in range(engineers)
        ]
        _bulk(session, User, [supervisor, *people])
        models = [
            {
                **_stamp(NOW),
                "code": f"ZY{100 + 10 * i}",
                "family": "crawler_excavator",
                "name_zh": f"ZY{100 + 10 * i} 挖掘机",
                "name_en": "",
                "return_days": 15,
                "exchange_days": 30,
                "warranty_months": 24,
                "service_interval_hours": 250,
            }
            for i in range(12)
        ]
        _bulk(session, ProductModel, models)
        parts = [
            {
                **_stamp(NOW),
                "part_no": f"P{i:05d}",
                "name_zh": f"配件{i}",
                "name_en": "",
                "category": "filter" if i % 4 == 0 else "hydraulic",
                "unit": "件",
                "price_cents": 2_000 + 150 * i,
                "labour_minutes": 30,
                "warranty_eligible": i % 4 != 0,
                "search_text": f"P{i:05d} 配件{i}",
            }
            for i in range(300)
        ]
        _bulk(session, Part, parts)
        vans = [
            {
                **_stamp(NOW),
                "code": f"VAN-{i:03d}",
                "name": f"车{i}",
                "kind": "van",
                "owner_user_id": people[i]["id"],
                "region_id": regions[i % 8]["id"],
            }
            for i in range(engineers)
        ]
        _bulk(session, StockLocation, vans)
        stock = [
            {
                **_stamp(NOW),
                "part_id": parts[rng.randrange(300)]["id"],
                "location_id": van["id"],
                "quantity": rng.randint(1, 6),
                "kind": "transfer_in",
                "moved_at": NOW,
                "reference": "",
            }
            for van in vans
            for _ in range(15)
        ]
        _bulk(session, StockMovement, stock)
        licence = [
            {
                **_stamp(NOW),
                "engineer_id": people[i]["id"],
                "kind": "broken_promise",
                "occurred_on": date(2026, 10, 1),
                "note": "",
            }
            for i in range(0, engineers, 9)
        ]
        _bulk(session, LicenceEvent, licence)
        clients = [
            {
                **_stamp(NOW),
                "code": f"C{i:05d}",
                "name": f"客户{i}",
                "name_en": "",
                "is_key_account": i % 25 == 0,
                "region_id": regions[i % 8]["id"],
                "address": f"某省某市某路{i}号",
                "phone": f"139{i:08d}",
                "contact_name": f"联系人{i}",
                "industry": "",
                "notes": "",
            }
            for i in range(customers)
        ]
        _bulk(session, Customer, clients)
        machines = [
            {
                **_stamp(NOW),
                "customer_id": clients[i % customers]["id"],
                "model_id": models[i % 12]["id"],
                "serial": f"SN{i:08d}",
                "purchase_date": date(2024 + i % 3, 1 + i % 12, 1),
                "hour_meter": 500.0 + i % 3000,
                "notes": "",
            }
            for i in range(customers * 2)
        ]
        _bulk(session, Machine, machines)
        info = SupervisorStore(supervisor["id"], team["id"], [p["id"] for p in people])

        def job_row(i: int, status: str, received: datetime, engineer: dict[str, Any]) -> dict:
            machine = machines[i % len(machines)]
            customer_index = (i % len(machines)) % customers
            due = received + timedelta(hours=24)
            return {
                **_stamp(received),
                "number": f"FW-{received.year}-{i:06d}",
                "job_type": "repair" if i % 3 else "maintenance",
                "urgency": "urgent" if i % 10 == 0 else "normal",
                "status": status,
                "customer_id": clients[customer_index]["id"],
                "machine_id": machine["id"],
                "team_id": team["id"],
                "assignee_id": engineer["id"],
                "contact_name": clients[customer_index]["contact_name"],
                "contact_phone": clients[customer_index]["phone"],
                "address": clients[customer_index]["address"],
                "reported_model": "",
                "reported_serial": machine["serial"],
                "reported_symptom": SYMPTOMS[i % 6],
                "customer_request": "尽快修复",
                "received_at": received,
                "answer_due_at": received + timedelta(hours=4),
                "on_site_due_at": due,
                "arrived_at": received + timedelta(hours=rng.choice([3, 20, 30])),
                "completed_at": received + timedelta(hours=rng.choice([5, 26, 33])),
                "amount_cents": 0,
                "needs_attention": i % 97 == 0,
                "note": "",
            }

        jobs: list[dict[str, Any]] = []
        for i in range(reports):
            received = NOW - timedelta(minutes=30 * (reports - i))
            status = "signed" if i >= reports - 400 else ("approved" if i % 3 else "closed")
            jobs.append(job_row(i, status, received, people[i % engineers]))
        _bulk(session, Job, jobs)
        faults, usages, times = [], [], []
        for i, job in enumerate(jobs):
            at = job["completed_at"]
            fault = {
                **_stamp(at),
                "job_id": job["id"],
                "machine_id": job["machine_id"],
                "assembly": ASSEMBLIES[i % 6],
                "fault_code": "",
                "symptom": job["reported_symptom"],
                "cause": "密封件老化",
                "action": "更换密封件",
                "fixed": i % 41 != 0,
                "repair_location": "on_site",
                "loaner_provided": False,
                "misuse": False,
            }
            faults.append(fault)
            for k in range(1 + i % 2):
                part = parts[(i * 7 + k) % 300]
                usages.append(
                    {
                        **_stamp(at),
                        "job_id": job["id"],
                        "part_id": part["id"],
                        "fault_id": fault["id"],
                        "quantity": 1 + k,
                        "unit_price_cents": part["price_cents"],
                        "warranty": i % 2 == 0,
                        "override_reason": "客户同意付费" if i % 53 == 0 else "",
                        "old_part_shown": True,
                        "old_part_returned": False,
                    }
                )
            times.append(
                {
                    **_stamp(at),
                    "job_id": job["id"],
                    "user_id": job["assignee_id"],
                    "kind": "labour",
                    "started_at": job["arrived_at"],
                    "minutes": 90,
                    "warranty": i % 2 == 0,
                    "note": "",
                }
            )
        _bulk(session, Fault, faults)
        _bulk(session, PartUsage, usages)
        _bulk(session, TimeEntry, times)
        session.flush()

        # The signed content of each report, from the app's builder on the first job,
        # then made each job's own (number, customer, engineer, time) and hashed.
        template_job = session.get(Job, jobs[0]["id"])
        engineer = session.get(User, jobs[0]["assignee_id"])
        assert template_job is not None
        template = build_report_content(
            session,
            template_job,
            signer_name="联系人0",
            opinion="满意",
            satisfaction=None,
            signature_sha256=signature,
            signed_at=jobs[0]["completed_at"],
            engineer=engineer,
        )
        sign_offs, reviews, events = [], [], []
        for job in jobs:
            content = copy.deepcopy(template)
            content.setdefault("job", {})["number"] = job["number"]
            content["job"]["id"] = job["id"]
            digest = report_hash(content)
            sign_off = {
                **_stamp(job["completed_at"]),
                "job_id": job["id"],
                "signer_name": job["contact_name"],
                "opinion": "满意",
                "signature_sha256": signature,
                "report_hash": digest,
                "content": canonical_bytes(content).decode("utf-8"),
                "signed_at": job["completed_at"],
                "engineer_id": job["assignee_id"],
            }
            sign_offs.append(sign_off)
            events.append(
                {
                    **_stamp(job["completed_at"]),
                    "job_id": job["id"],
                    "kind": "signed",
                    "from_status": "on_site",
                    "to_status": "signed",
                    "actor_id": job["assignee_id"],
                    "occurred_at": job["completed_at"],
                    "note": "",
                    "data": json.dumps({"report_hash": digest}),
                }
            )
            if job["status"] != "signed":
                at = job["completed_at"] + timedelta(hours=20)
                reviews.append(
                    {
                        **_stamp(at),
                        "job_id": job["id"],
                        "signoff_id": sign_off["id"],
                        "reviewer_id": supervisor["id"],
                        "decision": "approved",
                        "reason": "",
                        "comment": "",
                        "report_hash": digest,
                        "reviewed_at": at,
                    }
                )
        _bulk(session, SignOff, sign_offs)
        _bulk(session, JobEvent, events)
        _bulk(session, Review, reviews)
        info.job_ids = [job["id"] for job in jobs]
        info.sign_off_ids = [s["id"] for s in sign_offs]

        open_rows = []
        for n in range(open_jobs):
            i = reports + n
            received = NOW - timedelta(hours=rng.randint(0, 72))
            status = rng.choice(["new", "assigned", "accepted", "en_route", "on_site"])
            row = job_row(i, status, received, people[n % engineers])
            row["arrived_at"] = received + timedelta(hours=2) if status == "on_site" else None
            row["completed_at"] = None
            row["appointment_at"] = NOW + timedelta(hours=rng.randint(-6, 24 * 6))
            if status == "new":
                row["assignee_id"] = None
            open_rows.append(row)
        _bulk(session, Job, open_rows)
        info.open_job_ids = [row["id"] for row in open_rows]
    return info


def existing_supervisor_store(store: Store) -> SupervisorStore | None:
    """The ids of a store built earlier (``bench_supervisor.py --keep DIR`` run twice)."""
    from sqlmodel import col, select

    from fieldapp.rules.jobflow import OPEN_STATUSES

    with store.reader() as session:
        supervisor = session.exec(select(User).where(User.login == "sup")).first()
        if supervisor is None or supervisor.team_id is None:
            return None
        engineers = session.exec(
            select(User.id).where(User.role == "engineer").order_by(col(User.login))
        ).all()
        open_jobs = session.exec(
            select(Job.id).where(col(Job.status).in_(sorted(OPEN_STATUSES)))
        ).all()
        return SupervisorStore(
            supervisor.id, supervisor.team_id, list(engineers), [], list(open_jobs)
        )
