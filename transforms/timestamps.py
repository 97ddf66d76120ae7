"""Parsing of WXM timestamps and dates into tz-aware UTC datetimes and dates.

WXM returns ISO 8601 UTC strings with 0 to 7 fractional digits, usually ending in `Z`; a few fields
come without a zone (they are UTC) and some carry an explicit offset. Python's own ISO parser stops
at 6 fractional digits, so the fraction is normalised to microseconds before parsing.
"""

from __future__ import annotations

import datetime as dt
import re

_ISO = re.compile(
    r"^\s*(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<time>\d{2}:\d{2}(?::\d{2})?)(?:[.,](?P<frac>\d+))?)?"
    r"\s*(?P<zone>Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?\s*$"
)

_FAST_LENGTHS = (20, 24)
"""Lengths of `YYYY-MM-DDTHH:MM:SSZ` and `YYYY-MM-DDTHH:MM:SS.fffZ` (fast path)."""


def parse_timestamp(value: object) -> dt.datetime | None:
    """Parse a WXM timestamp into a tz-aware UTC datetime.

    Accepts ISO 8601 strings with 0-7 (or more) fractional digits, with or without `Z`, with an
    offset such as `+05:30`, a date alone (midnight UTC), a `datetime` (naive means UTC) or epoch
    seconds. Anything else gives None rather than an exception, because one bad field must not
    stop a response from loading.

    Args:
        value: The raw value from the API.

    Returns:
        The instant in UTC, or None when the value is empty or not a timestamp.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, dt.datetime):
        return _to_utc(value)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    if isinstance(value, int | float):
        try:
            return dt.datetime.fromtimestamp(float(value), tz=dt.UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    if len(value) in _FAST_LENGTHS and value[-1] == "Z" and value[10] == "T":
        # the API's common shapes, `YYYY-MM-DDTHH:MM:SS[.fff]Z`: Python parses them directly
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            pass  # the general path below decides

    match = _ISO.match(value)
    if match is None:
        return None
    time = match["time"] or "00:00:00"
    if len(time) == 5:
        time += ":00"
    frac = (match["frac"] or "")[:6].ljust(6, "0")
    zone = match["zone"]
    if zone is None or zone in ("Z", "z", "UTC"):
        zone = "+00:00"
    elif len(zone) == 3:
        zone += ":00"
    elif ":" not in zone:
        zone = f"{zone[:3]}:{zone[3:]}"
    try:
        parsed = dt.datetime.fromisoformat(f"{match['date']}T{time}.{frac}{zone}")
    except ValueError:
        return None
    return _to_utc(parsed)


def parse_date(value: object) -> dt.date | None:
    """Parse the value of a `Date` answer into a calendar date.

    The date is taken as written (a `2024-05-01T00:00:00Z` answer is 1 May), not shifted to another
    time zone. Besides ISO dates, `DD/MM/YYYY`-style answers are not guessed at: they are ambiguous,
    so they give None and the raw text stays in `value_text`.

    Args:
        value: The raw `textInput` (or a date/datetime).

    Returns:
        The date, or None when the value is not an ISO date.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    match = _ISO.match(value)
    if match is None:
        return None
    try:
        return dt.date.fromisoformat(match["date"])
    except ValueError:
        return None


def _to_utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)
