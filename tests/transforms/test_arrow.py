"""transforms.arrow: Arrow tables of shaped rows keep every column, type and value."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
from transforms_fixtures import answer, full_answer, resp, rows_by_table

from transforms.arrow import arrow_schema, rows_to_arrow
from transforms.shape import TABLES, Shaper
from transforms.timestamps import parse_timestamp

ARROW_TYPES = {
    "text": pa.string(),
    "bigint": pa.int64(),
    "double": pa.float64(),
    "bool": pa.bool_(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "date": pa.date32(),
    "json": pa.string(),
}


def test_schema_follows_tables() -> None:
    for name, spec in TABLES.items():
        schema = arrow_schema(name)
        assert schema.names == spec.column_names
        for column, field in zip(spec.columns, schema, strict=True):
            assert field.type == ARROW_TYPES[column.data_type], (name, column.name)
            assert field.nullable == column.nullable


def test_rows_round_trip_with_json_as_compact_text(shaper: Shaper) -> None:
    tables = rows_by_table(
        shaper, full_answer("r1"), answer("r2", responses=[resp("q_nps", None, 3)])
    )
    for table, rows in tables.items():
        arrow = rows_to_arrow(table, rows)
        assert arrow.schema == arrow_schema(table)
        assert arrow.num_rows == len(rows)
        back = arrow.to_pylist()
        for row, got in zip(rows, back, strict=True):
            for column in TABLES[table].columns:
                want = row[column.name]
                if column.data_type == "json" and want is not None:
                    assert got[column.name] == json.dumps(want, separators=(",", ":"))
                    assert json.loads(got[column.name]) == want
                else:
                    assert got[column.name] == want, (table, column.name)


def test_fast_timestamp_path_equals_general_path() -> None:
    for text in ("2024-05-01T10:11:12.123Z", "2024-05-01T10:11:12Z", "2024-02-29T23:59:59.999Z"):
        fast = parse_timestamp(text)
        general = parse_timestamp(text.replace("T", " ").replace("Z", "+00:00"))
        assert fast == general
        assert fast is not None and fast.tzinfo is dt.UTC
    assert parse_timestamp("2023-02-29T10:11:12.123Z") is None
