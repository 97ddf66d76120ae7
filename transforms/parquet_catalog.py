"""A small DuckDB catalog file over the Parquet (Delta) output, with the same models.

The filesystem destination writes each table as a Delta table under `<parquet_root>/<dataset>/`.
DuckDB's `delta` extension cannot be downloaded here, so the live data files of each table are
listed with the `deltalake` package and a `read_parquet([...])` view is created per table; the
models are then built over those views exactly as on the DuckDB destination. The view lists fixed
files, so the catalog must be rebuilt after each load (the pipeline does it).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import duckdb
from deltalake import DeltaTable

from transforms.models import DUCKDB_TYPES, build_models
from transforms.tables import TABLES

logger = logging.getLogger(__name__)


def build_catalog(parquet_root: Path, catalog_file: Path, dataset: str = "wxm") -> list[str]:
    """Write a DuckDB file whose views read the Delta tables and hold the models.

    The file is built next to `catalog_file` and moved into place at the end, so a BI tool that has
    the old file open keeps a consistent view.

    Args:
        parquet_root: The filesystem destination's bucket path (holds `<dataset>/<table>/`).
        catalog_file: The DuckDB file to (re)write.
        dataset: The dataset name, also the schema of the views.

    Returns:
        Names of the views created: one per table, then the models.

    Raises:
        NotImplementedError: When a Delta table uses deletion vectors (plain Parquet reads would
            return deleted rows).
    """
    catalog_file.parent.mkdir(parents=True, exist_ok=True)
    building = catalog_file.with_name(f".{catalog_file.name}.building")
    for leftover in (building, Path(f"{building}.wal")):
        leftover.unlink(missing_ok=True)

    con = duckdb.connect(str(building))
    try:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {_ident(dataset)}")
        names = _table_views(con, parquet_root / dataset, dataset)
        names.extend(build_models(con, dataset))
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(building, catalog_file)
    logger.info("Wrote the Parquet catalog `%s` with %d views", catalog_file, len(names))
    return names


def _table_views(con: duckdb.DuckDBPyConnection, dataset_dir: Path, schema: str) -> list[str]:
    names: list[str] = []
    found: set[str] = set()
    table_dirs: list[Path] = []
    if dataset_dir.is_dir():
        table_dirs = sorted(p for p in dataset_dir.iterdir() if (p / "_delta_log").is_dir())
    for table_dir in table_dirs:
        table = table_dir.name
        files = _live_files(table_dir)
        if not files:
            continue
        file_list = ", ".join(_literal(f) for f in files)
        source = f"read_parquet([{file_list}], union_by_name = true)"
        con.execute(
            f"CREATE OR REPLACE VIEW {_ident(schema)}.{_ident(table)} AS "
            f"SELECT {_select_list(con, source, table)} FROM {source}"
        )
        found.add(table)
        names.append(table)

    for table, spec in TABLES.items():
        if table in found:
            continue
        columns = ", ".join(
            f"CAST(NULL AS {DUCKDB_TYPES[c.data_type]}) AS {_ident(c.name)}" for c in spec.columns
        )
        view = f"{_ident(schema)}.{_ident(table)}"
        con.execute(f"CREATE OR REPLACE VIEW {view} AS SELECT {columns} WHERE false")
        logger.info("No Delta data for `%s`; created it as an empty view", table)
        names.append(table)
    return names


def _live_files(table_dir: Path) -> list[str]:
    table = DeltaTable(str(table_dir))
    features = table.protocol().reader_features or []
    if "deletionVectors" in features:
        raise NotImplementedError(f"Delta table {table_dir} uses deletion vectors")
    return [uri.removeprefix("file://") for uri in table.file_uris()]


def _select_list(con: duckdb.DuckDBPyConnection, source: str, table: str) -> str:
    """Columns of the Parquet files, with `TABLES`' JSON columns cast back from text to JSON."""
    present = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
    spec = TABLES.get(table)
    json_columns = {c.name for c in spec.columns if c.data_type == "json"} if spec else set()
    return ", ".join(
        f"CAST({_ident(name)} AS JSON) AS {_ident(name)}" if name in json_columns else _ident(name)
        for name in present
    )


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
