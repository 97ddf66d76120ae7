"""The wording a user sees: error lines with one fix, summaries, status and the simulator's help."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from pipeline_helpers import cli_env
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.summary import RunSummary
from simulator import Simulator
from simulator.cli import build_parser

runner = CliRunner()


def _error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("wxm: error: ")
    return lines[0]


def test_missing_credentials_name_the_real_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("SOURCES__WXM__USERNAME", "SOURCES__WXM__API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SOURCES__WXM__BASE_URL", "http://127.0.0.1:9")
    result = runner.invoke(app, ["sync", "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 1
    line = _error_line(result.stderr)
    assert line == (
        "wxm: error: missing configuration (username, api_key): set SOURCES__WXM__USERNAME, "
        "SOURCES__WXM__API_KEY (or [sources.wxm] in .dlt/secrets.toml, see "
        ".dlt/secrets.toml.example)"
    )


def test_wrong_api_key_names_one_fix(
    sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli_env(sim, monkeypatch, tmp_path)
    monkeypatch.setenv("SOURCES__WXM__API_KEY", "not-the-key")
    result = runner.invoke(app, ["sync", "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 1
    line = _error_line(result.stderr)
    assert line.startswith("wxm: error: login to WXM failed: WXM refused the username or API key")
    assert line.count("SOURCES__WXM__USERNAME") == 1
    assert "sources.wxm.username" not in line and "check" not in line


def test_nothing_listening_names_one_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sources.wxm import retry

    original = retry.pause
    monkeypatch.setattr(retry, "pause", lambda seconds, stop: original(min(seconds, 0.05), stop))
    monkeypatch.setattr(retry.time, "sleep", lambda seconds: None)
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCES__WXM__BASE_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("SOURCES__WXM__USERNAME", "someone")
    monkeypatch.setenv("SOURCES__WXM__API_KEY", "some-key")
    monkeypatch.setenv("SOURCES__WXM__PII_SALT", "some-salt")
    result = runner.invoke(app, ["sync", "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 1
    line = _error_line(result.stderr)
    assert line.startswith("wxm: error: WXM API error: could not reach WXM")
    assert line.count("sources.wxm.base_url") == 1
    assert "retry" not in line


def test_summary_counts_are_pluralized() -> None:
    one = RunSummary(command="sync", destination="duckdb", windows=1, requests=1, retries=1)
    assert "1 window, 1 request, 0 429s, 1 retry;" in one.line()
    two = RunSummary(command="sync", destination="duckdb", windows=2, requests=5, retries=0)
    assert "2 windows, 5 requests, 0 429s, 0 retries;" in two.line()


def test_status_always_shows_pending_packages(tmp_path: Path) -> None:
    result = runner.invoke(app, ["status", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    assert "pending      0 load packages" in result.stdout


def test_every_simulator_option_has_help() -> None:
    missing = [
        action.option_strings[0]
        for action in build_parser()._actions
        if action.option_strings and not action.help
    ]
    assert missing == []


def test_a_wxm_error_with_its_own_fix_gets_no_second_one() -> None:
    from pipelines.failures import explain
    from sources.wxm.exceptions import ApiError

    named = explain(ApiError("could not reach WXM (ConnectionError): check sources.wxm.base_url"))
    assert (
        named == "WXM API error: could not reach WXM (ConnectionError): check sources.wxm.base_url"
    )
    later = explain(ApiError("WXM's login kept failing (HTTP 503); try again later"))
    assert later == (
        "WXM API error: WXM's login kept failing (HTTP 503); try again later; "
        "if it persists, check sources.wxm.base_url"
    )
    bare = explain(ApiError("HTTP 500 from `GET /api/questions`"))
    assert bare.endswith(": check sources.wxm.base_url and retry")
