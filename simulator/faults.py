"""Scripted, deterministic faults: which requests of which route go wrong, and how.

A fault matches requests on its route (None = every API route). It lets the first `after` matching
requests through, then hits the next `count`, then is spent. Faults are checked in the order added;
one request gets at most one fault.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any

KINDS = (
    "latency",
    "5xx",
    "reset",
    "truncated",
    "slow",
    "429",
    "revoke_token",
    "html200",
    "empty",
    "null",
    "duplicate",
    "total_pages",
)


@dataclass
class Fault:
    """One scripted fault.

    Attributes:
        kind: one of KINDS.
        count: how many matching requests it hits.
        route: route name it applies to (`answers/page`, `login`, ...); None = all.
        after: matching requests let through before it starts.
        ms: added latency for "latency".
        seconds: delay before answering for "slow".
        status: HTTP status for "5xx".
        retry_after: for "429": send `Retry-After` (None = the simulator's setting).
        pages: for "total_pages": how far the page's `totalPages` is off (may be negative).
        seen: matching requests let through so far.
        fired: requests hit so far.
    """

    kind: str
    count: int = 1
    route: str | None = None
    after: int = 0
    ms: float = 0.0
    seconds: float = 0.0
    status: int = 503
    retry_after: bool | None = None
    pages: int = 1
    seen: int = 0
    fired: int = 0


class Faults:
    """The fault script of a running simulator (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(
        self,
        kind: str,
        count: int = 1,
        route: str | None = None,
        after: int = 0,
        *,
        ms: float = 0.0,
        seconds: float = 0.0,
        status: int = 503,
        retry_after: bool | None = None,
        pages: int = 1,
    ) -> Fault:
        """Script a fault (see the module docstring and simulator/README.md).

        Raises:
            ValueError: for an unknown kind or a 5xx status outside 500-599.
        """
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {KINDS}")
        if kind == "5xx" and not 500 <= status <= 599:
            raise ValueError("status of a 5xx fault must be within 500-599")
        route_name = route.strip("/").lower() if route else None
        fault = Fault(kind, count, route_name, after, ms, seconds, status, retry_after, pages)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        """Drop every scripted fault."""
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[Fault]:
        """Faults that still have requests to hit."""
        with self._lock:
            return [f for f in self._faults if f.fired < f.count]

    def describe(self) -> list[dict[str, Any]]:
        """All faults as dicts (for the admin route)."""
        with self._lock:
            return [asdict(f) for f in self._faults]

    def take(self, route: str) -> Fault | None:
        """The fault hitting this request on `route`, if any (advances the script)."""
        with self._lock:
            for fault in self._faults:
                if fault.fired >= fault.count or fault.route not in (None, route):
                    continue
                if fault.seen < fault.after:
                    fault.seen += 1
                    continue
                fault.fired += 1
                return fault
            return None
