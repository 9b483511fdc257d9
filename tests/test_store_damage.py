"""A damaged local store is neither used nor silently replaced, and nothing is lost.

Each damage (64 KiB of garbage in the middle, cut short, another program's file, a
newer schema, a 0-byte store beside a token, a read-only data folder, a data "folder"
that is a file) through the command line and through the app's window: a plain message
(exit code 4) or the problem screen, the file untouched, nothing synced. Then the
recovery against a real HQ: the unsynced work saved to a rescue file, imported at HQ
through the push's own path, the damaged file kept aside, and a fresh enrollment
bringing the work back.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlmodel import func, select

from fieldapp import services
from fieldapp.models import Fault, Job, JobEvent, OutboxEntry, User
from fieldapp.models.enums import JobEventKind as E
from fieldapp.paths import STORE_FILE
from fieldapp.store import Store
from fieldapp.store_health import OPEN_MARKER, ProblemKind, check_data_dir
from sync.hq.db import session_scope
from tests.factories import NOW, World
from tests.sync_support import HQ, DeviceUnderTest, enroll_device
from tests.ui_support import button_named, tap

REPO = Path(__file__).resolve().parent.parent
GARBAGE = 64 * 1024


# --- a device with work not yet synced --------------------------------------------------


def work_offline(device: DeviceUnderTest, world: World) -> str:
    """The engineer accepts, drives, arrives and records a fault, offline."""
    with device.store.action() as session:
        job = session.get(Job, world.job_id)
        engineer = session.get(User, world.engineer_id)
        assert job and engineer
        for action in (E.ACCEPTED, E.DEPARTED, E.ARRIVED):
            services.transition(session, job, action, engineer, now=NOW)
        fault = Fault(
            job_id=job.id,
            assembly="hydraulic_pump",
            symptom="主泵异响",
            cause="柱塞磨损",
            action="更换主泵",
            fixed=True,
        )
        session.add(fault)
        session.flush()
        return fault.id


@dataclass
class Offline:
    """A device with unsynced work, its store closed (every page in the main file)."""

    hq: HQ
    world: World
    data_dir: Path
    fault_id: str
    outbox: list[str]  # mutation ids waiting for HQ


@pytest.fixture
def offline(hq: tuple[HQ, World], tmp_path: Path) -> Iterator[Offline]:
    server, world = hq
    device = enroll_device(server, "zhang.wei", tmp_path / "device")
    device.sync()
    fault_id = work_offline(device, world)
    with device.store.reader() as session:
        outbox = list(session.exec(select(OutboxEntry.mutation_id).order_by(OutboxEntry.seq)))
    device.store.close()
    assert not Path(f"{device.data_dir / STORE_FILE}-wal").exists()
    yield Offline(server, world, device.data_dir, fault_id, outbox)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def hq_events(server: HQ, world: World) -> int:
    with session_scope(server.db()) as session:
        return session.exec(
            select(func.count()).select_from(JobEvent).where(JobEvent.job_id == world.job_id)
        ).one()


def hq_fault(server: HQ, fault_id: str) -> Fault | None:
    with session_scope(server.db()) as session:
        return session.get(Fault, fault_id)


# --- the damage ---------------------------------------------------------------------------


def protected_pages(path: Path) -> set[int]:
    """The pages of the schema, the outbox and the settings (kept whole so the rescue
    can be checked for every entry; a damaged outbox is its own test)."""
    with contextlib.closing(sqlite3.connect(path)) as connection:
        rows = connection.execute(
            "SELECT pageno FROM dbstat WHERE name LIKE '%outbox%' OR name LIKE '%local_setting%'"
            " OR name = 'sqlite_schema' OR name = 'sqlite_master' OR name = 'alembic_version'"
        ).fetchall()
    return {row[0] for row in rows} | {1}


def garbage_in_the_middle(path: Path) -> None:
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    keep = protected_pages(path)
    pages = len(data) // page
    span = GARBAGE // page
    start = pages // 2
    while any(p in keep for p in range(start + 1, start + span + 1)):
        start += 1
        assert start + span < pages, "the store is too small for 64 KiB of garbage"
    noise = hashlib.shake_256(b"garbage").digest(GARBAGE)
    data[start * page : start * page + GARBAGE] = noise
    path.write_bytes(bytes(data))


def cut_short(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def foreign_file(path: Path) -> None:
    path.write_bytes(b"PK\x03\x04" + hashlib.shake_256(b"a zip").digest(20_000))


def newer_schema(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099'")
        connection.commit()


def emptied(path: Path) -> None:
    path.write_bytes(b"")


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """A folder nobody may write to; root ignores permissions, so it gets the
    immutable flag instead."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(folder)], check=True)
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
    else:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)


@dataclass(frozen=True)
class Damage:
    name: str
    damage: Callable[[Path], None] | None  # applied to the store file
    kind: ProblemKind
    says: str  # words of the command line's message
    folder: str = ""  # "read-only" or "file": the data folder's own problem


DAMAGES = [
    Damage("garbage", garbage_in_the_middle, ProblemKind.DAMAGED, "is damaged"),
    Damage("truncated", cut_short, ProblemKind.DAMAGED, "cut short"),
    Damage("foreign", foreign_file, ProblemKind.NOT_A_STORE, "is not a fieldapp store"),
    Damage("newer", newer_schema, ProblemKind.NEWER_SCHEMA, "newer version of fieldapp"),
    Damage("empty", emptied, ProblemKind.STORE_MISSING, "missing or empty"),
    Damage("read-only", None, ProblemKind.FOLDER_NOT_WRITABLE, "cannot be written", "read-only"),
    Damage("file", None, ProblemKind.FOLDER_IS_FILE, "is a file, not a folder", "file"),
]


def copy_device(source: Path, target: Path) -> Path:
    target.mkdir(parents=True)
    for name in (STORE_FILE, "device_token"):
        (target / name).write_bytes((source / name).read_bytes())
    (target / "device_token").chmod(0o600)
    return target


@contextlib.contextmanager
def damaged(offline: Offline, tmp_path: Path, damage: Damage) -> Iterator[tuple[Path, Path]]:
    """A copy of the device's data folder with ``damage`` done; yields the folder
    given to the app and the file that must stay untouched."""
    folder = copy_device(offline.data_dir, tmp_path / damage.name)
    store = folder / STORE_FILE
    if damage.damage is not None:
        damage.damage(store)
    if damage.folder == "file":
        data_file = tmp_path / f"{damage.name}-data"
        data_file.write_bytes(b"not a folder")
        yield data_file, data_file
    elif damage.folder == "read-only":
        with read_only(folder):
            yield folder, store
    else:
        yield folder, store


def fieldapp(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ui.app", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=REPO,
        env=dict(os.environ, PYTHONUTF8="1"),
        timeout=120,
    )


def fieldapp_hq(server: HQ, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sync.hq.cli", "--db", server.url, *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=REPO,
        env=dict(os.environ, PYTHONUTF8="1"),
        timeout=120,
    )


def kept_aside(folder: Path) -> list[Path]:
    """The store files set aside (their journal files, if any, go along with them)."""
    return [
        p
        for p in folder.iterdir()
        if p.name.startswith(f"{STORE_FILE}.damaged-") and not p.name.endswith(("-wal", "-shm"))
    ]


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "logs")


# --- the command line -------------------------------------------------------------------


def test_the_command_line_refuses_every_damaged_store_and_changes_nothing(
    offline: Offline, tmp_path: Path
) -> None:
    events = hq_events(offline.hq, offline.world)
    for damage in DAMAGES:
        with damaged(offline, tmp_path, damage) as (folder, untouched):
            before = sha(untouched)
            files = listing(folder) if folder.is_dir() else []
            for command in ("sync", "status"):
                done = fieldapp(folder, command)
                assert "Traceback" not in done.stderr, (damage.name, done.stderr)
                assert done.returncode == 4, (damage.name, command, done.stderr)
                assert damage.says in done.stderr, (damage.name, done.stderr)
                assert "Nothing was changed" in done.stderr or "not used" in done.stderr
            assert sha(untouched) == before, damage.name
            if folder.is_dir():
                assert listing(folder) == files, damage.name
    assert hq_events(offline.hq, offline.world) == events  # nothing was synced
    assert hq_fault(offline.hq, offline.fault_id) is None


def test_the_check_finds_each_damage_without_writing(offline: Offline, tmp_path: Path) -> None:
    for damage in DAMAGES:
        with damaged(offline, tmp_path / "check", damage) as (folder, untouched):
            before = sha(untouched)
            problem = check_data_dir(folder, has_token=True, quick_check=True)
            assert problem is not None and problem.kind is damage.kind, (damage.name, problem)
            assert sha(untouched) == before
    # The device's own store, whole, passes; a new device has no store and no token.
    assert check_data_dir(offline.data_dir, has_token=True, quick_check=True) is None
    assert check_data_dir(tmp_path / "new", has_token=False) is None


def test_rescue_import_at_hq_and_a_fresh_enrollment_lose_nothing(
    offline: Offline, tmp_path: Path
) -> None:
    server = offline.hq
    with damaged(offline, tmp_path, DAMAGES[0]) as (folder, store):
        before = sha(store)
        rescue = tmp_path / "rescue.json"

        done = fieldapp(folder, "rescue", "--out", str(rescue))
        assert done.returncode == 0, done.stderr
        assert f"Saved {len(offline.outbox)} changes" in done.stdout
        content = json.loads(rescue.read_text(encoding="utf-8"))
        assert [m["mutation_id"] for m in content["mutations"]] == offline.outbox
        assert content["unreadable_entries"] == 0
        assert content["device_id"] and content["login"] == "zhang.wei"
        assert f"fault/{offline.fault_id}" in content["rows"]
        assert sha(store) == before
        assert hq_fault(server, offline.fault_id) is None

        done = fieldapp_hq(server, "import", "rescue", str(rescue))
        assert done.returncode == 0, done.stderr
        assert f"{len(offline.outbox)} changes applied, 0 refused" in done.stdout
        fault = hq_fault(server, offline.fault_id)
        assert fault is not None and fault.symptom == "主泵异响"
        events = hq_events(server, offline.world)
        with session_scope(server.db()) as session:
            job = session.get(Job, offline.world.job_id)
            assert job is not None and job.status == "on_site"

        again = fieldapp_hq(server, "import", "rescue", str(rescue))  # applied once only
        assert again.returncode == 0, again.stderr
        assert hq_events(server, offline.world) == events

        done = fieldapp(folder, "set-aside")
        assert done.returncode == 0, done.stderr
        kept = kept_aside(folder)
        assert len(kept) == 1 and sha(kept[0]) == before  # kept aside, unchanged
        assert not store.exists() and not (folder / "device_token").exists()

        code = server.code_for("zhang.wei")
        done = fieldapp(folder, "enroll", "--server", server.base, "--code", code)
        assert done.returncode == 0, done.stderr
        done = fieldapp(folder, "sync")
        assert done.returncode == 0, done.stderr
        fresh = Store.open(folder)
        try:
            with fresh.reader() as session:
                assert session.get(Fault, offline.fault_id) is not None  # the work is back
                job = session.get(Job, offline.world.job_id)
                assert job is not None and job.status == "on_site"
            assert fresh.pending_changes() == {}
        finally:
            fresh.close()


def test_a_damaged_outbox_is_rescued_as_far_as_it_reads(offline: Offline, tmp_path: Path) -> None:
    folder = copy_device(offline.data_dir, tmp_path / "outbox")
    store = folder / STORE_FILE
    with contextlib.closing(sqlite3.connect(store)) as connection:
        pages = [
            row[0]
            for row in connection.execute("SELECT pageno FROM dbstat WHERE name = 'outbox'")
        ]
        page = connection.execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(store.read_bytes())
    for number in pages:
        data[(number - 1) * page : number * page] = b"\xff" * page
    store.write_bytes(bytes(data))
    rescue = tmp_path / "rescue.json"

    done = fieldapp(folder, "rescue", "--out", str(rescue))

    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    content = json.loads(rescue.read_text(encoding="utf-8"))
    assert content["mutations"] == []
    assert content["device_id"]  # the identity still reads: support knows whose it was


# --- the app's window -------------------------------------------------------------------


def close_all(launcher: object) -> None:
    for window in (getattr(launcher, "window", None), getattr(launcher, "problem_window", None)):
        if window is not None:
            window.close()
            window.deleteLater()


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_the_app_shows_the_problem_screen_for_each_damage(
    qtbot: QtBot, offline: Offline, tmp_path: Path, language: str
) -> None:
    from ui.app import launch

    for damage in DAMAGES:
        with damaged(offline, tmp_path / language, damage) as (folder, untouched):
            before = sha(untouched)
            with contextlib.ExitStack() as stack:
                launcher = launch(folder, stack, language=language, auto_sync=False)
                try:
                    # (Garbage inside, after a clean shutdown, is found by the check in
                    # the back; every other damage before the window opens.)
                    shown = launcher
                    qtbot.waitUntil(lambda: shown.problem_window is not None, timeout=10_000)  # noqa: B023
                    assert launcher.window is None, damage.name  # no job list
                    window = launcher.problem_window
                    assert window is not None and window.isVisible()
                    page = window.page
                    assert page.problem.kind is damage.kind
                    assert str(page.problem.path) in page.explanation.text()
                    folder_problem = damage.folder != ""
                    assert page.check_button.isVisibleTo(page) is folder_problem
                    assert page.start_button.isVisibleTo(page) is not folder_problem
                    assert page.save_button.isVisibleTo(page) is page.problem.rescuable
                    for button in (page.save_button, page.start_button, page.quit_button):
                        if button.isVisibleTo(page):
                            assert button.height() >= 48 and button.width() >= 48
                finally:
                    close_all(launcher)
            assert sha(untouched) == before, damage.name


def test_in_the_app_starting_again_saves_the_work_and_keeps_the_file(
    qtbot: QtBot, offline: Offline, tmp_path: Path
) -> None:
    from ui.app import launch
    from ui.common.tasks import tasks

    with damaged(offline, tmp_path, DAMAGES[0]) as (folder, store):
        before = sha(store)
        with contextlib.ExitStack() as stack:
            launcher = launch(folder, stack, language="en", auto_sync=False)
            try:
                qtbot.waitUntil(lambda: launcher.problem_window is not None, timeout=10_000)
                window = launcher.problem_window
                assert window is not None
                tap(qtbot, button_named(window, "start_again"))
                qtbot.waitUntil(lambda: launcher.window is not None, timeout=10_000)
                main = launcher.window
                assert main is not None
                qtbot.waitExposed(main)
                assert getattr(main, "enroll_page", None) is not None  # enroll afresh
            finally:
                tasks().wait(10_000)
                close_all(launcher)
        kept = kept_aside(folder)
        assert len(kept) == 1 and sha(kept[0]) == before
        rescues = list(folder.glob("fieldapp-rescue-*.json"))
        assert len(rescues) == 1
        content = json.loads(rescues[0].read_text(encoding="utf-8"))
        assert [m["mutation_id"] for m in content["mutations"]] == offline.outbox
        assert not (folder / "device_token").exists()
        assert not (folder / OPEN_MARKER).exists()  # closed cleanly


def test_after_a_clean_shutdown_the_full_check_runs_in_the_back_before_any_sync(
    qtbot: QtBot, offline: Offline, tmp_path: Path
) -> None:
    from ui.app import launch
    from ui.common.tasks import tasks

    with damaged(offline, tmp_path, DAMAGES[0]) as (folder, store):
        before = sha(store)
        with contextlib.ExitStack() as stack:
            # The cheap checks pass (header, size, revision): the window opens at once...
            launcher = launch(folder, stack, language="en", auto_sync=True)
            try:
                assert launcher.auto_sync is False  # ...with no sync until the check ends
                qtbot.waitUntil(lambda: launcher.problem_window is not None, timeout=10_000)
                assert launcher.window is None
                assert launcher.problem_window.page.problem.kind is ProblemKind.DAMAGED
            finally:
                tasks().wait(10_000)
                close_all(launcher)
        assert sha(store) == before
    assert hq_fault(offline.hq, offline.fault_id) is None


def test_after_a_crash_the_full_check_runs_before_the_window(
    qtbot: QtBot, offline: Offline, tmp_path: Path
) -> None:
    from ui.app import launch

    with damaged(offline, tmp_path, DAMAGES[0]) as (folder, _store):
        (folder / OPEN_MARKER).write_text("1234", encoding="utf-8")  # left by a crash
        with contextlib.ExitStack() as stack:
            launcher = launch(folder, stack, language="en", auto_sync=False)
            try:
                assert launcher.window is None and launcher.problem_window is not None
            finally:
                close_all(launcher)
