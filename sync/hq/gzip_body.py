"""Accept request bodies sent with ``Content-Encoding: gzip`` (the client compresses
large pushes); refuse bodies that are not gzip or inflate past a limit."""

from __future__ import annotations

import json
import zlib
from typing import Any

MAX_INFLATED = 64 * 1024 * 1024

Scope = dict[str, Any]


class GzipRequestMiddleware:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        headers = dict(scope.get("headers") or []) if scope["type"] == "http" else {}
        if headers.get(b"content-encoding", b"").lower() != b"gzip":
            await self.app(scope, receive, send)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            body.extend(message.get("body", b""))
            more = message.get("more_body", False)
        try:
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            plain = inflater.decompress(bytes(body), MAX_INFLATED + 1)
            if len(plain) > MAX_INFLATED or inflater.unconsumed_tail:
                await _refuse(send, 413, "too_large", "The request is too large.")
                return
        except zlib.error:
            await _refuse(send, 400, "bad_gzip", "The request body is not valid gzip.")
            return
        rewritten = [
            (k, v) for k, v in scope["headers"] if k not in (b"content-encoding", b"content-length")
        ]
        rewritten.append((b"content-length", str(len(plain)).encode()))
        sent = False

        async def replay() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": plain, "more_body": False}

        await self.app(dict(scope, headers=rewritten), replay, send)


async def _refuse(send: Any, status: int, code: str, message: str) -> None:
    payload = json.dumps({"code": code, "message": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
