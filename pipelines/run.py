"""The pipeline runs behind the `wxm` command: sync, backfill, status and reset.

Each run builds the destination's dlt pipeline (`wxm` for duckdb, `wxm_<destination>` otherwise;
dataset `wxm`) in the data folder's working directory,
holds the pipeline lock for its whole length, and steps through dlt's extract, normalize and load
itself, so it can count new and changed responses between normalize and load (see `changes`).
"""

from __future__ import annotations

import inspect
import logging
import shutil
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import dlt
import duckdb
from dlt.common.pipeline import LoadInfo
from dlt.extract.source import DltSource
from dlt.pipeline.exceptions import PipelineNeverRan
from dlt.pipeline.helpers import pipeline_drop

from pipelines.changes import compare_responses, pending_response_files
from pipelines.dates import chunks, parse_instant
from pipelines.deletions import ScannedSpan, mark_deleted
from pipelines.destinations import (
    PARQUET,
    DestinationPlan,
    check_delta_tables,
    check_owner,
    open_dataset,
    plan_destination,
    table_exists,
)
from pipelines.errors import PipelineError
from pipelines.failures import duckdb_locked_error
from pipelines.locking import pipeline_lock
from pipelines.memory import limit_arenas, release_free_memory
from pipelines.models import build_after_load
from pipelines.settings import DATASET_NAME, RunSettings, arrow_row_columns, no_dlt_telemetry
from pipelines.state import find_cursor
from pipelines.summary import ResponseChanges, RunSummary
from sources.wxm import wxm_source
from sources.wxm.stats import SyncStats
from sources.wxm.windows import fixed_end

logger = logging.getLogger(__name__)

RESPONSES_RESOURCE = "responses"
FOREIGN_FILE_FIX = "choose another --data-dir (or delete the file if it is the demo's)"


def make_pipeline(settings: RunSettings, plan: DestinationPlan) -> dlt.Pipeline:
    """Build (or reopen) the dlt pipeline for `settings`.

    Args:
        settings: the run's settings.
        plan: the destination to load into.

    Returns:
        the pipeline, with its working folder under `settings.working_dir`.
    """
    no_dlt_telemetry()
    arrow_row_columns()
    limit_arenas()
    return dlt.pipeline(
        pipeline_name=settings.pipeline_name,
        dataset_name=DATASET_NAME,
        destination=plan.destination,
        pipelines_dir=str(settings.working_dir),
    )


def sync(
    settings: RunSettings,
    *,
    start_date: str | None = None,
    rescan_days: float | None = None,
    stats: SyncStats | None = None,
    source_args: Mapping[str, Any] | None = None,
) -> RunSummary:
    """Run the incremental sync: from the stored cursor (minus the lookback) up to now.

    Args:
        settings: the run's settings.
        start_date: where the first sync starts (ISO 8601); whole history when None.
        rescan_days: how many days before the cursor to re-read; the source's
            `lookback_days` (default 7) when None.
        stats: counters the source updates (pass one to show progress); a new one when None.
        source_args: extra arguments for `wxm_source` (e.g. `base_url`, `rate_limit`); the
            source takes the rest from dlt config and secrets.

    Returns:
        what the run did.

    Raises:
        PipelineError: for bad input or a busy pipeline; any other failure propagates as is
            (see `pipelines.failures.explain`).
    """
    started = time.monotonic()
    args = dict(source_args or {})
    if start_date is not None:
        parse_instant(start_date, "--start-date")
        args["start_date"] = start_date
    if rescan_days is not None:
        if rescan_days < 0:
            raise PipelineError(f"--rescan {rescan_days} is negative: give a number of days >= 0")
        args["lookback_days"] = float(rescan_days)
    stats = stats if stats is not None else SyncStats()

    with _locked_run(settings) as (pipeline, plan, outcome):
        old_cursor = _cursor(pipeline)
        _run_sources(pipeline, plan, settings, [wxm_source(stats=stats, **args)], outcome)
        new_cursor = _cursor(pipeline)
        if new_cursor is not None:
            if old_cursor is not None:
                lower: datetime | None = old_cursor - timedelta(days=_lookback_days(args))
            else:
                lower = parse_instant(start_date, "--start-date") if start_date else None
            _mark_deleted(settings, [ScannedSpan(lower, new_cursor)], outcome)
        began = time.monotonic()
        build_after_load(settings)
        logger.info("Models took %.1f s", time.monotonic() - began)
    return _summary("sync", settings, stats, outcome, started)


def backfill(
    settings: RunSettings,
    *,
    date_from: str,
    date_to: str,
    chunk_days: float = 30.0,
    stats: SyncStats | None = None,
    source_args: Mapping[str, Any] | None = None,
) -> RunSummary:
    """Load the responses of `[date_from, date_to]` in chunks, leaving the incremental cursor alone.

    Each chunk is its own load, so an interrupted backfill keeps the chunks already loaded. The
    configuration resources are loaded with the first chunk only.

    Args:
        settings: the run's settings.
        date_from: start of the range (ISO 8601 date or date-time, UTC unless an offset is given).
        date_to: end of the range; a plain date includes that whole day.
        chunk_days: days per chunk.
        stats: counters the source updates; a new one when None.
        source_args: extra arguments for `wxm_source`.

    Returns:
        what the run did, all chunks together.

    Raises:
        PipelineError: for bad dates or a busy pipeline.
    """
    started = time.monotonic()
    start = parse_instant(date_from, "--from")
    end = parse_instant(date_to, "--to", end_of_day=True)
    if end <= start:
        raise PipelineError(f"--to {date_to} is not after --from {date_from}: swap them")
    if chunk_days <= 0:
        raise PipelineError(f"--chunk-days {chunk_days} must be positive")
    stats = stats if stats is not None else SyncStats()

    with _locked_run(settings) as (pipeline, plan, outcome):
        # the source clamps each chunk to its own fixed end, which is later than this one
        scan_end = fixed_end()
        sources = _backfill_sources(start, end, chunk_days, stats, dict(source_args or {}))
        _run_sources(pipeline, plan, settings, sources, outcome)
        spans = [
            ScannedSpan(lower, min(upper, scan_end))
            for lower, upper in chunks(start, end, chunk_days)
            if lower < scan_end
        ]
        _mark_deleted(settings, spans, outcome)
        build_after_load(settings)
    return _summary("backfill", settings, stats, outcome, started)


@contextmanager
def _locked_run(
    settings: RunSettings,
) -> Iterator[tuple[dlt.Pipeline, DestinationPlan, _Outcome]]:
    """Hold the pipeline's lock for one run: checks, the dlt pipeline, and pending packages loaded.

    Yields:
        the pipeline, its destination plan, and the outcome the run's steps add to.
    """
    settings.prepare()
    plan = plan_destination(settings)
    with pipeline_lock(settings.lock_path, settings.pipeline_name):
        check_owner(settings, FOREIGN_FILE_FIX)
        check_delta_tables(settings)
        pipeline = make_pipeline(settings, plan)
        outcome = _Outcome()
        _finish_pending(pipeline, outcome)
        yield pipeline, plan, outcome


def _backfill_sources(
    start: datetime, end: datetime, chunk_days: float, stats: SyncStats, args: dict[str, Any]
) -> Iterator[DltSource]:
    """One source per chunk; all resources in the first, only responses afterwards."""
    for index, (lower, upper) in enumerate(chunks(start, end, chunk_days)):
        logger.info("Backfill chunk %d: %s .. %s", index + 1, lower.isoformat(), upper.isoformat())
        source = wxm_source(stats=stats, backfill_from=lower, backfill_to=upper, **args)
        yield source if index == 0 else source.with_resources(RESPONSES_RESOURCE)


@dataclass
class _Outcome:
    """What the dlt steps of a run produced."""

    rows: Counter[str] = field(default_factory=Counter)
    changes: ResponseChanges | None = field(default_factory=ResponseChanges)
    load_ids: list[str] = field(default_factory=list)
    pending_load_ids: list[str] = field(default_factory=list)
    """Loads of packages an earlier run left behind: older data, no proof a response exists."""


def _finish_pending(pipeline: dlt.Pipeline, outcome: _Outcome) -> None:
    """Restore state from the destination, then load what an earlier failed run left pending."""
    try:
        pipeline.sync_destination()
    except Exception as exc:
        raise (duckdb_locked_error(exc) or exc) from exc

    if pipeline.has_pending_data:
        logger.warning("Loading the packages an earlier run left pending before fetching more")
        if pipeline.list_extracted_load_packages():
            pipeline.normalize()
        if pipeline.list_normalized_load_packages():
            loaded = _load(pipeline).loads_ids
            outcome.load_ids.extend(loaded)
            outcome.pending_load_ids.extend(loaded)


def _run_sources(
    pipeline: dlt.Pipeline,
    plan: DestinationPlan,
    settings: RunSettings,
    sources: Iterable[DltSource],
    outcome: _Outcome,
) -> None:
    """Extract, normalize, compare and load each source in turn (one load per source)."""
    for source in sources:
        extract_args: dict[str, Any] = {"loader_file_format": plan.loader_file_format}
        if plan.table_format is not None:
            extract_args["table_format"] = plan.table_format
        began = time.monotonic()
        logger.info("Extract started")
        pipeline.extract(source, **extract_args)
        release_free_memory()
        extracted = time.monotonic()
        logger.info("Normalize started")
        normalize_info = pipeline.normalize()
        release_free_memory()
        normalized = time.monotonic()
        for table, count in normalize_info.row_counts.items():
            if not table.startswith("_dlt"):
                outcome.rows[table] += count
        changes = compare_responses(settings, pending_response_files(pipeline))
        if outcome.changes is not None and changes is not None:
            outcome.changes = outcome.changes + changes
        else:
            outcome.changes = None
        compared = time.monotonic()
        logger.info("Load started")
        outcome.load_ids.extend(_load(pipeline).loads_ids)
        logger.info(
            "Steps took: extract %.1f s, normalize %.1f s, compare %.1f s, load %.1f s",
            extracted - began,
            normalized - extracted,
            compared - normalized,
            time.monotonic() - compared,
        )


def _mark_deleted(settings: RunSettings, spans: list[ScannedSpan], outcome: _Outcome) -> None:
    """Stamp responses that vanished upstream inside the scanned spans; count them.

    Only this run's own fetches prove a response still exists: rows a left-over package loaded
    first were read by an earlier run, and may have been deleted upstream since.
    """
    fetched = [load_id for load_id in outcome.load_ids if load_id not in outcome.pending_load_ids]
    marked = mark_deleted(settings, spans, fetched, datetime.now(UTC))
    if marked and outcome.changes is not None:
        outcome.changes.deleted += marked


def _cursor(pipeline: dlt.Pipeline) -> datetime | None:
    """The responses cursor in the pipeline's current state, as a UTC datetime."""
    text = find_cursor(pipeline.state)
    return parse_instant(text, "cursor") if text else None


def _lookback_days(args: Mapping[str, Any]) -> float:
    """The lookback the source uses: the argument, else dlt config, else the source's default."""
    if args.get("lookback_days") is not None:
        return float(args["lookback_days"])
    configured: object = dlt.config.get("sources.wxm.lookback_days")
    if isinstance(configured, int | float | str):
        return float(configured)
    default = inspect.signature(wxm_source).parameters["lookback_days"].default
    return float(default)


def _load(pipeline: dlt.Pipeline) -> LoadInfo:
    """Load the normalized packages; a failed job fails the run (it stays pending for the next)."""
    try:
        info = pipeline.load()
    except Exception as exc:
        raise (duckdb_locked_error(exc) or exc) from exc
    info.raise_on_failed_jobs()
    return info


def _summary(
    command: str, settings: RunSettings, stats: SyncStats, outcome: _Outcome, started: float
) -> RunSummary:
    """Assemble the summary of a finished run."""
    counters = stats.snapshot()
    return RunSummary(
        command=command,
        destination=settings.destination,
        windows=counters["windows_done"],
        requests=counters["requests"],
        rate_limited=counters["rate_limited"],
        retries=counters["retries"],
        responses_fetched=counters["responses"],
        changes=outcome.changes,
        rows=dict(outcome.rows),
        load_ids=outcome.load_ids,
        duration_s=time.monotonic() - started,
    )


@dataclass
class StatusReport:
    """The state of a pipeline, for `wxm status`.

    Attributes:
        pipeline_name: the dlt pipeline name.
        destination: the destination name.
        working_dir: dlt's working folder.
        cursor: the stored cursor of the responses (UTC), or None before the first sync.
        last_load_at: when the last load finished at the destination, or None.
        last_load_id: the dlt load id of the last load, or None.
        pending_packages: load packages waiting for the next run (after a failure).
        row_counts: rows per table at the destination (None when it cannot be read here).
        unreadable: why the destination could not be read, or None.
    """

    pipeline_name: str
    destination: str
    working_dir: str
    cursor: str | None
    last_load_at: datetime | None
    last_load_id: str | None
    pending_packages: int
    row_counts: dict[str, int] | None
    unreadable: str | None = None


def status(settings: RunSettings) -> StatusReport:
    """Read the cursor, the last load and the row counts, without changing anything.

    Args:
        settings: the run's settings.

    Returns:
        the report.
    """
    plan = plan_destination(settings)
    pipeline = make_pipeline(settings, plan)
    state: Mapping[str, Any] = pipeline.state if settings.working_dir.exists() else {}
    pending = 0
    if settings.working_dir.exists():
        pending = len(pipeline.list_extracted_load_packages()) + len(
            pipeline.list_normalized_load_packages()
        )

    last_at: datetime | None = None
    last_id: str | None = None
    counts: dict[str, int] | None = None
    unreadable: str | None = None
    try:
        with open_dataset(settings) as con:
            if con is not None:
                counts = _row_counts(con)
                last_id, last_at = _last_load(con)
            else:
                unreadable = "this destination cannot be read from here"
    except PipelineError as exc:  # e.g. a sync is writing the DuckDB file right now
        unreadable = str(exc)

    return StatusReport(
        pipeline_name=settings.pipeline_name,
        destination=settings.destination,
        working_dir=str(settings.working_dir),
        cursor=find_cursor(state),
        last_load_at=last_at,
        last_load_id=last_id,
        pending_packages=pending,
        row_counts=counts,
        unreadable=unreadable,
    )


def _row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows per table and view of the dataset (dlt's own tables left out)."""
    counts: dict[str, int] = {}
    tables = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = ? "
        "ORDER BY table_name",
        [DATASET_NAME],
    ).fetchall()
    for (table,) in tables:
        if table.startswith("_dlt"):
            continue
        found = con.execute(f'SELECT count(*) FROM "{DATASET_NAME}"."{table}"').fetchone()
        counts[table] = int(found[0]) if found else 0
    return counts


def _last_load(con: duckdb.DuckDBPyConnection) -> tuple[str | None, datetime | None]:
    """The id and time of the last completed load, from dlt's `_dlt_loads`."""
    if not table_exists(con, DATASET_NAME, "_dlt_loads"):
        return None, None
    last = con.execute(
        f'SELECT load_id, inserted_at FROM "{DATASET_NAME}"."_dlt_loads" '
        "WHERE status = 0 ORDER BY inserted_at DESC LIMIT 1"
    ).fetchone()
    if not last:
        return None, None
    return str(last[0]), _as_datetime(last[1])


def _as_datetime(value: Any) -> datetime | None:
    """Read a timestamp that may come back as text (JSON lines on the filesystem destination)."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def reset(settings: RunSettings, *, drop_data: bool = False) -> bool:
    """Forget the pipeline's state (the cursor) locally and at the destination.

    dlt restores state from the destination when the working folder is gone, so deleting the
    folder alone would not forget anything: the reset is committed to the destination as a load.
    The data stays unless `drop_data` is set; the next sync then re-reads the whole history
    and upserts it (no duplicates).

    Args:
        settings: the run's settings.
        drop_data: also drop the tables at the destination.

    Returns:
        True when there was state to forget.
    """
    settings.prepare()
    plan = plan_destination(settings)
    with pipeline_lock(settings.lock_path, settings.pipeline_name):
        check_owner(settings, FOREIGN_FILE_FIX)
        pipeline = make_pipeline(settings, plan)
        if drop_data and settings.destination == PARQUET:
            return _drop_parquet(settings, pipeline)
        try:
            pipeline.sync_destination()
        except Exception as exc:
            raise (duckdb_locked_error(exc) or exc) from exc
        try:
            drop = pipeline_drop(pipeline, drop_all=True, state_paths="*", state_only=not drop_data)
        except PipelineNeverRan:
            logger.info("Pipeline `%s` has no state to forget", settings.pipeline_name)
            pipeline.drop()
            return False
        had_state = not drop.is_empty
        drop()
    logger.info("Forgot the state of pipeline `%s`", settings.pipeline_name)
    return had_state


def _drop_parquet(settings: RunSettings, pipeline: dlt.Pipeline) -> bool:
    """Forget the state and drop the data of the `parquet` destination by removing its folders.

    dlt's own drop empties the Delta tables but leaves their `_delta_log` folders behind, which
    the next load and the catalog cannot open; removing the dataset folder (the destination's copy
    of the state included), the catalog file and the local working folder starts clean.
    """
    dataset_dir = settings.parquet_dir / DATASET_NAME
    local = settings.working_dir / settings.pipeline_name
    had_state = dataset_dir.exists() or local.exists()
    shutil.rmtree(dataset_dir, ignore_errors=True)
    settings.catalog_path.unlink(missing_ok=True)
    pipeline.drop()
    logger.info("Dropped `%s` and the state of pipeline `%s`", dataset_dir, settings.pipeline_name)
    return had_state
