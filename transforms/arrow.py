"""Shaped rows as Arrow tables: explicit schemas derived from `TABLES`.

The source yields one Arrow table per table and window instead of Python dicts, so dlt's
normalize step only rewrites Parquet instead of inspecting every value. The Arrow types are the
ones dlt itself maps the declared dlt types to, so the loaded tables keep their column types:

| dlt type | Arrow type |
|---|---|
| text | string |
| bigint | int64 |
| double | float64 |
| bool | bool |
| timestamp | timestamp[us, tz=UTC] |
| date | date32 |
| json | string holding compact JSON (as dlt writes `json` columns to Parquet) |
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import pyarrow as pa

from transforms.tables import TABLES

_ARROW_TYPES: dict[str, pa.DataType] = {
    "text": pa.string(),
    "bigint": pa.int64(),
    "double": pa.float64(),
    "bool": pa.bool_(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "date": pa.date32(),
    "json": pa.string(),
}


@cache
def arrow_schema(table: str) -> pa.Schema:
    """The Arrow schema of a shaped table: its columns in order, with their declared types.

    Args:
        table: A key of `TABLES`.

    Returns:
        The schema (nullability as declared).
    """
    return pa.schema(
        [
            pa.field(column.name, _ARROW_TYPES[column.data_type], nullable=column.nullable)
            for column in TABLES[table].columns
        ]
    )


def _json_text(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def rows_to_arrow(table: str, rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    """An Arrow table of conformed rows (`Shaper.rows` output of one table).

    Args:
        table: A key of `TABLES`.
        rows: Rows with every column of the table, values of the declared types.

    Returns:
        The table, with `arrow_schema(table)`.
    """
    schema = arrow_schema(table)
    arrays = []
    for column, field in zip(TABLES[table].columns, schema, strict=True):
        name = column.name
        values = [row[name] for row in rows]
        if column.data_type == "json":
            values = [_json_text(value) for value in values]
        arrays.append(pa.array(values, type=field.type))
    return pa.Table.from_arrays(arrays, schema=schema)
