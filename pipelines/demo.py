"""`wxm demo`: a seeded simulator on loopback, synced into DuckDB, and queries to try on it."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb

from pipelines import run
from pipelines.destinations import DUCKDB, check_owner
from pipelines.settings import DATASET_NAME, RunSettings
from pipelines.summary import RunSummary
from sources.wxm.stats import SyncStats

logger = logging.getLogger(__name__)

DEMO_PIPELINE = "wxm_demo"
DEMO_SEED = 7
DEMO_RESPONSES = 20_000
DEMO_DAYS = 90.0
DEMO_RATE_LIMIT = 15.0
MAX_QUERY_ROWS = 12


@dataclass
class QueryResult:
    """One example query and what it returned on the demo data."""

    title: str
    sql: str
    columns: list[str]
    rows: list[tuple[Any, ...]]


@dataclass
class DemoResult:
    """What `run_demo` did, for the CLI to print."""

    summary: RunSummary
    database: str
    tables: list[tuple[str, int]] = field(default_factory=list)
    queries: list[QueryResult] = field(default_factory=list)


def run_demo(
    settings: RunSettings,
    *,
    responses: int = DEMO_RESPONSES,
    days: float = DEMO_DAYS,
    seed: int = DEMO_SEED,
    stats: SyncStats | None = None,
    on_secret: Any = None,
) -> DemoResult:
    """Start the simulator, sync it into `data_dir/warehouse.duckdb` and run the example queries.

    The demo uses its own pipeline name, so a real pipeline's state is never touched, and starts
    from scratch each time. It refuses to overwrite a DuckDB file a real sync wrote.

    Args:
        settings: where to write (the destination is always DuckDB).
        responses: responses the simulated account holds.
        days: days of history they are spread over.
        seed: seed of the simulated data.
        stats: counters for a progress display.
        on_secret: called with the simulator's API key, so the caller can redact it in logs.

    Returns:
        the summary, the loaded tables and the example queries with their results.
    """
    from simulator import SimulatorConfig, run_simulator

    settings = RunSettings(
        data_dir=settings.data_dir,
        pipelines_dir=settings.pipelines_dir,
        destination=DUCKDB,
        pipeline_name=DEMO_PIPELINE,
    )
    settings.prepare()
    _start_fresh(settings)

    config = SimulatorConfig(seed=seed, responses=responses, days=days, rate_limit=DEMO_RATE_LIMIT)
    with run_simulator(config) as sim:
        if on_secret is not None:
            on_secret(sim.api_key)
        logger.info("Simulator listening on %s", sim.url)
        summary = run.sync(
            settings,
            stats=stats,
            source_args={
                "base_url": sim.url,
                "username": sim.username,
                "api_key": sim.api_key,
                "pii_salt": "wxm-demo-salt",
            },
        )
    summary.command = "demo"

    result = DemoResult(summary=summary, database=str(settings.duckdb_path))
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        result.tables = _table_counts(con)
        result.queries = [_run_query(con, title, sql) for title, sql in example_queries()]
    return result


def _start_fresh(settings: RunSettings) -> None:
    """Remove the demo's previous database and state; refuse if a real sync owns the file."""
    path = settings.duckdb_path
    if path.exists():
        check_owner(settings, "run the demo with another --data-dir (e.g. --data-dir demo-data)")
        path.unlink()
        wal = path.with_name(path.name + ".wal")
        if wal.exists():
            wal.unlink()
    shutil.rmtree(settings.working_dir / settings.pipeline_name, ignore_errors=True)


def _table_counts(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int]]:
    """Rows per table and view of the dataset (dlt's own tables left out)."""
    names = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = ? "
        "AND table_name NOT LIKE '\\_dlt%' ESCAPE '\\' ORDER BY table_name",
        [DATASET_NAME],
    ).fetchall()
    counts: list[tuple[str, int]] = []
    for (name,) in names:
        found = con.execute(f'SELECT count(*) FROM "{DATASET_NAME}"."{name}"').fetchone()
        counts.append((name, int(found[0]) if found else 0))
    return counts


def example_queries() -> list[tuple[str, str]]:
    """The example queries of the transforms (`EXAMPLE_QUERIES`), as `(title, sql)` pairs."""
    import transforms
    import transforms.dictionary

    queries: Any = getattr(transforms, "EXAMPLE_QUERIES", None) or getattr(
        transforms.dictionary, "EXAMPLE_QUERIES", None
    )
    if queries is None:
        return _fallback_queries()
    if isinstance(queries, dict):
        return [(str(title), str(sql)) for title, sql in queries.items()]
    pairs: list[tuple[str, str]] = []
    for item in queries:
        if isinstance(item, Sequence) and not isinstance(item, str) and len(item) == 2:
            pairs.append((str(item[0]), str(item[1])))
        else:
            title = getattr(item, "title", None) or getattr(item, "name", "query")
            pairs.append((str(title), str(getattr(item, "sql", item))))
    return pairs


def _fallback_queries() -> list[tuple[str, str]]:
    """Queries on the base tables, used until the transforms ship their own."""
    return [
        (
            "Responses per questionnaire",
            "SELECT questionnaire, count(*) AS responses\n"
            "FROM wxm.responses GROUP BY 1 ORDER BY 2 DESC LIMIT 10",
        ),
    ]


def _run_query(con: duckdb.DuckDBPyConnection, title: str, sql: str) -> QueryResult:
    """Run one example query and keep its first rows."""
    cursor = con.execute(sql)
    columns = [column[0] for column in cursor.description or []]
    rows = cursor.fetchmany(MAX_QUERY_ROWS)
    return QueryResult(title=title, sql=sql.strip(), columns=columns, rows=rows)
