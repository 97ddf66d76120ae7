"""The request-rate limiter: one per API user and process, shared by every HTTP attempt.

WXM allows 15 requests per second per access token and answers HTTP 429 above it (wxm-api.md §1).
The limiter sits in a `requests` transport adapter (`RateLimitedAdapter`), below the session, the
auth and the retry loop, so *every* attempt passes through it: first tries, retries after a 429 or a
5xx, and logins to /api/LoginToken. Threads share it (pyrate-limiter's `Limiter` is thread-safe), so
the rate is the total of all requests in flight, not a per-thread budget; and source instances of
the same user in one process (a backfill's chunks) share it too (`shared_limiter`).

Algorithm: pyrate-limiter 4.x sliding-window log with two rates at once -- `floor(rate)` per second,
and one request per `1/rate` second -- so no sliding second ever holds more than `rate` requests and
requests leave evenly spaced instead of in bursts at the start of each second. Bursts matter even
under the limit: a server that is briefly busy reads a burst as arriving at once, and measured with
a 7-request burst allowance the simulator saw up to 19 requests in one of its seconds (and sent
429s) while the client never sent more than 14. The default, 14/s, stays one under WXM's 15/s for
the same reason. pyrate's `buffer_ms` (oversleep after a wait) is 2 ms: every waiting thread
oversleeps by it, so its default of 50 ms alone would cost a quarter of the rate.

A 429 also puts the whole limiter on hold: with `Retry-After` for that long, otherwise for one
second (Cisco's own client waits 1 s first). Without the hold, the other threads would keep hitting
the API during the cool-down and the storm would feed itself.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from typing import Any

from pyrate_limiter import Duration, InMemoryBucket, Limiter, Rate
from requests import PreparedRequest, Response
from requests.adapters import HTTPAdapter

from sources.wxm.exceptions import WxmError
from sources.wxm.stats import SyncStats

logger = logging.getLogger(__name__)

DEFAULT_COOLDOWN_S = 1.0
"""Hold after a 429 without `Retry-After`."""
MAX_COOLDOWN_S = 120.0
"""Longest hold a `Retry-After` header can impose."""


def rates_for(rate_limit: float) -> list[Rate]:
    """The pyrate-limiter rates that keep every sliding second at or under `rate_limit`.

    Args:
        rate_limit: requests per second, > 0.

    Returns:
        Rates, from the shortest interval to the longest.
    """
    if rate_limit <= 0:
        raise ValueError("rate_limit must be positive")
    if rate_limit < 1:
        return [Rate(1, math.ceil(Duration.SECOND.value / rate_limit))]
    per_second = math.floor(rate_limit)
    rates = [Rate(per_second, Duration.SECOND)]
    if per_second >= 2:
        # evenly spaced: one request per 1/rate second (floored, so the rate list stays valid)
        rates.insert(0, Rate(1, Duration.SECOND.value // per_second))
    return rates


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if math.isnan(seconds) or seconds < 0:
        return None
    return min(seconds, MAX_COOLDOWN_S)


_SHARED: dict[tuple[str, str, float], RateLimiter] = {}
_SHARED_LOCK = threading.Lock()


def shared_limiter(base_url: str, username: str, rate_limit: float) -> RateLimiter:
    """The process's limiter for one API user: every source instance of that user shares it.

    WXM counts requests per user and token, and a backfill runs one source instance per chunk:
    a fresh limiter per instance would forget the previous chunk's last second and could burst
    over the rate at every chunk boundary.
    """
    key = (base_url, username.lower(), rate_limit)
    with _SHARED_LOCK:
        if key not in _SHARED:
            _SHARED[key] = RateLimiter(rate_limit)
        return _SHARED[key]


class RateLimiter:
    """A blocking, thread-safe request limiter with a shared hold after 429s.

    Args:
        rate_limit: requests per second; 0 or less turns limiting off (tests only).
        sleep: the sleep function (tests pass a fake one).
        clock: a monotonic clock in seconds (tests pass a fake one).
    """

    def __init__(
        self,
        rate_limit: float,
        *,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate_limit = rate_limit
        self._limiter: Limiter | None = None
        if rate_limit > 0:
            self._limiter = Limiter(InMemoryBucket(rates_for(rate_limit)), buffer_ms=2)
        self._sleep = sleep
        self._clock = clock
        self._hold_lock = threading.Lock()
        self._hold_until = 0.0

    def acquire(self, stop: threading.Event | None = None) -> None:
        """Block until one request may be sent (after any hold, then within the rate).

        A slot taken while a hold began is given up: the thread waits the hold out and takes a
        fresh slot, so threads released by the end of a hold still go out at the rate, not at once.

        Args:
            stop: the caller's sync is ending once set: a hold's wait ends at once and
                `WxmError` is raised instead of sending.
        """
        stop = stop or threading.Event()
        while True:
            self._wait_hold(stop)
            if self._limiter is not None:
                self._limiter.try_acquire("wxm")
            _check_stop(stop)
            with self._hold_lock:
                if self._hold_until <= self._clock():
                    return

    def hold(self, seconds: float) -> None:
        """Stop every request for `seconds` from now (extends, never shortens, a hold)."""
        until = self._clock() + seconds
        with self._hold_lock:
            if until > self._hold_until:
                self._hold_until = until
                logger.info("rate limited by WXM: holding all requests for %.1f s", seconds)

    def _wait_hold(self, stop: threading.Event) -> None:
        while True:
            _check_stop(stop)
            with self._hold_lock:
                remaining = self._hold_until - self._clock()
            if remaining <= 0:
                return
            if self._sleep is not None:
                self._sleep(remaining)
            else:
                stop.wait(remaining)

    def close(self) -> None:
        """Stop the limiter's background leak thread."""
        if self._limiter is not None:
            self._limiter.close()


def _check_stop(stop: threading.Event) -> None:
    if stop.is_set():
        raise WxmError("the sync was stopped before all requests were sent")


class RateLimitedAdapter(HTTPAdapter):
    """A `requests` transport adapter that passes every attempt through a `RateLimiter`.

    It also counts attempts and 429s into `SyncStats` and puts the limiter on hold after a 429.

    Args:
        limiter: the shared limiter.
        stats: the sync's counters.
        stop: the sync's cancellation event (see `RateLimiter.acquire`).
        **kwargs: passed to `HTTPAdapter` (e.g. `pool_maxsize`).
    """

    def __init__(
        self,
        limiter: RateLimiter,
        stats: SyncStats,
        stop: threading.Event | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.limiter = limiter
        self.stats = stats
        self.stop = stop or threading.Event()

    def send(
        self,
        request: PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> Response:
        """Wait for the limiter, then send; count the attempt and react to a 429."""
        self.limiter.acquire(self.stop)
        self.stats.add("requests")
        response = super().send(
            request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies
        )
        if response.status_code == 429:
            self.stats.add("rate_limited")
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            self.limiter.hold(DEFAULT_COOLDOWN_S if retry_after is None else retry_after)
        return response
