"""Live data: the account changes during and between runs; every scenario ends exact.

Late responses inside the lookback arrive with the next sync; outside it they need
`wxm sync --rescan DAYS`, which also marks responses deleted upstream in that span (`deleted_at`).
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from reliability_helpers import Scenario, sim_config

from pipelines.destinations import open_dataset
from simulator import Simulator, content_hash


def _meddle(sim: Simulator, started: threading.Event, done: threading.Event) -> None:
    """While pages are being read: insert, edit, flip, delete."""
    while sim.stats.by_route.get("answers/page", 0) < 3 and not done.is_set():
        time.sleep(0.005)
    account = sim.account
    recent = sorted(account.ground_truth(after=account.now - timedelta(days=3)))
    account.insert_late(6, at=account.now - timedelta(hours=30), spread_seconds=0)
    account.insert_late(4, at=account.now - timedelta(days=5), spread_seconds=2)
    account.edit(recent[0], add_answer=True, append_note="during the sync")
    account.edit(recent[1], flip_archived=True)
    account.delete([recent[2]])
    account.advance(120, new_responses=5)
    started.set()


def test_responses_change_while_a_sync_reads_them(scenario: Scenario) -> None:
    sim = scenario.start(sim_config(responses=500, latency_ms=15))
    changed, done = threading.Event(), threading.Event()
    worker = threading.Thread(target=_meddle, args=(sim, changed, done), daemon=True)
    worker.start()
    scenario.sync_ok()
    done.set()
    worker.join(10)
    assert changed.is_set()  # the changes happened while the first run was reading pages
    second = scenario.sync_ok()  # the lookback (7 days) re-reads what changed mid-run
    assert "wxm sync ok" in second
    scenario.verify(sim)


@pytest.mark.parametrize("destination", ["duckdb", "parquet"])
def test_late_edited_and_deleted_inside_and_outside_the_lookback(
    scenario: Scenario, destination: str
) -> None:
    sim = scenario.start(sim_config(responses=300))
    scenario.sync_ok("--destination", destination)
    account = sim.account
    old = sorted(
        account.ground_truth(
            after=account.now - timedelta(days=12), before=account.now - timedelta(days=9)
        )
    )
    recent = sorted(account.ground_truth(after=account.now - timedelta(days=3)))
    inside = account.insert_late(3, at=account.now - timedelta(days=2), spread_seconds=0)
    outside = account.insert_late(4, at=account.now - timedelta(days=11), spread_seconds=5)
    account.edit(recent[0], append_note="late note")
    account.edit(recent[1], flip_archived=True)
    account.edit(recent[1], flip_archived=True)  # flipped back: same as before
    account.edit(recent[2], flip_archived=True)
    deleted_recent = account.delete([recent[3]])
    account.edit(old[0], append_note="old response edited")
    deleted_old = account.delete([old[1]])

    # a plain sync re-reads the 7-day lookback only: old changes wait for a re-scan (a known limit)
    scenario.sync_ok("--destination", destination)
    truth = {rid: content_hash(a) for rid, a in account.ground_truth().items()}
    settings = scenario.settings(destination)
    with open_dataset(settings) as con:
        assert con is not None
        rows = con.execute("SELECT id, content_hash, deleted_at FROM wxm.responses").fetchall()
    live = {rid: digest for rid, digest, gone in rows if gone is None}
    assert set(inside) <= set(live) and not set(outside) & set(live)
    assert set(deleted_recent) <= {rid for rid, _, gone in rows if gone is not None}
    stale = {old[0], *deleted_old}
    assert {rid for rid in set(truth) | set(live) if truth.get(rid) != live.get(rid)} == (
        stale | set(outside)
    )

    summary = scenario.sync_ok("--destination", destination, "--rescan", "14")
    assert "1 deleted upstream" in summary
    scenario.verify(sim, destination=destination)
    with open_dataset(settings) as con:
        assert con is not None
        gone = con.execute(
            "SELECT id FROM wxm.responses WHERE deleted_at IS NOT NULL ORDER BY id"
        ).fetchall()
    assert {rid for (rid,) in gone} == {*deleted_recent, *deleted_old}
