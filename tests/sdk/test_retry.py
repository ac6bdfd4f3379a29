"""The pure retry / rate-limit decisions of `_retry.py`."""

from __future__ import annotations

from datetime import datetime, timezone

import httpx
import pytest

from gmodstore_sdk import RateLimit
from gmodstore_sdk._retry import (
    RateLimiter,
    backoff_delay,
    classify_transport_error,
    parse_reset,
    parse_retry_after,
    wait_until_reset,
)

from .conftest import EPOCH


def test_backoff_doubles_with_jitter_and_cap() -> None:
    delays = [backoff_delay(n, base=0.5, maximum=3.0, rand=lambda: 1.0) for n in range(5)]
    assert delays == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert backoff_delay(1, base=0.5, maximum=3.0, rand=lambda: 0.0) == 0.5


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1700000060", 1_700_000_060.0),
        ("30", EPOCH + 30),
        ("0", EPOCH),
        ("12.5", EPOCH + 12.5),
        (None, None),
        ("soon", None),
        ("-3", None),
        ("inf", None),
        ("nan", None),
    ],
)
def test_parse_reset_epoch_or_delta(value: str | None, expected: float | None) -> None:
    assert parse_reset(value, EPOCH) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7", 7.0),
        ("0.5", 0.5),
        ("Tue, 14 Nov 2023 22:13:40 GMT", 20.0),
        ("Tue, 14 Nov 2023 22:13:00 GMT", 0.0),  # in the past
        ("Tue, 14 Nov 2023 22:13:40", 20.0),  # no zone: UTC
        ("whenever", None),
        ("-1", None),
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, EPOCH) == expected


@pytest.mark.parametrize(
    ("exc", "safety"),
    [
        (httpx.ConnectError("refused"), "unsent"),
        (httpx.ConnectTimeout("slow"), "unsent"),
        (httpx.PoolTimeout("busy"), "unsent"),
        (httpx.ReadTimeout("slow"), "ambiguous"),
        (httpx.WriteTimeout("slow"), "ambiguous"),
        (httpx.ReadError("reset"), "ambiguous"),
        (httpx.RemoteProtocolError("closed"), "ambiguous"),
        (httpx.UnsupportedProtocol("ftp"), "fatal"),
        (httpx.LocalProtocolError("bad"), "fatal"),
        (httpx.ProxyError("proxy"), "fatal"),
        (httpx.DecodingError("gzip"), "fatal"),
        (httpx.TooManyRedirects("loop"), "fatal"),
    ],
)
def test_classify_transport_error(exc: Exception, safety: str) -> None:
    assert classify_transport_error(exc) == safety


def test_limiter_counts_down_then_waits_for_the_reset() -> None:
    limiter = RateLimiter(window=60.0)
    assert limiter.snapshot() is None
    assert limiter.reserve(EPOCH) == 0.0  # nothing known: go
    limiter.update({"x-ratelimit-limit": "300"}, EPOCH)  # no remaining: ignored
    assert limiter.snapshot() is None
    headers = {"x-ratelimit-limit": "300", "x-ratelimit-remaining": "2", "x-ratelimit-reset": "30"}
    limiter.update(headers, EPOCH)
    assert limiter.snapshot() == RateLimit(300, 2, EPOCH + 30)
    assert limiter.reserve(EPOCH + 1) == 0.0
    assert limiter.reserve(EPOCH + 1) == 0.0
    assert limiter.reserve(EPOCH + 1) == 29.0  # budget spent: wait for the reset
    assert limiter.reserve(EPOCH + 31) == 0.0  # window over: go, budget unknown
    assert limiter.reserve(EPOCH + 31) == 0.0


def test_limiter_reports_long_waits_as_they_are() -> None:
    limiter = RateLimiter(window=60.0)
    limiter.update({"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(EPOCH + 500)}, EPOCH)
    assert limiter.reserve(EPOCH) == 500.0  # judging it is the client's business
    limiter.update({"x-ratelimit-remaining": "0"}, EPOCH)  # no reset: nothing to wait for
    assert limiter.reserve(EPOCH) == 0.0


def test_limiter_tolerates_odd_values() -> None:
    limiter = RateLimiter(window=60.0)
    limiter.update({"x-ratelimit-remaining": "4.0", "x-ratelimit-limit": "lots"}, EPOCH)
    assert limiter.snapshot() == RateLimit(None, 4, None)
    limiter.update({"x-ratelimit-remaining": "many"}, EPOCH)
    assert limiter.snapshot() == RateLimit(None, None, None)
    assert limiter.reserve(EPOCH) == 0.0


def test_wait_until_reset() -> None:
    assert wait_until_reset({}, EPOCH) is None
    assert wait_until_reset({"x-ratelimit-reset": "12"}, EPOCH) == 12.0
    assert wait_until_reset({"x-ratelimit-reset": str(EPOCH + 600)}, EPOCH) == 600.0
    assert wait_until_reset({"x-ratelimit-reset": str(EPOCH - 5)}, EPOCH) == 0.0


def test_rate_limit_value() -> None:
    limit = RateLimit(300, 0, 1_700_000_060.0)
    assert limit.reset_at == datetime(2023, 11, 14, 22, 14, 20, tzinfo=timezone.utc)
    assert RateLimit(None, None, None).reset_at is None
    assert repr(limit) == "RateLimit(limit=300, remaining=0, reset=1700000060.0)"
    assert limit != RateLimit(300, 1, 1_700_000_060.0)
    assert limit != "RateLimit"


def test_limiter_budget_is_shared_by_threads() -> None:
    import threading

    limiter = RateLimiter(window=60.0)
    limiter.update({"x-ratelimit-remaining": "10", "x-ratelimit-reset": "30"}, EPOCH)
    waits: list[float] = []
    start = threading.Barrier(20)

    def worker() -> None:
        start.wait()
        waits.append(limiter.reserve(EPOCH))

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(waits) == [0.0] * 10 + [30.0] * 10


def test_limiter_keeps_in_flight_reservations() -> None:
    limiter = RateLimiter(window=60.0)
    reset = str(EPOCH + 30)
    limiter.update({"x-ratelimit-remaining": "5", "x-ratelimit-reset": reset}, EPOCH)
    for _ in range(3):
        limiter.reserve(EPOCH)  # three requests in flight: 2 left
    # The first of them answers "4 left": it does not know about the two sent after it.
    limiter.update({"x-ratelimit-remaining": "4", "x-ratelimit-reset": reset}, EPOCH + 1)
    assert limiter.snapshot() == RateLimit(None, 2, EPOCH + 30)
    # An answer from the next window replaces the count.
    later = str(EPOCH + 90)
    limiter.update({"x-ratelimit-remaining": "9", "x-ratelimit-reset": later}, EPOCH + 31)
    assert limiter.snapshot() == RateLimit(None, 9, EPOCH + 90)
    # Without reset headers there is no telling windows apart: the server's count wins.
    limiter.reserve(EPOCH + 31)
    limiter.update({"x-ratelimit-remaining": "9"}, EPOCH + 32)
    assert limiter.snapshot() == RateLimit(None, 9, None)


def test_limiter_refills_from_the_limit_after_a_reset() -> None:
    limiter = RateLimiter(window=60.0)
    headers = {"x-ratelimit-limit": "3", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "10"}
    limiter.update(headers, EPOCH)
    assert limiter.reserve(EPOCH + 5) == 5.0
    # After the reset the full budget is assumed, for a window that opens with the first request.
    assert [limiter.reserve(EPOCH + 11) for _ in range(4)] == [0.0] * 3 + [60.0]
    assert limiter.snapshot() == RateLimit(3, 0, EPOCH + 71)


def test_limiter_ignores_answers_from_an_earlier_window() -> None:
    limiter = RateLimiter(window=60.0)
    limiter.update({"x-ratelimit-remaining": "7", "x-ratelimit-reset": str(EPOCH + 100)}, EPOCH)
    limiter.update({"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(EPOCH + 30)}, EPOCH)
    assert limiter.snapshot() == RateLimit(None, 7, EPOCH + 100)
    # Same window, a later reset (seconds-from-now headers drift): the later one is kept.
    limiter.update({"x-ratelimit-remaining": "6", "x-ratelimit-reset": str(EPOCH + 101)}, EPOCH)
    assert limiter.snapshot() == RateLimit(None, 6, EPOCH + 101)
