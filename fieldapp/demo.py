"""The demo data set: a service centre, its customers, a year of history and open jobs.

The files in ``resources/demo`` are written as of :data:`REFERENCE_DATE`; :func:`load_demo`
shifts every date and instant by ``today - REFERENCE_DATE`` so the demo always looks
current. Row ids are UUID5 of a stable key (``demo_id("customer", "C001")``), so HQ and
every device that load the demo hold the same rows under the same ids.

Loading into a database that already holds the demo raises
:class:`DemoAlreadyLoadedError`; nothing is added then.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import sys
import uuid
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from sqlmodel import Session, select

from fieldapp.demo_company import demo_signature_png, load_demo_company
from fieldapp.models import (
    ChecklistAnswer,
    ChecklistRun,
    ChecklistTemplate,
    ChecklistTemplateItem,
    Complaint,
    Contact,
    Customer,
    CustomerSite,
    Fault,
    FollowUp,
    HourMeterReading,
    Job,
    JobEvent,
    LicenceEvent,
    Machine,
    Part,
    PartCompatibility,
    PartsRequest,
    PartsRequestLine,
    PartUsage,
    PreInspectionFinding,
    ProductModel,
    Region,
    Review,
    SignOff,
    StockLocation,
    StockMovement,
    SyncedRow,
    Team,
    TimeEntry,
    User,
)
from fieldapp.models.enums import (
    Assembly,
    CheckResult,
    ComplaintStatus,
    ItemKind,
    JobEventKind,
    JobStatus,
    JobType,
    LicenceEventKind,
    ModelFamily,
    MovementKind,
    PartsRequestStatus,
    RegionGrade,
    RepairLocation,
    ReviewDecision,
    Role,
    Satisfaction,
    StockLocationKind,
    TimeKind,
    Urgency,
)
from fieldapp.rules.jobflow import REPORTED_STATUSES
from fieldapp.rules.report_hash import canonical_bytes, report_hash
from fieldapp.services.jobs import refresh_deadlines
from fieldapp.services.report import build_report_content

log = logging.getLogger(__name__)

#: The day the demo files are written for.
REFERENCE_DATE = date(2026, 11, 23)
#: Namespace of the demo's UUID5 row ids. Never change it: ids must stay stable.
DEMO_NAMESPACE = uuid.UUID("3b9f5d7e-2c41-5a8e-9d06-7f1e4a2b8c53")
#: created_at of catalogue rows that have no natural time of their own.
_CATALOGUE_TIME = datetime(2025, 11, 1, tzinfo=UTC)

Row = TypeVar("Row", bound=SyncedRow)
E = TypeVar("E", bound=StrEnum)
Data = Mapping[str, Any]


class DemoDataError(RuntimeError):
    """The demo files are missing or inconsistent."""


class DemoAlreadyLoadedError(DemoDataError):
    """The database already holds the demo data."""


#: Short name of :class:`DemoAlreadyLoadedError` (the CLI imports it).


def demo_id(kind: str, key: str) -> str:
    """The deterministic id of a demo row, e.g. ``demo_id("customer", "C001")``."""
    return str(uuid.uuid5(DEMO_NAMESPACE, f"{kind}:{key}"))


def demo_dir() -> Path:
    """The folder of the demo files, in a source tree or a frozen (PyInstaller) build."""
    candidates: list[Path] = []
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        candidates.append(Path(frozen_root) / "resources" / "demo")
    candidates.append(Path(__file__).resolve().parent.parent / "resources" / "demo")
    for candidate in candidates:
        if (candidate / "regions.json").is_file():
            return candidate
    searched = ", ".join(str(c) for c in candidates)
    raise DemoDataError(f"demo data not found (looked in {searched})")


def is_demo_loaded(session: Session) -> bool:
    """True when the demo's home team is already in the database."""
    return session.get(Team, demo_id("team", "HF")) is not None


def load_demo(session: Session, today: date | None = None) -> dict[str, int]:
    """Insert the whole demo data set into ``session`` (flushed, not committed).

    Every date and instant is moved by ``today - REFERENCE_DATE`` (``today`` defaults to
    the local date). Returns the number of rows added per table name. Raises
    :class:`DemoAlreadyLoadedError` if the demo is already there (nothing added) and
    :class:`DemoDataError` if the files are inconsistent (roll the session back then).
    """
    if is_demo_loaded(session):
        raise DemoAlreadyLoadedError("the demo data is already loaded in this database")
    loader = _Loader(session, demo_dir(), today or date.today())
    counts = loader.load()
    log.info(
        "demo data loaded: %d rows, dates shifted by %s days",
        sum(counts.values()),
        loader.delta.days,
    )
    return counts


def _enum(kind: type[E], value: str) -> str:
    try:
        return kind(value).value
    except ValueError as exc:
        raise DemoDataError(f"{value!r} is not a valid {kind.__name__}") from exc


class _Loader:
    def __init__(self, session: Session, folder: Path, today: date) -> None:
        self.session = session
        self.folder = folder
        self.delta = demo_today_shift(today)
        self.catalogue_time = _CATALOGUE_TIME + self.delta
        self.counts: Counter[str] = Counter()
        self.regions: dict[str, str] = {}
        self.teams: dict[str, str] = {}
        self.users: dict[str, str] = {}
        self.locations: dict[str, str] = {}
        self.models: dict[str, str] = {}
        self.customers: dict[str, str] = {}
        self.sites: dict[str, str] = {}
        self.machines: dict[str, str] = {}
        self.parts: dict[str, str] = {}
        self.items: dict[tuple[str, int, int], str] = {}
        self.templates: dict[tuple[str, int], str] = {}
        self.jobs: dict[str, str] = {}
        self.final_status: list[tuple[Job, str]] = []

    # -- helpers -----------------------------------------------------------------
    def read_json(self, name: str) -> Any:
        path = self.folder / name
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise DemoDataError(f"cannot read {path}: {exc}") from exc

    def when(self, value: str) -> datetime:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise DemoDataError(f"instant without a time zone in the demo data: {value}")
        return parsed.astimezone(UTC) + self.delta

    def when_opt(self, value: str | None) -> datetime | None:
        return None if value is None else self.when(value)

    def day(self, value: str) -> date:
        return date.fromisoformat(value) + self.delta

    def day_opt(self, value: str | None) -> date | None:
        return None if value is None else self.day(value)

    def ref(self, table: dict[str, str], key: str, what: str) -> str:
        try:
            return table[key]
        except KeyError:
            raise DemoDataError(f"unknown {what} {key!r} in the demo data") from None

    def ref_opt(self, table: dict[str, str], key: str | None, what: str) -> str | None:
        return None if key is None else self.ref(table, key, what)

    def add(
        self,
        cls: type[Row],
        id_kind: str,
        id_key: str,
        /,
        at: datetime | None = None,
        **fields: Any,
    ) -> Row:
        """Add a row whose id is ``demo_id(id_kind, id_key)``, created at ``at``."""
        stamp = at or self.catalogue_time
        row = cls(id=demo_id(id_kind, id_key), created_at=stamp, updated_at=stamp, **fields)
        self.session.add(row)
        self.counts[str(cls.__tablename__)] += 1
        return row

    # -- the whole load ------------------------------------------------------------
    def load(self) -> dict[str, int]:
        self.load_org()
        self.load_models()
        self.load_customers()
        self.load_parts()
        self.load_checklists()
        if load_demo_company(self.session, self.folder, self.catalogue_time):
            self.counts["companyprofile"] += 1
        self.load_jobs()
        self.load_stock()
        self.session.flush()
        return dict(sorted(self.counts.items()))

    def load_org(self) -> None:
        regions = self.read_json("regions.json")
        if sum(1 for r in regions if r["is_home"]) != 1:
            raise DemoDataError("the demo needs exactly one home region")
        for r in regions:
            self.regions[r["code"]] = self.add(
                Region,
                "region",
                r["code"],
                code=r["code"],
                name_zh=r["name_zh"],
                name_en=r["name_en"],
                grade=_enum(RegionGrade, r["grade"]),
                is_home=bool(r["is_home"]),
                is_remote=bool(r["is_remote"]),
            ).id
        self.session.flush()
        org = self.read_json("org.json")
        for t in org["teams"]:
            self.teams[t["key"]] = self.add(
                Team,
                "team",
                t["key"],
                name_zh=t["name_zh"],
                name_en=t["name_en"],
                region_id=self.ref_opt(self.regions, t["region"], "region"),
            ).id
        self.session.flush()
        for u in org["users"]:
            self.users[u["login"]] = self.add(
                User,
                "user",
                u["login"],
                login=u["login"],
                display_name=u["display_name"],
                role=_enum(Role, u["role"]),
                team_id=self.ref_opt(self.teams, u["team"], "team"),
                phone=u["phone"],
            ).id
        self.session.flush()
        for loc in org["stock_locations"]:
            self.locations[loc["code"]] = self.add(
                StockLocation,
                "stocklocation",
                loc["code"],
                code=loc["code"],
                name=loc["name"],
                kind=_enum(StockLocationKind, loc["kind"]),
                owner_user_id=self.ref_opt(self.users, loc["owner"], "user"),
                region_id=self.ref_opt(self.regions, loc["region"], "region"),
            ).id
        self.session.flush()

    def load_models(self) -> None:
        for m in self.read_json("models.json"):
            self.models[m["code"]] = self.add(
                ProductModel,
                "productmodel",
                m["code"],
                code=m["code"],
                family=_enum(ModelFamily, m["family"]),
                name_zh=m["name_zh"],
                name_en=m["name_en"],
                operating_weight_t=m["operating_weight_t"],
                return_days=m["return_days"],
                exchange_days=m["exchange_days"],
                warranty_months=m["warranty_months"],
                warranty_hours=m["warranty_hours"],
                service_interval_hours=m["service_interval_hours"],
            ).id
        self.session.flush()

    def load_customers(self) -> None:
        customers = self.read_json("customers.json")
        for c in customers:
            self.customers[c["code"]] = self.add(
                Customer,
                "customer",
                c["code"],
                code=c["code"],
                name=c["name"],
                name_en=c["name_en"],
                is_key_account=bool(c["is_key_account"]),
                region_id=self.ref(self.regions, c["region"], "region"),
                address=c["address"],
                phone=c["phone"],
                contact_name=c["contact_name"],
                industry=c["industry"],
                notes=c["notes"],
            ).id
        self.session.flush()
        for c in customers:
            customer_id = self.customers[c["code"]]
            for s in c["sites"]:
                self.sites[s["key"]] = self.add(
                    CustomerSite,
                    "customersite",
                    s["key"],
                    customer_id=customer_id,
                    name=s["name"],
                    address=s["address"],
                    region_id=self.ref_opt(self.regions, s["region"], "region"),
                    contact_name=s["contact_name"],
                    contact_phone=s["contact_phone"],
                ).id
            for i, k in enumerate(c["contacts"], start=1):
                self.add(
                    Contact,
                    "contact",
                    f"{c['code']}/{i}",
                    customer_id=customer_id,
                    name=k["name"],
                    title=k["title"],
                    phone=k["phone"],
                    email=k["email"],
                )
        self.session.flush()
        readings: list[tuple[str, Data]] = []
        for c in customers:
            for m in c["machines"]:
                self.machines[m["serial"]] = self.add(
                    Machine,
                    "machine",
                    m["serial"],
                    customer_id=self.customers[c["code"]],
                    site_id=self.ref_opt(self.sites, m["site"], "site"),
                    model_id=self.ref(self.models, m["model"], "product model"),
                    serial=m["serial"],
                    purchase_date=self.day_opt(m["purchase_date"]),
                    commissioning_date=self.day_opt(m["commissioning_date"]),
                    hour_meter=m["hour_meter"],
                    hour_meter_read_at=self.when_opt(m["hour_meter_read_at"]),
                    notes=m["notes"],
                ).id
                readings += [(m["serial"], r) for r in m["readings"]]
        self.session.flush()
        for serial, r in readings:
            at = self.when(r["read_at"])
            self.add(
                HourMeterReading,
                "hourmeterreading",
                f"{serial}@{r['read_at']}",
                at=at,
                machine_id=self.machines[serial],
                hours=r["hours"],
                read_at=at,
                source=r["source"],
            )

    def load_parts(self) -> None:
        with (self.folder / "parts.csv").open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        numbers = {r["part_no"] for r in rows}
        if len(numbers) != len(rows):
            raise DemoDataError("duplicate part numbers in parts.csv")
        for r in rows:
            superseded = r["superseded_by"] or None
            if superseded and superseded not in numbers:
                raise DemoDataError(f"{r['part_no']} is superseded by unknown {superseded}")
            self.parts[r["part_no"]] = self.add(
                Part,
                "part",
                r["part_no"],
                part_no=r["part_no"],
                name_zh=r["name_zh"],
                name_en=r["name_en"],
                category=r["category"],
                unit=r["unit"],
                price_cents=int(r["price_cents"]),
                labour_minutes=int(r["labour_minutes"]),
                warranty_eligible=r["warranty_eligible"] == "1",
                superseded_by=superseded,
            ).id
        self.session.flush()
        for r in rows:
            for code in r["models"].split():
                self.add(
                    PartCompatibility,
                    "partcompatibility",
                    f"{r['part_no']}/{code}",
                    part_id=self.parts[r["part_no"]],
                    model_id=self.ref(self.models, code, "product model"),
                )
        self.session.flush()

    def load_checklists(self) -> None:
        for t in self.read_json("checklists.json"):
            key = f"{t['code']}/{t['revision']}"
            family = t["model_family"]
            template_id = self.add(
                ChecklistTemplate,
                "checklisttemplate",
                key,
                code=t["code"],
                revision=t["revision"],
                name_zh=t["name_zh"],
                name_en=t["name_en"],
                job_type=_enum(JobType, t["job_type"]),
                model_family=None if family is None else _enum(ModelFamily, family),
                interval_hours=t["interval_hours"],
                active=True,
                internal=bool(t.get("internal", False)),
            ).id
            self.templates[(t["code"], t["revision"])] = template_id
            self.session.flush()
            for position, item in enumerate(t["items"], start=1):
                self.items[(t["code"], t["revision"], position)] = self.add(
                    ChecklistTemplateItem,
                    "checklisttemplateitem",
                    f"{key}/{position}",
                    template_id=template_id,
                    position=position,
                    section_zh=item["section_zh"],
                    section_en=item["section_en"],
                    kind=_enum(ItemKind, item["kind"]),
                    label_zh=item["label_zh"],
                    label_en=item["label_en"],
                    required=bool(item["required"]),
                    unit=item["unit"],
                    min_value=item["min_value"],
                    max_value=item["max_value"],
                    choices=item["choices"],
                ).id
        self.session.flush()

    # -- jobs ----------------------------------------------------------------------
    def load_jobs(self) -> None:
        data = self.read_json("jobs.json")
        written_for = data.get("_reference_date", REFERENCE_DATE.isoformat())
        if written_for != REFERENCE_DATE.isoformat():
            raise DemoDataError(f"jobs.json is written for {written_for}, not {REFERENCE_DATE}")
        jobs: list[Data] = [*data["history"], *data["open"]]
        # Parents first: a follow-up job names the job it continues.
        for with_parent in (False, True):
            for j in jobs:
                if (j["parent"] is not None) == with_parent:
                    self.add_job(j)
            self.session.flush()
        follow_ups: dict[tuple[str, int], str] = {}
        for j in jobs:
            follow_ups.update(self.add_job_records(j))
        self.session.flush()
        # The report is recorded: it is signed, then the jobs take their final status.
        self.sign_reports()
        for job, status in self.final_status:
            job.status = status
        # Every job gets its deadlines from the service promises (region, urgency).
        for job_id in self.jobs.values():
            job = self.session.get(Job, job_id)
            if job is not None:
                refresh_deadlines(self.session, job)
        self.session.flush()
        for k in data["complaints"]:
            fu = k["follow_up"]
            self.add(
                Complaint,
                "complaint",
                k["key"],
                at=self.when(k["received_at"]),
                customer_id=self.ref(self.customers, k["customer"], "customer"),
                job_id=self.ref_opt(self.jobs, k["job"], "job"),
                follow_up_id=follow_ups[(fu[0], fu[1])] if fu else None,
                received_at=self.when(k["received_at"]),
                channel=k["channel"],
                description=k["description"],
                status=_enum(ComplaintStatus, k["status"]),
                owner_id=self.ref_opt(self.users, k["owner"], "user"),
                answered_at=self.when_opt(k["answered_at"]),
                closed_at=self.when_opt(k["closed_at"]),
                resolution=k["resolution"],
            )
        for le in data["licence_events"]:
            on = self.day(le["occurred_on"])
            self.add(
                LicenceEvent,
                "licenceevent",
                le["key"],
                at=datetime(on.year, on.month, on.day, tzinfo=UTC),
                engineer_id=self.ref(self.users, le["engineer"], "user"),
                kind=_enum(LicenceEventKind, le["kind"]),
                job_id=self.ref_opt(self.jobs, le["job"], "job"),
                occurred_on=on,
                note=le["note"],
            )
        self.session.flush()

    def sign_reports(self) -> None:
        """Each reported job gets the customer's sign-off, its content built from the
        records as the app builds it; the demo's reviews name the revision they decided."""
        signature = hashlib.sha256(demo_signature_png()).hexdigest()
        for job, _status in self.final_status:
            engineer = self.session.get(User, job.assignee_id) if job.assignee_id else None
            signed_at = job.completed_at or job.received_at
            signer = job.contact_name or "—"
            content = build_report_content(
                self.session,
                job,
                signer_name=signer,
                opinion="",
                satisfaction=None,
                signature_sha256=signature,
                signed_at=signed_at,
                engineer=engineer,
            )
            sign_off = self.add(
                SignOff,
                "signoff",
                job.number,
                at=signed_at,
                job_id=job.id,
                signer_name=signer,
                signature_sha256=signature,
                report_hash=report_hash(content),
                content=canonical_bytes(content).decode("utf-8"),
                signed_at=signed_at,
                engineer_id=job.assignee_id,
            )
            for review in self.session.exec(select(Review).where(Review.job_id == job.id)):
                review.signoff_id = sign_off.id
                review.report_hash = sign_off.report_hash

    def add_job(self, j: Data) -> None:
        number = j["number"]
        received = self.when(j["received_at"])
        last_event = max((self.when(e["occurred_at"]) for e in j["events"]), default=received)
        status = _enum(JobStatus, j["status"])
        frozen = status in REPORTED_STATUSES
        job = self.add(
            Job,
            "job",
            number,
            at=received,
            number=number,
            job_type=_enum(JobType, j["job_type"]),
            urgency=_enum(Urgency, j["urgency"]),
            # A signed report refuses new records (fieldapp.guards): a signed job is
            # written as on site and takes its status once its records are in.
            status=JobStatus.ON_SITE.value if frozen else status,
            customer_id=self.ref(self.customers, j["customer"], "customer"),
            site_id=self.ref_opt(self.sites, j["site"], "site"),
            machine_id=self.ref_opt(self.machines, j["machine"], "machine"),
            team_id=self.ref_opt(self.teams, j["team"], "team"),
            assignee_id=self.ref_opt(self.users, j["assignee"], "user"),
            parent_job_id=self.ref_opt(self.jobs, j["parent"], "parent job"),
            contact_name=j["contact_name"],
            contact_phone=j["contact_phone"],
            address=j["address"],
            reported_model=j["reported_model"],
            reported_serial=j["reported_serial"],
            reported_purchase_date=self.day_opt(j["reported_purchase_date"]),
            reported_symptom=j["reported_symptom"],
            customer_request=j["customer_request"],
            received_at=received,
            requested_at=self.when_opt(j["requested_at"]),
            appointment_at=self.when_opt(j["appointment_at"]),
            answered_at=self.when_opt(j["answered_at"]),
            arrived_at=self.when_opt(j["arrived_at"]),
            completed_at=self.when_opt(j["completed_at"]),
            amount_cents=j["amount_cents"],
            note=j["note"],
        )
        job.updated_at = last_event
        self.jobs[number] = job.id
        if frozen:
            self.final_status.append((job, status))

    def add_job_records(self, j: Data) -> dict[tuple[str, int], str]:
        """Events, readings, findings, faults, parts, time, reviews, follow-ups and
        checklists of one job. Returns the ids of its follow-up calls."""
        number = j["number"]
        job_id = self.jobs[number]
        machine_id = self.ref_opt(self.machines, j["machine"], "machine")
        assignee = j["assignee"]
        for i, e in enumerate(j["events"]):
            at = self.when(e["occurred_at"])
            data = dict(e["data"] or {})
            if "assignee" in data:
                data["assignee_id"] = self.ref(self.users, data.pop("assignee"), "user")
            self.add(
                JobEvent,
                "jobevent",
                f"{number}/{i}",
                at=at,
                job_id=job_id,
                kind=_enum(JobEventKind, e["kind"]),
                from_status=None
                if e["from_status"] is None
                else _enum(JobStatus, e["from_status"]),
                to_status=None if e["to_status"] is None else _enum(JobStatus, e["to_status"]),
                actor_id=self.ref_opt(self.users, e["actor"], "user"),
                occurred_at=at,
                note=e["note"],
                data=json.dumps(data, ensure_ascii=False, sort_keys=True) if data else "",
            )
        reading = j.get("hour_meter")
        if reading is not None:
            if machine_id is None:
                raise DemoDataError(f"{number} has an hour meter reading but no machine")
            at = self.when(reading["read_at"])
            self.add(
                HourMeterReading,
                "hourmeterreading",
                f"job:{number}",
                at=at,
                machine_id=machine_id,
                job_id=job_id,
                hours=reading["hours"],
                read_at=at,
                source="engineer",
            )
        arrived = self.when_opt(j["arrived_at"]) or self.when(j["received_at"])
        completed = self.when_opt(j["completed_at"]) or arrived
        for i, f in enumerate(j["findings"]):
            self.add(
                PreInspectionFinding,
                "preinspectionfinding",
                f"{number}/{i}",
                at=arrived,
                job_id=job_id,
                machine_id=machine_id,
                component=_enum(Assembly, f["component"]),
                description=f["description"],
                fix_now=bool(f["fix_now"]),
                danger_if_not=f["danger_if_not"],
                remaining_life=f["remaining_life"],
                remind_on=self.day_opt(f["remind_on"]),
                remind_at_hours=f["remind_at_hours"],
                resolved_by_job_id=self.ref_opt(self.jobs, f["resolved_by"], "job"),
            )
        fault_ids: list[str] = []
        for i, f in enumerate(j["faults"]):
            fault_ids.append(
                self.add(
                    Fault,
                    "fault",
                    f"{number}/{i}",
                    at=completed,
                    job_id=job_id,
                    machine_id=machine_id,
                    assembly=_enum(Assembly, f["assembly"]),
                    fault_code=f["fault_code"],
                    symptom=f["symptom"],
                    cause=f["cause"],
                    action=f["action"],
                    fixed=bool(f["fixed"]),
                    repair_location=_enum(RepairLocation, f["repair_location"]),
                    loaner_provided=bool(f["loaner_provided"]),
                    misuse=bool(f["misuse"]),
                    hour_meter=f.get("hour_meter"),
                ).id
            )
        self.session.flush()
        from_van: list[tuple[PartUsage, str]] = []
        for i, p in enumerate(j["parts"]):
            location = self.ref_opt(self.locations, p.get("from"), "stock location")
            usage = self.add(
                PartUsage,
                "partusage",
                f"{number}/{i}",
                at=completed,
                job_id=job_id,
                part_id=self.ref(self.parts, p["part_no"], "part"),
                fault_id=None if p["fault"] is None else self.fault_of(number, fault_ids, p),
                from_location_id=location,
                quantity=p["quantity"],
                unit_price_cents=p["unit_price_cents"],
                warranty=bool(p["warranty"]),
                override_reason=p["override_reason"],
                old_part_shown=bool(p["old_part_shown"]),
                old_part_returned=bool(p["old_part_returned"]),
            )
            if location is not None:
                from_van.append((usage, location))
        self.session.flush()
        for usage, location in from_van:
            # A part fitted from van stock leaves the van.
            self.add(
                StockMovement,
                "stockmovement",
                f"use:{usage.id}",
                at=completed,
                part_id=usage.part_id,
                location_id=location,
                quantity=-usage.quantity,
                kind=MovementKind.USE.value,
                moved_at=completed,
                job_id=job_id,
                part_usage_id=usage.id,
                reference=number,
                user_id=self.ref_opt(self.users, assignee, "user"),
            )
        for i, t in enumerate(j["time"]):
            started = self.when_opt(t["started_at"])
            self.add(
                TimeEntry,
                "timeentry",
                f"{number}/{i}",
                at=started or completed,
                job_id=job_id,
                user_id=self.ref(self.users, t["user"], "user"),
                kind=_enum(TimeKind, t["kind"]),
                started_at=started,
                minutes=t["minutes"],
                warranty=bool(t["warranty"]),
                note=t["note"],
            )
        for i, r in enumerate(j["reviews"]):
            at = self.when(r["reviewed_at"])
            self.add(
                Review,
                "review",
                f"{number}/{i}",
                at=at,
                job_id=job_id,
                signoff_id=None,
                reviewer_id=self.ref(self.users, r["reviewer"], "user"),
                decision=_enum(ReviewDecision, r["decision"]),
                comment=r["comment"],
                reviewed_at=at,
            )
        follow_ups: dict[tuple[str, int], str] = {}
        for i, f in enumerate(j["follow_ups"]):
            at = self.when(f["called_at"])
            satisfaction = f["satisfaction"]
            follow_ups[(number, i)] = self.add(
                FollowUp,
                "followup",
                f"{number}/{i}",
                at=at,
                job_id=job_id,
                engineer_id=self.ref_opt(self.users, f["engineer"], "user"),
                clerk_id=self.ref_opt(self.users, f["clerk"], "user"),
                called_at=at,
                reached=bool(f["reached"]),
                satisfaction=None if satisfaction is None else _enum(Satisfaction, satisfaction),
                praise=bool(f["praise"]),
                comment=f["comment"],
            ).id
        for c in j["checklists"]:
            self.add_checklist_run(number, job_id, c)
        return follow_ups

    @staticmethod
    def fault_of(number: str, fault_ids: list[str], part: Data) -> str:
        index = part["fault"]
        if not 0 <= index < len(fault_ids):
            raise DemoDataError(f"{number}: part {part['part_no']} names a missing fault")
        return fault_ids[index]

    def add_checklist_run(self, number: str, job_id: str, c: Data) -> None:
        code, revision = c["template"], c["revision"]
        started = self.when(c["started_at"])
        run_key = f"{number}/{code}/{revision}"
        run = self.add(
            ChecklistRun,
            "checklistrun",
            run_key,
            at=started,
            job_id=job_id,
            template_id=self.templates[(code, revision)],
            started_at=started,
            completed_at=self.when_opt(c["completed_at"]),
        )
        self.session.flush()
        for a in c["answers"]:
            item_id = self.items.get((code, revision, a["position"]))
            if item_id is None:
                raise DemoDataError(f"{code} has no item {a['position']}")
            result = a.get("result")
            at = self.when(a["answered_at"])
            self.add(
                ChecklistAnswer,
                "checklistanswer",
                f"{run_key}/{a['position']}",
                at=at,
                run_id=run.id,
                item_id=item_id,
                result=None if result is None else _enum(CheckResult, result),
                number_value=a.get("number_value"),
                text_value=a.get("text_value", ""),
                choice_value=a.get("choice_value", ""),
                note=a.get("note", ""),
                answered_at=at,
            )

    # -- stock ---------------------------------------------------------------------
    def load_stock(self) -> None:
        data = self.read_json("stock.json")
        for r in data["receipts"]:
            at = self.when(r["moved_at"])
            location = self.ref(self.locations, r["location"], "stock location")
            for part_no, quantity in r["lines"]:
                self.add(
                    StockMovement,
                    "stockmovement",
                    f"{r['key']}/{part_no}",
                    at=at,
                    part_id=self.ref(self.parts, part_no, "part"),
                    location_id=location,
                    quantity=quantity,
                    kind=MovementKind.RECEIPT.value,
                    moved_at=at,
                    reference=r["reference"],
                )
        requests: dict[str, str] = {}
        for r in data["parts_requests"]:
            requested = self.when(r["requested_at"])
            request = self.add(
                PartsRequest,
                "partsrequest",
                r["key"],
                at=requested,
                job_id=self.ref_opt(self.jobs, r["job"], "job"),
                requester_id=self.ref(self.users, r["requester"], "user"),
                from_location_id=self.ref_opt(self.locations, r["from"], "stock location"),
                to_location_id=self.ref_opt(self.locations, r["to"], "stock location"),
                status=_enum(PartsRequestStatus, r["status"]),
                warranty=bool(r["warranty"]),
                requested_at=requested,
                shipped_at=self.when_opt(r["shipped_at"]),
                carrier=r["carrier"],
                tracking_no=r["tracking_no"],
                note=r["note"],
            )
            requests[r["key"]] = request.id
            for part_no, quantity in r["lines"]:
                self.add(
                    PartsRequestLine,
                    "partsrequestline",
                    f"{r['key']}/{part_no}",
                    at=requested,
                    request_id=request.id,
                    part_id=self.ref(self.parts, part_no, "part"),
                    quantity=quantity,
                )
        self.session.flush()
        for t in data["transfers"]:
            at = self.when(t["moved_at"])
            # A transfer that fulfils a parts request carries the request's id.
            transfer_id = (
                self.ref(requests, t["request"], "parts request")
                if t["request"]
                else demo_id("transfer", t["key"])
            )
            source = self.ref(self.locations, t["from"], "stock location")
            target = self.ref(self.locations, t["to"], "stock location")
            user_id = self.ref_opt(self.users, t["user"], "user")
            for part_no, quantity in t["lines"]:
                part_id = self.ref(self.parts, part_no, "part")
                common = {
                    "part_id": part_id,
                    "moved_at": at,
                    "transfer_id": transfer_id,
                    "reference": t["reference"],
                    "user_id": user_id,
                }
                self.add(
                    StockMovement,
                    "stockmovement",
                    f"{t['key']}/out/{part_no}",
                    at=at,
                    location_id=source,
                    quantity=-quantity,
                    kind=MovementKind.ISSUE.value,
                    **common,
                )
                self.add(
                    StockMovement,
                    "stockmovement",
                    f"{t['key']}/in/{part_no}",
                    at=at,
                    location_id=target,
                    quantity=quantity,
                    kind=MovementKind.TRANSFER_IN.value,
                    **common,
                )


def demo_today_shift(today: date) -> timedelta:
    """How far the demo's dates move when loaded on ``today``."""
    return timedelta(days=(today - REFERENCE_DATE).days)


__all__ = [
    "DEMO_NAMESPACE",
    "REFERENCE_DATE",
    "DemoAlreadyLoadedError",
    "DemoDataError",
    "demo_dir",
    "demo_id",
    "demo_today_shift",
    "is_demo_loaded",
    "load_demo",
]
