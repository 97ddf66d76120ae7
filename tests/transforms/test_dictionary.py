"""The data dictionary lists every table, view and column with a meaning; example queries run."""

from __future__ import annotations

import duckdb
from transforms_fixtures import QUESTIONS, SETTINGS, full_answer, load_shaped

from transforms.dictionary import EXAMPLE_QUERIES, data_dictionary
from transforms.models import MODEL_DOCS, build_models
from transforms.shape import TABLES, Catalog, PiiPolicy, Shaper


def _con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    shaper = Shaper(Catalog.from_api(QUESTIONS, SETTINGS), PiiPolicy("hash", "pepper"))
    load_shaped(con, shaper, [full_answer("r1"), full_answer("r2", nps=1)], QUESTIONS, SETTINGS)
    con.execute("CREATE TABLE wxm._dlt_loads (load_id VARCHAR)")
    build_models(con)
    return con


def test_dictionary_covers_every_relation_and_column() -> None:
    con = _con()
    text = data_dictionary(con, "wxm")
    for table, spec in TABLES.items():
        assert f"## `{table}` (table)" in text
        for column in spec.columns:
            assert f"| `{column.name}` | " in text and column.description in text
    for model, (_, columns) in MODEL_DOCS.items():
        assert f"## `{model}` (view)" in text
        for column in columns:
            assert f"| `{column}` |" in text
    assert "## `wide_store` (view)" in text
    assert "Answer to question `q_multi` (Liked; MultiSelect)" in text
    assert "_dlt_loads" not in text
    for line in text.splitlines():
        if line.startswith("| `"):
            assert not line.rstrip().endswith("|  |"), line  # every column has a meaning


def test_example_queries_run() -> None:
    con = _con()
    assert len(EXAMPLE_QUERIES) == 3
    results = [con.execute(sql).fetchall() for _, sql in EXAMPLE_QUERIES]
    assert results[1][0][0] == "Liked"
    assert results[2] and results[2][0][0] == "r2"
