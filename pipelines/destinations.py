"""Destinations: what `--destination` means, how to load into it, and how to read it back."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from deltalake import DeltaTable
from dlt.common.destination import Destination, TLoaderFileFormat
from dlt.common.destination.exceptions import InvalidDestinationReference, UnknownDestinationModule
from dlt.common.schema.typing import TTableFormat
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

from pipelines.errors import PipelineError
from pipelines.failures import duckdb_locked_error
from pipelines.settings import DATASET_NAME, RunSettings

logger = logging.getLogger(__name__)

DUCKDB = "duckdb"
PARQUET = "parquet"
LOADS_TABLE = "_dlt_loads"
DUCKDB_GLOBAL_CONFIG = {"memory_limit": "1GB", "preserve_insertion_order": False}
"""DuckDB settings while loading. Its default memory cap is 80 % of RAM, which let a 1M-response
load take gigabytes; 256MB was too small for the upsert of a 7-day lookback into a 200k-response
warehouse (an out-of-memory error, measured by `make bench`), so 1GB, with insertion order off
so that more operators can spill to disk."""


@dataclass(frozen=True)
class DestinationPlan:
    """How a run loads into one destination.

    Attributes:
        name: the destination as given (`duckdb`, `parquet` or a dlt destination name).
        destination: the dlt destination object.
        loader_file_format: the file format dlt hands to the loader (None: dlt's default).
        table_format: `delta` for the parquet output (upserts on files), else None.
    """

    name: str
    destination: Destination
    loader_file_format: TLoaderFileFormat | None
    table_format: TTableFormat | None


def plan_destination(settings: RunSettings) -> DestinationPlan:
    """Resolve `settings.destination` into a destination to load into.

    `duckdb` is the file `data_dir/warehouse.duckdb`, loaded from Parquet files (much faster than
    insert statements). `parquet` is dlt's filesystem destination under `data_dir/parquet/` with
    Delta tables, so `merge` upserts instead of appending. Both are set as the destination's
    preferred formats, not only as resource hints: tables a resource dispatches by name
    (`answers`, `notes`, `tickets`) do not inherit the resource's hints. Any other name goes to
    dlt, which takes its credentials from dlt config (`.dlt/secrets.toml` or `DESTINATION__...`).

    Args:
        settings: the run's settings.

    Returns:
        the plan for the run.

    Raises:
        PipelineError: when dlt knows no destination of that name.
    """
    name = settings.destination.strip()
    if name == DUCKDB:
        destination = _destination(
            DUCKDB,
            credentials=DuckDbCredentials(
                str(settings.duckdb_path.resolve()),
                global_config=dict(DUCKDB_GLOBAL_CONFIG),
            ),
            preferred_loader_file_format="parquet",
        )
        return DestinationPlan(name, destination, "parquet", None)
    if name == PARQUET:
        destination = _destination(
            "filesystem",
            bucket_url=settings.parquet_dir.resolve().as_uri(),
            preferred_loader_file_format="parquet",
            preferred_table_format="delta",
        )
        return DestinationPlan(name, destination, "parquet", "delta")
    return DestinationPlan(name, _destination(name), None, None)


def _destination(ref: str, **kwargs: Any) -> Destination:
    """Build a dlt destination from its name; a `PipelineError` when dlt has none of that name."""
    error: Exception | None = None
    try:
        destination = Destination.from_reference(ref, **kwargs)
    except (UnknownDestinationModule, InvalidDestinationReference, ValueError) as exc:
        destination, error = None, exc
    if destination is None:
        raise PipelineError(
            f"unknown destination {ref!r}: use duckdb, parquet or a dlt destination name "
            "(e.g. postgres, bigquery, snowflake, motherduck, filesystem)"
        ) from error
    return destination


@contextmanager
def open_dataset(settings: RunSettings) -> Iterator[duckdb.DuckDBPyConnection | None]:
    """Open the loaded data for reading as DuckDB schema `wxm`.

    On `duckdb` this is the database file, read-only; on `parquet` an in-memory DuckDB with one
    view per Delta table. Other destinations cannot be read here: the block gets None.

    Args:
        settings: the run's settings.

    Yields:
        a DuckDB connection in which `wxm.<table>` can be queried, or None.

    Raises:
        PipelineError: when the DuckDB file is locked by another process.
    """
    name = settings.destination.strip()
    if name == DUCKDB:
        if not settings.duckdb_path.exists():
            yield None
            return
        try:
            con = duckdb.connect(str(settings.duckdb_path), read_only=True)
        except duckdb.Error as exc:
            raise (duckdb_locked_error(exc) or exc) from exc
        try:
            yield con
        finally:
            con.close()
    elif name == PARQUET:
        con = duckdb.connect()
        try:
            attach_delta_tables(con, settings.parquet_dir / DATASET_NAME, DATASET_NAME)
            yield con
        finally:
            con.close()
    else:
        yield None


def attach_delta_tables(con: duckdb.DuckDBPyConnection, root: Path, schema: str) -> list[str]:
    """Create a view in `schema` for every Delta table under `root`.

    The views read the Parquet files of each table's current Delta version (so no `delta`
    extension is needed, which DuckDB would have to download). dlt's `_dlt_loads` (JSON lines)
    is attached too, for the time of the last load.

    Args:
        con: the DuckDB connection.
        root: the dataset folder (`data/parquet/wxm`).
        schema: the DuckDB schema to create the views in.

    Returns:
        the names of the tables attached.
    """
    con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    attached: list[str] = []
    if not root.is_dir():
        return attached
    for folder in sorted(root.iterdir()):
        if folder.name == LOADS_TABLE and any(folder.glob("*.jsonl")):
            pattern = str(folder / "*.jsonl").replace("'", "''")
            con.execute(
                f'CREATE OR REPLACE VIEW "{schema}"."{LOADS_TABLE}" AS '
                f"SELECT * FROM read_json('{pattern}', format = 'newline_delimited')"
            )
            attached.append(folder.name)
            continue
        if not (folder / "_delta_log").is_dir() or folder in empty_delta_logs(root):
            continue
        files = DeltaTable(str(folder)).file_uris()
        if not files:
            continue
        listed = ", ".join("'" + uri.replace("'", "''") + "'" for uri in files)
        con.execute(
            f'CREATE OR REPLACE VIEW "{schema}"."{folder.name}" AS '
            f"SELECT * FROM read_parquet([{listed}], union_by_name = true)"
        )
        attached.append(folder.name)
    return attached


def empty_delta_logs(root: Path) -> list[Path]:
    """The table folders under `root` whose `_delta_log` holds no commit (Delta cannot open them).

    Args:
        root: the dataset folder (`data/parquet/wxm`).

    Returns:
        the broken table folders, sorted.
    """
    if not root.is_dir():
        return []
    return sorted(
        folder
        for folder in root.iterdir()
        if (folder / "_delta_log").is_dir()
        and not any((folder / "_delta_log").glob("*.json"))
        and not any((folder / "_delta_log").glob("*.checkpoint*.parquet"))
    )


def check_delta_tables(settings: RunSettings) -> None:
    """Refuse to load or build the catalog over a Delta table folder with an empty log.

    Args:
        settings: the run's settings (only the `parquet` destination is checked).

    Raises:
        PipelineError: naming the first broken folder and the fix.
    """
    if settings.destination.strip() != PARQUET:
        return
    broken = empty_delta_logs(settings.parquet_dir / DATASET_NAME)
    if broken:
        raise PipelineError(
            f"Delta table folder {broken[0]} has an empty _delta_log (no data, no commit): "
            f"delete that folder, or run `wxm reset --yes --drop-data --destination parquet`"
        )


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    """Whether `schema.table` exists (as a table or a view) in the connection."""
    found = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(found and found[0])


def table_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> set[str]:
    """The column names of `schema.table`."""
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = ? AND table_name = ?",
        [schema, table],
    ).fetchall()
    return {row[0] for row in rows}


def check_owner(settings: RunSettings, fix: str) -> None:
    """Refuse to load into a DuckDB file that holds another pipeline's data (e.g. the demo's).

    Args:
        settings: the run's settings (only the `duckdb` destination is checked).
        fix: what to tell the user to do instead.

    Raises:
        PipelineError: when the file holds the state of another dlt pipeline.
    """
    if settings.destination != DUCKDB or not settings.duckdb_path.exists():
        return
    with open_dataset(settings) as con:
        if con is None:
            return
        owners = stored_pipeline_names(con)
    foreign = owners - {settings.pipeline_name}
    if foreign:
        raise PipelineError(
            f"{settings.duckdb_path} holds data of pipeline(s) {', '.join(sorted(foreign))}, "
            f"not of `{settings.pipeline_name}`: {fix}"
        )


def stored_pipeline_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The dlt pipeline names whose state is stored in the database."""
    names: set[str] = set()
    schemas = con.execute(
        "SELECT DISTINCT table_schema FROM information_schema.tables "
        "WHERE table_name = '_dlt_pipeline_state'"
    ).fetchall()
    for (schema,) in schemas:
        rows = con.execute(
            f'SELECT DISTINCT pipeline_name FROM "{schema}"."_dlt_pipeline_state"'
        ).fetchall()
        names.update(str(row[0]) for row in rows)
    return names
