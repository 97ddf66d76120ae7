"""daily_nps against a direct Python computation, in the account's time zone."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from typing import Any

import duckdb
import pytest
from transforms_fixtures import QUESTIONS, answer, load_shaped, resp

from transforms.models import build_models
from transforms.scores import nps_category
from transforms.shape import Catalog, PiiPolicy, Shaper


def _answers(seed: int, count: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    start = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
    bodies = []
    for i in range(count):
        when = start + dt.timedelta(minutes=rng.randrange(0, 5 * 24 * 60))
        responses = [resp("q_text", "hi")]
        if rng.random() < 0.8:
            responses.append(resp("q_nps", None, rng.randrange(0, 11)))
        if rng.random() < 0.5:
            responses.append(resp("q_csat", None, rng.randrange(1, 6)))
        bodies.append(
            answer(
                f"r{i:04d}",
                when=when.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                responses=responses,
                locationId=rng.choice(["Store", "Web"]),
                archived=rng.random() < 0.1,
            )
        )
    return bodies


def _expected(
    bodies: list[dict[str, Any]], offset: int, band: tuple[int, int], deleted: set[str]
) -> dict[tuple[str, dt.date], dict[str, Any]]:
    days: dict[tuple[str, dt.date], dict[str, Any]] = defaultdict(
        lambda: {"responses": 0, "promoter": 0, "passive": 0, "detractor": 0, "csat": []}
    )
    for body in bodies:
        if body["archived"] or body["id"] in deleted:
            continue
        when = dt.datetime.fromisoformat(body["responseDateTime"].replace("Z", "+00:00"))
        day = (when + dt.timedelta(minutes=offset)).date()
        bucket = days[(body["locationId"], day)]
        bucket["responses"] += 1
        for item in body["responses"]:
            if item["questionId"] == "q_nps":
                bucket[str(nps_category(item["numberInput"], band))] += 1
            if item["questionId"] == "q_csat":
                bucket["csat"].append(item["numberInput"])
    return days


@pytest.mark.parametrize(("offset", "nps_range"), [(330, "7,8"), (-300, "6,8"), (0, None)])
def test_daily_nps_matches_direct_computation(offset: int, nps_range: str | None) -> None:
    settings = {"timeZoneOffset": offset, "npsRange": nps_range}
    catalog = Catalog.from_api(QUESTIONS, settings)
    bodies = _answers(seed=offset, count=300)
    con = duckdb.connect()
    load_shaped(con, Shaper(catalog, PiiPolicy("keep")), bodies, QUESTIONS, settings)
    deleted = {bodies[0]["id"], bodies[1]["id"]}
    con.execute("UPDATE wxm.responses SET deleted_at = now() WHERE id IN (?, ?)", sorted(deleted))
    build_models(con)

    expected = _expected(bodies, offset, catalog.nps_passive, deleted)
    got = con.execute(
        "SELECT questionnaire, day, responses, scored, promoters, passives, detractors, nps,"
        " csat_average FROM wxm.daily_nps"
    ).fetchall()
    assert len(got) == len(expected)
    for questionnaire, day, responses, scored, promoters, passives, detractors, nps, csat in got:
        want = expected[(questionnaire, day)]
        assert responses == want["responses"]
        assert (promoters, passives, detractors) == (
            want["promoter"],
            want["passive"],
            want["detractor"],
        )
        assert scored == promoters + passives + detractors
        if scored:
            assert nps == pytest.approx(100.0 * (promoters - detractors) / scored)
        else:
            assert nps is None
        if want["csat"]:
            assert csat == pytest.approx(sum(want["csat"]) / len(want["csat"]))
    assert sum(r[2] for r in got) == sum(w["responses"] for w in expected.values())


def test_daily_nps_hand_computed_day() -> None:
    bodies = [
        answer("a", when="2024-01-01T20:00:00Z", responses=[resp("q_nps", None, 10)]),
        answer("b", when="2024-01-01T21:00:00Z", responses=[resp("q_nps", None, 9)]),
        answer("c", when="2024-01-01T22:00:00Z", responses=[resp("q_nps", None, 8)]),
        answer("d", when="2024-01-01T23:00:00Z", responses=[resp("q_nps", None, 2)]),
        answer("e", when="2024-01-01T17:59:59Z", responses=[resp("q_nps", None, 0)]),
        answer("f", when="2024-01-01T20:30:00Z", responses=[resp("q_text", "no score")]),
    ]
    settings = {"timeZoneOffset": 360, "npsRange": "7,8"}
    con = duckdb.connect()
    load_shaped(
        con, Shaper(Catalog.from_api(QUESTIONS, settings), PiiPolicy()), bodies, QUESTIONS, settings
    )
    build_models(con)
    rows = con.execute(
        "SELECT day, responses, scored, promoters, passives, detractors, nps"
        " FROM wxm.daily_nps ORDER BY day"
    ).fetchall()
    # UTC+6: e falls on 1 Jan (23:59:59), the rest on 2 Jan.
    assert rows == [
        (dt.date(2024, 1, 1), 1, 1, 0, 0, 1, -100.0),
        (dt.date(2024, 1, 2), 5, 4, 2, 1, 1, 25.0),
    ]
