"""The Parquet (Delta) catalog: views over the live files of each table, and the same models."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dlt
import duckdb
from transforms_fixtures import QUESTIONS, SETTINGS, answer, full_answer, resp, rows_by_table

from transforms.dictionary import EXAMPLE_QUERIES, data_dictionary
from transforms.parquet_catalog import build_catalog
from transforms.shape import (
    TABLES,
    Catalog,
    PiiPolicy,
    Shaper,
    dlt_columns,
    shape_question,
    shape_settings,
)


def _load(pipeline: Any, bodies: list[dict[str, Any]]) -> None:
    shaper = Shaper(Catalog.from_api(QUESTIONS, SETTINGS), PiiPolicy("hash", "pepper"))
    tables = rows_by_table(shaper, *bodies)
    tables["questions"] = [shape_question(q) for q in QUESTIONS]
    tables["account_settings"] = [shape_settings(SETTINGS, "acme")]
    resources = [
        dlt.resource(
            rows,
            name=table,
            primary_key=list(TABLES[table].primary_key),
            columns=dlt_columns(table),
            write_disposition="merge",
            max_table_nesting=0,
        )
        for table, rows in tables.items()
    ]
    pipeline.run(resources, loader_file_format="parquet", table_format="delta")


def test_catalog_reads_live_delta_files_and_builds_models(tmp_path: Path) -> None:
    root = tmp_path / "parquet"
    pipeline = dlt.pipeline(
        "wxm_catalog_test",
        destination=dlt.destinations.filesystem(root.as_uri()),
        dataset_name="wxm",
        pipelines_dir=str(tmp_path / "dlt"),
    )
    _load(pipeline, [full_answer("r1", nps=9), full_answer("r2", nps=3)])
    edited = answer("r1", responses=[resp("q_nps", None, 0)])
    _load(pipeline, [edited, answer("r3", responses=[resp("q_nps", None, 10)])])

    catalog_file = tmp_path / "catalog" / "wxm_parquet.duckdb"
    names = build_catalog(root, catalog_file)
    assert {"responses", "answers", "notes", "tickets", "questions", "account_settings"} <= set(
        names
    )
    assert names[-3:] == ["answer_options", "daily_nps", "wide_store"]

    con = duckdb.connect(str(catalog_file), read_only=True)
    responses = con.execute("SELECT id, nps_score FROM wxm.responses ORDER BY id").fetchall()
    assert responses == [("r1", 0), ("r2", 3), ("r3", 10)]  # merged: one row per response
    answers_types = dict(
        con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'answers'"
        ).fetchall()
    )
    assert answers_types["value_options"] == "JSON"
    assert answers_types["response_date_time"] == "TIMESTAMP WITH TIME ZONE"
    daily = con.execute(
        "SELECT sum(responses), sum(promoters), sum(detractors) FROM wxm.daily_nps"
    ).fetchone()
    assert daily == (3, 1, 2)
    options = con.execute(
        "SELECT count(*) FROM wxm.answer_options WHERE question_id = 'q_multi'"
    ).fetchone()
    # r1 and r2 four options each: the edited r1 no longer answers q_multi, but upsert keeps
    # the answer row it had (WXM only adds answers to a response, it never removes them)
    assert options == (8,)
    for _title, sql in EXAMPLE_QUERIES:
        con.execute(sql).fetchall()
    dictionary = data_dictionary(con)
    assert "## `daily_nps` (view)" in dictionary and "## `wide_store` (view)" in dictionary
    con.close()

    rebuilt = build_catalog(root, catalog_file)
    assert rebuilt == names


def test_catalog_without_data_has_empty_typed_views(tmp_path: Path) -> None:
    catalog_file = tmp_path / "empty.duckdb"
    names = build_catalog(tmp_path / "nothing", catalog_file)
    assert names == [*TABLES, "answer_options", "daily_nps"]
    con = duckdb.connect(str(catalog_file), read_only=True)
    assert con.execute("SELECT count(*) FROM wxm.responses").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM wxm.daily_nps").fetchone() == (0,)
