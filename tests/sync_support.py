"""A real HQ (uvicorn in a subprocess on a free loopback port) and real devices."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import Engine, create_engine, text
from sqlmodel import select

from fieldapp.models import SYNCED_TABLES, User
from fieldapp.store import Store
from sync import protocol as p
from sync.client import SyncClient, SyncReport, enroll
from sync.demo import free_port
from sync.hq.db import make_hq_engine, migrate_hq, session_scope
from sync.hq.service import issue_enrollment

PG_ENV = "FIELDAPP_TEST_PG_URL"


@contextmanager
def database(kind: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty HQ database URL of ``kind`` ("sqlite" or "postgresql")."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'hq.sqlite'}"
        return
    admin_url = os.environ[PG_ENV]
    name = f"fieldapp_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, _ = admin_url.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@dataclass
class HQ:
    url: str  # database URL
    tmp: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    engine: Engine | None = None
    env: dict[str, str] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def db(self) -> Engine:
        if self.engine is None:
            self.engine = make_hq_engine(self.url)
        return self.engine

    def start(self, fault: str | None = None) -> None:
        env = dict(os.environ, **self.env)
        env.pop("FIELDAPP_FAULT", None)
        if fault:
            env["FIELDAPP_FAULT"] = fault
        log = (self.tmp / "hq-serve.log").open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sync.hq.cli",
                "--db",
                self.url,
                "serve",
                "--port",
                str(self.port),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"HQ exited: {(self.tmp / 'hq-serve.log').read_text()}")
            try:
                if requests.get(f"{self.base}/api/v1/health", timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError("HQ did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self, fault: str | None = None) -> None:
        self.stop()
        self.start(fault)

    def wait_dead(self, timeout: float = 20) -> None:
        assert self.process is not None
        self.process.wait(timeout)

    def code_for(self, login: str) -> str:
        with session_scope(self.db()) as session:
            user = session.exec(select(User).where(User.login == login)).one()
            code, _ = issue_enrollment(session, user)
        return code

    def close(self) -> None:
        self.stop()
        if self.engine is not None:
            self.engine.dispose()


@dataclass
class DeviceUnderTest:
    data_dir: Path
    store: Store
    login: str

    def client(self, **kwargs: Any) -> SyncClient:
        return SyncClient(self.store, self.data_dir, **kwargs)

    def sync(self, full_verify: bool | None = None, **kwargs: Any) -> SyncReport:
        client = self.client(**kwargs)
        try:
            return client.sync(full_verify=full_verify)
        finally:
            client.close()

    def run_cli(
        self, *args: str, fault: str | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ)
        env.pop("FIELDAPP_FAULT", None)
        if fault:
            env["FIELDAPP_FAULT"] = fault
        return subprocess.run(
            [sys.executable, "-m", "sync.device_cli", "--data-dir", str(self.data_dir), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def enroll_device(hq: HQ, login: str, data_dir: Path) -> DeviceUnderTest:
    store = Store.open(data_dir)
    enroll(store, data_dir, hq.base, hq.code_for(login), device_name=f"test-{login}")
    return DeviceUnderTest(data_dir, store, login)


def prepare(hq: HQ, seed: Any) -> None:
    migrate_hq(hq.db())
    with session_scope(hq.db()) as session:
        seed(session)


@contextmanager
def serving_hq(kind: str, tmp_path: Path, seed: Callable[[Any], Any]) -> Iterator[tuple[HQ, Any]]:
    """A real HQ on a free loopback port over a fresh ``kind`` database seeded by
    ``seed(session)``; yields HQ and what the seed returned."""
    with database(kind, tmp_path) as url:
        server = HQ(url=url, tmp=tmp_path)
        holder: dict[str, Any] = {}

        def run_seed(session: Any) -> None:
            holder["seeded"] = seed(session)

        prepare(server, run_seed)
        server.start()
        try:
            yield server, holder["seeded"]
        finally:
            server.close()


def table_dump(
    engine: Engine, tables: list[str] | None = None, skip: frozenset[str] = frozenset()
) -> dict[str, list[tuple[Any, ...]]]:
    """Every synced row's id, version and content, for comparing replicas."""
    names = tables or [m.__tablename__ for m in SYNCED_TABLES]  # type: ignore[attr-defined]
    dump: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as connection:
        for name in names:
            rows = connection.execute(text(f'SELECT * FROM "{name}" ORDER BY id')).mappings().all()
            dump[name] = [
                tuple((k, _norm(v)) for k, v in sorted(row.items()) if k not in skip)
                for row in rows
            ]
    return dump


DATETIME_TEXT = re.compile(r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d")


def _norm(value: Any) -> Any:
    """One spelling for values that SQLite and PostgreSQL hand back differently."""
    if isinstance(value, str) and DATETIME_TEXT.match(value):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def replica_rows(store: Store) -> dict[str, dict[str, int]]:
    """id -> version per table, for the rows a device holds."""
    result: dict[str, dict[str, int]] = {}
    with store.engine.connect() as connection:
        for model in SYNCED_TABLES:
            name = model.__tablename__  # type: ignore[attr-defined]
            rows = connection.execute(text(f'SELECT id, version FROM "{name}"')).all()
            result[name] = {row[0]: row[1] for row in rows}
    return result


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def push(
    device: DeviceUnderTest, *mutations: p.Mutation, batch_id: str = "test-batch-0001"
) -> list[dict[str, object]]:
    """Send mutations as they are (crafted ones too) and return HQ's results."""
    client = device.client()
    try:
        body = client.hq.post(
            f"{p.API}/sync/push",
            p.PushRequest(batch_id=batch_id, mutations=list(mutations)).model_dump(mode="json"),
        )
    finally:
        client.close()
    return body["results"]  # type: ignore[no-any-return]


def mutation(
    n: int, table: str, row_id: str, op: str, fields: dict[str, object], base: int = 1
) -> p.Mutation:
    return p.Mutation(
        mutation_id=f"e0000000-0000-0000-0000-{n:012d}",
        table=table,
        row_id=row_id,
        op=op,
        fields=fields,
        base_version=base,
    )  # type: ignore[arg-type]


def picture(label: str, kind: str = "PNG") -> bytes:
    """A small, real image (HQ stores only decodable images), different per ``label``."""
    import hashlib
    import io

    from PIL import Image

    colour = hashlib.sha256(label.encode()).digest()[:3]
    output = io.BytesIO()
    Image.new("RGB", (16, 12), tuple(colour)).save(output, kind)
    return output.getvalue()
