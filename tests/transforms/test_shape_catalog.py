"""The catalog: short labels, PII flags, NPS band, time zone, collision-safe column names."""

from __future__ import annotations

import pytest
from transforms_fixtures import QUESTIONS, SETTINGS

from transforms.catalog import column_names, derive_label, parse_nps_range, snake_case
from transforms.shape import Catalog, shape_question, shape_settings


def test_catalog_reads_questions_and_settings(catalog: Catalog) -> None:
    assert len(catalog.questions) == len(QUESTIONS)
    assert catalog.nps_passive == (7, 8)
    assert catalog.time_zone_offset == 330
    assert catalog.get("q_nps") is not None and catalog.get("q_nps").label == "Recommend"  # type: ignore[union-attr]
    assert catalog.get("q_csat").label == "How satisfied were you?"  # type: ignore[union-attr]
    assert catalog.get("q_mltext").label == "Story"  # type: ignore[union-attr]
    assert catalog.get("nope") is None
    assert [q.id for q in catalog.tagged("nps")] == ["q_nps"]


def test_pii_flags_come_from_settings_and_tags(catalog: Catalog) -> None:
    pii = {q.id for q in catalog.questions.values() if q.is_pii}
    assert pii == {"q_name", "q_email", "q_mobile", "q_secret"}


@pytest.mark.parametrize(
    ("raw", "band"),
    [
        ("7,8", (7, 8)),
        ("6,8", (6, 8)),
        ("5-8", (5, 8)),
        ([6, 7], (6, 7)),
        (None, (7, 8)),
        ("", (7, 8)),
        ("9,20", (7, 8)),
        (8, (8, 8)),
    ],
)
def test_nps_range(raw: object, band: tuple[int, int]) -> None:
    assert parse_nps_range(raw) == band


def test_missing_settings_use_defaults() -> None:
    catalog = Catalog.from_api([{"id": "a"}, {"text": "no id"}], None)
    assert catalog.nps_passive == (7, 8) and catalog.time_zone_offset == 0
    assert list(catalog.questions) == ["a"]


def test_labels_and_snake_case() -> None:
    assert derive_label("  Short   note ", "ignored") == "Short note"
    assert derive_label(None, "<p>How &amp; why?</p>") == "How & why?"
    long_label = derive_label(None, "word " * 40)
    assert long_label is not None and len(long_label) <= 60 and not long_label.endswith(" ")
    assert snake_case("Visit reason (main)") == "visit_reason_main"
    assert snake_case("Café crème") == "cafe_creme"
    assert snake_case("10 things") == "q_10_things"
    assert snake_case("???") == "q"


def test_column_names_are_collision_safe_and_stable() -> None:
    names = column_names(
        [("5f00000000000000000000a1", "Recommend"), ("5f00000000000000000000b2", "recommend!")]
    )
    assert names["5f00000000000000000000a1"] == "recommend"
    assert names["5f00000000000000000000b2"] == "recommend_0000b2"
    later = column_names(
        [
            ("5f00000000000000000000a1", "Recommend"),
            ("5f00000000000000000000b2", "recommend!"),
            ("5f00000000000000000000c3", "Recommend"),
        ]
    )
    assert {k: later[k] for k in names} == names
    assert len(set(later.values())) == 3
    assert column_names([("x", "response_id")], reserved=["response_id"])["x"] != "response_id"


def test_shape_question_and_settings_rows() -> None:
    row = shape_question(QUESTIONS[8])
    assert row["id"] == "q_multi" and row["label"] == "Liked" and row["value_kind"] == "options"
    assert row["options"] == ["Price, value", "Speed", "Staff, friendly and helpful", "Parking"]
    assert row["is_retired"] is False and row["is_pii"] is False
    settings = shape_settings(SETTINGS, "acme")
    assert settings == {
        "account": "acme",
        "time_zone_offset": 330,
        "nps_range": "7,8",
        "nps_passive_low": 7,
        "nps_passive_high": 8,
    }
    assert "secret-key" not in str(settings)
