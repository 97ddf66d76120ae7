"""Helpers of the reliability scenarios: the figures, whole `wxm` runs, and the exact comparison.

Every scenario ends with `Scenario.verify`, which compares the warehouse with the simulator's
ground truth (ids and content hashes of every response, the answer keys of a sample, duplicates
per key) and adds what it compared to the suite's figures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.destinations import open_dataset
from pipelines.settings import RunSettings
from simulator import Simulator, SimulatorConfig, content_hash, run_simulator

SALT = "reliability-salt"
PAST_NOW = (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0)
"""The simulated account's clock, a day back: every response lies before a sync's fixed end."""
WXM = str(Path(sys.executable).with_name("wxm"))
KEYS = {
    "responses": "id",
    "answers": "response_id, question_id",
    "notes": "response_id, note_index",
    "tickets": "response_id",
}


@dataclass
class Figures:
    """What the scenarios of one process did (summed over xdist workers at the end)."""

    scenarios: int = 0
    faults: int = 0
    rows: int = 0
    mismatches: int = 0

    def add(self, other: dict[str, int]) -> None:
        """Add another process's figures."""
        self.scenarios += other.get("scenarios", 0)
        self.faults += other.get("faults", 0)
        self.rows += other.get("rows", 0)
        self.mismatches += other.get("mismatches", 0)

    def line(self) -> str:
        """The suite's one figure line."""
        return (
            f"reliability: {self.scenarios} scenarios, {self.faults} faults injected, "
            f"{self.rows} rows compared, {self.mismatches} mismatches"
        )


def sim_config(**changes: Any) -> SimulatorConfig:
    """A small account in the past, rate limit off."""
    base = SimulatorConfig(seed=23, responses=300, days=20, rate_limit=0, now=PAST_NOW)
    return base.replace(**changes)


@dataclass
class Scenario:
    """One scenario: its simulators, its data folder, its environment, and its verification."""

    tmp_path: Path
    figures: Figures
    monkeypatch: pytest.MonkeyPatch
    sims: list[Simulator] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    _stack: list[Any] = field(default_factory=list)

    @property
    def data_dir(self) -> Path:
        """The `--data-dir` of the scenario's runs."""
        return self.tmp_path / "data"

    def settings(self, destination: str = "duckdb") -> RunSettings:
        """Settings matching the scenario's runs."""
        return RunSettings(data_dir=self.data_dir, destination=destination)

    def start(self, config: SimulatorConfig | None = None, **env: str) -> Simulator:
        """Start a simulator and point the `wxm` configuration (environment) at it."""
        manager = run_simulator(config or sim_config())
        sim = manager.__enter__()
        self._stack.append(manager)
        self.sims.append(sim)
        self.env = {
            "SOURCES__WXM__BASE_URL": sim.url,
            "SOURCES__WXM__USERNAME": sim.username,
            "SOURCES__WXM__API_KEY": sim.api_key,
            "SOURCES__WXM__PII_SALT": SALT,
            "SOURCES__WXM__RATE_LIMIT": "0",
            "SOURCES__WXM__PAGE_SIZE": "25",
            "SOURCES__WXM__REQUEST_TIMEOUT": "5",
            **env,
        }
        self.monkeypatch.chdir(self.tmp_path)
        for name, value in self.env.items():
            self.monkeypatch.setenv(name, value)
        return sim

    def close(self) -> None:
        """Stop the simulators; count the faults they fired."""
        for sim in self.sims:
            self.figures.faults += sum(f["fired"] for f in sim.faults.describe())
        while self._stack:
            self._stack.pop().__exit__(None, None, None)

    # --- runs ------------------------------------------------------------------------------------

    def cli(self, *args: str) -> Any:
        """Run `wxm ARGS` in this process (CliRunner); returns the click result."""
        full = list(args)
        if args and args[0] in ("sync", "backfill", "status", "reset"):
            full[1:1] = ["--data-dir", str(self.data_dir)]
        if args and args[0] in ("sync", "backfill"):
            full.append("--no-progress")
        return CliRunner().invoke(app, full)

    def sync_ok(self, *args: str) -> str:
        """`wxm sync ARGS` must succeed; returns its summary line."""
        result = self.cli("sync", *args)
        assert result.exit_code == 0, result.stderr
        return str(result.stdout.strip())

    def popen(self, *args: str, verbose: str = "-v") -> subprocess.Popen[str]:
        """Start `wxm ARGS --data-dir ... -v` as a real process (stderr piped, line by line)."""
        command = [WXM, *args, "--data-dir", str(self.data_dir), "--no-progress", verbose]
        return subprocess.Popen(
            command,
            cwd=self.tmp_path,
            env={**os.environ, **self.env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    # --- verification ----------------------------------------------------------------------------

    def verify(
        self,
        sim: Simulator,
        *,
        destination: str = "duckdb",
        truth: dict[str, dict[str, Any]] | None = None,
        sample: int = 25,
    ) -> dict[str, str]:
        """Compare the warehouse with the ground truth exactly; count rows and mismatches.

        Args:
            sim: the simulator whose account is the truth.
            destination: the destination the runs loaded.
            truth: the expected Answers (default: the whole account).
            sample: how many responses get their answer rows compared too.

        Returns:
            the loaded live responses (id -> content hash).
        """
        truth = sim.account.ground_truth() if truth is None else truth
        expected = {rid: content_hash(answer) for rid, answer in truth.items()}
        settings = self.settings(destination)
        with open_dataset(settings) as con:
            assert con is not None
            loaded = {
                str(rid): str(digest)
                for rid, digest in con.execute(
                    "SELECT id, content_hash FROM wxm.responses WHERE deleted_at IS NULL"
                ).fetchall()
            }
            duplicated = {}
            for table, key in KEYS.items():
                distinct = f"SELECT count(*) FROM (SELECT DISTINCT {key} FROM wxm.{table})"
                row = con.execute(f"SELECT count(*) - ({distinct}) FROM wxm.{table}").fetchone()
                duplicated[table] = int(row[0]) if row else -1
            picked = sorted(expected)[:: max(1, len(expected) // sample)][:sample]
            answer_rows = con.execute(
                "SELECT response_id, question_id FROM wxm.answers WHERE response_id IN "
                "(SELECT unnest(?::VARCHAR[]))",
                [picked],
            ).fetchall()
        want_answers = {
            (rid, item["questionId"]) for rid in picked for item in truth[rid]["responses"]
        }
        got_answers = {(str(a), str(b)) for a, b in answer_rows}

        missing = set(expected) - set(loaded)
        extra = set(loaded) - set(expected)
        differing = {rid for rid in set(expected) & set(loaded) if expected[rid] != loaded[rid]}
        answer_diff = want_answers ^ got_answers
        bad = (
            len(missing) + len(extra) + len(differing) + len(answer_diff) + sum(duplicated.values())
        )
        self.figures.rows += len(expected) + len(want_answers)
        self.figures.mismatches += bad
        assert not missing, f"{len(missing)} responses missing, e.g. {sorted(missing)[:3]}"
        assert not extra, f"{len(extra)} responses loaded that the account lacks"
        assert not differing, f"{len(differing)} responses differ, e.g. {sorted(differing)[:3]}"
        assert not answer_diff, f"answer rows differ: {sorted(answer_diff)[:5]}"
        assert not any(duplicated.values()), duplicated
        return loaded


def read_until(stream: IO[str], marker: str, timeout: float = 60.0) -> list[str]:
    """Read lines from `stream` until one contains `marker`; returns the lines read."""
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    for line in stream:
        lines.append(line)
        if marker in line:
            return lines
        if time.monotonic() > deadline:
            break
    raise AssertionError(f"no line with {marker!r}; got:\n{''.join(lines[-20:])}")


def one_error_line(stderr: str) -> str:
    """The single `wxm: error:` line a failed run prints (nothing else on stderr at -v0)."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("wxm: error: "), stderr
    return lines[0]


def iter_files(root: Path) -> Iterator[Path]:
    """Every file under `root`."""
    return (path for path in root.rglob("*") if path.is_file())


def dump(value: Any) -> str:
    """Any value as text for a scan."""
    return json.dumps(value, default=str, ensure_ascii=False)
