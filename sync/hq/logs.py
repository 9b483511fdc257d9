"""HQ's logs: one JSON object per line on standard error (for a log collector), each
naming the request it belongs to.

Every request gets an id: the caller's ``X-Request-Id`` if it sent a sane one, else a new
one. It is answered in ``X-Request-Id`` and set on every log line written while the
request runs (a context variable: threads of the thread pool inherit it), so a device's
failed sync can be found in HQ's log by the id in its answer.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-Id"
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
access_log = logging.getLogger("fieldapp.hq.access")
SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# Attributes every LogRecord has: the rest were passed in ``extra`` and go in the line.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None) or request_id.get()
        if rid:
            line["request_id"] = rid
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in line:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_logging(log_format: str = "json", level: str = "INFO") -> None:
    """Log to standard error, as JSON lines or as text; replaces earlier handlers of ours."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_fieldapp_hq", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._fieldapp_hq = True  # type: ignore[attr-defined]
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Alembic's context lines on every /ready probe say nothing an operator needs.
    logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)


class RequestIdMiddleware:
    """Pure ASGI (no buffering of streamed bodies): sets the request id, answers it, and
    writes one access line per request with its status and duration."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        rid = given if SANE_ID.match(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", rid.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = scope.get("route")
            access_log.info(
                "%s %s %d",
                scope.get("method"),
                scope.get("path"),
                status,
                extra={
                    "method": scope.get("method"),
                    "path": scope.get("path"),
                    "route": getattr(route, "path", None),
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            request_id.reset(token)
