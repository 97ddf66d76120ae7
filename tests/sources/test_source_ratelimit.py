"""Unit tests of `sources.wxm.ratelimit`: the rate is never exceeded; a 429 holds the limiter."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from sources.wxm.exceptions import WxmError
from sources.wxm.ratelimit import RateLimiter, parse_retry_after, rates_for, shared_limiter
from tests.sources.conftest import canned_client, login_ok


def max_in_window(stamps: list[float], window: float = 1.0) -> int:
    stamps = sorted(stamps)
    best, left = 0, 0
    for right, stamp in enumerate(stamps):
        while stamp - stamps[left] >= window:
            left += 1
        best = max(best, right - left + 1)
    return best


def test_rates_keep_every_second_under_the_limit() -> None:
    assert [(r.limit, r.interval) for r in rates_for(14.0)] == [(1, 71), (14, 1000)]
    assert [(r.limit, r.interval) for r in rates_for(14.9)] == [(1, 71), (14, 1000)]
    assert [(r.limit, r.interval) for r in rates_for(1)] == [(1, 1000)]
    assert [(r.limit, r.interval) for r in rates_for(0.5)] == [(1, 2000)]
    with pytest.raises(ValueError):
        rates_for(0)


def test_parse_retry_after_seconds_and_dates() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(" 2 ") == 2.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("100000") == 120.0  # capped
    later = datetime.now(UTC) + timedelta(seconds=30)
    seconds = parse_retry_after(format_datetime(later, usegmt=True))
    assert seconds is not None and 25 <= seconds <= 31


def test_every_attempt_passes_the_limiter_across_threads() -> None:
    """16 threads, 60 requests incl. the login, at 20/s: no sliding second holds more than 20."""

    def handler(request):  # type: ignore[no-untyped-def]
        if request.path_url.endswith("LoginToken"):
            return login_ok()
        return 200, [], {}

    client = canned_client(handler, rate_limit=20)
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda _i: client.get("/api/questions"), range(59)))
    stamps = [t for t, _m, _p in client.transport.sent]  # type: ignore[attr-defined]
    assert len(stamps) == 60
    assert max_in_window(stamps) <= 20
    assert client.stats.requests == 60
    client.close()


def test_a_429_holds_every_thread() -> None:
    slept: list[float] = []
    clock = {"now": 100.0}
    lock = threading.Lock()

    def sleep(seconds: float) -> None:
        with lock:
            slept.append(seconds)
            clock["now"] += seconds

    limiter = RateLimiter(0, sleep=sleep, clock=lambda: clock["now"])
    limiter.hold(2.5)
    limiter.hold(1.0)  # a shorter hold never shortens the current one
    limiter.acquire()
    assert slept == [2.5]
    limiter.acquire()
    assert slept == [2.5]


def test_a_stopped_sync_ends_its_waits_and_sends_nothing() -> None:
    stop = threading.Event()
    limiter = RateLimiter(1)
    limiter.acquire(stop)
    limiter.hold(60)
    stop.set()
    with pytest.raises(WxmError, match="stopped"):
        limiter.acquire(stop)  # returns at once instead of waiting out the hold


def test_one_limiter_per_api_user_across_source_instances() -> None:
    first = shared_limiter("https://api.example", "Ann", 14)
    assert shared_limiter("https://api.example", "ann", 14) is first
    assert shared_limiter("https://api.example", "bob", 14) is not first
