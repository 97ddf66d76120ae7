"""Sliding one-second request limiter, keyed by access token (or by client IP for the login)."""

from __future__ import annotations

import threading
import time
from collections import deque


class SlidingWindowLimiter:
    """Accepts at most `limit` requests per key in any window of `window` seconds.

    Only accepted requests enter the window, so a client that backs off after a 429 gets through
    as soon as the oldest accepted request leaves it.
    """

    def __init__(self, limit: float, window: float = 1.0) -> None:
        self.limit = int(limit)
        self.window = window
        self._lock = threading.Lock()
        self._hits: dict[str, deque[float]] = {}

    def allow(self, key: str) -> float | None:
        """Record a request for `key`; None if accepted, else seconds until one would be."""
        if self.limit <= 0:
            return None
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and now - hits[0] >= self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return self.window - (now - hits[0])
            hits.append(now)
            return None
