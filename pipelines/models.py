"""Building the SQL models after a load: in the DuckDB file, or a catalog over the Parquet files."""

from __future__ import annotations

import logging

import duckdb

from pipelines.destinations import DUCKDB, PARQUET, check_delta_tables
from pipelines.failures import duckdb_locked_error
from pipelines.settings import DATASET_NAME, RunSettings

logger = logging.getLogger(__name__)


def build_after_load(settings: RunSettings) -> None:
    """Build the models `transforms.models` defines, where this destination can hold them.

    On `duckdb` the models are built inside `data/warehouse.duckdb`; on `parquet` a small DuckDB
    catalog file of views over the Delta tables is (re)written, so a BI tool can open either.
    Other destinations get no models (they are DuckDB SQL).

    Args:
        settings: the run's settings.
    """
    from transforms.models import build_models
    from transforms.parquet_catalog import build_catalog

    if settings.destination == DUCKDB:
        try:
            con = duckdb.connect(str(settings.duckdb_path))
        except duckdb.Error as exc:
            raise (duckdb_locked_error(exc) or exc) from exc
        try:
            build_models(con, DATASET_NAME)
        finally:
            con.close()
        logger.info("Built the models in `%s`", settings.duckdb_path)
    elif settings.destination == PARQUET:
        check_delta_tables(settings)
        build_catalog(settings.parquet_dir, settings.catalog_path)
        logger.info("Wrote the catalog `%s`", settings.catalog_path)
    else:
        logger.info("No models for destination `%s`", settings.destination)
