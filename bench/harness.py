"""Run measured variants against out-of-process simulators and keep one record per run.

A `Harness` keeps at most one simulator alive and restarts it only when a run needs other
simulator settings, so runs that share settings (the baseline and this pipeline of a scenario)
read the very same data. A run whose variant, mode, destination and settings were already
measured in this session is reused rather than repeated (the 200k CPU-bound run is also the
middle point of the growth series).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.proc import run_measured
from bench.sampler import StatsSampler
from bench.simproc import SimSpec, SimulatorProcess
from bench.variants import OURS, child_env, count_loaded, ours_phases, variant_argv

logger = logging.getLogger(__name__)


@dataclasses.dataclass
class RunRecord:
    """The measurements of one run of one variant."""

    scenario: str
    variant: str
    mode: str
    destination: str
    sim: str
    responses: int
    ok: bool
    wall_s: float
    peak_rss_mb: float
    cpu_s: float
    requests: int
    rate_limited: int
    rate_limited_after_warmup: int
    api_span_s: float | None
    by_route: dict[str, int]
    loaded: int | None
    load_avg: float = 0.0
    phases: dict[str, float] = dataclasses.field(default_factory=dict)
    error: str | None = None
    note: str = ""

    @property
    def responses_per_s(self) -> float | None:
        """Responses loaded per second of wall time (None if the run failed)."""
        if not self.ok or self.wall_s <= 0:
            return None
        return self.responses / self.wall_s

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the record."""
        out = dataclasses.asdict(self)
        out["responses_per_s"] = self.responses_per_s
        return out


class Harness:
    """Measures runs; owns the simulator processes and the per-run work folders."""

    def __init__(
        self,
        work_dir: Path,
        *,
        keep_data: bool = False,
        timeout_s: float = 3600,
        extra_args: dict[str, list[str]] | None = None,
        extra_env: dict[str, dict[str, str]] | None = None,
    ) -> None:
        """Work under `work_dir` (logs and data folders); delete data after each run unless kept.

        `extra_args` and `extra_env` (by variant) are added to every run of that variant.
        """
        self.work_dir = work_dir
        self.extra_args = extra_args or {}
        self.extra_env = extra_env or {}
        self.keep_data = keep_data
        self.timeout_s = timeout_s
        self.records: list[RunRecord] = []
        self.sim_startup_s: dict[str, float] = {}
        self._sim: SimulatorProcess | None = None
        self._cache: dict[tuple[Any, ...], RunRecord] = {}
        self._seq = 0
        self._runs = 0

    def simulator(self, spec: SimSpec) -> SimulatorProcess:
        """The running simulator for `spec`, started (and the previous one stopped) if needed."""
        if self._sim is not None and self._sim.spec == spec:
            return self._sim
        self.close()
        logger.info("starting simulator %s", spec.label())
        sim = SimulatorProcess(spec, self.work_dir / "logs")
        sim.__enter__()
        self.sim_startup_s[spec.label()] = sim.startup_s
        logger.info("simulator %s ready in %.1fs at %s", spec.label(), sim.startup_s, sim.url)
        self._sim = sim
        return sim

    def close(self) -> None:
        """Stop the running simulator, if any."""
        if self._sim is not None:
            self._sim.stop()
            self._sim = None

    def new_data_dir(self, name: str) -> Path:
        """A fresh, empty data folder for one run (or one run series, such as two syncs)."""
        self._seq += 1
        path = self.work_dir / "data" / f"{self._seq:02d}-{name}"
        if path.exists():
            shutil.rmtree(path)
        path.mkdir(parents=True)
        return path

    def drop_data(self, data_dir: Path) -> None:
        """Delete a run's data folder unless `keep_data`."""
        if not self.keep_data:
            shutil.rmtree(data_dir, ignore_errors=True)

    def run(
        self,
        scenario: str,
        spec: SimSpec,
        variant: str,
        *,
        mode: str = "backfill",
        destination: str = "duckdb",
        data_dir: Path | None = None,
        note: str = "",
        reuse: bool = True,
        extra_args: list[str] | None = None,
    ) -> RunRecord:
        """Measure one run of `variant` against the simulator of `spec` and record it.

        Args:
            scenario: label of the scenario the run belongs to.
            spec: the simulator settings.
            variant: `ours` or `baseline`.
            mode: `backfill` (the whole simulated period) or `sync` (incremental).
            destination: `duckdb` or `parquet`.
            data_dir: the run's data folder; a fresh one (deleted afterwards) when None.
            note: a remark kept with the record.
            reuse: return an earlier record of the same run instead of measuring again.
            extra_args: more arguments for this run's command line.

        Returns:
            The record (also appended to `records`).
        """
        key = (variant, mode, destination, spec)
        if reuse and data_dir is None and key in self._cache:
            earlier = dataclasses.replace(self._cache[key], scenario=scenario, note=note)
            self.records.append(earlier)
            return earlier

        own_dir = data_dir is None
        run_dir = data_dir or self.new_data_dir(f"{variant}-{mode}-{destination}")
        sim = self.simulator(spec)
        after = spec.now - timedelta(days=spec.days)  # the simulated history, exactly
        before = spec.now
        argv = [*variant_argv(variant, mode, destination, run_dir, after, before)]
        argv += self.extra_args.get(variant, []) + (extra_args or [])
        env = child_env(sim, run_dir)
        env.update(self.extra_env.get(variant, {}))
        self._runs += 1
        name = f"run{self._runs:02d}-{variant}-{mode}-{destination}"
        logger.info("run %s: %s", name, " ".join(argv))

        load_avg = os.getloadavg()[0]
        stats_before = sim.stats()
        with StatsSampler(sim) as sampler:
            result = run_measured(
                argv,
                env=env,
                cwd=run_dir,
                log_dir=self.work_dir / "logs",
                name=name,
                timeout_s=self.timeout_s,
            )
        delta = SimulatorProcess.delta(stats_before, sim.stats())
        timeline = sampler.timeline()
        loaded = count_loaded(variant, destination, run_dir) if result.ok else None
        phases = {}
        if variant == OURS and result.stderr_path.exists():
            phases = ours_phases(result.stderr_path.read_text(errors="replace"))

        record = RunRecord(
            scenario=scenario,
            variant=variant,
            mode=mode,
            destination=destination,
            sim=spec.label(),
            responses=spec.responses,
            ok=result.ok,
            wall_s=result.wall_s,
            peak_rss_mb=result.peak_rss_mb,
            cpu_s=result.cpu_user_s + result.cpu_sys_s,
            requests=delta.requests,
            rate_limited=delta.rate_limited,
            rate_limited_after_warmup=timeline.rate_limited_after_warmup,
            api_span_s=timeline.api_span_s,
            by_route=delta.by_route,
            loaded=loaded,
            load_avg=load_avg,
            phases=phases,
            error=None if result.ok else result.tail(),
            note=note,
        )
        logger.info(
            "run %s: ok=%s wall=%.1fs rss=%.0fMB requests=%d 429s=%d loaded=%s",
            name,
            record.ok,
            record.wall_s,
            record.peak_rss_mb,
            record.requests,
            record.rate_limited,
            record.loaded,
        )
        if not result.ok:
            logger.warning("run %s failed:\n%s", name, record.error)
        self.records.append(record)
        if reuse and own_dir:
            self._cache[key] = record
        if own_dir:
            self.drop_data(run_dir)
        return record
