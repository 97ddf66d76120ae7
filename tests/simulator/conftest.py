"""Fixtures for the simulator tests: a shared read-only simulator and a logged-in session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from sim_helpers import BASE, login

from simulator import Simulator, run_simulator


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    """A read-only simulator shared by a module (do not script changes on it)."""
    with run_simulator(BASE) as running:
        yield running


@pytest.fixture(scope="module")
def api(sim: Simulator) -> requests.Session:
    """A logged-in session on the shared simulator."""
    return login(sim)
