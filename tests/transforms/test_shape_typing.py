"""Answer typing: every displayType lands in its typed column; comma labels stay whole."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from transforms_fixtures import EMAIL, full_answer, resp, rows_by_table

from transforms.answer_typing import split_options, type_answer
from transforms.catalog import QuestionInfo
from transforms.shape import Catalog, PiiPolicy, Shaper


def _answers(catalog: Catalog) -> dict[str, dict[str, Any]]:
    shaper = Shaper(catalog, PiiPolicy("keep"))
    tables = rows_by_table(shaper, full_answer())
    return {row["question_id"]: row for row in tables["answers"]}


@pytest.mark.parametrize(
    ("question_id", "kind", "number", "text", "date", "options"),
    [
        ("q_nps", "number", 9.0, None, None, None),
        ("q_csat", "number", 4.0, None, None, None),
        ("q_ces", "number", 2.0, "2", None, None),
        ("q_slider", "number", 0.0, None, None, None),
        ("q_number", "number", 12.0, "12", None, None),
        ("q_text", "text", None, "Great, thanks", None, None),
        ("q_mltext", "text", None, "line one\nline two", None, None),
        ("q_select", "options", None, "Shopping, browsing", None, ["Shopping, browsing"]),
        (
            "q_multi",
            "options",
            None,
            "Price, value,Staff, friendly and helpful,Mystery, option",
            None,
            ["Price, value", "Staff, friendly and helpful", "Mystery", "option"],
        ),
        ("q_dropdown", "options", None, "South, East", None, ["South, East"]),
        (
            "q_orderby",
            "options",
            None,
            "Service,Price,Quality",
            None,
            ["Service", "Price", "Quality"],
        ),
        ("q_date", "date", None, "2024-04-30", dt.date(2024, 4, 30), None),
        ("q_flag", "text", None, "true", None, None),
        ("q_file", "text", None, "https://files.example/receipt.png", None, None),
        ("q_email", "text", None, EMAIL, None, None),
    ],
)
def test_every_display_type_lands_in_its_column(
    catalog: Catalog,
    question_id: str,
    kind: str,
    number: float | None,
    text: str | None,
    date: dt.date | None,
    options: list[str] | None,
) -> None:
    row = _answers(catalog)[question_id]
    assert row["value_kind"] == kind
    assert row["value_number"] == number
    assert row["value_text"] == text
    assert row["value_date"] == date
    assert row["value_options"] == options
    assert row["question_known"] is True


def test_text_answers_never_get_the_apis_zero(catalog: Catalog) -> None:
    rows = _answers(catalog)
    for question_id in ("q_text", "q_mltext", "q_select", "q_multi", "q_date", "q_file"):
        assert rows[question_id]["value_number"] is None, question_id


def test_numeric_answer_prefers_text_when_number_is_zero(catalog: Catalog) -> None:
    question = catalog.get("q_number")
    assert type_answer(resp("q_number", "7", 0), question).value_number == 7.0
    assert type_answer(resp("q_number", None, 0), question).value_number == 0.0
    assert type_answer({"questionId": "q_number"}, question).value_number is None


def test_unknown_question_is_typed_best_effort_and_flagged(shaper: Shaper) -> None:
    body = full_answer()
    body["responses"] = [resp("q_new_1", "hello"), resp("q_new_2", None, 5), resp("q_new_3", "3.5")]
    rows = {r["question_id"]: r for r in rows_by_table(shaper, body)["answers"]}
    assert [r["question_known"] for r in rows.values()] == [False, False, False]
    assert rows["q_new_1"]["value_text"] == "hello" and rows["q_new_1"]["value_number"] is None
    assert rows["q_new_2"]["value_number"] == 5.0 and rows["q_new_2"]["value_kind"] == "number"
    assert rows["q_new_3"]["value_number"] == 3.5 and rows["q_new_3"]["value_text"] == "3.5"
    assert rows["q_new_1"]["question_label"] == "text of q_new_1"
    assert rows["q_new_1"]["display_type"] is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Price, value,Speed", ["Price, value", "Speed"]),
        ("Price, value, Speed", ["Price, value", "Speed"]),
        ("Speed,Price, value", ["Speed", "Price, value"]),
        ("speed,PRICE, VALUE", ["Speed", "Price, value"]),
        ("Price", ["Price"]),
        ("Price,Unknown label,Speed", ["Price", "Unknown label", "Speed"]),
        ("A, B, C", ["A, B, C"]),
        ("Speed,,", ["Speed"]),
    ],
)
def test_split_options_keeps_comma_labels_whole(text: str, expected: list[str]) -> None:
    assert split_options(text, ["Price, value", "Speed", "A, B, C"]) == expected


def test_split_without_known_labels_splits_on_commas() -> None:
    assert split_options("a, b,c", []) == ["a", "b", "c"]


def test_single_choice_option_with_comma_stays_whole() -> None:
    question = QuestionInfo("q", "Q", "Q", "Select", options=())
    assert type_answer(resp("q", "Yes, please"), question).value_options == ["Yes, please"]
