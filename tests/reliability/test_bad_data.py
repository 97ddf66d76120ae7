"""Odd data on the wire: timestamp forms, unknown and type-changing fields, a 1 MB response,
unicode, duplicate ids across pages, `totalPages` that lies, empty bodies and `null`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from reliability_helpers import Scenario, sim_config

from pipelines.destinations import open_dataset
from transforms.shape import shape_settings
from transforms.tables import TABLES

UNICODE = (
    "Ünïcødé ✓ 中文 日本語 한국어 العربية עברית हिन्दी ไทย Ελληνικά кириллица "
    '👩🏽‍💻🏳️‍🌈 e\u0301 zero\u200bwidth line\u2028sep "quotes" back\\slash tab\t nl\n end'
)


@pytest.mark.parametrize(("digits", "z"), [(0, True), (3, False), (7, True), (7, False)], ids=str)
def test_timestamp_forms_across_incremental_runs(scenario: Scenario, digits: int, z: bool) -> None:
    sim = scenario.start(sim_config(responses=200, fraction_digits=digits, trailing_z=z))
    scenario.sync_ok()
    account = sim.account
    # a dense instant right at the edge of the last sync, and more inside the lookback
    account.insert_late(5, at=account.now - timedelta(hours=2), spread_seconds=0)
    account.insert_late(5, at=account.now - timedelta(days=3), spread_seconds=0.002)
    account.advance(30, new_responses=5)
    scenario.sync_ok()
    scenario.verify(sim)


def test_unknown_fields_and_a_field_that_changes_type(scenario: Scenario) -> None:
    sim = scenario.start(sim_config(responses=200, extra_fields=True))
    scenario.sync_ok()
    scenario.sync_ok()
    scenario.verify(sim)  # the content hash covers the unknown fields as received
    with open_dataset(scenario.settings()) as con:
        assert con is not None
        for table in ("responses", "answers", "notes", "tickets"):
            columns = {
                name
                for (name,) in con.execute(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_schema = 'wxm' AND table_name = ?",
                    [table],
                ).fetchall()
                if not name.startswith("_dlt")
            }
            assert columns == set(TABLES[table].column_names), table  # no variant sprawl


def test_a_1mb_response_with_every_script(scenario: Scenario) -> None:
    sim = scenario.start(sim_config(responses=150))
    scenario.sync_ok()
    account = sim.account
    recent = sorted(account.ground_truth(after=account.now - timedelta(days=2)))
    big = UNICODE * (1_050_000 // len(UNICODE.encode()) + 1)
    account.edit(recent[0], append_note=big)
    account.edit(recent[0], append_note=UNICODE)
    assert len(account.answer(account.key_of(recent[0]) or 0)["notes"][-2]["note"].encode()) > 1e6
    scenario.sync_ok()
    scenario.verify(sim)
    with open_dataset(scenario.settings()) as con:
        assert con is not None
        notes = con.execute(
            "SELECT note FROM wxm.notes WHERE response_id = ? ORDER BY note_index", [recent[0]]
        ).fetchall()
    assert [n for (n,) in notes][-2:] == [big, UNICODE]


@pytest.mark.parametrize(
    "faults",
    [
        [("duplicate", 4, "answers/page", 1, {})],
        [("total_pages", 3, "answers/page", 1, {"pages": 1})],
        [("total_pages", 3, "answers/page", 2, {"pages": -1})],
        [
            ("total_pages", 2, "answers/page", 0, {"pages": 5}),
            ("duplicate", 2, "answers/page", 3, {}),
        ],
        [("empty", 2, "answers/page", 1, {}), ("null", 2, "answers/page", 2, {})],
        [("null", 1, "answers/count", 0, {}), ("empty", 1, "answers/count", 1, {})],
    ],
    ids=[
        "duplicate-ids",
        "total-pages-high",
        "total-pages-low",
        "both",
        "empty-null-pages",
        "empty-null-counts",
    ],
)
@pytest.mark.usefixtures("quick_waits")
def test_paging_that_lies(
    scenario: Scenario, faults: list[tuple[str, int, str, int, dict[str, Any]]]
) -> None:
    sim = scenario.start(sim_config(responses=250))
    for kind, count, route, after, extra in faults:
        sim.faults.add(kind, count=count, route=route, after=after, **extra)
    scenario.sync_ok()
    assert not sim.faults.pending()
    scenario.verify(sim)


@pytest.mark.parametrize("route", ["questions", "settings", "allsurveyquestionnaires"])
@pytest.mark.parametrize("kind", ["empty", "null"])
@pytest.mark.usefixtures("quick_waits")
def test_empty_configuration_bodies_do_not_degrade_the_answers(
    scenario: Scenario, route: str, kind: str
) -> None:
    sim = scenario.start(sim_config(responses=120))
    sim.faults.add(kind, count=1, route=route)
    scenario.sync_ok()
    scenario.verify(sim)
    with open_dataset(scenario.settings()) as con:
        assert con is not None
        unknown = con.execute(
            "SELECT count(*) FROM wxm.answers WHERE NOT question_known"
        ).fetchone()
        questions = con.execute("SELECT count(*) FROM wxm.questions").fetchone()
        settings_row = con.execute(
            "SELECT * EXCLUDE (_dlt_load_id, _dlt_id) FROM wxm.account_settings"
        ).fetchall()
        listed = con.execute(
            "SELECT name FROM wxm.questionnaires WHERE in_survey_questionnaires ORDER BY name"
        ).fetchall()
    assert unknown == (0,)
    assert questions == (len(sim.account.questions()),)
    expected = shape_settings(sim.account.settings(), sim.username)
    assert settings_row == [tuple(expected.values())]
    assert [name for (name,) in listed] == sorted(
        q["name"] for q in sim.account.catalog.questionnaires
    )
