"""Where a run keeps its files: the data folder, the dlt working folder and the output paths."""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pipelines.errors import PipelineError

PIPELINE_NAME = "wxm"
DATASET_NAME = "wxm"
DEFAULT_DATA_DIR = Path("data")
DEFAULT_DESTINATION = "duckdb"
# NOTE: not `wxm.duckdb`: DuckDB names a file's catalog after the file, and a catalog `wxm` next to
# the schema `wxm` makes every `wxm.<table>` reference ambiguous (dlt's own SQL included).
DUCKDB_FILE = "warehouse.duckdb"
PARQUET_CATALOG_FILE = "wxm_parquet.duckdb"

TELEMETRY_SETTING = "RUNTIME__DLTHUB_TELEMETRY"


def no_dlt_telemetry() -> None:
    """Turn off dlt's anonymous usage reports (to telemetry.scalevector.ai) for this process.

    dlt starts them at its first configuration lookup, so this runs before any: the loader
    talks to WXM and its destination only. An explicit `RUNTIME__DLTHUB_TELEMETRY` still wins.
    """
    os.environ.setdefault(TELEMETRY_SETTING, "false")


ARROW_ROW_COLUMNS = (
    "NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_ID",
    "NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID",
)
"""dlt settings that give rows yielded as Arrow tables `_dlt_id` and `_dlt_load_id` too."""


def arrow_row_columns() -> None:
    """Keep dlt's `_dlt_id` and `_dlt_load_id` columns on rows the source yields as Arrow tables.

    dlt adds them to dict rows only by default; the deletion marking reads `_dlt_load_id`, and
    tables loaded before the source yielded Arrow have a non-null `_dlt_id`. Explicit settings win.
    """
    for name in ARROW_ROW_COLUMNS:
        os.environ.setdefault(name, "true")
    dlt_logger = logging.getLogger("dlt")
    if not any(isinstance(f, _JsonAsTextFilter) for f in dlt_logger.filters):
        dlt_logger.addFilter(_JsonAsTextFilter())


class _JsonAsTextFilter(logging.Filter):
    """Drops dlt's warning that the `json` column hints differ from the Arrow string columns.

    The responses' `json` columns travel as JSON text (what dlt writes for `json` in Parquet);
    dlt keeps the declared hints and the destination stores JSON, so the warning, repeated for
    every Arrow table, is noise.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """False for that one warning of the `responses` resource."""
        message = record.getMessage()
        return not (
            message.startswith("In resource: responses,")
            and "when merging arrow schema with dlt schema" in message
        )


def pipeline_name_for(destination: str) -> str:
    """The dlt pipeline name of a destination: `wxm` for duckdb, `wxm_<destination>` otherwise.

    Each destination has its own state (cursor), so syncing one data folder to DuckDB and to
    Parquet never lets one destination start from the other's cursor.

    Args:
        destination: the destination name as given to `--destination`.

    Returns:
        the pipeline name.
    """
    name = destination.strip()
    if name == DEFAULT_DESTINATION:
        return PIPELINE_NAME
    safe = "".join(char if char.isalnum() else "_" for char in name.lower())
    return f"{PIPELINE_NAME}_{safe}"


@dataclass(frozen=True)
class RunSettings:
    """The paths and names one run of the pipeline uses.

    Attributes:
        data_dir: folder for the outputs (`warehouse.duckdb`, `parquet/`, the parquet catalog).
        pipelines_dir: dlt's working folder (state, schemas, pending load packages);
            `data_dir/.dlt-pipelines` unless given, so a data folder is self-contained.
        destination: `duckdb`, `parquet` or any dlt destination name.
        pipeline_name: the dlt pipeline name; empty (the default) means one per destination
            (`pipeline_name_for`), so each destination keeps its own state and cursor. The demo
            uses its own so it never touches a real one.
    """

    data_dir: Path = DEFAULT_DATA_DIR
    pipelines_dir: Path | None = None
    destination: str = DEFAULT_DESTINATION
    pipeline_name: str = ""

    def __post_init__(self) -> None:
        """Fill in the per-destination pipeline name when none was given."""
        if not self.pipeline_name:
            object.__setattr__(self, "pipeline_name", pipeline_name_for(self.destination))

    @property
    def working_dir(self) -> Path:
        """dlt's working folder (`pipelines_dir` argument of `dlt.pipeline`)."""
        return (
            self.pipelines_dir
            if self.pipelines_dir is not None
            else self.data_dir / ".dlt-pipelines"
        )

    @property
    def duckdb_path(self) -> Path:
        """The DuckDB database file of the `duckdb` destination."""
        return self.data_dir / DUCKDB_FILE

    @property
    def parquet_dir(self) -> Path:
        """The root folder of the `parquet` destination (Delta tables)."""
        return self.data_dir / "parquet"

    @property
    def catalog_path(self) -> Path:
        """The DuckDB catalog file of views over the `parquet` destination."""
        return self.data_dir / PARQUET_CATALOG_FILE

    @property
    def lock_path(self) -> Path:
        """The lock file that keeps two runs of the same pipeline apart."""
        return self.working_dir / f"{self.pipeline_name}.lock"

    def prepare(self) -> None:
        """Create the data and working folders and check that both can be written.

        Raises:
            PipelineError: when a folder cannot be created or written.
        """
        for folder in (self.data_dir, self.working_dir):
            _ensure_writable(folder)


def _ensure_writable(folder: Path) -> None:
    """Create `folder` if needed and prove it is writable by creating a file in it."""
    fix = "choose another --data-dir/--pipelines-dir or fix its permissions"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not os.access(folder, os.W_OK | os.X_OK):
            raise PermissionError(folder)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        reason = exc.strerror or "permission denied"
        raise PipelineError(f"folder {folder} is not writable ({reason}): {fix}") from exc
