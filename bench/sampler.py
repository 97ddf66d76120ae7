"""A background poller of the simulator's counters during one measured run.

The timeline it records tells when the run's first and last API requests happened (the API phase
of the run, as opposed to start-up, normalize and load) and how many 429s came after warm-up.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from typing import Any

from bench.simproc import SimulatorProcess

WARMUP_S = 2.0


@dataclasses.dataclass(frozen=True)
class Sample:
    """One snapshot: seconds since the run started, total requests and 429s so far."""

    t: float
    requests: int
    rate_limited: int


@dataclasses.dataclass(frozen=True)
class Timeline:
    """What the samples say about one run's API traffic."""

    api_first_s: float | None
    api_last_s: float | None
    rate_limited_after_warmup: int

    @property
    def api_span_s(self) -> float | None:
        """Seconds from the first to the last request seen (sampling resolution)."""
        if self.api_first_s is None or self.api_last_s is None:
            return None
        return self.api_last_s - self.api_first_s


class StatsSampler:
    """Poll `sim.stats()` every `interval_s` seconds in a daemon thread while a run is measured."""

    def __init__(self, sim: SimulatorProcess, interval_s: float = 0.2) -> None:
        """Prepare a sampler of `sim`."""
        self.sim = sim
        self.interval_s = interval_s
        self.samples: list[Sample] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stats-sampler", daemon=True)
        self._t0 = 0.0

    def __enter__(self) -> StatsSampler:
        """Take the first sample and start polling."""
        self._t0 = time.perf_counter()
        self._take()
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        """Stop polling and take a last sample."""
        self._stop.set()
        self._thread.join()
        self._take()

    def _take(self) -> None:
        try:
            stats = self.sim.stats()
        except Exception:
            return
        self.samples.append(
            Sample(
                t=time.perf_counter() - self._t0,
                requests=int(stats.get("requests", 0)),
                rate_limited=int(stats.get("rate_limited", 0)),
            )
        )

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._take()

    def timeline(self, warmup_s: float = WARMUP_S) -> Timeline:
        """Summarise the samples: API phase bounds and 429s after `warmup_s` of API traffic."""
        if len(self.samples) < 2:
            return Timeline(None, None, 0)
        base = self.samples[0]
        first = last = None
        for prev, cur in zip(self.samples, self.samples[1:], strict=False):
            if cur.requests > prev.requests:
                if first is None:
                    first = prev.t
                last = cur.t
        if first is None:
            return Timeline(None, None, 0)
        limited_at_warmup = base.rate_limited
        for sample in self.samples:
            if sample.t <= first + warmup_s:
                limited_at_warmup = sample.rate_limited
        after = self.samples[-1].rate_limited - limited_at_warmup
        return Timeline(first, last, after)
