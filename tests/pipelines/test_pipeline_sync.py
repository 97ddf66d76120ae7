"""Integration: syncs and backfills against the simulator, into real DuckDB and Delta files."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pipeline_helpers import (
    duplicates,
    loaded_answer_keys,
    loaded_hashes,
    source_args,
    truth_answer_keys,
    truth_hashes,
)

from pipelines import run
from pipelines.dates import parse_instant
from pipelines.settings import RunSettings
from simulator import Simulator
from sources.wxm.windows import SAFETY_MARGIN


@pytest.mark.parametrize("destination", ["duckdb", "parquet"])
def test_first_sync_equals_ground_truth_and_second_adds_nothing(
    sim: Simulator, tmp_path: Path, destination: str
) -> None:
    settings = RunSettings(data_dir=tmp_path / "data", destination=destination)

    first = run.sync(settings, source_args=source_args(sim))
    truth = truth_hashes(sim)
    assert loaded_hashes(settings) == truth
    assert loaded_answer_keys(settings) == truth_answer_keys(sim)
    assert first.changes is not None
    assert (first.changes.new, first.changes.changed) == (len(truth), 0)
    assert first.rows["responses"] == len(truth)

    second = run.sync(settings, source_args=source_args(sim))
    assert second.changes is not None
    assert (second.changes.new, second.changes.changed) == (0, 0)
    assert loaded_hashes(settings) == truth
    assert duplicates(settings) == {"responses": 0, "answers": 0, "notes": 0, "tickets": 0}
    if destination == "parquet":
        assert settings.catalog_path.exists()
    else:
        assert run.status(settings).row_counts is not None


def test_late_edited_archived_deleted_and_new_responses_arrive(
    sim: Simulator, tmp_path: Path
) -> None:
    settings = RunSettings(data_dir=tmp_path / "data")
    run.sync(settings, source_args=source_args(sim))
    account = sim.account
    recent = sorted(account.ground_truth(after=account.now - timedelta(days=3)))
    edited, archived, noted, deleted = recent[:4]

    account.edit(edited, add_answer=True)
    account.edit(archived, flip_archived=True)
    account.edit(noted, append_note="called back, resolved")
    account.delete([deleted])
    late = account.insert_late(3, at=account.now - timedelta(days=2), spread_seconds=600)
    # new responses, stamped after the cursor (each sync ends SAFETY_MARGIN before the wall clock)
    cursor = parse_instant(run.status(settings).cursor or "", "cursor")
    arrived = account.insert_late(5, at=cursor + timedelta(milliseconds=100), spread_seconds=0.5)
    while datetime.now(UTC) - SAFETY_MARGIN <= cursor + timedelta(seconds=1):
        time.sleep(0.1)

    summary = run.sync(settings, source_args=source_args(sim))
    assert loaded_hashes(settings) == truth_hashes(sim)
    assert loaded_answer_keys(settings) == truth_answer_keys(sim)
    assert set(late) | set(arrived) <= set(loaded_hashes(settings))
    assert summary.changes is not None
    assert summary.changes.new == len(late) + len(arrived)
    assert summary.changes.changed == 3
    assert summary.changes.deleted == 1
    all_rows = loaded_hashes(settings, live_only=False)
    assert deleted in all_rows and deleted not in loaded_hashes(settings)
    assert duplicates(settings)["responses"] == 0


def test_backfill_loads_the_range_and_keeps_the_cursor(sim: Simulator, tmp_path: Path) -> None:
    settings = RunSettings(data_dir=tmp_path / "data")
    now = sim.account.now
    start = (now - timedelta(days=4)).date().isoformat()
    run.sync(settings, start_date=start, source_args=source_args(sim))
    cursor = run.status(settings).cursor
    assert cursor is not None
    before = loaded_hashes(settings)

    lower, upper = now - timedelta(days=15), now - timedelta(days=8)
    summary = run.backfill(
        settings,
        date_from=lower.date().isoformat(),
        date_to=upper.date().isoformat(),
        chunk_days=3,
        source_args=source_args(sim),
    )
    assert run.status(settings).cursor == cursor
    day_start = lower.replace(hour=0, minute=0, second=0, microsecond=0)
    day_end = upper.replace(hour=23, minute=59, second=59, microsecond=999000)
    in_range = truth_hashes(sim, after=day_start, before=day_end)
    assert in_range
    assert loaded_hashes(settings) == {**before, **in_range}
    assert summary.changes is not None and summary.changes.new == len(in_range)
    assert summary.windows >= 3
