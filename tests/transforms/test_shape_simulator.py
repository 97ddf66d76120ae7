"""Shaping against the simulator's ground truth: every displayType, comma labels, personal data."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import duckdb
import pytest
from test_pii_scan import scan
from transforms_fixtures import load_shaped

from simulator import SimulatorConfig, run_simulator
from transforms.models import build_models
from transforms.shape import Catalog, PiiPolicy, Shaper, content_hash
from transforms.timestamps import parse_timestamp

NUMBER_TYPES = {"Scale", "Slider", "Number", "Smile-5", "Star-5"}


@pytest.fixture(scope="module")
def account_data() -> tuple[
    list[dict[str, Any]], dict[str, Any], dict[str, dict[str, Any]], list[str]
]:
    config = SimulatorConfig(seed=11, responses=400, days=10, rate_limit=0, fraction_digits=7)
    with run_simulator(config) as sim:
        account = sim.account
        people = [
            value
            for user in account.catalog.subusers
            for value in (user.get("name"), user.get("email"))
            if value
        ]
        return (
            account.questions(),
            account.settings(),
            account.ground_truth(),
            account.pii_values() + people,
        )


def test_typed_values_match_ground_truth_for_every_display_type(account_data: Any) -> None:
    questions, settings, truth, _ = account_data
    catalog = Catalog.from_api(questions, settings)
    shaper = Shaper(catalog, PiiPolicy("keep"))
    by_id = {q["id"]: q for q in questions}
    seen: Counter[str] = Counter()
    comma_labels = 0
    for answer in truth.values():
        rows = list(shaper.rows(answer))
        response = rows[0][1]
        assert response["content_hash"] == content_hash(answer)
        assert response["response_date_time"] == parse_timestamp(answer["responseDateTime"])
        answers = {r["question_id"]: r for t, r in rows if t == "answers"}
        for item in answer["responses"]:
            question = by_id[item["questionId"]]
            row = answers[item["questionId"]]
            display_type = question["displayType"]
            seen[display_type] += 1
            text, number = item["textInput"], item["numberInput"]
            if display_type in NUMBER_TYPES:
                assert row["value_number"] == float(number)
            else:
                assert row["value_number"] is None or display_type == "Flag"
                assert row["value_text"] == text
            if display_type in ("Select", "Dropdown"):
                assert row["value_options"] == [text]
            if display_type in ("MultiSelect", "OrderBy"):
                assert ",".join(row["value_options"]) == text
                assert set(row["value_options"]) <= set(question["multiSelect"])
                comma_labels += sum("," in o for o in row["value_options"])
            if display_type == "Date":
                assert row["value_date"] == dt.date.fromisoformat(text[:10])
            if "NPS" in (question["questionTags"] or []):
                assert response["nps_score"] == number
    assert set(seen) >= NUMBER_TYPES | {
        "Text",
        "MultilineText",
        "Select",
        "MultiSelect",
        "Dropdown",
        "OrderBy",
        "Date",
        "Flag",
        "File",
    }
    assert comma_labels > 0


@pytest.mark.parametrize(("mode", "expect_found"), [("hash", False), ("keep", True)])
def test_no_personal_value_in_clear_with_default_mode(
    account_data: Any, mode: str, expect_found: bool
) -> None:
    questions, settings, truth, personal = account_data
    answers = list(truth.values())[:60]
    shaper = Shaper(Catalog.from_api(questions, settings), PiiPolicy(mode, "pepper"))  # type: ignore[arg-type]
    con = duckdb.connect()
    load_shaped(con, shaper, answers, questions, settings)
    build_models(con)
    needles = tuple(sorted({p for p in personal if len(p) > 4}))
    found = scan(con, "wxm", needles)
    if expect_found:
        assert found
    else:
        assert found == set()
