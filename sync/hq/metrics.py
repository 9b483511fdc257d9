"""Prometheus metrics of HQ (``GET /metrics``): request latency by operation, mutations
applied and rejected, conflicts, rows pulled.

With several worker processes every worker writes its figures to files in
``PROMETHEUS_MULTIPROC_DIR`` (set by ``fieldapp-hq serve`` before the workers start:
prometheus-client reads it when it is imported) and ``/metrics`` adds them up, so a
scrape that lands on any worker sees the whole node.
"""

from __future__ import annotations

import os
import time

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"  # set by sync/hq/serve.py before any import
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUEST_SECONDS = Histogram(
    "fieldapp_hq_request_seconds",
    "Time to answer a request, by operation (the route) and method.",
    ["operation", "method"],
    buckets=LATENCY_BUCKETS,
)
REQUESTS = Counter(
    "fieldapp_hq_requests",
    "Requests answered, by operation and status class.",
    ["operation", "status"],
)
MUTATIONS = Counter(
    "fieldapp_hq_mutations",
    "Pushed mutations, by result (applied, rejected) and rejection code.",
    ["result", "code"],
)
CONFLICTS = Counter("fieldapp_hq_conflicts", "Fields decided by the precedence table.")
PULL_ROWS = Counter("fieldapp_hq_pull_rows", "Rows sent in pull answers.")
REUPLOADED = Counter(
    "fieldapp_hq_reupload_rows",
    "Rows devices uploaded again after a restore, by what HQ did with them.",
    ["outcome"],
)


def count_push(results: list[object]) -> None:
    """Count a push's results (sync.protocol.MutationResult)."""
    for result in results:
        status = getattr(result, "status", "")
        MUTATIONS.labels(status, getattr(result, "code", "") or "").inc()
        conflicts = getattr(result, "conflicts", None) or []
        if conflicts:
            CONFLICTS.inc(len(conflicts))


def count_pull(rows: int) -> None:
    PULL_ROWS.inc(rows)


def exposition() -> tuple[bytes, str]:
    """The metrics text; all workers' figures when several run."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


class MetricsMiddleware:
    """Times every HTTP request by its route template (``/api/v1/sync/blobs/{sha256}``,
    never the concrete path: the label set stays small)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = scope.get("route")
            operation = getattr(route, "path", None) or "unmatched"
            if operation != "/metrics":
                REQUEST_SECONDS.labels(operation, scope.get("method", "")).observe(
                    time.perf_counter() - started
                )
                REQUESTS.labels(operation, f"{status // 100}xx").inc()
