"""A webhook receiver for the end-to-end tests: a threading http.server on 127.0.0.1.

It does what the README tells users to do: verify the raw body with `gmodstore_sdk.webhooks.verify`,
then de-duplicate by webhook id before acting.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from gmodstore_sdk.webhooks import WebhookEvent, WebhookVerificationError, verify


class Receiver:
    """Answers 500 to its first `fail_first` requests, then verifies and accepts (204).

    `fail_once` names event types whose first attempt (per webhook id) is answered 500.
    """

    def __init__(self, *, fail_first: int = 0, fail_once: frozenset[str] = frozenset()) -> None:
        self.secret = ""
        self.fail_first = fail_first
        self.fail_once = fail_once
        self._failed_once: set[str] = set()
        self.requests = 0
        self.events: list[WebhookEvent] = []
        """Verified events, de-duplicated by webhook id, in arrival order."""
        self.duplicates = 0
        self.rejected: list[str] = []
        self._seen: set[str] = set()
        self._changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                self.send_response(receiver._handle(body, dict(self.headers.items())))
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/webhooks"

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handle(self, body: bytes, headers: dict[str, str]) -> int:
        with self._changed:
            self.requests += 1
            self._changed.notify_all()
            if self.requests <= self.fail_first:
                return 500
            try:
                event = verify(body, headers, self.secret)
            except WebhookVerificationError as exc:
                self.rejected.append(str(exc))
                return 400
            if event.event_type in self.fail_once and event.webhook_id not in self._failed_once:
                self._failed_once.add(event.webhook_id)
                return 500
            if event.webhook_id in self._seen:
                self.duplicates += 1
            else:
                self._seen.add(event.webhook_id)
                self.events.append(event)
                self._changed.notify_all()
            return 204

    def wait_until(self, condition: Callable[[Receiver], bool], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition(self):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"timed out: {self.requests} requests, {len(self.events)} events,"
                        f" rejected {self.rejected}"
                    )
                self._changed.wait(remaining)

    def wait_for_events(self, count: int, timeout: float = 10.0) -> list[WebhookEvent]:
        self.wait_until(lambda r: len(r.events) >= count, timeout)
        return list(self.events)

    def by_purchase(self) -> dict[str, list[str]]:
        """Event types per purchase id, in the order they arrived."""
        out: dict[str, list[str]] = {}
        for event in self.events:
            out.setdefault(event.data.id, []).append(event.event_type)
        return out
