"""Everything the sync and async clients share that does no I/O.

A request is described by an `Operation` (`_operation.py`), built and validated by
`api/_operations.py`. The client runs it through `BaseApiClient._request_flow`, a generator that
holds the whole policy — rate limit pacing, retries, backoff, the ambiguous-POST recovery lookup,
logging, response parsing and errors — and only *yields* what it needs done: an `httpx.Request` to
send, or a number of seconds to sleep. `ApiClient` and `AsyncApiClient` drive it with a few lines
each, in the manner of httpx's `Auth.auth_flow`.
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

from gmodstore_sdk._operation import ApiResponse, Flow, M, Operation, Outcome, url_factory
from gmodstore_sdk._retry import (
    RateLimit,
    RateLimiter,
    Safety,
    backoff_delay,
    classify_transport_error,
    parse_retry_after,
    wait_until_reset,
)
from gmodstore_sdk._sniff import not_the_api
from gmodstore_sdk._types import NotGiven
from gmodstore_sdk.configuration import Configuration
from gmodstore_sdk.exceptions import (
    ApiConnectionError,
    ApiException,
    ApiResponseValidationError,
    ApiTimeoutError,
    OpenApiException,
    make_status_error,
)

if TYPE_CHECKING:
    from gmodstore_sdk._uploads import MultipartBody
    from gmodstore_sdk.model.list_product_purchases_response import ListProductPurchasesResponse

# Re-exported: api_client.py and api/_operations.py import them from here.
__all__ = ["M", "ApiResponse", "BaseApiClient", "Flow", "Operation", "Outcome", "url_factory"]

logger = logging.getLogger("gmodstore_sdk")

# Servers send the reset in whole seconds: a wait up to a second past the window is not "longer".
_ROUNDING = 1.0

# Answers to a resent create that mean "it exists already".
_ALREADY_OWNS = frozenset({400, 409, 422})


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


class BaseApiClient:
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
        self._limiter = RateLimiter(window=config.rate_limit_window)
        self._clock = clock if clock is not None else time.time
        self._rand = rand if rand is not None else random.random

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
        """Send `op` until it succeeds, fails for good, or runs out of retries."""
        attempt = 0
        maybe_created = False  # an earlier attempt of this POST may have created the purchase
        while True:
            if self._pace:
                yield from self._pace_flow(op)
            started = perf_counter() if logger.isEnabledFor(logging.DEBUG) else None
            outcome = yield self._build(op)
            if isinstance(outcome, httpx.Response):
                self._observe(op, outcome, started, attempt)
                status = outcome.status_code
                if 200 <= status < 300:
                    return ApiResponse(status, outcome.headers, self._parse(op, outcome))
            failure = self._failure(op, outcome, started, attempt)
            if op.lookup is not None and (
                failure.safety == "ambiguous" or (maybe_created and failure.status in _ALREADY_OWNS)
            ):
                # The server may have created the purchase (or did, if it now says "already
                # owns"): look it up instead of resending.
                found = yield from self._recover(op, op.lookup, failure)
                if found is not None:
                    return found
                maybe_created = True
            delay = self._retry_or_raise(op, failure, attempt)
            attempt += 1
            if delay > 0:
                yield delay

    def _retry_or_raise(self, op: Operation[Any], failure: _Failure, attempt: int) -> float:
        """The delay before retrying after `failure`; raises its error when retrying is wrong."""
        if op.method == "POST" and failure.safety == "ambiguous" and op.lookup is None:
            raise failure.error from failure.cause  # nothing to look up: never resend
        if failure.safety == "fatal" or attempt >= self._retries:
            raise failure.error from failure.cause
        delay = self._retry_delay(attempt, failure.hint)
        if delay is None:
            raise failure.error from failure.cause
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

    def _pace_flow(self, op: Operation[Any]) -> Flow[None]:
        """Wait, if the rate limit budget is spent, until the window resets."""
        now = self._clock()
        wait = self._limiter.reserve(now)
        while wait > 0:
            skewed = wait > self._max_retry_wait
            if skewed:
                wait = self._window
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

    def _build(self, op: Operation[Any]) -> httpx.Request:
        if op.content is not None and not isinstance(op.content, bytes):
            return self._build_streamed(op, op.content)
        timeout = op.timeout
        if isinstance(timeout, NotGiven):
            return self._http.build_request(
                op.method, op.url, content=op.content, headers=op.headers
            )
        return self._http.build_request(
            op.method, op.url, content=op.content, headers=op.headers, timeout=timeout
        )

    def _build_streamed(self, op: Operation[Any], body: MultipartBody) -> httpx.Request:
        # httpx would wrap an iterable `content` in a sync-only stream; the body is a byte stream
        # for both clients, so it is attached as the request's stream, with its own headers.
        headers = {**(op.headers or {}), **body.headers}
        timeout = op.timeout
        if isinstance(timeout, NotGiven):
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
            return _Failure(self._status_error(op, outcome, hint), None, safety, hint, status)
        assert outcome is not None  # only a sleep is answered with None
        if started is not None:
            logger.debug(
                "%s %s -> %s (attempt %d)", op.method, op.path, type(outcome).__name__, attempt + 1
            )
        safety = classify_transport_error(outcome)
        return _Failure(self._transport_error(op, outcome, safety), outcome, safety, None, None)

    def _recover(
        self,
        op: Operation[M],
        lookup: Operation[ListProductPurchasesResponse],
        failure: _Failure,
    ) -> Flow[ApiResponse[M] | None]:
        """After a POST the server may have acted on, look the purchase up instead of resending."""
        logger.info("%s %s may have succeeded; looking the purchase up", op.method, op.path)
        try:
            page = yield from self._request_flow(lookup)
        except OpenApiException:
            logger.warning("%s %s: the lookup failed too; giving up", op.method, op.path)
            raise failure.error from failure.cause
        if not page.data.data:
            return None
        data = op.model.model_validate({"data": page.data.data[0]})
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

    # -- responses and errors ---------------------------------------------------------------------

    def _parse(self, op: Operation[M], response: httpx.Response) -> M:
        # A 204 to an operation documented to answer nothing (`NoContent`) has no JSON to sniff.
        empty = response.status_code == 204 and getattr(op.model, "accepts_no_content", False)
        wrong_host = None if empty else not_the_api(response, operation=f"{op.method} {op.path}")
        if wrong_host is not None:
            raise wrong_host
        try:
            return op.model.model_validate_json(response.content)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or '(body)'}: {err['msg']}"
                for err in exc.errors(include_url=False, include_input=False)
            )
            raise ApiResponseValidationError(
                f"{op.method} {op.path} returned {response.status_code} but the body does not "
                f"match {op.model.__name__}: {problems}"
            ) from exc

    def _status_error(
        self, op: Operation[Any], response: httpx.Response, retry_after: float | None
    ) -> ApiException:
        wrong_host = not_the_api(response, operation=f"{op.method} {op.path}")
        if wrong_host is not None:
            return wrong_host
        return make_status_error(
            response.status_code,
            response.reason_phrase,
            response.text,
            response.headers,
            scope=op.scope,
            operation=f"{op.method} {op.path}",
            retry_after=retry_after,
        )

    def _transport_error(
        self, op: Operation[Any], exc: Exception, safety: str
    ) -> ApiConnectionError:
        name = type(exc).__name__
        where = f"{op.method} {op.path}"
        maybe = ""
        if op.method == "POST" and safety == "ambiguous":
            maybe = "; the server may have acted on it"
        if isinstance(exc, httpx.TimeoutException):
            setting = "connect_timeout" if isinstance(exc, httpx.ConnectTimeout) else "read_timeout"
            return ApiTimeoutError(
                f"{where}: no answer in time ({name}){maybe}. Raise "
                f"Configuration({setting}=...) or pass _request_timeout=..."
            )
        detail = f": {self._redact(str(exc))}" if str(exc) else ""
        return ApiConnectionError(f"{where}: request failed ({name}{detail}){maybe}")

    def _redact(self, text: str) -> str:
        # httpx / h11 errors may quote a header value (e.g. "Illegal header value b'Bearer ...'").
        token = self.configuration.access_token
        return text.replace(token, "***") if token else text
