"""Fixtures for the SDK tests: scripted `httpx.MockTransport` servers, a fake clock, test data."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

import gmodstore_sdk
from gmodstore_sdk.api.product_purchases_api import AsyncProductPurchasesApi, ProductPurchasesApi

PRODUCT = "a7d3779e-8aab-4d34-875a-824be51b3ff7"
PURCHASE = "206ca0c8-4261-4a16-990f-1bf3f62d7d25"
USER = "6f1c2a44-3b8e-4d59-9b0a-0c9e8f7d6a51"
TOKEN = "s3cr3t-token-value"
EPOCH = 1_700_000_000.0


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def purchase(i: int = 0, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": PURCHASE if i == 0 else f"00000000-0000-4000-8000-{i:012d}",
        "userId": USER if i == 0 else f"10000000-0000-4000-8000-{i:012d}",
        "productId": PRODUCT,
        "revoked": False,
        "createdAt": "2024-05-01T12:00:00Z",
        "updatedAt": "2024-05-02T08:30:00+02:00",
    }
    body.update(overrides)
    return body


def single(status: int = 200, **overrides: Any) -> httpx.Response:
    return httpx.Response(status, json={"data": purchase(**overrides)})


def page(
    items: list[dict[str, Any]], next_cursor: str | None = None, per_page: int = 24
) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "data": items,
            "cursors": {"prev": None, "next": next_cursor},
            "connections": [],
            "meta": {"perPage": per_page},
        },
    )


def error(status: int, message: str = "nope", **headers: str) -> httpx.Response:
    return httpx.Response(status, json={"message": message}, headers=headers)


Step = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


class Script:
    """A mock server that answers from a list of steps (the last one repeats) and records requests.

    A step is a response, an exception to raise (as httpx would), or a function of the request.
    """

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps) or [single()]
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if isinstance(step, Exception):
            if isinstance(step, httpx.RequestError):
                step.request = request
            raise step
        if isinstance(step, httpx.Response):
            return httpx.Response(
                step.status_code, headers=step.headers, content=step.content, request=request
            )
        return step(request)

    @property
    def methods(self) -> list[str]:
        return [r.method for r in self.requests]

    def body(self, i: int = -1) -> Any:
        return json.loads(self.requests[i].content)


class FakeClock:
    """`clock` and `sleep` for the clients: sleeping advances the clock, nothing really waits."""

    def __init__(self, now: float = EPOCH) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        """Let other tasks run, as a real sleep would; concurrent sleeps overlap, not add up."""
        import anyio

        self.sleeps.append(seconds)
        until = self.now + seconds
        await anyio.sleep(0)
        self.now = max(self.now, until)


def config(**overrides: Any) -> gmodstore_sdk.Configuration:
    options: dict[str, Any] = {"host": "https://api.test", "access_token": TOKEN}
    options.update(overrides)
    return gmodstore_sdk.Configuration(**options)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_api(clock: FakeClock) -> Iterator[Callable[..., ProductPurchasesApi]]:
    """`make_api(script, **config)` -> a sync API on a MockTransport, fake clock, no jitter."""
    clients: list[gmodstore_sdk.ApiClient] = []

    def make(script: Script, **overrides: Any) -> ProductPurchasesApi:
        client = gmodstore_sdk.ApiClient(
            config(**overrides),
            transport=httpx.MockTransport(script),
            sleep=clock.sleep,
            clock=clock,
            rand=lambda: 1.0,
        )
        clients.append(client)
        return ProductPurchasesApi(client)

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def make_async_api(clock: FakeClock) -> Callable[..., AsyncProductPurchasesApi]:
    """The async twin of `make_api` (close with `await api.api_client.aclose()` if needed)."""

    def make(script: Script, **overrides: Any) -> AsyncProductPurchasesApi:
        client = gmodstore_sdk.AsyncApiClient(
            config(**overrides),
            transport=httpx.MockTransport(script),
            sleep=clock.asleep,
            clock=clock,
            rand=lambda: 1.0,
        )
        return AsyncProductPurchasesApi(client)

    return make


class WindowServer:
    """A rate-limited mock server: `budget` requests per fixed `window` (aligned on its start),
    then 429 with `Retry-After`. Thread-safe; counts the statuses it sent."""

    def __init__(self, budget: int, window: float, clock: Callable[[], float]) -> None:
        import threading

        self.budget = budget
        self.window = window
        self.clock = clock
        self.start = clock()
        self.counts: dict[int, int] = {}
        self.statuses: list[int] = []
        self._lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            now = self.clock()
            k = int((now - self.start) // self.window)
            end = self.start + (k + 1) * self.window
            n = self.counts[k] = self.counts.get(k, 0) + 1
            headers = {
                "X-RateLimit-Limit": str(self.budget),
                "X-RateLimit-Remaining": str(max(0, self.budget - n)),
                "X-RateLimit-Reset": repr(end),
            }
            status = 200
            if n > self.budget:
                status = 429
                headers["Retry-After"] = repr(end - now)
            self.statuses.append(status)
        body = {"data": purchase()} if status == 200 else {"message": "Too Many Attempts."}
        return httpx.Response(status, json=body, headers=headers)
