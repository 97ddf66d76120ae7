"""Shaper.rows: every table's rows have every column, typed, and the right keys and counts."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from transforms_fixtures import answer, full_answer, resp, rows_by_table

from transforms.shape import TABLES, Shaper, content_hash, dlt_columns
from transforms.tables import coerce

PY_TYPES = {
    "text": str,
    "bigint": int,
    "double": float,
    "bool": bool,
    "timestamp": dt.datetime,
    "date": dt.date,
    "json": list,
}


def test_rows_have_every_column_in_order_with_declared_types(shaper: Shaper) -> None:
    tables = rows_by_table(
        shaper, full_answer("r1"), answer("r2", responses=[resp("q_nps", None, 3)])
    )
    assert set(tables) == {"responses", "answers", "notes", "tickets"}
    for table, rows in tables.items():
        spec = TABLES[table]
        for row in rows:
            assert list(row) == spec.column_names
            for column in spec.columns:
                value = row[column.name]
                if value is None:
                    assert column.nullable, (table, column.name)
                    continue
                assert isinstance(value, PY_TYPES[column.data_type]), (table, column.name, value)
                if column.data_type == "timestamp":
                    assert value.utcoffset() == dt.timedelta(0)


def test_response_row(shaper: Shaper) -> None:
    body = full_answer("r1")
    tables = rows_by_table(shaper, body)
    response = tables["responses"][0]
    assert response["id"] == "r1" and response["questionnaire"] == "Store"
    assert response["user"] == "acme" and response["response_duration"] == 42
    assert response["response_date_time"] == dt.datetime(
        2024, 5, 1, 10, 0, 0, 123000, tzinfo=dt.UTC
    )
    assert response["answer_count"] == len(body["responses"]) == len(tables["answers"])
    assert response["note_count"] == 1 and response["ticket_count"] == 1
    assert response["ticket_status"] == "Open" and response["deleted_at"] is None
    assert response["content_hash"] == content_hash(body)
    assert tables["notes"][0]["note_time"] == dt.datetime(2024, 5, 1, 11, tzinfo=dt.UTC)
    ticket = tables["tickets"][0]
    assert ticket["sequence"] == 3 and ticket["rating"] == 4.0 and ticket["is_escalated"] is False
    assert ticket["created"] == dt.datetime(2024, 5, 1, 11, 5, 0, 123456, tzinfo=dt.UTC)


def test_answers_carry_label_type_and_questionnaire(shaper: Shaper) -> None:
    rows = {r["question_id"]: r for r in rows_by_table(shaper, full_answer())["answers"]}
    row = rows["q_multi"]
    assert (row["question_label"], row["display_type"], row["questionnaire"]) == (
        "Liked",
        "MultiSelect",
        "Store",
    )
    assert row["question_text"] == "text of q_multi"
    assert row["response_date_time"] == dt.datetime(2024, 5, 1, 10, 0, 0, 123000, tzinfo=dt.UTC)


def test_empty_answer_still_gives_a_full_response_row(shaper: Shaper) -> None:
    tables = rows_by_table(shaper, {"id": "bare"})
    assert list(tables) == ["responses"]
    row = tables["responses"][0]
    assert row["answer_count"] == 0 and row["ticket_count"] == 0 and row["nps_score"] is None


def test_duplicate_question_in_one_answer_keeps_one_row(shaper: Shaper) -> None:
    body = answer("d", responses=[resp("q_nps", None, 3), resp("q_nps", None, 10)])
    tables = rows_by_table(shaper, body)
    assert len(tables["answers"]) == 1 and tables["responses"][0]["nps_score"] == 3


def test_content_hash_matches_the_contract() -> None:
    body = {"b": [1, "é"], "a": None}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert content_hash(body) == hashlib.sha256(text.encode()).hexdigest()
    assert content_hash(body) != content_hash({**body, "a": 1})


def test_dlt_columns_hints() -> None:
    hints = dlt_columns("answers")
    assert list(hints) == TABLES["answers"].column_names
    assert hints["response_id"]["primary_key"] and hints["question_id"]["primary_key"]
    assert hints["response_id"]["nullable"] is False
    assert "primary_key" not in hints["value_text"]
    assert hints["value_options"]["data_type"] == "json"


def test_coerce_rejects_values_of_the_wrong_type() -> None:
    assert coerce("x", "bigint") is None
    assert coerce(2.5, "bigint") is None
    assert coerce("yes", "bool") is None
    assert coerce(True, "double") is None
    assert coerce(["a"], "text") == '["a"]'
    assert coerce("2024-01-01T00:00:00Z", "date") == dt.date(2024, 1, 1)
