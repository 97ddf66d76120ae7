"""Parsing the dates given on the command line and cutting ranges into chunks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pendulum
from pendulum.parsing.exceptions import ParserError

from pipelines.errors import PipelineError


def parse_instant(text: str, option: str, *, end_of_day: bool = False) -> datetime:
    """Parse a date or date-time given on the command line as a UTC instant.

    A plain date (`2024-03-01`) means the start of that UTC day, or with `end_of_day` its last
    millisecond (so `--to 2024-03-31` includes all of March 31). A date-time without an offset
    is taken as UTC.

    Args:
        text: the value as typed.
        option: the option's name, for the error message.
        end_of_day: read a plain date as the end of that day.

    Returns:
        a tz-aware UTC datetime.

    Raises:
        PipelineError: when the text is not an ISO 8601 date or date-time.
    """
    try:
        parsed = pendulum.parse(text.strip(), tz="UTC")
    except (ValueError, ParserError) as exc:
        raise PipelineError(
            f"{option} {text!r} is not a date: use ISO 8601, e.g. 2024-03-01 or "
            "2024-03-01T12:00:00Z"
        ) from exc
    if isinstance(parsed, datetime):
        instant = datetime.fromtimestamp(parsed.timestamp(), tz=UTC)
        is_plain_date = "T" not in text.upper() and " " not in text.strip() and ":" not in text
    elif isinstance(parsed, date):
        instant = datetime(parsed.year, parsed.month, parsed.day, tzinfo=UTC)
        is_plain_date = True
    else:
        raise PipelineError(f"{option} {text!r} is not a date: use ISO 8601, e.g. 2024-03-01")
    if end_of_day and is_plain_date:
        instant += timedelta(days=1) - timedelta(milliseconds=1)
    return instant


def chunks(start: datetime, end: datetime, days: float) -> Iterator[tuple[datetime, datetime]]:
    """Cut `[start, end)` into consecutive chunks of at most `days` days.

    Args:
        start: start of the range (tz-aware).
        end: end of the range (tz-aware), after `start`.
        days: chunk length in days; must be positive.

    Yields:
        `(chunk_start, chunk_end)` pairs covering the range without gaps.
    """
    step = timedelta(days=days)
    current = start
    while current < end:
        upper = min(current + step, end)
        yield current, upper
        current = upper
