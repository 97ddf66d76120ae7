"""CLI error paths: each bad input ends in one line that names the fix, and a non-zero exit."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in an empty folder with no WXM configuration in the environment."""
    monkeypatch.chdir(tmp_path)
    for name in ("BASE_URL", "USERNAME", "API_KEY", "PII_SALT"):
        monkeypatch.delenv(f"SOURCES__WXM__{name}", raising=False)
        monkeypatch.delenv(f"WXM__{name}", raising=False)


def _error_line(result: object) -> str:
    """The single error line of a failed run (stderr)."""
    stderr: str = getattr(result, "stderr")  # noqa: B009 - CliRunner result attribute
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("wxm: error: ")
    return lines[0]


def test_unknown_destination(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sync", "--data-dir", str(tmp_path), "--destination", "nosuch"])
    assert result.exit_code == 1
    line = _error_line(result)
    assert "unknown destination 'nosuch'" in line
    assert "duckdb, parquet" in line


def test_unparsable_start_date(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sync", "--data-dir", str(tmp_path), "--start-date", "nope"])
    assert result.exit_code == 1
    assert "--start-date 'nope' is not a date" in _error_line(result)


@pytest.mark.parametrize(
    ("date_from", "date_to", "expected"),
    [
        ("2024-02-30", "2024-03-01", "--from '2024-02-30' is not a date"),
        ("2024-03-01", "later", "--to 'later' is not a date"),
        ("2024-03-05", "2024-03-01", "is not after --from"),
    ],
)
def test_backfill_bad_dates(tmp_path: Path, date_from: str, date_to: str, expected: str) -> None:
    args = ["backfill", "--data-dir", str(tmp_path), "--from", date_from, "--to", date_to]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert expected in _error_line(result)


def test_missing_credentials(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sync", "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 1
    line = _error_line(result)
    assert "missing configuration" in line
    assert "SOURCES__WXM__" in line
    assert ".dlt/secrets.toml" in line


def test_unwritable_data_dir(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = runner.invoke(app, ["sync", "--data-dir", str(blocker / "data")])
    assert result.exit_code == 1
    line = _error_line(result)
    assert "is not writable" in line
    assert "--data-dir" in line


def test_reset_without_terminal_needs_yes(tmp_path: Path) -> None:
    result = runner.invoke(app, ["reset", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "--yes" in _error_line(result)


def test_status_of_a_fresh_folder(tmp_path: Path) -> None:
    result = runner.invoke(app, ["status", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    assert "cursor       none" in result.stdout
    assert "last load    never" in result.stdout
