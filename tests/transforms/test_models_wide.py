"""answer_options and the wide views: comma labels, column names, retired and deleted responses."""

from __future__ import annotations

import duckdb
from transforms_fixtures import QUESTIONS, SETTINGS, answer, full_answer, load_shaped, resp

from transforms.models import build_models, model_names, wide_view_name
from transforms.shape import Catalog, PiiPolicy, Shaper


def _loaded(mode: str = "keep") -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    shaper = Shaper(Catalog.from_api(QUESTIONS, SETTINGS), PiiPolicy(mode, "pepper"))  # type: ignore[arg-type]
    bodies = [
        full_answer("r1"),
        full_answer("r2", nps=2),
        answer(
            "r3",
            responses=[resp("q_multi", "Speed,Parking"), resp("q_unknown", "7")],
            locationId="Web / App",
        ),
        answer("gone", responses=[resp("q_multi", "Speed")]),
    ]
    load_shaped(con, shaper, bodies, QUESTIONS, SETTINGS)
    con.execute("UPDATE wxm.responses SET deleted_at = now() WHERE id = 'gone'")
    return con


def test_build_models_returns_every_view() -> None:
    con = _loaded()
    built = build_models(con)
    assert built == ["answer_options", "daily_nps", "wide_store", "wide_web_app"]
    assert list(model_names(con)) == built
    assert wide_view_name("Web / App", ["Store"]) == "wide_web_app"


def test_answer_options_one_row_per_option_comma_labels_whole() -> None:
    con = _loaded()
    build_models(con)
    rows = con.execute(
        "SELECT response_id, option_index, option FROM wxm.answer_options"
        " WHERE question_id = 'q_multi' ORDER BY response_id, option_index"
    ).fetchall()
    assert rows == [
        ("r1", 1, "Price, value"),
        ("r1", 2, "Staff, friendly and helpful"),
        ("r1", 3, "Mystery"),
        ("r1", 4, "option"),
        ("r2", 1, "Price, value"),
        ("r2", 2, "Staff, friendly and helpful"),
        ("r2", 3, "Mystery"),
        ("r2", 4, "option"),
        ("r3", 1, "Speed"),
        ("r3", 2, "Parking"),
    ]
    ranks = con.execute(
        "SELECT option FROM wxm.answer_options WHERE question_id = 'q_orderby'"
        " AND response_id = 'r1' ORDER BY option_index"
    ).fetchall()
    assert [r[0] for r in ranks] == ["Service", "Price", "Quality"]


def test_wide_view_columns_values_and_exclusions() -> None:
    con = _loaded()
    build_models(con)
    columns = {r[0]: r[1] for r in con.execute("DESCRIBE wxm.wide_store").fetchall()}
    assert columns["recommend"] == "DOUBLE"
    assert columns["recommend_old"] == "DOUBLE"  # retired question kept, name collision-safe
    assert columns["how_satisfied_were_you"] == "DOUBLE"  # no note: label from the text
    assert columns["visit_date"] == "DATE"
    assert columns["liked"] == "JSON"
    assert columns["visit_reason"] == "VARCHAR"
    assert columns["email"] == "VARCHAR" and columns["mobile"] == "VARCHAR"
    rows = con.execute(
        "SELECT response_id, recommend, visit_reason, visit_date, comment, liked"
        " FROM wxm.wide_store ORDER BY response_id"
    ).fetchall()
    assert [r[0] for r in rows] == ["r1", "r2"]  # `gone` is deleted upstream
    assert rows[0][1:5] == (9.0, "Shopping, browsing", rows[0][3], "Great, thanks")
    assert str(rows[0][3]) == "2024-04-30"
    web = con.execute("SELECT * FROM wxm.wide_web_app").fetchall()
    web_columns = [r[0] for r in con.execute("DESCRIBE wxm.wide_web_app").fetchall()]
    assert len(web) == 1 and "text_of_q_unknown" in web_columns


def test_wide_column_names_are_stable_when_questions_are_added() -> None:
    con = _loaded()
    build_models(con)
    before = [r[0] for r in con.execute("DESCRIBE wxm.wide_store").fetchall()]
    con.execute(
        "INSERT INTO wxm.questions (id, label, display_type, questionnaires) VALUES"
        " ('q_zz_new', 'Recommend', 'Scale', '[\"Store\"]')"
    )
    build_models(con)
    after = [r[0] for r in con.execute("DESCRIBE wxm.wide_store").fetchall()]
    assert set(before) < set(after)
    assert "recommend" in after and "recommend_zz_new" in after


def test_models_build_on_an_empty_dataset() -> None:
    con = duckdb.connect()
    assert build_models(con) == ["answer_options", "daily_nps"]
    assert con.execute("SELECT count(*) FROM wxm.daily_nps").fetchone() == (0,)
