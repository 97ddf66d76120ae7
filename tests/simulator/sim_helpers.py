"""Shared constants and helpers of the simulator tests."""

from __future__ import annotations

from datetime import UTC, datetime

import requests

from simulator import Simulator, SimulatorConfig

NOW = datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)
BASE = SimulatorConfig(seed=11, responses=1_500, days=20, rate_limit=0, now=NOW)


def login(sim: Simulator) -> requests.Session:
    """A session carrying a fresh Bearer token."""
    session = requests.Session()
    reply = session.post(
        f"{sim.url}/api/LoginToken",
        data={"grant_type": "password", "username": sim.username, "password": sim.api_key},
        timeout=10,
    )
    reply.raise_for_status()
    session.headers["Authorization"] = f"Bearer {reply.json()['access_token']}"
    return session
