"""Rate limit per token over a sliding second, Retry-After, and the counters."""

from __future__ import annotations

import time

import requests
from sim_helpers import BASE, login

from simulator import run_simulator


def test_over_the_limit_is_429_with_retry_after() -> None:
    with run_simulator(BASE.replace(responses=50, rate_limit=5)) as sim:
        api = login(sim)
        time.sleep(1.05)  # the login counted against the client IP, not this token
        replies = [api.post(f"{sim.url}/api/answers/count", json={}, timeout=5) for _ in range(8)]
        codes = [r.status_code for r in replies]
        assert codes.count(200) == 5 and codes.count(429) == 3
        assert replies[-1].headers["Retry-After"] == "1"
        assert sim.stats.rate_limited == 3 and sim.stats.max_rate() >= 8
        assert sim.stats.by_route["answers/count"] == 8


def test_limit_is_per_token() -> None:
    with run_simulator(BASE.replace(responses=50, rate_limit=3)) as sim:
        one, two = login(sim), login(sim)
        time.sleep(1.05)
        codes = [
            s.post(f"{sim.url}/api/answers/count", json={}, timeout=5).status_code
            for s in (one, two) * 3
        ]
        assert codes == [200] * 6


def test_retry_after_can_be_omitted_and_login_is_limited_per_ip() -> None:
    with run_simulator(BASE.replace(responses=50, rate_limit=2, send_retry_after=False)) as sim:
        form = {"grant_type": "password", "username": sim.username, "password": sim.api_key}
        replies = [
            requests.post(f"{sim.url}/api/LoginToken", data=form, timeout=5) for _ in range(4)
        ]
        assert [r.status_code for r in replies] == [200, 200, 429, 429]
        assert "Retry-After" not in replies[-1].headers
        assert sim.stats.logins == 4


def test_rate_limit_zero_is_off() -> None:
    with run_simulator(BASE.replace(responses=50, rate_limit=0)) as sim:
        api = login(sim)
        codes = {
            api.post(f"{sim.url}/api/answers/count", json={}, timeout=5).status_code
            for _ in range(40)
        }
        assert codes == {200} and sim.stats.rate_limited == 0
