"""Unit tests of `sources.wxm.retry` and the client's body checks: what is retried, how long."""

from __future__ import annotations

import pytest
import requests

from sources.wxm.exceptions import ApiError
from sources.wxm.retry import RetryPolicy, TransientError, call_with_retries
from sources.wxm.stats import SyncStats
from tests.sources.conftest import canned_client, login_ok


def flaky(errors: list[BaseException], result: str = "ok"):  # type: ignore[no-untyped-def]
    calls = {"n": 0}

    def fn() -> str:
        calls["n"] += 1
        if errors:
            raise errors.pop(0)
        return result

    return fn, calls


def test_retry_after_is_honoured_and_capped() -> None:
    waits: list[float] = []
    fn, calls = flaky(
        [
            TransientError("429", status=429, retry_after=3.0),
            TransientError("429", status=429, retry_after=500.0),
        ]
    )
    stats = SyncStats()
    assert (
        call_with_retries(fn, RetryPolicy(max_backoff=30), stats, what="t", sleep=waits.append)
        == "ok"
    )
    assert waits == [3.0, 30.0]
    assert calls["n"] == 3
    assert stats.retries == 2


def test_backoff_without_retry_after_is_exponential_with_bounded_jitter() -> None:
    waits: list[float] = []
    errors: list[BaseException] = [TransientError("503", status=503) for _ in range(4)]
    fn, _ = flaky(errors)
    policy = RetryPolicy(backoff=0.5, max_backoff=30, jitter=1.0, max_attempts=6)
    call_with_retries(fn, policy, SyncStats(), what="t", sleep=waits.append)
    assert len(waits) == 4
    for n, wait in enumerate(waits):
        assert 0.5 * 2**n <= wait <= 0.5 * 2**n + 1.0


def test_attempts_are_bounded_and_the_last_error_is_raised() -> None:
    fn, calls = flaky([requests.ConnectionError("reset") for _ in range(10)])
    with pytest.raises(requests.ConnectionError):
        call_with_retries(
            fn, RetryPolicy(max_attempts=3), SyncStats(), what="t", sleep=lambda s: None
        )
    assert calls["n"] == 3


def test_429s_get_a_bigger_budget_than_failures() -> None:
    errors: list[BaseException] = [TransientError("429", status=429) for _ in range(9)]
    fn, calls = flaky(errors)
    policy = RetryPolicy(max_attempts=3, max_rate_limited_attempts=12)
    assert call_with_retries(fn, policy, SyncStats(), what="t", sleep=lambda s: None) == "ok"
    assert calls["n"] == 10


def test_non_transient_errors_are_not_retried() -> None:
    fn, calls = flaky([ApiError("404", status=404)])
    with pytest.raises(ApiError):
        call_with_retries(fn, RetryPolicy(), SyncStats(), what="t", sleep=lambda s: None)
    assert calls["n"] == 1


@pytest.mark.usefixtures("fast_retries")
def test_client_retries_bad_bodies_and_reads_empty_ones_as_no_data() -> None:
    bodies = [
        (503, b'{"Message":"An error has occurred."}', {}),
        (200, b"<html><body>Server Error</body></html>", {"Content-Type": "text/html"}),
        (200, b'{"currentPage":1,"responses":[{"id":"a"', {}),  # truncated JSON
        (429, b"{}", {"Retry-After": "0"}),
        (200, b'{"currentPage":1,"responses":[{"id":"a"}],"totalCount":1,"totalPages":1}', {}),
    ]

    def handler(request):  # type: ignore[no-untyped-def]
        if request.path_url.endswith("LoginToken"):
            return login_ok()
        if request.path_url.endswith("count"):
            return 200, b"", {}
        if request.path_url.endswith("questions"):
            return 200, b"null", {}
        return bodies.pop(0)

    client = canned_client(handler)
    page = client.answers_page({}, 1, 10)
    assert [a["id"] for a in page.responses] == ["a"] and page.total_count == 1
    assert client.stats.retries == 4
    assert client.stats.rate_limited == 1
    assert client.answers_count({}) == 0
    assert client.get("/api/questions") is None


def test_client_gives_up_on_client_errors_at_once() -> None:
    def handler(request):  # type: ignore[no-untyped-def]
        if request.path_url.endswith("LoginToken"):
            return login_ok()
        return 404, {"Message": "No HTTP resource was found"}, {}

    client = canned_client(handler)
    with pytest.raises(ApiError) as raised:
        client.get("/api/nothing")
    assert raised.value.status == 404
    assert client.stats.requests == 2  # the login and one attempt
