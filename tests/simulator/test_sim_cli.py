"""The command line (a real subprocess) and the admin routes."""

from __future__ import annotations

import signal
import subprocess
import sys
from datetime import timedelta

import requests
from sim_helpers import BASE, NOW, login

from simulator import content_hash, run_simulator


def test_cli_prints_its_url_serves_and_stops_on_sigterm() -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "simulator",
            "--port",
            "0",
            "--responses",
            "300",
            "--fraction-digits",
            "7",
            "--first-page",
            "one",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        url = line.split(" at ")[1].split()[0]
        assert url.startswith("http://127.0.0.1:")
        assert requests.get(f"{url}/api/status", timeout=5).status_code == 200
        assert requests.get(f"{url}/_admin/stats", timeout=5).status_code == 404  # admin off
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0


def test_cli_refuses_a_non_loopback_host() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "simulator", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert "--allow-remote" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_admin_routes_script_the_account() -> None:
    with run_simulator(BASE.replace(responses=200, admin=True)) as sim:
        admin = f"{sim.url}/_admin"
        new = requests.post(
            f"{admin}/advance", json={"seconds": 60, "new_responses": 3}, timeout=5
        ).json()["ids"]
        late = requests.post(
            f"{admin}/insert_late", json={"n": 2, "at": "2024-05-20T00:00:00Z"}, timeout=5
        ).json()["ids"]
        assert len(new) == 3 and len(late) == 2
        edited = requests.post(
            f"{admin}/edit", json={"id": new[0], "append_note": "hi"}, timeout=5
        ).json()
        assert edited == {"ids": [new[0]]}
        assert requests.post(f"{admin}/delete", json={"ids": [new[1]]}, timeout=5).json() == {
            "ids": [new[1]]
        }
        requests.post(f"{admin}/faults", json={"kind": "5xx", "route": "answers/count"}, timeout=5)
        api = login(sim)
        assert api.post(f"{sim.url}/api/answers/count", json={}, timeout=5).status_code == 503
        truth = requests.get(
            f"{admin}/ground_truth",
            params={"after": "2024-06-01T12:00:00Z", "hashes": "true"},
            timeout=5,
        ).json()
        assert truth["count"] == 2
        served = api.get(f"{sim.url}/api/answer/{new[0]}", timeout=5).json()
        assert truth["hashes"][new[0]] == content_hash(served)
        stats = requests.get(f"{admin}/stats", timeout=5).json()
        assert stats["by_status"]["503"] == 1
        assert sim.account.now == NOW + timedelta(seconds=60)
