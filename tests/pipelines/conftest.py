"""Fixtures of the pipeline tests: a small simulated account on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from simulator import Simulator, SimulatorConfig, run_simulator


@pytest.fixture
def sim() -> Iterator[Simulator]:
    """A small simulated account, rate limit off, on a free loopback port."""
    config = SimulatorConfig(seed=11, responses=400, days=20, rate_limit=0, latency_ms=0)
    with run_simulator(config) as simulator:
        yield simulator
