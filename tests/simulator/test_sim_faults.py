"""Scripted faults, each observed over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests
from sim_helpers import BASE, login

from simulator import Simulator, run_simulator


@pytest.fixture
def fsim() -> Iterator[Simulator]:
    with run_simulator(BASE.replace(responses=100)) as sim:
        yield sim


def count(api: requests.Session, sim: Simulator, timeout: float = 5) -> requests.Response:
    return api.post(f"{sim.url}/api/answers/count", json={}, timeout=timeout)


def test_5xx_burst_after_k_requests(fsim: Simulator) -> None:
    api = login(fsim)
    fault = fsim.faults.add("5xx", count=2, route="answers/count", after=1, status=502)
    codes = [count(api, fsim).status_code for _ in range(4)]
    assert codes == [200, 502, 502, 200] and fault.fired == 2


def test_reset_closes_the_connection_without_reply(fsim: Simulator) -> None:
    api = login(fsim)
    fsim.faults.add("reset", route="answers/count")
    with pytest.raises(requests.ConnectionError):
        count(api, fsim)
    assert count(login(fsim), fsim).status_code == 200


def test_truncated_json_body(fsim: Simulator) -> None:
    api = login(fsim)
    fsim.faults.add("truncated", route="answers/page")
    reply = api.post(f"{fsim.url}/api/answers/page/1/50", json={}, timeout=5)
    assert reply.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(reply.text)


def test_slow_reply_outlasts_a_client_timeout(fsim: Simulator) -> None:
    api = login(fsim)
    fsim.faults.add("slow", seconds=1.0, route="answers/count")
    with pytest.raises(requests.ReadTimeout):
        count(api, fsim, timeout=0.3)
    assert count(login(fsim), fsim).status_code == 200


def test_latency_fault_still_answers(fsim: Simulator) -> None:
    api = login(fsim)
    fault = fsim.faults.add("latency", ms=50, route="answers/count")
    assert count(api, fsim).text.isdigit() and fault.fired == 1


@pytest.mark.parametrize(("retry_after", "header"), [(None, "1"), (False, None)])
def test_429_storm(fsim: Simulator, retry_after: bool | None, header: str | None) -> None:
    api = login(fsim)
    fsim.faults.add("429", count=3, route="answers/count", retry_after=retry_after)
    replies = [count(api, fsim) for _ in range(4)]
    assert [r.status_code for r in replies] == [429, 429, 429, 200]
    assert replies[0].headers.get("Retry-After") == header
    assert fsim.stats.rate_limited == 3


def test_revoke_token_invalidates_every_token_issued(fsim: Simulator) -> None:
    api = login(fsim)
    fsim.faults.add("revoke_token", route="answers/count", after=1)
    assert count(api, fsim).status_code == 200
    assert count(api, fsim).status_code == 401
    assert count(login(fsim), fsim).status_code == 200


@pytest.mark.parametrize(("kind", "body"), [("empty", ""), ("null", "null")])
def test_empty_and_null_bodies(fsim: Simulator, kind: str, body: str) -> None:
    api = login(fsim)
    fsim.faults.add(kind, route="answers/page")
    reply = api.post(f"{fsim.url}/api/answers/page/1/10", json={}, timeout=5)
    assert reply.status_code == 200 and reply.text == body


def test_html_error_page_with_200(fsim: Simulator) -> None:
    api = login(fsim)
    fsim.faults.add("html200")
    reply = count(api, fsim)
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/html")


def test_unknown_fault_kind_is_refused(fsim: Simulator) -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        fsim.faults.add("meteor")
