"""Hostile webhook receivers on 127.0.0.1, on raw sockets so they can misbehave at will.

Each connection reads one request, records it (`Hit`: webhook id, when the request arrived, when
the sender hung up), then answers according to `mode`:

``fast``       ``204`` at once
``drip-body``  a ``500`` status line and headers, then one body byte every `drip_every` seconds
``drip-head``  the status line itself one byte every `drip_every` seconds
``huge``       a ``500`` announcing `huge_size` bytes, sent as fast as the sender reads them
``fail-then-fast``  ``500`` to the first `fail_first` requests of each (eventType, webhook id)
               matching `fail_event`, then ``204``
"""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Hit:
    webhook_id: str
    body: dict
    arrived: float
    """`time.monotonic()` when the whole request was in."""
    closed: float | None = None
    """When the sender closed the connection (or the receiver gave up on it)."""
    sent_bytes: int = 0


@dataclass
class FaultyReceiver:
    mode: str = "fast"
    drip_every: float = 0.2
    huge_size: int = 1 << 30
    fail_event: str | None = None
    fail_first: int = 1
    hits: list[Hit] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.2)
        self._stopped = threading.Event()
        self._changed = threading.Condition()
        self._failed: dict[str, int] = {}
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}/hook"

    def __enter__(self) -> FaultyReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopped.set()
        self._thread.join(5)
        self._sock.close()

    def wait_until(self, condition: Callable[[FaultyReceiver], bool], timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition(self):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out with {len(self.hits)} hits")
                self._changed.wait(remaining)

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            while not self._stopped.is_set():  # keep-alive: several requests per connection
                request = _read_request(conn)
                if request is None:
                    return
                headers, body = request
                hit = Hit(headers.get("webhook-id", ""), json.loads(body), time.monotonic())
                with self._changed:
                    self.hits.append(hit)
                    self._changed.notify_all()
                try:
                    keep_open = self._answer(conn, hit)
                except OSError:  # the sender hung up
                    keep_open = False
                if not keep_open:
                    self._mark_closed(hit, conn)
                    return
                self._mark_closed(hit, None)

    def _mark_closed(self, hit: Hit, conn: socket.socket | None) -> None:
        if conn is not None:
            # Wait for the sender to hang up (it must: the answer never ends).
            conn.settimeout(0.05)
            while not self._stopped.is_set():
                try:
                    if conn.recv(65536) == b"":
                        break
                except TimeoutError:
                    continue
                except OSError:
                    break
        with self._changed:
            hit.closed = time.monotonic()
            self._changed.notify_all()

    def _answer(self, conn: socket.socket, hit: Hit) -> bool:
        mode = self.mode
        if mode == "fail-then-fast":
            key = f"{hit.body.get('eventType')}/{hit.webhook_id}"
            if hit.body.get("eventType") == self.fail_event:
                with self._changed:
                    count = self._failed[key] = self._failed.get(key, 0) + 1
                if count <= self.fail_first:
                    conn.sendall(
                        b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 2\r\n\r\nno"
                    )
                    return True
            mode = "fast"
        if mode == "fast":
            conn.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")
            return True
        if mode == "drip-head":
            for byte in b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n":
                if not self._drip(conn, bytes([byte]), hit):
                    return False
            return True
        if mode == "drip-body":
            conn.sendall(b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 100000\r\n\r\n")
            while self._drip(conn, b"x", hit):
                pass
            return False
        assert mode == "huge", mode
        conn.sendall(
            b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: %d\r\n\r\n" % self.huge_size
        )
        chunk = b"e" * 65536
        conn.settimeout(2)
        while hit.sent_bytes < self.huge_size and not self._stopped.is_set():
            try:
                conn.sendall(chunk)
            except OSError:
                return False
            hit.sent_bytes += len(chunk)
        return False

    def _drip(self, conn: socket.socket, data: bytes, hit: Hit) -> bool:
        # Wait, but notice at once when the sender hangs up (the socket turns readable).
        readable, _, _ = select.select([conn], [], [], self.drip_every)
        if self._stopped.is_set():
            return False
        try:
            if readable and conn.recv(65536) == b"":
                return False
            conn.sendall(data)
        except OSError:
            return False
        hit.sent_bytes += len(data)
        return True


def _read_request(conn: socket.socket) -> tuple[dict[str, str], bytes] | None:
    data = b""
    while b"\r\n\r\n" not in data:
        try:
            chunk = conn.recv(65536)
        except OSError:
            return None
        if not chunk:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    headers = {}
    for line in head.decode("latin-1").split("\r\n")[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        rest += chunk
    return headers, rest[:length]


def overlapping(hits: list[Hit]) -> list[tuple[Hit, Hit]]:
    """Pairs of requests with the same webhook id that were in flight at the same time."""
    pairs = []
    for i, a in enumerate(hits):
        for b in hits[i + 1 :]:
            if a.webhook_id == b.webhook_id and b.arrived < (a.closed or float("inf")):
                pairs.append((a, b))
    return pairs
