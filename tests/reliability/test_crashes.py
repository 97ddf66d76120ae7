"""Crashes of real `wxm sync` processes: SIGKILL at each step, SIGTERM, two runs at once, and the
DuckDB file held by another process. After each, a later run must leave the warehouse exact.

The moment to strike is found from the run's own `-v` log lines ("Extract started",
"Normalize started", "Load started", "Steps took" = models being built).
"""

from __future__ import annotations

import signal
import subprocess
import sys
from datetime import timedelta

import pytest
from reliability_helpers import Scenario, read_until, sim_config

from pipelines import run

NO_PENDING = 0


def _crash(
    scenario: Scenario, marker: str, sig: int = signal.SIGKILL, destination: str = "duckdb"
) -> subprocess.CompletedProcess[str]:
    """Start `wxm sync -v`, send `sig` once a log line holds `marker`, wait for the end."""
    process = scenario.popen("sync", "--destination", destination)
    assert process.stderr is not None
    seen = read_until(process.stderr, marker)
    process.send_signal(sig)
    scenario.figures.faults += 1
    out, err = process.communicate(timeout=60)
    return subprocess.CompletedProcess(process.args, process.returncode, out, "".join(seen) + err)


@pytest.mark.parametrize(
    "markers",
    [
        ["WXM page numbering starts"],  # mid-extract (a slow page holds the extract open)
        ["Normalize started"],
        ["Load started"],
        ["Steps took"],  # while the models are built
        ["Load started", "Normalize started"],  # killed again while recovering
    ],
    ids=["mid-extract", "mid-normalize", "mid-load", "mid-models", "twice"],
)
def test_sigkill_then_run_again_is_exact(scenario: Scenario, markers: list[str]) -> None:
    sim = scenario.start(sim_config(responses=400))
    for marker in markers:
        if "extract" in marker or "numbering" in marker:
            sim.faults.add("slow", count=1, route="answers/page", after=2, seconds=1.0)
        killed = _crash(scenario, marker)
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        sim.faults.clear()
    # the account moves on while the pipeline is down
    recent = sorted(sim.account.ground_truth(after=sim.account.now - timedelta(days=2)))
    sim.account.edit(recent[0], append_note="edited while the pipeline was down")
    sim.account.edit(recent[1], flip_archived=True)
    deleted = sim.account.delete([recent[2], recent[3]])
    sim.account.advance(60, new_responses=4)

    scenario.sync_ok()
    report = run.status(scenario.settings())
    assert report.pending_packages == NO_PENDING
    scenario.verify(sim)
    assert not set(deleted) & set(scenario.verify(sim))


def test_sigterm_stops_with_130_and_the_next_run_completes(scenario: Scenario) -> None:
    sim = scenario.start()
    sim.faults.add("slow", count=2, route="answers/page", after=1, seconds=1.0)
    stopped = _crash(scenario, "WXM page numbering starts", signal.SIGTERM)
    assert stopped.returncode == 130, stopped.stderr
    last = stopped.stderr.strip().splitlines()[-1]
    assert last.startswith("wxm: error: interrupted"), last
    sim.faults.clear()
    stopped = _crash(scenario, "Normalize started", signal.SIGTERM)
    assert stopped.returncode == 130, stopped.stderr
    scenario.sync_ok()
    scenario.verify(sim)


def test_two_syncs_at_once(scenario: Scenario) -> None:
    sim = scenario.start()
    sim.faults.add("slow", count=1, route="answers/page", after=1, seconds=1.0)
    first, second = scenario.popen("sync"), scenario.popen("sync")
    results = [(p.wait(timeout=120), p.communicate()[1]) for p in (first, second)]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 1], results
    loser = next(err for code, err in results if code == 1)
    assert "already running by PID" in loser.strip().splitlines()[-1]
    scenario.verify(sim)


def test_duckdb_file_taken_by_another_program_mid_run(scenario: Scenario) -> None:
    sim = scenario.start()
    scenario.sync_ok()
    sim.account.advance(60, new_responses=6)
    sim.faults.add("slow", count=1, route="answers/page", after=1, seconds=1.5)
    process = scenario.popen("sync", "--rescan", "30")
    assert process.stderr is not None
    seen = read_until(process.stderr, "Extract started")
    database = scenario.settings().duckdb_path
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
            "print('ready', flush=True); time.sleep(120)",
            str(database),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        _, err = process.communicate(timeout=120)
        assert process.returncode == 1, "".join(seen) + err
        assert "is locked by another process" in err.strip().splitlines()[-1]
        assert f"PID {holder.pid}" in err.strip().splitlines()[-1]
    finally:
        holder.kill()
        holder.wait()
    assert run.status(scenario.settings()).pending_packages > 0  # kept for the next run
    # upstream changes while the package waits: the pending (older) data must not win
    recent = sorted(sim.account.ground_truth(after=sim.account.now - timedelta(days=2)))
    deleted = sim.account.delete(recent[:2])
    sim.account.edit(recent[2], append_note="edited while the package waited")
    scenario.sync_ok()
    assert run.status(scenario.settings()).pending_packages == 0
    assert not set(deleted) & set(scenario.verify(sim))


def test_sigkill_of_a_parquet_sync_mid_load_then_run_again_is_exact(scenario: Scenario) -> None:
    sim = scenario.start(sim_config(responses=300))
    scenario.sync_ok("--destination", "parquet")
    recent = sorted(sim.account.ground_truth(after=sim.account.now - timedelta(days=2)))
    sim.account.edit(recent[0], append_note="changed before the crash")
    sim.account.delete([recent[1]])
    sim.account.advance(60, new_responses=5)
    killed = _crash(scenario, "Load started", destination="parquet")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    scenario.sync_ok("--destination", "parquet")
    scenario.verify(sim, destination="parquet")


def test_sigkill_mid_backfill_then_backfill_again_keeps_the_cursor(scenario: Scenario) -> None:
    sim = scenario.start(sim_config(responses=300))
    now = sim.account.now
    scenario.sync_ok("--start-date", (now - timedelta(days=5)).date().isoformat())
    cursor = run.status(scenario.settings()).cursor
    process = scenario.popen(
        "backfill",
        "--from",
        (now - timedelta(days=21)).date().isoformat(),
        "--to",
        (now - timedelta(days=4)).date().isoformat(),
        "--chunk-days",
        "4",
    )
    assert process.stderr is not None
    read_until(process.stderr, "Backfill chunk 3")
    process.kill()
    scenario.figures.faults += 1
    process.communicate(timeout=60)
    args = ["--from", (now - timedelta(days=21)).date().isoformat()]
    args += ["--to", (now - timedelta(days=4)).date().isoformat(), "--chunk-days", "4"]
    done = scenario.cli("backfill", *args)
    assert done.exit_code == 0, done.stderr
    assert run.status(scenario.settings()).cursor == cursor
    scenario.verify(sim)
