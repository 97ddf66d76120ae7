"""UTC date windows over `responseDateTime`: the scan range of a sync and its adaptive split.

Answers to wxm-api.md §4 that live here:

* (6) paging over a live window shifts: every scan range ends at a FIXED instant in the past
  (`fixed_end`: now minus a safety margin, taken once per sync), so no window grows while its pages
  are read; pages are then read oldest first (`responses.py`).
* (5) many responses share one second: windows are cut on whole milliseconds and adjacent windows
  SHARE their boundary instant (`[a, b]`, `[b, c]`); the FilterBy of a window is widened by 1 ms on
  each side (`responses.filter_by`), so whether the API reads `afterdate`/`beforedate` as inclusive
  or exclusive, and whatever the fraction digits, nothing falls between two windows. A response near
  a boundary is fetched by both windows and de-duplicated by id.
* density: `plan_windows` counts a span with `POST /api/answers/count` and splits it into
  `ceil(1.25 * count / target)` parts (2..32) until each part holds at most `target` responses or
  is at most `min_span` long; empty spans are dropped after one count, so years without data cost
  a few requests, not one per day. The counts of one level are sent concurrently. A first sync
  starts at the oldest response (probed, then checked with one count), not at a fixed year.
* (1) late responses: the scan range starts `lookback` before the stored cursor (`scan_range`).

Times are tz-aware UTC `datetime`s everywhere; text only at the API boundary (`format_instant`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from transforms.timestamps import parse_timestamp

logger = logging.getLogger(__name__)

SAFETY_MARGIN = timedelta(minutes=2)
"""How far behind now a sync's range ends: responses still being written wait for the next sync."""
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
"""No scan starts earlier; the probe for the oldest response looks from here."""
MIN_SPAN = timedelta(seconds=1)
MAX_PARTS = 32
SPLIT_SLACK = 1.25
"""A dense span is cut into `ceil(SPLIT_SLACK * count / target)` parts: uneven parts still fit."""

Span = tuple[datetime, datetime]
CountMany = Callable[[Sequence[Span]], list[int]]


@dataclass(frozen=True, order=True)
class Window:
    """A closed UTC interval `[start, end]` of `responseDateTime` and its planned count.

    Attributes:
        start: `afterdate` (inclusive).
        end: `beforedate` (inclusive).
        count: responses `/api/answers/count` reported when the window was planned.
    """

    start: datetime
    end: datetime
    count: int = 0

    def __str__(self) -> str:
        return f"{format_instant(self.start)}..{format_instant(self.end)}"


def parse_instant(value: str | datetime) -> datetime:
    """Parse an ISO date or instant (0-7 fraction digits, `Z`, offset or none = UTC) to UTC.

    Raises:
        ValueError: when the value is not a date or an instant.
    """
    parsed = parse_timestamp(value)
    if parsed is None:
        raise ValueError(f"not an ISO date or instant: {value!r}")
    return parsed


def format_instant(value: datetime) -> str:
    """The API's form of an instant: UTC, milliseconds, `Z` (``2014-12-20T14:34:08.426Z``)."""
    value = value.astimezone(UTC)
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}T{value.hour:02d}:{value.minute:02d}:"
        f"{value.second:02d}.{value.microsecond // 1000:03d}Z"
    )


def floor_ms(value: datetime) -> datetime:
    """Truncate to whole milliseconds (the precision windows are cut at)."""
    return value.replace(microsecond=value.microsecond - value.microsecond % 1000)


def fixed_end(now: datetime | None = None, margin: timedelta = SAFETY_MARGIN) -> datetime:
    """The scan range's end: `now - margin`, to whole seconds, UTC."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    return (now - margin).replace(microsecond=0)


def scan_range(
    *,
    end: datetime,
    cursor: datetime | None,
    lookback: timedelta,
    start_date: datetime | None,
    earliest: Callable[[], datetime | None],
) -> Span | None:
    """The `[start, end]` span one incremental sync scans.

    Args:
        end: the fixed end of this sync (`fixed_end()`).
        cursor: the stored cursor (end of the last reconciled window), or None on a first sync.
        lookback: how much before the cursor is re-scanned.
        start_date: where a first sync begins; None = the whole history.
        earliest: where the history starts, checked by the caller (only on a full-history first
            sync); None when the account holds no responses.

    Returns:
        The span, or None when there is nothing to scan (empty account, or start after end).
    """
    if cursor is not None:
        start = cursor - lookback
    elif start_date is not None:
        start = start_date
    else:
        oldest = earliest()
        if oldest is None:
            return None
        start = oldest
    start = max(EARLIEST, floor_ms(start.astimezone(UTC)))
    if start > end:
        return None
    return start, end


def split_span(start: datetime, end: datetime, parts: int) -> list[Span]:
    """Cut `[start, end]` into up to `parts` spans sharing their boundaries, on whole ms."""
    total_ms = int((end - start) / timedelta(milliseconds=1))
    parts = max(1, min(parts, total_ms))
    cuts = [start + timedelta(milliseconds=total_ms * i // parts) for i in range(parts)] + [end]
    return [(cuts[i], cuts[i + 1]) for i in range(parts) if cuts[i] < cuts[i + 1]] or [(start, end)]


def plan_windows(
    start: datetime,
    end: datetime,
    count_many: CountMany,
    *,
    target: int,
    min_span: timedelta = MIN_SPAN,
    max_parts: int = MAX_PARTS,
    recounts: int = 1,
) -> list[Window]:
    """Split `[start, end]` into windows of at most `target` responses, skipping empty spans.

    Splitting goes level by level; each level's spans are counted with one `count_many` call
    (which the caller runs concurrently). The parts of a span, which share boundaries, must count
    at least as many as the span; if they count fewer (a lost or empty count body), the level is
    counted once more before the smaller counts are believed (a deletion is the other cause). A
    whole range that counts 0 is counted twice for the same reason.

    Args:
        start: first instant (inclusive).
        end: last instant (inclusive).
        count_many: counts responses in each span, in order.
        target: the most responses one window should hold.
        min_span: spans this short are never split further, whatever they hold.
        max_parts: the most parts one span is split into at once.
        recounts: how often an inconsistent level is counted again.

    Returns:
        The non-empty windows, oldest first.
    """
    if target < 1:
        raise ValueError("target must be at least 1")
    windows: list[Window] = []
    level: list[Span] = [(start, end)]
    counts = count_many(level)
    for _ in range(recounts):
        if counts[0] > 0:
            break
        # an empty count body reads as 0; one more count before a whole range is skipped
        counts = count_many(level)
    while level:
        children: list[Span] = []
        expected: list[tuple[int, int, int]] = []  # (first child index, child count, parent count)
        for (span_start, span_end), count in zip(level, counts, strict=True):
            if count <= 0:
                continue
            if count <= target or span_end - span_start <= min_span:
                windows.append(Window(span_start, span_end, count))
                continue
            wanted = math.ceil(SPLIT_SLACK * count / target)
            parts = split_span(span_start, span_end, min(max_parts, max(2, wanted)))
            expected.append((len(children), len(parts), count))
            children.extend(parts)
        level = children
        if not level:
            break
        counts = count_many(level)
        for _ in range(recounts):
            if all(sum(counts[i : i + n]) >= parent for i, n, parent in expected):
                break
            logger.warning("window counts disagree with their parent span: counting again")
            counts = count_many(level)
    windows.sort()
    logger.info(
        "planned %d windows over %s..%s (%d responses)",
        len(windows),
        format_instant(start),
        format_instant(end),
        sum(w.count for w in windows),
    )
    return windows


def pages_for(count: int, page_size: int) -> int:
    """How many pages of `page_size` hold `count` responses (at least one)."""
    return max(1, math.ceil(count / page_size))
