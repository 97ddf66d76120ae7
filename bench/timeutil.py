"""Small time helpers shared by the harness modules."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_z(instant: datetime) -> str:
    """Format a tz-aware instant as ISO 8601 UTC with a `Z` and millisecond precision."""
    return (
        instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{instant.microsecond // 1000:03d}Z"
    )


def now_second() -> datetime:
    """The current UTC instant truncated to the second."""
    return datetime.now(UTC).replace(microsecond=0)
