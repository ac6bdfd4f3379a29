"""The delivery worker: a thread in the server process that drains the outbox into HTTP POSTs.

The thread runs an asyncio loop. Each turn fans new outbox events out into deliveries (one per
subscribed endpoint), then claims what is due and starts one task per delivery, at most
`WorkerConfig.endpoint_concurrency` per endpoint, without waiting for earlier tasks: each endpoint
progresses on its own, so a slow or dead receiver only delays its own queue. Database calls run on
a small thread pool, never on the loop.

Each attempt has one wall-clock deadline (`WorkerConfig.timeout`) covering connect, send and
answer, however the receiver trickles its bytes; only the first few hundred bytes of an answer are
read. A claimed delivery is leased for the deadline plus `WorkerConfig.lease_margin`, so no other
process on the database can send it while it is in flight, and only the lease holder may record
its result. A failed try is retried with exponential backoff up to `WorkerConfig.max_attempts`
tries, then marked failed. Delivery is at-least-once: the result is recorded after the request,
so a crash in between sends it again. No database transaction is held open while a receiver
answers.

When the database fails (deleted, read-only, locked, unreachable), the worker logs one WARNING for
the outage, not one traceback per turn, and backs off (the poll interval, doubled per failed turn,
up to `OUTAGE_MAX_DELAY`); it logs one more line when a turn works again. An error that is not a
storage fault (a bug) is logged once with its traceback, and backed off the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
import orjson
from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import DBAPIError, IntegrityError

from ..storage.db import WRITE, is_storage_fault
from ..storage.tables import utcnow
from . import store
from .signing import live_secrets, signed_headers

if TYPE_CHECKING:
    import uuid

    from ..settings import Settings

__all__ = ["OUTAGE_MAX_DELAY", "WebhookWorker", "WorkerConfig", "retry_delay", "run_webhook_worker"]

logger = logging.getLogger("gmodstore_sandbox.webhooks")

USER_AGENT = "gmodstore-sandbox-webhooks"
_MAX_DELAY = 3600.0
ANSWER_EXCERPT = 200
"""Bytes of a receiver's answer that are read and kept; the rest is never read."""
_STOP_SLACK = 0.25  # after the deadline, for recording the last results
_DB_THREADS = 4
OUTAGE_MAX_DELAY = 30.0
"""Longest wait, in seconds, between two turns while the database keeps failing."""
T = TypeVar("T")


@dataclass(frozen=True)
class WorkerConfig:
    """How the worker polls, sends and retries.

    Attributes:
        poll_interval: seconds between looks at the outbox when there is nothing to do.
        retry_backoff: delay before the first retry, in seconds; doubled for each further retry.
        max_attempts: tries per delivery (the first one included) before it is marked failed.
        timeout: wall-clock deadline of one attempt, in seconds: connect, send and the answer.
        lease_margin: seconds a claimed delivery stays leased beyond the deadline (for recording
            the result); the lease always outlives the attempt.
        endpoint_concurrency: deliveries in flight at once per endpoint (to different ordering
            keys). Endpoints do not share slots.
        batch_size: deliveries and outbox events handled per turn.
        fanout_grace: seconds after which no open transaction can still add an outbox event below
            a given one (see `tables`); only bounds how long fan-out marks are kept.
    """

    poll_interval: float = 0.25
    retry_backoff: float = 5.0
    max_attempts: int = 5
    timeout: float = 10.0
    lease_margin: float = 30.0
    endpoint_concurrency: int = 4
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
            lease_margin=settings.webhook_lease_margin,
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


@dataclass
class _InFlight:
    task: asyncio.Task[None]
    lease_token: str


class _Outage:
    """The worker's view of database failures: one warning per outage, back-off, one line when
    it ends. Only the worker's loop thread uses it."""

    def __init__(self, base_delay: float) -> None:
        self.base_delay = base_delay
        self.failures = 0
        self.reported = False
        self.since = 0.0

    def failed(self, exc: BaseException) -> float:
        """Note a failed turn; the seconds to wait before the next one."""
        self.failures += 1
        self.report(exc)
        return float(min(self.base_delay * 2.0 ** min(self.failures - 1, 30), OUTAGE_MAX_DELAY))

    def report(self, exc: BaseException) -> None:
        """Log `exc` if nothing was logged yet for this outage (else only at DEBUG)."""
        if self.reported:
            logger.debug("webhook worker: the database still fails", exc_info=exc)
            return
        self.reported, self.since = True, time.monotonic()
        reason = is_storage_fault(exc)
        if reason is None:  # not a storage fault: a bug, whose traceback is worth one log
            logger.error(
                "webhook worker turn failed; retrying with back-off (up to %g s)",
                OUTAGE_MAX_DELAY,
                exc_info=exc,
            )
        else:
            logger.warning(
                "webhook deliveries paused: %s (%s); retrying with back-off (up to %g s)",
                reason.rstrip("."),
                f"{type(exc).__name__}: {exc}".splitlines()[0][:200],
                OUTAGE_MAX_DELAY,
            )

    def ok(self) -> None:
        """A turn worked: the outage, if any, is over."""
        if self.reported:
            logger.warning(
                "webhook deliveries resumed after %.1f s (%d failed turns)",
                time.monotonic() - self.since,
                self.failures,
            )
        self.failures, self.reported = 0, False


class WebhookWorker:
    """Deliver webhooks in a background thread until `stop`.

    >>> worker = WebhookWorker(engine, WorkerConfig(poll_interval=0.1))   # doctest: +SKIP
    >>> worker.start(); ...; worker.stop()                                 # doctest: +SKIP

    Without `start`, `run_once` does one turn and waits for its deliveries (tests).

    Args:
        engine: the sandbox database.
        config: polling, deadline and retry policy.
        transport: an httpx transport for the outgoing requests (tests).
        clock: the current time (tests).
    """

    def __init__(
        self,
        engine: Engine,
        config: WorkerConfig | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.engine = engine
        self.config = config or WorkerConfig()
        self._clock = clock
        self._loop = asyncio.new_event_loop()
        # trust_env=False: receivers are usually on loopback, which an HTTP(S)_PROXY must not catch.
        # No connection limit: a pool shared by all endpoints would let slow ones starve the rest;
        # endpoint_concurrency bounds the connections per endpoint instead.
        self._http = httpx.AsyncClient(
            timeout=self.config.timeout,
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=20),
            follow_redirects=False,
            trust_env=False,
            transport=transport,
            headers={
                "user-agent": USER_AGENT,
                "content-type": "application/json",
                "accept-encoding": "identity",  # answers are never decompressed
            },
        )
        self._db_pool = ThreadPoolExecutor(_DB_THREADS, thread_name_prefix="webhook-db")
        self._in_flight: dict[uuid.UUID, dict[int, _InFlight]] = {}
        self._stopping = threading.Event()
        self._wake: asyncio.Event | None = None
        self._backlog = False
        self._thread: threading.Thread | None = None
        self._started = False
        self._outage = _Outage(self.config.poll_interval)

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Start the background thread (once; a stopped worker does not start again)."""
        if self._thread is None and not self._started:
            self._started = True
            # A commit on this engine may have written an event: look at once rather than at the
            # next poll (changes made by other processes still wait for the poll). The "commit"
            # event fires before the commit is done, so it only marks the connection; the wake-up
            # comes when the connection is back in the pool.
            event.listen(self.engine, "commit", _mark_commit)
            event.listen(self.engine.pool, "checkin", self._on_checkin)
            self._thread = threading.Thread(target=self._run, name="webhook-worker", daemon=True)
            self._thread.start()

    def _on_checkin(self, _dbapi_connection: object, record: Any) -> None:
        if record is not None and record.info.pop(_COMMITTED, False):
            with contextlib.suppress(RuntimeError):  # the loop has ended
                self._loop.call_soon_threadsafe(self._wake_up)

    def stop(self) -> None:
        """Stop within the attempt deadline plus a second.

        Requests in flight run to their deadline at most and their results are recorded; the
        lease of any attempt that still has not finished is given back, so that delivery is sent
        again by the next worker (after a restart, at once).
        """
        self._stopping.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            event.remove(self.engine, "commit", _mark_commit)
            event.remove(self.engine.pool, "checkin", self._on_checkin)
            with contextlib.suppress(RuntimeError):  # the loop already ended
                self._loop.call_soon_threadsafe(self._wake_up)
            thread.join(self.config.timeout + 1)
        elif not self._started and not self._loop.is_closed():
            self._loop.run_until_complete(self._http.aclose())
            self._loop.close()
        self._db_pool.shutdown(wait=False, cancel_futures=True)

    def run_once(self) -> int:
        """One turn: fan out the outbox, send what is due, wait for those deliveries.

        Returns the deliveries tried. Only for a worker whose thread is not started.
        """
        return self._loop.run_until_complete(self._run_once())

    def _run(self) -> None:
        try:
            self._loop.run_until_complete(self._main())
        finally:
            self._loop.close()

    async def _run_once(self) -> int:
        tasks = await self._turn()
        if tasks:
            await asyncio.wait(tasks)
        return len(tasks)

    async def _main(self) -> None:
        self._wake = asyncio.Event()
        try:
            while not self._stopping.is_set():
                wait = self.config.poll_interval
                try:
                    busy = bool(await self._turn()) or self._backlog
                except Exception as exc:  # a failing database must not end deliveries
                    wait, busy = self._outage.failed(exc), False
                else:
                    self._outage.ok()
                if not busy and not self._stopping.is_set():
                    # A commit on this engine cuts a back-off short: the database works again.
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), wait)
                self._wake.clear()
        finally:
            await self._drain()
            await self._http.aclose()

    def _wake_up(self) -> None:
        if self._wake is not None:
            self._wake.set()

    async def _drain(self) -> None:
        """Let attempts in flight reach their deadline (no later), then give back the rest."""
        running = [f for per_endpoint in self._in_flight.values() for f in per_endpoint.values()]
        if not running:
            return
        _, pending = await asyncio.wait(
            [f.task for f in running], timeout=self.config.timeout + _STOP_SLACK
        )
        unfinished = [f for f in running if f.task in pending]
        for flight in unfinished:
            flight.task.cancel()
        by_token: dict[str, list[int]] = {}
        for endpoint in self._in_flight.values():
            for delivery_id, flight in endpoint.items():
                if flight in unfinished:
                    by_token.setdefault(flight.lease_token, []).append(delivery_id)
        for token, ids in by_token.items():
            try:
                await asyncio.wait_for(self._db(self._release, ids, token), _STOP_SLACK)
            except Exception:  # the lease runs out instead
                logger.warning("could not give back %d webhook leases", len(ids), exc_info=True)

    # --- one turn --------------------------------------------------------------------------

    async def _turn(self) -> list[asyncio.Task[None]]:
        """Fan out, then claim and start what is due on endpoints with a free slot."""
        self._backlog = await self._db(self._fan_out) >= self.config.batch_size
        cap = self.config.endpoint_concurrency
        free = {ep: cap - len(flights) for ep, flights in self._in_flight.items()}
        now = self._clock()
        due = await self._db(self._due, now, {ep for ep, n in free.items() if n <= 0})
        picked = []
        for row in due:
            slots = free.setdefault(row.endpoint_id, cap)
            if slots > 0:
                picked.append(row)
                free[row.endpoint_id] = slots - 1
        if not picked:
            return []
        token = secrets.token_hex(16)
        lease_until = now + timedelta(seconds=self.config.timeout + self.config.lease_margin)
        claimed = await self._db(self._claim, [r.id for r in picked], now, lease_until, token)
        tasks = []
        for row in picked:
            if row.id in claimed:
                task = asyncio.get_running_loop().create_task(self._deliver(row, token))
                self._in_flight.setdefault(row.endpoint_id, {})[row.id] = _InFlight(task, token)
                task.add_done_callback(functools.partial(self._landed, row.endpoint_id, row.id))
                tasks.append(task)
        return tasks

    def _landed(self, endpoint_id: uuid.UUID, delivery_id: int, _task: object) -> None:
        flights = self._in_flight.get(endpoint_id, {})
        flights.pop(delivery_id, None)
        if not flights:
            self._in_flight.pop(endpoint_id, None)
        self._wake_up()  # the next event of its key, or of its endpoint, may go now

    async def _db(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._db_pool, fn, *args)

    # --- database steps (run on the pool) --------------------------------------------------

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

    def _due(self, now: datetime, skip: set[uuid.UUID]) -> list[store.DueRow]:
        with self.engine.connect() as conn:
            return list(
                store.due_deliveries(
                    conn,
                    now=now,
                    limit=self.config.batch_size,
                    per_endpoint=self.config.endpoint_concurrency,
                    skip_endpoints=skip,
                )
            )

    def _claim(self, ids: list[int], now: datetime, lease_until: datetime, token: str) -> set[int]:
        with self.engine.connect().execution_options(**WRITE) as conn, conn.begin():
            return store.claim_deliveries(
                conn, delivery_ids=ids, now=now, lease_until=lease_until, lease_token=token
            )

    def _release(self, ids: list[int], token: str) -> int:
        with self.engine.connect().execution_options(**WRITE) as conn, conn.begin():
            return store.release_deliveries(
                conn, delivery_ids=ids, lease_token=token, now=self._clock()
            )

    def _record(self, row: store.DueRow, token: str, outcome: _Outcome) -> None:
        tries = row.tries + 1
        retry_at = None
        if not outcome.delivered and tries < self.config.max_attempts:
            retry_at = self._clock() + timedelta(seconds=retry_delay(self.config, tries))
        with self.engine.connect().execution_options(**WRITE) as conn, conn.begin():
            store.record_attempt(
                conn,
                delivery_id=row.id,
                lease_token=token,
                attempt=tries,
                url=row.url,
                started_at=outcome.started_at,
                duration_ms=outcome.duration_ms,
                status_code=outcome.status_code,
                error=outcome.error,
                delivered=outcome.delivered,
                retry_at=retry_at,
                now=self._clock(),
            )

    # --- one delivery ----------------------------------------------------------------------

    async def _deliver(self, row: store.DueRow, token: str) -> None:
        outcome = await self._post(row)
        try:
            await self._db(self._record, row, token, outcome)
        except Exception as exc:  # the lease runs out and it is sent again: at-least-once
            if is_storage_fault(exc) is None and not isinstance(exc, DBAPIError):
                logger.exception("could not record an attempt of webhook %s", row.webhook_id)
            else:
                self._outage.report(exc)

    async def _post(self, row: store.DueRow) -> _Outcome:
        body = orjson.dumps(row.payload)
        started_at = self._clock()
        headers = signed_headers(
            body,
            secret=live_secrets(
                row.secret, row.previous_secret, row.previous_secret_expires_at, started_at
            ),
            webhook_id=row.webhook_id,
            timestamp=int(started_at.timestamp()),
        )
        start = time.perf_counter()
        status: list[int] = []  # filled as soon as the status line is in
        error: str | None = None
        try:
            excerpt = await asyncio.wait_for(
                self._send(row.url, body, headers, status), self.config.timeout
            )
            if not 200 <= status[0] < 300:
                error = excerpt or None
        except asyncio.TimeoutError:
            if not status or not 200 <= status[0] < 300:  # a 2xx status line is an answer
                error = f"Deadline: no complete answer within {self.config.timeout:g} s"
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            error = f"{type(exc).__name__}: {exc}"[:ANSWER_EXCERPT]
        except Exception as exc:  # a bug must cost one attempt, not the worker
            logger.exception("webhook %s: unexpected error", row.webhook_id)
            error = f"{type(exc).__name__}: {exc}"[:ANSWER_EXCERPT]
        duration_ms = round((time.perf_counter() - start) * 1000)
        return _Outcome(started_at, duration_ms, status[0] if status else None, error)

    async def _send(self, url: str, body: bytes, headers: dict[str, str], status: list[int]) -> str:
        """POST and return the start of the answer; what lies beyond it is never read."""
        async with self._http.stream("POST", url, content=body, headers=headers) as response:
            status.append(response.status_code)
            encoding = response.headers.get("content-encoding", "identity").strip().lower()
            if encoding != "identity":  # not decompressed, so not read: it could be a bomb
                return f"({encoding}-encoded answer, not read)"
            excerpt = bytearray()
            async for chunk in response.aiter_bytes():
                excerpt += chunk[: ANSWER_EXCERPT - len(excerpt)]
                if len(excerpt) >= ANSWER_EXCERPT:
                    break  # leaving the block closes the connection: the rest stays unread
        return excerpt.decode("utf-8", "replace")


_COMMITTED = "gmodstore_webhooks_committed"


def _mark_commit(conn: Connection) -> None:
    conn.info[_COMMITTED] = True


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
