"""The feedback endpoints and FilterBy semantics, checked against the ground truth."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import requests
from sim_helpers import BASE, NOW, login

from simulator import Simulator, content_hash, run_simulator

ANSWER_FIELDS = [
    "id",
    "user",
    "locationId",
    "responseDateTime",
    "responseDuration",
    "surveyClient",
    "responses",
    "archived",
    "notes",
    "openTicket",
    "deviceId",
]


def page(
    api: requests.Session,
    sim: Simulator,
    number: int,
    rows: int,
    body: dict[str, Any] | None = None,
) -> requests.Response:
    return api.post(f"{sim.url}/api/answers/page/{number}/{rows}", json=body or {}, timeout=10)


def test_page_shape_and_model_order(api: requests.Session, sim: Simulator) -> None:
    body = page(api, sim, 1, 5).json()
    assert list(body) == ["currentPage", "responses", "totalCount", "totalPages"]
    assert body["currentPage"] == 1 and len(body["responses"]) == 5
    assert body["totalPages"] == -(-body["totalCount"] // 5)
    for answer in body["responses"]:
        assert list(answer) == ANSWER_FIELDS
        assert list(answer["responses"][0]) == [
            "questionId",
            "questionText",
            "textInput",
            "numberInput",
        ]


def test_count_is_a_bare_integer_matching_ground_truth(
    api: requests.Session, sim: Simulator
) -> None:
    reply = api.post(f"{sim.url}/api/answers/count", json={}, timeout=5)
    assert re.fullmatch(r"\d+", reply.text)
    assert int(reply.text) == len(sim.account.ground_truth(with_archived=False))
    everything = api.post(
        f"{sim.url}/api/answers/count", json={"mashup": {"withArchived": True}}, timeout=5
    )
    assert int(everything.text) == len(sim.account.ground_truth()) == BASE.responses


def test_all_pages_equal_unpaged_equal_ground_truth(api: requests.Session, sim: Simulator) -> None:
    body = {"mashup": {"withArchived": True}, "sortByOldest": True}
    paged: list[dict[str, Any]] = []
    number = 1
    while True:
        chunk = page(api, sim, number, 400, body).json()["responses"]
        if not chunk:
            break
        paged.extend(chunk)
        number += 1
    unpaged = api.post(f"{sim.url}/api/answers", json=body, timeout=30).json()
    assert paged == unpaged
    truth = sim.account.ground_truth()
    assert {a["id"]: content_hash(a) for a in paged} == {
        i: content_hash(a) for i, a in truth.items()
    }


def test_answer_by_id_and_unknown_id(api: requests.Session, sim: Simulator) -> None:
    first = page(api, sim, 1, 1).json()["responses"][0]
    assert api.get(f"{sim.url}/api/answer/{first['id']}", timeout=5).json() == first
    assert api.get(f"{sim.url}/api/answer/{'0' * 24}", timeout=5).status_code == 404


def test_rows_above_1000_is_400(api: requests.Session, sim: Simulator) -> None:
    assert page(api, sim, 1, 1001).status_code == 400
    assert page(api, sim, 1, 1000).status_code == 200


def test_default_newest_first_and_sort_by_oldest(api: requests.Session, sim: Simulator) -> None:
    newest = [a["responseDateTime"] for a in page(api, sim, 1, 300).json()["responses"]]
    oldest = [
        a["responseDateTime"]
        for a in page(api, sim, 1, 300, {"sortByOldest": True}).json()["responses"]
    ]
    assert newest == sorted(newest, reverse=True) and oldest == sorted(oldest)
    assert newest[0] > oldest[-1]


def test_page_zero_and_one_are_both_the_first_page(api: requests.Session, sim: Simulator) -> None:
    zero, one, two = (page(api, sim, n, 10).json() for n in (0, 1, 2))
    assert zero["responses"] == one["responses"] != two["responses"]
    assert zero["currentPage"] == 0 and two["currentPage"] == 2


@pytest.mark.parametrize(("mode", "first_of"), [("zero", 0), ("one", 1)])
def test_first_page_options(mode: str, first_of: int) -> None:
    with run_simulator(BASE.replace(first_page=mode, responses=50)) as sim:
        api = login(sim)
        first = page(api, sim, first_of, 10).json()["responses"]
        second = page(api, sim, first_of + 1, 10).json()["responses"]
        assert first and second and first[0]["id"] != second[0]["id"]
        if mode == "one":
            assert page(api, sim, 0, 10).status_code == 400


def test_date_bounds_are_inclusive(api: requests.Session, sim: Simulator) -> None:
    answers = page(api, sim, 3, 50).json()["responses"]
    stamp = answers[10]["responseDateTime"]
    body = {"afterdate": stamp, "beforedate": stamp, "mashup": {"withArchived": True}}
    same = page(api, sim, 1, 100, body).json()["responses"]
    assert same and all(a["responseDateTime"] == stamp for a in same)
    assert answers[10]["id"] in {a["id"] for a in same}


def test_exclusive_bounds_option() -> None:
    with run_simulator(BASE.replace(inclusive_bounds=False, responses=200)) as sim:
        api = login(sim)
        stamp = page(api, sim, 1, 50).json()["responses"][20]["responseDateTime"]
        body = {"afterdate": stamp, "beforedate": stamp}
        assert api.post(f"{sim.url}/api/answers/count", json=body, timeout=5).text == "0"


def test_window_matches_ground_truth_window(api: requests.Session, sim: Simulator) -> None:
    after = NOW - timedelta(days=3)
    before = NOW - timedelta(days=2)
    body = {
        "afterdate": after.isoformat().replace("+00:00", "Z"),
        "beforedate": before.isoformat().replace("+00:00", "Z"),
        "mashup": {"withArchived": True},
    }
    served = api.post(f"{sim.url}/api/answers", json=body, timeout=10).json()
    truth = sim.account.ground_truth(after, before)
    assert served and {a["id"] for a in served} == set(truth)


def test_location_and_archived_filters(api: requests.Session, sim: Simulator) -> None:
    def ids(body: dict[str, Any]) -> set[str]:
        return {a["id"] for a in api.post(f"{sim.url}/api/answers", json=body, timeout=10).json()}

    truth = sim.account.ground_truth()
    archived = {i for i, a in truth.items() if a["archived"]}
    assert archived and ids({"archived": True}) == archived
    assert ids({}) == set(truth) - archived
    assert ids({"mashup": {"withArchived": True}}) == set(truth)
    retail = {i for i, a in truth.items() if a["locationId"] == "Retail Store"}
    assert ids({"location": ["Retail Store"], "mashup": {"withArchived": True}}) == retail
    assert ids({"location": ["No such questionnaire"]}) == set()


def test_many_responses_share_one_second(sim: Simulator) -> None:
    seconds = [a["responseDateTime"][:19] for a in sim.account.ground_truth().values()]
    assert max(seconds.count(s) for s in set(seconds)) >= 4
    instants = [a["responseDateTime"] for a in sim.account.ground_truth().values()]
    assert len(set(instants)) < len(instants)


@pytest.mark.parametrize(
    ("digits", "z", "pattern"),
    [
        (3, True, r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"),
        (7, True, r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z"),
        (0, False, r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d"),
    ],
)
def test_timestamp_format_options(digits: int, z: bool, pattern: str) -> None:
    with run_simulator(BASE.replace(responses=30, fraction_digits=digits, trailing_z=z)) as sim:
        api = login(sim)
        answers = page(api, sim, 1, 30).json()["responses"]
        assert all(re.fullmatch(pattern, a["responseDateTime"]) for a in answers)
        truth = sim.account.ground_truth()
        assert all(truth[a["id"]] == a for a in answers)
