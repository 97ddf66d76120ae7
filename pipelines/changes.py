"""Counting new and changed responses of a load before it reaches the destination.

Between normalize and load, the responses of the run sit in Parquet files of the load package.
Joining their `(id, content_hash)` with the destination's `responses` tells exactly which are new,
which changed and which were re-read unchanged (the lookback re-scan) — without a full scan of the
destination and without guessing the range the source re-read.
"""

from __future__ import annotations

import logging

import dlt
import duckdb

from pipelines.destinations import open_dataset, table_columns, table_exists
from pipelines.settings import DATASET_NAME, RunSettings
from pipelines.summary import ResponseChanges

logger = logging.getLogger(__name__)

RESPONSES = "responses"


def pending_response_files(pipeline: dlt.Pipeline) -> list[str] | None:
    """The Parquet files of `responses` rows in the normalized, not yet loaded packages.

    Args:
        pipeline: the pipeline after `normalize()`.

    Returns:
        the file paths, or None when the rows are not in Parquet (destinations loaded from
        other file formats), so they cannot be compared.
    """
    files: list[str] = []
    for load_id in pipeline.list_normalized_load_packages():
        info = pipeline.get_load_package_info(load_id)
        for job in info.jobs.get("new_jobs", []):
            if job.job_file_info.table_name != RESPONSES:
                continue
            if job.job_file_info.file_format != "parquet":
                return None
            files.append(job.file_path)
    return files


def compare_responses(settings: RunSettings, files: list[str] | None) -> ResponseChanges | None:
    """Compare the responses about to be loaded with those the destination holds.

    Args:
        settings: the run's settings (where the destination is).
        files: Parquet files with the incoming `responses` rows (see `pending_response_files`).

    Returns:
        the counts, or None when the destination or the files cannot be read.
    """
    if files is None:
        return None
    if not files:
        return ResponseChanges()
    with open_dataset(settings) as con:
        if con is None:
            if settings.destination not in ("duckdb", "parquet"):
                return None
            with duckdb.connect() as memory:
                return _count(memory, files, has_table=False)
        has_table = table_exists(con, DATASET_NAME, RESPONSES)
        return _count(con, files, has_table=has_table)


def _count(con: duckdb.DuckDBPyConnection, files: list[str], *, has_table: bool) -> ResponseChanges:
    """Run the comparison query on `con`."""
    listed = "[" + ", ".join("'" + path.replace("'", "''") + "'" for path in files) + "]"
    incoming_columns = {
        row[0]
        for row in con.execute(
            f"DESCRIBE SELECT * FROM read_parquet({listed}, union_by_name = true)"
        ).fetchall()
    }
    if not has_table:
        found = con.execute(
            f"SELECT count(DISTINCT id) FROM read_parquet({listed}, union_by_name = true)"
        ).fetchone()
        return ResponseChanges(new=int(found[0]) if found else 0)

    stored_columns = table_columns(con, DATASET_NAME, RESPONSES)
    tracks_deletion = "deleted_at" in incoming_columns and "deleted_at" in stored_columns
    deleted_in = "max(deleted_at)" if "deleted_at" in incoming_columns else "NULL"
    deleted = "i.deleted_at IS NOT NULL AND r.deleted_at IS NULL" if tracks_deletion else "false"
    row = con.execute(
        f"""
        WITH incoming AS (
            SELECT id, max(content_hash) AS content_hash, {deleted_in} AS deleted_at
            FROM read_parquet({listed}, union_by_name = true)
            GROUP BY id
        )
        SELECT
            count(*) FILTER (WHERE r.id IS NULL),
            count(*) FILTER (WHERE r.id IS NOT NULL AND NOT ({deleted})
                             AND r.content_hash IS DISTINCT FROM i.content_hash),
            count(*) FILTER (WHERE r.id IS NOT NULL AND NOT ({deleted})
                             AND r.content_hash IS NOT DISTINCT FROM i.content_hash),
            count(*) FILTER (WHERE r.id IS NOT NULL AND ({deleted}))
        FROM incoming AS i
        LEFT JOIN "{DATASET_NAME}"."{RESPONSES}" AS r ON r.id = i.id
        """
    ).fetchone()
    if row is None:
        return ResponseChanges()
    return ResponseChanges(new=row[0], changed=row[1], unchanged=row[2], deleted=row[3])
