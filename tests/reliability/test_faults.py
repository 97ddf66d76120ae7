"""Faults on the wire during whole `wxm sync` runs: each run ends exactly equal to the account.

Retry waits are capped at 50 ms (`quick_waits`); the faults, retries, re-logins and timeouts are
real HTTP against the simulator.
"""

from __future__ import annotations

from typing import Any

import pytest
from reliability_helpers import Scenario, one_error_line, sim_config

Fault = tuple[str, int, str | None, int, dict[str, Any]]

FAULTS: dict[str, list[Fault]] = {
    "429-storm-retry-after": [
        ("429", 35, "login", 0, {"retry_after": True}),  # one call, 35 429s in a row
        ("429", 40, None, 2, {"retry_after": True}),
    ],
    "429-storm-no-retry-after": [("429", 45, "answers/page", 1, {"retry_after": False})],
    "5xx-bursts": [
        ("5xx", 4, "answers/page", 2, {}),
        ("5xx", 3, "answers/count", 0, {"status": 502}),
        ("5xx", 2, "questions", 0, {"status": 500}),
    ],
    "connection-resets": [("reset", 4, "answers/page", 1, {}), ("reset", 1, "login", 0, {})],
    "truncated-json": [
        ("truncated", 4, "answers/page", 1, {}),
        ("truncated", 1, "settings", 0, {}),
    ],
    "html-200": [("html200", 3, "answers/page", 2, {}), ("html200", 1, "questions", 0, {})],
    "token-revoked-twice-in-a-row": [("revoke_token", 2, "answers/page", 3, {})],
    "token-revoked": [
        ("revoke_token", 1, "answers/page", 3, {}),
        ("revoke_token", 1, "answers/count", 2, {}),
        ("revoke_token", 1, "answers/page", 12, {}),
    ],
    "mixed": [
        ("reset", 1, "answers/page", 1, {}),
        ("truncated", 1, "answers/page", 1, {}),
        ("html200", 1, "answers/page", 1, {}),
        ("5xx", 1, "answers/page", 1, {}),
        ("429", 1, "answers/page", 1, {}),
        ("revoke_token", 1, "answers/page", 1, {}),
    ],
}


@pytest.mark.parametrize("name", sorted(FAULTS))
@pytest.mark.usefixtures("quick_waits")
def test_faults_end_in_an_exact_warehouse(scenario: Scenario, name: str) -> None:
    sim = scenario.start(sim_config(retry_after_seconds=0))  # `Retry-After: 0`
    for kind, count, route, after, extra in FAULTS[name]:
        sim.faults.add(kind, count=count, route=route, after=after, **extra)
    line = scenario.sync_ok()
    assert not sim.faults.pending(), sim.faults.describe()
    if name.startswith("token-revoked"):
        assert sim.stats.logins >= 3  # each revocation cost one fresh login, not the run
    else:
        assert " 0 retries" not in line  # the faults were seen and retried
    scenario.verify(sim)
    if name == "mixed":  # a second run changes nothing
        assert "0 new, 0 changed" in scenario.sync_ok()
        scenario.verify(sim)


@pytest.mark.usefixtures("quick_waits")
def test_read_timeouts_are_retried(scenario: Scenario) -> None:
    sim = scenario.start(SOURCES__WXM__REQUEST_TIMEOUT="0.5")
    sim.faults.add("slow", count=3, route="answers/page", after=2, seconds=2.0)
    sim.faults.add("slow", count=1, route="questions", seconds=2.0)
    scenario.sync_ok()
    assert not sim.faults.pending()
    scenario.verify(sim)


@pytest.mark.usefixtures("quick_waits")
def test_login_failing_then_recovering(scenario: Scenario) -> None:
    sim = scenario.start()
    sim.faults.add("5xx", count=2, route="login")
    sim.faults.add("html200", count=1, route="login")
    scenario.sync_ok()
    scenario.verify(sim)


@pytest.mark.usefixtures("quick_waits")
def test_login_failing_for_good_is_one_clear_line(scenario: Scenario) -> None:
    sim = scenario.start()
    sim.faults.add("5xx", count=1000, route="login")
    failed = scenario.cli("sync")
    assert failed.exit_code == 1
    line = one_error_line(failed.stderr)
    assert "LoginToken" in line or "login" in line.lower()
    assert "sources.wxm.base_url" in line
    assert sim.api_key not in failed.stderr
    assert sim.stats.by_route.get("answers/page", 0) == 0
    sim.faults.clear()
    scenario.sync_ok()  # once WXM is back, the next run loads everything
    scenario.verify(sim)


@pytest.mark.usefixtures("quick_waits")
def test_a_token_revoked_on_every_call_fails_clearly_and_loses_nothing(
    scenario: Scenario,
) -> None:
    sim = scenario.start()
    scenario.sync_ok()
    sim.account.advance(60, new_responses=5)
    sim.faults.add("revoke_token", count=1000, route="answers/page")
    failed = scenario.cli("sync")
    assert failed.exit_code == 1
    line = one_error_line(failed.stderr)
    assert "401" in line and "login to WXM failed" in line
    sim.faults.clear()
    scenario.sync_ok()
    scenario.verify(sim)
