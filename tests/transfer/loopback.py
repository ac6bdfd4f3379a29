"""A small HTTP server of our own on 127.0.0.1, for the transfer tests and benchmarks.

The sandbox does not serve product versions yet, so this server plays the parts the upload and
download code talks to: it records what it receives (headers, body digest and size, the body itself
when small), answers from a per-test script, and serves files by URL. It speaks plain HTTP/1.1 with
the standard library, independently of httpx and of the SDK.
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

KEEP_BODY = 1 << 20  # bodies up to this size are kept whole for the test to inspect


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    size: int
    sha256: str
    body: bytes | None
    chunked: bool


@dataclass
class Reply:
    status: int = 200
    json_body: Any = None
    body: bytes | Callable[[], Iterator[bytes]] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection without answering
    declared_length: int | None = None  # Content-Length to announce (default: the true size)


Route = Callable[["Received", "Loopback"], Reply]


class Loopback:
    """Routes are `(method, path prefix) -> handler(received, server) -> Reply`, longest first."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Route] = {}
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.url = ""

    def route(self, method: str, prefix: str) -> Callable[[Route], Route]:
        def register(handler: Route) -> Route:
            self.routes[(method, prefix)] = handler
            return handler

        return register

    def find(self, method: str, path: str) -> Route | None:
        matches = [
            (p, h) for (m, p), h in self.routes.items() if m == method and path.startswith(p)
        ]
        if not matches:
            return None
        return max(matches, key=lambda item: len(item[0]))[1]


def _read_body(handler: BaseHTTPRequestHandler) -> tuple[int, str, bytes | None, bool]:
    digest = hashlib.sha256()
    kept = bytearray()
    size = 0

    def take(chunk: bytes) -> None:
        nonlocal size
        digest.update(chunk)
        size += len(chunk)
        if size <= KEEP_BODY:
            kept.extend(chunk)

    chunked = handler.headers.get("Transfer-Encoding", "").lower() == "chunked"
    if chunked:
        while True:
            line = handler.rfile.readline()
            length = int(line.split(b";")[0].strip(), 16)
            if length == 0:
                handler.rfile.readline()
                break
            left = length
            while left:
                chunk = handler.rfile.read(min(left, 1 << 16))
                take(chunk)
                left -= len(chunk)
            handler.rfile.readline()
    else:
        left = int(handler.headers.get("Content-Length") or 0)
        while left:
            chunk = handler.rfile.read(min(left, 1 << 16))
            if not chunk:
                break
            take(chunk)
            left -= len(chunk)
    return size, digest.hexdigest(), bytes(kept) if size <= KEEP_BODY else None, chunked


def _handler_class(server: Loopback) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _serve(self) -> None:
            size, sha, body, chunked = _read_body(self)
            rec = Received(
                self.command, self.path, dict(self.headers.items()), size, sha, body, chunked
            )
            with server.lock:
                server.received.append(rec)
            route = server.find(self.command, self.path)
            reply = route(rec, server) if route else Reply(404, {"message": "no route"})
            if reply.drop:
                self.close_connection = True
                return
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if reply.json_body is not None:
                data = json.dumps(reply.json_body).encode()
                self.send_header("Content-Type", "application/json")
                self._send_bytes([data], len(data), reply.declared_length)
            elif callable(reply.body):
                self._send_bytes(reply.body(), None, reply.declared_length)
            else:
                data = reply.body or b""
                self._send_bytes([data], len(data), reply.declared_length)

        def _send_bytes(self, chunks: Any, size: int | None, declared: int | None) -> None:
            length = declared if declared is not None else size
            if length is None:
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.send_header("Content-Length", str(length))
            self.end_headers()
            try:
                for chunk in chunks:
                    if length is None:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    else:
                        self.wfile.write(chunk)
                if length is None:
                    self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        do_GET = do_POST = do_PUT = do_DELETE = _serve

    return Handler


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-answer (a refused download) is expected here; anything else
        # would be a bug in this server, so it is kept for the tests to see.
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError):
            super().handle_error(request, client_address)


@contextmanager
def serve(server: Loopback | None = None) -> Iterator[Loopback]:
    """Run `server` (a new `Loopback` by default) on a free port of 127.0.0.1 in a thread."""
    loop = server if server is not None else Loopback()
    httpd = _Server(("127.0.0.1", 0), _handler_class(loop))
    httpd.daemon_threads = True
    loop.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield loop
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)
