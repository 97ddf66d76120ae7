"""The scenarios of issue 6 and the figures each one contributes to the results table.

Every scenario runs this pipeline (`ours`) and the `rest_api` baseline against the same simulator
settings and turns the run records into `Figure`s: one row of the table, with the baseline and
the ceiling beside this pipeline's value and the target it is held to.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from bench.harness import Harness, RunRecord
from bench.simproc import SimSpec
from bench.variants import BASELINE, OURS, RAW, ours_setting

MAX_ROWS = 1000  # the API's largest page (the simulator's cap): the ceiling assumes full pages


@dataclasses.dataclass(frozen=True)
class Sizes:
    """Responses per scenario and the API conditions of the rate-limited ones."""

    limited: int = 200_000
    cpu: int = 200_000
    sync: int = 200_000
    rss: int = 1_000_000
    growth: tuple[int, ...] = (100_000, 200_000, 400_000)
    rate_limit: float = 15.0
    latency_ms: float = 200.0


DEFAULT_SIZES = Sizes()
QUICK_SIZES = Sizes(limited=1_000, cpu=2_000, sync=1_000, rss=2_000, growth=(500, 1_000, 2_000))


@dataclasses.dataclass
class Figure:
    """One row of the results table.

    `better` says which direction is good (`lower` for times and memory, `higher` for rates), so
    the ratio columns always read "how many times better than the baseline" and "how many times
    the ceiling".
    """

    name: str
    unit: str
    ours: float | None
    baseline: float | None = None
    ceiling: float | None = None
    target: str = ""
    met: bool | None = None
    better: str = "lower"
    note: str = ""
    miss: str = ""
    floor: float | None = None

    @property
    def vs_baseline(self) -> float | None:
        """Times better than the baseline (>1 = this pipeline is better)."""
        if not self.ours or not self.baseline:
            return None
        return self.baseline / self.ours if self.better == "lower" else self.ours / self.baseline

    @property
    def vs_ceiling(self) -> float | None:
        """This pipeline's value over the ceiling (1.0 = at the ceiling)."""
        if not self.ours or not self.ceiling:
            return None
        return self.ours / self.ceiling


@dataclasses.dataclass
class Context:
    """What every scenario needs: the harness, the sizes, the variants and the simulated `now`."""

    harness: Harness
    sizes: Sizes
    variants: Sequence[str]
    now: datetime
    baseline_rss: bool = False
    baseline_growth: bool = True
    floor: bool = True

    def spec(self, responses: int, *, limited: bool) -> SimSpec:
        """Simulator settings for `responses`, rate-limited with latency or wide open."""
        if limited:
            return SimSpec(responses, self.sizes.rate_limit, self.sizes.latency_ms, self.now)
        return SimSpec(responses, 0.0, 0.0, self.now)


def _ok(record: RunRecord | None) -> RunRecord | None:
    return record if record is not None and record.ok else None


def _value(record: RunRecord | None, get: Callable[[RunRecord], float | None]) -> float | None:
    ok = _ok(record)
    return get(ok) if ok is not None else None


def _size(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    return f"{n // 1000}k" if n >= 1000 else str(n)


def _runs(
    ctx: Context, scenario: str, spec: SimSpec, **kwargs: object
) -> dict[str, RunRecord | None]:
    """Run each selected variant once (baseline first) and return their records."""
    out: dict[str, RunRecord | None] = {OURS: None, BASELINE: None}
    for variant in (BASELINE, OURS):
        if variant in ctx.variants:
            out[variant] = ctx.harness.run(scenario, spec, variant, **kwargs)  # type: ignore[arg-type]
    return out


def _floor_run(ctx: Context, scenario: str, spec: SimSpec) -> RunRecord | None:
    """Fetch every page as raw bytes (8 threads, at the rate limit): this machine's floor."""
    if not ctx.floor:
        return None
    rate = ["--rate", f"{spec.rate_limit:g}"]
    return ctx.harness.run(scenario, spec, RAW, extra_args=rate, note="raw page fetch, 8 threads")


def ceiling_s(responses: int, rate_limit: float) -> float:
    """The API's ceiling: the fewest page requests a backfill needs, at the rate limit."""
    return math.ceil(responses / MAX_ROWS) / rate_limit


def limited(ctx: Context) -> list[Figure]:
    """Backfill at the rate limit with added latency: wall time against the ceiling, and 429s."""
    s = ctx.sizes
    spec = ctx.spec(s.limited, limited=True)
    runs = _runs(ctx, "limited", spec)
    ours, base = runs[OURS], runs[BASELINE]
    ceiling = ceiling_s(s.limited, s.rate_limit)
    title = f"Backfill {_size(s.limited)} @{s.rate_limit:g}/s +{s.latency_ms:g} ms"
    wall = _value(ours, lambda r: r.wall_s)
    after = _value(ours, lambda r: r.rate_limited_after_warmup)
    raw = _floor_run(ctx, "limited", spec)
    return [
        Figure(
            f"{title}: wall time",
            "s",
            wall,
            _value(base, lambda r: r.wall_s),
            ceiling,
            "≤ 1.15× ceiling",
            None if wall is None else wall <= 1.15 * ceiling,
            note="whole process: start-up, extract, normalize, load",
            floor=_value(raw, lambda r: r.wall_s),
        ),
        Figure(
            f"{title}: API phase (first to last request)",
            "s",
            _value(ours, lambda r: r.api_span_s),
            _value(base, lambda r: r.api_span_s),
            ceiling,
            note="from the simulator's counters, sampled every 0.2 s",
            floor=_value(raw, lambda r: r.api_span_s),
        ),
        Figure(
            f"{title}: 429s after warm-up (all 429s)",
            "",
            after,
            _value(base, lambda r: r.rate_limited_after_warmup),
            target="0",
            met=None if after is None else after == 0,
            note=(
                f"all 429s: this pipeline {_value(ours, lambda r: r.rate_limited)}, "
                f"baseline {_value(base, lambda r: r.rate_limited)}; warm-up = the first 2 s "
                "of API traffic"
            ),
        ),
    ]


def cpu(ctx: Context) -> list[Figure]:
    """Limit and latency off: responses per second into DuckDB and into Parquet (Delta)."""
    spec = ctx.spec(ctx.sizes.cpu, limited=False)
    raw = _floor_run(ctx, "cpu", spec)
    figures = []
    for destination, label in (("duckdb", "DuckDB"), ("parquet", "Parquet (Delta)")):
        runs = _runs(ctx, "cpu", spec, destination=destination)
        ours = _value(runs[OURS], lambda r: r.responses_per_s)
        base = _value(runs[BASELINE], lambda r: r.responses_per_s)
        figures.append(
            Figure(
                f"Backfill {_size(ctx.sizes.cpu)}, no limit/latency → {label}",
                "responses/s",
                ours,
                base,
                target="≥ 3× baseline",
                met=None if ours is None or base is None else ours >= 3 * base,
                better="higher",
                note="responses ÷ whole-process wall time",
                floor=_value(raw, lambda r: r.responses_per_s),
            )
        )
    return figures


def _classify(by_route: dict[str, int]) -> tuple[int, int, int]:
    """Split request counts into (login, responses, configuration) requests."""
    login = sum(n for route, n in by_route.items() if "login" in route.lower())
    answers = sum(n for route, n in by_route.items() if "answer" in route.lower())
    other = sum(by_route.values()) - login - answers
    return login, answers, other


def sync(ctx: Context) -> list[Figure]:
    """An incremental sync right after a first one, with no changes in between."""
    spec = ctx.spec(ctx.sizes.sync, limited=True)
    second: dict[str, RunRecord | None] = {OURS: None, BASELINE: None}
    for variant in (BASELINE, OURS):
        if variant not in ctx.variants:
            continue
        data_dir = ctx.harness.new_data_dir(f"{variant}-sync")
        first = ctx.harness.run(
            "sync", spec, variant, mode="sync", data_dir=data_dir, note="first sync (initial load)"
        )
        if first.ok:
            second[variant] = ctx.harness.run(
                "sync",
                spec,
                variant,
                mode="sync",
                data_dir=data_dir,
                note="second sync, no changes",
            )
        ctx.harness.drop_data(data_dir)

    # The target: configuration requests, at most two for responses, and the lookback's pages.
    env = ctx.harness.extra_env.get(OURS, {})
    lookback_days = ours_setting("lookback_days", env, 7.0)
    page_size = ours_setting("page_size", env, 500.0)
    in_lookback = ctx.harness.simulator(spec).count(after=ctx.now - timedelta(days=lookback_days))
    lookback_pages = math.ceil(in_lookback / page_size)
    met = None
    miss = ""
    notes = [f"lookback {lookback_days:g} d = {in_lookback} responses = {lookback_pages} pages"]
    for variant, label in ((OURS, "this pipeline"), (BASELINE, "baseline")):
        rec = _ok(second[variant])
        if rec is not None:
            login, answers, config = _classify(rec.by_route)
            routes = ", ".join(f"{route} {n}" for route, n in sorted(rec.by_route.items()))
            notes.append(
                f"{label}: {login} login, {config} configuration, {answers} responses ({routes})"
            )
            if variant == OURS:
                met = answers <= 2 + lookback_pages
                miss = f"{answers} responses requests where {2 + lookback_pages} are allowed"
    title = f"Incremental sync, no changes ({_size(ctx.sizes.sync)} @{ctx.sizes.rate_limit:g}/s)"
    return [
        Figure(
            f"{title}: requests",
            "",
            _value(second[OURS], lambda r: r.requests),
            _value(second[BASELINE], lambda r: r.requests),
            target=f"config + ≤ 2 + {lookback_pages} lookback pages",
            met=met,
            note="; ".join(notes),
            miss=miss,
        ),
        Figure(
            f"{title}: wall time",
            "s",
            _value(second[OURS], lambda r: r.wall_s),
            _value(second[BASELINE], lambda r: r.wall_s),
        ),
    ]


def rss(ctx: Context) -> list[Figure]:
    """Peak resident memory of a large backfill into DuckDB."""
    spec = ctx.spec(ctx.sizes.rss, limited=False)
    variants = [OURS, BASELINE] if ctx.baseline_rss else [OURS]
    runs: dict[str, RunRecord | None] = {OURS: None, BASELINE: None}
    for variant in variants:
        if variant in ctx.variants:
            runs[variant] = ctx.harness.run("rss", spec, variant)
    peak = _value(runs[OURS], lambda r: r.peak_rss_mb)
    return [
        Figure(
            f"Peak RSS, backfill {_size(ctx.sizes.rss)} → DuckDB",
            "MB",
            peak,
            _value(runs[BASELINE], lambda r: r.peak_rss_mb),
            target="< 400 MB",
            met=None if peak is None else peak < 400,
            note=f"wall {_value(runs[OURS], lambda r: round(r.wall_s, 1))} s",
        )
    ]


def _marginal_ratio(points: list[tuple[int, float]]) -> float | None:
    """Seconds per response of the last step over that of the first step (1.0 = linear)."""
    if len(points) < 3:
        return None
    (n0, t0), (n1, t1) = points[0], points[1]
    (m0, u0), (m1, u1) = points[-2], points[-1]
    first = (t1 - t0) / (n1 - n0)
    last = (u1 - u0) / (m1 - m0)
    return last / first if first > 0 else None


def growth(ctx: Context) -> list[Figure]:
    """Backfill wall time at growing sizes (no limit, DuckDB): does time grow linearly?"""
    points: dict[str, list[tuple[int, float]]] = {OURS: [], BASELINE: []}
    figures = []
    for n in sorted(ctx.sizes.growth):
        spec = ctx.spec(n, limited=False)
        runs: dict[str, RunRecord | None] = {OURS: None, BASELINE: None}
        variants = [BASELINE, OURS] if ctx.baseline_growth else [OURS]
        for variant in variants:
            if variant in ctx.variants:
                runs[variant] = ctx.harness.run("growth", spec, variant)
        for variant, rec in runs.items():
            ok = _ok(rec)
            if ok is not None:
                points[variant].append((n, ok.wall_s))
        figures.append(
            Figure(
                f"Growth: backfill {_size(n)}, no limit → DuckDB: wall time",
                "s",
                _value(runs[OURS], lambda r: r.wall_s),
                _value(runs[BASELINE], lambda r: r.wall_s),
            )
        )
    ratio = _marginal_ratio(points[OURS])
    figures.append(
        Figure(
            "Growth: time per response, last step ÷ first step",
            "",
            ratio,
            _marginal_ratio(points[BASELINE]),
            target="≈ 1 (linear; ≤ 1.2)",
            met=None if ratio is None else ratio <= 1.2,
            note="1.0 = each added response costs the same at every size",
        )
    )
    return figures


SCENARIOS: dict[str, Callable[[Context], list[Figure]]] = {
    "limited": limited,
    "cpu": cpu,
    "sync": sync,
    "rss": rss,
    "growth": growth,
}
# Run order: the wide-open simulators first (cpu's 200k run is reused by growth), then the
# rate-limited one shared by `limited` and `sync`; the table keeps the order.
RUN_ORDER = ("cpu", "growth", "rss", "limited", "sync")
TABLE_ORDER = ("limited", "cpu", "sync", "rss", "growth")
