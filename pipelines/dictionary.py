"""`wxm dictionary`: the data dictionary of the loaded tables, as text."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import duckdb

from pipelines.destinations import PARQUET, open_dataset
from pipelines.settings import DATASET_NAME, RunSettings


def render_dictionary(settings: RunSettings) -> str:
    """Render `transforms.dictionary.data_dictionary` for the destination's data.

    On `parquet` the catalog file (views and models) is read. When nothing has been loaded yet
    (or the destination cannot be read from here) the dictionary is generated from the declared
    table specs alone.

    Args:
        settings: where the data is.

    Returns:
        the dictionary as Markdown text.
    """
    from transforms.dictionary import data_dictionary

    if settings.destination == PARQUET and settings.catalog_path.exists():
        with duckdb.connect(str(settings.catalog_path), read_only=True) as catalog:
            return _as_text(data_dictionary(catalog, DATASET_NAME))
    with open_dataset(settings) as con:
        if con is not None:
            return _as_text(data_dictionary(con, DATASET_NAME))
    with duckdb.connect() as memory:
        return _as_text(data_dictionary(memory, DATASET_NAME))


def _as_text(dictionary: Any) -> str:
    """Accept the dictionary as text or as rows (mappings) and return Markdown text."""
    if isinstance(dictionary, str):
        return dictionary
    rows = [dict(row) for row in dictionary if isinstance(row, Mapping)]
    if not rows:
        return str(dictionary)
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(str(row.get(column, "")) for column in columns) + " |")
    return "\n".join(lines)
