"""Marking responses deleted upstream: `deleted_at` for ids a full re-scan no longer returns.

WXM leaves no trace of a deleted (or retention-purged) response; only a re-scan can notice one.
Every window the source scans is fetched in full and reconciled, so after a load each response the
destination holds inside the scanned span but that this run did not re-load (its `_dlt_load_id` is
not one of the run's) is gone upstream. Its row is kept and stamped with `deleted_at`, never
deleted, so history and child rows stay queryable.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb
from deltalake import DeltaTable

from pipelines.destinations import DUCKDB, PARQUET, open_dataset, table_columns, table_exists
from pipelines.failures import duckdb_locked_error
from pipelines.settings import DATASET_NAME, RunSettings

logger = logging.getLogger(__name__)

RESPONSES = "responses"
# NOTE: a millisecond inside each end, so a response stored with more precision than the API's
# bounds compare at is never judged on a boundary it was not fetched from.
EDGE = timedelta(milliseconds=1)


@dataclass(frozen=True)
class ScannedSpan:
    """The `[start, end]` range of response times a run fetched in full (start None: all)."""

    start: datetime | None
    end: datetime


def mark_deleted(
    settings: RunSettings, spans: list[ScannedSpan], load_ids: list[str], when: datetime
) -> int:
    """Stamp `deleted_at` on responses inside `spans` that the run did not load again.

    Args:
        settings: where the destination is (only `duckdb` and `parquet` are handled).
        spans: the ranges the run scanned in full.
        load_ids: the dlt load ids of the run's loads.
        when: the time to stamp (the run's start, UTC).

    Returns:
        how many responses were newly marked.
    """
    if not spans or not load_ids or settings.destination not in (DUCKDB, PARQUET):
        return 0
    ids = _vanished_ids(settings, spans, load_ids)
    if not ids:
        return 0
    if settings.destination == DUCKDB:
        _mark_in_duckdb(settings, ids, when)
    else:
        _mark_in_delta(settings, ids, when)
    logger.info("Marked %d responses deleted upstream", len(ids))
    return len(ids)


def _vanished_ids(
    settings: RunSettings, spans: list[ScannedSpan], load_ids: list[str]
) -> list[str]:
    """Ids of live responses inside the spans whose rows were not written by this run."""
    with open_dataset(settings) as con:
        if con is None or not table_exists(con, DATASET_NAME, RESPONSES):
            return []
        if not {"deleted_at", "_dlt_load_id"} <= table_columns(con, DATASET_NAME, RESPONSES):
            return []
        ranges: list[str] = []
        params: list[object] = []
        for span in spans:
            if span.start is None:
                ranges.append("response_date_time < ?")
                params.append(span.end - EDGE)
            else:
                ranges.append("(response_date_time > ? AND response_date_time < ?)")
                params.extend([span.start + EDGE, span.end - EDGE])
        marks = ", ".join("?" for _ in load_ids)
        rows = con.execute(
            f'SELECT id FROM "{DATASET_NAME}"."{RESPONSES}" '
            f"WHERE deleted_at IS NULL AND _dlt_load_id NOT IN ({marks}) "
            f"AND ({' OR '.join(ranges)}) ORDER BY id",
            [*load_ids, *params],
        ).fetchall()
    return [str(row[0]) for row in rows]


def _mark_in_duckdb(settings: RunSettings, ids: list[str], when: datetime) -> None:
    """Stamp the rows in the DuckDB file."""
    try:
        con = duckdb.connect(str(settings.duckdb_path))
    except duckdb.Error as exc:
        raise (duckdb_locked_error(exc) or exc) from exc
    try:
        con.execute("CREATE TEMP TABLE vanished (id VARCHAR)")
        con.executemany("INSERT INTO vanished VALUES (?)", [[rid] for rid in ids])
        con.execute(
            f'UPDATE "{DATASET_NAME}"."{RESPONSES}" SET deleted_at = ? '
            "WHERE id IN (SELECT id FROM vanished) AND deleted_at IS NULL",
            [when],
        )
    finally:
        con.close()


def _mark_in_delta(settings: RunSettings, ids: list[str], when: datetime) -> None:
    """Stamp the rows of the Delta table (a new table version; files are rewritten)."""
    table = DeltaTable(str(settings.parquet_dir / DATASET_NAME / RESPONSES))
    listed = ", ".join("'" + rid.replace("'", "''") + "'" for rid in ids)
    table.update(new_values={"deleted_at": when}, predicate=f"id IN ({listed})")
