"""`ApiClient` and `AsyncApiClient`: the connection pool, and the loop that drives a request flow.

All policy (retries, pacing, recovery, parsing) is in `_base.BaseApiClient`; these two classes only
send requests, read each answer (within `max_response_size` and the attempt's stop) and sleep.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import TypeVar

import httpx

from gmodstore_sdk._base import (
    ApiResponse,
    BaseApiClient,
    Flow,
    M,
    Operation,
    Outcome,
)
from gmodstore_sdk._limits import ATTEMPT_END, ATTEMPT_STOP, body_limit, cut, expired
from gmodstore_sdk.configuration import Configuration
from gmodstore_sdk.exceptions import OpenApiException

__all__ = ["ApiClient", "AsyncApiClient"]

T = TypeVar("T")
_C = TypeVar("_C", bound="ApiClient")
_AC = TypeVar("_AC", bound="AsyncApiClient")


class ApiClient(BaseApiClient):
    """A connection pool plus configuration, shared by the API classes. Thread-safe.

    >>> import gmodstore_sdk
    >>> from gmodstore_sdk.api import product_purchases_api
    >>> config = gmodstore_sdk.Configuration(access_token="...")          # doctest: +SKIP
    >>> with gmodstore_sdk.ApiClient(config) as api_client:                # doctest: +SKIP
    ...     api = product_purchases_api.ProductPurchasesApi(api_client)
    ...     api.has_active_purchase(product_id, user_id)

    Args:
        configuration: host, token, timeouts, retries...; `Configuration()` (environment variables
            and defaults) when omitted.
        http_client: an `httpx.Client` to send through instead of creating one. Its own timeouts,
            proxies and TLS settings apply, it receives the SDK's headers per request, and the SDK
            does not close it.
        transport: an httpx transport for the client the SDK creates (e.g. `httpx.MockTransport`).
        sleep: the function used to wait (default `time.sleep`); tests pass a fake one.
        clock: the wall clock in epoch seconds (default `time.time`), used for rate limit resets.
        rand: a `random.random`-like function for backoff jitter.
    """

    _http: httpx.Client

    def __init__(
        self,
        configuration: Configuration | None = None,
        *,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
        rand: Callable[[], float] | None = None,
    ) -> None:
        super().__init__(configuration, custom_http=http_client is not None, clock=clock, rand=rand)
        self._owns_http = http_client is None
        if http_client is None:
            http_client = _Client(transport=transport, **self._http_options())
            _install_deadlines(http_client)
        self._http = http_client
        self._sleep = sleep if sleep is not None else time.sleep

    def _send(self, request: httpx.Request) -> Outcome:
        stop = request.extensions.get(ATTEMPT_STOP)
        token = ATTEMPT_END.set(None if stop is None else stop[0])
        try:
            response = self._http.send(request, stream=True)
            try:
                limit = body_limit(response, self.max_response_size)
                chunks = []
                size = 0
                for chunk in response.iter_bytes():
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > limit:
                        return cut(response, chunks, limit, self.max_response_size)
                    if stop is not None and time.monotonic() > stop[0]:
                        return expired(request)
                response._content = b"".join(chunks)
                return response
            finally:
                response.close()
        except (httpx.HTTPError, OpenApiException) as exc:
            return exc
        finally:
            ATTEMPT_END.reset(token)

    def _run(self, flow: Flow[T]) -> T:
        action = next(flow)
        while True:
            outcome: Outcome
            if isinstance(action, httpx.Request):
                outcome = self._send(action)
            else:
                self._sleep(action)
                outcome = None
            try:
                action = flow.send(outcome)
            except StopIteration as stop:
                result: T = stop.value
                return result

    def _request(self, op: Operation[M]) -> ApiResponse[M]:
        return self._run(self._request_flow(op))

    def close(self) -> None:
        """Close the connection pool (unless it belongs to a caller-supplied `http_client`)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self: _C) -> _C:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncApiClient(BaseApiClient):
    """The asyncio twin of `ApiClient`; share one per event loop.

    >>> async with gmodstore_sdk.AsyncApiClient(config) as api_client:   # doctest: +SKIP
    ...     api = product_purchases_api.AsyncProductPurchasesApi(api_client)
    ...     await api.has_active_purchase(product_id, user_id)

    Args:
        configuration: as for `ApiClient`.
        http_client: an `httpx.AsyncClient` to send through (not closed by the SDK).
        transport: an async httpx transport for the client the SDK creates.
        sleep: the coroutine function used to wait (default `anyio.sleep`: asyncio or trio).
        clock: the wall clock in epoch seconds (default `time.time`).
        rand: a `random.random`-like function for backoff jitter.
    """

    _http: httpx.AsyncClient

    def __init__(
        self,
        configuration: Configuration | None = None,
        *,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        clock: Callable[[], float] | None = None,
        rand: Callable[[], float] | None = None,
    ) -> None:
        super().__init__(configuration, custom_http=http_client is not None, clock=clock, rand=rand)
        self._owns_http = http_client is None
        if http_client is None:
            http_client = _AsyncClient(transport=transport, **self._http_options())
            _install_deadlines(http_client)
        self._http = http_client
        self._sleep = sleep if sleep is not None else _anyio_sleep

    async def _send(self, request: httpx.Request) -> Outcome:
        stop = request.extensions.get(ATTEMPT_STOP)
        token = ATTEMPT_END.set(None if stop is None else stop[0])
        try:
            response = await self._http.send(request, stream=True)
            try:
                limit = body_limit(response, self.max_response_size)
                chunks = []
                size = 0
                async for chunk in response.aiter_bytes():
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > limit:
                        return cut(response, chunks, limit, self.max_response_size)
                    if stop is not None and time.monotonic() > stop[0]:
                        return expired(request)
                response._content = b"".join(chunks)
                return response
            finally:
                await response.aclose()
        except (httpx.HTTPError, OpenApiException) as exc:
            return exc
        finally:
            ATTEMPT_END.reset(token)

    async def _run(self, flow: Flow[T]) -> T:
        action = next(flow)
        while True:
            outcome: Outcome
            if isinstance(action, httpx.Request):
                outcome = await self._send(action)
            else:
                await self._sleep(action)
                outcome = None
            try:
                action = flow.send(outcome)
            except StopIteration as stop:
                result: T = stop.value
                return result

    async def _request(self, op: Operation[M]) -> ApiResponse[M]:
        return await self._run(self._request_flow(op))

    async def aclose(self) -> None:
        """Close the connection pool (unless it belongs to a caller-supplied `http_client`)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self: _AC) -> _AC:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


class _NoCookies(httpx.Cookies):
    """A cookie jar that stays empty: `Set-Cookie` answers are dropped, no `Cookie` is sent.

    The API authenticates every request by its token, so the SDK's own clients keep no state
    between requests: a cookie set by the API (or a proxy in front of it) is never replayed, not
    on the next call and not on a download from another host. It also spares every answer httpx's
    cookie parsing (urllib's request wrapper and an `email.message` of the headers).
    """

    def extract_cookies(self, response: httpx.Response) -> None:
        """Drop the answer's cookies."""

    def set(self, name: str, value: str, domain: str = "", path: str = "/") -> None:
        """Refuse: the SDK's clients send no cookies."""
        raise TypeError(_NO_COOKIES_MESSAGE)


_NO_COOKIES = _NoCookies()
_NO_COOKIES_MESSAGE = "the SDK's httpx client sends no cookies; pass your own http_client"


class _Cookieless:
    """The `cookies` of the SDK's own httpx clients: always empty; setting cookies is refused."""

    @property
    def cookies(self) -> httpx.Cookies:
        """Always empty."""
        return _NO_COOKIES

    @cookies.setter
    def cookies(self, cookies: object) -> None:
        if cookies:
            raise TypeError(_NO_COOKIES_MESSAGE)


class _Client(_Cookieless, httpx.Client):
    """The `httpx.Client` the SDK creates: httpx's, with no cookie jar (`_NoCookies`)."""


class _AsyncClient(_Cookieless, httpx.AsyncClient):
    """The `httpx.AsyncClient` the SDK creates, with no cookie jar (as `_Client`)."""


async def _anyio_sleep(seconds: float) -> None:
    import anyio  # imported on first use: anyio is an httpx dependency, but costs import time

    await anyio.sleep(seconds)


def _install_deadlines(http_client: httpx.Client | httpx.AsyncClient) -> None:
    from gmodstore_sdk._deadline import install_all  # imports httpcore, as the transport did

    install_all(http_client)
