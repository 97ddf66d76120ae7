"""Integration of the `wxm` command: sync, status, reset, locks, bad credentials and the demo."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pipeline_helpers import cli_env, loaded_hashes, truth_hashes
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.locking import pipeline_lock
from pipelines.settings import RunSettings
from simulator import Simulator

runner = CliRunner()


def _one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("wxm: error: ")
    return lines[0]


def test_sync_status_reset_cycle(
    sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli_env(sim, monkeypatch, tmp_path)
    data = ["--data-dir", str(tmp_path / "data")]

    synced = runner.invoke(app, ["sync", *data, "--no-progress"])
    assert synced.exit_code == 0, synced.stderr
    lines = synced.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("wxm sync ok (duckdb): ")
    assert f"responses {len(truth_hashes(sim))} new, 0 changed" in lines[0]

    shown = runner.invoke(app, ["status", *data])
    assert shown.exit_code == 0, shown.stderr
    assert "cursor       none" not in shown.stdout
    assert "last load    never" not in shown.stdout
    assert "responses" in shown.stdout

    out = tmp_path / "dictionary.md"
    written = runner.invoke(app, ["dictionary", *data, "--out", str(out)])
    assert written.exit_code == 0, written.stderr
    text = out.read_text()
    assert "`responses`" in text and "`content_hash`" in text and "`daily_nps`" in text

    reset = runner.invoke(app, ["reset", *data, "--yes"])
    assert reset.exit_code == 0, reset.stderr
    assert "forgot the state" in reset.stdout
    after = runner.invoke(app, ["status", *data])
    assert "cursor       none" in after.stdout

    settings = RunSettings(data_dir=tmp_path / "data")
    assert loaded_hashes(settings) == truth_hashes(sim)  # data kept
    again = runner.invoke(app, ["sync", *data, "--quiet"])
    assert again.exit_code == 0, again.stderr
    assert again.stdout == ""
    assert loaded_hashes(settings) == truth_hashes(sim)


def test_second_sync_stops_while_the_first_holds_the_lock(
    sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli_env(sim, monkeypatch, tmp_path)
    settings = RunSettings(data_dir=tmp_path / "data")
    settings.prepare()
    with pipeline_lock(settings.lock_path, settings.pipeline_name):
        result = runner.invoke(app, ["sync", "--data-dir", str(settings.data_dir)])
    assert result.exit_code == 1
    line = _one_error_line(result.stderr)
    assert "already running by PID" in line
    assert sim.stats.requests == 0


def test_wrong_api_key_fails_in_one_line_without_the_secret(
    sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli_env(sim, monkeypatch, tmp_path)
    monkeypatch.setenv("SOURCES__WXM__API_KEY", "not-the-right-key-123")
    result = runner.invoke(app, ["sync", "--data-dir", str(tmp_path / "data"), "-vv"])
    assert result.exit_code == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("wxm: error: login to WXM failed")
    assert "api_key" in last
    for secret in ("not-the-right-key-123", sim.api_key):
        assert secret not in result.stderr and secret not in result.stdout


def test_duckdb_file_locked_by_another_process(
    sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli_env(sim, monkeypatch, tmp_path)
    settings = RunSettings(data_dir=tmp_path / "data")
    settings.prepare()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
            "print('ready', flush=True); time.sleep(60)",
            str(settings.duckdb_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        result = runner.invoke(app, ["sync", "--data-dir", str(settings.data_dir)])
        shown = runner.invoke(app, ["status", "--data-dir", str(settings.data_dir)])
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 1
    line = _one_error_line(result.stderr)
    assert "is locked by another process" in line
    assert f"PID {holder.pid}" in line
    assert shown.exit_code == 0, shown.stderr
    assert "rows         unknown (" in shown.stdout and "locked" in shown.stdout


def test_demo_runs_and_prints_the_queries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "data"
    args = ["demo", "--data-dir", str(data), "--responses", "300", "--days", "10"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("wxm demo ok (duckdb): ")
    assert "responses 300 new" in result.stdout
    assert "FROM wxm." in result.stdout
    assert (data / "warehouse.duckdb").exists()

    rerun = runner.invoke(app, args)
    assert rerun.exit_code == 0, rerun.stderr
    assert "responses 300 new" in rerun.stdout  # a fresh start each time

    mixed = runner.invoke(app, ["sync", "--data-dir", str(data)])
    assert mixed.exit_code == 1
    assert "holds data of pipeline(s) wxm_demo" in _one_error_line(mixed.stderr)
