"""Thread-safe counters of one sync, for the CLI's summary line and progress display.

The source updates them from its worker threads; the CLI reads a consistent `snapshot()` and may
register `on_progress`, which is called (from whichever thread made progress) after every counted
event that matters for a display: a window planned or done, a page of responses fetched.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields

COUNTERS = (
    "windows_total",
    "windows_done",
    "requests",
    "rate_limited",
    "retries",
    "responses",
    "logins",
    "reconciliation_retries",
)


@dataclass
class SyncStats:
    """Counters of one sync.

    Attributes:
        windows_total: date windows planned for this run.
        windows_done: windows fetched and reconciled.
        requests: HTTP attempts sent (every attempt: retries and logins included).
        rate_limited: HTTP 429 answers received.
        retries: attempts repeated after a transient failure (429, 5xx, timeout, bad body).
        responses: responses (WXM Answers) fetched and reconciled.
        logins: calls to /api/LoginToken.
        reconciliation_retries: windows fetched again because their count did not match.
        on_progress: optional callback, called with this object after progress.
    """

    windows_total: int = 0
    windows_done: int = 0
    requests: int = 0
    rate_limited: int = 0
    retries: int = 0
    responses: int = 0
    logins: int = 0
    reconciliation_retries: int = 0
    on_progress: Callable[[SyncStats], None] | None = None
    started: float = field(default_factory=time.monotonic)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, counter: str, n: int = 1, *, progress: bool = False) -> None:
        """Add `n` to one counter; call `on_progress` when `progress` is set."""
        if counter not in COUNTERS:
            raise KeyError(counter)
        with self._lock:
            setattr(self, counter, getattr(self, counter) + n)
        if progress and self.on_progress is not None:
            self.on_progress(self)

    def snapshot(self) -> dict[str, int]:
        """A consistent copy of every counter."""
        with self._lock:
            return {f.name: getattr(self, f.name) for f in fields(self) if f.name in COUNTERS}

    def requests_per_second(self) -> float:
        """Average request rate since the stats object was created."""
        elapsed = time.monotonic() - self.started
        return self.requests / elapsed if elapsed > 0 else 0.0
