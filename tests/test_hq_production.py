"""HQ in its production shape: health and readiness, Prometheus metrics, JSON logs with
a request id, HTTPS with several workers, blobs on a storage path, settings."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import text

from fieldapp.blobs import BlobStore
from fieldapp.models import Attachment
from fieldapp.store import Store
from sync import protocol as p
from sync.client import enroll
from sync.demo import free_port
from sync.hq import blobstore
from sync.hq.settings import CONFIG_ENV, HQSettings, load_settings
from sync.preconfig import parse_enrollment_payload
from tests.factories import World
from tests.sync_support import HQ, PG_ENV, DeviceUnderTest, enroll_device, picture, serving_hq

HQWorld = tuple[HQ, World]


def metric(base: str, name: str, **labels: str) -> float:
    """One sample's value from HQ's /metrics (0 when absent)."""
    body = requests.get(f"{base}/metrics", timeout=10, verify=False).text
    total = 0.0
    for line in body.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        head, _, value = line.rpartition(" ")
        series, _, label_text = head.partition("{")
        if series != name:
            continue
        if all(f'{k}="{v}"' in label_text for k, v in labels.items()):
            total += float(value)
    return total


def test_health_ready_metrics_and_logs(hq: HQWorld, tmp_path: Path) -> None:
    server, world = hq
    assert requests.get(f"{server.base}/health", timeout=5).json() == {"status": "ok"}
    ready = requests.get(f"{server.base}/ready", timeout=5)
    assert ready.status_code == 200
    assert ready.json()["migrations"] == "current"

    applied = metric(server.base, "fieldapp_hq_mutations_total", result="applied")
    pulled = metric(server.base, "fieldapp_hq_pull_rows_total")
    device = enroll_device(server, "zhang.wei", tmp_path / "zw")
    device.sync()
    photo = BlobStore(device.data_dir / "blobs").put(picture("the cracked boom"))
    with device.store.action() as session:
        session.add(Attachment(sha256=photo, kind="photo", job_id=world.job_id, size=40))
    report = device.sync()
    assert report.pushed == 1
    assert metric(server.base, "fieldapp_hq_mutations_total", result="applied") == applied + 1
    assert metric(server.base, "fieldapp_hq_pull_rows_total") > pulled
    assert (
        metric(
            server.base,
            "fieldapp_hq_request_seconds_count",
            operation="/api/v1/sync/push",
            method="POST",
        )
        >= 1
    )
    # The operation label is the route, never the concrete path (few label values).
    with server.db().connect() as connection:  # every number handed out for good
        assert connection.execute(text("SELECT count(*) FROM hq_row WHERE seq < 0")).scalar() == 0
        assert connection.execute(text("SELECT min(last_seq) FROM hq_bucket")).scalar() >= 0
    body = requests.get(f"{server.base}/metrics", timeout=5).text
    assert 'operation="/api/v1/sync/blobs/{sha256}"' in body
    assert photo not in body


def test_ready_is_503_while_migrations_are_not_current(hq: HQWorld) -> None:
    server, _ = hq
    with server.db().begin() as connection:
        connection.execute(
            text("UPDATE alembic_version SET version_num = 'hq0006' WHERE version_num = 'hq0007'")
        )
    answer = requests.get(f"{server.base}/ready", timeout=5)
    assert answer.status_code == 503
    assert answer.json()["migrations"] == "not current"
    assert "hq0007" in answer.json()["expected"]
    assert requests.get(f"{server.base}/health", timeout=5).status_code == 200  # alive
    with server.db().begin() as connection:
        connection.execute(
            text("UPDATE alembic_version SET version_num = 'hq0007' WHERE version_num = 'hq0006'")
        )
    assert requests.get(f"{server.base}/ready", timeout=5).status_code == 200


def test_json_log_lines_name_the_request(hq: HQWorld, tmp_path: Path) -> None:
    server, _ = hq
    answer = requests.get(
        f"{server.base}/api/v1/health", headers={"X-Request-Id": "probe-0123456789"}, timeout=5
    )
    assert answer.headers["X-Request-Id"] == "probe-0123456789"
    own = requests.get(f"{server.base}/api/v1/health", timeout=5).headers["X-Request-Id"]
    assert len(own) == 32 and own != "probe-0123456789"
    bad = requests.get(f"{server.base}/health", headers={"X-Request-Id": "x\tinjected"}, timeout=5)
    assert bad.headers["X-Request-Id"] != "x\tinjected"  # never echoed as given
    lines = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        lines = [
            json.loads(line)
            for line in (tmp_path / "hq-serve.log").read_text().splitlines()
            if line.startswith("{")
        ]
        if any(line.get("request_id") == own for line in lines):
            break
        time.sleep(0.1)
    access = [line for line in lines if line.get("request_id") == "probe-0123456789"]
    assert access and access[-1]["logger"] == "fieldapp.hq.access"
    assert access[-1]["status"] == 200 and access[-1]["route"] == "/api/v1/health"
    assert isinstance(access[-1]["duration_ms"], float)
    assert any(line.get("request_id") == own for line in lines)


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    from ipaddress import ip_address

    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ip_address("127.0.0.1"))]), False
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "hq.crt", folder / "hq.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def test_https_with_two_workers_serves_a_device(tmp_path: Path) -> None:
    """HTTPS from settings in a TOML file, two worker processes sharing their metrics, a
    device pinned to HQ's self-signed certificate by its enrollment QR code."""
    from tests.conftest import seed_world

    cert, key = self_signed(tmp_path)
    port = free_port()
    config = tmp_path / "hq.toml"
    config.write_text(
        f'certfile = "{cert}"\nkeyfile = "{key}"\nworkers = 2\nport = {port}\n'
        f'blob_dir = "{tmp_path / "blobs"}"\n',
        encoding="utf-8",
    )
    with serving_hq("sqlite", tmp_path, seed_world) as (server, world):
        server.stop()  # the plain-HTTP one of the fixture; this one speaks HTTPS
        env = dict(os.environ, **{CONFIG_ENV: str(config)})
        log = (tmp_path / "https.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "sync.hq.cli", "--db", server.url, "serve"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"https://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 40
            while True:
                try:
                    if requests.get(f"{base}/ready", verify=str(cert), timeout=2).ok:
                        break
                except requests.RequestException:
                    pass
                assert process.poll() is None, (tmp_path / "https.log").read_text()
                assert time.monotonic() < deadline, "HQ did not start over HTTPS"
                time.sleep(0.2)
            with pytest.raises(requests.exceptions.ConnectionError):
                requests.get(f"http://127.0.0.1:{port}/health", timeout=2)  # no plain HTTP
            # The QR code of `fieldapp-hq enroll` carries the certificate's fingerprint:
            # the device trusts this self-signed HQ, and only it, without any CA.
            command = [sys.executable, "-m", "sync.hq.cli", "--db", server.url, "enroll"]
            issued = subprocess.run(
                [*command, "zhang.wei", "--server", base, "--certfile", str(cert), "--json"],
                capture_output=True,
                text=True,
                check=True,
            )
            qr = parse_enrollment_payload(json.loads(issued.stdout)["payload"])
            der = ssl.PEM_cert_to_DER_cert(cert.read_text())
            assert qr.fingerprint == hashlib.sha256(der).hexdigest()
            data_dir = tmp_path / "zw"
            store = Store.open(data_dir)
            enroll(store, data_dir, qr.server, qr.code, fingerprint=qr.fingerprint)
            device = DeviceUnderTest(data_dir, store, "zhang.wei")
            device.sync()
            photo = BlobStore(data_dir / "blobs").put(picture("the leaking hose"))
            with store.action() as session:
                session.add(Attachment(sha256=photo, kind="photo", job_id=world.job_id, size=40))
            assert device.sync().blobs_up == 1
            store.close()
            # The photo is a file on the storage path, not in the database.
            stored = tmp_path / "blobs" / photo[:2] / photo[2:4] / photo
            assert hashlib.sha256(stored.read_bytes()).hexdigest() == photo
            with server.db().connect() as connection:
                size, data = connection.execute(
                    text("SELECT size, data FROM hq_blob WHERE sha256 = :s"), {"s": photo}
                ).one()
            assert size == stored.stat().st_size and bytes(data) == b""
            # Many requests land on both workers; /metrics of either adds both up.
            for _ in range(30):
                requests.get(f"{base}/api/v1/health", verify=str(cert), timeout=5)
            total = 0.0
            body = requests.get(f"{base}/metrics", verify=str(cert), timeout=5).text
            for line in body.splitlines():
                if line.startswith("fieldapp_hq_request_seconds_count{") and (
                    'operation="/api/v1/health"' in line
                ):
                    total += float(line.rpartition(" ")[2])
            assert total >= 30
        finally:
            process.terminate()
            process.wait(20)
            log.close()


def test_blobs_on_a_storage_path_are_fsynced_and_read_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[int] = []
    real_fsync = os.fsync

    def fsync(descriptor: int) -> None:
        synced.append(descriptor)
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setenv(blobstore.BLOB_DIR_ENV, str(tmp_path / "store"))
    files = blobstore.configured()
    assert files is not None
    data = picture("a worn bucket tooth")
    sha = hashlib.sha256(data).hexdigest()
    files.put(sha, data)
    assert len(synced) == 2  # the file, then its folder (the rename)
    assert files.get(sha) == data
    assert not list(files.path(sha).parent.glob(".part-*"))  # no temporary left behind
    files.put(sha, data)
    assert len(synced) == 2  # the same content is not written again
    files.path(sha).write_bytes(b"bit rot")
    assert files.get(sha) is None  # a damaged file is never served
    blob = blobstore.Blob(sha256=sha, size=len(data), data=b"", created_at=dt.datetime.now())
    with pytest.raises(blobstore.BlobMissing):
        blobstore.read(blob)
    monkeypatch.delenv(blobstore.BLOB_DIR_ENV)
    assert (
        blobstore.read(blobstore.Blob(sha256=sha, size=2, data=b"ab", created_at=blob.created_at))
        == b"ab"
    )


def test_settings_from_env_file_and_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "hq.toml"
    config.write_text('port = 9000\nworkers = 4\nhost = "0.0.0.0"\nlog_format = "text"\n')
    monkeypatch.setenv(CONFIG_ENV, str(config))
    monkeypatch.setenv("FIELDAPP_HQ_WORKERS", "6")  # the environment beats the file
    settings = load_settings(port=9100)  # an option beats both
    assert (settings.port, settings.workers, settings.host) == (9100, 6, "0.0.0.0")
    assert settings.log_format == "text" and not settings.https
    assert (settings.mail_poll_seconds, settings.snapshot_seconds) == (10.0, 30.0)
    monkeypatch.setenv("FIELDAPP_HQ_MAIL_POLL_SECONDS", "2.5")
    monkeypatch.setenv("FIELDAPP_HQ_SNAPSHOT_MIN_ROWS", "500")
    again = load_settings()
    assert (again.mail_poll_seconds, again.snapshot_min_rows) == (2.5, 500)
    monkeypatch.setenv("FIELDAPP_HQ_CERTFILE", str(tmp_path / "only.crt"))
    with pytest.raises(ValueError, match="both certfile and keyfile"):
        HQSettings()
    monkeypatch.delenv("FIELDAPP_HQ_CERTFILE")
    monkeypatch.setenv("FIELDAPP_HQ_WORKERS", "0")
    with pytest.raises(ValueError, match="workers"):
        HQSettings()
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "missing.toml"))
    with pytest.raises(FileNotFoundError):
        load_settings()


@pytest.mark.skipif(not os.environ.get(PG_ENV), reason=f"the load bench needs {PG_ENV}")
def test_the_short_load_bench_runs_without_errors(tmp_path: Path) -> None:
    """The CI form of bench/bench_hq_load.py: devices at once on PostgreSQL, 2 workers."""
    figures = tmp_path / "load.json"
    run = subprocess.run(
        [sys.executable, "bench/bench_hq_load.py", "--short", "--json", str(figures)],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    results = json.loads(figures.read_text())
    assert results["errors"] == 0
    operations = results["operations"]
    assert operations["first_sync"]["count"] == results["devices"]
    assert operations["incremental_sync"]["count"] >= results["devices"]
    assert operations["blob_put"]["count"] > 0 and operations["pull"]["p95_ms"] > 0
    assert "incremental syncs:" in run.stdout


def test_no_free_database_connection_is_a_503_to_retry(tmp_path: Path) -> None:
    """Under a load beyond the node, a request that waits past the pool's timeout for a
    database connection gets 503 with Retry-After (the app's retries take it), not 500."""
    import threading

    import uvicorn
    from sqlalchemy import create_engine
    from sqlalchemy.pool import QueuePool

    from sync.hq.app import create_app
    from sync.hq.db import migrate_hq

    url = f"sqlite:///{tmp_path / 'hq.sqlite'}"
    setup = create_engine(url)
    migrate_hq(setup)
    setup.dispose()
    engine = create_engine(url, poolclass=QueuePool, pool_size=1, max_overflow=0, pool_timeout=0.2)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(engine), port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    headers = {"Authorization": "Bearer x", p.PROTOCOL_HEADER: str(p.PROTOCOL_VERSION)}
    address = f"http://127.0.0.1:{port}/api/v1/sync/snapshot"
    try:
        held = engine.connect()  # the only connection, busy
        try:
            answer = requests.get(address, headers=headers, timeout=10)
        finally:
            held.close()
        assert answer.status_code == 503
        assert answer.json()["code"] == "busy" and answer.headers["Retry-After"] == "2"
        free = requests.get(address, headers=headers, timeout=10)
        assert free.status_code == 401  # with a connection, the unknown token is refused
    finally:
        server.should_exit = True
        thread.join(10)
        engine.dispose()
