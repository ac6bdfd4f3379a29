"""A fault-injecting HTTP/1.1 server on 127.0.0.1 whose every byte is under the test's control.

Each request gets its own connection (`Connection: close`), so a scripted action applies to exactly
one request: accept, pop the next action, then reset / stall / answer. Behind the faults sits a tiny
stateful imitation of the purchases API (create, get, list with `filter[userId]`, update), so an SDK
that looks a purchase up after an ambiguous POST finds what the "server" did before it failed.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

# Actions. A script is a list of them, consumed one per accepted connection; when it runs out
# the server answers normally.
RST_ON_ACCEPT = "rst_on_accept"  # reset before reading a byte
RST_AFTER_REQUEST = "rst_after_request"  # read the whole request, do NOT act, reset
ACT_THEN_RST = "act_then_rst"  # read the request, apply it to the store, reset (ambiguous)
STALL = "stall"  # read the request, do not act, never answer (until the server stops)
ACT_THEN_STALL = "act_then_stall"  # apply it, then never answer
TRUNCATE = "truncate"  # read the request, do not act, promise 1000 bytes, send 10, close
OK = "ok"  # answer normally


@dataclass(frozen=True)
class Status:
    """Answer with this status without acting (e.g. 503, or 429 with Retry-After)."""

    code: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b'{"message": "injected"}'


@dataclass(frozen=True)
class Act:
    """Answer normally, but after `delay` seconds and with these extra / overriding headers."""

    delay: float = 0.0
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class Seen:
    """One request as the server received it: the raw target and the decoded pieces."""

    method: str
    target: str  # raw request-target exactly as sent, e.g. /api/v3/products/p/purchases/..%2Fx
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    action: str


@dataclass
class _Store:
    purchases: dict[str, dict[str, Any]] = field(default_factory=dict)
    creations: int = 0  # how many times a POST created a row: "a POST is never duplicated"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


def _reset(conn: socket.socket) -> None:
    # SO_LINGER with a zero timeout turns close() into an RST instead of a FIN.
    try:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    finally:
        conn.close()


def _read_request(conn: socket.socket) -> tuple[str, str, dict[str, str], bytes] | None:
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _version = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        rest += chunk
    return method, target, headers, rest[:length]


class FaultServer:
    """Threaded raw-socket server. `script` is a list of actions (str, Status or Act)."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(128)
        self._sock.settimeout(0.1)
        self.port: int = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.script: list[str | Status | Act] = []
        self.seen: list[Seen] = []
        self.connections = 0
        self.store = _Store()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.product_id = str(uuid.uuid4())
        self.purchase_id = self.add_purchase(str(uuid.uuid4()))["id"]

    # --- scripting -------------------------------------------------------------------------
    def add_purchase(self, user_id: str, *, revoked: bool = False) -> dict[str, Any]:
        now = _now()
        row = {
            "id": str(uuid.uuid4()),
            "userId": user_id,
            "productId": self.product_id,
            "revoked": revoked,
            "createdAt": now,
            "updatedAt": now,
        }
        self.store.purchases[row["id"]] = row
        return row

    def requests(self, method: str | None = None) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if method is None or s.method == method]

    def _next_action(self) -> str | Status | Act:
        with self._lock:
            self.connections += 1
            return self.script.pop(0) if self.script else OK

    # --- serving ---------------------------------------------------------------------------
    def start(self) -> FaultServer:
        t = threading.Thread(target=self._accept_loop, name="fault-server", daemon=True)
        t.start()
        self._threads.append(t)
        return self

    def stop(self) -> None:
        self._stop.set()
        for t in list(self._threads):
            t.join(timeout=5)
        self._sock.close()

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            t = threading.Thread(target=self._handle, args=(conn,), daemon=True)
            t.start()
            self._threads.append(t)

    def _handle(self, conn: socket.socket) -> None:
        action = self._next_action()
        if action == RST_ON_ACCEPT:
            _reset(conn)
            return
        conn.settimeout(5)
        try:
            req = _read_request(conn)
        except OSError:
            conn.close()
            return
        if req is None:
            conn.close()
            return
        method, target, headers, body = req
        split = urlsplit(target)
        seen = Seen(
            method=method,
            target=target,
            path=split.path,
            query=parse_qs(split.query, keep_blank_values=True),
            headers=headers,
            body=body,
            action=action if isinstance(action, str) else repr(action),
        )
        with self._lock:
            self.seen.append(seen)
        if action == RST_AFTER_REQUEST:
            _reset(conn)
            return
        if action == STALL:
            self._stall(conn)
            return
        if action == TRUNCATE:
            head = (
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
            )
            conn.sendall(head.encode() + b'{"data": {')
            conn.close()
            return
        if isinstance(action, Status):
            self._send(conn, action.code, action.body, dict(action.headers))
            return
        status, payload = self._act(seen)
        if isinstance(action, Act):
            time.sleep(action.delay)
            self._send(conn, status, json.dumps(payload).encode(), dict(action.headers))
            return
        if action == ACT_THEN_RST:
            _reset(conn)
            return
        if action == ACT_THEN_STALL:
            self._stall(conn)
            return
        self._send(conn, status, json.dumps(payload).encode())

    def _stall(self, conn: socket.socket) -> None:
        while not self._stop.wait(0.05):
            pass
        conn.close()

    @staticmethod
    def _send(
        conn: socket.socket, status: int, body: bytes, headers: dict[str, str] | None = None
    ) -> None:
        fields = {"X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "999", **(headers or {})}
        head = [f"HTTP/1.1 {status} X", "Content-Type: application/json"]
        head += [f"Content-Length: {len(body)}", "Connection: close"]
        head += [f"{k}: {v}" for k, v in fields.items()]
        try:
            conn.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        except OSError:
            pass
        finally:
            conn.close()

    # --- the tiny purchases API --------------------------------------------------------------
    def _act(self, seen: Seen) -> tuple[int, dict[str, Any]]:
        try:
            return self._apply(seen)
        except (ValueError, AttributeError, TypeError):
            return 400, {"message": "Malformed request.", "errors": {}}

    def _apply(self, seen: Seen) -> tuple[int, dict[str, Any]]:
        parts = [unquote(p) for p in seen.path.split("/") if p]
        # [api] v3 products {product} purchases [{purchase}]
        if parts and parts[0] == "api":
            parts = parts[1:]
        if len(parts) < 4 or parts[:2] != ["v3", "products"] or parts[3] != "purchases":
            return 404, {"message": "Not found"}
        with self._lock:
            if len(parts) == 4 and seen.method == "POST":
                user_id = json.loads(seen.body or b"{}").get("userId")
                if not isinstance(user_id, str):
                    return 400, {"message": "Invalid.", "errors": {"userId": ["required"]}}
                if any(p["userId"] == user_id for p in self.store.purchases.values()):
                    msg = "The user already owns this product."
                    return 400, {"message": msg, "errors": {"userId": [msg]}}
                self.store.creations += 1
                return 201, {"data": self.add_purchase(user_id)}
            if len(parts) == 4 and seen.method == "GET":
                wanted = seen.query.get("filter[userId]", [""])[0]
                users = set(wanted.split(",")) if wanted else None
                rows = [
                    p
                    for p in self.store.purchases.values()
                    if users is None or p["userId"] in users
                ]
                per_page = int(seen.query.get("perPage", ["24"])[0])
                return 200, {
                    "data": rows[:per_page],
                    "cursors": {"prev": None, "next": None},
                    "connections": [],
                    "meta": {"perPage": per_page},
                }
            if len(parts) == 5:
                row = self.store.purchases.get(parts[4])
                if row is None:
                    return 404, {"message": "Purchase not found"}
                if seen.method == "PUT":
                    row["revoked"] = bool(json.loads(seen.body or b"{}").get("revoked"))
                    row["updatedAt"] = _now()
                return 200, {"data": dict(row)}
        return 405, {"message": "Method not allowed"}


@contextmanager
def fault_server(*script: str | Status | Act) -> Iterator[FaultServer]:
    server = FaultServer().start()
    server.script.extend(script)
    try:
        yield server
    finally:
        server.stop()


def closed_port() -> int:
    """A loopback port nothing listens on (connection refused: provably nothing was sent)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(predicate: Any, timeout: float = 10.0, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())
