"""The one-line summary that ends every sync and backfill."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ResponseChanges:
    """How the responses of one load compare with what the destination held before it.

    Attributes:
        new: responses the destination did not hold.
        changed: responses it held with another content hash.
        unchanged: responses re-read (lookback) whose content did not change.
        deleted: responses newly marked deleted upstream (`deleted_at` set by this load).
    """

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    deleted: int = 0

    def __add__(self, other: ResponseChanges) -> ResponseChanges:
        return ResponseChanges(
            self.new + other.new,
            self.changed + other.changed,
            self.unchanged + other.unchanged,
            self.deleted + other.deleted,
        )


@dataclass
class RunSummary:
    """What one run did, for the summary line and for tests.

    Attributes:
        command: `sync`, `backfill` or `demo`.
        destination: the destination name as given.
        windows: date windows fetched and reconciled.
        requests: HTTP attempts sent, retries and logins included.
        rate_limited: HTTP 429 answers received.
        retries: attempts repeated after a transient failure.
        responses_fetched: responses received from the API.
        changes: new/changed/unchanged responses, or None when the destination cannot be read.
        rows: rows loaded per table in this run (dlt's own tables left out).
        load_ids: dlt load ids of this run's packages.
        duration_s: wall-clock duration of the run.
    """

    command: str
    destination: str
    windows: int = 0
    requests: int = 0
    rate_limited: int = 0
    retries: int = 0
    responses_fetched: int = 0
    changes: ResponseChanges | None = None
    rows: dict[str, int] = field(default_factory=dict)
    load_ids: list[str] = field(default_factory=list)
    duration_s: float = 0.0

    def line(self) -> str:
        """The summary as exactly one line of text."""
        if self.changes is None:
            responses = f"responses {self.responses_fetched} fetched (new/changed unknown)"
        else:
            responses = (
                f"responses {self.changes.new} new, {self.changes.changed} changed, "
                f"{self.changes.unchanged} unchanged"
            )
            if self.changes.deleted:
                responses += f", {self.changes.deleted} deleted upstream"
        rows = " ".join(f"{table}={count}" for table, count in sorted(self.rows.items()))
        return (
            f"wxm {self.command} ok ({self.destination}): {_count(self.windows, 'window')}, "
            f"{_count(self.requests, 'request')}, {self.rate_limited} 429s, "
            f"{_count(self.retries, 'retry', 'retries')}; "
            f"{responses}; rows {rows or 'none'}; {self.duration_s:.1f} s"
        )


def _count(number: int, singular: str, plural: str = "") -> str:
    """`1 window`, `2 windows` (or the given plural)."""
    return f"{number} {singular if number == 1 else plural or singular + 's'}"
