"""`python -m bench`: run the benchmark scenarios, print the table, write `bench/results.md`.

Examples:
    python -m bench                          # every scenario at the issue's sizes (tens of minutes)
    python -m bench --quick                  # a smoke run with small sizes (under two minutes)
    python -m bench --scenarios cpu,growth   # some scenarios only
    python -m bench --variants baseline      # the baseline alone (e.g. before the pipeline exists)
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import shlex
import sys
import time
from pathlib import Path

from bench import report
from bench.harness import Harness
from bench.scenarios import (
    DEFAULT_SIZES,
    QUICK_SIZES,
    RUN_ORDER,
    SCENARIOS,
    TABLE_ORDER,
    Context,
    Figure,
)
from bench.timeutil import now_second
from bench.variants import BASELINE, OURS, ours_available

logger = logging.getLogger("bench")
BENCH_DIR = Path(__file__).resolve().parent


def _csv(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _ints(value: str) -> tuple[int, ...]:
    return tuple(int(item.replace("_", "")) for item in _csv(value))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line of the harness."""
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    p.add_argument(
        "--scenarios",
        type=_csv,
        default=list(TABLE_ORDER),
        help=f"comma-separated subset of {','.join(TABLE_ORDER)}",
    )
    p.add_argument(
        "--variants", type=_csv, default=[OURS, BASELINE], help="ours,baseline (default both)"
    )
    p.add_argument("--limited", type=int, help="responses of the rate-limited backfill")
    p.add_argument("--cpu", type=int, help="responses of the CPU-bound backfills")
    p.add_argument("--sync", type=int, help="responses of the incremental-sync scenario")
    p.add_argument("--rss", type=int, help="responses of the peak-memory backfill")
    p.add_argument("--growth", type=_ints, help="comma-separated sizes of the growth series")
    p.add_argument("--rate-limit", type=float, help="requests/s of the rate-limited scenarios")
    p.add_argument("--latency-ms", type=float, help="added latency of the rate-limited scenarios")
    p.add_argument("--baseline-rss", action="store_true", help="also run the baseline at rss size")
    p.add_argument(
        "--no-baseline-growth", action="store_true", help="run only this pipeline in growth"
    )
    p.add_argument(
        "--baseline-format",
        choices=["parquet", "insert_values", "jsonl"],
        default="parquet",
        help="the baseline's loader file format into DuckDB (dlt's default is insert_values)",
    )
    p.add_argument(
        "--ours-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for this pipeline's runs, e.g. SOURCES__WXM__PAGE_SIZE=1000",
    )
    p.add_argument("--no-floor", action="store_true", help="skip the raw page-fetch floor runs")
    p.add_argument("--work-dir", type=Path, help="logs and data (default bench/out/<time>)")
    p.add_argument("--keep-data", action="store_true", help="keep each run's data folder")
    p.add_argument(
        "--out", type=Path, help="results file (default bench/results.md; quick: bench/out/)"
    )
    p.add_argument("--timeout", type=float, default=3600, help="seconds allowed per run")
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args(argv)
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        p.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    if set(args.variants) - {OURS, BASELINE}:
        p.error("variants are ours and baseline")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the selected scenarios and write the results; exit 1 if a run failed."""
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(name)s %(message)s",
        datefmt="%H:%M:%S",
    )
    sizes = QUICK_SIZES if args.quick else DEFAULT_SIZES
    overrides = {
        field.name: getattr(args, field.name)
        for field in dataclasses.fields(sizes)
        if getattr(args, field.name, None) is not None
    }
    sizes = dataclasses.replace(sizes, **overrides)

    variants = list(args.variants)
    if OURS in variants and not ours_available():
        logger.warning(
            "this pipeline (`wxm` CLI, sources.wxm) is not importable yet: baseline only"
        )
        variants.remove(OURS)

    stamp = time.strftime("%Y%m%d-%H%M%S")
    work_dir = args.work_dir or BENCH_DIR / "out" / stamp
    out = args.out or (
        BENCH_DIR / "out" / "results-quick.md" if args.quick else BENCH_DIR / "results.md"
    )
    ours_env = dict(item.split("=", 1) for item in args.ours_env)
    harness = Harness(
        work_dir,
        keep_data=args.keep_data,
        timeout_s=args.timeout,
        extra_args={BASELINE: ["--loader-file-format", args.baseline_format]},
        extra_env={OURS: ours_env},
    )
    ctx = Context(
        harness=harness,
        sizes=sizes,
        variants=variants,
        now=now_second(),
        baseline_rss=args.baseline_rss,
        baseline_growth=not (args.no_baseline_growth or args.quick),
        floor=not (args.no_floor or args.quick),
    )
    logger.info("work dir %s; sizes %s; variants %s", work_dir, sizes, variants)

    by_scenario: dict[str, list[Figure]] = {}
    started = time.perf_counter()
    try:
        for name in RUN_ORDER:
            if name in args.scenarios:
                logger.info("scenario %s", name)
                by_scenario[name] = SCENARIOS[name](ctx)
    finally:
        harness.close()
    elapsed = time.perf_counter() - started

    figures = [f for name in TABLE_ORDER for f in by_scenario.get(name, [])]
    command = "python -m bench " + shlex.join(sys.argv[1:] if argv is None else argv)
    text = report.render(
        figures, harness.records, command=command.strip(), sim_startup=harness.sim_startup_s
    )
    text += f"\nWhole benchmark: {elapsed / 60:.1f} min.\n"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    (work_dir / "results.json").write_text(
        json.dumps(
            {
                "figures": [dataclasses.asdict(f) for f in figures],
                "runs": [r.as_dict() for r in harness.records],
                "machine": report.machine(),
            },
            indent=2,
            default=str,
        )
    )
    print(report.figures_table(figures))
    missed = report.misses(figures)
    if missed:
        print("\nTargets missed:\n" + "\n".join(missed))
    failed = report.failures(harness.records)
    if failed:
        print("\nFailed runs:\n" + "\n".join(failed))
    print(f"\nwritten {out} ({elapsed / 60:.1f} min; logs in {work_dir})")
    return 0 if all(r.ok for r in harness.records) else 1


if __name__ == "__main__":
    sys.exit(main())
