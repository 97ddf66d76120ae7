"""UTC instants as the simulator keeps them (integer milliseconds), serves and parses them."""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TICKS_PER_MS = (
    10_000  # parsed bounds keep 100 ns ticks (7 fraction digits) so comparisons are exact
)

_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?"
    r"\s*(Z|z|[+-]\d{2}:?\d{2})?$"
)


def ms_of(moment: datetime) -> int:
    """Milliseconds since the epoch of a tz-aware datetime (sub-millisecond part dropped)."""
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def ticks_of(moment: datetime) -> int:
    """100 ns ticks since the epoch of a tz-aware datetime."""
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 10_000_000 + delta.microseconds * 10


def datetime_of(ms: int) -> datetime:
    """The tz-aware UTC datetime of an epoch-milliseconds instant."""
    return EPOCH + timedelta(milliseconds=ms)


def parse_ticks(text: str) -> int:
    """Parse an ISO 8601 instant (0-9 fraction digits, `Z`, an offset or none = UTC) into ticks.

    Raises:
        ValueError: when the text is not an ISO 8601 date or instant.
    """
    match = _ISO.match(text.strip())
    if not match:
        raise ValueError(f"not an ISO 8601 instant: {text!r}")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    moment = datetime(
        int(year),
        int(month),
        int(day),
        int(hour or 0),
        int(minute or 0),
        int(second or 0),
        tzinfo=UTC,
    )
    ticks = ticks_of(moment) + int(((fraction or "") + "0000000")[:7])
    if zone and zone not in ("Z", "z"):
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset_min = int(digits[:2]) * 60 + int(digits[2:])
        ticks -= sign * offset_min * 60 * 10_000_000
    return ticks


def formatter(fraction_digits: int = 3, trailing_z: bool = True) -> _Formatter:
    """A function formatting epoch milliseconds as the API serves them."""
    return _Formatter(fraction_digits, trailing_z)


class _Formatter:
    """Formats epoch milliseconds as `2014-12-20T14:34:08.426Z` (digits and `Z` configurable)."""

    def __init__(self, fraction_digits: int, trailing_z: bool) -> None:
        self.fraction_digits = fraction_digits
        self.suffix = "Z" if trailing_z else ""

    def __call__(self, ms: int) -> str:
        """Format one instant."""
        seconds, millis = divmod(ms, 1000)
        base = _second_text(seconds)
        if self.fraction_digits == 3:
            return f"{base}.{millis:03d}{self.suffix}"
        if self.fraction_digits == 7:
            return f"{base}.{millis:03d}0000{self.suffix}"
        return f"{base}{self.suffix}"


@functools.lru_cache(maxsize=65_536)
def _second_text(seconds: int) -> str:
    return (EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S")


def rfc1123(moment: datetime) -> str:
    """An RFC 1123 date as used by the login response's `.issued` / `.expires`."""
    return moment.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
