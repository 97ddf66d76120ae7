"""With the default PII mode no table or model holds a personal value in clear text."""

from __future__ import annotations

import duckdb
import pytest
from transforms_fixtures import EMAIL, MOBILE, NAME, QUESTIONS, SETTINGS, full_answer, load_shaped

from transforms.models import build_models
from transforms.shape import Catalog, PiiPolicy, Shaper

PERSONAL = (
    NAME,
    EMAIL,
    str(MOBILE),
    "M-0042",
    "Grace Hopper",
    "ops@example.com",
    "lead@example.com",
    "boss@example.com",
)


def scan(con: duckdb.DuckDBPyConnection, schema: str, needles: tuple[str, ...]) -> set[str]:
    """Every needle found in any column of any table or view of the schema."""
    relations = con.execute(
        "SELECT DISTINCT table_name FROM duckdb_columns() WHERE schema_name = ?", [schema]
    ).fetchall()
    text = []
    for (relation,) in relations:
        rows = con.execute(f'SELECT CAST(COLUMNS(*) AS VARCHAR) FROM {schema}."{relation}"')
        text.extend(repr(row) for row in rows.fetchall())
    blob = "\n".join(text)
    return {needle for needle in needles if needle in blob}


@pytest.mark.parametrize(
    ("mode", "expect_found"), [("hash", False), ("drop", False), ("keep", True)]
)
def test_personal_values_scan(mode: str, expect_found: bool) -> None:
    con = duckdb.connect()
    shaper = Shaper(Catalog.from_api(QUESTIONS, SETTINGS), PiiPolicy(mode, "pepper"))  # type: ignore[arg-type]
    load_shaped(con, shaper, [full_answer("r1"), full_answer("r2")], QUESTIONS, SETTINGS)
    build_models(con)
    found = scan(con, "wxm", PERSONAL)
    assert found == (set(PERSONAL) if expect_found else set())
