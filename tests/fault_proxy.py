"""A TCP proxy between a client and HQ that injects faults: dropped connections,
delays, truncated answers, resets in the middle of an answer, and 502/503 answers."""

from __future__ import annotations

import contextlib
import random
import socket
import struct
import threading
import time
from dataclasses import dataclass, field

FAULTS = ("pass", "drop", "delay", "truncate", "reset", "bad_gateway", "unavailable")


@dataclass
class FaultProxy:
    target_port: int
    seed: int = 0
    fault_rate: float = 0.5
    port: int = 0
    enabled: bool = True
    seen: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FAULTS, 0))
    _rng: random.Random = field(init=False)
    _server: socket.socket = field(init=False)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._server = socket.socket()
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(32)
        self._server.settimeout(0.2)
        self.port = self._server.getsockname()[1]
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self._threads.append(thread)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(5)
        self._server.close()

    def _choose(self) -> str:
        if not self.enabled or self._rng.random() >= self.fault_rate:
            return "pass"
        return self._rng.choice(FAULTS[1:])

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            fault = self._choose()
            self.seen[fault] += 1
            thread = threading.Thread(target=self._handle, args=(client, fault), daemon=True)
            thread.start()

    def _handle(self, client: socket.socket, fault: str) -> None:
        try:
            if fault == "drop":
                client.close()
                return
            if fault in {"bad_gateway", "unavailable"}:
                self._read_request(client)
                status = "502 Bad Gateway" if fault == "bad_gateway" else "503 Service Unavailable"
                client.sendall(
                    f"HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode()
                )
                client.close()
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=30)
            request = self._read_request(client)
            if fault == "delay":
                time.sleep(self._rng.uniform(0.05, 0.5))
            upstream.sendall(request)
            self._relay_answer(upstream, client, fault)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                client.close()

    @staticmethod
    def _read_request(client: socket.socket) -> bytes:
        """One HTTP request (headers and a Content-Length body); forces one request per
        connection by asking the server to close."""
        client.settimeout(30)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = client.recv(65536)
            if not chunk:
                return data
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(body) < length:
            chunk = client.recv(65536)
            if not chunk:
                break
            body += chunk
        lines = [
            line for line in head.split(b"\r\n") if not line.lower().startswith(b"connection:")
        ]
        return b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n" + body

    def _relay_answer(self, upstream: socket.socket, client: socket.socket, fault: str) -> None:
        answer = b""
        while True:
            chunk = upstream.recv(65536)
            if not chunk:
                break
            answer += chunk
        upstream.close()
        if fault == "truncate" and len(answer) > 20:
            client.sendall(answer[: self._rng.randrange(10, len(answer) - 5)])
            return
        if fault == "reset" and len(answer) > 20:
            client.sendall(answer[: len(answer) // 2])
            # SO_LINGER 0: close with a RST instead of a FIN.
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return
        client.sendall(answer)
