"""The app as the engineer feels it: cold start to a usable job list, and how long the
window freezes while a big sync runs.

1. Cold start (aim: under 1.5 s). A fresh ``python bench/ui_child.py`` process
   (``QT_QPA_PLATFORM=offscreen``) opens the app on an enrolled device's data folder as
   ``ui.app.run_app`` does (``qt_application``, ``Store.open``, ``AppContext``,
   ``Launcher(ctx, None, auto_sync=False).open_window``) and runs the event loop until
   the job list holds rows, the window is exposed and the list has been painted; the
   time counts from the parent's ``Popen``. Two data folders:

   a. the demo engineer's device after one sync with the demo HQ (``sync.demo``);
   b. the same device plus 100,000 jobs assigned to that engineer (2,000 customers,
      6,000 machines), bulk-loaded as ``bench_store.py`` does.

   One warm-up run per folder (it fills the OS file cache and is not counted), then
   ``--runs`` runs: min, median and max, and the median of each step.

2. Event-loop stalls during a sync (aim: longest under 100 ms). An HQ subprocess
   (``python -m sync.hq.cli --db URL serve`` on a free loopback port, built with
   ``bench_sync.py``'s builders) holds one engineer's 5,000 jobs (3 events, a fault and
   a part used each; 750 customers with 2 machines and a contact each) and a catalogue
   of 10,000 parts. In this process: the app's window (``Launcher``, offscreen) on a
   freshly enrolled device of that engineer; a 5 ms precise ``QTimer`` records the gaps
   between its ticks while ``window.sync.sync_now()`` runs the first sync in the task
   pool (until ``finished``, plus half a second for the list refresh that follows).
   Then the same again while the job list is scrolled (500 px every 50 ms): the device's
   cursor is rewound to 0 so the sync receives and rewrites every row again, with the
   list full of the jobs of the first sync. Prints the sync's time, rows received, the
   longest gap, the 99th percentile, the gaps over 50 and 100 ms, and for the worst
   gaps what ran then: the window's slots (timed by wrapping them here), and whether
   a watchdog thread was held up as well (then some thread held the GIL in C code).
   The job list reads its pages in the task pool (``JobListModel.fetchMore`` only asks;
   ``JobListModel._apply`` adds the page on the UI thread), so a page query never
   stalls the loop; the cold start counts until the first page has come and is painted.

    python bench/bench_ui.py [--runs 5] [--big-jobs 100000] [--jobs 5000]
        [--parts 10000] [--keep DIR] [--only cold|sync]

Data is built in child processes of this script (so the measuring process's heap is
the app's, not the builders'), outside the measured times, and reused from ``--keep DIR``.
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench_store import STATUSES
from bench_sync import (
    HQProcess,
    Plan,
    build_hq,
    enroll_device,
    new_row,
    say,
    setup_line,
    setup_step,
    template,
)
from sqlalchemy import insert, select

from fieldapp.clock import utcnow
from fieldapp.models import Customer, Job, Machine, ProductModel, Region
from fieldapp.paths import STORE_FILE
from fieldapp.store import Store
from sync.client import CURSOR, USER_ID, SyncClient

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CHILD = HERE / "ui_child.py"
COLD_AIM = 1.5
STALL_AIM = 0.100
TICK_MS = 5
SCROLL_MS = 50
SETTLE_S = 0.5


# --- part 1: cold start --------------------------------------------------------------------


def build_demo_device(folder: Path) -> Path:
    """The demo engineer's device, enrolled with the demo HQ and synced once."""
    from sync.demo import enroll_demo_device, local_hq, prepare_hq

    device = folder / "demo-device"
    done = folder / "demo-device.built"
    if done.exists():
        say(f"  reusing {device}")
        return device
    shutil.rmtree(device, ignore_errors=True)
    with setup_step("demo HQ database (sync.demo.prepare_hq)"):
        url = prepare_hq(folder / "demo-hq")
    store = Store.open(device)
    try:
        with setup_step("demo device: enroll and first sync"), local_hq(url) as base:
            enroll_demo_device(url, base, store, device)
            client = SyncClient(store, device)
            try:
                report = client.sync()
            finally:
                client.close()
        say(f"  demo device: {report.pulled:,} rows received")
    finally:
        store.close()
    done.write_text("ok\n")
    return device


def build_big_device(folder: Path, demo: Path, jobs: int, seed: int) -> Path:
    """The demo device plus ``jobs`` jobs of its engineer, bulk-loaded."""
    device = folder / f"big-device-{jobs}"
    done = folder / f"big-device-{jobs}.built"
    if done.exists():
        say(f"  reusing {device}")
        return device
    shutil.rmtree(device, ignore_errors=True)
    shutil.copytree(demo, device)
    store = Store.open(device)
    try:
        with setup_step(f"big device: {jobs:,} jobs bulk-loaded", lambda: jobs + 8000):
            add_jobs(store, store.get_setting(USER_ID), jobs, random.Random(seed))
        say(f"  big device: {store.path.stat().st_size / 1e6:,.0f} MB")
    finally:
        store.close()
    done.write_text("ok\n")
    return device


def add_jobs(store: Store, engineer_id: str, jobs: int, rng: random.Random) -> None:
    """``jobs`` jobs of the engineer (random statuses, deadlines from now back in time)
    with 2,000 customers and 6,000 machines, in one transaction (not for HQ: track off)."""
    now = utcnow()
    with store.action(track=False) as session:
        region_id = session.execute(select(Region.id)).scalars().first()
        model_ids = list(session.execute(select(ProductModel.id)).scalars())
        if region_id is None or not model_ids:
            raise RuntimeError("the demo device holds no region or product model")
        customer_base = template(Customer, code="-", name="-", region_id=region_id)
        customers = [
            new_row(
                customer_base,
                code=f"BENCH-C{n:05d}",
                name=f"客户{n}号工程有限公司",
                address="安徽省合肥市蜀山区长江西路688号",
                phone="13905510001",
                contact_name="刘建国",
                is_key_account=n % 20 == 0,
            )
            for n in range(2000)
        ]
        session.execute(insert(Customer), customers)
        machine_base = template(Machine, customer_id="-", model_id="-", serial="-")
        machines = [
            new_row(
                machine_base,
                customer_id=customers[n % 2000]["id"],
                model_id=model_ids[n % len(model_ids)],
                serial=f"BENCH-SN{n:08d}",
                hour_meter=float(rng.randint(10, 9000)),
            )
            for n in range(6000)
        ]
        session.execute(insert(Machine), machines)
        job_base = template(Job, number="-", job_type="-", customer_id="-", received_at=now)
        batch: list[dict[str, Any]] = []
        for n in range(jobs):
            machine = machines[n % len(machines)]
            received = now - timedelta(minutes=n * 7)
            batch.append(
                new_row(
                    job_base,
                    number=f"BJ-{n:09d}",
                    job_type="repair",
                    urgency=rng.choice(("urgent", "normal", "low")),
                    status=rng.choice(STATUSES),
                    customer_id=machine["customer_id"],
                    machine_id=machine["id"],
                    assignee_id=engineer_id,
                    contact_name="刘建国",
                    contact_phone="13905510001",
                    address="安徽省合肥市蜀山区长江西路688号",
                    reported_symptom="动臂提升无力，液压油温高",
                    received_at=received,
                    answer_due_at=received + timedelta(hours=4),
                    on_site_due_at=received + timedelta(hours=rng.choice((2, 24, 120))),
                    created_at=received,
                    updated_at=received,
                )
            )
            if len(batch) == 10_000:
                session.execute(insert(Job), batch)
                batch.clear()
        if batch:
            session.execute(insert(Job), batch)


def child_run(data_dir: Path) -> dict[str, Any]:
    """One cold start: Popen to the child's ready line."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    started = time.time()
    process = subprocess.Popen(
        [sys.executable, str(CHILD), str(data_dir), repr(started)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    ready = time.time() - started
    _out, errors = process.communicate(timeout=120)
    if not line or process.returncode != 0:
        raise RuntimeError(f"the child failed ({process.returncode}):\n{errors[-3000:]}")
    result: dict[str, Any] = json.loads(line)
    result["parent_ready"] = ready
    return result


def cold_start(label: str, data_dir: Path, runs: int) -> dict[str, Any]:
    child_run(data_dir)  # warm-up: fills the OS file cache, not counted
    results = [child_run(data_dir) for _ in range(runs)]
    totals = [r["marks"]["shown, exposed, painted"] for r in results]
    imports = [r["marks"]["import ui.app"] for r in results]
    all_imports = [r["marks"]["import store, window modules"] for r in results]
    steps = list(results[0]["marks"])
    size = (data_dir / STORE_FILE).stat().st_size / 1e6
    say(
        f"  {label}: store {size:,.1f} MB, {results[0]['rows']} rows on the first page "
        f"(language {results[0]['language']}); the started app holds "
        f"{results[0]['gc_objects']:,} objects tracked by the cyclic GC"
    )
    median = statistics.median(totals)
    verdict = "OK" if median < COLD_AIM else "OVER THE AIM"
    say(
        f"    cold start to a usable job list: min {min(totals):.3f} s  median {median:.3f} s  "
        f"max {max(totals):.3f} s  (aim < {COLD_AIM} s: {verdict})"
    )
    say(
        f"    imports: until ui.app imported (interpreter start + ui.app) median "
        f"{statistics.median(imports):.3f} s; until the store and window modules are "
        f"imported too (PySide6, SQLAlchemy, ...) {statistics.median(all_imports):.3f} s = "
        f"{statistics.median(all_imports) / median:.0%} of the median start"
    )
    previous = 0.0
    parts = []
    for step in steps:
        moment = statistics.median(r["marks"][step] for r in results)
        parts.append(f"{step} {moment - previous:.3f}")
        previous = moment
    say("    median steps (s): " + ", ".join(parts))
    return {"label": label, "min": min(totals), "median": median, "max": max(totals)}


def run_cold(args: argparse.Namespace, folder: Path) -> list[dict[str, Any]]:
    say("\n1. Cold start to a usable job list (fresh process, offscreen)")
    start = time.perf_counter()
    build_elsewhere(args, folder, "devices")
    demo = folder / "demo-device"
    big = folder / f"big-device-{args.big_jobs}"
    setup_line("part 1 data in all", time.perf_counter() - start)
    say(f"  {args.runs} runs each after 1 warm-up run (fills the OS file cache; not counted)")
    return [
        cold_start("a. demo engineer after a sync", demo, args.runs),
        cold_start(f"b. + {args.big_jobs:,} jobs of that engineer", big, args.runs),
    ]


# --- part 2: stalls during a sync -----------------------------------------------------------


@dataclass
class Call:
    name: str
    start: float
    end: float


@dataclass
class Collection:
    generation: int
    start: float
    end: float
    thread: str
    collected: int


@dataclass
class Recorder:
    """Tick gaps of the event loop, timed main-thread slots, a watchdog thread's lateness."""

    ticks: list[float] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    late: list[tuple[float, float]] = field(default_factory=list)  # watchdog: (from, to)
    stacks: list[tuple[float, float, str]] = field(default_factory=list)  # (from, to, stack)
    collections: list[Collection] = field(default_factory=list)  # the cyclic GC's runs
    running: bool = False
    _gc_start: float = 0.0

    def tick(self) -> None:
        if self.running:
            self.ticks.append(time.perf_counter())

    def gaps(self) -> list[tuple[float, float]]:
        return list(zip(self.ticks, self.ticks[1:], strict=False))

    def clear(self) -> None:
        self.ticks.clear()
        self.calls.clear()
        self.late.clear()
        self.stacks.clear()
        self.collections.clear()

    def on_gc(self, phase: str, info: dict[str, int]) -> None:
        """``gc.callbacks``: runs in the thread that triggered the collection."""
        now = time.perf_counter()
        if phase == "start":
            self._gc_start = now
        elif self.running:
            thread = threading.current_thread().name
            self.collections.append(
                Collection(info["generation"], self._gc_start, now, thread, info["collected"])
            )


RECORDER = Recorder()


def time_slots() -> None:
    """Wrap the window's main-thread slots (in this process only) to time each call."""
    from ui.engineer.joblist import JobDelegate, JobListModel, JobListPage
    from ui.mainwindow import MainWindow
    from ui.sync_panel import SyncController, SyncIndicator

    targets: list[tuple[type, str]] = [
        (SyncController, "_done"),
        (SyncController, "status"),
        (SyncIndicator, "_started"),
        (SyncIndicator, "_progress"),
        (SyncIndicator, "refresh"),
        (MainWindow, "_after_sync"),
        (JobListPage, "refresh"),
        (JobListPage, "count_tabs"),
        (JobListPage, "_titles"),
        (JobListModel, "fetchMore"),  # asks for a page (read in the task pool)
        (JobListModel, "_apply"),  # adds a page read in the back, on the UI thread
        (JobDelegate, "paint"),
    ]
    for owner, name in targets:
        original = owner.__dict__[name]
        label = f"{owner.__name__}.{name}"

        def timed(
            *args: Any, __original: Callable[..., Any] = original, __label: str = label
        ) -> Any:
            start = time.perf_counter()
            try:
                return __original(*args)
            finally:
                if threading.current_thread() is threading.main_thread():
                    RECORDER.calls.append(Call(__label, start, time.perf_counter()))

        setattr(owner, name, functools.wraps(original)(timed))


def watchdog(stop: threading.Event) -> None:
    """Sleeps 2 ms at a time; a wake-up 20 ms late means the GIL was held that long by
    someone (no thread can run Python then), and it notes what the others were doing."""
    main_id = threading.main_thread().ident
    me = threading.get_ident()
    while not stop.is_set():
        before = time.perf_counter()
        time.sleep(0.002)
        after = time.perf_counter()
        if RECORDER.running and after - before > 0.020:
            RECORDER.late.append((before, after))
            if after - before > 0.040:
                frames = sys._current_frames()
                lines = []
                for ident, frame in frames.items():
                    if ident in (me, main_id):
                        continue
                    summary = traceback.extract_stack(frame)[-4:]
                    where = " < ".join(
                        f"{Path(f.filename).name}:{f.lineno}({f.name})" for f in reversed(summary)
                    )
                    lines.append(where)
                RECORDER.stacks.append((before, after, " | ".join(lines)))


def overlap(a: tuple[float, float], b: tuple[float, float]) -> float:
    return max(0.0, min(a[1], b[1]) - max(a[0], b[0]))


@dataclass
class SyncRun:
    label: str
    seconds: float
    rows: int
    error: str | None
    gaps: list[tuple[float, float]]
    calls: list[Call]
    late: list[tuple[float, float]]
    stacks: list[tuple[float, float, str]]
    collections: list[Collection]
    tracked_before: int
    tracked: int
    scrolled: int = 0


def measured_sync(window: Any, label: str, scroll: bool) -> SyncRun:
    """Ticks every 5 ms while ``window.sync.sync_now()`` runs, until ``finished`` or
    ``failed`` and half a second after."""
    from PySide6.QtCore import QEventLoop, Qt, QTimer

    outcome: dict[str, Any] = {}
    loop = QEventLoop()

    def finished(report: Any) -> None:
        outcome.update(end=time.perf_counter(), rows=report.pulled)
        QTimer.singleShot(int(SETTLE_S * 1000), loop.quit)

    def failed(code: str, message: str) -> None:
        outcome.update(end=time.perf_counter(), rows=0, error=f"{code}: {message}")
        QTimer.singleShot(int(SETTLE_S * 1000), loop.quit)

    window.sync.finished.connect(finished)
    window.sync.failed.connect(failed)
    ticker = QTimer()
    ticker.setTimerType(Qt.TimerType.PreciseTimer)
    ticker.setInterval(TICK_MS)
    ticker.timeout.connect(RECORDER.tick)
    scrolled = [0]
    scroller = QTimer()
    scroller.setTimerType(Qt.TimerType.PreciseTimer)
    scroller.setInterval(SCROLL_MS)
    view = window.job_list.view

    def scroll_once() -> None:
        bar = view.verticalScrollBar()
        if bar.value() >= bar.maximum():
            bar.setValue(0)  # at the end of what is loaded and nothing more: back up
        else:
            bar.setValue(bar.value() + 500)
        scrolled[0] += 1

    scroller.timeout.connect(scroll_once)
    guard = QTimer()
    guard.setSingleShot(True)
    guard.timeout.connect(loop.quit)
    guard.start(30 * 60 * 1000)

    tracked_before = len(gc.get_objects())
    RECORDER.clear()
    RECORDER.running = True
    ticker.start()
    if scroll:
        scroller.start()
    start = time.perf_counter()
    RECORDER.ticks.append(start)
    if not window.sync.sync_now():
        raise RuntimeError("a sync is already running")
    loop.exec()
    RECORDER.running = False
    ticker.stop()
    scroller.stop()
    guard.stop()
    window.sync.finished.disconnect(finished)
    window.sync.failed.disconnect(failed)
    if "end" not in outcome:
        raise RuntimeError("the sync did not end within 30 minutes")
    return SyncRun(
        label,
        outcome["end"] - start,
        outcome["rows"],
        outcome.get("error"),
        RECORDER.gaps(),
        list(RECORDER.calls),
        list(RECORDER.late),
        list(RECORDER.stacks),
        list(RECORDER.collections),
        tracked_before,
        len(gc.get_objects()),
        scrolled[0],
    )


def report_run(run: SyncRun, worst: int) -> dict[str, Any]:
    say(f"\n  {run.label}")
    if run.error:
        say(f"    !! the sync FAILED: {run.error}")
    lengths = sorted(end - start for start, end in run.gaps)
    longest = lengths[-1] if lengths else 0.0
    p99 = lengths[min(len(lengths) - 1, int(len(lengths) * 0.99))] if lengths else 0.0
    over50 = sum(1 for g in lengths if g > 0.050)
    over100 = sum(1 for g in lengths if g > 0.100)
    verdict = "OK" if longest < STALL_AIM else "OVER THE AIM"
    say(
        f"    sync {run.seconds:.2f} s, {run.rows:,} rows received"
        + (f", {run.scrolled} scroll steps" if run.scrolled else "")
    )
    say(
        f"    {len(lengths):,} tick gaps (5 ms timer): longest {longest * 1000:.0f} ms, "
        f"p99 {p99 * 1000:.1f} ms, median {statistics.median(lengths) * 1000:.1f} ms, "
        f"{over50} over 50 ms, {over100} over 100 ms (aim: longest < 100 ms: {verdict})"
    )
    by_slot: dict[str, list[float]] = {}
    for call in run.calls:
        by_slot.setdefault(call.name, []).append(call.end - call.start)
    busiest = sorted(by_slot.items(), key=lambda item: -max(item[1]))
    say(
        "    main-thread slots, longest call (calls): "
        + ", ".join(f"{name} {max(t) * 1000:.0f} ms ({len(t)})" for name, t in busiest[:8])
    )
    for generation in (0, 1, 2):
        runs = [c for c in run.collections if c.generation == generation]
        if runs:
            longest_gc = max(runs, key=lambda c: c.end - c.start)
            say(
                f"    cyclic GC generation {generation}: {len(runs)} collections, "
                f"{sum(c.end - c.start for c in runs) * 1000:.0f} ms in all, longest "
                f"{(longest_gc.end - longest_gc.start) * 1000:.0f} ms (thread {longest_gc.thread})"
            )
    say(
        f"    objects tracked by the GC (what a generation-2 collection walks): "
        f"{run.tracked_before:,} before the sync, {run.tracked:,} after"
    )
    stalls = sorted((g for g in run.gaps if g[1] - g[0] > 0.050), key=lambda g: g[0] - g[1])
    for gap in stalls[:worst]:
        spent: dict[str, float] = {}
        for call in run.calls:
            share = overlap(gap, (call.start, call.end))
            if share > 0.001:
                spent[call.name] = spent.get(call.name, 0.0) + share
        held = sum(overlap(gap, late) for late in run.late)
        collecting = [
            f"gen {c.generation} in {c.thread} {overlap(gap, (c.start, c.end)) * 1000:.0f} ms"
            for c in run.collections
            if overlap(gap, (c.start, c.end)) > 0.005
        ]
        slots = ", ".join(
            f"{name} {t * 1000:.0f}" for name, t in sorted(spent.items(), key=lambda i: -i[1])
        )
        say(
            f"    gap {(gap[1] - gap[0]) * 1000:5.0f} ms at +{gap[0] - run.gaps[0][0]:6.2f} s: "
            f"slots (ms) [{slots or 'none timed'}]; watchdog held up {held * 1000:.0f} ms; "
            f"cyclic GC: {', '.join(collecting) or 'none'}"
        )
        for start, end, where in run.stacks:
            if overlap(gap, (start, end)) > 0.02:
                say(f"      other threads when the watchdog woke: {where[:400]}")
                break
    return {
        "label": run.label,
        "longest_ms": round(longest * 1000, 1),
        "p99_ms": round(p99 * 1000, 1),
    }


def build_elsewhere(args: argparse.Namespace, folder: Path, what: str) -> None:
    """Build in a child process of this script, so that what the build leaves in memory
    (several hundred thousand objects) does not weigh on the measuring process's GC."""
    command = [sys.executable, str(Path(__file__).resolve()), "--build", what]
    command += ["--keep", str(folder), "--jobs", str(args.jobs), "--parts", str(args.parts)]
    command += ["--big-jobs", str(args.big_jobs), "--seed", str(args.seed)]
    subprocess.run(command, check=True, cwd=ROOT)


def build(args: argparse.Namespace) -> None:
    folder: Path = args.keep
    if args.build == "devices":
        demo = build_demo_device(folder)
        build_big_device(folder, demo, args.big_jobs, args.seed)
    else:
        build_sync_hq(args, folder)


def sync_hq_url(args: argparse.Namespace, folder: Path) -> str:
    return f"sqlite:///{folder / f'sync-hq-{args.jobs}-{args.parts}.sqlite'}"


def build_sync_hq(args: argparse.Namespace, folder: Path) -> None:
    url = sync_hq_url(args, folder)
    path = folder / f"sync-hq-{args.jobs}-{args.parts}.sqlite"
    done = folder / f"sync-hq-{args.jobs}-{args.parts}.built"
    if done.exists():
        say(f"  reusing {path}")
        return
    path.unlink(missing_ok=True)
    customers = max(1, round(args.jobs * 0.15))
    plan = Plan(
        jobs=args.jobs,
        customers=customers,
        events=3,
        faults=1,
        usages=1,
        parts=args.parts,
        total=0,  # no other engineers' filler: the HQ holds this engineer's world
        van_movements=100,
    )
    built = build_hq(url, plan, random.Random(args.seed), "sync HQ")
    setup_line("sync HQ: total", built.seconds, built.rows)
    done.write_text("ok\n")


def run_sync(args: argparse.Namespace, folder: Path) -> list[dict[str, Any]]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    say(f"\n2. Event-loop stalls while a {args.jobs:,}-job sync runs (HQ in a subprocess)")
    build_elsewhere(args, folder, "sync-hq")
    url = sync_hq_url(args, folder)
    devices = folder / "sync-devices"
    shutil.rmtree(devices, ignore_errors=True)
    devices.mkdir(parents=True)
    hq = HQProcess(url, devices)
    with setup_step("start HQ (subprocess)"):
        hq.start()
    results: list[dict[str, Any]] = []
    stop = threading.Event()
    try:
        from PySide6.QtCore import QEventLoop, QTimer

        from ui.app import Launcher, choose_language, qt_application
        from ui.common.context import AppContext

        with setup_step("enroll a fresh device"):
            device = enroll_device(hq, url, devices, "device-ui")
        time_slots()
        gc.collect()  # the enrollment's garbage: the app does not start with it
        app = qt_application()
        language = choose_language(device.store, None, None)
        ctx = AppContext(store=device.store, data_dir=device.data_dir, language=language)
        window = Launcher(ctx, None, auto_sync=False).open_window(language)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
            handle = window.windowHandle()
            if handle is not None and handle.isExposed():
                break
        loop = QEventLoop()
        QTimer.singleShot(500, loop.quit)  # let the start-up work (tab counts) finish
        loop.exec()
        threading.Thread(target=watchdog, args=(stop,), name="watchdog", daemon=True).start()
        gc.callbacks.append(RECORDER.on_gc)

        run = measured_sync(window, "a. first sync of a fresh device, window idle", False)
        results.append(report_run(run, args.worst))
        ctx.task_manager.wait(30_000)
        device.store.set_setting(CURSOR, "0")
        run = measured_sync(
            window,
            "b. the same rows received again (cursor rewound to 0), the job list scrolled "
            f"500 px every {SCROLL_MS} ms (pages fetched as it goes)",
            True,
        )
        results.append(report_run(run, args.worst))
        ctx.task_manager.wait(30_000)
        window.close()
        device.store.close()
    except BaseException:
        hq.stop(failed=True)
        raise
    finally:
        stop.set()
    hq.stop()
    return results


# --- main --------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5, help="cold starts measured per case")
    parser.add_argument("--big-jobs", type=int, default=100_000, help="jobs of the big store")
    parser.add_argument("--jobs", type=int, default=5000, help="the engineer's jobs at HQ")
    parser.add_argument("--parts", type=int, default=10_000, help="HQ's catalogue")
    parser.add_argument("--worst", type=int, default=5, help="stalls explained per sync")
    parser.add_argument("--only", choices=("cold", "sync"), default=None)
    parser.add_argument("--keep", type=Path, default=None, help="build in DIR and reuse it")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--build", choices=("devices", "sync-hq"), help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.build is not None:
        build(args)
        return
    folder: Path = args.keep or Path(tempfile.mkdtemp(prefix="fieldapp-bench-ui-"))
    folder.mkdir(parents=True, exist_ok=True)
    say(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, pid {os.getpid()}; "
        f"work folder {folder}"
    )
    cold: list[dict[str, Any]] = []
    stalls: list[dict[str, Any]] = []
    try:
        if args.only in (None, "cold"):
            cold = run_cold(args, folder)
        if args.only in (None, "sync"):
            stalls = run_sync(args, folder)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    say("\nSummary")
    for row in cold:
        say(
            f"  cold start, {row['label']}: median {row['median']:.3f} s "
            f"(min {row['min']:.3f}, max {row['max']:.3f}; aim < {COLD_AIM} s)"
        )
    for row in stalls:
        say(
            f"  sync stalls, {row['label'][:40]}…: longest {row['longest_ms']:.0f} ms, "
            f"p99 {row['p99_ms']:.1f} ms (aim < {STALL_AIM * 1000:.0f} ms)"
        )


if __name__ == "__main__":
    main()
