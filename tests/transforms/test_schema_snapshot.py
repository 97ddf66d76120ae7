"""The shaped tables' schema only changes on purpose.

When a change is intended, rewrite the snapshot with
`WXM_UPDATE_SCHEMA_SNAPSHOT=1 pytest tests/transforms/test_schema_snapshot.py` and commit it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from transforms.tables import TABLES

SNAPSHOT = Path(__file__).with_name("schema_snapshot.json")


def current_schema() -> dict[str, Any]:
    """Tables -> primary key and ordered `[column, data type, nullable]` triples."""
    return {
        name: {
            "primary_key": list(spec.primary_key),
            "columns": [[c.name, c.data_type, c.nullable] for c in spec.columns],
        }
        for name, spec in TABLES.items()
    }


def test_tables_match_the_committed_snapshot() -> None:
    current = current_schema()
    if os.environ.get("WXM_UPDATE_SCHEMA_SNAPSHOT") == "1":
        SNAPSHOT.write_text(json.dumps(current, indent=2) + "\n", encoding="utf-8")
    committed = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert current == committed, (
        "TABLES changed: update tests/transforms/schema_snapshot.json on purpose "
        "(WXM_UPDATE_SCHEMA_SNAPSHOT=1) and say so in the commit"
    )


def test_every_column_is_described_and_keys_exist() -> None:
    for spec in TABLES.values():
        assert len(set(spec.column_names)) == len(spec.columns)
        assert set(spec.primary_key) <= set(spec.column_names)
        for column in spec.columns:
            assert column.description.strip(), (spec.name, column.name)
            assert column.nullable == (column.name not in spec.primary_key), (
                spec.name,
                column.name,
            )
