"""HQ under load: N devices syncing at once against HQ on PostgreSQL with several
workers, over loopback, bounded in time.

Builds a scratch PostgreSQL database (next to the one ``--pg`` names, dropped after):
N engineers of 10 teams, each with ``--jobs`` assigned jobs, and a catalogue of
``--parts`` parts (inserted in bulk, then logged by ``HQSession``'s own after-flush hook,
so the row log the snapshot is built from is what production writes). Builds HQ's
snapshot of the shared buckets in-process (``sync.hq.snapshots.build``, as ``fieldapp-hq
serve`` does before the first device) and prints its size, rows and build time. Enrolls
N devices (in-process, as ``fieldapp-hq enroll`` would), starts ``fieldapp-hq serve
--workers W`` and drives the devices from ``--clients`` load-generator processes
(threads speaking the sync protocol with ``requests``):

1. first syncs, all at once, as the app makes them (sync/snapshot_client.py,
   ``SyncClient.pull``): the snapshot offer; the snapshot file, streamed and checked
   against the offer's SHA-256 and size (a mismatch is an error); a pull from the
   snapshot's seq with no scope digest, which HQ answers with the scope; the backfill
   of the scope's other buckets (the device's jobs, customers, user) up to that seq;
   then the incremental pull from there. A device offered no snapshot pulls row by row
   from 0, and counts as an error (HQ built one);
2. incremental syncs for ``--seconds``: each device in a loop pushes a fault, a job
   change (at the version its first sync brought) and (``--photo-share`` of the syncs)
   a photo of ``--photo-kb`` KiB with its attachment row, then pulls what changed;
   between syncs a device waits a random ``0..--think`` seconds.

Prints per operation the count, throughput, p50/p95/p99 and errors (``first_sync`` is
the whole of one, ``snapshot_offer``, ``snapshot_download`` and ``backfill`` its parts);
the snapshot bytes downloaded; per phase HQ's and PostgreSQL's CPU seconds (per first
sync, per incremental sync) and what PostgreSQL's sessions waited on (sampled from
``pg_stat_activity``): ``Lock/transactionid`` or ``Lock/tuple`` waits are on the rows
of ``hq_counter``: the one that orders sequence numbers, and the year's that hands out
job-number blocks (every device's first pull takes one).

    python bench/bench_hq_load.py [--devices 200] [--parts 100000] [--workers 4]
        [--seconds 60] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/test]
        [--json FILE]
    python bench/bench_hq_load.py --short     # CI: 16 devices, under a minute

The issue's scenario is ``--devices 200 --parts 100000`` (200 new tablets, one
100,000-part catalogue): about 3 minutes on 2 CPUs, a minute of it the setup. The short
form exits 1 on any error.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import multiprocessing
import os
import random
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from PIL import Image
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fieldapp.clock import new_id
from fieldapp.models import Customer, Fault, Job, JobEvent, Part, Region, Team, User
from fieldapp.search import part_search_text
from fieldapp.wire import row_to_wire
from sync import protocol as p
from sync.client import make_http_session
from sync.hq import snapshots
from sync.hq.db import _log_rows, make_hq_engine, migrate_hq, session_scope
from sync.hq.service import enroll, issue_enrollment

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
PARTS_PER_INSERT = 10_000
PAGE = 2000  # rows per pull page, as the app asks (sync.client.PULL_PAGE)
READ_SIZE = 1024 * 1024  # as sync/snapshot_client.py reads the download
HEADERS = {p.PROTOCOL_HEADER: str(p.PROTOCOL_VERSION), "Content-Type": "application/json"}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=2, help="load-generator processes")
    parser.add_argument("--seconds", type=float, default=60.0, help="incremental phase")
    parser.add_argument("--jobs", type=int, default=5, help="open jobs per engineer")
    parser.add_argument("--parts", type=int, default=100_000, help="catalogue size")
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


def bulk_parts(session: Session, numbers: range) -> None:
    """Catalogue parts inserted with one ``executemany``, then logged by the very hook
    ``HQSession`` runs after a flush (``sync.hq.db._log_rows``, given light stand-ins of
    the rows): the same row log, revisions, checksums and sequence numbers as ORM rows,
    which cost ~0.5 ms each to build and flush, too slow for 100,000 (as in
    bench/bench_sync.py)."""
    template = Part(part_no="-", name_zh="-")
    base = {c.key: getattr(template, c.key) for c in Part.__table__.columns}  # type: ignore[attr-defined]
    base.update(created_at=NOW, updated_at=NOW, version=1)  # version 1: as HQSession sets
    rows = []
    for n in numbers:
        part_no, name_zh, name_en = f"P-{n:06d}", f"零件{n}", f"Part {n}"
        rows.append(
            {
                **base,
                "id": new_id(),
                "part_no": part_no,
                "name_zh": name_zh,
                "name_en": name_en,
                "price_cents": 100 + n,
                "search_text": part_search_text(part_no, name_zh, name_en),
            }
        )
    if not rows:
        return
    session.connection().execute(insert(Part), rows)
    manager = Part.__mapper__.class_manager  # type: ignore[attr-defined]
    pending = []
    for row in rows:
        stand_in = manager.new_instance()  # no __init__: the values only
        stand_in.__dict__.update(row)
        pending.append((stand_in, ["*"]))  # as HQSession logs a new row
    _log_rows(session, pending)


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
        session.flush()
        region_id, team_ids = region.id, [team.id for team in teams]
        for start in range(0, args.parts, PARTS_PER_INSERT):
            bulk_parts(session, range(start, min(start + PARTS_PER_INSERT, args.parts)))
    with engine.connect() as connection:
        # As autovacuum would, sooner: without statistics PostgreSQL plans the row-log
        # lookups of every later flush as sequential scans of 100,000 catalogue entries.
        connection.execute(text("ANALYZE"))
        connection.commit()
    with session_scope(engine) as session:
        number = 0
        for index in range(args.devices):
            user = User(
                login=f"eng{index:04d}",
                display_name=f"工程师{index}",
                role="engineer",
                team_id=team_ids[index % 10],
            )
            customer = Customer(code=f"C{index:05d}", name=f"客户{index}", region_id=region_id)
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
    # Vacuumed now, not by autovacuum in the middle of the measured phases (100,000
    # inserted rows are past its insert threshold).
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM (ANALYZE)"))
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
        self.stop()  # not left serving a database that is about to be dropped
        raise RuntimeError(f"HQ did not become ready in 60 s:\n{self.log.read_text()[-3000:]}")

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


Step = Callable[[str, Callable[[], Any]], Any]

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
        self.snapshot_bytes = 0
        self.problems: list[str] = []  # errors that did not stop the device

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
                {"cursor": self.cursor, "scope_digest": self.digest, "limit": PAGE},
            )
            if body.get("scope") is not None:
                self.digest = body["scope_digest"]
                continue
            rows += self._keep_versions(body)
            self.cursor = max(self.cursor, body["next_after"])
            if not body["has_more"]:
                return rows

    def _keep_versions(self, body: dict[str, Any]) -> int:
        for change in body["changes"]:
            if change["table"] == "job" and change.get("row"):
                self.versions[change["row_id"]] = change["row"]["version"]
        return len(body["changes"])

    def first_sync(self, step: Step) -> int:
        """As the app starts (sync/snapshot_client.py, SyncClient.pull): HQ's snapshot
        of the shared buckets, then the backfill of the rest of the scope up to the
        snapshot's seq, then the incremental pull from there; the rows received. A
        device offered no snapshot pulls row by row from 0 (an error here: HQ built
        one). ``step(name, action)`` times a part of it."""
        offer = step("snapshot_offer", self.offer)
        if offer.snapshot is None:
            self.problems.append(f"no snapshot offered ({offer.reason})")
            return self.pull()
        snapshot = offer.snapshot
        self.snapshot_bytes += step("snapshot_download", lambda: self.download(snapshot))
        # What install() leaves: the checkpoint at the snapshot, its buckets held, and
        # no scope digest, so that HQ names the scope with the first pull.
        self.cursor, self.digest = snapshot.seq, ""
        held = set(snapshot.buckets)
        body = self.post(
            f"{p.API}/sync/pull", {"cursor": self.cursor, "scope_digest": "", "limit": PAGE}
        )
        if body.get("scope") is None:
            raise RuntimeError("the first pull after the snapshot did not name the scope")
        self.digest = body["scope_digest"]
        missing = sorted(set(body["scope"]) - held)
        rows = snapshot.rows + step("backfill", lambda: self.backfill(missing, snapshot.seq))
        rows += self.pull()
        unknown = set(self.spec["job_ids"]) - set(self.versions)
        if unknown:
            raise RuntimeError(f"{len(unknown)} of the device's jobs did not come")
        return rows

    def offer(self) -> p.SnapshotOffer:
        answer = self.http.get(f"{self.base}{p.API}/sync/snapshot", timeout=120)
        if answer.status_code >= 400:
            raise RuntimeError(f"snapshot offer: {answer.status_code} {answer.text[:200]}")
        return p.SnapshotOffer.model_validate(answer.json())

    def download(self, snapshot: p.SnapshotInfo) -> int:
        """The snapshot file, streamed and checked by SHA-256 (the bytes are dropped:
        the device's install is the device's cost, not HQ's); its size."""
        digest, size = hashlib.sha256(), 0
        with self.http.get(
            f"{self.base}{p.API}/sync/snapshots/{snapshot.sha256}", stream=True, timeout=120
        ) as answer:
            if answer.status_code != 200:
                raise RuntimeError(f"snapshot: {answer.status_code} {answer.text[:200]}")
            for chunk in answer.iter_content(READ_SIZE):
                digest.update(chunk)
                size += len(chunk)
        if size != snapshot.size or digest.hexdigest() != snapshot.sha256:
            raise RuntimeError(
                f"snapshot mismatch: {size} bytes, sha256 {digest.hexdigest()[:12]}, "
                f"offered {snapshot.size} bytes, {snapshot.sha256[:12]}"
            )
        return size

    def backfill(self, buckets: list[str], upto: int) -> int:
        """The rows of ``buckets`` up to ``upto``, page by page (SyncClient._change_scope
        and _store_page); the cursor stays where it is."""
        rows, after = 0, 0
        while buckets:
            body = self.post(
                f"{p.API}/sync/pull",
                {
                    "cursor": self.cursor,
                    "scope_digest": self.digest,
                    "limit": PAGE,
                    "backfill": {"buckets": buckets, "upto": upto, "after": after},
                },
            )
            if body.get("scope") is not None:
                raise RuntimeError("the scope changed during the backfill")
            rows += self._keep_versions(body)
            after = body["next_after"]
            if not body["has_more"]:
                break
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
                "base_version": self.versions[job_id],  # from the first sync
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
    base: str,
    specs: list[dict[str, Any]],
    args: dict[str, Any],
    start_at: float,
    out: Any,
    first_done: Any,
    go: Any,
) -> None:
    """One load generator: a thread per device. Once all its devices made their first
    sync it waits on ``first_done`` (with the other generators and the driver, which
    reads the CPU counters between the phases), then on ``go``. Puts its samples and
    the snapshot bytes it downloaded on ``out``."""
    samples: list[tuple[str, float, bool]] = []
    downloaded: list[int] = []
    lock = threading.Lock()

    def between_phases() -> None:
        first_done.wait()
        go.wait()

    phase_two = threading.Barrier(len(specs), action=between_phases)

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

    def step(operation: str, action: Callable[[], Any]) -> Any:
        """A part of a larger operation: timed, and its failure raised on."""
        started = time.perf_counter()
        try:
            value = action()
        except Exception:
            record(operation, time.perf_counter() - started, False)
            raise
        record(operation, time.perf_counter() - started, True)
        return value

    def run(spec: dict[str, Any], index: int) -> None:
        rng = random.Random(spec["user_id"])  # photos differ between all devices
        device = Device(base, spec, rng)
        pictures = [photo(rng, args["photo_kb"]) for _ in range(2)]
        time.sleep(max(0.0, start_at - time.time()))
        timed("first_sync", lambda: device.first_sync(step))
        for problem in device.problems:
            record(f"error: {problem}", 0.0, False)
        with lock:
            downloaded.append(device.snapshot_bytes)
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
    out.put({"samples": samples, "snapshot_bytes": sum(downloaded)})


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def sample_waits(url: str, stop: threading.Event, waits: list[Counter[str]]) -> None:
    """Counts PostgreSQL's active sessions by what they wait on, into ``waits[0]`` (the
    driver swaps in another counter between the phases)."""
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
                    waits[0][f"{kind}/{event}" if event else kind] += int(active)
            stop.wait(0.25)
    finally:
        engine.dispose()


def build_snapshot(url: str) -> dict[str, Any]:
    """HQ's snapshot of the shared buckets, built as ``fieldapp-hq serve`` would before
    the first device (in-process here, so that its cost is not in the figures)."""
    engine = make_hq_engine(url)
    try:
        started = time.perf_counter()
        snapshot = snapshots.build(engine, min_rows=0)
        seconds = time.perf_counter() - started
    finally:
        engine.dispose()
    if snapshot is None:
        raise RuntimeError("no snapshot was built")
    return {
        "sha256": snapshot.sha256,
        "size": snapshot.size,
        "rows": snapshot.rows,
        "seq": snapshot.seq,
        "build_seconds": round(seconds, 1),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="fieldapp-load-"))
    try:
        return _run(args, folder)
    finally:
        # HQ's log is in the error when it fails to start; the photos go with the folder.
        shutil.rmtree(folder, ignore_errors=True)


def _run(args: argparse.Namespace, folder: Path) -> int:
    began = time.monotonic()
    with scratch_database(args.pg) as url:
        started = time.perf_counter()
        specs = seed(url, args)
        say(
            f"setup: {args.devices} engineers × {args.jobs} jobs, {args.parts} parts, "
            f"devices enrolled in {time.perf_counter() - started:.1f} s"
        )
        snapshot = build_snapshot(url)
        say(
            f"snapshot: {snapshot['size'] / 1e6:.2f} MB, {snapshot['rows']} rows up to seq "
            f"{snapshot['seq']}, built in {snapshot['build_seconds']} s"
        )
        hq = HQProcess(url, args.workers, folder)
        try:
            results = drive(hq, url, specs, args)
        finally:
            hq.stop()
    results["snapshot"] = snapshot
    results["total_seconds"] = round(time.monotonic() - began, 1)
    report(results, args)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 1 if results["errors"] else 0


OPERATIONS = (
    "first_sync",
    "snapshot_offer",
    "snapshot_download",
    "backfill",
    "incremental_sync",
    "push",
    "pull",
    "blob_put",
)
FIRST_PHASE = {"first_sync", "snapshot_offer", "snapshot_download", "backfill"}


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
    groups = [group for group in (specs[i :: args.clients] for i in range(args.clients)) if group]
    # The generators and this driver: all first syncs done, the CPU counters read, go.
    first_done = context.Barrier(len(groups) + 1, timeout=1800)
    go = context.Barrier(len(groups) + 1, timeout=60)
    processes = [
        context.Process(
            target=client_process,
            args=(hq.base, group, share, start_at, queue, first_done, go),
        )
        for group in groups
    ]
    for process in processes:
        process.start()
    first_waits: Counter[str] = Counter()
    incremental_waits: Counter[str] = Counter()
    waits = [first_waits]
    stop = threading.Event()
    sampler = threading.Thread(target=sample_waits, args=(url, stop, waits), daemon=True)
    time.sleep(max(0.0, start_at - time.time()))
    hq_cpu, pg_cpu, wall = hq.cpu_seconds(), postgres_cpu(), time.perf_counter()
    sampler.start()
    first_done.wait()
    first_wall = time.perf_counter() - wall
    first_hq, first_pg = hq.cpu_seconds() - hq_cpu, postgres_cpu() - pg_cpu
    waits[0] = incremental_waits
    hq_cpu, pg_cpu, wall = hq.cpu_seconds(), postgres_cpu(), time.perf_counter()
    go.wait()
    samples: list[tuple[str, float, bool]] = []
    snapshot_bytes = 0
    for _ in processes:
        part = queue.get(timeout=args.seconds + 900)
        samples += part["samples"]
        snapshot_bytes += part["snapshot_bytes"]
    for process in processes:
        process.join()
    stop.set()
    sampler.join()
    wall = time.perf_counter() - wall
    hq_cpu, pg_cpu = hq.cpu_seconds() - hq_cpu, postgres_cpu() - pg_cpu
    operations: dict[str, Any] = {}
    errors: Counter[str] = Counter()
    for name in OPERATIONS:
        took = [s for op, s, ok in samples if op == name and ok]
        failed = sum(1 for op, _, ok in samples if op == name and not ok)
        window = first_wall if name in FIRST_PHASE else args.seconds
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
    first_syncs = max(operations["first_sync"]["count"], 1)
    syncs = max(operations["incremental_sync"]["count"], 1)
    return {
        "devices": args.devices,
        "workers": args.workers,
        "cpus": os.cpu_count(),
        "operations": operations,
        "errors": sum(errors.values()),
        "error_kinds": dict(errors.most_common(5)),
        "first_sync_phase": {
            "wall_seconds": round(first_wall, 1),
            "snapshot_bytes": snapshot_bytes,
            "hq_cpu_seconds": round(first_hq, 1),
            "pg_cpu_seconds": round(first_pg, 1),
            "hq_cpu_ms_per_sync": round(first_hq * 1000 / first_syncs, 1),
            "cpu_ms_per_sync": round((first_hq + first_pg) * 1000 / first_syncs, 1),
            "pg_waits": shares(first_waits),
        },
        # The incremental phase:
        "wall_seconds": round(wall, 1),
        "hq_cpu_seconds": round(hq_cpu, 1),
        "pg_cpu_seconds": round(pg_cpu, 1),
        "cpu_ms_per_sync": round((hq_cpu + pg_cpu) * 1000 / syncs, 1),
        "pg_waits": shares(incremental_waits),
    }


def shares(waits: Counter[str]) -> dict[str, float]:
    total = sum(waits.values()) or 1
    return {k: round(v / total, 3) for k, v in waits.most_common(8)}


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
    first = results["first_sync_phase"]
    snapshot = results["snapshot"]
    say(
        f"first syncs: all {results['devices']} in {first['wall_seconds']} s; snapshot "
        f"{snapshot['size'] / 1e6:.2f} MB × {results['operations']['snapshot_download']['count']}"
        f" = {first['snapshot_bytes'] / 1e6:.1f} MB downloaded"
    )
    say(
        f"  CPU: HQ {first['hq_cpu_seconds']} s ({first['hq_cpu_ms_per_sync']} ms per first "
        f"sync), PostgreSQL {first['pg_cpu_seconds']} s: {first['cpu_ms_per_sync']} ms per "
        "first sync"
    )
    say(
        "  PostgreSQL sessions (share of samples): "
        + ", ".join(f"{k} {v:.0%}" for k, v in first["pg_waits"].items())
    )
    say(
        f"incremental phase CPU: HQ {results['hq_cpu_seconds']} s, PostgreSQL "
        f"{results['pg_cpu_seconds']} s in {results['wall_seconds']} s: "
        f"{results['cpu_ms_per_sync']} ms per sync"
    )
    say(
        "  PostgreSQL sessions (share of samples): "
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
