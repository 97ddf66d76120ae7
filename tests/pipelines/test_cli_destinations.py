"""Integration: one data folder synced to DuckDB and to Parquet, resets, and a silent cron run."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pipeline_helpers import SALT, cli_env, loaded_hashes, truth_hashes
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.dates import parse_instant
from pipelines.settings import RunSettings, pipeline_name_for
from simulator import Simulator
from sources.wxm.windows import SAFETY_MARGIN

runner = CliRunner()


def _cursor_line(stdout: str) -> str:
    return next(line for line in stdout.splitlines() if line.startswith("cursor "))


def test_each_destination_keeps_its_own_cursor(
    sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli_env(sim, monkeypatch, tmp_path)
    data = ["--data-dir", str(tmp_path / "data"), "--no-progress", "--rescan", "0"]
    duck = RunSettings(data_dir=tmp_path / "data")
    parquet = RunSettings(data_dir=tmp_path / "data", destination="parquet")
    assert (duck.pipeline_name, parquet.pipeline_name) == ("wxm", "wxm_parquet")
    assert pipeline_name_for("postgres") == "wxm_postgres"

    first = runner.invoke(app, ["sync", *data])
    assert first.exit_code == 0, first.stderr
    shown = runner.invoke(app, ["status", "--data-dir", str(duck.data_dir)])
    cursor = parse_instant(_cursor_line(shown.stdout).split()[-1], "cursor")
    # responses that arrive after the DuckDB cursor, then a Parquet sync that moves ITS cursor on
    arrived = sim.account.insert_late(
        4, at=cursor + timedelta(milliseconds=100), spread_seconds=0.5
    )
    while datetime.now(UTC) - SAFETY_MARGIN <= cursor + timedelta(seconds=1):
        time.sleep(0.1)
    to_parquet = runner.invoke(app, ["sync", *data, "--destination", "parquet"])
    assert to_parquet.exit_code == 0, to_parquet.stderr
    assert set(arrived) <= set(loaded_hashes(parquet))

    # with no lookback, the DuckDB sync still starts from its own cursor: nothing is missed
    again = runner.invoke(app, ["sync", *data])
    assert again.exit_code == 0, again.stderr
    assert "responses 4 new" in again.stdout
    assert loaded_hashes(duck) == truth_hashes(sim)

    duck_status = runner.invoke(app, ["status", "--data-dir", str(duck.data_dir)])
    parquet_status = runner.invoke(
        app, ["status", "--data-dir", str(duck.data_dir), "--destination", "parquet"]
    )
    assert "pipeline     wxm (duckdb)" in duck_status.stdout
    assert "pipeline     wxm_parquet (parquet)" in parquet_status.stdout
    assert _cursor_line(duck_status.stdout) != _cursor_line(parquet_status.stdout)
    assert (duck.working_dir / "wxm_parquet.lock").exists()


def test_quiet_syncs_to_both_destinations_print_nothing(sim: Simulator, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SOURCES__WXM__BASE_URL": sim.url,
        "SOURCES__WXM__USERNAME": sim.username,
        "SOURCES__WXM__API_KEY": sim.api_key,
        "SOURCES__WXM__PII_SALT": SALT,
        "SOURCES__WXM__RATE_LIMIT": "0",
    }
    env.pop("RUNTIME__LOG_LEVEL", None)
    for destination in ("parquet", "duckdb", "parquet"):
        done = subprocess.run(
            [sys.executable, "-m", "pipelines.cli", "sync", "--quiet", "-d", destination],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        assert (done.stdout, done.stderr) == ("", ""), destination


def test_reset_drop_data_on_parquet_starts_clean(
    sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli_env(sim, monkeypatch, tmp_path)
    settings = RunSettings(data_dir=tmp_path / "data", destination="parquet")
    args = ["--data-dir", str(settings.data_dir), "--destination", "parquet"]
    assert runner.invoke(app, ["sync", *args, "--no-progress"]).exit_code == 0

    reset = runner.invoke(app, ["reset", *args, "--yes", "--drop-data"])
    assert reset.exit_code == 0, reset.stderr
    assert "forgot the state and ALL loaded tables" in reset.stdout
    assert not (settings.parquet_dir / "wxm").exists()
    assert not settings.catalog_path.exists()
    shown = runner.invoke(app, ["status", *args])
    assert "cursor       none" in shown.stdout and "rows         none" in shown.stdout

    again = runner.invoke(app, ["sync", *args, "--no-progress"])
    assert again.exit_code == 0, again.stderr
    assert f"responses {len(truth_hashes(sim))} new" in again.stdout
    assert loaded_hashes(settings) == truth_hashes(sim)
    assert settings.catalog_path.exists()


def test_a_delta_table_with_an_empty_log_is_named_with_the_fix(
    sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli_env(sim, monkeypatch, tmp_path)
    settings = RunSettings(data_dir=tmp_path / "data", destination="parquet")
    args = ["--data-dir", str(settings.data_dir), "--destination", "parquet"]
    assert runner.invoke(app, ["sync", *args, "--no-progress"]).exit_code == 0
    broken = settings.parquet_dir / "wxm" / "users" / "_delta_log"
    for item in broken.iterdir():
        item.unlink()

    shown = runner.invoke(app, ["status", *args])
    assert shown.exit_code == 0, shown.stderr
    assert "responses" in shown.stdout  # the other tables are still read
    failed = runner.invoke(app, ["sync", *args, "--no-progress"])
    assert failed.exit_code == 1
    lines = failed.stderr.strip().splitlines()
    assert len(lines) == 1, failed.stderr
    assert "users has an empty _delta_log" in lines[0]
    assert "wxm reset --yes --drop-data --destination parquet" in lines[0]
