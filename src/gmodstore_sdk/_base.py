"""Everything the sync and async clients share that does no I/O.

A request is described by an `Operation` (`_operation.py`), built and validated by
`api/_operations.py`. The client runs it through `BaseApiClient._request_flow`, a generator that
holds the whole policy — rate limit pacing, retries, backoff, deadlines, write safety, the recovery
lookup of a lost POST (see `_operation.py`) and logging — and only *yields* what it needs done: an
`httpx.Request` to send, or a number of seconds to sleep. What an answer or a failure becomes (the
parsed model, the error and its message) is `_responses.py`, a mixin of `BaseApiClient`.
`ApiClient` and `AsyncApiClient` drive it with a few lines each, in the manner of httpx's
`Auth.auth_flow`, and read each answer within the size limit and the attempt's deadline.

Time limits: each attempt ends by `attempt_timeout` after it starts (and never after the call's
`deadline`), as the request extension `ATTEMPT_STOP` says; the phase timeouts of the request are
capped by the time left, and the drivers enforce it on every read (`_limits.py`, `_deadline.py`).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from time import perf_counter
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
from pydantic import ValidationError

from gmodstore_sdk._limits import (
    ATTEMPT_STOP,
    Deadline,
    attempt_stop,
    cap_phases,
    deadline_error,
    phase_timeout,
)
from gmodstore_sdk._operation import (
    ApiResponse,
    Flow,
    M,
    Operation,
    Outcome,
    Recovery,
    url_factory,
)
from gmodstore_sdk._responses import IDEMPOTENT, ResponseHandling
from gmodstore_sdk._retry import (
    RateLimit,
    RateLimiter,
    Safety,
    backoff_delay,
    classify_transport_error,
    parse_retry_after,
    wait_until_reset,
)
from gmodstore_sdk._types import NOT_GIVEN, NotGiven
from gmodstore_sdk.configuration import Configuration
from gmodstore_sdk.exceptions import (
    AlreadyExistsException,
    ApiTimeoutError,
    OpenApiException,
)

if TYPE_CHECKING:
    from gmodstore_sdk._uploads import MultipartBody
    from gmodstore_sdk.ratelimit_store import RateLimitState

# Re-exported: api_client.py and api/_operations.py import them from here.
__all__ = [
    "M",
    "ApiResponse",
    "BaseApiClient",
    "Flow",
    "Operation",
    "Outcome",
    "url_factory",
]

logger = logging.getLogger("gmodstore_sdk")

# Servers send the reset in whole seconds: a wait up to a second past the window is not "longer".
_ROUNDING = 1.0


class _Failure:
    """A failed attempt: the error to raise, and whether the server may have acted on it.

    `safety` is `"unsent"` (safe to resend), `"ambiguous"` (the server may have acted) or
    `"fatal"` (resending cannot help).
    """

    __slots__ = ("cause", "error", "hint", "safety", "status")

    def __init__(
        self,
        error: OpenApiException,
        cause: Exception | None,
        safety: Safety,
        hint: float | None,
        status: int | None,
    ) -> None:
        self.error = error
        self.cause = cause
        self.safety = safety
        self.hint = hint
        """Seconds the server asked to wait (`Retry-After`, or the reset of a 429)."""
        self.status = status

    @property
    def summary(self) -> str:
        return f"HTTP {self.status}" if self.status else type(self.cause).__name__


class BaseApiClient(ResponseHandling):
    """The I/O-free half of `ApiClient` / `AsyncApiClient`: configuration, policy, parsing."""

    _http: httpx.Client | httpx.AsyncClient

    def __init__(
        self,
        configuration: Configuration | None,
        *,
        custom_http: bool,
        clock: Callable[[], float] | None,
        rand: Callable[[], float] | None,
    ) -> None:
        config = configuration if configuration is not None else Configuration()
        self.configuration = config
        self.base_url = config.base_url
        parts = urlsplit(str(httpx.URL(self.base_url)))  # httpx-normalised: safe to reuse as is
        self.base_path = parts.path.rstrip("/")
        self.make_url = url_factory(f"{parts.scheme}://{parts.netloc}")
        headers = {"Accept": "application/json", "User-Agent": config.user_agent_header}
        if config.access_token:
            headers["Authorization"] = f"Bearer {config.access_token}"
        if config.tenant:
            headers["X-Tenant"] = config.tenant
        self._default_headers = headers
        # With our own httpx client the headers live on it; a caller's client gets them per request.
        self.get_headers: dict[str, str] | None = dict(headers) if custom_http else None
        self.json_headers = {**(self.get_headers or {}), "Content-Type": "application/json"}
        self._timeout = httpx.Timeout(
            config.read_timeout, connect=config.connect_timeout, pool=config.connect_timeout
        )
        self._retries = config.retries
        self._backoff_base = config.backoff_base
        self._backoff_max = config.backoff_max
        self._max_retry_wait = config.max_retry_wait
        self._window = config.rate_limit_window
        self._pace = config.respect_rate_limit
        self._limiter: RateLimitState
        if config.rate_limit_store is None:
            self._limiter = RateLimiter(window=config.rate_limit_window)
        else:
            # Imported here: only a shared store needs it, and `import gmodstore_sdk` stays cheap.
            from gmodstore_sdk.ratelimit_store import token_key

            key = token_key(config.access_token)
            self._limiter = config.rate_limit_store.state(key, config.rate_limit_window)
        self._clock = clock if clock is not None else time.time
        self._rand = rand if rand is not None else random.random
        self._attempt_timeout = config.attempt_timeout
        self._call_timeout = config.deadline
        self.max_response_size = config.max_response_size
        """Answers larger than this many bytes are refused while streaming."""

    def _http_options(self) -> dict[str, Any]:
        config = self.configuration
        return {
            "headers": self._default_headers,
            "timeout": self._timeout,
            "verify": config.verify,
            "proxy": config.proxy,
        }

    @property
    def rate_limit(self) -> RateLimit | None:
        """The rate limit as this client sees it, or None before a response reported one.

        Built from the latest `X-RateLimit-*` headers, minus the requests started since; shared by
        every thread / task using this client.

        >>> api_client.rate_limit                                # doctest: +SKIP
        RateLimit(limit=300, remaining=297, reset=1764082860.0)
        """
        return self._limiter.snapshot()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    # -- the request flow -------------------------------------------------------------------------

    def _request_flow(self, op: Operation[M]) -> Flow[ApiResponse[M]]:
        """Send `op` until it succeeds, fails for good, runs out of retries or out of time."""
        total = self._call_timeout
        limits = op.timeout
        if not isinstance(limits, NotGiven) and not isinstance(limits.total, NotGiven):
            total = limits.total
        deadline = None if total is None else (time.monotonic() + total, total)
        return self._flow(op, deadline)

    def _flow(self, op: Operation[M], deadline: Deadline | None) -> Flow[ApiResponse[M]]:
        attempt = 0
        maybe_acted = False  # an earlier attempt may have been applied by the server
        acted_since = 0.0  # wall clock when the first such attempt began
        recovery = op.recovery
        while True:
            if self._pace:
                yield from self._pace_flow(op, deadline)
            started = perf_counter() if logger.isEnabledFor(logging.DEBUG) else None
            sent_at = self._clock() if recovery is not None and not maybe_acted else 0.0
            outcome = yield self._build(op, deadline)
            if isinstance(outcome, httpx.Response):
                self._observe(op, outcome, started, attempt)
                status = outcome.status_code
                if 200 <= status < 300:
                    return ApiResponse(status, outcome.headers, self._parse(op, outcome))
                if status == 404 and maybe_acted and op.method == "DELETE":
                    # The earlier attempt deleted it: done. There is no row left to return.
                    gone: Any = None
                    return ApiResponse(status, outcome.headers, gone, recovered=True)
            failure = self._failure(op, outcome, started, attempt)
            if failure.safety == "ambiguous" and not maybe_acted:
                maybe_acted, acted_since = True, sent_at
            if recovery is not None and (
                failure.safety == "ambiguous"
                or (maybe_acted and failure.status in recovery.conflict)
            ):
                # The server may have created it (or did, if it now says "already exists"):
                # look it up instead of resending.
                found = yield from self._recover(op, recovery, failure, acted_since, deadline)
                if found is not None:
                    return found
            delay = self._retry_or_raise(op, failure, attempt, deadline)
            attempt += 1
            if delay > 0:
                yield delay

    def _retry_or_raise(
        self, op: Operation[Any], failure: _Failure, attempt: int, deadline: Deadline | None
    ) -> float:
        """The delay before retrying after `failure`; raises its error when retrying is wrong."""
        if failure.safety == "ambiguous" and op.method not in IDEMPOTENT and op.recovery is None:
            raise failure.error from failure.cause  # nothing to look up: never resend
        if failure.safety == "fatal" or attempt >= self._retries:
            raise failure.error from failure.cause
        delay = self._retry_delay(attempt, failure.hint)
        if delay is None:
            raise failure.error from failure.cause
        if deadline is not None and time.monotonic() + delay >= deadline[0]:
            if isinstance(failure.error, ApiTimeoutError):
                raise failure.error from failure.cause
            raise deadline_error(
                op, deadline, f"the retry after {failure.summary} would start after it"
            ) from failure.error
        # Every wait is logged; one longer than the rate limit window (a long `Retry-After`, or a
        # backoff configured that high) is a warning, since callers would not expect it.
        long = delay > self._window + _ROUNDING
        logger.log(
            logging.WARNING if long else logging.INFO,
            "%s %s failed (%s); retry %d of %d in %.2f s%s",
            op.method,
            op.path,
            failure.summary,
            attempt + 1,
            self._retries,
            delay,
            f", longer than the {self._window:.0f} s rate limit window" if long else "",
        )
        return delay

    def _pace_flow(self, op: Operation[Any], deadline: Deadline | None) -> Flow[None]:
        """Wait, if the rate limit budget is spent, until the window resets."""
        now = self._clock()
        wait = self._limiter.reserve(now)
        while wait > 0:
            skewed = wait > self._max_retry_wait
            if skewed:
                wait = self._window
            if deadline is not None and time.monotonic() + wait >= deadline[0]:
                raise deadline_error(
                    op, deadline, f"the rate limit resets in {wait:.1f} s, after it"
                )
            self._log_pacing(op, wait, skewed)
            yield wait
            before, now = now, self._clock()
            if skewed or now <= before:
                # A reset that far away means the clocks disagree, and a clock that does not
                # move is a test double: send, and let the server decide.
                return
            # Reserve again: at the reset only the new window's budget goes, the other waiters
            # wait for the window after.
            wait = self._limiter.reserve(now)

    def _build(self, op: Operation[Any], deadline: Deadline | None) -> httpx.Request:
        limits = op.timeout
        streamed = op.content is not None and not isinstance(op.content, bytes)
        # An upload streams for as long as it takes (it has its own deadline per sending):
        # attempt_timeout and the short forms of _request_timeout, meant for answers, do not cut
        # it; `Timeout(attempt=...)` and the call's deadline still do.
        attempt = None if streamed else self._attempt_timeout
        setting = "attempt_timeout"
        if isinstance(limits, NotGiven):
            if streamed:
                request = self._build_streamed(op, op.content, NOT_GIVEN)  # type: ignore[arg-type]
            else:
                request = self._http.build_request(
                    op.method, op.url, content=op.content, headers=op.headers
                )
        else:
            http = phase_timeout(self._http.timeout, limits, None)
            if streamed:
                request = self._build_streamed(op, op.content, http)  # type: ignore[arg-type]
            elif http is None:
                request = self._http.build_request(
                    op.method, op.url, content=op.content, headers=op.headers
                )
            else:
                request = self._http.build_request(
                    op.method, op.url, content=op.content, headers=op.headers, timeout=http
                )
            if not isinstance(limits.attempt, NotGiven) and (limits.explicit or not streamed):
                attempt, setting = limits.attempt, "_request_timeout"
        if attempt is None and deadline is None:
            return request
        now = time.monotonic()
        stop = attempt_stop(op, attempt, setting, deadline, now)
        request.extensions[ATTEMPT_STOP] = stop
        cap_phases(request, stop, now)
        return request

    def _build_streamed(
        self, op: Operation[Any], body: MultipartBody, timeout: httpx.Timeout | NotGiven | None
    ) -> httpx.Request:
        # httpx would wrap an iterable `content` in a sync-only stream; the body is a byte stream
        # for both clients, so it is attached as the request's stream, with its own headers.
        headers = {**(op.headers or {}), **body.headers}
        if timeout is None or isinstance(timeout, NotGiven):
            request = self._http.build_request(op.method, op.url, headers=headers)
        else:
            request = self._http.build_request(op.method, op.url, headers=headers, timeout=timeout)
        request.stream = body
        return request

    def _observe(
        self, op: Operation[Any], response: httpx.Response, started: float | None, attempt: int
    ) -> None:
        self._limiter.update(response.headers, self._clock())
        if started is not None:
            logger.debug(
                "%s %s -> %d in %.1f ms (attempt %d)",
                op.method,
                op.path,
                response.status_code,
                (perf_counter() - started) * 1000,
                attempt + 1,
            )

    def _failure(
        self, op: Operation[Any], outcome: Outcome, started: float | None, attempt: int
    ) -> _Failure:
        """What a failed attempt means: the error to raise, and whether resending is safe."""
        if isinstance(outcome, httpx.Response):
            status = outcome.status_code
            now = self._clock()
            hint = parse_retry_after(outcome.headers.get("retry-after"), now)
            if status == 429:
                if hint is None:  # the reset says when the refused budget comes back
                    hint = wait_until_reset(outcome.headers, now)
                return _Failure(self._status_error(op, outcome, hint), None, "unsent", hint, status)
            safety: Safety = "ambiguous" if status >= 500 else "fatal"
            uncertain = safety == "ambiguous" and op.method not in IDEMPOTENT
            error = self._status_error(op, outcome, hint, uncertain)
            return _Failure(error, None, safety, hint, status)
        assert outcome is not None  # only a sleep is answered with None
        if isinstance(outcome, OpenApiException):  # the driver refused the answer (too large)
            return _Failure(outcome, None, "fatal", None, None)
        if started is not None:
            logger.debug(
                "%s %s -> %s (attempt %d)", op.method, op.path, type(outcome).__name__, attempt + 1
            )
        safety = classify_transport_error(outcome)
        return _Failure(self._transport_error(op, outcome, safety), outcome, safety, None, None)

    def _recover(
        self,
        op: Operation[M],
        recovery: Recovery,
        failure: _Failure,
        acted_since: float,
        deadline: Deadline | None,
    ) -> Flow[ApiResponse[M] | None]:
        """After a POST the server may have acted on, look its row up instead of resending.

        Returns the recovered answer, or None when the lookup shows the server did not act.
        """
        logger.info("%s %s may have succeeded; looking it up", op.method, op.path)
        from gmodstore_sdk._recovery import created_too_early, pick_row  # rarely needed: lazily

        try:
            page = yield from self._flow(recovery.lookup, deadline)
            row = pick_row(page.data, recovery)
        except OpenApiException as exc:
            logger.warning("%s %s: the lookup failed too (%s); giving up", op.method, op.path, exc)
            raise failure.error from failure.cause
        if row is None:
            return None
        where = f"{op.method} {op.path}"
        if created_too_early(row, acted_since, page.headers, self._clock()):
            raise AlreadyExistsException(
                f"its answer was lost, and the lookup found {type(row).__name__} "
                f"{getattr(row, 'id', '?')} created at {row.created_at.isoformat()}, before this "
                "request was sent: it already existed",
                existing=row,
                operation=where,
            ) from failure.cause
        # The list's row model may not be the create answer's (e.g. `TicketTag` and
        # `TicketTicketTag`): hand over the row's JSON, which both describe.
        dumped = row.model_dump(mode="json", by_alias=True) if hasattr(row, "model_dump") else row
        try:
            data = op.model.model_validate({"data": dumped})
        except ValidationError:
            logger.warning("%s: the row found does not fit %s", where, op.model.__name__)
            raise failure.error from failure.cause
        logger.info("%s: recovered what the lost attempt created", where)
        return ApiResponse(page.status_code, page.headers, data, recovered=True)

    def _retry_delay(self, attempt: int, hint: float | None) -> float | None:
        if hint is None:
            return backoff_delay(
                attempt, base=self._backoff_base, maximum=self._backoff_max, rand=self._rand
            )
        if hint > self._max_retry_wait:
            logger.warning(
                "server asked to wait %.0f s, more than max_retry_wait=%.0f s; not retrying",
                hint,
                self._max_retry_wait,
            )
            return None
        return hint

    def _log_pacing(self, op: Operation[Any], wait: float, skewed: bool) -> None:
        if skewed:
            logger.warning(
                "rate limit spent and X-RateLimit-Reset is more than max_retry_wait=%.0f s away "
                "(clock skew?); waiting one %.0f s window before %s %s",
                self._max_retry_wait,
                wait,
                op.method,
                op.path,
            )
        elif wait > self._window + _ROUNDING:
            logger.warning(
                "rate limit spent; waiting %.1f s for the reset, longer than the %.0f s window, "
                "before %s %s",
                wait,
                self._window,
                op.method,
                op.path,
            )
        else:
            logger.info(
                "rate limit spent; waiting %.1f s for the reset before %s %s",
                wait,
                op.method,
                op.path,
            )
