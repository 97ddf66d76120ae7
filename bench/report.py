"""Render the results: the figures table, the per-run table, the machine, and the misses."""

from __future__ import annotations

import os
import platform
import subprocess
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import psutil

from bench.harness import RunRecord
from bench.scenarios import Figure
from bench.variants import REPO_ROOT


def machine() -> dict[str, str]:
    """The machine and software the run measured on."""
    cpu_model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus (nproc)": f"{len(os.sched_getaffinity(0))}"
        + (f" × {cpu_model}" if cpu_model else ""),
        "memory": f"{psutil.virtual_memory().total / 2**30:.1f} GiB",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "dlt": version("dlt"),
        "duckdb": version("duckdb"),
        "deltalake": version("deltalake"),
        "commit": commit,
    }


def _num(value: float | None, unit: str = "") -> str:
    if value is None:
        return "n/a"
    if unit == "MB" or unit == "responses/s" or (float(value).is_integer() and abs(value) >= 1):
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"


def _ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}×"


def _met(met: bool | None) -> str:
    return {True: "yes", False: "**no**", None: ""}[met]


def figures_table(figures: Sequence[Figure]) -> str:
    """The main table: one figure per row with baseline, ceiling, ratios and target."""
    lines = [
        "| figure | unit | this pipeline | baseline | ceiling | floor | vs baseline | vs ceiling "
        "| target | met |",
        "|---|---|--:|--:|--:|--:|--:|--:|---|---|",
    ]
    for f in figures:
        lines.append(
            f"| {f.name} | {f.unit} | {_num(f.ours, f.unit)} | {_num(f.baseline, f.unit)} "
            f"| {_num(f.ceiling, f.unit) if f.ceiling else ''} "
            f"| {_num(f.floor, f.unit) if f.floor else ''} | {_ratio(f.vs_baseline)} "
            f"| {_ratio(f.vs_ceiling)} | {f.target} | {_met(f.met)} |"
        )
    return "\n".join(lines)


def _phases(phases: dict[str, float]) -> str:
    if not phases:
        return ""
    return "steps: " + ", ".join(f"{name} {sec:.0f} s" for name, sec in phases.items()) + ". "


def runs_table(records: Sequence[RunRecord]) -> str:
    """Every measured run, in the order it ran."""
    lines = [
        "| scenario | variant | mode | destination | simulator | wall s | API phase s "
        "| responses/s | peak RSS MB | CPU s | requests | 429s | loaded | load avg | note |",
        "|---|---|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for r in records:
        status = "" if r.ok else "**failed** "
        lines.append(
            f"| {r.scenario} | {r.variant} | {r.mode} | {r.destination} | {r.sim} "
            f"| {r.wall_s:.1f} | {_num(r.api_span_s)} | {_num(r.responses_per_s, 'responses/s')} "
            f"| {r.peak_rss_mb:.0f} | {r.cpu_s:.1f} | {r.requests} | {r.rate_limited} "
            f"| {'' if r.loaded is None else r.loaded} | {r.load_avg:.1f} "
            f"| {status}{_phases(r.phases)}{r.note} |"
        )
    return "\n".join(lines)


def misses(figures: Sequence[Figure]) -> list[str]:
    """One line per missed target, saying by how much."""
    out = []
    for f in figures:
        if f.met is not False or f.ours is None:
            continue
        detail = ""
        if f.miss:
            detail = f.miss
        elif "ceiling" in f.target and f.ceiling:
            detail = (
                f"{f.ours / f.ceiling:.2f}× the ceiling ({f.ours - 1.15 * f.ceiling:+.1f} s over)"
            )
        elif "baseline" in f.target and f.baseline:
            detail = f"{f.ours / f.baseline:.2f}× the baseline"
        elif f.unit == "MB":
            detail = f"{f.ours:.0f} MB ({f.ours - 400:+.0f} MB over)"
        else:
            detail = f"measured {_num(f.ours, f.unit)}"
        out.append(f"- **{f.name}** — target {f.target}: {detail}.")
    return out


def failures(records: Sequence[RunRecord]) -> list[str]:
    """One line per failed run, with the last line of its error output."""
    out = []
    for r in records:
        if r.ok:
            continue
        lines = [line for line in (r.error or "").splitlines() if line.strip()]
        last = lines[-1].strip() if lines else "no output"
        out.append(
            f"- {r.scenario} / {r.variant} {r.mode} → {r.destination} ({r.sim}, {r.note or 'run'}) "
            f"failed after {r.wall_s:.0f} s: `{last[:300]}`"
        )
    return out


def render(
    figures: Sequence[Figure],
    records: Sequence[RunRecord],
    *,
    command: str,
    sim_startup: dict[str, float],
) -> str:
    """The whole `results.md` document."""
    info = machine()
    parts = [
        "# Benchmark results",
        "",
        f"Command: `{command}` — {info['date']}.",
        "",
        "**This pipeline** is `wxm backfill`/`wxm sync`; **baseline** is dlt's generic `rest_api` "
        "source configured as its docs suggest (`bench/baseline.py`); **ceiling** is the fewest "
        "page requests (1,000 responses a page) ÷ the rate limit; **floor** is what this machine "
        "allows: every page fetched as raw bytes (8 threads, at the rate limit, no parsing, "
        "`bench/rawfetch.py`) from the same simulator, which generates what it serves on the "
        "same CPUs. Every variant runs as its own "
        "process against a simulator in another process; wall time and peak RSS are of the "
        "variant's process tree alone.",
        "",
        figures_table(figures),
        "",
        *(f"- *{f.name}*: {f.note}" for f in figures if f.note),
        "",
    ]
    missed = misses(figures)
    if missed:
        parts += ["## Targets missed", "", *missed, ""]
    failed = failures(records)
    if failed:
        parts += ["## Failed runs", "", *failed, ""]
    parts += [
        "## Machine",
        "",
        *(f"- {key}: {value}" for key, value in info.items()),
        "",
        "## Runs",
        "",
        "Load avg is the machine's 1-minute load average as the run started (other work on the "
        "machine slows a run down; above the CPU count, treat that run's times with care).",
        "",
        runs_table(records),
        "",
        "Simulator start-up (not in any figure): "
        + ", ".join(f"{label} {sec:.1f} s" for label, sec in sim_startup.items())
        + ".",
        "",
    ]
    return "\n".join(parts)
