"""What every HQ app gets for running in production: ``/health`` (the process answers),
``/ready`` (the database answers and its schema is current: a load balancer sends no
traffic before), ``/metrics`` (Prometheus), request ids and JSON access lines, and HQ's
identity and restore generation on every answer (sync/hq/restore.py)."""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine, text

from sync.hq import metrics, restore
from sync.hq.db import hq_alembic_config
from sync.hq.logs import RequestIdMiddleware

log = logging.getLogger(__name__)


@cache
def expected_heads() -> frozenset[str]:
    """The schema revisions this HQ's code needs (read once per process), as the
    database records them: a head that another head depends on (the device schema's
    0008, which hq0007 needs) is not recorded on its own."""
    script = ScriptDirectory.from_config(hq_alembic_config(None))
    heads = set(script.get_heads())
    needed = {
        revision.revision
        for head in heads
        for revision in script.iterate_revisions(head, "base")
        if revision is not None and revision.revision != head
    }
    return frozenset(heads - needed)


def readiness(engine: Engine) -> tuple[bool, dict[str, Any]]:
    """(ready, details): the database answers, and its revisions are this code's."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = frozenset(MigrationContext.configure(connection).get_current_heads())
    except Exception as error:  # any failure to reach the database means "not ready"
        log.warning("Not ready: database unreachable (%s)", type(error).__name__)
        return False, {"database": "unreachable", "error": type(error).__name__}
    wanted = expected_heads()
    if current != wanted:
        return False, {
            "database": "ok",
            "migrations": "not current",
            "current": sorted(current),
            "expected": sorted(wanted),
        }
    return True, {"database": "ok", "migrations": "current"}


def install(app: FastAPI, engine: Engine) -> None:
    @app.get("/health", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}  # liveness only: no database, so a slow one restarts nothing

    @app.get("/ready", include_in_schema=False)
    async def ready() -> JSONResponse:
        ok, details = await run_in_threadpool(readiness, engine)
        return JSONResponse(status_code=200 if ok else 503, content={"ready": ok, **details})

    @app.get("/metrics", include_in_schema=False)
    def metrics_text() -> Response:
        body, content_type = metrics.exposition()
        return Response(content=body, media_type=content_type)

    restore.install(app, engine)
    # Outermost last: the request id is set before anything else runs or logs.
    app.add_middleware(metrics.MetricsMiddleware)
    app.add_middleware(RequestIdMiddleware)
