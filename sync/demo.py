"""The demo on an embedded default: a local HQ on loopback with the demo data, the demo
engineer's device enrolled and synced. ``fieldapp demo`` runs it."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from sqlmodel import select

from fieldapp.demo import DemoAlreadyLoadedError, load_demo
from fieldapp.demo_company import demo_logo_png, demo_signature_png
from fieldapp.models import User
from fieldapp.paths import DEMO_ENGINEER
from fieldapp.store import Store
from sync.client import SERVER, SyncClient, SyncReport, enroll
from sync.hq.app import create_app
from sync.hq.company import store_blob
from sync.hq.db import make_hq_engine, migrate_hq, session_scope
from sync.hq.mail import MailConfigError, Mailer, MailSettings
from sync.hq.service import issue_enrollment

log = logging.getLogger(__name__)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare_hq(folder: Path) -> str:
    """HQ's demo database (made once); returns its URL."""
    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{folder / 'hq.sqlite'}"
    engine = make_hq_engine(url)
    try:
        migrate_hq(engine)
        try:
            with session_scope(engine) as session:
                load_demo(session)
                store_blob(session, demo_logo_png())  # the letterhead's logo
                store_blob(session, demo_signature_png())  # on the demo's signed reports
        except DemoAlreadyLoadedError:
            pass
    finally:
        engine.dispose()
    return url


@contextmanager
def local_hq(url: str) -> Iterator[str]:
    """HQ served on a free loopback port in a background thread, for the block."""
    engine = make_hq_engine(url)
    port = free_port()
    try:
        settings = MailSettings.from_env()  # report e-mails, if this machine has SMTP
    except MailConfigError as error:
        log.warning("The demo HQ sends no report e-mails: %s", error)
        settings = None
    mailer = Mailer(engine, settings, verify_base=f"http://127.0.0.1:{port}")
    server = uvicorn.Server(
        uvicorn.Config(create_app(engine, mailer), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="demo-hq", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("The demo HQ did not start.")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        engine.dispose()


def enroll_demo_device(
    url: str, base: str, store: Store, device_dir: Path, login: str = DEMO_ENGINEER
) -> None:
    """Enroll the demo device of ``login`` once; later runs only follow HQ's new port."""
    if store.get_setting(SERVER):
        store.set_setting(SERVER, base)  # the demo HQ gets a new port each run
        return
    engine = make_hq_engine(url)
    try:
        with session_scope(engine) as session:
            user = session.exec(select(User).where(User.login == login)).one()
            code, _ = issue_enrollment(session, user)
    finally:
        engine.dispose()
    enroll(store, device_dir, base, code, device_name="demo-device", platform="demo")


def run_demo(
    folder: Path, store: Store, device_dir: Path, login: str = DEMO_ENGINEER
) -> SyncReport:
    """Start the local HQ, enroll the demo device of ``login`` once, and sync it."""
    url = prepare_hq(folder / "hq")
    with local_hq(url) as base:
        enroll_demo_device(url, base, store, device_dir, login)
        client = SyncClient(store, device_dir)
        try:
            return client.sync()
        finally:
            client.close()
