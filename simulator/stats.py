"""Thread-safe request counters that tests read to check a client's behaviour."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any


class Stats:
    """Counts of the API requests served (admin requests excluded).

    Attributes:
        requests: every API request received (logins included).
        rate_limited: 429 answers (the limiter's and scripted storms).
        logins: login requests.
        by_route: requests per route name (`answers/page`, `login`, ...).
        by_status: answers per HTTP status (resets counted as 0).
        timestamps: `time.monotonic()` of every request, in arrival order.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = 0
        self.rate_limited = 0
        self.logins = 0
        self.by_route: Counter[str] = Counter()
        self.by_status: Counter[int] = Counter()
        self.timestamps: list[float] = []

    def record_request(self, route: str) -> None:
        """Count one request arriving on `route`."""
        with self._lock:
            self.requests += 1
            self.by_route[route] += 1
            self.timestamps.append(time.monotonic())
            if route == "login":
                self.logins += 1

    def record_status(self, status: int) -> None:
        """Count one answer sent with `status`."""
        with self._lock:
            self.by_status[status] += 1
            if status == 429:
                self.rate_limited += 1

    def max_rate(self, window: float = 1.0) -> int:
        """Largest number of requests that arrived within any `window` seconds."""
        with self._lock:
            stamps = list(self.timestamps)
        best, left = 0, 0
        for right, stamp in enumerate(stamps):
            while stamp - stamps[left] >= window:
                left += 1
            best = max(best, right - left + 1)
        return best

    def snapshot(self) -> dict[str, Any]:
        """The counters as a plain dict (for the admin route and logs)."""
        with self._lock:
            return {
                "requests": self.requests,
                "rate_limited": self.rate_limited,
                "logins": self.logins,
                "by_route": dict(self.by_route),
                "by_status": {str(k): v for k, v in self.by_status.items()},
            }

    def reset(self) -> None:
        """Zero every counter."""
        with self._lock:
            self.requests = self.rate_limited = self.logins = 0
            self.by_route.clear()
            self.by_status.clear()
            self.timestamps.clear()
