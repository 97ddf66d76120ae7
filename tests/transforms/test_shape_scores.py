"""NPS, CSAT and CES per response against hand-computed figures."""

from __future__ import annotations

import pytest
from transforms_fixtures import QUESTIONS, answer, resp, rows_by_table

from transforms.scores import nps, nps_category
from transforms.shape import Catalog, PiiPolicy, Shaper


@pytest.mark.parametrize(
    ("score", "band", "category"),
    [
        (0, (7, 8), "detractor"),
        (6, (7, 8), "detractor"),
        (7, (7, 8), "passive"),
        (8, (7, 8), "passive"),
        (9, (7, 8), "promoter"),
        (10, (7, 8), "promoter"),
        (6, (6, 8), "passive"),
        (8, (6, 7), "promoter"),
        (5, (6, 8), "detractor"),
        (None, (7, 8), None),
    ],
)
def test_nps_category_honours_the_band(
    score: int | None, band: tuple[int, int], category: str | None
) -> None:
    assert nps_category(score, band) == category


def test_nps_formula() -> None:
    assert nps(5, 2, 10) == 30.0
    assert nps(0, 3, 3) == -100.0
    assert nps(0, 0, 0) is None


def test_response_scores_with_custom_band() -> None:
    shaper = Shaper(Catalog.from_api(QUESTIONS, {"npsRange": "6,8"}), PiiPolicy("keep"))
    bodies = [
        answer(
            "a", responses=[resp("q_nps", None, 6), resp("q_csat", None, 5), resp("q_ces", None, 3)]
        ),
        answer("b", responses=[resp("q_nps", None, 9)]),
        answer("c", responses=[resp("q_nps", None, 5), resp("q_text", "meh")]),
        answer("d", responses=[resp("q_text", "no score")]),
        answer("e", responses=[resp("q_nps", "10", 0)]),
    ]
    responses = {r["id"]: r for r in rows_by_table(shaper, *bodies)["responses"]}
    got = {
        k: (r["nps_score"], r["nps_category"], r["csat_score"], r["ces_score"])
        for k, r in responses.items()
    }
    assert got == {
        "a": (6, "passive", 5.0, 3.0),
        "b": (9, "promoter", None, None),
        "c": (5, "detractor", None, None),
        "d": (None, None, None, None),
        "e": (10, "promoter", None, None),
    }
    promoters = sum(r[1] == "promoter" for r in got.values())
    detractors = sum(r[1] == "detractor" for r in got.values())
    assert nps(promoters, detractors, 4) == 25.0


def test_retired_question_without_tag_does_not_score(catalog: Catalog) -> None:
    shaper = Shaper(catalog, PiiPolicy("keep"))
    rows = rows_by_table(shaper, answer("x", responses=[resp("q_old", None, 10)]))
    assert rows["responses"][0]["nps_score"] is None
    assert rows["answers"][0]["value_number"] == 10.0
