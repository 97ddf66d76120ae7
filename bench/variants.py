"""The measured variants: this pipeline (`wxm` CLI) and the `rest_api` baseline, as command lines.

Each run gets its own data folder and dlt data dir, so no state leaks between runs, and the
loaded responses are counted afterwards (outside the measurement) to check every variant
loaded the same data.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import duckdb

from bench.simproc import SimulatorProcess
from bench.timeutil import iso_z

OURS = "ours"
BASELINE = "baseline"
RAW = "raw"
REPO_ROOT = Path(__file__).resolve().parent.parent


def ours_available() -> bool:
    """True once the `wxm` CLI and the source are importable (they land after the harness)."""
    try:
        return (
            all(
                importlib.util.find_spec(name) is not None
                for name in ("pipelines.cli", "sources.wxm")
            )
            and wxm_executable().exists()
        )
    except (ImportError, ValueError):
        return False


def wxm_executable() -> Path:
    """The `wxm` console script of the running interpreter's environment."""
    return Path(sys.executable).parent / "wxm"


def ours_setting(name: str, env: dict[str, str], fallback: float) -> float:
    """A `wxm_source` setting as this pipeline's runs see it: env override, else its default."""
    override = env.get(f"SOURCES__WXM__{name.upper()}")
    if override is not None:
        return float(override)
    try:
        import inspect

        from sources.wxm import wxm_source

        default = inspect.signature(wxm_source).parameters[name].default
        return float(default)
    except (ImportError, KeyError, TypeError, ValueError):
        return fallback


def child_env(sim: SimulatorProcess, data_dir: Path) -> dict[str, str]:
    """Environment of a measured run: credentials of the simulator, an isolated dlt data dir."""
    env = dict(os.environ)
    env.update(
        {
            "SOURCES__WXM__BASE_URL": sim.url,
            "SOURCES__WXM__USERNAME": sim.username,
            "SOURCES__WXM__API_KEY": sim.api_key,
            "DLT_DATA_DIR": str(data_dir / "dlt-home"),
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p
            ),
            "RUNTIME__LOG_LEVEL": env.get("RUNTIME__LOG_LEVEL", "WARNING"),
        }
    )
    return env


def ours_argv(
    mode: str, destination: str, data_dir: Path, after: datetime, before: datetime
) -> list[str]:
    """`wxm backfill --from --to` or `wxm sync` into `data_dir`."""
    argv = [str(wxm_executable()), mode]
    if mode == "backfill":
        argv += ["--from", iso_z(after), "--to", iso_z(before)]
    argv += ["--destination", destination, "--data-dir", str(data_dir), "-v"]
    return argv


_STEPS = re.compile(
    r"Steps took: extract ([\d.]+) s, normalize ([\d.]+) s, compare ([\d.]+) s, load ([\d.]+) s"
)
_MODELS = re.compile(r"Models took ([\d.]+) s")


def ours_phases(log_text: str) -> dict[str, float]:
    """Seconds per dlt step, summed over the chunks, from this pipeline's `-v` log lines."""
    phases: dict[str, float] = {}
    for match in _STEPS.finditer(log_text):
        for name, value in zip(
            ("extract", "normalize", "compare", "load"), match.groups(), strict=True
        ):
            phases[name] = phases.get(name, 0.0) + float(value)
    for match in _MODELS.finditer(log_text):
        phases["models"] = phases.get("models", 0.0) + float(match.group(1))
    return phases


def baseline_argv(
    mode: str, destination: str, data_dir: Path, after: datetime, before: datetime
) -> list[str]:
    """`python -m bench.baseline` for a window (backfill) or with its cursor (sync)."""
    argv = [sys.executable, "-m", "bench.baseline", "--data-dir", str(data_dir)]
    argv += ["--destination", destination, "--from", iso_z(after)]
    if mode == "backfill":
        argv += ["--to", iso_z(before)]
    else:
        argv += ["--incremental"]
    return argv


def variant_argv(
    variant: str, mode: str, destination: str, data_dir: Path, after: datetime, before: datetime
) -> Sequence[str]:
    """The command line of `variant` (`ours`, `baseline` or `raw`, the bytes-only floor)."""
    if variant == RAW:
        return [
            sys.executable,
            "-m",
            "bench.rawfetch",
            "--from",
            iso_z(after),
            "--to",
            iso_z(before),
        ]
    build = ours_argv if variant == OURS else baseline_argv
    return build(mode, destination, data_dir, after, before)


def count_loaded(variant: str, destination: str, data_dir: Path) -> int | None:
    """Count the responses a finished run left in its destination (None if not found)."""
    if variant == RAW:
        return None
    try:
        if destination == "duckdb":
            path = data_dir / "baseline.duckdb"
            if variant == OURS:
                from pipelines.settings import RunSettings

                path = RunSettings(data_dir=data_dir).duckdb_path
            with duckdb.connect(str(path), read_only=True) as con:
                row = con.execute("select count(*) from wxm.responses").fetchone()
                return int(row[0]) if row else None
        from deltalake import DeltaTable

        table = DeltaTable(str(data_dir / "parquet" / "wxm" / "responses"))
        return int(table.to_pyarrow_dataset().count_rows())
    except Exception:
        return None
