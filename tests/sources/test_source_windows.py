"""Unit tests of `sources.wxm.windows`: instants, the scan range and the adaptive split."""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from sources.wxm.windows import (
    EARLIEST,
    Span,
    fixed_end,
    format_instant,
    parse_instant,
    plan_windows,
    scan_range,
    split_span,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


class FakeCounts:
    """`count_many` over a sorted list of instants (inclusive bounds), counting calls."""

    def __init__(self, instants: Sequence[datetime]) -> None:
        self.instants = sorted(instants)
        self.spans_counted = 0
        self.calls = 0

    def __call__(self, spans: Sequence[Span]) -> list[int]:
        self.calls += 1
        self.spans_counted += len(spans)
        return [
            bisect.bisect_right(self.instants, end) - bisect.bisect_left(self.instants, start)
            for start, end in spans
        ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2014-12-20T14:34:08.426Z", utc(2014, 12, 20, 14, 34, 8, 426000)),
        ("2014-12-20T14:34:08Z", utc(2014, 12, 20, 14, 34, 8)),
        ("2014-12-20T14:34:08.1234567Z", utc(2014, 12, 20, 14, 34, 8, 123456)),
        ("2014-12-20T14:34:08.4", utc(2014, 12, 20, 14, 34, 8, 400000)),  # no Z: UTC
        ("2014-12-20T20:04:08+05:30", utc(2014, 12, 20, 14, 34, 8)),
        ("2014-12-20", utc(2014, 12, 20)),
    ],
)
def test_parse_instant_reads_every_wire_form_as_utc(text: str, expected: datetime) -> None:
    assert parse_instant(text) == expected
    assert parse_instant(text).tzinfo is not None


def test_parse_instant_rejects_garbage() -> None:
    with pytest.raises(ValueError, match="not an ISO date"):
        parse_instant("yesterday")


def test_format_instant_is_utc_milliseconds_with_z() -> None:
    value = datetime(2024, 3, 1, 12, 0, 0, 123999, tzinfo=UTC)
    assert format_instant(value) == "2024-03-01T12:00:00.123Z"
    offset = parse_instant("2024-03-01T17:30:00.5+05:30")
    assert format_instant(offset) == "2024-03-01T12:00:00.500Z"
    assert format_instant(datetime(999, 1, 2, tzinfo=UTC)) == "0999-01-02T00:00:00.000Z"


def test_fixed_end_is_in_the_past_on_whole_seconds() -> None:
    now = utc(2024, 5, 1, 10, 0, 0, 999999)
    end = fixed_end(now, timedelta(minutes=2))
    assert end == utc(2024, 5, 1, 9, 58, 0)


def test_scan_range_first_sync_whole_history_starts_where_history_starts() -> None:
    end = utc(2024, 5, 1)
    span = scan_range(
        end=end,
        cursor=None,
        lookback=timedelta(days=7),
        start_date=None,
        earliest=lambda: utc(2021, 1, 1, 0, 0, 0, 1500),
    )
    assert span == (utc(2021, 1, 1, 0, 0, 0, 1000), end)
    bogus = scan_range(
        end=end,
        cursor=None,
        lookback=timedelta(days=7),
        start_date=utc(1066, 10, 14),
        earliest=lambda: None,
    )
    assert bogus == (EARLIEST, end)
    empty = scan_range(
        end=end, cursor=None, lookback=timedelta(days=7), start_date=None, earliest=lambda: None
    )
    assert empty is None


def test_scan_range_uses_start_date_then_cursor_minus_lookback() -> None:
    end = utc(2024, 5, 1)
    never = lambda: pytest.fail("earliest must not be probed")  # noqa: E731
    first = scan_range(
        end=end,
        cursor=None,
        lookback=timedelta(days=7),
        start_date=utc(2024, 1, 1),
        earliest=never,
    )
    assert first == (utc(2024, 1, 1), end)
    later = scan_range(
        end=end,
        cursor=utc(2024, 4, 30),
        lookback=timedelta(days=7),
        start_date=utc(2024, 1, 1),
        earliest=never,
    )
    assert later == (utc(2024, 4, 23), end)


def test_split_span_shares_boundaries_and_covers_the_span() -> None:
    start, end = utc(2024, 1, 1), utc(2024, 1, 2)
    parts = split_span(start, end, 7)
    assert parts[0][0] == start and parts[-1][1] == end
    assert all(a[1] == b[0] for a, b in itertools.pairwise(parts))
    assert all(p[0] < p[1] for p in parts)
    assert all(p[0].microsecond % 1000 == 0 for p in parts)


def test_plan_skips_empty_years_with_a_few_counts() -> None:
    # 20 years, all data in two days of the last year
    instants = [utc(2024, 3, 1) + timedelta(seconds=17 * i) for i in range(10_000)]
    counts = FakeCounts(instants)
    windows = plan_windows(utc(2004, 1, 1), utc(2024, 12, 31), counts, target=1000)
    assert sum(w.count for w in windows) >= 10_000
    assert all(w.count <= 1000 for w in windows)
    # every instant lies in some window
    assert all(any(w.start <= t <= w.end for w in windows) for t in instants[::97])
    # a handful of levels, not one count per day of 20 years
    assert counts.calls <= 10
    assert counts.spans_counted < 200


def test_plan_dense_second_is_not_split_forever() -> None:
    instants = [utc(2024, 3, 1, 12, 0, 0, 1000 * (i % 900)) for i in range(5000)]
    windows = plan_windows(utc(2024, 3, 1), utc(2024, 3, 2), FakeCounts(instants), target=100)
    assert sum(w.count for w in windows) >= 5000
    assert all(w.end - w.start <= timedelta(seconds=1) or w.count <= 100 for w in windows)


def test_plan_recounts_when_children_lose_responses() -> None:
    instants = [utc(2024, 3, 1) + timedelta(minutes=i) for i in range(500)]
    truth = FakeCounts(instants)
    flaky_calls = {"n": 0}

    def flaky(spans: Sequence[Span]) -> list[int]:
        flaky_calls["n"] += 1
        result = truth(spans)
        if flaky_calls["n"] == 2:  # the first split level loses a count (an empty body)
            result[0] = 0
        return result

    windows = plan_windows(utc(2024, 3, 1), utc(2024, 3, 2), flaky, target=100)
    assert sum(w.count for w in windows) >= 500
    assert all(any(w.start <= t <= w.end for w in windows) for t in instants)


def test_plan_empty_range_costs_one_count() -> None:
    counts = FakeCounts([])
    assert plan_windows(utc(2000, 1, 1), utc(2024, 1, 1), counts, target=10) == []
    assert counts.spans_counted == 2  # a zero is checked once (an empty body also reads as 0)
