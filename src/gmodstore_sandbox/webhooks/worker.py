"""The delivery worker: a thread in the server process that drains the outbox into HTTP POSTs.

Each loop: fan new outbox events out into deliveries (one per subscribed endpoint), then send every
due delivery, signed for that attempt. A delivery is retried with exponential backoff on a non-2xx
answer or a connection error, up to `WorkerConfig.max_attempts` tries, then marked failed. Delivery
is at-least-once: the result is recorded after the request, so a crash in between sends it again.
No database transaction is held open while a receiver answers.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import httpx
import orjson
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from ..storage.db import WRITE
from ..storage.tables import utcnow
from . import store
from .signing import signed_headers

if TYPE_CHECKING:
    from ..settings import Settings

__all__ = ["WebhookWorker", "WorkerConfig", "retry_delay", "run_webhook_worker"]

logger = logging.getLogger("gmodstore_sandbox.webhooks")

USER_AGENT = "gmodstore-sandbox-webhooks"
_MAX_DELAY = 3600.0
_ERROR_EXCERPT = 200


@dataclass(frozen=True)
class WorkerConfig:
    """How the worker polls and retries.

    Attributes:
        poll_interval: seconds between looks at the outbox when there is nothing to do.
        retry_backoff: delay before the first retry, in seconds; doubled for each further retry.
        max_attempts: tries per delivery (the first one included) before it is marked failed.
        timeout: seconds a receiver has to answer one request.
        concurrency: deliveries sent at once (to different endpoints or purchases).
        batch_size: deliveries and outbox events handled per loop.
        fanout_grace: seconds after which no open transaction can still add an outbox event below
            a given one (see `tables`); only bounds how long fan-out marks are kept.
    """

    poll_interval: float = 0.25
    retry_backoff: float = 5.0
    max_attempts: int = 5
    timeout: float = 10.0
    concurrency: int = 8
    batch_size: int = 100
    fanout_grace: float = 60.0

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkerConfig:
        """Read the ``webhook_*`` fields of the sandbox `Settings`."""
        return cls(
            poll_interval=settings.webhook_poll_interval,
            retry_backoff=settings.webhook_retry_backoff,
            max_attempts=settings.webhook_max_attempts,
            timeout=settings.webhook_timeout,
        )


def retry_delay(config: WorkerConfig, tries: int) -> float:
    """Seconds to wait after the `tries`-th failed try: backoff, 2x backoff, 4x backoff, ..."""
    return float(min(config.retry_backoff * 2 ** (tries - 1), _MAX_DELAY))


@dataclass(frozen=True)
class _Outcome:
    started_at: datetime
    duration_ms: int
    status_code: int | None
    error: str | None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class WebhookWorker:
    """Deliver webhooks in a background thread until `stop`.

    >>> worker = WebhookWorker(engine, WorkerConfig(poll_interval=0.1))   # doctest: +SKIP
    >>> worker.start(); ...; worker.stop()                                 # doctest: +SKIP

    Args:
        engine: the sandbox database.
        config: polling and retry policy.
        transport: an httpx transport for the outgoing requests (tests).
        clock: the current time (tests).
    """

    def __init__(
        self,
        engine: Engine,
        config: WorkerConfig | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.engine = engine
        self.config = config or WorkerConfig()
        self._clock = clock
        # trust_env=False: receivers are usually on loopback, which an HTTP(S)_PROXY must not catch.
        self._http = httpx.Client(
            timeout=self.config.timeout,
            follow_redirects=False,
            trust_env=False,
            transport=transport,
            headers={"user-agent": USER_AGENT, "content-type": "application/json"},
        )
        self._pool = ThreadPoolExecutor(self.config.concurrency, thread_name_prefix="webhook")
        self._stopping = threading.Event()
        self._backlog = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the background thread (once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="webhook-worker", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Finish the requests in flight (recording their results), then stop."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(self.config.timeout + 30)
            self._thread = None
        self._pool.shutdown(wait=True)
        self._http.close()

    def run_once(self) -> int:
        """One loop: fan out the outbox, then send what is due. Returns the deliveries tried."""
        self._backlog = self._fan_out() >= self.config.batch_size
        with self.engine.connect() as conn:
            due = store.due_deliveries(conn, now=self._clock(), limit=self.config.batch_size)
        claimed = [row for row in due if self._claim(row.id)]
        return sum(1 for _ in self._pool.map(self._deliver, claimed))

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                busy = self.run_once() > 0 or self._backlog
            except Exception:  # a locked or unreachable database must not end deliveries
                logger.exception("webhook worker loop failed; retrying")
                busy = False
            if not busy:
                self._stopping.wait(self.config.poll_interval)

    def _fan_out(self) -> int:
        grace = timedelta(seconds=self.config.fanout_grace)
        with self.engine.connect() as conn:
            if not store.pending_fan_out(conn, now=self._clock(), grace=grace):
                return 0
        try:
            with self.engine.connect().execution_options(**WRITE) as conn, conn.begin():
                return store.fan_out(
                    conn, now=self._clock(), grace=grace, limit=self.config.batch_size
                )
        except IntegrityError:  # another sandbox process on this database fanned out first
            logger.debug("fan-out raced another worker", exc_info=True)
            return 0

    def _claim(self, delivery_id: int) -> bool:
        now = self._clock()
        lease = now + timedelta(seconds=self.config.timeout + 30)
        with self.engine.connect().execution_options(**WRITE) as conn, conn.begin():
            return store.claim_delivery(conn, delivery_id=delivery_id, now=now, lease_until=lease)

    def _deliver(self, row: store.DueRow) -> None:
        outcome = self._post(row)
        tries = row.tries + 1
        retry_at = None
        if not outcome.delivered and tries < self.config.max_attempts:
            retry_at = self._clock() + timedelta(seconds=retry_delay(self.config, tries))
        try:
            with self.engine.connect().execution_options(**WRITE) as conn, conn.begin():
                store.record_attempt(
                    conn,
                    delivery_id=row.id,
                    attempt=tries,
                    started_at=outcome.started_at,
                    duration_ms=outcome.duration_ms,
                    status_code=outcome.status_code,
                    error=outcome.error,
                    delivered=outcome.delivered,
                    retry_at=retry_at,
                    now=self._clock(),
                )
        except DBAPIError:  # the lease runs out and the delivery is sent again: at-least-once
            logger.exception("could not record webhook attempt %s of %s", tries, row.webhook_id)

    def _post(self, row: store.DueRow) -> _Outcome:
        body = orjson.dumps(row.payload)
        started_at = self._clock()
        headers = signed_headers(
            body,
            secret=row.secret,
            webhook_id=row.webhook_id,
            timestamp=int(started_at.timestamp()),
        )
        start = time.perf_counter()
        status_code: int | None = None
        error: str | None = None
        try:
            response = self._http.post(row.url, content=body, headers=headers)
            status_code = response.status_code
            if not 200 <= status_code < 300:
                error = response.text[:_ERROR_EXCERPT] or None
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            error = f"{type(exc).__name__}: {exc}"[:_ERROR_EXCERPT]
        duration_ms = round((time.perf_counter() - start) * 1000)
        return _Outcome(started_at, duration_ms, status_code, error)


@contextlib.contextmanager
def run_webhook_worker(engine: Engine, settings: Settings) -> Iterator[WebhookWorker | None]:
    """Run the delivery worker for the lifetime of the block (unless ``webhook_worker`` is off).

    >>> with run_webhook_worker(engine, settings):   # doctest: +SKIP
    ...     serve()
    """
    if not settings.webhook_worker:
        yield None
        return
    worker = WebhookWorker(engine, WorkerConfig.from_settings(settings))
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()
