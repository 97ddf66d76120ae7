"""Retries of one API call: which failures are transient, how long to wait, when to give up.

Built on tenacity, the library dlt's own HTTP client retries with. dlt's `Client` is not used as is
because (1) it decides on the status code only, while WXM also fails with truncated JSON and HTML
error pages sent with status 200, which are only seen once the body is parsed inside the attempt;
(2) it has no jitter, so threads that hit a 429 together would retry together; (3) it has one
attempt budget for everything, while a 429 storm deserves more patience than a dead server. So
this module builds its own `tenacity.Retrying` with tenacity's stock pieces:

* transient: HTTP 429, 5xx, connection errors and resets, timeouts, chunked-encoding errors,
  truncated or non-JSON bodies, HTML with status 200 (`TransientError`, raised by the client);
* wait: `Retry-After` when the server sent one (capped), else `wait_exponential_jitter` (0.5 s,
  1 s, 2 s, ... capped at 30 s -- 8 s after a 429 -- plus up to 1 s of random jitter);
* stop: 8 attempts for 5xx/network/bad-body failures; for 429s 30 attempts *and* 5 minutes (a
  429 costs only time, and 30 short `Retry-After`s are only half a minute); then
  the last error is raised (an `ApiError` for HTTP failures, the `requests` exception for network
  failures).

The wait happens in the calling thread; the shared rate limiter is also put on hold by a 429 (see
`ratelimit.py`), so other threads do not keep feeding a storm.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import requests
from tenacity import RetryCallState, Retrying, retry_if_exception, wait_exponential_jitter

from sources.wxm.exceptions import ApiError
from sources.wxm.stats import SyncStats

logger = logging.getLogger(__name__)

T = TypeVar("T")


class TransientError(ApiError):
    """A failure worth another attempt (429, 5xx, bad body).

    Attributes:
        retry_after: seconds the server asked to wait (`Retry-After`), if any.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        path: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status=status, path=path)
        self.retry_after = retry_after


RETRYABLE = (
    TransientError,
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


def is_retryable(error: BaseException) -> bool:
    """Transient failures; a TLS verification failure is a network error that never heals."""
    return isinstance(error, RETRYABLE) and not isinstance(error, requests.exceptions.SSLError)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds of the retry loop.

    Attributes:
        max_attempts: attempts for 5xx, network failures and bad bodies.
        max_rate_limited_attempts: attempts while the API answers 429 ...
        rate_limited_patience: ... and seconds since the first attempt: a 429 storm ends the
            call only when both are spent (a storm of short `Retry-After`s is not a failure).
        backoff: first exponential wait in seconds (doubles each attempt).
        max_backoff: cap of the exponential wait and of `Retry-After`.
        max_rate_limited_backoff: cap of the exponential wait after a 429 without `Retry-After`
            (WXM counts requests per second, so a longer wait only loses time).
        jitter: up to this many random seconds added to each exponential wait.
    """

    max_attempts: int = 8
    max_rate_limited_attempts: int = 30
    rate_limited_patience: float = 300.0
    backoff: float = 0.5
    max_backoff: float = 30.0
    max_rate_limited_backoff: float = 8.0
    jitter: float = 1.0


def _is_rate_limited(state: RetryCallState) -> bool:
    error = state.outcome.exception() if state.outcome else None
    return isinstance(error, TransientError) and error.status == 429


def describe(error: BaseException | None) -> str:
    """A short, secret-free description of a failed attempt."""
    if isinstance(error, ApiError):
        return f"{error.status or '-'} {error}"
    return type(error).__name__ if error else "unknown"


class _Wait:
    """`Retry-After` when given, else exponential backoff with jitter (capped)."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self.exponential = wait_exponential_jitter(
            multiplier=policy.backoff, max=policy.max_backoff, jitter=policy.jitter
        )
        self.rate_limited = wait_exponential_jitter(
            multiplier=policy.backoff, max=policy.max_rate_limited_backoff, jitter=policy.jitter
        )

    def __call__(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, TransientError) and error.retry_after is not None:
            return min(error.retry_after, self.policy.max_backoff)
        if _is_rate_limited(state):
            return float(self.rate_limited(state))
        return float(self.exponential(state))


def retrying(
    policy: RetryPolicy,
    stats: SyncStats,
    *,
    what: str,
    sleep: Callable[[float], None] | None = None,
) -> Retrying:
    """A tenacity `Retrying` for one API call.

    Args:
        policy: the bounds.
        stats: counts each retry into `stats.retries`.
        what: a secret-free label for log lines (method and path).
        sleep: the sleep function (tests pass a fake one).

    Returns:
        A `Retrying` that re-raises the last error once attempts are spent.
    """

    def stop(state: RetryCallState) -> bool:
        if _is_rate_limited(state):
            return (
                state.attempt_number >= policy.max_rate_limited_attempts
                and (state.seconds_since_start or 0.0) >= policy.rate_limited_patience
            )
        return state.attempt_number >= policy.max_attempts

    def before_sleep(state: RetryCallState) -> None:
        stats.add("retries")
        error = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        # INFO, not WARNING: a retried failure is routine (counted in `stats.retries`); the
        # failure that ends the retries is raised, and cron mails only what reaches stderr
        logger.info(
            "`%s` attempt %d failed (%s); retrying in %.1f s",
            what,
            state.attempt_number,
            describe(error),
            wait,
        )

    return Retrying(
        retry=retry_if_exception(is_retryable),
        stop=stop,
        wait=_Wait(policy),
        sleep=sleep or _sleep,
        before_sleep=before_sleep,
        reraise=True,
    )


def _sleep(seconds: float) -> None:
    time.sleep(seconds)  # looked up at call time, so tests can replace it


def pause(seconds: float, stop: threading.Event) -> None:
    """Sleep between attempts, cut short when `stop` is set (the sync is ending)."""
    stop.wait(seconds)


def call_with_retries(
    fn: Callable[[], T],
    policy: RetryPolicy,
    stats: SyncStats,
    *,
    what: str,
    sleep: Callable[[float], None] | None = None,
) -> T:
    """Call `fn` until it succeeds, a non-transient error is raised, or attempts are spent."""
    return retrying(policy, stats, what=what, sleep=sleep)(fn)
