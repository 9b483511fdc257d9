"""``fieldapp-hq serve``: HQ's server in its production shape.

Settings come from the command line, ``FIELDAPP_HQ_*`` and the settings file
(sync/hq/settings.py). With ``--workers N`` uvicorn runs N processes; each builds its
app from the environment (:func:`app_from_env`), holds nothing another one needs (the
database holds all state: rate limits, idempotency, number blocks), and writes its
metrics where ``/metrics`` of any of them adds them up. The mailer, the daily
integrity check and the snapshot builder run once, in the supervising process.
``--certfile``/``--keyfile`` serve HTTPS.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sync.hq.settings import HQSettings, export_to_env, load_settings

log = logging.getLogger(__name__)
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def add_options(serve: argparse.ArgumentParser) -> None:
    serve.add_argument("--host", default=None, help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (8765)")
    serve.add_argument("--workers", type=int, default=None, help="server processes (1)")
    serve.add_argument("--certfile", type=Path, default=None, help="TLS certificate (PEM)")
    serve.add_argument("--keyfile", type=Path, default=None, help="TLS private key (PEM)")
    serve.add_argument("--blob-dir", type=Path, default=None, help="attachments on this path")
    serve.add_argument("--config", type=Path, default=None, help="settings file (TOML)")


def settings_from_args(db_url: str, args: argparse.Namespace) -> HQSettings:
    return load_settings(
        args.config,
        db=db_url,
        host=args.host,
        port=args.port,
        workers=args.workers,
        certfile=args.certfile,
        keyfile=args.keyfile,
        blob_dir=args.blob_dir,
    )


def _prepare_metrics(settings: HQSettings) -> Path | None:
    """Several processes: their metrics go to files in one folder, emptied first (the
    figures of an earlier run are not this run's)."""
    if settings.workers == 1 and settings.metrics_dir is None:
        return None
    folder = settings.metrics_dir or Path(tempfile.mkdtemp(prefix="fieldapp-hq-metrics-"))
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    os.environ[MULTIPROC_ENV] = str(folder)
    return folder


def app_from_env() -> Any:
    """The app of one worker process, from the environment ``serve`` exported."""
    from sync.hq.app import create_app
    from sync.hq.db import make_hq_engine
    from sync.hq.logs import configure_logging

    settings = HQSettings()
    configure_logging(settings.log_format, settings.log_level)
    if not settings.db:
        raise RuntimeError("FIELDAPP_HQ_DB is not set.")
    return create_app(make_hq_engine(settings.db))


def run(engine: Any, db_url: str, args: argparse.Namespace) -> int:
    import uvicorn

    from sync.hq.logs import configure_logging
    from sync.hq.mail import MailConfigError, Mailer, MailSettings

    try:
        settings = settings_from_args(db_url, args)
        mail = MailSettings.from_env()
    except (ValidationError, MailConfigError, FileNotFoundError, ValueError) as error:
        sys.stderr.write(f"fieldapp-hq: {error}\n")
        return 1
    configure_logging(settings.log_format, settings.log_level)
    if settings.blob_dir is not None:
        settings.blob_dir.mkdir(parents=True, exist_ok=True)
    export_to_env(settings)  # the workers (and the blob store) read the same settings
    metrics_dir = _prepare_metrics(settings)
    scheme = "https" if settings.https else "http"
    verify_base = settings.url or f"{scheme}://{settings.host}:{settings.port}"
    mailer = Mailer(engine, mail, verify_base=verify_base, poll_seconds=settings.mail_poll_seconds)
    from sync.hq.integrity import Rechecker

    rechecker = Rechecker.from_env(engine)  # rows changed behind HQ's back, daily
    from sync.hq.snapshots import SnapshotKeeper

    # The snapshot new devices download, rebuilt after the catalogue or org changes.
    keeper = SnapshotKeeper(engine, settings.snapshot_seconds, min_rows=settings.snapshot_min_rows)
    tls: dict[str, Any] = {}
    if settings.https:
        tls = {"ssl_certfile": str(settings.certfile), "ssl_keyfile": str(settings.keyfile)}
    common: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": "warning",
        "timeout_graceful_shutdown": 5,
        "access_log": False,  # HQ writes its own access lines, with the request id
        **tls,
    }
    log.info(
        "HQ serving on %s://%s:%d with %d worker(s)",
        scheme,
        settings.host,
        settings.port,
        settings.workers,
    )
    rechecker.start()
    keeper.start()
    try:
        if settings.workers == 1:
            from sync.hq.app import create_app

            uvicorn.run(create_app(engine, mailer), **common)
        else:
            # In this process; workers' pushes reach it at its next poll (mail_poll_seconds).
            mailer.start()
            try:
                uvicorn.run(
                    "sync.hq.serve:app_from_env",
                    factory=True,
                    workers=settings.workers,
                    **common,
                )
            finally:
                mailer.stop()
    finally:
        keeper.stop()
        rechecker.stop()
        if metrics_dir is not None and settings.metrics_dir is None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0
