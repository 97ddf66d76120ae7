"""Smoke test of the harness end to end: simulator process, both variants, counters, report."""

from __future__ import annotations

import json
from pathlib import Path

from bench.__main__ import main


def test_limited_scenario_runs_both_variants_and_writes_the_table(tmp_path: Path) -> None:
    out = tmp_path / "results.md"
    code = main(
        [
            "--scenarios",
            "limited",
            "--limited",
            "300",
            "--work-dir",
            str(tmp_path / "work"),
            "--out",
            str(out),
        ]
    )

    assert code == 0
    text = out.read_text()
    assert "| Backfill 300 @15/s +200 ms: wall time | s |" in text
    assert "## Machine" in text
    runs = json.loads((tmp_path / "work" / "results.json").read_text())["runs"]
    assert {r["variant"] for r in runs} == {"ours", "baseline", "raw"}
    for run in runs:
        assert run["ok"], run["error"]
        assert run["requests"] >= 2  # a login and at least one page
        assert run["by_route"].get("answers/page", 0) >= 1
        if run["variant"] != "raw":
            assert run["loaded"] == 300
