"""HQ under load: N devices syncing at once against HQ on PostgreSQL with several
workers, over loopback, bounded in time.

Builds a scratch PostgreSQL database (next to the one ``--pg`` names, dropped after):
N engineers of 10 teams, each with ``--jobs`` assigned jobs, and a catalogue of
``--parts`` parts. Enrolls N devices (in-process, as ``fieldapp-hq enroll`` would),
starts ``fieldapp-hq serve --workers W`` and drives the devices from ``--clients``
load-generator processes (threads speaking the sync protocol with ``requests``):

1. first syncs: every device pulls its scope from cursor 0, all at once;
2. incremental syncs for ``--seconds``: each device in a loop pushes a fault, a job
   change and (``--photo-share`` of the syncs) a photo of ``--photo-kb`` KiB with its
   attachment row, then pulls what changed; between syncs a device waits a random
   ``0..--think`` seconds.

Prints per operation the count, throughput, p50/p95/p99 and errors; HQ's and
PostgreSQL's CPU seconds per incremental sync; and what PostgreSQL's sessions waited on
(sampled from ``pg_stat_activity``): ``Lock/transactionid`` or ``Lock/tuple`` waits of
writers are the one counter row (``hq_counter``) that orders sequence numbers.

    python bench/bench_hq_load.py --devices 200 [--workers 4] [--seconds 60]
        [--pg postgresql+psycopg://postgres@127.0.0.1:5432/test] [--json FILE]
    python bench/bench_hq_load.py --short     # CI: 16 devices, under a minute

The short form exits 1 on any error.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import multiprocessing
import os
import random
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from PIL import Image
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fieldapp.models import Customer, Fault, Job, JobEvent, Part, Region, Team, User
from fieldapp.wire import row_to_wire
from sync import protocol as p
from sync.client import make_http_session
from sync.hq.db import make_hq_engine, migrate_hq, session_scope
from sync.hq.service import enroll, issue_enrollment

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
HEADERS = {p.PROTOCOL_HEADER: str(p.PROTOCOL_VERSION), "Content-Type": "application/json"}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=2, help="load-generator processes")
    parser.add_argument("--seconds", type=float, default=60.0, help="incremental phase")
    parser.add_argument("--jobs", type=int, default=5, help="open jobs per engineer")
    parser.add_argument("--parts", type=int, default=2000, help="catalogue size")
    parser.add_argument("--think", type=float, default=2.0, help="max pause between syncs")
    parser.add_argument("--photo-share", type=float, default=0.3)
    parser.add_argument("--photo-kb", type=int, default=200)
    parser.add_argument(
        "--pg",
        default=os.environ.get("FIELDAPP_TEST_PG_URL")
        or "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    )
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    parser.add_argument("--short", action="store_true", help="the CI form (about 40 s)")
    args = parser.parse_args(argv)
    if args.short:
        args.devices, args.workers, args.seconds = 16, 2, 8.0
        args.parts, args.jobs, args.think = 300, 3, 0.5
    return args


def say(line: str = "") -> None:
    print(line, flush=True)


# --- the HQ under test ----------------------------------------------------------------------


@contextmanager
def scratch_database(admin_url: str) -> Iterator[str]:
    name = f"fieldapp_load_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def seed(url: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    """The organisation, the jobs and the catalogue; returns one device per engineer
    ({token, user_id, job_ids})."""
    engine = make_hq_engine(url)
    migrate_hq(engine)
    devices: list[dict[str, Any]] = []
    with session_scope(engine) as session:
        region = Region(code="AH", name_zh="安徽", name_en="Anhui", grade="A", is_home=True)
        session.add(region)
        session.flush()
        teams = [
            Team(name_zh=f"服务站{n}", name_en=f"Station {n}", region_id=region.id)
            for n in range(10)
        ]
        session.add_all(teams)
        session.add_all(
            Part(part_no=f"P-{n:06d}", name_zh=f"零件{n}", name_en=f"Part {n}", price_cents=100 + n)
            for n in range(args.parts)
        )
        session.flush()
        number = 0
        for index in range(args.devices):
            user = User(
                login=f"eng{index:04d}",
                display_name=f"工程师{index}",
                role="engineer",
                team_id=teams[index % 10].id,
            )
            customer = Customer(code=f"C{index:05d}", name=f"客户{index}", region_id=region.id)
            session.add_all([user, customer])
            session.flush()
            job_ids = []
            for _ in range(args.jobs):
                number += 1
                job = Job(
                    number=f"FW-2026-{number:06d}",
                    job_type="repair",
                    status="assigned",
                    customer_id=customer.id,
                    team_id=user.team_id,
                    assignee_id=user.id,
                    contact_phone="13900000000",
                    received_at=NOW,
                )
                session.add(job)
                session.flush()
                session.add(
                    JobEvent(
                        job_id=job.id,
                        kind="assigned",
                        from_status="new",
                        to_status="assigned",
                        occurred_at=NOW,
                        data=json.dumps({"assignee_id": user.id}),
                    )
                )
                job_ids.append(job.id)
            devices.append({"user_id": user.id, "job_ids": job_ids, "user": user})
    for device in devices:
        with session_scope(engine) as session:
            code, _ = issue_enrollment(session, device.pop("user"))
            answer = enroll(session, p.EnrollRequest(code=code, device_name="load"))
            device["token"] = answer.token
    engine.dispose()
    return devices


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class HQProcess:
    def __init__(self, url: str, workers: int, folder: Path) -> None:
        self.port = free_port()
        self.log = folder / "hq-load.log"
        # All workers' connections within PostgreSQL's default max_connections (100).
        share = str(max(2, 80 // workers // 2))
        env = dict(
            os.environ,
            FIELDAPP_HQ_LOG_LEVEL="WARNING",
            FIELDAPP_HQ_DB_POOL_SIZE=share,
            FIELDAPP_HQ_DB_MAX_OVERFLOW=share,
        )
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "sync.hq.cli",
                    "--db",
                    url,
                    "serve",
                    "--port",
                    str(self.port),
                    "--workers",
                    str(workers),
                    "--blob-dir",
                    str(folder / "blobs"),
                ],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=Path(__file__).resolve().parent.parent,
            )
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                if requests.get(f"{self.base}/ready", timeout=1).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError("HQ did not start")

    def cpu_seconds(self) -> float:
        return tree_cpu(self.process.pid)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _proc_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def tree_cpu(pid: int) -> float:
    total, unvisited = 0.0, [pid]
    while unvisited:
        current = unvisited.pop()
        total += _proc_cpu(current)
        unvisited += _children(current)
    return total


def postgres_cpu() -> float:
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip().startswith("postgres"):
                    total += _proc_cpu(int(entry.name))
            except OSError:
                continue
    return total


# --- a simulated device -------------------------------------------------------------------


def photo(rng: random.Random, kib: int) -> bytes:
    """A real JPEG of about ``kib`` KiB (HQ stores only decodable images)."""
    side = max(16, int((kib * 1024 / 0.9) ** 0.5 / 1.2))
    noise = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
    out = io.BytesIO()
    noise.save(out, "JPEG", quality=85)
    return out.getvalue()


class Device:
    def __init__(self, base: str, spec: dict[str, Any], rng: random.Random) -> None:
        self.base = base
        self.spec = spec
        self.rng = rng
        # The app's own HTTP session: timeouts aside, the same retries of a connection
        # closed under a reused keep-alive, of 502/503/504, with backoff.
        self.http = make_http_session()
        self.http.headers.update({**HEADERS, "Authorization": f"Bearer {spec['token']}"})
        self.cursor = 0
        self.digest = ""
        self.versions: dict[str, int] = {}

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = self.http.post(self.base + path, data=json.dumps(body), timeout=120)
        if answer.status_code >= 400:
            raise RuntimeError(f"{path}: {answer.status_code} {answer.text[:200]}")
        return answer.json()  # type: ignore[no-any-return]

    def pull(self) -> int:
        rows = 0
        while True:
            body = self.post(
                f"{p.API}/sync/pull",
                {"cursor": self.cursor, "scope_digest": self.digest, "limit": 2000},
            )
            if body.get("scope") is not None:
                self.digest = body["scope_digest"]
                continue
            for change in body["changes"]:
                if change["table"] == "job" and change.get("row"):
                    self.versions[change["row_id"]] = change["row"]["version"]
            rows += len(body["changes"])
            self.cursor = max(self.cursor, body["next_after"])
            if not body["has_more"]:
                return rows

    def upload(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        answer = self.http.put(
            f"{self.base}{p.API}/sync/blobs/{sha}",
            params={"offset": 0, "total": len(data)},
            data=data,
            headers={"Content-Type": "application/octet-stream"},
            timeout=120,
        )
        if answer.status_code >= 400:
            raise RuntimeError(f"blob: {answer.status_code} {answer.text[:200]}")
        return sha

    def push(self, sha: str | None) -> int:
        job_id = self.rng.choice(self.spec["job_ids"])
        fault = Fault(job_id=job_id, assembly="hydraulic_pump", symptom="主泵异响", fixed=False)
        mutations = [
            {
                "mutation_id": str(uuid.uuid4()),
                "table": "fault",
                "row_id": fault.id,
                "op": "insert",
                "base_version": 0,
                "fields": row_to_wire(fault),
            },
            {
                "mutation_id": str(uuid.uuid4()),
                "table": "job",
                "row_id": job_id,
                "op": "update",
                "base_version": self.versions.get(job_id, 1),
                "fields": {"contact_phone": f"139{self.rng.randrange(10**8):08d}"},
            },
        ]
        if sha is not None:
            from fieldapp.models import Attachment

            attachment = Attachment(sha256=sha, kind="photo", job_id=job_id, size=1)
            mutations.append(
                {
                    "mutation_id": str(uuid.uuid4()),
                    "table": "attachment",
                    "row_id": attachment.id,
                    "op": "insert",
                    "base_version": 0,
                    "fields": row_to_wire(attachment),
                }
            )
        body = self.post(
            f"{p.API}/sync/push", {"batch_id": str(uuid.uuid4()), "mutations": mutations}
        )
        rejected = [r for r in body["results"] if r["status"] != "applied"]
        if rejected:
            raise RuntimeError(f"push rejected: {rejected[0]['code']} {rejected[0]['reason']}")
        for result in body["results"]:
            if result.get("row") and result["row"].get("id") == job_id:
                self.versions[job_id] = result["row"]["version"]
        return len(mutations)


def client_process(
    base: str, specs: list[dict[str, Any]], args: dict[str, Any], start_at: float, out: Any
) -> None:
    """One load generator: a thread per device. Puts its samples on ``out``."""
    samples: list[tuple[str, float, bool]] = []
    lock = threading.Lock()
    phase_two = threading.Barrier(len(specs))

    def record(operation: str, seconds: float, ok: bool) -> None:
        with lock:
            samples.append((operation, seconds, ok))

    def timed(operation: str, action: Any) -> Any:
        started = time.perf_counter()
        try:
            value = action()
        except Exception as error:  # every failure is counted, the device goes on
            record(operation, time.perf_counter() - started, False)
            record(f"error: {str(error)[:120]}", 0.0, False)
            return None
        record(operation, time.perf_counter() - started, True)
        return value

    def run(spec: dict[str, Any], index: int) -> None:
        rng = random.Random(spec["user_id"])  # photos differ between all devices
        device = Device(base, spec, rng)
        pictures = [photo(rng, args["photo_kb"]) for _ in range(2)]
        time.sleep(max(0.0, start_at - time.time()))
        timed("first_sync", device.pull)
        phase_two.wait()
        end = time.time() + args["seconds"]
        while True:
            time.sleep(rng.uniform(0, args["think"]))
            if time.time() >= end:  # only syncs begun in the window count
                break
            started = time.perf_counter()
            sha = None
            if rng.random() < args["photo_share"]:
                data = pictures.pop() if pictures else photo(rng, args["photo_kb"])
                sha = timed("blob_put", lambda data=data: device.upload(data))
            pushed = timed("push", lambda sha=sha: device.push(sha))
            pulled = timed("pull", device.pull)
            record(
                "incremental_sync",
                time.perf_counter() - started,
                pushed is not None and pulled is not None,
            )

    threads = [
        threading.Thread(target=run, args=(spec, i), daemon=True) for i, spec in enumerate(specs)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.put(samples)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def sample_waits(url: str, stop: threading.Event, waits: Counter[str]) -> None:
    engine = create_engine(url)
    name = make_url(url).database
    try:
        while not stop.is_set():
            with engine.connect() as connection:
                for kind, event, active in connection.execute(
                    text(
                        "SELECT coalesce(wait_event_type, 'CPU'), coalesce(wait_event, ''), "
                        "count(*) FROM pg_stat_activity WHERE datname = :n AND state = 'active' "
                        "AND pid <> pg_backend_pid() GROUP BY 1, 2"
                    ),
                    {"n": name},
                ):
                    waits[f"{kind}/{event}" if event else kind] += int(active)
            stop.wait(0.25)
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="fieldapp-load-"))
    began = time.monotonic()
    with scratch_database(args.pg) as url:
        started = time.perf_counter()
        specs = seed(url, args)
        say(
            f"setup: {args.devices} engineers × {args.jobs} jobs, {args.parts} parts, "
            f"devices enrolled in {time.perf_counter() - started:.1f} s"
        )
        hq = HQProcess(url, args.workers, folder)
        try:
            results = drive(hq, url, specs, args)
        finally:
            hq.stop()
    results["total_seconds"] = round(time.monotonic() - began, 1)
    report(results, args)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 1 if results["errors"] else 0


def drive(
    hq: HQProcess, url: str, specs: list[dict[str, Any]], args: argparse.Namespace
) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    share = {
        "seconds": args.seconds,
        "think": args.think,
        "photo_share": args.photo_share,
        "photo_kb": args.photo_kb,
    }
    start_at = time.time() + 3.0 + 0.02 * len(specs)  # every thread is ready by then
    groups = [specs[i :: args.clients] for i in range(args.clients)]
    processes = [
        context.Process(target=client_process, args=(hq.base, group, share, start_at, queue))
        for group in groups
        if group
    ]
    for process in processes:
        process.start()
    waits: Counter[str] = Counter()
    stop = threading.Event()
    sampler = threading.Thread(target=sample_waits, args=(url, stop, waits), daemon=True)
    time.sleep(max(0.0, start_at - time.time()))
    hq_cpu, pg_cpu, wall = hq.cpu_seconds(), postgres_cpu(), time.perf_counter()
    sampler.start()
    samples: list[tuple[str, float, bool]] = []
    for _ in processes:
        samples += queue.get(timeout=args.seconds + 900)
    for process in processes:
        process.join()
    stop.set()
    sampler.join()
    wall = time.perf_counter() - wall
    hq_cpu, pg_cpu = hq.cpu_seconds() - hq_cpu, postgres_cpu() - pg_cpu
    operations: dict[str, Any] = {}
    errors: Counter[str] = Counter()
    for name in ("first_sync", "incremental_sync", "push", "pull", "blob_put"):
        took = [s for op, s, ok in samples if op == name and ok]
        failed = sum(1 for op, _, ok in samples if op == name and not ok)
        window = args.seconds if name != "first_sync" else max(took, default=0.0)
        operations[name] = {
            "count": len(took),
            "errors": failed,
            "per_second": round(len(took) / window, 1) if window else 0.0,
            "p50_ms": round(percentile(took, 0.50) * 1000, 1),
            "p95_ms": round(percentile(took, 0.95) * 1000, 1),
            "p99_ms": round(percentile(took, 0.99) * 1000, 1),
        }
    for op, _, _ in samples:
        if op.startswith("error: "):
            errors[op.removeprefix("error: ")] += 1
    syncs = operations["first_sync"]["count"] + operations["incremental_sync"]["count"]
    total_waits = sum(waits.values()) or 1
    return {
        "devices": args.devices,
        "workers": args.workers,
        "cpus": os.cpu_count(),
        "operations": operations,
        "errors": sum(errors.values()),
        "error_kinds": dict(errors.most_common(5)),
        "wall_seconds": round(wall, 1),
        "hq_cpu_seconds": round(hq_cpu, 1),
        "pg_cpu_seconds": round(pg_cpu, 1),
        "cpu_ms_per_sync": round((hq_cpu + pg_cpu) * 1000 / max(syncs, 1), 1),
        "pg_waits": {k: round(v / total_waits, 3) for k, v in waits.most_common(8)},
    }


def report(results: dict[str, Any], args: argparse.Namespace) -> None:
    say(
        f"\n{results['devices']} devices, {results['workers']} HQ workers, "
        f"{results['cpus']} CPUs (load generator on the same machine)"
    )
    say(f"{'operation':<18}{'count':>7}{'/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'err':>5}")
    for name, row in results["operations"].items():
        say(
            f"{name:<18}{row['count']:>7}{row['per_second']:>8}{row['p50_ms']:>9}"
            f"{row['p95_ms']:>9}{row['p99_ms']:>9}{row['errors']:>5}"
        )
    say(
        f"CPU: HQ {results['hq_cpu_seconds']} s, PostgreSQL {results['pg_cpu_seconds']} s "
        f"in {results['wall_seconds']} s: {results['cpu_ms_per_sync']} ms per sync"
    )
    say(
        "PostgreSQL sessions (share of samples): "
        + ", ".join(f"{k} {v:.0%}" for k, v in results["pg_waits"].items())
    )
    incremental = results["operations"]["incremental_sync"]
    if incremental["count"]:
        per_second = incremental["count"] / args.seconds
        say(
            f"incremental syncs: {per_second:.1f}/s sustained; at one sync per 5 minutes that "
            f"is {per_second * 300:.0f} devices (at this p95 of {incremental['p95_ms']} ms)"
        )
    if results["errors"]:
        say(f"ERRORS: {results['error_kinds']}")
    say(f"total {results['total_seconds']} s")


if __name__ == "__main__":
    raise SystemExit(main())
