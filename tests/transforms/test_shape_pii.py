"""Personal data: hashed by default, kept or dropped on request, in every column that carries it."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest
from transforms_fixtures import EMAIL, MOBILE, NAME, full_answer, rows_by_table

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


def _shaped(catalog: Catalog, mode: str) -> dict[str, list[dict[str, Any]]]:
    return rows_by_table(Shaper(catalog, PiiPolicy(mode, "pepper")), full_answer())  # type: ignore[arg-type]


def _text(tables: dict[str, list[dict[str, Any]]]) -> str:
    return repr(tables)


def test_hash_mode_leaves_no_personal_value_in_clear(catalog: Catalog) -> None:
    tables = _shaped(catalog, "hash")
    dump = _text(tables)
    for value in PERSONAL:
        assert value not in dump, value
    answers = {r["question_id"]: r for r in tables["answers"]}
    expected = hmac.new(b"pepper", EMAIL.encode(), hashlib.sha256).hexdigest()
    assert answers["q_email"]["value_text"] == expected
    assert answers["q_mobile"]["value_number"] is None
    assert answers["q_mobile"]["value_text"] == PiiPolicy("hash", "pepper").hash(str(MOBILE))
    assert all(answers[q]["is_pii"] for q in ("q_name", "q_email", "q_mobile", "q_secret"))
    assert not answers["q_text"]["is_pii"] and answers["q_text"]["value_text"] == "Great, thanks"


def test_keep_mode_keeps_personal_values(catalog: Catalog) -> None:
    dump = _text(_shaped(catalog, "keep"))
    for value in PERSONAL:
        assert value in dump, value


def test_drop_mode_empties_personal_columns(catalog: Catalog) -> None:
    tables = _shaped(catalog, "drop")
    answers = {r["question_id"]: r for r in tables["answers"]}
    for question_id in ("q_name", "q_email", "q_mobile", "q_secret"):
        row = answers[question_id]
        assert [row[c] for c in ("value_number", "value_text", "value_date", "value_options")] == [
            None,
            None,
            None,
            None,
        ]
    assert tables["notes"][0]["author_name"] is None
    assert tables["tickets"][0]["cced_to"] == [None]


def test_salt_changes_the_hash() -> None:
    assert PiiPolicy("hash", "a").hash("x") != PiiPolicy("hash", "b").hash("x")
    assert len(PiiPolicy("hash", "a").hash("x")) == 64


def test_contact_fields_follow_the_policy() -> None:
    user = {"id": "u1", "userName": "ada", "name": NAME, "email": EMAIL, "mobilePhone": "+44 7700"}
    hashed = PiiPolicy("hash", "s").protect_contact(user)
    assert hashed["id"] == "u1" and hashed["userName"] == "ada"
    assert NAME not in repr(hashed) and EMAIL not in repr(hashed) and "+44 7700" not in repr(hashed)
    assert PiiPolicy("keep").protect_contact(user) == user
    dropped = PiiPolicy("drop").protect_contact(user)
    assert dropped["email"] is None and dropped["mobilePhone"] is None and dropped["name"] is None
    assert user["email"] == EMAIL


def test_policy_rejects_unknown_mode_and_hides_salt() -> None:
    with pytest.raises(ValueError):
        PiiPolicy("mask", "s")  # type: ignore[arg-type]
    assert "topsecret" not in repr(PiiPolicy("hash", "topsecret"))
